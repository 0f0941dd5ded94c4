/**
 * Schedule command-line options: parsed and checked without a server, so every mistake is reported (all at once)
 * before anything is created. The cron expression itself is left to the Temporal server, which parses it when the
 * schedule is created or updated; its refusal is reported by `schedules.ts`.
 *
 * No Temporal client is loaded here (types only), so the CLI can declare and check options cheaply.
 */
import type { Backfill, CalendarSpec, DayOfWeek, LooseRange, Month, ScheduleOverlapPolicy } from '@temporalio/client';

import { DurationFormatError, parseDuration } from '../domain/durations';
import { restoreWorkflowId, WORKFLOW_ID_PREFIX } from '../domain/naming';

import { resolveTargetArgument, TargetArgumentError } from './targets';

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
    // The Temporal server checks the expression when the schedule is created or updated (see schedules.ts).
    settings.cron = input.cron.trim().replace(/\s+/g, ' ');
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
