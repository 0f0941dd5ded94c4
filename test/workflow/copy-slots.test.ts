/**
 * The fleet-wide copy-slot queue on the time-skipping server, with real restores (moto behind the AWS simulator,
 * which refuses a sixth concurrent copy per Region like RDS): slots are granted in order of arrival, never more than
 * the limit, no copy is refused or cancelled after a race, a cancelled or terminated holder frees its slot, and
 * copies started outside the pipeline count.
 */
import assert from 'node:assert/strict';

import { CopyDBClusterSnapshotCommand, DeleteDBClusterSnapshotCommand } from '@aws-sdk/client-rds';
import { WorkflowFailedError } from '@temporalio/client';
import type { WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';

import { getProgress } from '../../src/client/restore-client';
import { copySlotCoordinatorId } from '../../src/domain/copy-slots';
import type { CopySlotState } from '../../src/domain/copy-slots';
import type { RestoreRequest } from '../../src/domain/request';
import { copySlotsQuery } from '../../src/workflows/copy-slot-messages';
import { useWorkflowEnvironment } from '../support/fixtures/workflow';
import { recordHistory } from '../support/histories';
import { seedSourceSnapshot, uniqueName } from '../support/moto';
import type { SimulatedWorker } from '../support/workflow-env';

const SOURCE_REGION = 'eu-central-1';
const COPY_REGION = 'ap-southeast-2';
const TIMINGS = { snapshotCopy: 20 * 60_000, clusterRestore: 10 * 60_000, instanceCreate: 5 * 60_000 };

describe('copy slots: one queue per account and Region (time-skipping server, real restores)', function () {
  this.timeout(600_000);
  const fixture = useWorkflowEnvironment({ serverPerTest: true });

  let sourceId: string;
  before(async () => {
    ({ clusterId: sourceId } = await seedSourceSnapshot({ region: SOURCE_REGION, prefix: 'slots-src' }));
  });

  const crossRegion = (clusterId: string): RestoreRequest => ({
    source: { region: SOURCE_REGION, clusterId: sourceId, snapshot: `${sourceId}-snap` },
    target: { region: COPY_REGION, clusterId },
    timing: { pollInterval: '30s' },
  });

  function coordinatorState(w: SimulatedWorker): Promise<CopySlotState> {
    return fixture.plainClient.workflow
      .getHandle(copySlotCoordinatorId(COPY_REGION, undefined, w.taskQueue))
      .query(copySlotsQuery);
  }

  /** Waits (real time, bounded) until the coordinator's state satisfies `ready`. */
  async function untilCoordinator(w: SimulatedWorker, what: string, ready: (s: CopySlotState) => boolean) {
    for (let i = 0; i < 600; i += 1) {
      const state = await coordinatorState(w).catch(() => undefined);
      if (state && ready(state)) return state;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`the copy-slot coordinator never reached: ${what}`);
  }

  const knows = (s: CopySlotState, workflowId: string) =>
    [...s.holders, ...s.queue].some((r) => r.workflowId === workflowId);

  /** Copies the simulator started in the destination Region, by start time. */
  function copies(w: SimulatedWorker) {
    return w.sim
      .operations({ kind: 'snapshot', op: 'copy', region: COPY_REGION })
      .sort((a, b) => a.startMs - b.startMs || a.endMs - b.endMs);
  }

  /** Waits (real time, bounded) until `count` copies have started. */
  async function untilCopies(w: SimulatedWorker, count: number): Promise<void> {
    for (let i = 0; i < 600 && copies(w).length < count; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(copies(w).length >= count, `${count} copies never started`);
  }

  function maxConcurrent(ops: { startMs: number; endMs: number }[]): number {
    const edges = ops
      .flatMap((o) => [
        { at: o.startMs, delta: 1 },
        { at: o.endMs, delta: -1 },
      ])
      .sort((a, b) => a.at - b.at || a.delta - b.delta);
    let now = 0;
    let max = 0;
    for (const e of edges) max = Math.max(max, (now += e.delta));
    return max;
  }

  /** Starts restores one after the other, each queued at the coordinator before the next starts. */
  async function startInOrder(w: SimulatedWorker, ids: string[]): Promise<WorkflowHandle[]> {
    const handles: WorkflowHandle[] = [];
    for (const id of ids) {
      const handle = await fixture.startRestore(crossRegion(id), { worker: w });
      handles.push(handle);
      await untilCoordinator(w, `${id} queued`, (s) => knows(s, handle.workflowId));
    }
    return handles;
  }

  it('8 restores into one Region: first come first served, at most 5 copies at once, none refused or cancelled', async () => {
    const w = await fixture.createWorker({ timings: TIMINGS });
    const prefix = uniqueName('fifo');
    const ids = Array.from({ length: 8 }, (_, i) => `${prefix}-${i + 1}`);
    await w.worker.runUntil(async () => {
      const handles = await startInOrder(w, ids);
      const state = await coordinatorState(w);
      assert.equal(state.holders.length, 5, 'five hold a slot');
      assert.deepEqual(
        state.queue.map((q) => q.workflowId),
        handles.slice(5).map((h) => h.workflowId),
        'three wait, in order of arrival'
      );
      for (const handle of handles) {
        await fixture.env.client.workflow.getHandle(handle.workflowId).result();
      }
    });
    const started = copies(w);
    assert.equal(started.length, 8, 'one copy per restore');
    assert.ok(maxConcurrent(started) <= 5, `${maxConcurrent(started)} copies ran at once`);
    // In order of arrival: each restore's copy started no earlier than the copies of those queued before it.
    const startOf = (clusterId: string): number => {
      const copy = started.find((c) => c.id.startsWith(`${clusterId}-`));
      assert.ok(copy, `no copy for ${clusterId}`);
      return copy.startMs;
    };
    // The first five were granted one by one as they queued; the last three together, when the coordinator saw the
    // first wave end, so their copy calls may race one another but never pass one of the first five.
    for (let i = 1; i < 5; i += 1) {
      assert.ok(startOf(ids[i]) >= startOf(ids[i - 1]), `${ids[i]} copied before ${ids[i - 1]}`);
    }
    for (const later of ids.slice(5)) {
      assert.ok(startOf(later) >= startOf(ids[4]), `${later} copied before ${ids[4]}`);
    }
    assert.ok(startOf(ids[5]) >= Math.min(...started.map((c) => c.endMs)), 'the sixth waited for a copy to end');
    const calls = w.sim.calls();
    assert.equal(calls.CopyDBClusterSnapshotCommand, 8, 'no copy call was refused');
    assert.equal(calls.DeleteDBClusterSnapshotCommand, 8, 'only the cleanup of each finished copy deleted one');
    // The coordinator watched the copies: no restore polled its own, and one look served every copy in progress.
    const describes = w.sim.callsByActivity('DescribeDBClusterSnapshotsCommand');
    assert.equal(describes.awaitSnapshotAvailable ?? 0, 0, JSON.stringify(describes));
    const singleCopyLooks = await looksAtOneCopy();
    // Polled one by one, 8 copies would take 8 times the looks of one; batched, they take far fewer.
    assert.ok(
      describes.checkCopies > 0 && describes.checkCopies < (8 * singleCopyLooks) / 2,
      `8 copies in 2 waves took ${describes.checkCopies} looks; one copy alone takes ${singleCopyLooks}`
    );
  });

  /** How many looks the coordinator takes at one copy alone (same timings): the yardstick for the batched looks. */
  async function looksAtOneCopy(): Promise<number> {
    const w = await fixture.createWorker({ timings: TIMINGS });
    await w.worker.runUntil(async () => {
      const [handle] = await startInOrder(w, [uniqueName('alone')]);
      await fixture.env.client.workflow.getHandle(handle.workflowId).result();
    });
    return w.sim.callsByActivity('DescribeDBClusterSnapshotsCommand').checkCopies;
  }

  it("shows the watched copy's status and progress in the restore's progress, from the coordinator", async () => {
    const w = await fixture.createWorker({ timings: TIMINGS });
    const { handle, progress } = await w.worker.runUntil(async () => {
      const [started] = await startInOrder(w, [uniqueName('seen')]);
      await untilCopies(w, 1);
      // Time passes on the time-skipping server: the coordinator looks at the copy (every 30 s at first).
      await fixture.env.sleep('3m');
      return { handle: started, progress: await getProgress(fixture.plainClient, started.workflowId) };
    });
    assert.equal(progress.currentStep, 'wait-for-copy');
    assert.equal(progress.copyWatchedBy, copySlotCoordinatorId(COPY_REGION, undefined, w.taskQueue));
    const seen = progress.lastObservation;
    assert.equal(seen?.resource, 'snapshot-copy');
    assert.equal(seen?.id, progress.resources.snapshotCopy);
    assert.match(seen?.status ?? '', /^(creating|copying)$/);
    assert.ok(
      typeof seen?.percentProgress === 'number' && seen.percentProgress > 0 && seen.percentProgress < 100,
      JSON.stringify(seen)
    );
    await handle.terminate('test: seen enough');
  });

  it('a look at the copies that RDS refuses does not end the queue: the coordinator looks again later', async () => {
    const w = await fixture.createWorker({ timings: TIMINGS });
    const refused = w.sim.injectFault({
      command: 'DescribeDBClusterSnapshotsCommand',
      error: 'AccessDenied',
      httpStatus: 403,
      match: (input) => Array.isArray(input.Filters),
    });
    await w.worker.runUntil(async () => {
      const [handle] = await startInOrder(w, [uniqueName('denied')]);
      await fixture.env.client.workflow.getHandle(handle.workflowId).result();
      const coordinator = fixture.env.client.workflow.getHandle(
        copySlotCoordinatorId(COPY_REGION, undefined, w.taskQueue)
      );
      await coordinator.result(); // closed normally once nothing was held, not failed by the refusal
    });
    assert.equal(refused.triggered, 1);
    const describes = w.sim.callsByActivity('DescribeDBClusterSnapshotsCommand');
    assert.equal(describes.awaitSnapshotAvailable ?? 0, 0, 'the coordinator, not the restore, saw the copy end');
  });

  it('a copy that fails or disappears fails its restore, and its slot passes on at once', async () => {
    const w = await fixture.createWorker({ timings: TIMINGS, maxConcurrentCopies: 1 });
    const prefix = uniqueName('gone');
    const outcomes = await w.worker.runUntil(async () => {
      const handles = await startInOrder(w, [`${prefix}-a`, `${prefix}-b`, `${prefix}-c`]);
      const outcome = (h: WorkflowHandle) =>
        fixture.env.client.workflow
          .getHandle(h.workflowId)
          .result()
          .then(
            () => undefined,
            (err: unknown) => err
          );
      await untilCopies(w, 1);
      await w.sim.forceStatus({ kind: 'snapshot', id: copies(w)[0].id, status: 'failed', after: 5 * 60_000 });
      const first = await outcome(handles[0]); // time passes on the time-skipping server only while we wait
      await untilCopies(w, 2);
      // Someone deletes the second copy while it runs (RDS cancels a copy that way).
      await w.deps.clients
        .rds({ region: COPY_REGION })
        .send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: copies(w)[1].id }));
      return [first, await outcome(handles[1]), await outcome(handles[2])];
    });
    const [a, b, c] = outcomes.map((err) => (err instanceof WorkflowFailedError ? err.cause : err));
    assert.ok(a instanceof ApplicationFailure && a.type === 'SnapshotCopyFailed', String(a));
    assert.match(a.message, /is "failed"/);
    assert.ok(b instanceof ApplicationFailure && b.type === 'SnapshotCopyFailed', String(b));
    assert.match(b.message, /disappeared/);
    assert.equal(c, undefined, 'the third restore copied in the freed slot and succeeded');
    assert.equal(w.sim.calls().CopyDBClusterSnapshotCommand, 3, 'no copy call was refused');
  });

  it('a restore whose coordinator went silent checks its copy itself and succeeds', async () => {
    const w = await fixture.createWorker({ timings: { ...TIMINGS, snapshotCopy: 3 * 60 * 60_000 } });
    const prefix = uniqueName('silent');
    await w.worker.runUntil(async () => {
      const [handle] = await startInOrder(w, [`${prefix}-a`]);
      await untilCopies(w, 1);
      await fixture.plainClient.workflow
        .getHandle(copySlotCoordinatorId(COPY_REGION, undefined, w.taskQueue))
        .terminate('test: an operator ends the coordinator by hand');
      await fixture.env.client.workflow.getHandle(handle.workflowId).result();
    });
    const describes = w.sim.callsByActivity('DescribeDBClusterSnapshotsCommand');
    assert.ok(describes.awaitSnapshotAvailable > 0, JSON.stringify(describes));
  });

  it('a cancelled holder gives its slot back: the next restore copies once its copy is gone', async () => {
    const w = await fixture.createWorker({ timings: TIMINGS, maxConcurrentCopies: 1 });
    const prefix = uniqueName('cancel');
    await w.worker.runUntil(async () => {
      const [first, second] = await startInOrder(w, [`${prefix}-a`, `${prefix}-b`]);
      await untilCoordinator(w, 'a holds the slot, b waits', (s) => s.holders.length === 1 && s.queue.length === 1);
      await untilCopies(w, 1);
      await first.cancel();
      await assert.rejects(fixture.env.client.workflow.getHandle(first.workflowId).result());
      await fixture.env.client.workflow.getHandle(second.workflowId).result();
    });
    const [a, b] = copies(w);
    assert.ok(a.id.startsWith(`${prefix}-a-`) && b.id.startsWith(`${prefix}-b-`));
    assert.ok(a.endMs - a.startMs < TIMINGS.snapshotCopy, "the cancelled restore's copy was stopped");
    assert.ok(b.startMs >= a.endMs, 'the second copy started after the first had stopped');
    assert.equal(w.sim.calls().CopyDBClusterSnapshotCommand, 2, 'no copy call was refused');
  });

  it('a terminated holder (no cleanup) loses its slot once its copy ends, seen by reconciliation', async () => {
    const w = await fixture.createWorker({ timings: TIMINGS, maxConcurrentCopies: 1 });
    const prefix = uniqueName('term');
    await w.worker.runUntil(async () => {
      const [first, second] = await startInOrder(w, [`${prefix}-a`, `${prefix}-b`]);
      await untilCoordinator(w, 'a holds the slot, b waits', (s) => s.holders.length === 1 && s.queue.length === 1);
      await untilCopies(w, 1); // the first copy runs before its holder disappears
      await first.terminate('test: a holder that never gives its slot back');
      await fixture.env.client.workflow.getHandle(second.workflowId).result();
    });
    const [a, b] = copies(w);
    assert.ok(a.id.startsWith(`${prefix}-a-`) && b.id.startsWith(`${prefix}-b-`));
    assert.equal(a.endMs - a.startMs, TIMINGS.snapshotCopy, "the terminated restore's copy ran on");
    assert.ok(b.startMs >= a.endMs, 'the second copy waited for it');
    assert.equal(w.sim.calls().CopyDBClusterSnapshotCommand, 2, 'no copy call was refused');
  });

  it('counts a copy started outside the pipeline', async () => {
    const w = await fixture.createWorker({ timings: TIMINGS, maxConcurrentCopies: 1 });
    const outside = uniqueName('manual-copy');
    await w.deps.clients.rds({ region: COPY_REGION }).send(
      new CopyDBClusterSnapshotCommand({
        SourceDBClusterSnapshotIdentifier: `arn:aws:rds:${SOURCE_REGION}:123456789012:cluster-snapshot:${sourceId}-snap`,
        TargetDBClusterSnapshotIdentifier: outside,
      })
    );
    const prefix = uniqueName('ext');
    const restore = await w.worker.runUntil(async () => {
      const [started] = await startInOrder(w, [`${prefix}-a`]);
      const state = await untilCoordinator(w, 'the outside copy counted', (s) => s.external.length > 0);
      assert.deepEqual(state.external, [outside]);
      await fixture.env.client.workflow.getHandle(started.workflowId).result();
      return started;
    });
    const [manual, ours] = copies(w);
    assert.equal(manual.id, outside);
    assert.ok(ours.id.startsWith(`${prefix}-a-`));
    assert.ok(ours.startMs >= manual.endMs, 'our copy waited for the outside one');
    assert.equal(w.sim.calls().CopyDBClusterSnapshotCommand, 2, 'no copy call was refused');
    await recordHistory('copy-slot-queue-restore', restore);
    const coordinator = fixture.env.client.workflow.getHandle(
      copySlotCoordinatorId(COPY_REGION, undefined, w.taskQueue)
    );
    await coordinator.result(); // it closes once nothing is held or queued
    await recordHistory('copy-slot-coordinator', coordinator);
  });
});
