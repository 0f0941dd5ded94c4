/**
 * Restore schedules (e.g. a nightly staging refresh) as Temporal Schedules: option parsing and validation (pure, so
 * every mistake is reported before anything is created), and a typed API over `client.schedule` used by the CLI.
 *
 * A schedule starts the `scheduledRestore` workflow, which runs the restore as a child under the target's canonical
 * workflow id. The schedule stores the request as written: `date: yesterday` is resolved when each run starts.
 */
import { ScheduleAlreadyRunning, ScheduleNotFoundError as SdkScheduleNotFoundError } from '@temporalio/client';
import type {
  Backfill,
  CalendarSpec,
  CalendarSpecDescription,
  Client,
  DayOfWeek,
  LooseRange,
  Month,
  ScheduleDescription,
  ScheduleOptions,
  ScheduleOverlapPolicy,
  ScheduleSpec,
} from '@temporalio/client';

import { DurationFormatError, parseDuration } from '../domain/durations';
import { restoreWorkflowId, snapshotSourceLabel, WORKFLOW_ID_PREFIX } from '../domain/naming';
import type { NormalizedRestoreRequest, RestoreRequest } from '../domain/request';
import { validateRestoreRequest } from '../domain/validate';
import { TASK_QUEUE } from '../workflows/messages';

import { newOperationId } from './restore-client';
import { resolveTargetArgument, TargetArgumentError } from './targets';

/** The workflow type schedules start (the exported workflow function's name). */
export const SCHEDULED_WORKFLOW_TYPE = 'scheduledRestore';
export const SCHEDULE_ID_PREFIX = 'aurora-restore-schedule';
/** Without --run-timeout a stuck run ends after this, cancelling its restore (which cleans up). */
export const DEFAULT_RUN_TIMEOUT = '12h';
/** The server refuses shorter catch-up windows. */
export const MIN_CATCHUP_WINDOW_MS = 10_000;
export const MIN_RUN_TIMEOUT_MS = 60_000;

/** `--overlap` values, as the CLI spells them, and Temporal's policy names. */
export const OVERLAP_POLICIES: Record<string, ScheduleOverlapPolicy> = {
  skip: 'SKIP',
  'buffer-one': 'BUFFER_ONE',
  'buffer-all': 'BUFFER_ALL',
  'cancel-other': 'CANCEL_OTHER',
  'terminate-other': 'TERMINATE_OTHER',
  'allow-all': 'ALLOW_ALL',
};

// ---------------------------------------------------------------------------------------------------------------
// Errors

/** Schedule options or request that cannot be used; lists every problem. Nothing was created or changed. */
export class ScheduleOptionsError extends Error {
  readonly problems: string[];

  constructor(command: string, problems: string[]) {
    super(
      problems.length === 1
        ? `schedule ${command}: ${problems[0]} Nothing was created or changed.`
        : `schedule ${command}: ${problems.length} problems, nothing was created or changed:\n` +
            problems.map((p, i) => `  ${i + 1}) ${p}`).join('\n')
    );
    this.name = 'ScheduleOptionsError';
    this.problems = problems;
  }
}

export class ScheduleNotFoundError extends Error {
  readonly scheduleId: string;

  constructor(scheduleId: string) {
    super(
      `No schedule "${scheduleId}" in this namespace. List schedules with \`aurora-restore schedule list\`; ` +
        `check TEMPORAL_NAMESPACE if it should exist.`
    );
    this.name = 'ScheduleNotFoundError';
    this.scheduleId = scheduleId;
  }
}

export class ScheduleExistsError extends Error {
  readonly scheduleId: string;

  constructor(scheduleId: string) {
    super(
      `A schedule "${scheduleId}" already exists. Change it with \`aurora-restore schedule update ${scheduleId} ...\`, ` +
        `delete it first, or pick another id with --id.`
    );
    this.name = 'ScheduleExistsError';
    this.scheduleId = scheduleId;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Option parsing

/** Options as given on the command line (strings), before validation. */
export interface ScheduleOptionInput {
  cron?: string;
  calendar?: string;
  timezone?: string;
  jitter?: string;
  overlap?: string;
  catchupWindow?: string;
  pauseOnFailure?: boolean;
  noPauseOnFailure?: boolean;
  runTimeout?: string;
  note?: string;
}

/** Validated options; absent fields were not given (update keeps the schedule's value). */
export interface ScheduleSettings {
  /** Exactly one of cron / calendar when a spec was given. */
  cron?: string;
  calendar?: CalendarSpec;
  timezone?: string;
  jitterMs?: number;
  overlap?: ScheduleOverlapPolicy;
  catchupWindowMs?: number;
  pauseOnFailure?: boolean;
  runTimeoutMs?: number;
  note?: string;
}

/**
 * Validates every option and returns the settings, or throws `ScheduleOptionsError` listing every problem.
 * `requireSpec`: create needs --cron or --calendar.
 */
export function parseScheduleOptions(
  command: string,
  input: ScheduleOptionInput,
  options: { requireSpec: boolean }
): ScheduleSettings {
  const problems: string[] = [];
  const settings: ScheduleSettings = {};

  if (input.cron !== undefined && input.calendar !== undefined) {
    problems.push('give either --cron or --calendar, not both.');
  } else if (input.cron !== undefined) {
    const problem = cronProblem(input.cron);
    if (problem) problems.push(`--cron "${input.cron}": ${problem}`);
    else settings.cron = input.cron.trim().replace(/\s+/g, ' ');
  } else if (input.calendar !== undefined) {
    const parsed = parseCalendar(input.calendar);
    if (typeof parsed === 'string') problems.push(`--calendar ${input.calendar}: ${parsed}`);
    else settings.calendar = parsed;
  } else if (options.requireSpec) {
    problems.push(
      'say when it runs: --cron "<minute> <hour> <day-of-month> <month> <day-of-week>" (e.g. --cron "0 3 * * *" ' +
        'for 03:00 every day) or --calendar \'{"hour":"3","minute":"0"}\'.'
    );
  }
  if (input.timezone !== undefined) {
    const problem = timezoneProblem(input.timezone);
    if (problem) problems.push(`--timezone "${input.timezone}": ${problem}`);
    else settings.timezone = input.timezone;
  }
  const duration = (flag: string, text: string | undefined, min: number, minText: string): number | undefined => {
    if (text === undefined) return undefined;
    try {
      const ms = parseDuration(text.trim());
      if (ms < min) {
        problems.push(`${flag} "${text}" is too short: the minimum is ${minText}.`);
        return undefined;
      }
      return ms;
    } catch (err) {
      if (err instanceof DurationFormatError) {
        problems.push(`${flag}: ${err.message}.`);
        return undefined;
      }
      throw err;
    }
  };
  settings.jitterMs = duration('--jitter', input.jitter, 0, '0s');
  settings.catchupWindowMs = duration('--catchup-window', input.catchupWindow, MIN_CATCHUP_WINDOW_MS, '10s');
  settings.runTimeoutMs = duration('--run-timeout', input.runTimeout, MIN_RUN_TIMEOUT_MS, '1m');

  if (input.overlap !== undefined) {
    const key = input.overlap.trim().toLowerCase().replace(/_/g, '-');
    const policy = OVERLAP_POLICIES[key];
    if (!policy) {
      problems.push(
        `--overlap "${input.overlap}" is not an overlap policy: use one of ${Object.keys(OVERLAP_POLICIES).join(', ')}.`
      );
    } else {
      settings.overlap = policy;
    }
  }
  if (input.pauseOnFailure && input.noPauseOnFailure) {
    problems.push('give either --pause-on-failure or --no-pause-on-failure, not both.');
  } else if (input.pauseOnFailure) {
    settings.pauseOnFailure = true;
  } else if (input.noPauseOnFailure) {
    settings.pauseOnFailure = false;
  }
  if (input.note !== undefined) settings.note = input.note;

  if (problems.length > 0) throw new ScheduleOptionsError(command, problems);
  for (const key of Object.keys(settings) as (keyof ScheduleSettings)[]) {
    if (settings[key] === undefined) delete settings[key];
  }
  return settings;
}

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
// Cron and calendar fields

interface FieldDef {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] as const;
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;
const SDK_MONTHS: readonly Month[] = [
  'JANUARY',
  'FEBRUARY',
  'MARCH',
  'APRIL',
  'MAY',
  'JUNE',
  'JULY',
  'AUGUST',
  'SEPTEMBER',
  'OCTOBER',
  'NOVEMBER',
  'DECEMBER',
];
const SDK_DAYS: readonly DayOfWeek[] = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'];

const FIELDS = {
  second: { name: 'second', min: 0, max: 59 },
  minute: { name: 'minute', min: 0, max: 59 },
  hour: { name: 'hour', min: 0, max: 23 },
  dayOfMonth: { name: 'day of month', min: 1, max: 31 },
  month: { name: 'month', min: 1, max: 12, names: MONTH_NAMES },
  dayOfWeek: { name: 'day of week', min: 0, max: 6, names: DAY_NAMES },
  year: { name: 'year', min: 1970, max: 2999 },
} satisfies Record<string, FieldDef>;

const CRON_FIELDS: FieldDef[] = [FIELDS.minute, FIELDS.hour, FIELDS.dayOfMonth, FIELDS.month, FIELDS.dayOfWeek];
const CRON_MACROS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

interface FieldRange {
  start: number;
  end: number;
  step: number;
}

/** Parses one cron/calendar field (`*`, `5`, `1-5`, `*\/15`, `MON-FRI`, lists); returns ranges or a problem. */
function parseField(text: string, def: FieldDef): FieldRange[] | string {
  const value = (raw: string): number | string => {
    const upper = raw.toUpperCase();
    if (def.names) {
      const index = def.names.findIndex((n) => upper === n || (upper.length > 3 && upper.startsWith(n)));
      if (index >= 0) return index + def.min;
    }
    if (!/^\d+$/.test(raw)) {
      const names = def.names ? ` or ${def.names[0]}..${def.names[def.names.length - 1]}` : '';
      return `${def.name} "${raw}" is not a number${names}`;
    }
    const n = Number(raw);
    if (n < def.min || n > def.max) return `${def.name} ${n} is out of range ${def.min}-${def.max}`;
    return n;
  };
  const ranges: FieldRange[] = [];
  for (const item of text.split(',')) {
    const m = /^([^/]+)(?:\/(\d+))?$/.exec(item);
    if (!m) return `${def.name} "${item}" is not understood (use *, a value, a range a-b, a step */n, or a list)`;
    const step = m[2] === undefined ? 1 : Number(m[2]);
    if (step < 1) return `${def.name} step "/${m[2]}" must be at least 1`;
    let start: number;
    let end: number;
    if (m[1] === '*') {
      [start, end] = [def.min, def.max];
    } else {
      const [a, b, extra] = m[1].split('-');
      if (extra !== undefined || a === '' || b === '') return `${def.name} range "${m[1]}" is not understood`;
      const first = value(a);
      if (typeof first === 'string') return first;
      const last = b === undefined ? (m[2] === undefined ? first : def.max) : value(b);
      if (typeof last === 'string') return last;
      if (last < first) return `${def.name} range "${m[1]}" runs backwards`;
      [start, end] = [first, last];
    }
    ranges.push({ start, end, step });
  }
  return ranges;
}

/** Why a cron expression is not one Temporal will run as intended, or undefined when it is fine. */
export function cronProblem(expression: string): string | undefined {
  const text = expression.trim();
  if (text === '') return 'it is empty; use five fields such as "0 3 * * *" (03:00 every day).';
  if (/^CRON_TZ=|^TZ=/i.test(text)) return 'give the time zone with --timezone instead of a CRON_TZ= prefix.';
  if (text.startsWith('@')) {
    return CRON_MACROS.includes(text.toLowerCase())
      ? undefined
      : `unknown macro; use five fields or one of ${CRON_MACROS.join(', ')}.`;
  }
  const fields = text.split(/\s+/);
  if (fields.length !== CRON_FIELDS.length) {
    return (
      `it has ${fields.length} field${fields.length === 1 ? '' : 's'}; a cron expression has five: ` +
      'minute hour day-of-month month day-of-week (e.g. "0 3 * * *" for 03:00 every day).'
    );
  }
  for (let i = 0; i < fields.length; i++) {
    const parsed = parseField(fields[i], CRON_FIELDS[i]);
    if (typeof parsed === 'string') return `${parsed}.`;
  }
  return undefined;
}

/**
 * Parses `--calendar`, the same JSON the `temporal schedule create --calendar` flag takes:
 * `{"hour":"3","minute":"30","dayOfWeek":"MON-FRI"}`. Values are numbers or cron-style field text. Fields left
 * out default as in Temporal: second, minute and hour 0; the others every value.
 */
export function parseCalendar(json: string): CalendarSpec | string {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    return `not valid JSON (${(err as Error).message}); e.g. '{"hour":"3","minute":"0","dayOfWeek":"MON-FRI"}'.`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'must be a JSON object such as {"hour":"3","minute":"0"}.';
  }
  const spec: CalendarSpec = {};
  const problems: string[] = [];
  for (const [key, raw] of Object.entries(value as Record<string, unknown>)) {
    if (key === 'comment') {
      if (typeof raw === 'string') spec.comment = raw;
      else problems.push('comment must be a string');
      continue;
    }
    if (!(key in FIELDS)) {
      problems.push(`unknown field "${key}" (fields: ${[...Object.keys(FIELDS), 'comment'].join(', ')})`);
      continue;
    }
    if (typeof raw !== 'string' && typeof raw !== 'number') {
      problems.push(`${key} must be a string or a number`);
      continue;
    }
    const field = key as keyof typeof FIELDS;
    const parsed = parseField(String(raw).replace(/\s+/g, ''), FIELDS[field]);
    if (typeof parsed === 'string') {
      problems.push(parsed);
      continue;
    }
    if (field === 'month') {
      spec.month = parsed.map((r) => sdkRange(r, (n) => SDK_MONTHS[n - 1]));
    } else if (field === 'dayOfWeek') {
      spec.dayOfWeek = parsed.map((r) => sdkRange(r, (n) => SDK_DAYS[n]));
    } else {
      spec[field] = parsed.map((r) => sdkRange(r, (n) => n));
    }
  }
  if (problems.length > 0) return `${problems.join('; ')}.`;
  return spec;
}

function sdkRange<T>(r: FieldRange, map: (n: number) => T): LooseRange<T> {
  return { start: map(r.start), end: map(r.end), step: r.step };
}

function timezoneProblem(zone: string): string | undefined {
  if (zone.trim() === '') return 'it is empty; use an IANA time zone such as Europe/Berlin or UTC.';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return undefined;
  } catch {
    return 'not a known IANA time zone; use a name such as Europe/Berlin, America/New_York or UTC.';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Schedule ids

/** `aurora-restore-schedule/[account/]region/cluster`, mirroring the restore's workflow id. */
export function defaultScheduleId(target: { region: string; clusterId: string; accountId?: string }): string {
  return `${SCHEDULE_ID_PREFIX}/${restoreWorkflowId(target).slice(WORKFLOW_ID_PREFIX.length + 1)}`;
}

/** A schedule named by its id, or by its target (`region/cluster`, `account/region/cluster`) for default ids. */
export function resolveScheduleArgument(arg: string): string {
  const text = arg.trim();
  if (text === '') throw new ScheduleOptionsError('', ['no schedule given: name it by its id or its target.']);
  if (text.startsWith(`${SCHEDULE_ID_PREFIX}/`) || !text.includes('/')) return text;
  try {
    return defaultScheduleId(resolveTargetArgument(text).target);
  } catch (err) {
    if (err instanceof TargetArgumentError) return text;
    throw err;
  }
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
    ...(settings.cron ? { cronExpressions: [settings.cron] } : {}),
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
    throw err;
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
              cronExpressions: settings.cron ? [settings.cron] : [],
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
  );
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

/** Parses `--start`/`--end` of a backfill (ISO 8601 instants); throws ScheduleOptionsError. */
export function parseBackfill(input: { start?: string; end?: string; overlap?: string }, now: Date): Backfill {
  const problems: string[] = [];
  const instant = (flag: string, text: string | undefined): Date | undefined => {
    if (text === undefined) {
      problems.push(`${flag} is required: an ISO 8601 time such as 2026-11-20T00:00:00Z.`);
      return undefined;
    }
    const date = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2}))?$/.test(text.trim()) ? new Date(text) : undefined;
    if (!date || Number.isNaN(date.getTime())) {
      problems.push(`${flag} "${text}" is not an ISO 8601 time such as 2026-11-20T00:00:00Z (or a date 2026-11-20).`);
      return undefined;
    }
    return date;
  };
  const start = instant('--start', input.start);
  const end = instant('--end', input.end);
  if (start && end && end <= start)
    problems.push(`--end (${end.toISOString()}) must be after --start (${start.toISOString()}).`);
  if (start && start > now)
    problems.push(`--start (${start.toISOString()}) is in the future: a backfill replays past times.`);
  let overlap: ScheduleOverlapPolicy | undefined;
  if (input.overlap !== undefined) {
    overlap = OVERLAP_POLICIES[input.overlap.trim().toLowerCase().replace(/_/g, '-')];
    if (!overlap)
      problems.push(
        `--overlap "${input.overlap}" is not an overlap policy: use one of ${Object.keys(OVERLAP_POLICIES).join(', ')}.`
      );
  }
  if (problems.length > 0 || !start || !end) throw new ScheduleOptionsError('backfill', problems);
  return { start, end, ...(overlap ? { overlap } : {}) };
}

export async function backfillSchedule(client: Client, scheduleId: string, backfill: Backfill): Promise<void> {
  await withNotFound(scheduleId, () => client.schedule.getHandle(scheduleId).backfill(backfill));
}
