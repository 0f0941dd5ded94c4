import assert from 'node:assert/strict';

import {
  acquireSlot,
  applyCopyChecks,
  copySlotCoordinatorId,
  DEFAULT_FLEET_TASK_QUEUE,
  emptyCopySlotState,
  freeSlots,
  grantSlots,
  nextWatchCheckAtMs,
  postponeWatch,
  reconcileSlots,
  releaseSlot,
  watchedCopiesDue,
  watchedCopyObservation,
} from '../../src/domain/copy-slots';
import type { CopySlotRequest, CopySlotState } from '../../src/domain/copy-slots';
import { POLL_BOUNDS } from '../../src/domain/poll-schedule';
import { TASK_QUEUE } from '../../src/workflows/messages';

const req = (n: number, runId = 'r1'): CopySlotRequest => ({
  workflowId: `aurora-restore/us-west-2/t${n}`,
  runId,
  copyIdentifier: `t${n}-copy`,
});

function queued(slots: number, count: number): CopySlotState {
  let state = emptyCopySlotState(slots);
  for (let n = 1; n <= count; n++) state = acquireSlot(state, req(n));
  return state;
}

describe('copy slots: the queue state', () => {
  it('names one coordinator per account and region, the worker account as "self"', () => {
    assert.equal(copySlotCoordinatorId('us-west-2', '123456789012'), 'copy-slots:123456789012:us-west-2');
    assert.equal(copySlotCoordinatorId('eu-west-1', undefined), 'copy-slots:self:eu-west-1');
    assert.equal(copySlotCoordinatorId('eu-west-1', undefined, TASK_QUEUE), 'copy-slots:self:eu-west-1');
    assert.equal(DEFAULT_FLEET_TASK_QUEUE, TASK_QUEUE, "the production fleet's queue keeps the plain id");
    // Another fleet (another task queue) gets its own coordinator.
    assert.equal(
      copySlotCoordinatorId('eu-west-1', '123456789012', 'staging'),
      'copy-slots:123456789012:eu-west-1:staging'
    );
  });

  it('grants in order of arrival, never more than the slots', () => {
    const { state, granted } = grantSlots(queued(5, 7));
    assert.deepEqual(
      granted.map((g) => g.copyIdentifier),
      ['t1-copy', 't2-copy', 't3-copy', 't4-copy', 't5-copy']
    );
    assert.equal(freeSlots(state), 0);
    assert.deepEqual(
      state.queue.map((q) => q.copyIdentifier),
      ['t6-copy', 't7-copy']
    );
    assert.deepEqual(grantSlots(state).granted, []);
  });

  it('passes a released slot to the next in line', () => {
    let { state } = grantSlots(queued(2, 4));
    state = releaseSlot(state, req(1));
    const next = grantSlots(state);
    assert.deepEqual(
      next.granted.map((g) => g.copyIdentifier),
      ['t3-copy']
    );
    assert.deepEqual(
      next.state.holders.map((h) => h.copyIdentifier),
      ['t2-copy', 't3-copy']
    );
  });

  it('ignores a repeated request from the same run (a retried activity)', () => {
    let { state } = grantSlots(queued(1, 2));
    state = acquireSlot(state, req(1));
    state = acquireSlot(state, req(2));
    assert.equal(state.holders.length, 1);
    assert.equal(state.queue.length, 1);
  });

  it("replaces an ended run by the same target's new run; the old run's copy counts until it ends", () => {
    let { state } = grantSlots(queued(2, 1));
    state = acquireSlot(state, req(1, 'r2'));
    assert.deepEqual(state.holders, []);
    assert.deepEqual(state.queue, [req(1, 'r2')]);
    assert.deepEqual(state.external, ['t1-copy']);
    assert.equal(freeSlots(state), 1);
  });

  it('a waiter that leaves the queue is never granted; a release from a run holding nothing changes nothing', () => {
    let state = queued(1, 3);
    state = releaseSlot(state, req(2));
    state = releaseSlot(state, req(9));
    assert.deepEqual(
      grantSlots(state).granted.map((g) => g.copyIdentifier),
      ['t1-copy']
    );
    assert.deepEqual(
      state.queue.map((q) => q.copyIdentifier),
      ['t1-copy', 't3-copy']
    );
  });

  it('keeps counting a copy still running after its holder failed, until reconciliation sees it end', () => {
    let { state } = grantSlots(queued(2, 3));
    state = releaseSlot(state, { ...req(1), copyStillRunning: 't1-copy' });
    assert.equal(freeSlots(state), 0, 'the failed copy still takes its slot');
    state = reconcileSlots(state, { copiesInProgress: ['t2-copy'], closedRuns: [] });
    assert.deepEqual(state.external, []);
    assert.deepEqual(
      grantSlots(state).granted.map((g) => g.copyIdentifier),
      ['t3-copy']
    );
  });

  it('counts copies started outside the pipeline and drops holders whose run ended without releasing', () => {
    let { state } = grantSlots(queued(5, 8));
    state = reconcileSlots(state, {
      copiesInProgress: ['t1-copy', 't2-copy', 'someone-elses-copy', 'manual-copy', 't2-copy'],
      closedRuns: [{ workflowId: req(3).workflowId, runId: 'r1' }],
    });
    assert.deepEqual(state.external, ['someone-elses-copy', 'manual-copy']);
    assert.deepEqual(
      state.holders.map((h) => h.copyIdentifier),
      ['t1-copy', 't2-copy', 't4-copy', 't5-copy']
    );
    // 4 holders + 2 outside copies > 5 slots: nobody more until one of them ends.
    assert.equal(freeSlots(state), 0);
    assert.deepEqual(grantSlots(state).granted, []);
  });

  it('does not count a copy released while the listing ran', () => {
    let { state } = grantSlots(queued(2, 3));
    state = releaseSlot(state, req(1));
    state = reconcileSlots(state, {
      copiesInProgress: ['t1-copy', 't2-copy'],
      closedRuns: [],
      releasedMeanwhile: ['t1-copy'],
    });
    assert.deepEqual(state.external, []);
    assert.equal(freeSlots(state), 1);
  });
});

describe('copy slots: the coordinator watches the copies it granted', () => {
  const FLOOR = POLL_BOUNDS['snapshot-copy'].floorMs;
  const T0 = Date.parse('2026-11-29T00:00:00Z');
  const watched = (n: number, watch: CopySlotRequest['watch'] = { pollEveryMs: 30_000 }): CopySlotRequest => ({
    ...req(n),
    watch,
  });

  function granted(requests: CopySlotRequest[], slots = 5): CopySlotState {
    let state = emptyCopySlotState(slots);
    for (const r of requests) state = acquireSlot(state, r);
    return grantSlots(state, T0).state;
  }

  it('watches only the holders that asked; the first look follows the poll interval or the expected duration', () => {
    const state = granted([req(1), watched(2), watched(3, { pollEveryMs: 30_000, expectedMs: 8 * 60_000 })]);
    assert.equal(state.holders[0].watching, undefined, 'a restore from before the watch polls its copy itself');
    assert.equal(state.holders[1].watching?.nextCheckAtMs, T0 + 30_000, 'nothing known: the poll interval');
    // Expected 8 minutes: half the time left first, so an early finish is still caught.
    assert.equal(state.holders[2].watching?.nextCheckAtMs, T0 + 4 * 60_000);
    assert.equal(nextWatchCheckAtMs(state), T0 + 30_000);
    assert.equal(nextWatchCheckAtMs(granted([req(1)])), undefined, 'no timer without a watched copy');
  });

  it('looks at every watched copy in one call as soon as one is due', () => {
    const state = granted([watched(1), watched(2, { pollEveryMs: 60_000 }), req(3)]);
    assert.deepEqual(watchedCopiesDue(state, T0 + 29_999), []);
    assert.deepEqual(watchedCopiesDue(state, T0 + 30_000), ['t1-copy', 't2-copy']);
  });

  it('frees the slot of a copy that ended and tells its restore; plans the next look of the others from progress', () => {
    const state = granted([watched(1), watched(2), watched(3)], 3);
    const queuedBehind = acquireSlot(state, watched(4));
    const now = T0 + 30_000;
    const { state: next, ended } = applyCopyChecks(
      queuedBehind,
      {
        lookedFor: ['t1-copy', 't2-copy', 't3-copy'],
        copies: [
          { identifier: 't1-copy', status: 'available', percentProgress: 100 },
          { identifier: 't2-copy', status: 'copying', percentProgress: 25 },
          { identifier: 't3-copy', status: 'failed' },
        ],
      },
      now
    );
    assert.deepEqual(
      ended.map((e) => [e.holder.copyIdentifier, e.found.status]),
      [
        ['t1-copy', 'available'],
        ['t3-copy', 'failed'],
      ]
    );
    assert.deepEqual(
      next.holders.map((h) => h.copyIdentifier),
      ['t2-copy']
    );
    // 25 % in 30 s: the end is expected 90 s later; the next look comes at half of that.
    assert.equal(next.holders[0].watching?.nextCheckAtMs, now + 45_000);
    assert.equal(next.holders[0].watching?.status, 'copying');
    assert.deepEqual(
      grantSlots(next, now).granted.map((g) => g.copyIdentifier),
      ['t4-copy'],
      'the freed slot passes on without waiting for the restore to give it back'
    );
  });

  it('looks again after the floor, then less often, for a copy not started yet, and reports a copy that disappeared once seen', () => {
    let state = granted([watched(1)]);
    let checked = applyCopyChecks(state, { lookedFor: ['t1-copy'], copies: [] }, T0 + 30_000);
    assert.deepEqual(checked.ended, [], 'not there yet: its restore is still starting it');
    assert.equal(checked.state.holders[0].watching?.nextCheckAtMs, T0 + 30_000 + FLOOR);
    const again = applyCopyChecks(checked.state, { lookedFor: ['t1-copy'], copies: [] }, T0 + 40_000);
    assert.equal(again.state.holders[0].watching?.nextCheckAtMs, T0 + 40_000 + 2 * FLOOR, 'less often each time');
    state = applyCopyChecks(
      checked.state,
      { lookedFor: ['t1-copy'], copies: [{ identifier: 't1-copy', status: 'creating', percentProgress: 0 }] },
      T0 + 40_000
    ).state;
    checked = applyCopyChecks(state, { lookedFor: ['t1-copy'], copies: [] }, T0 + 80_000);
    assert.deepEqual(
      checked.ended.map((e) => e.found.status),
      ['not-found']
    );
    assert.deepEqual(checked.state.holders, []);
  });

  it('leaves alone the holders the check did not look for (granted while it ran)', () => {
    const state = granted([watched(1), watched(2)]);
    const { state: next, ended } = applyCopyChecks(
      state,
      { lookedFor: ['t1-copy'], copies: [{ identifier: 't2-copy', status: 'available' }] },
      T0 + 30_000
    );
    assert.deepEqual(ended, []);
    assert.deepEqual(next.holders[1], state.holders[1]);
  });

  it('looks again a ceiling later at copies whose look failed, leaving the others as they were', () => {
    const state = granted([watched(1), watched(2), req(3)]);
    const next = postponeWatch(state, ['t1-copy', 't3-copy'], T0 + 30_000);
    assert.equal(next.holders[0].watching?.nextCheckAtMs, T0 + 30_000 + POLL_BOUNDS['snapshot-copy'].ceilingMs);
    assert.deepEqual(next.holders[1], state.holders[1]);
    assert.deepEqual(next.holders[2], state.holders[2], 'a holder that is not watched stays unwatched');
  });

  it("shows a watched copy's last status and progress to the CLI", () => {
    const state = applyCopyChecks(
      granted([watched(1)]),
      { lookedFor: ['t1-copy'], copies: [{ identifier: 't1-copy', status: 'copying', percentProgress: 40 }] },
      T0 + 30_000
    ).state;
    assert.deepEqual(watchedCopyObservation(state, 't1-copy'), {
      resource: 'snapshot-copy',
      id: 't1-copy',
      status: 'copying',
      percentProgress: 40,
      observedAt: new Date(T0 + 30_000).toISOString(),
    });
    assert.equal(watchedCopyObservation(granted([watched(1)]), 't1-copy'), undefined, 'not looked at yet');
    assert.equal(watchedCopyObservation(state, 't9-copy'), undefined);
  });
});
