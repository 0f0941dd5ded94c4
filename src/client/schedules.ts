/**
 * Restore schedules (e.g. a nightly staging refresh) as Temporal Schedules: a typed API over `client.schedule` used by
 * the CLI. Options are parsed and checked in `schedule-options.ts`; the cron expression is checked by the Temporal
 * server, whose refusal comes back as a `ScheduleOptionsError` naming the option.
 *
 * A schedule starts the `scheduledRestore` workflow, which runs the restore as a child under the target's canonical
 * workflow id. The schedule stores the request as written: `date: yesterday` is resolved when each run starts.
 */
import { ScheduleAlreadyRunning, ScheduleNotFoundError as SdkScheduleNotFoundError } from '@temporalio/client';
import type {
  Backfill,
  CalendarSpecDescription,
  Client,
  ScheduleDescription,
  ScheduleOptions,
  ScheduleOverlapPolicy,
  ScheduleSpec,
} from '@temporalio/client';

import { parseDuration } from '../domain/durations';
import { snapshotSourceLabel } from '../domain/naming';
import type { NormalizedRestoreRequest, RestoreRequest } from '../domain/request';
import { validateRestoreRequest } from '../domain/validate';
import { TASK_QUEUE } from '../workflows/messages';

import { newOperationId } from './restore-client';
import {
  DEFAULT_RUN_TIMEOUT,
  defaultScheduleId,
  ScheduleExistsError,
  ScheduleNotFoundError,
  ScheduleOptionsError,
} from './schedule-options';
import type { ScheduleSettings } from './schedule-options';

/** The workflow type schedules start (the exported workflow function's name). */
export const SCHEDULED_WORKFLOW_TYPE = 'scheduledRestore';

/**
 * Checks the restore request a schedule will run: everything `start` checks, plus no fixed operationId (each run
 * gets its own, or a run would adopt what an earlier one created). Returns the normalized request.
 */
export function validateScheduledRequest(command: string, request: unknown, now: Date): NormalizedRestoreRequest {
  if (typeof request === 'object' && request !== null && 'operationId' in request) {
    throw new ScheduleOptionsError(command, [
      `the request sets operationId ("${String((request as RestoreRequest).operationId)}"): a schedule's runs each ` +
        'get their own, or a run would adopt what an earlier run created. Remove operationId from the request file.',
    ]);
  }
  return validateRestoreRequest(request, { now, newOperationId: () => newOperationId(now) });
}

// ---------------------------------------------------------------------------------------------------------------
// Client API

export interface CreateScheduleInput {
  /** The restore request as written (not normalized): stored as the workflow's input. */
  request: RestoreRequest;
  settings: ScheduleSettings;
  scheduleId?: string;
  taskQueue?: string;
  paused?: boolean;
  now?: Date;
}

function specOf(settings: ScheduleSettings): ScheduleSpec {
  return {
    ...(settings.cron !== undefined ? { cronExpressions: [settings.cron] } : {}),
    ...(settings.calendar ? { calendars: [settings.calendar] } : {}),
    ...(settings.timezone ? { timezone: settings.timezone } : {}),
    ...(settings.jitterMs !== undefined ? { jitter: settings.jitterMs } : {}),
  };
}

function summaryOf(request: NormalizedRestoreRequest): string {
  return `Scheduled restore of ${request.target.clusterId} in ${request.target.region} from ${snapshotSourceLabel(
    request.source
  )}`;
}

/** Validates the request and creates the schedule. Throws ScheduleOptionsError, RequestValidationError, ScheduleExistsError. */
export async function createSchedule(client: Client, input: CreateScheduleInput): Promise<{ scheduleId: string }> {
  const normalized = validateScheduledRequest('create', input.request, input.now ?? new Date());
  const scheduleId = input.scheduleId ?? defaultScheduleId(normalized.target);
  const { settings } = input;
  const options: ScheduleOptions = {
    scheduleId,
    spec: specOf(settings),
    action: {
      type: 'startWorkflow',
      workflowType: SCHEDULED_WORKFLOW_TYPE,
      taskQueue: input.taskQueue ?? TASK_QUEUE,
      // Temporal appends each run's scheduled time to this id.
      workflowId: scheduleId,
      args: [input.request],
      workflowRunTimeout: settings.runTimeoutMs ?? parseDuration(DEFAULT_RUN_TIMEOUT),
      staticSummary: summaryOf(normalized),
    },
    policies: {
      overlap: settings.overlap ?? 'SKIP',
      ...(settings.catchupWindowMs !== undefined ? { catchupWindow: settings.catchupWindowMs } : {}),
      pauseOnFailure: settings.pauseOnFailure ?? false,
    },
    memo: { target: `${normalized.target.region}/${normalized.target.clusterId}` },
    state: { paused: input.paused ?? false, ...(settings.note !== undefined ? { note: settings.note } : {}) },
  };
  try {
    await client.schedule.create(options);
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) throw new ScheduleExistsError(scheduleId);
    throw specRefused('create', settings, err);
  }
  return { scheduleId };
}

/** Changes what was given: the request (validated like create), the spec, the policies, the run timeout, the note. */
export async function updateSchedule(
  client: Client,
  scheduleId: string,
  change: { request?: RestoreRequest; settings: ScheduleSettings; taskQueue?: string; now?: Date }
): Promise<void> {
  const normalized =
    change.request !== undefined
      ? validateScheduledRequest('update', change.request, change.now ?? new Date())
      : undefined;
  const { settings } = change;
  const specChanged = settings.cron !== undefined || settings.calendar !== undefined;
  await withNotFound(scheduleId, () =>
    client.schedule.getHandle(scheduleId).update((previous) => {
      // A new cron or calendar replaces the old one; time zone, jitter and the rest stay unless given.
      const spec: ScheduleSpec = {
        ...previous.spec,
        ...(specChanged
          ? {
              calendars: settings.calendar ? [settings.calendar] : [],
              cronExpressions: settings.cron !== undefined ? [settings.cron] : [],
            }
          : {}),
        ...(settings.timezone !== undefined ? { timezone: settings.timezone } : {}),
        ...(settings.jitterMs !== undefined ? { jitter: settings.jitterMs } : {}),
      };
      return {
        ...previous,
        spec,
        action: {
          ...previous.action,
          ...(change.request !== undefined ? { args: [change.request] } : {}),
          ...(normalized ? { staticSummary: summaryOf(normalized) } : {}),
          ...(change.taskQueue !== undefined ? { taskQueue: change.taskQueue } : {}),
          ...(settings.runTimeoutMs !== undefined ? { workflowRunTimeout: settings.runTimeoutMs } : {}),
        },
        policies: {
          ...previous.policies,
          ...(settings.overlap !== undefined ? { overlap: settings.overlap } : {}),
          ...(settings.catchupWindowMs !== undefined ? { catchupWindow: settings.catchupWindowMs } : {}),
          ...(settings.pauseOnFailure !== undefined ? { pauseOnFailure: settings.pauseOnFailure } : {}),
        },
        state: { ...previous.state, ...(settings.note !== undefined ? { note: settings.note } : {}) },
      };
    })
  ).catch((err: unknown) => {
    throw specRefused('update', settings, err);
  });
}

/** How a cron expression is written, for the message when the server refuses one. */
const CRON_HINT =
  'Use five fields, minute hour day-of-month month day-of-week, such as "0 3 * * *" (03:00 every day) or ' +
  '"*/15 * * * MON-FRI", or a macro such as @daily.';

/**
 * The Temporal server parses the schedule spec (cron expressions included) and refuses one it cannot run; the SDK
 * reports that as a TypeError carrying the server's reason (e.g. "Minute is not in range [0-59]"). It becomes a
 * ScheduleOptionsError naming the option, so the CLI reports it like any other bad option (exit 2, nothing created).
 */
function specRefused(command: string, settings: ScheduleSettings, err: unknown): unknown {
  const specGiven =
    settings.cron !== undefined ||
    settings.calendar !== undefined ||
    settings.timezone !== undefined ||
    settings.jitterMs !== undefined;
  if (!(err instanceof TypeError) || !specGiven) return err;
  const reason = err.message.replace(/\.?$/, '.');
  if (settings.cron !== undefined) {
    return new ScheduleOptionsError(command, [
      `--cron "${settings.cron}": the Temporal server refused it: ${reason} ${CRON_HINT}`,
    ]);
  }
  return new ScheduleOptionsError(command, [
    `the schedule's time spec (--calendar, --timezone, --jitter): the Temporal server refused it: ${reason}`,
  ]);
}

async function withNotFound<T>(scheduleId: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof SdkScheduleNotFoundError) throw new ScheduleNotFoundError(scheduleId);
    throw err;
  }
}

export interface ScheduledRun {
  workflowId: string;
  runId: string;
  scheduledAt: Date;
  startedAt: Date;
  /** Temporal's execution status of the run (RUNNING, COMPLETED, FAILED, TIMED_OUT, ...), when it could be read. */
  status?: string;
}

export interface ScheduleReport {
  scheduleId: string;
  paused: boolean;
  note?: string;
  workflowType: string;
  taskQueue: string;
  runTimeoutMs?: number;
  /** The restore request the runs get, as stored. */
  request?: RestoreRequest;
  spec: {
    calendars: CalendarSpecDescription[];
    timezone?: string;
    jitterMs?: number;
  };
  policies: { overlap: ScheduleOverlapPolicy; catchupWindowMs: number; pauseOnFailure: boolean };
  nextRuns: Date[];
  recentRuns: ScheduledRun[];
  runningWorkflowIds: string[];
  counts: { taken: number; missedCatchupWindow: number; skippedOverlap: number };
  createdAt: Date;
  lastUpdatedAt?: Date;
}

/** What `describe` shows: state, spec, policies, the request, next and recent runs with their status. */
export async function describeSchedule(client: Client, scheduleId: string, recent = 10): Promise<ScheduleReport> {
  const d: ScheduleDescription = await withNotFound(scheduleId, () => client.schedule.getHandle(scheduleId).describe());
  const recentRuns: ScheduledRun[] = await Promise.all(
    d.info.recentActions.slice(-recent).map(async (a) => {
      const status = await client.workflow
        .getHandle(a.action.workflow.workflowId, a.action.workflow.firstExecutionRunId)
        .describe()
        .then((w) => w.status.name)
        .catch(() => undefined);
      return {
        workflowId: a.action.workflow.workflowId,
        runId: a.action.workflow.firstExecutionRunId,
        scheduledAt: a.scheduledAt,
        startedAt: a.takenAt,
        ...(status ? { status } : {}),
      };
    })
  );
  const runTimeout = d.action.workflowRunTimeout;
  return {
    scheduleId,
    paused: d.state.paused,
    ...(d.state.note ? { note: d.state.note } : {}),
    workflowType: d.action.workflowType,
    taskQueue: d.action.taskQueue,
    ...(runTimeout !== undefined
      ? { runTimeoutMs: typeof runTimeout === 'number' ? runTimeout : parseMs(runTimeout) }
      : {}),
    ...(d.action.args?.[0] !== undefined ? { request: d.action.args[0] as RestoreRequest } : {}),
    spec: {
      calendars: d.spec.calendars ?? [],
      ...(d.spec.timezone ? { timezone: d.spec.timezone } : {}),
      ...(d.spec.jitter ? { jitterMs: d.spec.jitter } : {}),
    },
    policies: {
      overlap: d.policies.overlap,
      catchupWindowMs: d.policies.catchupWindow,
      pauseOnFailure: d.policies.pauseOnFailure,
    },
    nextRuns: d.info.nextActionTimes,
    recentRuns,
    runningWorkflowIds: d.info.runningActions.map((a) => a.workflow.workflowId),
    counts: {
      taken: d.info.numActionsTaken,
      missedCatchupWindow: d.info.numActionsMissedCatchupWindow,
      skippedOverlap: d.info.numActionsSkippedOverlap,
    },
    createdAt: d.info.createdAt,
    ...(d.info.lastUpdatedAt ? { lastUpdatedAt: d.info.lastUpdatedAt } : {}),
  };
}

function parseMs(value: string | number): number {
  return typeof value === 'number' ? value : parseDuration(value);
}

export interface ScheduleListEntry {
  scheduleId: string;
  paused: boolean;
  note?: string;
  nextRun?: Date;
  lastRun?: { workflowId: string; scheduledAt: Date };
}

/** Schedules in this namespace that start scheduledRestore. */
export async function listSchedules(client: Client): Promise<ScheduleListEntry[]> {
  const out: ScheduleListEntry[] = [];
  for await (const s of client.schedule.list()) {
    if (s.action?.workflowType !== SCHEDULED_WORKFLOW_TYPE) continue;
    const last = s.info.recentActions[s.info.recentActions.length - 1];
    out.push({
      scheduleId: s.scheduleId,
      paused: s.state.paused,
      ...(s.state.note ? { note: s.state.note } : {}),
      ...(s.info.nextActionTimes[0] ? { nextRun: s.info.nextActionTimes[0] } : {}),
      ...(last ? { lastRun: { workflowId: last.action.workflow.workflowId, scheduledAt: last.scheduledAt } } : {}),
    });
  }
  return out.sort((a, b) => a.scheduleId.localeCompare(b.scheduleId));
}

export async function pauseSchedule(client: Client, scheduleId: string, note: string): Promise<void> {
  await withNotFound(scheduleId, () => client.schedule.getHandle(scheduleId).pause(note));
}

export async function resumeSchedule(client: Client, scheduleId: string, note: string): Promise<void> {
  await withNotFound(scheduleId, () => client.schedule.getHandle(scheduleId).unpause(note));
}

export async function deleteSchedule(client: Client, scheduleId: string): Promise<void> {
  await withNotFound(scheduleId, () => client.schedule.getHandle(scheduleId).delete());
}

export type TriggerOutcome =
  { started: true; workflowId: string; runId: string } | { started: false; reason: 'skipped-overlap' | 'not-seen' };

/**
 * Runs the schedule's action now, under the schedule's overlap policy unless `overlap` is given, then waits (up to `waitMs`) to see the run start, or be skipped by the overlap
 * policy because a run is still going.
 */
export async function triggerSchedule(
  client: Client,
  scheduleId: string,
  options: { overlap?: ScheduleOverlapPolicy; waitMs?: number; pollMs?: number } = {}
): Promise<TriggerOutcome> {
  const handle = client.schedule.getHandle(scheduleId);
  const before = await withNotFound(scheduleId, () => handle.describe());
  // The SDK's trigger defaults to ALLOW_ALL; the schedule's own policy is the least surprising default.
  const overlap = options.overlap ?? before.policies.overlap;
  await handle.trigger(overlap);
  const deadline = Date.now() + (options.waitMs ?? 10_000);
  for (;;) {
    const now = await handle.describe();
    if (now.info.numActionsTaken > before.info.numActionsTaken) {
      const last = now.info.recentActions[now.info.recentActions.length - 1];
      return {
        started: true,
        workflowId: last.action.workflow.workflowId,
        runId: last.action.workflow.firstExecutionRunId,
      };
    }
    if (now.info.numActionsSkippedOverlap > before.info.numActionsSkippedOverlap) {
      return { started: false, reason: 'skipped-overlap' };
    }
    if (Date.now() >= deadline) return { started: false, reason: 'not-seen' };
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 250));
  }
}

export async function backfillSchedule(client: Client, scheduleId: string, backfill: Backfill): Promise<void> {
  await withNotFound(scheduleId, () => client.schedule.getHandle(scheduleId).backfill(backfill));
}
