/**
 * scheduledRestore, the workflow a schedule starts, on the time-skipping server with the real worker and activities
 * against moto (AWS durations simulated in the server's clock): it runs the restore as a child under the canonical
 * id, resolves "yesterday" when each run starts, and refuses when a restore of the same target already runs.
 * Schedules themselves need the dev server (test/e2e/schedules.e2e.test.ts), and so do run timeouts and
 * cancellation, whose parent close policy the test server does not apply (scheduled-restore-cancel.test.ts).
 */
import assert from 'node:assert/strict';

import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';

import { restoreWorkflowId } from '../../src/domain/naming';
import type { RestoreRequest } from '../../src/domain/request';
import { utcDate } from '../../src/domain/snapshot-selection';
import { scheduledRestore } from '../../src/workflows';
import { useWorkflowEnvironment } from '../support/fixtures/workflow';
import { recordHistory } from '../support/histories';
import {
  nightlyRequest as nightly,
  seedDailySnapshots as seedDaily,
  seedSourceCluster,
  uniqueName,
} from '../support/moto';

const REGION = 'us-west-2';
const DAY_MS = 86_400_000;

describe('scheduledRestore workflow (time-skipping server, real activities, simulated AWS timing)', function () {
  this.timeout(180_000);
  // A worker runs once (runUntil shuts it down): one per test.
  const fixture = useWorkflowEnvironment({ workerPerTest: {} });

  /** A source cluster in REGION. */
  async function seedSource(): Promise<string> {
    const clusterId = uniqueName('sched-src');
    await seedSourceCluster({ region: REGION, clusterId });
    return clusterId;
  }

  /**
   * Daily snapshots for the server's current day and the day before. The server's clock stands still outside
   * `result()` waits, so a run started next sees one of these two days as "yesterday".
   */
  const seedDailySnapshots = async (clusterId: string) =>
    seedDaily(REGION, clusterId, await fixture.env.currentTimeMs());
  const nightlyRequest = (sourceClusterId: string, targetId: string) => nightly(REGION, sourceClusterId, targetId);

  /** Runs scheduledRestore as a schedule would (an id with a timestamp appended); settles with result or failure. */
  async function runScheduled(request: RestoreRequest) {
    const now = await fixture.env.currentTimeMs();
    const workflowId = `aurora-restore-schedule/${REGION}/${request.target.clusterId}-${new Date(now).toISOString()}`;
    return fixture.env.client.workflow.start(scheduledRestore, {
      taskQueue: fixture.worker.taskQueue,
      workflowId,
      args: [request],
    });
  }

  async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
    const err = await promise.then(
      (value) => assert.fail(`expected the run to fail, it returned ${JSON.stringify(value)}`),
      (e: unknown) => e
    );
    assert.ok(err instanceof WorkflowFailedError, `expected WorkflowFailedError, got ${String(err)}`);
    assert.ok(err.cause instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(err.cause)}`);
    return err.cause;
  }

  it('restores the snapshot of the day before each run, resolved when the run starts', async () => {
    const source = await seedSource();
    const targetId = uniqueName('sched-tgt');
    const request = nightlyRequest(source, targetId);
    const restoreId = restoreWorkflowId(request.target);

    await fixture.worker.worker.runUntil(async () => {
      const restored: string[] = [];
      for (let night = 0; night < 2; night++) {
        await seedDailySnapshots(source);
        const handle = await runScheduled(request);
        const result = await handle.result();
        // The child ran under the canonical id, and its start (not the request) fixed which day is "yesterday".
        const child = await fixture.env.client.workflow.getHandle(restoreId).describe();
        assert.equal(result.workflowId, restoreId);
        assert.equal(child.status.name, 'COMPLETED');
        assert.equal(child.memo?.scheduledBy, handle.workflowId);
        const expected = `${source}-${utcDate(new Date(child.startTime.getTime() - DAY_MS))}`;
        assert.equal(result.snapshot?.identifier, expected);
        assert.equal(result.target.clusterId, targetId);
        restored.push(result.snapshot?.identifier);
        if (night === 0) await recordHistory('scheduled-restore-success', handle);
        await fixture.env.sleep('1 day');
      }
      // The same stored request, started a day (or more) later, picked a later day's snapshot.
      assert.notEqual(restored[0], restored[1]);
    });
  });

  it('refuses with RestoreAlreadyRunning naming the running restore, and leaves that restore alone', async () => {
    const source = await seedSource();
    await seedDailySnapshots(source);
    const request = nightlyRequest(source, uniqueName('sched-busy'));
    const restoreId = restoreWorkflowId(request.target);

    await fixture.worker.worker.runUntil(async () => {
      const running = await fixture.startRestore(request, { workflowId: restoreId });
      const scheduled = await runScheduled(request);
      const failure = await failureOf(scheduled.result());
      assert.equal(failure.type, 'RestoreAlreadyRunning');
      assert.equal(failure.nonRetryable, true);
      assert.ok(failure.message.includes(restoreId), failure.message);
      assert.match(failure.message, /already running/);
      await recordHistory('scheduled-restore-refused', scheduled);

      // The restore that held the target was not disturbed by the refused run.
      const result = await running.result();
      assert.equal(result.status, 'succeeded');
      assert.equal((await running.describe()).runId, running.firstExecutionRunId);
    });
  });

  it('refuses a request with an operationId, before any AWS call', async () => {
    const source = await seedSource();
    const request = { ...nightlyRequest(source, uniqueName('sched-op')), operationId: 'op-fixed' };
    const calls = fixture.worker.sim.callCount();
    await fixture.worker.worker.runUntil(async () => {
      const failure = await failureOf((await runScheduled(request)).result());
      assert.equal(failure.type, 'InvalidRestoreRequest');
      assert.match(failure.message, /must not set operationId/);
    });
    assert.equal(fixture.worker.sim.callCount(), calls, 'no AWS call for a refused run');
  });
});
