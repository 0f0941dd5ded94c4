import assert from 'node:assert/strict';

import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';

import {
  CallBudget,
  currentCaller,
  MAX_BUDGET_WAIT_MS,
  MAX_IN_SLOT_WAIT_MS,
  MAX_IN_WORKFLOW_TASK_WAIT_MS,
  RdsCallBudgetBusy,
  TokenBucket,
} from '../../src/activities/call-budget';
import type { BudgetCaller, BudgetClock } from '../../src/activities/call-budget';
import { toActivityFailure } from '../../src/activities/failures';
import { awsErrorFields, classifyAwsError } from '../../src/domain/aws-errors';
import { Failures } from '../../src/domain/errors';
import { watchFleet } from '../../src/worker/fleet';

/** A clock whose sleeps advance it at once: the buckets' arithmetic without waiting. */
function fakeClock(): BudgetClock & { t: number } {
  const clock = {
    t: 0,
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.t += ms;
      await Promise.resolve();
    },
  };
  return clock;
}

/** The largest number of grants inside any window of `windowMs` (grant times in ms). */
function peakInWindow(grants: number[], windowMs: number): number {
  let peak = 0;
  for (let i = 0, j = 0; j < grants.length; j += 1) {
    while (grants[j] - grants[i] >= windowMs) i += 1;
    peak = Math.max(peak, j - i + 1);
  }
  return peak;
}

describe('RDS call budget', () => {
  it('grants a burst of one second, then one token per 1/rate seconds', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(2, clock);
    const grants: number[] = [];
    for (let i = 0; i < 21; i += 1) {
      await bucket.take();
      grants.push(clock.now());
    }
    assert.deepEqual(grants.slice(0, 4), [0, 0, 500, 1000]);
    assert.equal(clock.now(), 9500, '21 calls at 2/s with a burst of 2 take 9.5 s');
    assert.ok(peakInWindow(grants, 1000) <= 2 + 1, 'never more than the rate plus the burst in any second');
  });

  it('serves waiting calls in arrival order and tells each how long it waited', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(1, clock);
    const order: number[] = [];
    const waits = await Promise.all([0, 1, 2, 3].map((i) => bucket.take().then((w) => (order.push(i), w))));
    assert.deepEqual(order, [0, 1, 2, 3]);
    assert.deepEqual(waits, [0, 1000, 2000, 3000]);
  });

  it('refills after a quiet period, but never beyond one second of calls', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(3, clock);
    for (let i = 0; i < 3; i += 1) await bucket.take();
    clock.t += 60_000;
    const start = clock.now();
    for (let i = 0; i < 4; i += 1) await bucket.take();
    assert.equal(clock.now() - start, 334, 'three tokens saved up, the fourth waits a third of a second');
  });

  it('slows down at once when the rate is lowered', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(10, clock);
    for (let i = 0; i < 10; i += 1) await bucket.take();
    bucket.setRate(0.5);
    assert.equal(await bucket.take(), 2000);
    assert.throws(() => bucket.setRate(0), /a call rate must be a positive number, got 0/);
    assert.throws(() => new TokenBucket(Number.NaN, clock), RangeError);
  });

  it('refuses a call at once when the calls queued ahead would keep it waiting too long', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(1, clock);
    const queued = [bucket.take(2500), bucket.take(2500), bucket.take(2500)];
    await assert.rejects(bucket.take(2500), (err: unknown) => {
      assert.ok(err instanceof RdsCallBudgetBusy);
      assert.equal(err.expectedWaitMs, 3000);
      assert.match(err.message, /about 3 s of calls queued; the call was not sent/);
      // A throttling failure for the activity (retried with backoff), with what to do.
      const classified = classifyAwsError(awsErrorFields(err));
      assert.equal(classified.kind, Failures.Throttled);
      assert.match(classified.hint, /AURORA_RESTORE_RDS_CALLS_PER_SECOND/);
      return true;
    });
    assert.deepEqual(await Promise.all(queued), [0, 1000, 2000], 'the refused call did not take a place in line');
    assert.equal(await bucket.take(2500), 1000, 'once the line is gone, calls are served again');
    assert.equal(MAX_BUDGET_WAIT_MS, 30_000);
  });

  it('splits the fleet-wide budget across the restore workers, one bucket per account and region', () => {
    const budget = new CallBudget(12, fakeClock());
    const east = budget.bucketFor({ region: 'us-east-1', accountId: '111111111111' });
    assert.equal(budget.bucketFor({ region: 'us-east-1', accountId: '111111111111' }), east);
    const west = budget.bucketFor({ region: 'us-west-2', accountId: '111111111111' });
    const otherAccount = budget.bucketFor({ region: 'us-east-1', accountId: '222222222222' });
    assert.notEqual(west, east);
    assert.notEqual(otherAccount, east);
    assert.equal(east.currentRate(), 12);

    budget.setWorkers(3);
    assert.equal(budget.share(), 4);
    for (const bucket of [east, west, otherAccount]) assert.equal(bucket.currentRate(), 4);
    assert.equal(budget.bucketFor({ region: 'eu-west-1' }).currentRate(), 4, 'new buckets get the current share');

    for (const nonsense of [0, -2, 1.5, Number.NaN]) {
      budget.setWorkers(nonsense);
      assert.equal(budget.workerCount(), 1, `${nonsense} workers counts as this one worker`);
    }
    assert.throws(() => new CallBudget(0), /a call rate must be a positive number/);
  });

  it('follows the worker count and keeps the last one when counting fails', async () => {
    const budget = new CallBudget(10, fakeClock());
    const changes: number[] = [];
    const errors: string[] = [];
    const answers: (number | Error)[] = [4, new Error('describeTaskQueue: permission denied')];
    const watch = watchFleet(
      budget,
      async () => {
        const next = answers.shift() ?? 2;
        if (next instanceof Error) throw next;
        return next;
      },
      {
        refreshMs: 5,
        onChange: (n) => changes.push(n),
        onError: (err) => errors.push((err as Error).message),
      }
    );
    try {
      const until = Date.now() + 5000;
      while (changes.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    } finally {
      watch.stop();
    }
    assert.deepEqual(changes, [4, 2]);
    assert.deepEqual(errors, ['describeTaskQueue: permission denied']);
    assert.equal(budget.share(), 5);
  });

  describe('waits without holding activity slots', () => {
    const loc = { region: 'us-west-2' };
    const caller = (key: string, attempt = 1, firstCall = true) => ({ key, attempt, firstCall });

    it('ends an attempt whose first call would wait long, reserving the token its next attempt then uses', async () => {
      const clock = fakeClock();
      const budget = new CallBudget(1, clock);
      const a = budget.admit(loc, caller('a'));
      const b = budget.admit(loc, caller('b'));
      const c = budget.admit(loc, caller('c'));
      // a takes the one token; b's wait of one second is short enough to hold its slot; c would wait two.
      assert.equal(MAX_IN_SLOT_WAIT_MS, 1000);
      const refused = await c.then(
        () => assert.fail('c should have been refused'),
        (err: unknown) => err
      );
      assert.ok(refused instanceof RdsCallBudgetBusy);
      assert.equal(refused.retryAfterMs, 2000);
      assert.equal(budget.reservedCount(), 1);
      // The retry's first call redeems the reserved token instead of taking another: four tokens in all (a, b, the
      // reserved one, and a newcomer's), granted one second apart.
      const retried = budget.admit(loc, caller('c', 2));
      const newcomer = budget.admit(loc);
      await Promise.all([a, b, retried, newcomer]);
      assert.equal(budget.reservedCount(), 0);
      assert.equal(clock.now(), 3000);
    });

    it('lets later calls of an attempt and calls outside activities wait in place', async () => {
      const clock = fakeClock();
      const budget = new CallBudget(1, clock);
      const calls = [
        budget.admit(loc, caller('a')),
        budget.admit(loc, caller('a', 1, false)),
        budget.admit(loc, caller('a', 1, false)),
        budget.admit(loc),
      ];
      await Promise.all(calls);
      assert.equal(budget.reservedCount(), 0);
      assert.equal(clock.now(), 3000);
    });

    it('serves later calls of attempts under way before first calls and reservations', async () => {
      const clock = fakeClock();
      const budget = new CallBudget(1, clock);
      await budget.admit(loc, caller('a')); // a's first call spends the one token
      const order: string[] = [];
      const b = budget.admit(loc, caller('b')).then((waited) => order.push(`b after ${waited} ms`));
      const later = budget.admit(loc, caller('a', 1, false)).then((waited) => order.push(`a again after ${waited} ms`));
      await Promise.all([b, later]);
      assert.deepEqual(order, ['a again after 1000 ms', 'b after 2000 ms'], "a's second call went ahead of b");
    });

    it('never lets a local activity wait inside its workflow task beyond a short limit, first call or later', async () => {
      assert.ok(MAX_IN_WORKFLOW_TASK_WAIT_MS < MAX_IN_SLOT_WAIT_MS && MAX_IN_WORKFLOW_TASK_WAIT_MS > 0);
      const clock = fakeClock();
      const budget = new CallBudget(2, clock); // a token every 500 ms
      const local = (firstCall: boolean) => ({ ...caller('l', 1, firstCall), local: true });
      await Promise.all([budget.admit(loc, local(true)), budget.admit(loc, local(false))]); // the burst: no wait
      for (const firstCall of [true, false]) {
        const refused = await budget.admit(loc, local(firstCall)).then(
          () => assert.fail('a local activity must not wait 500 ms inside its workflow task'),
          (err: unknown) => err
        );
        assert.ok(refused instanceof RdsCallBudgetBusy);
        assert.equal(refused.local, true);
        assert.equal(refused.retryAfterMs, undefined, 'no token reserved: the call is made again as an activity');
      }
      assert.equal(budget.reservedCount(), 0);
      // An activity waits those 500 ms in its slot.
      assert.equal(await budget.admit(loc, caller('x')), 500);
    });

    it('turns a local activity refusal into a non-retryable failure the workflow answers with an activity', () => {
      const failure = toActivityFailure(new RdsCallBudgetBusy(500, undefined, true), 'restoring cluster x');
      assert.ok(failure instanceof ApplicationFailure);
      assert.equal(failure.type, Failures.BudgetBusyInWorkflowTask.type);
      assert.equal(failure.nonRetryable, true);
      assert.match(failure.message, /restoring cluster x: RdsCallBudgetBusy: .*runs again as an activity/);
    });

    it('tells local activities apart from activities', async () => {
      const info = { activityType: 'restoreCluster', activityId: '3', attempt: 1 };
      const callers = async (isLocal: boolean) =>
        (await new MockActivityEnvironment({ ...info, isLocal }).run(async () => [
          currentCaller(),
          currentCaller(),
        ])) as (BudgetCaller | undefined)[];
      const [first, second] = await callers(true);
      assert.equal(first?.local, true);
      assert.deepEqual([first?.firstCall, second?.firstCall], [true, false]);
      assert.equal((await callers(false))[0]?.local, undefined);
    });

    it('turns the refusal into a retryable throttling failure whose retry waits for the reserved token', () => {
      const failure = toActivityFailure(new RdsCallBudgetBusy(4200, 4200), 'checking the status of cluster x');
      assert.ok(failure instanceof ApplicationFailure);
      assert.equal(failure.type, Failures.Throttled.type);
      assert.equal(failure.nonRetryable, false);
      assert.equal(failure.nextRetryDelay, 4200);
      assert.match(
        failure.message,
        /checking the status of cluster x: RdsCallBudgetBusy: .*reserved for the next attempt/
      );
    });
  });
});
