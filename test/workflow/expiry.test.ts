/**
 * Expiring clusters on the time-skipping server, with the real worker and activities against moto (simulated AWS
 * timing): a restore with a time to live starts the `clusterExpiry` child, which reminds, can be extended, set,
 * cancelled or expired at once, deletes the cluster at the (extended) time, and never deletes a cluster that a later
 * restore of the same target created; over continue-as-new it keeps its expiry time, change log and sent reminder.
 * Weeks of expiry pass in seconds of wall time.
 */
import assert from 'node:assert/strict';

import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

import { Failures } from '../../src/domain/errors';
import type { ExpiryView } from '../../src/domain/expiry';
import { expiryWorkflowId, restoreWorkflowId, TAG_MANAGED_BY, TAG_MANAGED_BY_VALUE } from '../../src/domain/naming';
import type { RestoreRequest } from '../../src/domain/request';
import { auroraRestore, clusterExpiry } from '../../src/workflows';
import { MIN_HISTORY_EVENTS } from '../../src/workflows/cluster-expiry';
import type { ClusterExpiryInput, ClusterExpiryResult } from '../../src/workflows/cluster-expiry';
import {
  cancelExpiryUpdate,
  expireNowUpdate,
  expiryQuery,
  extendExpiryUpdate,
  setExpiryUpdate,
} from '../../src/workflows/expiry-messages';
import type { RestoreResult } from '../../src/workflows/messages';
import { SA_EXPIRES_AT } from '../../src/workflows/messages';
import { expectFailure } from '../support/assertions';
import { useWorkflowEnvironment } from '../support/fixtures/workflow';
import { recordHistory } from '../support/histories';
import {
  clusterExists as motoClusterExists,
  seedManagedCluster,
  seedSourceCluster,
  seedSourceSnapshot,
  uniqueName,
} from '../support/moto';
import { restoreEventTopic } from '../support/sqs';
import type { SimulatedWorker } from '../support/workflow-env';

const { EventType } = temporal.api.enums.v1;

const REGION = 'us-west-2';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Short simulated AWS durations: these tests are about the days after the restore, not the restore itself. */
const FAST = { clusterRestore: 10 * 60_000, instanceCreate: 5 * 60_000, clusterDelete: 5 * 60_000 };

const clusterExists = (clusterId: string): Promise<boolean> => motoClusterExists(REGION, clusterId);

describe('clusterExpiry workflow (time-skipping server, real activities, simulated AWS timing)', function () {
  this.timeout(60_000);
  // One server per test: see WorkflowEnvironmentOptions.serverPerTest. Expiries a test starts are terminated after it.
  const fixture = useWorkflowEnvironment({ serverPerTest: true });

  /** A same-region restore (no copy) of a fresh source snapshot into `targetId`. */
  async function request(targetId: string, extra: Partial<RestoreRequest> = {}): Promise<RestoreRequest> {
    const source = await seedSourceSnapshot({ region: REGION, prefix: 'exsrc' });
    return {
      source: { region: REGION, clusterId: source.clusterId, snapshot: source.snapshotId },
      target: { region: REGION, clusterId: targetId },
      timing: { pollInterval: '30s' },
      ...extra,
    };
  }

  /**
   * Runs a restore to its end. Time is skipped one simulated minute at a time: awaiting the result through the
   * time-skipping client would let the server skip on to the new expiry's timers (days ahead) before the result
   * arrives, because skipping is global to the server.
   */
  async function restore(w: SimulatedWorker, req: RestoreRequest): Promise<RestoreResult> {
    const handle = await fixture.plainClient.workflow.start(auroraRestore, {
      taskQueue: w.taskQueue,
      workflowId: restoreWorkflowId(req.target),
      args: [req],
    });
    fixture.terminateAtEnd(expiryWorkflowId(req.target));
    let settled: { result: RestoreResult } | { error: unknown } | undefined;
    const done = handle.result().then(
      (result) => (settled = { result }),
      (error: unknown) => (settled = { error })
    );
    // Whole sleeps only: a sleep left pending while another starts leaves the server's time locked.
    for (let i = 0; i < 600 && !settled; i++) await fixture.env.sleep(60_000);
    await done;
    assert.ok(settled, 'the restore did not finish within 600 simulated minutes');
    if ('error' in settled) throw settled.error;
    await recordHistoryOnce(`restore-with-expiry`, handle);
    return settled.result;
  }

  const recorded = new Set<string>();
  async function recordHistoryOnce(name: string, handle: WorkflowHandle): Promise<void> {
    if (recorded.has(name)) return;
    recorded.add(name);
    await recordHistory(name, handle);
  }

  const notificationTopic = () => restoreEventTopic(REGION, 'expiry-events');

  /** Starts an expiry directly (as the restore would) under the target's expiry id, with a 1h reminder by default. */
  async function startExpiry(
    w: SimulatedWorker,
    input: Pick<ClusterExpiryInput, 'operationId' | 'target' | 'expiresAt'> & Partial<ClusterExpiryInput>
  ): Promise<WorkflowHandleWithFirstExecutionRunId<typeof clusterExpiry>> {
    const workflowId = expiryWorkflowId(input.target);
    fixture.terminateAtEnd(workflowId);
    return fixture.env.client.workflow.start(clusterExpiry, {
      taskQueue: w.taskQueue,
      workflowId,
      args: [
        {
          restoreWorkflowId: restoreWorkflowId(input.target),
          source: { region: REGION },
          remindBeforeMs: HOUR,
          disableDeletionProtection: false,
          pollIntervalMs: 30_000,
          deleteTimeoutMs: 2 * HOUR,
          ...input,
        },
      ],
    });
  }

  /** The update's rejection: an InvalidExpiryChange failure whose message matches `pattern`. */
  async function rejected(update: Promise<unknown>, pattern: RegExp): Promise<void> {
    await assert.rejects(update, (err: unknown) => {
      assert.ok(err instanceof WorkflowUpdateFailedError, `expected WorkflowUpdateFailedError, got ${String(err)}`);
      assert.ok(err.cause instanceof ApplicationFailure, String(err.cause));
      assert.equal(err.cause.type, 'InvalidExpiryChange');
      assert.match(err.cause.message, pattern);
      return true;
    });
  }

  /** Polls `read` until `check` holds (the worker runs workflows and activities in real time while the server skips). */
  async function until<T>(read: () => Promise<T>, check: (v: T) => boolean): Promise<T> {
    let value = await read();
    for (let i = 0; i < 100 && !check(value); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      value = await read();
    }
    assert.ok(check(value), JSON.stringify(value));
    return value;
  }

  const eventually = (handle: WorkflowHandle, check: (v: ExpiryView) => boolean): Promise<ExpiryView> =>
    until(() => handle.query(expiryQuery), check);

  it('deletes the cluster at the extended time, after a reminder, and rejects bad changes', async () => {
    const topic = await notificationTopic();
    const targetId = uniqueName('ttl');
    const w = await fixture.createWorker({ timings: FAST });
    const req = await request(targetId, {
      notifications: { topicArn: topic.topicArn },
      expiry: { after: '7d', remindBefore: '1d' },
    });
    await w.worker.runUntil(async () => {
      const result = await restore(w, req);
      const restoredAt = await fixture.env.currentTimeMs();
      assert.ok(result.expiry, 'the result names the expiry');
      assert.equal(result.expiry.problem, undefined);
      assert.equal(result.expiry.workflowId, expiryWorkflowId(req.target));
      const expiresAt = Date.parse(result.expiry.expiresAt);
      assert.ok(Math.abs(expiresAt - (restoredAt + 7 * DAY)) < HOUR, `${result.expiry.expiresAt} is not 7d after`);
      assert.deepEqual(
        (await topic.read()).map((e) => e.kind),
        ['started', 'succeeded']
      );

      const expiry = fixture.env.client.workflow.getHandle<typeof clusterExpiry>(result.expiry.workflowId);
      const first = await expiry.query(expiryQuery);
      assert.equal(first.status, 'waiting');
      assert.equal(first.operationId, result.operationId);
      assert.equal(first.reminder.state, 'pending');
      assert.equal(first.changes[0].action, 'created');

      // Validators refuse bad changes before they reach history.
      await rejected(
        expiry.executeUpdate(extendExpiryUpdate, { args: [{ duration: '0d', identity: 'alice' }] }),
        /zero/
      );
      await rejected(
        expiry.executeUpdate(extendExpiryUpdate, { args: [{ duration: '-1d', identity: 'alice' }] }),
        /negative/
      );
      await rejected(
        expiry.executeUpdate(extendExpiryUpdate, { args: [{ duration: '2 days', identity: 'alice' }] }),
        /not a duration/
      );
      await rejected(
        expiry.executeUpdate(extendExpiryUpdate, { args: [{ duration: '2d', identity: ' ' }] }),
        /identity is required/
      );
      await rejected(
        expiry.executeUpdate(setExpiryUpdate, { args: [{ expiresAt: '2020-01-01T00:00:00Z', identity: 'alice' }] }),
        /in the past/
      );
      await rejected(
        expiry.executeUpdate(setExpiryUpdate, { args: [{ expiresAt: 'next tuesday', identity: 'alice' }] }),
        /ISO 8601/
      );
      assert.equal((await expiry.query(expiryQuery)).changes.length, 1, 'rejected changes leave no trace');

      const extended = await expiry.executeUpdate(extendExpiryUpdate, {
        args: [{ duration: '2d', identity: 'alice', reason: 'demo moved to Thursday' }],
      });
      assert.equal(Date.parse(extended.expiresAt), expiresAt + 2 * DAY);
      assert.deepEqual(extended.changes[1], {
        action: 'extended',
        at: extended.changes[1].at,
        by: 'alice',
        reason: 'demo moved to Thursday',
        from: new Date(expiresAt).toISOString(),
        to: new Date(expiresAt + 2 * DAY).toISOString(),
      });

      // Past the original expiry (7d): nothing deleted, no reminder yet (due at 9d - 1d = 8d).
      await fixture.env.sleep(7 * DAY + 12 * HOUR);
      assert.equal(await clusterExists(targetId), true, 'deleted at the original time instead of the extended one');
      assert.deepEqual(await topic.read(), []);
      assert.equal((await expiry.query(expiryQuery)).reminder.state, 'pending');

      // Past the reminder time: the reminder is out, announcing the extended expiry; the cluster still exists.
      await fixture.env.sleep(DAY);
      await eventually(expiry, (v) => v.reminder.state === 'sent');
      const reminders = await topic.read();
      assert.deepEqual(
        reminders.map((e) => e.kind),
        ['expiry-reminder']
      );
      assert.equal(reminders[0].expiry?.expiresAt, extended.expiresAt);
      assert.equal(reminders[0].eventId, `${first.operationId}/expiry-reminder/${extended.expiresAt}`);
      assert.match(reminders[0].expiry?.extendWith ?? '', /aurora-restore expiry extend us-west-2\//);
      assert.equal(await clusterExists(targetId), true);

      const ended: ClusterExpiryResult = await expiry.result();
      assert.equal(ended.status, 'deleted', ended.message);
      assert.equal(ended.expiresAt, extended.expiresAt);
      assert.ok(Date.parse(ended.endedAt) >= Date.parse(extended.expiresAt), `${ended.endedAt} before expiry`);
      assert.ok(Date.parse(ended.endedAt) < Date.parse(extended.expiresAt) + HOUR, `${ended.endedAt} too late`);
      assert.equal(await clusterExists(targetId), false, 'the expired cluster must be gone');
      const deleted = await topic.read();
      assert.deepEqual(
        deleted.map((e) => e.kind),
        ['expired']
      );
      assert.equal(deleted[0].eventId, `${first.operationId}/expired`);
      await recordHistory('expiry-extended-reminded-deleted', expiry);
    });
  });

  it('keeps the cluster when the expiry is cancelled', async () => {
    const targetId = uniqueName('keep');
    const w = await fixture.createWorker({ timings: FAST });
    const req = await request(targetId, { expiry: { after: '1d' } });
    await w.worker.runUntil(async () => {
      const result = await restore(w, req);
      assert.ok(result.expiry);
      const expiry = fixture.env.client.workflow.getHandle<typeof clusterExpiry>(result.expiry.workflowId);
      const view = await expiry.executeUpdate(cancelExpiryUpdate, {
        args: [{ identity: 'bob', reason: 'kept for the audit' }],
      });
      assert.equal(view.status, 'cancelled');
      assert.equal(view.changes.at(-1)?.by, 'bob');
      const ended = await expiry.result();
      assert.equal(ended.status, 'cancelled');
      assert.match(ended.message, /bob.*kept for the audit.*kept/);
      // A change after the end is refused: the expiry is over, and nothing is left to delete the cluster.
      await assert.rejects(
        expiry.executeUpdate(extendExpiryUpdate, { args: [{ duration: '1d', identity: 'bob' }] }),
        /completed|not found|already/i
      );
      assert.equal((await expiry.describe()).status.name, 'COMPLETED');
      assert.equal(await clusterExists(targetId), true, 'a cancelled expiry must keep the cluster');
      assert.equal(w.sim.calls()['DeleteDBClusterCommand'] ?? 0, 0);
      await recordHistory('expiry-cancelled', expiry);
    });
  });

  it('deletes at once on expireNow (an `at` expiry weeks away)', async () => {
    const targetId = uniqueName('now');
    const w = await fixture.createWorker({ timings: FAST });
    const at = new Date((await fixture.env.currentTimeMs()) + 30 * DAY).toISOString();
    const req = await request(targetId, { expiry: { at } });
    await w.worker.runUntil(async () => {
      const result = await restore(w, req);
      assert.equal(result.expiry?.expiresAt, at);
      const expiry = fixture.env.client.workflow.getHandle<typeof clusterExpiry>(result.expiry?.workflowId ?? '');
      const before = await fixture.env.currentTimeMs();
      const view = await expiry.executeUpdate(expireNowUpdate, { args: [{ identity: 'carol', reason: 'done' }] });
      assert.equal(view.status, 'deleting');
      const ended = await expiry.result();
      assert.equal(ended.status, 'deleted', ended.message);
      assert.ok(Date.parse(ended.endedAt) - before < 2 * HOUR, `deleted only at ${ended.endedAt}`);
      assert.equal(await clusterExists(targetId), false);
    });
  });

  it("refuses to delete a cluster another operation created, ending as superseded (the guard's path)", async () => {
    const targetId = uniqueName('guard');
    // A pipeline-managed cluster of another operation (as after a replace whose handover signal was missed).
    await seedSourceCluster({
      region: REGION,
      clusterId: targetId,
      tags: { [TAG_MANAGED_BY]: TAG_MANAGED_BY_VALUE, 'aurora-restore:operation-id': 'op-newer' },
    });
    const w = await fixture.createWorker({ timings: FAST });
    await w.worker.runUntil(async () => {
      const now = await fixture.env.currentTimeMs();
      const expiry = await startExpiry(w, {
        operationId: 'op-older',
        target: { region: REGION, clusterId: targetId },
        expiresAt: new Date(now + DAY).toISOString(),
      });
      const ended = await expiry.result();
      assert.equal(ended.status, 'superseded', ended.message);
      assert.match(ended.message, /op-newer/);
      assert.equal(await clusterExists(targetId), true);
      assert.equal(w.sim.calls()['DeleteDBClusterCommand'] ?? 0, 0, 'no deletion may be attempted');
    });
  });

  /** The run ids of `workflowId` in order, from its first run along the continue-as-new chain in the histories. */
  async function runChain(workflowId: string, firstRunId: string): Promise<string[]> {
    const runs = [firstRunId];
    for (;;) {
      const history = await fixture.plainClient.workflow.getHandle(workflowId, runs[runs.length - 1]).fetchHistory();
      const next = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
      if (!next) return runs;
      runs.push(next);
    }
  }

  /** The workflow id's current run once it is another than `runId` (continue-as-new happened). */
  const nextRun = (handle: WorkflowHandle, runId: string): Promise<string> =>
    until(
      async () => (await handle.describe()).runId,
      (current) => current !== runId
    );

  async function expiresAtAttribute(handle: WorkflowHandle): Promise<string | undefined> {
    return (await handle.describe()).typedSearchAttributes.get(SA_EXPIRES_AT)?.toISOString();
  }

  it('keeps the expiry time, change log and sent reminder over continue-as-new, and deletes on time', async () => {
    const topic = await notificationTopic();
    const targetId = uniqueName('can');
    const operationId = uniqueName('op-can');
    await seedManagedCluster(REGION, targetId, operationId);
    const w = await fixture.createWorker({ timings: FAST });
    await w.worker.runUntil(async () => {
      const t0 = await fixture.env.currentTimeMs();
      const iso = (ms: number) => new Date(t0 + ms).toISOString();
      // The lowest limit: each change and the reminder push the run past it, so each ends its run.
      const expiry = await startExpiry(w, {
        operationId,
        target: { region: REGION, clusterId: targetId },
        expiresAt: iso(3 * DAY),
        remindBeforeMs: DAY,
        topicArn: topic.topicArn,
        continueAsNewAfterEvents: MIN_HISTORY_EVENTS,
      });
      const firstRun = expiry.firstExecutionRunId;
      const handle = fixture.plainClient.workflow.getHandle<typeof clusterExpiry>(expiry.workflowId);
      // Set by the first workflow task, which the worker runs in real time.
      await until(
        () => expiresAtAttribute(handle),
        (at) => at === iso(3 * DAY)
      );

      const extended = await handle.executeUpdate(extendExpiryUpdate, {
        args: [{ duration: '1d', identity: 'alice', reason: 'demo moved' }],
      });
      assert.equal(extended.expiresAt, iso(4 * DAY));
      const secondRun = await nextRun(handle, firstRun);

      // The new run answers the query with the carried expiry and change log, and has the search attribute.
      const carried = await handle.query(expiryQuery);
      assert.equal(carried.status, 'waiting');
      assert.equal(carried.expiresAt, iso(4 * DAY));
      assert.deepEqual(carried.changes, extended.changes);
      assert.equal(carried.reminder.state, 'pending');
      assert.equal(await expiresAtAttribute(handle), iso(4 * DAY));

      // An update by workflow id reaches the new run.
      const set = await handle.executeUpdate(setExpiryUpdate, {
        args: [{ expiresAt: iso(5 * DAY), identity: 'bob', reason: 'release slipped' }],
      });
      assert.deepEqual(set.changes.slice(0, 2), extended.changes, 'the earlier changes are kept as they were');
      assert.deepEqual(set.changes[2], {
        action: 'set',
        at: set.changes[2].at,
        by: 'bob',
        reason: 'release slipped',
        from: iso(4 * DAY),
        to: iso(5 * DAY),
      });
      const thirdRun = await nextRun(handle, secondRun);
      assert.equal(await expiresAtAttribute(handle), iso(5 * DAY));

      // Past the reminder time (5d - 1d): the reminder goes out, then the run continues as new.
      await fixture.env.sleep(4 * DAY + HOUR);
      const fourthRun = await nextRun(handle, thirdRun);
      const reminded = await handle.query(expiryQuery);
      assert.equal(reminded.reminder.state, 'sent');
      assert.equal(reminded.reminder.sentFor, iso(5 * DAY));
      assert.deepEqual(reminded.changes, set.changes);
      assert.deepEqual(
        (await topic.read()).map((e) => [e.kind, e.expiry?.expiresAt]),
        [['expiry-reminder', iso(5 * DAY)]]
      );
      assert.equal(await expiresAtAttribute(handle), iso(5 * DAY));
      assert.equal(await clusterExists(targetId), true);

      const ended: ClusterExpiryResult = await fixture.env.client.workflow
        .getHandle<typeof clusterExpiry>(handle.workflowId)
        .result();
      assert.equal(ended.status, 'deleted', ended.message);
      assert.equal(ended.expiresAt, iso(5 * DAY));
      assert.ok(Date.parse(ended.endedAt) >= t0 + 5 * DAY, `${ended.endedAt} before expiry`);
      assert.ok(Date.parse(ended.endedAt) < t0 + 5 * DAY + HOUR, `${ended.endedAt} too late`);
      assert.deepEqual(ended.changes, set.changes);
      assert.equal(await clusterExists(targetId), false, 'the expired cluster must be gone');
      // The carried "reminder sent" state: the last run deleted without a second reminder.
      assert.deepEqual(
        (await topic.read()).map((e) => e.kind),
        ['expired']
      );
      assert.deepEqual(await runChain(handle.workflowId, firstRun), [firstRun, secondRun, thirdRun, fourthRun]);
      // Replayed by test/replay: the run that continues as new, and a run that starts from carried state.
      await recordHistory(
        'expiry-continue-as-new-first-run',
        fixture.plainClient.workflow.getHandle(handle.workflowId, firstRun)
      );
      await recordHistory(
        'expiry-continue-as-new-last-run',
        fixture.plainClient.workflow.getHandle(handle.workflowId, fourthRun)
      );
    });
  });

  it('refuses a continue-as-new limit below the minimum before doing anything', async () => {
    const targetId = uniqueName('canbad');
    const w = await fixture.createWorker({ timings: FAST });
    await w.worker.runUntil(async () => {
      const expiry = await startExpiry(w, {
        operationId: 'op-bad',
        target: { region: REGION, clusterId: targetId },
        expiresAt: new Date((await fixture.env.currentTimeMs()) + DAY).toISOString(),
        continueAsNewAfterEvents: MIN_HISTORY_EVENTS - 1,
      });
      const failure = await expectFailure(
        expiry.result().catch((err: unknown) => Promise.reject((err as { cause?: unknown }).cause ?? err)),
        Failures.InvalidExpiryInput,
        true
      );
      assert.match(failure.message, /continueAsNewAfterEvents must be an integer from 5 to 2000, got 4/);
      assert.deepEqual(w.sim.calls(), {}, 'no AWS call');
    });
  });
});

/**
 * The handover runs on its own short-lived dev server in real time: on the Java time-skipping server, an abandoned
 * child that ends after its parent closed leaves the server's clock stuck (sdk-typescript#1101), and the old expiry
 * ends exactly so. AWS is simulated with near-zero durations and 5 s polls.
 */
describe('clusterExpiry handover to a later restore (dev server, real activities, simulated AWS timing)', function () {
  this.timeout(180_000); // a private dev server, two restores and the CLI: under a loaded CI box it took over 90 s
  const fixture = useWorkflowEnvironment({ server: 'private-dev' });
  const TINY = { clusterRestore: 1_000, instanceCreate: 1_000, clusterDelete: 1_000, instanceDelete: 1_000 };

  async function restore(w: SimulatedWorker, req: RestoreRequest): Promise<RestoreResult> {
    return (await fixture.startRestore(req, { worker: w })).result();
  }

  it('a replace restore takes the expiry over; the old expiry ends superseded and deletes nothing', async () => {
    const targetId = uniqueName('handover');
    const w = await fixture.createWorker({ timings: TINY });
    const source = await seedSourceSnapshot({ region: REGION, prefix: 'exsrc' });
    const base: RestoreRequest = {
      source: { region: REGION, clusterId: source.clusterId, snapshot: source.snapshotId },
      target: { region: REGION, clusterId: targetId },
      timing: { pollInterval: '5s' },
    };
    await w.worker.runUntil(async () => {
      const a = await restore(w, { ...base, expiry: { after: '2d' } });
      const expiryId = a.expiry?.workflowId ?? '';
      assert.equal(expiryId, expiryWorkflowId(base.target));
      const oldRun = (await fixture.env.client.workflow.getHandle(expiryId).describe()).runId;
      const restoreRunA = (await fixture.env.client.workflow.getHandle(a.workflowId).describe()).runId;

      const b = await restore(w, {
        ...base,
        replace: { existing: true, strategy: 'delete-first' },
        expiry: { after: '10d' },
      });
      assert.equal(b.replacedExistingCluster, true);
      assert.equal(b.expiry?.problem, undefined);
      // The handover says what it found, and neither restore records a failed event (no expiry ran before `a`).
      const handover = (r: RestoreResult) =>
        r.steps.find((s) => s.name === 'schedule-expiry' && s.status === 'completed');
      assert.match(handover(a)?.detail ?? '', /; no previous expiry of this target was running$/);
      assert.match(handover(b)?.detail ?? '', /; the previous expiry of this target was told to stand down$/);
      for (const runId of [restoreRunA, undefined]) {
        const { events } = await fixture.env.client.workflow.getHandle(b.workflowId, runId).fetchHistory();
        const failed = (events ?? []).map((e) => EventType[e.eventType ?? 0]).filter((t) => /FAILED|TIMED_OUT/.test(t));
        assert.deepEqual(failed, [], `failed events in ${b.workflowId} run ${runId ?? '(latest)'}`);
      }

      const old = fixture.env.client.workflow.getHandle<typeof clusterExpiry>(expiryId, oldRun);
      const oldEnd = await old.result();
      assert.equal(oldEnd.status, 'superseded', oldEnd.message);
      assert.match(oldEnd.message, new RegExp(b.operationId));
      assert.equal(oldEnd.changes.at(-1)?.action, 'superseded');
      await recordHistory('expiry-superseded', old);

      const current = fixture.env.client.workflow.getHandle<typeof clusterExpiry>(expiryId);
      const view = await current.query(expiryQuery);
      assert.equal(view.status, 'waiting');
      assert.equal(view.operationId, b.operationId);
      assert.ok(Math.abs(Date.parse(view.expiresAt) - Date.parse(b.expiry?.expiresAt ?? '')) < 1000);
      assert.equal(await clusterExists(targetId), true, 'the replaced cluster exists');

      // The CLI against the same server: show, extend and cancel, as an operator would.
      const cli = (argv: string[]) => fixture.cli(argv, 'ops-user');
      const short = `${REGION}/${targetId}`;
      const shown = await cli(['expiry', 'show', short]);
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, new RegExp(`Expiry of ${short}`));
      assert.match(shown.stdout, /Status: {5}waiting/);
      const extended = await cli(['expiry', 'extend', short, '1d', '--reason', 'release slipped', '--json']);
      assert.equal(extended.code, 0, extended.stderr);
      const extendedView = JSON.parse(extended.stdout) as ExpiryView;
      assert.equal(Date.parse(extendedView.expiresAt), Date.parse(view.expiresAt) + DAY);
      assert.deepEqual(
        { by: extendedView.changes.at(-1)?.by, reason: extendedView.changes.at(-1)?.reason },
        { by: 'ops-user', reason: 'release slipped' }
      );
      const bad = await cli(['expiry', 'set', short, '2020-01-01T00:00:00Z', '--by', 'eve']);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /in the past/);
      const kept = await cli(['expiry', 'cancel', short, '--by', 'dba-team', '--reason', 'keep for audit']);
      assert.equal(kept.code, 0, kept.stderr);
      assert.match(kept.stdout, /Status: {5}cancelled/);
      assert.equal((await current.result()).status, 'cancelled');
      const after = await cli(['expiry', 'extend', short, '1d']);
      assert.equal(after.code, 2, after.stdout);
      assert.match(after.stderr, /ended|No expiry found/);
      assert.equal(await clusterExists(targetId), true, 'a cancelled expiry keeps the cluster');
    });
  });
});
