/**
 * What happens to the restore when a scheduled run ends early: its run timeout passes, or the run is cancelled
 * (overlap policy cancel-other). On the dev server, because the time-skipping test server does not apply parent
 * close policies; with the real worker and activities against moto, and the AWS simulator keeping the cluster
 * `creating` for a minute (real time) so the restore is mid-way when the run ends.
 */
import assert from 'node:assert/strict';

import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, TimeoutFailure } from '@temporalio/common';

import { restoreWorkflowId } from '../../src/domain/naming';
import type { RestoreRequest } from '../../src/domain/request';
import { scheduledRestore } from '../../src/workflows';
import { useWorkflowEnvironment } from '../support/fixtures/workflow';
import { recordHistory } from '../support/histories';
import { clusterExists as motoClusterExists, seedSourceSnapshot, uniqueName } from '../support/moto';

const REGION = 'us-west-2';
/** The restored cluster stays `creating` far longer than the test; deletions are quick. */
const TIMINGS = { clusterRestore: 10 * 60_000, clusterDelete: 1_000, instanceDelete: 1_000 };

describe('scheduledRestore ending early (dev server, real activities, simulated AWS timing)', function () {
  this.timeout(60_000);
  const fixture = useWorkflowEnvironment({ server: 'dev', workerPerTest: { timings: TIMINGS } });

  async function request(): Promise<RestoreRequest> {
    const source = await seedSourceSnapshot({ region: REGION, prefix: 'sched-early-src' });
    return {
      source: { region: REGION, clusterId: source.clusterId, snapshot: source.snapshotId },
      target: { region: REGION, clusterId: uniqueName('sched-early') },
      timing: { pollInterval: '5s' },
    };
  }

  const clusterExists = (clusterId: string): Promise<boolean> => motoClusterExists(REGION, clusterId);

  async function restoreFailure(req: RestoreRequest): Promise<ApplicationFailure> {
    const err = await fixture.env.client.workflow
      .getHandle(restoreWorkflowId(req.target))
      .result()
      .then(
        (value) => assert.fail(`expected the restore to fail, it returned ${JSON.stringify(value)}`),
        (e: unknown) => e
      );
    assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure, String(err));
    return err.cause;
  }

  async function untilRestoreStarted(): Promise<void> {
    for (let i = 0; i < 200 && !fixture.worker.sim.calls()['RestoreDBClusterFromSnapshotCommand']; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(fixture.worker.sim.calls()['RestoreDBClusterFromSnapshotCommand'], 'the restore never started');
  }

  /** Starts a scheduled run of `req` (its id ends in `suffix`) and waits until the run's restore has started. */
  async function startRun(req: RestoreRequest, suffix: string, options: { workflowRunTimeout?: string } = {}) {
    const handle = await fixture.env.client.workflow.start(scheduledRestore, {
      taskQueue: fixture.worker.taskQueue,
      workflowId: `aurora-restore-schedule/${REGION}/${req.target.clusterId}-${suffix}`,
      args: [req],
      ...options,
    });
    await untilRestoreStarted();
    return handle;
  }

  it('cancels the restore when the run times out, and the restore removes the cluster it created', async () => {
    const req = await request();
    await fixture.worker.worker.runUntil(async () => {
      const handle = await startRun(req, 'timeout', { workflowRunTimeout: '5s' });
      const err = await handle.result().then(
        () => assert.fail('expected the run to time out'),
        (e: unknown) => e
      );
      assert.ok(err instanceof WorkflowFailedError && err.cause instanceof TimeoutFailure, String(err));
      const failure = await restoreFailure(req);
      assert.equal(failure.type, 'RestoreCancelled');
    });
    assert.equal(await clusterExists(req.target.clusterId), false);
  });

  it('ends cancelled, not failed, when the run is cancelled, and the restore cleans up', async () => {
    const req = await request();
    await fixture.worker.worker.runUntil(async () => {
      const handle = await startRun(req, 'cancel');
      await handle.cancel();
      const err = await handle.result().then(
        () => assert.fail('expected the run to be cancelled'),
        (e: unknown) => e
      );
      assert.ok(err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure, String(err));
      assert.equal((await handle.describe()).status.name, 'CANCELLED');
      const failure = await restoreFailure(req);
      assert.equal(failure.type, 'RestoreCancelled');
      await recordHistory('scheduled-restore-cancelled', handle);
    });
    assert.equal(await clusterExists(req.target.clusterId), false);
  });
});
