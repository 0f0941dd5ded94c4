/**
 * A restore cancelled while the call that creates its cluster is still under way (e.g. retried under throttling)
 * removes that cluster too. Found by `npm run chaos`, seed 18 (50% throttling, 5xx bursts, a cancel): the cancelled
 * activity was abandoned at once, the cleanup looked for the cluster before the call had created it, found nothing,
 * and the call created it a moment later, left behind. Here the call is held until the cleanup had every chance to
 * run first.
 */
import assert from 'node:assert/strict';

import { DescribeDBClustersCommand } from '@aws-sdk/client-rds';
import { WorkflowFailedError } from '@temporalio/client';

import type { AwsClientFactoryOptions } from '../../src/activities/aws-clients';
import { restoreWorkflowId } from '../../src/domain/naming';
import type { RestoreRequest } from '../../src/domain/request';
import { useWorkflowEnvironment } from '../support/fixtures/workflow';
import { recordHistory } from '../support/histories';
import { motoClients, seedSourceSnapshot, uniqueName } from '../support/moto';

const REGION = 'us-east-1';

type Next = (args: unknown) => Promise<unknown>;

/** Holds every RestoreDBClusterFromSnapshot until `release()`; `reached` resolves when the first one arrives. */
function holdClusterRestores(): {
  decorate: NonNullable<AwsClientFactoryOptions['decorate']>;
  reached: Promise<void>;
  release: () => void;
  finished: Promise<void>;
} {
  let arrived!: () => void;
  let release!: () => void;
  let finish!: () => void;
  const reached = new Promise<void>((resolve) => (arrived = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const decorate: NonNullable<AwsClientFactoryOptions['decorate']> = (client, _loc, service) => {
    if (service !== 'rds') return;
    (
      client as unknown as {
        middlewareStack: {
          add(
            mw: (next: Next, context: { commandName?: string }) => Next,
            o: { step: 'initialize'; name: string }
          ): void;
        };
      }
    ).middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'RestoreDBClusterFromSnapshotCommand') return next(args);
        arrived();
        await released;
        try {
          return await next(args);
        } finally {
          finish();
        }
      },
      { step: 'initialize', name: 'testHoldClusterRestores' }
    );
  };
  return { decorate, reached, release, finished };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('cancel while the cluster is being created (time-skipping server)', function () {
  this.timeout(240_000);
  const fixture = useWorkflowEnvironment();

  it('waits for the creating call to end, then removes the cluster it created', async () => {
    const source = await seedSourceSnapshot({ region: REGION, prefix: 'src' });
    const targetId = uniqueName('cancel-create');
    const request: RestoreRequest = {
      source: { region: REGION, clusterId: source.clusterId, snapshot: source.snapshotId },
      target: { region: REGION, clusterId: targetId },
      timing: { pollInterval: '30s' },
    };
    const hold = holdClusterRestores();
    const w = await fixture.createWorker({ decorate: hold.decorate });

    const error = await w.worker.runUntil(async () => {
      const handle = await fixture.startRestore(request, { worker: w, workflowId: restoreWorkflowId(request.target) });
      await hold.reached;
      await handle.cancel();
      // Give a cleanup that does not wait for the call every chance to finish first (the workflow then closes).
      for (let i = 0; i < 40 && (await handle.describe()).status.name === 'RUNNING'; i++) await sleep(100);
      hold.release();
      const failed = await handle.result().then(
        () => undefined,
        (err: unknown) => err
      );
      await hold.finished;
      await recordHistory('cancelled-while-creating-cluster', handle);
      return failed;
    });

    assert.ok(error instanceof WorkflowFailedError, `the restore must fail as cancelled, got ${String(error)}`);
    const { rds } = motoClients(REGION);
    const clusters = (await rds.send(new DescribeDBClustersCommand({}))).DBClusters ?? [];
    assert.deepEqual(
      clusters.map((c) => c.DBClusterIdentifier).filter((id) => id?.startsWith(targetId)),
      [],
      'the cluster the cancelled call created must be removed'
    );
  });
});
