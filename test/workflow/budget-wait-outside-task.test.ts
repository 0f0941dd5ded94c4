/**
 * A local activity that the RDS call budget cannot serve soon does not wait inside its workflow task: it fails at
 * once, and the workflow makes the same call as a regular activity, which waits for its token without holding the
 * task. A workflow task holds one of the worker's workflow-task slots until its local activities end, so waiting
 * there stalled every other restore on the worker (bench:drill section 4 under a tight budget: workflow tasks waited
 * up to two minutes to start with an idle CPU).
 */
import assert from 'node:assert/strict';

import { temporal } from '@temporalio/proto';

import { CallBudget } from '../../src/activities/call-budget';
import { Failures } from '../../src/domain/errors';
import type { RestoreRequest } from '../../src/domain/request';
import { useWorkflowEnvironment } from '../support/fixtures/workflow';
import { seedSourceSnapshot, uniqueName } from '../support/moto';

const REGION = 'us-west-2';
const { EventType } = temporal.api.enums.v1;

describe('RDS call budget and local activities (time-skipping server, real activities)', function () {
  this.timeout(240_000);
  const fixture = useWorkflowEnvironment({ serverPerTest: true });

  it('a local activity the budget cannot serve soon is made again as an activity, and the restore succeeds', async () => {
    // One call a second in real time: most calls find the bucket empty, and a local activity may wait 250 ms only.
    const w = await fixture.createWorker({
      rdsCallBudget: new CallBudget(1),
      timings: { clusterRestore: 10 * 60_000, instanceCreate: 5 * 60_000 },
    });
    const source = await seedSourceSnapshot({ region: REGION, prefix: 'budget-src' });
    const targetId = uniqueName('budget-la');
    const request: RestoreRequest = {
      source: { region: REGION, clusterId: source.clusterId, snapshot: source.snapshotId },
      target: { region: REGION, clusterId: targetId },
    };
    const { history, result } = await w.worker.runUntil(async () => {
      const handle = await fixture.startRestore(request, { worker: w });
      const done = await handle.result();
      return { history: await handle.fetchHistory(), result: done };
    });
    assert.equal(result.target.clusterId, targetId);

    const events = history.events ?? [];
    const refused = events.filter(
      (e) =>
        e.markerRecordedEventAttributes?.markerName === 'core_local_activity' &&
        e.markerRecordedEventAttributes.failure?.applicationFailureInfo?.type === Failures.BudgetBusyInWorkflowTask.type
    );
    assert.ok(refused.length > 0, 'some local activity found the budget busy');
    for (const marker of refused) {
      // The same call follows as an activity, in the workflow task that recorded the refusal.
      const next = events.slice(events.indexOf(marker) + 1).find((e) => e.activityTaskScheduledEventAttributes);
      assert.ok(next, 'an activity follows the refused local activity');
      assert.match(
        marker.markerRecordedEventAttributes?.failure?.message ?? '',
        /RdsCallBudgetBusy: .*runs again as an activity/
      );
    }
    const timers = events.filter((e) => e.eventType === EventType.EVENT_TYPE_TIMER_STARTED);
    assert.equal(timers.length, 0, 'no local activity waited for the budget on a timer either');
  });
});
