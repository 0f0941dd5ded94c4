/**
 * A local activity that the RDS call budget turns away leaves its workflow task and comes back after a timer,
 * instead of waiting inside the task: a workflow task holds one of the worker's few workflow-task slots until its
 * local activities end, so waiting there stalled every other restore on the worker (bench:drill section 4 under a
 * tight budget: workflow tasks waited up to two minutes to start with an idle CPU).
 */
import assert from 'node:assert/strict';

import { temporal } from '@temporalio/proto';

import { CallBudget } from '../../src/activities/call-budget';
import type { RestoreRequest } from '../../src/domain/request';
import { useWorkflowEnvironment } from '../support/fixtures/workflow';
import { seedSourceSnapshot, uniqueName } from '../support/moto';

const REGION = 'us-west-2';
const { EventType } = temporal.api.enums.v1;

describe('RDS call budget waits of local activities (time-skipping server, real activities)', function () {
  this.timeout(240_000);
  const fixture = useWorkflowEnvironment({ serverPerTest: true });

  it('end the workflow task and retry after a timer, redeeming the token reserved for them', async () => {
    // One call a second in real time: every call after the first waits, and a local activity may wait 250 ms only.
    const budget = new CallBudget(1);
    const w = await fixture.createWorker({
      rdsCallBudget: budget,
      timings: { clusterRestore: 10 * 60_000, instanceCreate: 5 * 60_000 },
    });
    const source = await seedSourceSnapshot({ region: REGION, prefix: 'budget-src' });
    const request: RestoreRequest = {
      source: { region: REGION, clusterId: source.clusterId, snapshot: source.snapshotId },
      target: { region: REGION, clusterId: uniqueName('budget-la') },
    };
    const { history } = await w.worker.runUntil(async () => {
      const handle = await fixture.startRestore(request, { worker: w });
      await handle.result();
      return { history: await handle.fetchHistory() };
    });
    const events = history.events ?? [];
    const types = events.map((e) => e.eventType);
    const markers = events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity');
    const timers = events.filter((e) => e.eventType === EventType.EVENT_TYPE_TIMER_STARTED);
    assert.ok(markers.length > 0, 'the restore ran local activities');
    // Each timer is a local activity's retry: the marker before it records the attempt the budget turned away.
    assert.ok(timers.length > 0, `no local activity left its workflow task to wait: ${types.join(', ')}`);
    for (const timer of timers) {
      const before = events[events.indexOf(timer) - 1];
      assert.equal(before.markerRecordedEventAttributes?.markerName, 'core_local_activity', 'a backoff timer');
      const failure = before.markerRecordedEventAttributes?.failure;
      assert.match(failure?.message ?? '', /RdsCallBudgetBusy/);
      // The timer lasts what the budget said the token would take (nextRetryDelay), not the retry policy's 5 s.
      const fire = timer.timerStartedEventAttributes?.startToFireTimeout;
      const seconds = Number(fire?.seconds ?? 0) + (fire?.nanos ?? 0) / 1e9;
      assert.ok(seconds > 0 && seconds < 5, `a retry when the token is due, got ${seconds} s`);
    }
    assert.equal(budget.reservedCount(), 0, 'every retry redeemed the token reserved for it');
  });
});
