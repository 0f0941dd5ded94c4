/**
 * The expiry of a restored cluster: waits on a durable timer until the cluster's expiry time, sends a reminder
 * `remindBefore` ahead, then deletes the cluster with the same guards as a replace (only the cluster this
 * pipeline's operation created). Started by `auroraRestore` as an abandoned child, so it outlives the restore.
 *
 * Operators change it with validated updates (extendExpiry, setExpiry, cancelExpiry, expireNow), each recording who,
 * when and why; the `expiry` query shows the state and that history. A later restore of the same target sends
 * `expirySuperseded`, and the expiry ends without deleting; should that signal be missed, the operation-id guard
 * still refuses to delete the newer cluster and the expiry ends as superseded.
 */
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  log,
  setHandler,
  setWorkflowOptions,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';

import type { AwsLocation, ClusterRef } from '../domain/aws-shapes';
import { Failures } from '../domain/errors';
import { checkFinalChange, ExpiryChangeError, planExtend, planSet } from '../domain/expiry';
import type { ExpiryAction, ExpiryChange, ExpiryChangeBase, ExpiryStatus, ExpiryView } from '../domain/expiry';
import { isCreatedByOperation, TAG_OPERATION_ID } from '../domain/naming';
import type { RestoreEvent } from '../domain/restore-event';
import type { RestoreSourceRef } from '../domain/restore-report';

import { calls, notifications, waits } from './activity-options';
import {
  cancelExpiryUpdate,
  expireNowUpdate,
  expiryQuery,
  expirySupersededSignal,
  extendExpiryUpdate,
  setExpiryUpdate,
} from './expiry-messages';
import { SA_EXPIRES_AT, SA_TARGET } from './messages';

export interface ClusterExpiryInput {
  operationId: string;
  restoreWorkflowId: string;
  target: AwsLocation & { clusterId: string };
  /** The restore's source, for notifications and the never-delete-the-source guard. */
  source: RestoreSourceRef;
  topicArn?: string;
  /** ISO 8601. */
  expiresAt: string;
  remindBeforeMs: number;
  disableDeletionProtection: boolean;
  pollIntervalMs: number;
  deleteTimeoutMs: number;
  /** State carried over continue-as-new; absent on the first run. */
  carried?: { changes: ExpiryChange[]; reminderSentFor?: string; reminderSentAt?: string };
  /**
   * Tests only (the restore never sets it): continue-as-new past this many history events instead of
   * MAX_HISTORY_EVENTS, so a test reaches the carried-state path with a few changes. An integer from
   * MIN_HISTORY_EVENTS to MAX_HISTORY_EVENTS: it can only make continue-as-new come sooner.
   */
  continueAsNewAfterEvents?: number;
}

export interface ClusterExpiryResult {
  status: Exclude<ExpiryStatus, 'waiting' | 'deleting'>;
  target: ClusterRef;
  expiresAt: string;
  endedAt: string;
  message: string;
  changes: ExpiryChange[];
}

/** Continue-as-new well before the history limits; updates and re-armed timers are what makes the history grow. */
const MAX_HISTORY_EVENTS = 2_000;
/**
 * The lowest `continueAsNewAfterEvents`: above the 3 events of a run's first workflow task, so every run waits at
 * least once before it may continue as new (a lower limit would continue as new forever without waiting).
 */
export const MIN_HISTORY_EVENTS = 5;

const iso = (ms: number): string => new Date(ms).toISOString();

// Versioned workers pin restores to the version that started them; an expiry waits for days and continues as new,
// so it moves to the current version at its next task (AUTO_UPGRADE) to get fixes, which must use patched().
// Only on a versioned worker (one with a deployment name): the server refuses a behavior from an unversioned one.
setWorkflowOptions(
  () => (workflowInfo().currentDeploymentVersion?.deploymentName ? { versioningBehavior: 'AUTO_UPGRADE' } : {}),
  clusterExpiry
);

export async function clusterExpiry(input: ClusterExpiryInput): Promise<ClusterExpiryResult> {
  const { workflowId } = workflowInfo();
  const historyLimit = continueAsNewLimit(input.continueAsNewAfterEvents);
  const { target } = input;
  const short = `${target.accountId ? `${target.accountId}/` : ''}${target.region}/${target.clusterId}`;
  let expiresAtMs = Date.parse(input.expiresAt);
  let status: ExpiryStatus = 'waiting';
  // Handlers change `status` between awaits; reading it through a function keeps TypeScript from narrowing it.
  const current = (): ExpiryStatus => status;
  let outcome: string | undefined;
  let revision = 0;
  const changes: ExpiryChange[] = input.carried?.changes ?? [
    {
      action: 'created',
      at: iso(Date.now()),
      by: input.restoreWorkflowId,
      reason: `restore operation ${input.operationId} asked for it`,
      to: input.expiresAt,
    },
  ];
  let reminderSentFor = input.carried?.reminderSentFor;
  let reminderSentAt = input.carried?.reminderSentAt;
  const reminderConfigured = input.topicArn !== undefined && input.remindBeforeMs > 0;
  const remindAtMs = () => expiresAtMs - input.remindBeforeMs;
  const reminderDue = () => reminderConfigured && reminderSentFor !== iso(expiresAtMs);

  const view = (): ExpiryView => ({
    workflowId,
    restoreWorkflowId: input.restoreWorkflowId,
    operationId: input.operationId,
    target: { region: target.region, accountId: target.accountId, clusterId: target.clusterId },
    status,
    expiresAt: iso(expiresAtMs),
    asOf: iso(Date.now()),
    timeLeftMs: Math.max(0, expiresAtMs - Date.now()),
    reminder: {
      remindBeforeMs: input.remindBeforeMs,
      remindAt: iso(remindAtMs()),
      state: !reminderConfigured ? 'not-configured' : reminderDue() ? 'pending' : 'sent',
      sentAt: reminderSentAt,
      sentFor: reminderSentFor,
    },
    changes,
    outcome,
  });

  const record = (action: ExpiryAction, change: ExpiryChangeBase, to?: number): void => {
    changes.push({
      action,
      at: iso(Date.now()),
      by: change.identity,
      ...(change.reason ? { reason: change.reason } : {}),
      from: iso(expiresAtMs),
      ...(to !== undefined ? { to: iso(to) } : {}),
    });
    revision++;
  };

  // Validators run before an update is accepted into history: a rejected change leaves no trace and no effect.
  const refuse = (check: () => unknown): void => {
    try {
      check();
    } catch (err) {
      if (err instanceof ExpiryChangeError) {
        throw ApplicationFailure.create({
          type: Failures.InvalidExpiryChange.type,
          message: `${err.message} Cluster ${short}, expiry ${iso(expiresAtMs)}.`,
          nonRetryable: true,
          details: [{ code: Failures.InvalidExpiryChange.code, problems: err.problems }],
        });
      }
      throw err;
    }
  };

  setHandler(expiryQuery, view);
  setHandler(
    extendExpiryUpdate,
    (change) => {
      const to = planExtend({ status, expiresAtMs }, change, Date.now());
      record('extended', change, to);
      expiresAtMs = to;
      upsertExpiresAt(expiresAtMs);
      return view();
    },
    { validator: (change) => refuse(() => planExtend({ status, expiresAtMs }, change, Date.now())) }
  );
  setHandler(
    setExpiryUpdate,
    (change) => {
      const to = planSet({ status }, change, Date.now());
      record('set', change, to);
      expiresAtMs = to;
      upsertExpiresAt(expiresAtMs);
      return view();
    },
    { validator: (change) => refuse(() => planSet({ status }, change, Date.now())) }
  );
  setHandler(
    cancelExpiryUpdate,
    (change) => {
      record('cancelled', change);
      status = 'cancelled';
      outcome = `Cancelled by ${change.identity}${change.reason ? ` (${change.reason})` : ''}: the cluster is kept.`;
      return view();
    },
    { validator: (change) => refuse(() => checkFinalChange({ status }, change)) }
  );
  setHandler(
    expireNowUpdate,
    (change) => {
      record('expire-now', change, Date.now());
      expiresAtMs = Date.now();
      status = 'deleting';
      return view();
    },
    { validator: (change) => refuse(() => checkFinalChange({ status }, change)) }
  );
  setHandler(expirySupersededSignal, (by) => {
    if (status !== 'waiting') return;
    record('superseded', { identity: by.restoreWorkflowId, reason: `replaced by restore operation ${by.operationId}` });
    status = 'superseded';
    outcome = `Restore operation ${by.operationId} replaced the cluster and took the expiry over; nothing was deleted.`;
  });

  if (!input.carried) {
    upsertSearchAttributes([
      { key: SA_TARGET, value: `${target.region}/${target.clusterId}` },
      { key: SA_EXPIRES_AT, value: new Date(expiresAtMs) },
    ]);
  }

  // The durable timer: one condition per deadline (reminder or expiry), re-armed whenever a change comes in.
  while (current() === 'waiting') {
    const now = Date.now();
    if (now >= expiresAtMs) {
      status = 'deleting';
      break;
    }
    if (reminderDue() && now >= remindAtMs()) {
      await sendReminder();
      continue;
    }
    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength > historyLimit) {
      await condition(allHandlersFinished);
      if (current() !== 'waiting') break;
      return await continueAsNew<typeof clusterExpiry>({
        ...input,
        expiresAt: iso(expiresAtMs),
        carried: { changes, reminderSentFor, reminderSentAt },
      });
    }
    const wakeAt = reminderDue() && remindAtMs() > now ? remindAtMs() : expiresAtMs;
    await waitForChangeOr(wakeAt - now);
  }

  const ended = current();
  if (ended === 'cancelled' || ended === 'superseded') {
    // Off the "expires soon" list: nothing will be deleted.
    upsertSearchAttributes([{ key: SA_EXPIRES_AT, value: null }]);
    return finish(ended, outcome ?? ended);
  }
  return await deleteExpiredCluster();

  /**
   * Sleeps until the deadline or the next change. The timer is cancelled only when the expiry goes on (to re-arm or
   * to delete); when it ends, the pending timer is left to the server, which drops it with the closed workflow (no
   * CancelTimer in the completing task, which also keeps the Java time-skipping test server's clock unlocked).
   */
  async function waitForChangeOr(ms: number): Promise<void> {
    const seen = revision;
    const scope = new CancellationScope();
    const timer = scope
      .run(() => sleep(ms))
      .catch((err: unknown) => {
        if (!isCancellation(err)) throw err;
      });
    const changed = condition(() => revision !== seen || current() !== 'waiting');
    await Promise.race([timer, changed]);
    const next = current();
    if (next !== 'cancelled' && next !== 'superseded') scope.cancel();
  }

  function upsertExpiresAt(ms: number): void {
    upsertSearchAttributes([{ key: SA_EXPIRES_AT, value: new Date(ms) }]);
  }

  function finish(final: ClusterExpiryResult['status'], message: string): ClusterExpiryResult {
    status = final;
    outcome = message;
    log.info('Cluster expiry ended', { cluster: short, status: final, message });
    return {
      status: final,
      target: view().target,
      expiresAt: iso(expiresAtMs),
      endedAt: iso(Date.now()),
      message,
      changes,
    };
  }

  async function sendReminder(): Promise<void> {
    const announced = iso(expiresAtMs);
    await notify('expiry-reminder', `${input.operationId}/expiry-reminder/${announced}`, {
      timeLeftMs: expiresAtMs - Date.now(),
    });
    // Marked even when SNS failed for good: a lost reminder must not hold the expiry up or repeat forever.
    reminderSentFor = announced;
    reminderSentAt = iso(Date.now());
  }

  async function deleteExpiredCluster(): Promise<ClusterExpiryResult> {
    const found = await calls.describeCluster({ target: locationOf(), clusterId: target.clusterId });
    if (!found) {
      return finish('already-gone', `Cluster ${short} no longer exists; nothing to delete.`);
    }
    if (!isCreatedByOperation(found.tags, input.operationId)) {
      const owner = found.tags.find((t) => t.Key === TAG_OPERATION_ID)?.Value;
      upsertSearchAttributes([{ key: SA_EXPIRES_AT, value: null }]);
      return finish(
        'superseded',
        `Cluster ${short} was not created by operation ${input.operationId} (its ${TAG_OPERATION_ID} tag is ` +
          `${owner ? `"${owner}"` : 'missing'}): it was replaced since, so this expiry deleted nothing.`
      );
    }
    try {
      await waits(input.pollIntervalMs, input.deleteTimeoutMs).deleteCluster({
        target: locationOf(),
        clusterId: target.clusterId,
        guard: {
          operationId: input.operationId,
          source: { clusterId: input.source.clusterId, region: input.source.region, accountId: input.source.accountId },
        },
        disableDeletionProtection: input.disableDeletionProtection,
      });
    } catch (err) {
      const type = failureType(err);
      const message = failureMessage(err);
      if (type === Failures.NotManagedByPipeline.type) {
        // Replaced between the check above and the deletion: the guard kept the newer cluster.
        return finish('superseded', message);
      }
      await notify('expiry-failed', `${input.operationId}/expiry-failed`, { problem: message });
      if (type === Failures.DeletionProtected.type) {
        return finish(
          'deletion-refused',
          `Cluster ${short} was not deleted: deletion protection is on and the request did not set ` +
            `expiry.disableDeletionProtection. ${message}`
        );
      }
      throw ApplicationFailure.create({
        type: Failures.ExpiryDeletionFailed.type,
        message: `Deleting expired cluster ${short} failed: ${message} Delete it by hand or restore again.`,
        nonRetryable: true,
        details: [{ code: Failures.ExpiryDeletionFailed.code, cause: type }],
      });
    }
    const deletedAt = iso(Date.now());
    await notify('expired', `${input.operationId}/expired`, { deletedAt });
    return finish('deleted', `Cluster ${short} expired at ${iso(expiresAtMs)} and was deleted at ${deletedAt}.`);
  }

  function locationOf(): AwsLocation {
    return { region: target.region, accountId: target.accountId, roleArn: target.roleArn };
  }

  /** A notification on the request's topic; a lost one is logged and never changes the outcome. */
  async function notify(
    kind: 'expiry-reminder' | 'expired' | 'expiry-failed',
    eventId: string,
    extra: { timeLeftMs?: number; deletedAt?: string; problem?: string }
  ): Promise<void> {
    if (!input.topicArn) return;
    const event: RestoreEvent = {
      eventId,
      kind,
      operationId: input.operationId,
      workflowId,
      timestamp: iso(Date.now()),
      source: input.source,
      target: { region: target.region, accountId: target.accountId, clusterId: target.clusterId },
      steps: [],
      expiry: {
        workflowId,
        expiresAt: iso(expiresAtMs),
        ...extra,
        ...(kind === 'expiry-reminder'
          ? {
              extendWith: `aurora-restore expiry extend ${short} 1d --reason "<why>"`,
              cancelWith: `aurora-restore expiry cancel ${short} --reason "<why>"`,
            }
          : {}),
      },
    };
    try {
      await notifications.publishNotification({ topicArn: input.topicArn, event });
    } catch (err) {
      log.warn('Expiry notification could not be sent', { kind, error: failureMessage(err) });
    }
  }
}

/** The history length that triggers continue-as-new; refuses a bad test setting before the run does anything. */
function continueAsNewLimit(requested: number | undefined): number {
  if (requested === undefined) return MAX_HISTORY_EVENTS;
  if (!Number.isInteger(requested) || requested < MIN_HISTORY_EVENTS || requested > MAX_HISTORY_EVENTS) {
    throw ApplicationFailure.create({
      type: Failures.InvalidExpiryInput.type,
      message:
        `continueAsNewAfterEvents must be an integer from ${MIN_HISTORY_EVENTS} to ${MAX_HISTORY_EVENTS}, got ` +
        `${JSON.stringify(requested)}; leave it out outside tests.`,
      nonRetryable: true,
      details: [{ code: Failures.InvalidExpiryInput.code }],
    });
  }
  return requested;
}

function failureType(err: unknown): string | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

function failureMessage(err: unknown): string {
  const cause = err instanceof ActivityFailure ? (err.cause ?? err) : err;
  return cause instanceof Error ? cause.message : String(cause);
}
