/**
 * How the workflow calls its activities. Two kinds:
 * - calls: one AWS call (or a short describe-then-act), retried with exponential backoff on throttling and 5xx
 *   (local activities in a compact history);
 * - waits: one status check per attempt, retried every poll interval until ready, a terminal state (non-retryable
 *   typed failure) or the wait's deadline (schedule-to-close). Retries are not recorded in history, so a restore's
 *   history length does not grow with how long AWS takes (Temporal's infrequent polling pattern:
 *   https://github.com/temporalio/samples-typescript/tree/main/polling/infrequent).
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  patched,
  proxyActivities,
  proxyLocalActivities,
} from '@temporalio/workflow';

import type { RestoreActivities } from '../activities';
import type { DatabaseActivities } from '../activities/database';
import { MAX_IN_WORKFLOW_TASK_WAIT_MS } from '../domain/call-budget-limits';
import { Failures, NON_RETRYABLE_TYPES } from '../domain/errors';

import { compactHistory } from './restore/compact-history';

const CALL_OPTIONS = {
  startToCloseTimeout: '2m',
  retry: {
    initialInterval: '5s',
    backoffCoefficient: 2,
    maximumInterval: '2m',
    maximumAttempts: 10,
    nonRetryableErrorTypes: NON_RETRYABLE_TYPES,
  },
} as const;

/** Activities that make one AWS call or a short idempotent sequence. */
export const calls = proxyActivities<RestoreActivities>(CALL_OPTIONS);

/**
 * Restores recorded before calls that change AWS waited for their cancellation went on to the cleanup at once;
 * replaying them must not wait.
 */
export const WAIT_FOR_CANCELLED_CHANGES_PATCH = 'wait-for-cancelled-changes';

/**
 * Whether a cancelled call that changes AWS (creates, or renames during a swap) is waited for: cleaned up at once,
 * the restore would look for what the call's attempt still running (e.g. retried under throttling) creates or
 * renames a moment later, find nothing to undo, and leave it behind. Only for workflow code (the patch marker is
 * recorded at the first call). A compact run always waits, without a marker: both changes came in one release.
 */
export function waitsForCancelledChanges(): boolean {
  return compactHistory() || patched(WAIT_FOR_CANCELLED_CHANGES_PATCH);
}

const creatingCalls = proxyActivities<RestoreActivities>({
  ...CALL_OPTIONS,
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

/**
 * Calls that create something in AWS (the snapshot copy, the cluster, the instances): when the restore is
 * cancelled while one runs, the workflow goes on only once that attempt has ended (see waitsForCancelledChanges).
 */
export function creates(): RestoreActivities {
  if (compactHistory()) return localCreatingCalls;
  return waitsForCancelledChanges() ? creatingCalls : calls;
}

/**
 * A local activity runs inside the workflow task that asks for it, and that task holds one of the worker's
 * workflow-task slots until the local activity ends. So a retry waits on a timer (outside any slot) unless it is due
 * within the budget's in-task wait: with the SDK's default of a minute, throttled calls would hold the slots that
 * the worker's other restores need.
 */
const LOCAL_CALL_OPTIONS = { ...CALL_OPTIONS, localRetryThreshold: MAX_IN_WORKFLOW_TASK_WAIT_MS } as const;

/**
 * `local`, except that a call the RDS call budget cannot serve soon (`RdsCallBudgetBusyInWorkflowTask`: a local
 * activity never waits for the budget inside its workflow task, src/activities/call-budget.ts) is made again as the
 * same `regular` activity, which waits for its token without holding the workflow task. Only under budget pressure:
 * then the history has that activity's events too. Every call is idempotent, so what the local attempt did is
 * adopted.
 */
function fallingBackToActivities(local: RestoreActivities, regular: RestoreActivities): RestoreActivities {
  const byName = (activities: RestoreActivities, name: string) =>
    (activities as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[name];
  return new Proxy({} as RestoreActivities, {
    get(_, name) {
      if (typeof name !== 'string' || name === 'then') return undefined;
      return async (...args: unknown[]) => {
        try {
          return await byName(local, name)(...args);
        } catch (err) {
          if (!isBudgetBusyInWorkflowTask(err)) throw err;
          return byName(regular, name)(...args);
        }
      };
    },
  });
}

/** The failure as the workflow sees it: an `ActivityFailure` around it, or itself (a local activity's, here). */
function isBudgetBusyInWorkflowTask(err: unknown): boolean {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure && cause.type === Failures.BudgetBusyInWorkflowTask.type;
}

/**
 * The same calls as local activities (a compact history, restore/compact-history.ts): run by the worker inside the
 * workflow task that asks for them and recorded as one marker. Same timeout and retries.
 */
export const localCalls = fallingBackToActivities(proxyLocalActivities<RestoreActivities>(LOCAL_CALL_OPTIONS), calls);

const localCreatingCalls = fallingBackToActivities(
  proxyLocalActivities<RestoreActivities>({
    ...LOCAL_CALL_OPTIONS,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  }),
  creatingCalls
);

/**
 * The plan's reads: a plan is a question a person waits for at a terminal, so it retries briefly (five attempts,
 * 15 seconds of backoff in all) and then fails; what it cannot read is reported as a problem where the workflow can
 * tell what it is.
 */
export const planCalls = proxyActivities<RestoreActivities>({
  startToCloseTimeout: '1m',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '10s',
    maximumAttempts: 5,
    nonRetryableErrorTypes: NON_RETRYABLE_TYPES,
  },
});

/**
 * Cleanup after a failure or a cancel: the same calls, retried until `timeoutMs` (the request's delete timeout)
 * instead of for 10 attempts, because giving up on throttling or 5xx leaves resources of ours behind.
 */
export function cleanupCalls(timeoutMs: number): RestoreActivities {
  const { maximumAttempts: _limit, ...untilDeadline } = CALL_OPTIONS.retry;
  return proxyActivities<RestoreActivities>({
    ...CALL_OPTIONS,
    scheduleToCloseTimeout: timeoutMs,
    retry: untilDeadline,
  });
}

/** Notifications: a few attempts only, because a lost notification must never hold up or mask the outcome. */
const NOTIFICATION_OPTIONS = {
  ...CALL_OPTIONS,
  retry: { ...CALL_OPTIONS.retry, maximumAttempts: 5, maximumInterval: '30s' },
} as const;
export const notifications = proxyActivities<RestoreActivities>(NOTIFICATION_OPTIONS);

/** The same notifications as local activities (a restore's compact history). */
export const localNotifications = proxyLocalActivities<RestoreActivities>({
  ...NOTIFICATION_OPTIONS,
  localRetryThreshold: MAX_IN_WORKFLOW_TASK_WAIT_MS,
});

/**
 * Database steps, on their own task queue (the database worker may run inside the VPC). They heartbeat while a
 * long statement runs; an unreachable database is retried with backoff for a few minutes, then the step fails.
 */
export function databaseSteps(stepTimeoutMs: number, taskQueue: string): DatabaseActivities {
  return proxyActivities<DatabaseActivities>({
    taskQueue,
    startToCloseTimeout: stepTimeoutMs,
    heartbeatTimeout: '1m',
    retry: {
      initialInterval: '10s',
      backoffCoefficient: 2,
      maximumInterval: '2m',
      maximumAttempts: 6,
      nonRetryableErrorTypes: NON_RETRYABLE_TYPES,
    },
  });
}

/**
 * Activities that check a status once per attempt and are retried every `pollIntervalMs` for up to `timeoutMs`
 * (no attempt limit: the schedule-to-close timeout bounds the wait).
 */
export function waits(
  pollIntervalMs: number,
  timeoutMs: number,
  options: { waitForCancelledAttempt?: boolean } = {}
): RestoreActivities {
  return proxyActivities<RestoreActivities>({
    ...(options.waitForCancelledAttempt
      ? { cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED }
      : {}),
    startToCloseTimeout: '2m',
    scheduleToCloseTimeout: timeoutMs,
    retry: {
      initialInterval: pollIntervalMs,
      backoffCoefficient: 1,
      maximumInterval: pollIntervalMs,
      nonRetryableErrorTypes: NON_RETRYABLE_TYPES,
    },
  });
}
