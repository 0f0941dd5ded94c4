/**
 * Expiring clusters: the messages of the `clusterExpiry` workflow and the pure rules for changing an expiry
 * (extend, set, cancel, expire now). The workflow's update validators and the CLI apply the same rules, so a bad
 * change is refused with the same words wherever it comes from.
 *
 * Pure: imported by workflow code.
 */
import { formatDuration, parseDuration } from './durations';
import { MAX_EXPIRY_MS, MIN_EXPIRY_MS } from './request';

/** What an operator asks for; every change names who asks and may say why (both recorded in the expiry's history). */
export interface ExpiryChangeBase {
  /** Who asks: a user name or service identity (1-200 characters). */
  identity: string;
  /** Why (optional, at most 500 characters). */
  reason?: string;
}

export interface ExtendExpiryInput extends ExpiryChangeBase {
  /** How much later the cluster expires, e.g. `2d` or `12h`. */
  duration: string;
}

export interface SetExpiryInput extends ExpiryChangeBase {
  /** The new expiry time, ISO 8601 with a time zone, e.g. `2026-12-24T18:00:00Z`. */
  expiresAt: string;
}

export type ExpiryAction = 'created' | 'extended' | 'set' | 'cancelled' | 'expire-now' | 'superseded';

/** One entry of an expiry's change history. */
export interface ExpiryChange {
  action: ExpiryAction;
  /** When the change was made (workflow time, ISO 8601). */
  at: string;
  by: string;
  reason?: string;
  /** Expiry time before and after the change (ISO 8601). */
  from?: string;
  to?: string;
}

export type ExpiryStatus =
  'waiting' | 'deleting' | 'deleted' | 'cancelled' | 'superseded' | 'already-gone' | 'deletion-refused';

/** What the `expiry` query returns. `timeLeftMs` is as of `asOf` (workflow time); clients recompute with their clock. */
export interface ExpiryView {
  workflowId: string;
  restoreWorkflowId: string;
  operationId: string;
  target: { region: string; accountId?: string; clusterId: string };
  status: ExpiryStatus;
  expiresAt: string;
  asOf: string;
  timeLeftMs: number;
  reminder: {
    remindBeforeMs: number;
    remindAt: string;
    state: 'pending' | 'sent' | 'not-configured';
    sentAt?: string;
    /** The expiry time the last reminder announced. */
    sentFor?: string;
  };
  changes: ExpiryChange[];
  /** Why the expiry ended, once it has. */
  outcome?: string;
}

export class ExpiryChangeError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Expiry change refused: ${problems.join('; ')}.`);
    this.name = 'ExpiryChangeError';
    this.problems = problems;
  }
}

/** ISO 8601 date-time with a time zone (seconds optional), as `expiry.at` and `setExpiry` accept it. */
export const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const MAX_IDENTITY = 200;
const MAX_REASON = 500;

/** Milliseconds of an ISO 8601 date-time with a time zone, or a problem text. */
export function parseExpiryTime(text: unknown): number | string {
  if (typeof text !== 'string') return `must be an ISO 8601 date-time string, got ${typeof text}`;
  if (!ISO_RE.test(text)) {
    return `"${text.slice(0, 40)}" is not an ISO 8601 date-time with a time zone (e.g. "2026-12-24T18:00:00Z")`;
  }
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return `"${text}" is not a real date`;
  return ms;
}

function baseProblems(input: unknown): string[] {
  if (typeof input !== 'object' || input === null) return ['the change must be an object with identity (and reason)'];
  const { identity, reason } = input as Partial<ExpiryChangeBase>;
  const problems: string[] = [];
  if (typeof identity !== 'string' || identity.trim() === '') {
    problems.push('identity is required: say who makes the change (the CLI uses --by, default your OS user)');
  } else if (identity.length > MAX_IDENTITY) {
    problems.push(`identity is ${identity.length} characters long (at most ${MAX_IDENTITY})`);
  }
  if (reason !== undefined && typeof reason !== 'string') problems.push('reason must be a string');
  else if (reason !== undefined && reason.length > MAX_REASON) {
    problems.push(`reason is ${reason.length} characters long (at most ${MAX_REASON})`);
  }
  return problems;
}

/** Refuses any change once the expiry has stopped waiting (deleting, deleted, cancelled, ...). */
function statusProblems(status: ExpiryStatus): string[] {
  if (status === 'waiting') return [];
  const why: Record<Exclude<ExpiryStatus, 'waiting'>, string> = {
    deleting: 'the cluster is being deleted already',
    deleted: 'the cluster was deleted already',
    cancelled: 'the expiry was cancelled (the cluster is kept)',
    superseded: 'a later restore of this target took the expiry over',
    'already-gone': 'the cluster no longer exists',
    'deletion-refused': 'the deletion was refused and the expiry has ended',
  };
  return [`nothing can be changed any more: ${why[status]}`];
}

function checkNewExpiry(newMs: number, nowMs: number, problems: string[], what: string): void {
  if (newMs <= nowMs) {
    problems.push(`${what} is in the past (now is ${new Date(nowMs).toISOString()}): use expireNow to delete at once`);
  } else if (newMs - nowMs < MIN_EXPIRY_MS) {
    problems.push(`${what} is less than ${formatDuration(MIN_EXPIRY_MS)} from now: use expireNow to delete at once`);
  } else if (newMs - nowMs > MAX_EXPIRY_MS) {
    problems.push(`${what} is more than ${formatDuration(MAX_EXPIRY_MS)} from now (the longest expiry allowed)`);
  }
}

/** The new expiry time of an `extend`, or throws ExpiryChangeError listing every problem. */
export function planExtend(
  state: { status: ExpiryStatus; expiresAtMs: number },
  input: ExtendExpiryInput,
  nowMs: number
): number {
  const problems = [...statusProblems(state.status), ...baseProblems(input)];
  let byMs: number | undefined;
  const duration = (input as Partial<ExtendExpiryInput> | null)?.duration;
  if (typeof duration === 'string' && /^-/.test(duration)) {
    problems.push(
      `duration "${duration}" is negative: extend only moves the expiry later; use set for an earlier time`
    );
  } else {
    try {
      byMs = parseDuration(duration as string);
      if (byMs <= 0) problems.push(`duration "${duration}" is zero: give a positive duration such as "1d"`);
    } catch (err) {
      problems.push(`duration: ${(err as Error).message}`);
    }
  }
  const newMs = byMs !== undefined ? state.expiresAtMs + byMs : undefined;
  if (newMs !== undefined && byMs && byMs > 0) checkNewExpiry(newMs, nowMs, problems, 'the extended expiry');
  if (problems.length > 0 || newMs === undefined) throw new ExpiryChangeError(problems);
  return newMs;
}

/** The new expiry time of a `set`, or throws ExpiryChangeError listing every problem. */
export function planSet(state: { status: ExpiryStatus }, input: SetExpiryInput, nowMs: number): number {
  const problems = [...statusProblems(state.status), ...baseProblems(input)];
  const parsed = parseExpiryTime((input as Partial<SetExpiryInput> | null)?.expiresAt);
  if (typeof parsed === 'string') problems.push(`expiresAt ${parsed}`);
  else checkNewExpiry(parsed, nowMs, problems, `expiresAt ${new Date(parsed).toISOString()}`);
  if (problems.length > 0 || typeof parsed === 'string') throw new ExpiryChangeError(problems);
  return parsed;
}

/** Checks a `cancel` or `expireNow`; throws ExpiryChangeError listing every problem. */
export function checkFinalChange(state: { status: ExpiryStatus }, input: ExpiryChangeBase): void {
  const problems = [...statusProblems(state.status), ...baseProblems(input)];
  if (problems.length > 0) throw new ExpiryChangeError(problems);
}

/** The reminder lead for an expiry: the request's, or the default 24h (half the lifetime when that is shorter). */
export function defaultRemindBefore(lifetimeMs: number): number {
  const day = parseDuration('24h');
  return lifetimeMs > day ? day : Math.floor(lifetimeMs / 2);
}

/** Sent by a later restore of the same target: the cluster is being replaced, the expiry ends without deleting. */
export interface ExpirySuperseded {
  operationId: string;
  restoreWorkflowId: string;
}

/**
 * Name of the signal that carries `ExpirySuperseded` to the `clusterExpiry` workflow: recorded in histories, so it
 * never changes. The handover activity signals by this name; the workflow defines its signal from it.
 */
export const EXPIRY_SUPERSEDED_SIGNAL_NAME = 'expirySuperseded';
