/**
 * Cleanup after a failure keeps retrying through sustained AWS throttling until its deadline, instead of giving up
 * after the usual 10 attempts and leaving the snapshot copy behind (found by `npm run chaos`, seed 66: a terminal
 * failure under 50% throttling left `<target>-<hash>-copy` in place).
 */
import assert from 'node:assert/strict';

import { DescribeDBClusterSnapshotsCommand } from '@aws-sdk/client-rds';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';

import { restoreWorkflowId } from '../../src/domain/naming';
import type { RestoreRequest } from '../../src/domain/request';
import { progressQuery } from '../../src/workflows/messages';
import { useWorkflowEnvironment } from '../support/fixtures/workflow';
import { motoClients, seedSourceSnapshot, uniqueName } from '../support/moto';

const SOURCE_REGION = 'us-east-1';
const TARGET_REGION = 'us-west-2';
const TIMINGS = { snapshotCopy: 20 * 60_000, clusterRestore: 40 * 60_000, instanceCreate: 10 * 60_000 };

describe('cleanup under sustained throttling (time-skipping server)', function () {
  this.timeout(240_000);
  const fixture = useWorkflowEnvironment();

  it('deletes the snapshot copy even when its deletion is throttled for more than 10 attempts', async () => {
    const source = await seedSourceSnapshot({ region: SOURCE_REGION, prefix: 'src', encrypted: true });
    const targetId = uniqueName('throttled-cleanup');
    const request: RestoreRequest = {
      source: { region: SOURCE_REGION, clusterId: source.clusterId, snapshot: source.snapshotId },
      target: { region: TARGET_REGION, clusterId: targetId },
      copy: { kmsKeyId: 'alias/aws/rds' },
      timing: { pollInterval: '30s' },
    };
    const w = await fixture.createWorker({ timings: TIMINGS });
    await w.sim.forceStatus({ kind: 'cluster', id: targetId, status: 'incompatible-restore', after: 5 * 60_000 });
    // More throttled attempts than 10 activity attempts of 3 SDK attempts each.
    const throttled = w.sim.injectFault({ command: 'DeleteDBClusterSnapshotCommand', error: 'Throttling', times: 45 });

    const { error, cleanup } = await w.worker.runUntil(async () => {
      const handle = await fixture.startRestore(request, { worker: w, workflowId: restoreWorkflowId(request.target) });
      const failed = await handle.result().then(
        () => undefined,
        (err: unknown) => err
      );
      return { error: failed, cleanup: (await handle.query(progressQuery)).cleanup };
    });

    assert.ok(error instanceof WorkflowFailedError && error.cause instanceof ApplicationFailure, String(error));
    assert.equal(error.cause.type, 'ClusterRestoreFailed');
    assert.equal(throttled.remaining, 0, 'every throttled attempt was used up');
    assert.deepEqual(cleanup?.leftInPlace, [], JSON.stringify(cleanup));
    const { rds } = motoClients(TARGET_REGION);
    const left = (await rds.send(new DescribeDBClusterSnapshotsCommand({}))).DBClusterSnapshots ?? [];
    assert.deepEqual(
      left.map((s) => s.DBClusterSnapshotIdentifier).filter((id) => id?.startsWith(targetId)),
      [],
      'the snapshot copy must be deleted'
    );
  });
});
