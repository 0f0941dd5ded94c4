import assert from 'node:assert/strict';

import {
  acquireSlot,
  copySlotCoordinatorId,
  DEFAULT_FLEET_TASK_QUEUE,
  emptyCopySlotState,
  freeSlots,
  grantSlots,
  reconcileSlots,
  releaseSlot,
} from '../../src/domain/copy-slots';
import type { CopySlotRequest, CopySlotState } from '../../src/domain/copy-slots';
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
