/**
 * Typed client API for restores, used by the CLI and by tests: start (validated before anything is started),
 * progress, watch, status, list and cancel. Every function takes a connected `Client`.
 */
import { randomBytes, randomUUID } from 'node:crypto';

import { WorkflowFailedError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { Client, WorkflowExecutionDescription, WorkflowExecutionInfo, WorkflowHandle } from '@temporalio/client';
import {
  ApplicationFailure,
  CancelledFailure,
  TerminatedFailure,
  TimeoutFailure,
  WorkflowExecutionAlreadyStartedError,
} from '@temporalio/common';
import type { SearchAttributePair } from '@temporalio/common';

import { watchedCopyObservation } from '../domain/copy-slots';
import { Failures, failureKindOf } from '../domain/errors';
import { restoreWorkflowId, snapshotSourceLabel, TAG_OPERATION_ID } from '../domain/naming';
import type { AwsObservation } from '../domain/observation';
import type { WaitHints } from '../domain/poll-schedule';
import type { NormalizedRestoreRequest, RestoreRequest } from '../domain/request';
import type { StepTiming } from '../domain/restore-report';
import { RequestValidationError, validateRestoreRequest } from '../domain/validate';
import type { auroraRestore } from '../workflows';
import { copySlotsQuery } from '../workflows/copy-slot-messages';
import {
  approveUpdate,
  progressQuery,
  rejectUpdate,
  SA_SOURCE,
  SA_STATUS,
  SA_STEP,
  SA_TARGET,
  TASK_QUEUE,
} from '../workflows/messages';
import type { ApprovalDecision, ApprovalState, RestoreProgress, RestoreResult } from '../workflows/messages';

import { buildListQuery, DEFAULT_LIST_LIMIT, ListFilterError, MAX_LIST_LIMIT, WORKFLOW_TYPE } from './list-query';
import type { ListFilter } from './list-query';
import { newest, pendingObservation } from './pending-observation';
import type { RestoreTargetRef } from './targets';
import { resolveTargetArgument, shortTargetName } from './targets';

/** How long a `progress` query may take before it is reported as unavailable (no worker, overloaded worker). */
export const DEFAULT_QUERY_TIMEOUT_MS = 10_000;
export const DEFAULT_WATCH_INTERVAL_MS = 2_000;

// ---------------------------------------------------------------------------------------------------------------
// Errors

/** A restore of the same target is already running: Temporal refused the second start (one restore per target). */
export class RestoreAlreadyRunningError extends Error {
  readonly workflowId: string;
  readonly runId?: string;
  readonly target: RestoreTargetRef;

  constructor(target: RestoreTargetRef, workflowId: string, runId?: string) {
    const short = shortTargetName(target);
    super(
      `A restore of ${target.clusterId} in ${target.region}${target.accountId ? ` (account ${target.accountId})` : ''} ` +
        `is already running (workflow ${workflowId}${runId ? `, run ${runId}` : ''}). ` +
        `Wait for it (\`aurora-restore status ${short}\`) or cancel it (\`aurora-restore cancel ${short}\`).`
    );
    this.name = 'RestoreAlreadyRunningError';
    this.workflowId = workflowId;
    this.runId = runId;
    this.target = target;
  }
}

/** No restore with this workflow id exists in the namespace. */
export class RestoreNotFoundError extends Error {
  readonly workflowId: string;

  constructor(workflowId: string, given?: string) {
    super(
      `No restore found with workflow id ${workflowId}${given && given !== workflowId ? ` (from "${given}")` : ''} ` +
        `in this namespace. List restores with \`aurora-restore list\`; check TEMPORAL_NAMESPACE if it should exist.`
    );
    this.name = 'RestoreNotFoundError';
    this.workflowId = workflowId;
  }
}

/** Cancel was asked for a restore that is no longer running. */
export class RestoreNotRunningError extends Error {
  readonly workflowId: string;
  readonly executionStatus: string;

  constructor(workflowId: string, executionStatus: string) {
    super(
      `The restore ${workflowId} is not running (it is ${executionStatus.toLowerCase()}), so there is nothing to cancel. ` +
        `Its resources stay as they are; see \`aurora-restore status ${workflowId}\`.`
    );
    this.name = 'RestoreNotRunningError';
    this.workflowId = workflowId;
    this.executionStatus = executionStatus;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Start

/** `op-<epoch seconds>-<8 hex>`: sortable by time, unique enough per target, readable in tags and notifications. */
export function newOperationId(now: Date = new Date()): string {
  return `op-${Math.floor(now.getTime() / 1000)}-${randomBytes(4).toString('hex')}`;
}

/** Search attributes set at start, so a restore is findable before its first workflow task runs. */
export function startSearchAttributes(request: NormalizedRestoreRequest): SearchAttributePair[] {
  return [
    { key: SA_TARGET, value: `${request.target.region}/${request.target.clusterId}` },
    { key: SA_SOURCE, value: snapshotSourceLabel(request.source) },
    { key: SA_STEP, value: 'validate-request' },
    { key: SA_STATUS, value: 'running' },
  ];
}

export interface StartRestoreOptions {
  /** Default: TASK_QUEUE. */
  taskQueue?: string;
  /** Clock used to validate the request (`yesterday`, future dates) and to make the operation id. */
  now?: () => Date;
  /** Operation id generator for requests without one. Default `newOperationId`. */
  newOperationId?: () => string;
  /**
   * Expected AWS durations of the waits, e.g. from an earlier restore of the same source (`waitHintsFromSteps` of
   * its result's `steps`): the status checks are timed by them.
   */
  waitHints?: WaitHints;
}

export interface StartedRestore {
  workflowId: string;
  runId: string;
  operationId: string;
  target: RestoreTargetRef;
  /** `region/cluster` or `account/region/cluster`, for follow-up commands. */
  short: string;
}

/**
 * Validates the request (throws `RequestValidationError` listing every problem, before anything is started) and
 * starts the restore with the workflow id derived from its target. Throws `RestoreAlreadyRunningError` when a
 * restore of the same target is running.
 */
export async function startRestore(
  client: Client,
  request: unknown,
  options: StartRestoreOptions = {}
): Promise<StartedRestore> {
  const now = options.now?.() ?? new Date();
  const makeId = options.newOperationId ?? (() => newOperationId(now));
  const normalized = validateRestoreRequest(request, { now, newOperationId: makeId });
  const operationId = normalized.operationId;
  const target: RestoreTargetRef = {
    region: normalized.target.region,
    clusterId: normalized.target.clusterId,
    ...(normalized.target.accountId ? { accountId: normalized.target.accountId } : {}),
  };
  const workflowId = restoreWorkflowId(target);
  // The workflow gets the request as written (plus the operation id, so it is known upfront) and validates it
  // again itself: history shows what the user asked for, and defaults are applied by the workflow's code version.
  const input: RestoreRequest = { ...(request as RestoreRequest), operationId };
  try {
    const handle = await client.workflow.start<typeof auroraRestore>(WORKFLOW_TYPE, {
      taskQueue: options.taskQueue ?? TASK_QUEUE,
      workflowId,
      args: options.waitHints ? [input, options.waitHints] : [input],
      workflowIdConflictPolicy: 'FAIL',
      typedSearchAttributes: startSearchAttributes(normalized),
      memo: { operationId },
      staticSummary: `Restore ${target.clusterId} in ${target.region} from ${snapshotSourceLabel(normalized.source)}`,
    });
    return { workflowId, runId: handle.firstExecutionRunId, operationId, target, short: shortTargetName(target) };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      const runId = await client.workflow
        .getHandle(workflowId)
        .describe()
        .then((d) => d.runId)
        .catch(() => undefined);
      throw new RestoreAlreadyRunningError(target, workflowId, runId);
    }
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Progress and watch

/** Workflow id from a workflow id or short target (`region/cluster`, `account/region/cluster`). */
export function toWorkflowId(workflowIdOrTarget: string): string {
  return resolveTargetArgument(workflowIdOrTarget).workflowId;
}

/** The workflow id a restore argument names, and a handle on its run `runId` (default: the latest run). */
function restoreHandle(client: Client, workflowIdOrTarget: string, runId?: string) {
  const workflowId = toWorkflowId(workflowIdOrTarget);
  return { workflowId, handle: client.workflow.getHandle<typeof auroraRestore>(workflowId, runId) };
}

export interface QueryOptions {
  runId?: string;
  timeoutMs?: number;
}

/**
 * The `progress` query, with the last AWS status a pending wait observed when that is newer than the query's (waits
 * keep it with the pending activity instead of signalling it: see pending-observation.ts). Needs a running worker
 * (also for closed restores, which the worker replays).
 */
export async function getProgress(
  client: Client,
  workflowIdOrTarget: string,
  options: QueryOptions = {}
): Promise<RestoreProgress> {
  const { workflowId, handle } = restoreHandle(client, workflowIdOrTarget, options.runId);
  try {
    const progress = await client.withDeadline(Date.now() + (options.timeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS), () =>
      handle.query(progressQuery)
    );
    if (progress.status !== 'running' && progress.status !== 'cleaning-up') return progress;
    const pending = await handle
      .describe()
      .then((d) => pendingObservation(client.workflow.options.loadedDataConverter, d))
      .catch(() => undefined); // best effort: the query's view stands on its own
    const copy = progress.resources.snapshotCopy;
    const coordinatorId = progress.copyWatchedBy;
    // The copy's latest look is the coordinator's that watches it (best effort, like the pending activity's).
    const watched =
      coordinatorId && copy
        ? await client
            .withDeadline(Date.now() + (options.timeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS), () =>
              client.workflow.getHandle(coordinatorId).query(copySlotsQuery)
            )
            .then((state) => watchedCopyObservation(state, copy))
            .catch(() => undefined)
        : undefined;
    const lastObservation = newest([progress.lastObservation, pending, watched]);
    return lastObservation ? { ...progress, lastObservation } : progress;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new RestoreNotFoundError(workflowId, workflowIdOrTarget);
    throw err;
  }
}

/** What changed between two views of the progress, in the order to show it. */
export type ProgressEvent =
  | { kind: 'step-started'; step: StepTiming }
  | { kind: 'step-ended'; step: StepTiming }
  | { kind: 'observation'; observation: AwsObservation }
  | { kind: 'status'; status: RestoreProgress['status'] }
  | { kind: 'approval-pending'; approval: ApprovalState; workflowId: string }
  | { kind: 'rto-breached'; recovery: NonNullable<RestoreProgress['recovery']> };

export function diffProgress(previous: RestoreProgress | undefined, next: RestoreProgress): ProgressEvent[] {
  const events: ProgressEvent[] = [];
  // Steps are only appended and a step's status changes in place, so positions identify steps.
  next.steps.forEach((step, i) => {
    const before = previous?.steps[i];
    if (!before || before.name !== step.name) {
      events.push(step.status === 'running' ? { kind: 'step-started', step } : { kind: 'step-ended', step });
    } else if (before.status === 'running' && step.status !== 'running') {
      events.push({ kind: 'step-ended', step });
    }
  });
  if (next.approval?.pending && !previous?.approval?.pending) {
    events.push({ kind: 'approval-pending', approval: next.approval, workflowId: next.workflowId });
  }
  if (next.recovery?.breachedAt && !previous?.recovery?.breachedAt) {
    events.push({ kind: 'rto-breached', recovery: next.recovery });
  }
  const seen = next.lastObservation;
  const prior = previous?.lastObservation;
  if (
    seen &&
    (!prior ||
      prior.resource !== seen.resource ||
      prior.id !== seen.id ||
      prior.status !== seen.status ||
      prior.percentProgress !== seen.percentProgress)
  ) {
    events.push({ kind: 'observation', observation: seen });
  }
  if (previous && previous.status !== next.status) events.push({ kind: 'status', status: next.status });
  return events;
}

export interface WatchOptions {
  runId?: string;
  /** How often to query progress. Default 2s. */
  pollIntervalMs?: number;
  queryTimeoutMs?: number;
  /** Stops watching (the restore keeps running); the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Follows a restore until it ends: polls the `progress` query, calls `onProgress` for every change, and resolves
 * with the result or rejects with the workflow's failure (`WorkflowFailedError`). A query that fails (worker
 * restarting) is skipped; the outcome comes from the workflow result, not from the queries.
 */
export async function watchRestore(
  client: Client,
  workflowId: string,
  onProgress: (event: ProgressEvent, progress: RestoreProgress) => void,
  options: WatchOptions = {}
): Promise<RestoreResult> {
  const interval = options.pollIntervalMs ?? DEFAULT_WATCH_INTERVAL_MS;
  const signal = options.signal;
  const handle = client.workflow.getHandle<typeof auroraRestore>(workflowId, options.runId);
  let outcome: { ok: true; value: RestoreResult } | { ok: false; error: unknown } | undefined;
  const waitResult = signal ? client.withAbortSignal(signal, () => handle.result()) : handle.result();
  const settled = waitResult.then(
    (value) => {
      outcome = { ok: true, value };
    },
    (error: unknown) => {
      outcome = { ok: false, error };
    }
  );

  let last: RestoreProgress | undefined;
  const emit = (progress: RestoreProgress) => {
    for (const event of diffProgress(last, progress)) onProgress(event, progress);
    last = progress;
  };
  const poll = async () => {
    try {
      emit(await getProgress(client, workflowId, { runId: options.runId, timeoutMs: options.queryTimeoutMs }));
    } catch (err) {
      if (err instanceof RestoreNotFoundError) throw err;
      // Transient (no worker at the moment, query timeout): the result promise still decides the outcome.
    }
  };

  // Aborting must not wait for a query in flight (up to its timeout when no worker answers).
  const aborted = new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true }));
  while (!outcome) {
    signal?.throwIfAborted();
    await Promise.race([poll(), aborted]);
    signal?.throwIfAborted();
    if (outcome) break;
    await Promise.race([settled, delay(interval, signal)]);
  }
  signal?.throwIfAborted();
  const final: { ok: true; value: RestoreResult } | { ok: false; error: unknown } = outcome;
  // One last look so the steps that finished since the previous poll are reported too.
  await poll();
  if (final.ok) {
    emit({ ...(last ?? emptyProgress(workflowId)), status: 'succeeded', steps: final.value.steps });
    return final.value;
  }
  throw final.error;
}

function emptyProgress(workflowId: string): RestoreProgress {
  return { workflowId, status: 'running', steps: [], resources: { instances: [] } };
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Status

export interface PendingActivitySummary {
  activityType: string;
  state: string;
  attempt: number;
  /** The last attempt's failure: for a wait activity, the latest status it observed. */
  lastFailure?: string;
  lastStartedTime?: Date;
  nextAttemptTime?: Date;
}

export interface RestoreStatusReport {
  workflowId: string;
  runId: string;
  /** Temporal's execution status: RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, TIMED_OUT, ... */
  executionStatus: string;
  taskQueue: string;
  startTime: Date;
  closeTime?: Date;
  operationId?: string;
  searchAttributes: { target?: string; source?: string; step?: string; status?: string };
  progress?: RestoreProgress;
  /** Why the progress query could not be answered (e.g. no worker running). */
  progressError?: string;
  pendingActivities: PendingActivitySummary[];
  /** For closed restores: the result or the failure. */
  outcome?: { ok: true; result: RestoreResult } | { ok: false; failure: FailureSummary };
}

const PENDING_ACTIVITY_STATES: Record<number, string> = {
  1: 'scheduled',
  2: 'started',
  3: 'cancel requested',
  4: 'paused',
  5: 'pause requested',
};

/** Everything `status` shows: describe() info, pending activities, the progress query and, once closed, the outcome. */
export async function getRestoreStatus(
  client: Client,
  workflowIdOrTarget: string,
  options: QueryOptions = {}
): Promise<RestoreStatusReport> {
  const { workflowId, handle } = restoreHandle(client, workflowIdOrTarget, options.runId);
  const description = await describeRestore(handle, workflowIdOrTarget);
  const report: RestoreStatusReport = {
    workflowId,
    runId: description.runId,
    executionStatus: description.status.name,
    taskQueue: description.taskQueue,
    startTime: description.startTime,
    closeTime: description.closeTime,
    operationId: memoString(description.memo, 'operationId'),
    searchAttributes: searchAttributesOf(description),
    pendingActivities: (description.raw.pendingActivities ?? []).map((a) => ({
      activityType: a.activityType?.name ?? 'unknown',
      state: PENDING_ACTIVITY_STATES[a.state ?? 0] ?? 'unknown',
      attempt: a.attempt ?? 1,
      lastFailure: a.lastFailure?.message ?? undefined,
      lastStartedTime: timestampToDate(a.lastStartedTime),
      nextAttemptTime: timestampToDate(a.nextAttemptScheduleTime),
    })),
  };
  try {
    report.progress = await getProgress(client, workflowId, { runId: description.runId, timeoutMs: options.timeoutMs });
    report.operationId ??= report.progress.operationId;
  } catch (err) {
    report.progressError = errorWithCause(err);
  }
  if (description.status.name !== 'RUNNING') {
    try {
      const result = await client.withDeadline(Date.now() + (options.timeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS), () =>
        client.workflow.getHandle<typeof auroraRestore>(workflowId, description.runId, { followRuns: false }).result()
      );
      report.outcome = { ok: true, result };
    } catch (err) {
      report.outcome = { ok: false, failure: describeFailure(err, report.operationId) };
    }
  }
  return report;
}

/** `message: cause` for SDK errors whose message alone ("Failed to query Workflow") hides the reason. */
function errorWithCause(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error && cause.message && !err.message.includes(cause.message)
    ? `${err.message}: ${cause.message}`
    : err.message;
}

function memoString(memo: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = memo?.[key];
  return typeof value === 'string' ? value : undefined;
}

function searchAttributesOf(info: Pick<WorkflowExecutionInfo, 'typedSearchAttributes'>) {
  return {
    target: info.typedSearchAttributes.get(SA_TARGET),
    source: info.typedSearchAttributes.get(SA_SOURCE),
    step: info.typedSearchAttributes.get(SA_STEP),
    status: info.typedSearchAttributes.get(SA_STATUS),
  };
}

type ProtoTimestamp = { seconds?: number | { toNumber(): number } | null; nanos?: number | null } | null | undefined;

function timestampToDate(ts: ProtoTimestamp): Date | undefined {
  if (!ts || ts.seconds === undefined || ts.seconds === null) return undefined;
  const seconds = typeof ts.seconds === 'number' ? ts.seconds : ts.seconds.toNumber();
  return new Date(seconds * 1000 + Math.floor((ts.nanos ?? 0) / 1e6));
}

// ---------------------------------------------------------------------------------------------------------------
// List

export interface RestoreSummary {
  workflowId: string;
  runId: string;
  executionStatus: string;
  startTime: Date;
  closeTime?: Date;
  taskQueue: string;
  operationId?: string;
  target?: string;
  source?: string;
  step?: string;
  restoreStatus?: string;
}

export interface ListRestoresOptions extends ListFilter {
  /** Default 20, at most 1000. */
  limit?: number;
}

/** Restores in this namespace, newest first as the server orders them. */
export async function listRestores(client: Client, options: ListRestoresOptions = {}): Promise<RestoreSummary[]> {
  const limit = options.limit ?? DEFAULT_LIST_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw new ListFilterError(`--limit ${limit} is invalid: use a whole number from 1 to ${MAX_LIST_LIMIT}.`);
  }
  const { query, clusterId } = buildListQuery(options);
  const out: RestoreSummary[] = [];
  for await (const info of client.workflow.list({ query, pageSize: Math.min(Math.max(limit, 10), 100) })) {
    if (clusterId && !info.workflowId.endsWith(`/${clusterId}`)) continue;
    const sa = searchAttributesOf(info);
    out.push({
      workflowId: info.workflowId,
      runId: info.runId,
      executionStatus: info.status.name,
      startTime: info.startTime,
      closeTime: info.closeTime,
      taskQueue: info.taskQueue,
      operationId: memoString(info.memo, 'operationId'),
      target: sa.target,
      source: sa.source,
      step: sa.step,
      restoreStatus: sa.status,
    });
    if (out.length >= limit) break;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Cancel

export interface CancelledRestore {
  workflowId: string;
  runId: string;
  /** The progress when cancellation was requested (what cleanup will look at), if a worker answered. */
  progress?: RestoreProgress;
}

/** The restore's description; a restore that does not exist is a RestoreNotFoundError naming what was given. */
async function describeRestore(handle: WorkflowHandle, asGiven: string): Promise<WorkflowExecutionDescription> {
  try {
    return await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new RestoreNotFoundError(handle.workflowId, asGiven);
    throw err;
  }
}

/**
 * Requests cancellation of a running restore, with the reason recorded in the workflow history. The workflow stops
 * its current step and removes what this run created; it never touches what it did not create.
 */
export async function cancelRestore(
  client: Client,
  workflowIdOrTarget: string,
  reason: string,
  options: QueryOptions = {}
): Promise<CancelledRestore> {
  const { workflowId, handle: latest } = restoreHandle(client, workflowIdOrTarget);
  const description = await describeRestore(latest, workflowIdOrTarget);
  if (description.status.name !== 'RUNNING') throw new RestoreNotRunningError(workflowId, description.status.name);
  const runId = description.runId;
  // The handle's cancel() has no reason; the service call records it in WorkflowExecutionCancelRequested.
  await client.workflowService.requestCancelWorkflowExecution({
    namespace: client.options.namespace,
    workflowExecution: { workflowId, runId },
    identity: client.options.identity,
    requestId: randomUUID(),
    reason,
  });
  const progress = await getProgress(client, workflowId, { runId, timeoutMs: options.timeoutMs }).catch(
    () => undefined
  );
  return { workflowId, runId, ...(progress ? { progress } : {}) };
}

// ---------------------------------------------------------------------------------------------------------------
// Approvals

/** The restore refused an approve/reject (no approval pending, no identity, no reason): nothing was recorded. */
export class ApprovalRefusedError extends Error {
  readonly workflowId: string;

  constructor(workflowId: string, kind: 'approve' | 'reject', reason: string) {
    super(`The restore ${workflowId} refused to ${kind}: ${reason}`);
    this.name = 'ApprovalRefusedError';
    this.workflowId = workflowId;
  }
}

export interface ApprovalOutcome {
  workflowId: string;
  runId: string;
  decision: ApprovalDecision;
  /** What was approved or rejected (the cluster to replace), when a worker answered the progress query. */
  approval?: ApprovalState;
}

/**
 * Approves or rejects the pending replacement of a restore's existing target (request `approval.required`), as the
 * `approve` / `reject` Updates; the workflow's validators refuse when no approval is pending or `by` is empty.
 */
export async function decideApproval(
  client: Client,
  workflowIdOrTarget: string,
  kind: 'approve' | 'reject',
  input: { by: string; reason?: string },
  options: QueryOptions = {}
): Promise<ApprovalOutcome> {
  const { workflowId, handle: latest } = restoreHandle(client, workflowIdOrTarget);
  const description = await describeRestore(latest, workflowIdOrTarget);
  if (description.status.name !== 'RUNNING') {
    throw new ApprovalRefusedError(
      workflowId,
      kind,
      `it is not running (it is ${description.status.name.toLowerCase()}), so no approval is pending.`
    );
  }
  const runId = description.runId;
  const handle = client.workflow.getHandle<typeof auroraRestore>(workflowId, runId);
  let decision: ApprovalDecision;
  try {
    decision = await handle.executeUpdate(kind === 'approve' ? approveUpdate : rejectUpdate, { args: [input] });
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      const cause = err.cause instanceof Error ? err.cause.message : String(err.cause ?? err.message);
      throw new ApprovalRefusedError(workflowId, kind, cause);
    }
    throw err;
  }
  const progress = await getProgress(client, workflowId, { runId, timeoutMs: options.timeoutMs }).catch(
    () => undefined
  );
  return { workflowId, runId, decision, ...(progress?.approval ? { approval: progress.approval } : {}) };
}

// ---------------------------------------------------------------------------------------------------------------
// Failures

export interface FailureSummary {
  /** ApplicationFailure type or error kind, e.g. `ClusterRestoreFailed`, `Terminated`. */
  type: string;
  /** ARP-* code when the failure is one of the catalogue's. */
  code?: string;
  message: string;
  step?: string;
  cleanup?: { removed: string[]; leftInPlace: string[] };
  /** What to do next. */
  hint: string;
  /** Validation problems, one per entry. */
  problems?: string[];
}

/** Turns whatever a restore ended with (or a start was refused with) into type, ARP code, message and what to do. */
export function describeFailure(err: unknown, operationId?: string): FailureSummary {
  const tagHint = operationId ? ` (they carry the tag ${TAG_OPERATION_ID}=${operationId})` : '';
  if (err instanceof RequestValidationError) {
    return {
      type: Failures.InvalidRequest.type,
      code: Failures.InvalidRequest.code,
      message: `The restore request has ${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}; nothing was started.`,
      problems: err.problems,
      hint: 'Fix every problem listed, then run the command again.',
    };
  }
  if (err instanceof RestoreAlreadyRunningError) {
    return { type: 'RestoreAlreadyRunning', message: err.message, hint: 'Nothing was started.' };
  }
  const cause = err instanceof WorkflowFailedError ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    const details = (cause.details?.[0] ?? {}) as { code?: unknown; step?: unknown; cleanup?: unknown };
    const type = cause.type ?? 'UnexpectedError';
    const cleanup = isCleanup(details.cleanup) ? details.cleanup : undefined;
    const code = typeof details.code === 'string' ? details.code : failureKindOf(type)?.code;
    let hint: string;
    if (type === Failures.Cancelled.type) {
      hint = 'The restore was cancelled and cleaned up; start it again when ready.';
    } else if (type === Failures.InvalidRequest.type || type === Failures.WrongWorkflowId.type) {
      hint = 'Nothing was changed. Fix the request and start the restore again.';
    } else {
      hint = 'Fix the cause described above, then start the restore again.';
    }
    if (cleanup && cleanup.leftInPlace.length > 0) {
      hint += ` Cleanup could not remove everything this run created${tagHint}: check the resources listed and delete them if they are not needed.`;
    }
    return {
      type,
      ...(code ? { code } : {}),
      message: cause.message,
      ...(typeof details.step === 'string' ? { step: details.step } : {}),
      ...(cleanup ? { cleanup } : {}),
      hint,
    };
  }
  const noCleanup =
    `No cleanup ran: resources this run created may still exist${tagHint}. Check them, or start the restore ` +
    `again with the same operationId so it adopts what this operation created.`;
  if (cause instanceof TerminatedFailure) {
    return { type: 'Terminated', message: `The restore workflow was terminated: ${cause.message}`, hint: noCleanup };
  }
  if (cause instanceof TimeoutFailure) {
    return {
      type: 'WorkflowTimedOut',
      message: `The restore workflow timed out (${cause.timeoutType}).`,
      hint: noCleanup,
    };
  }
  if (cause instanceof CancelledFailure) {
    return {
      type: Failures.Cancelled.type,
      code: Failures.Cancelled.code,
      message: `The restore was cancelled: ${cause.message}`,
      hint: 'Check `aurora-restore status` for what cleanup removed.',
    };
  }
  const error = cause instanceof Error ? cause : new Error(String(cause));
  return {
    type: error.name || 'Error',
    message: error.message,
    hint: 'See the run in the Temporal Web UI for the full history.',
  };
}

function isCleanup(value: unknown): value is { removed: string[]; leftInPlace: string[] } {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return Array.isArray(v.removed) && Array.isArray(v.leftInPlace);
}
