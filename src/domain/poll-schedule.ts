/**
 * When to check a waiting resource next: poll when an answer is likely instead of at a fixed interval.
 *
 * The finish time is estimated from what the wait knows:
 * - the copy's `PercentProgress` samples (rate of progress over the observed span), the best evidence;
 * - else an expected duration passed by the workflow (earlier restores of the same source, e.g. the last run of a
 *   schedule), counted from the wait's start;
 * - else nothing: the wait keeps the request's fixed poll interval.
 * Before the estimate, the next check comes at half the time left (so an AWS that finishes early is still caught
 * within half the remaining time, and progress samples refine the estimate), landing on the estimate itself once
 * it is close; after the estimate, at a quarter of the time overdue, so a late finish costs few calls. Every delay is
 * kept between a floor and a ceiling per resource.
 *
 * Pure functions: the activities call them with the clock and their heartbeat-held samples; tests call them with
 * made-up samples.
 */

/** A resource a wait polls, as observations name it. */
export type PolledResource = 'snapshot-copy' | 'cluster' | 'instances';

/** Shortest and longest delay between two status checks of one resource. */
export interface PollBounds {
  floorMs: number;
  ceilingMs: number;
}

/**
 * The floor keeps a finished wait's lag (half the floor on average) small next to AWS times of minutes; the ceiling
 * bounds how stale a long wait's view may get and how late a much earlier finish is seen.
 */
export const POLL_BOUNDS: Readonly<Record<PolledResource, PollBounds>> = {
  'snapshot-copy': { floorMs: 5_000, ceilingMs: 10 * 60_000 },
  cluster: { floorMs: 5_000, ceilingMs: 10 * 60_000 },
  instances: { floorMs: 5_000, ceilingMs: 5 * 60_000 },
};

/** One observed progress value of a resource: percent (0..100) at a time (epoch ms). */
export interface ProgressSample {
  atMs: number;
  percent: number;
}

/** Fraction of the estimated time left to wait before the next check. */
const APPROACH_FRACTION = 0.5;
/** Fraction of the time past the estimate to wait before the next check. */
const OVERDUE_FRACTION = 0.25;

export interface FinishEstimateInput {
  /** When the AWS operation started (the wait's first scheduling), epoch ms. */
  startedAtMs: number;
  /** Progress samples of this resource, oldest first. */
  samples?: readonly ProgressSample[];
  /** How long the operation is expected to take, from earlier runs; ignored unless a positive finite number. */
  expectedDurationMs?: number;
}

/**
 * Estimated finish time (epoch ms), or undefined when nothing is known. Progress wins over the expected duration:
 * the rate between the first and the last sample with progress above 0 (AWS reports 0 while a copy is still
 * `creating`), or, with a single such sample, the rate since the start.
 */
export function estimateFinishMs(input: FinishEstimateInput): number | undefined {
  const moving = (input.samples ?? []).filter((s) => Number.isFinite(s.percent) && s.percent > 0 && s.percent < 100);
  const last = moving.at(-1);
  if (last) {
    const first = moving[0];
    const from =
      moving.length >= 2 && last.percent > first.percent && last.atMs > first.atMs
        ? first
        : { atMs: input.startedAtMs, percent: 0 };
    const elapsed = last.atMs - from.atMs;
    const gained = last.percent - from.percent;
    if (elapsed > 0 && gained > 0) return last.atMs + ((100 - last.percent) * elapsed) / gained;
  }
  const expected = input.expectedDurationMs;
  if (typeof expected === 'number' && Number.isFinite(expected) && expected > 0) return input.startedAtMs + expected;
  return undefined;
}

export interface NextPollInput extends FinishEstimateInput {
  nowMs: number;
  bounds: PollBounds;
  /** When the wait's deadline passes (epoch ms), if known: the last check is kept before it. */
  deadlineAtMs?: number;
}

/**
 * Milliseconds until the next status check, or undefined when nothing is known (the caller keeps its fixed
 * interval).
 */
export function nextPollDelayMs(input: NextPollInput): number | undefined {
  const finishAt = estimateFinishMs(input);
  if (finishAt === undefined) return undefined;
  const { floorMs, ceilingMs } = input.bounds;
  const left = finishAt - input.nowMs;
  let delay: number;
  if (left > 0) {
    // Close to the estimate: check right at it rather than in two more halving steps.
    delay = left <= 2 * floorMs ? left : left * APPROACH_FRACTION;
  } else {
    delay = -left * OVERDUE_FRACTION;
  }
  delay = Math.min(ceilingMs, Math.max(floorMs, delay));
  if (input.deadlineAtMs !== undefined) {
    // A retry scheduled past the deadline would end the wait without a last look: look just before it instead.
    const beforeDeadline = input.deadlineAtMs - input.nowMs - 1_000;
    if (beforeDeadline < delay) delay = Math.max(floorMs, beforeDeadline);
  }
  return Math.round(delay);
}

/** At most this many samples are kept per resource: the first with progress, and the latest ones. */
export const MAX_PROGRESS_SAMPLES = 3;

/**
 * Adds a sample to a resource's list, keeping the first sample with progress above 0 (the rate's anchor) and the
 * latest ones. Returns a new list.
 */
export function addProgressSample(samples: readonly ProgressSample[], sample: ProgressSample): ProgressSample[] {
  if (!Number.isFinite(sample.percent)) return [...samples];
  const all = [...samples, sample];
  if (all.length <= MAX_PROGRESS_SAMPLES) return all;
  const anchor = all.find((s) => s.percent > 0) ?? all[0];
  const latest = all.filter((s) => s !== anchor).slice(-(MAX_PROGRESS_SAMPLES - 1));
  return [anchor, ...latest].sort((a, b) => a.atMs - b.atMs);
}

/** Expected AWS durations of a restore's waits, in ms, from earlier restores of the same source (all optional). */
export interface WaitHints {
  copyMs?: number;
  clusterMs?: number;
  instancesMs?: number;
}

/** The waits whose durations make hints, by the step that measures each. */
const HINT_STEPS: Readonly<Record<keyof WaitHints, string>> = {
  copyMs: 'wait-for-copy',
  clusterMs: 'wait-for-cluster',
  instancesMs: 'wait-for-instances',
};

/**
 * Hints from an earlier restore's step timings (its result's `steps`): how long each completed wait took. Anything
 * else in `steps` (or a malformed entry) is ignored, so any earlier result can be passed as it is.
 */
export function waitHintsFromSteps(steps: unknown): WaitHints {
  const hints: WaitHints = {};
  if (!Array.isArray(steps)) return hints;
  for (const key of Object.keys(HINT_STEPS) as (keyof WaitHints)[]) {
    const step: unknown = steps.find(
      (s: unknown) =>
        typeof s === 'object' &&
        s !== null &&
        (s as { name?: unknown }).name === HINT_STEPS[key] &&
        (s as { status?: unknown }).status === 'completed'
    );
    const ms = (step as { durationMs?: unknown } | undefined)?.durationMs;
    if (typeof ms === 'number' && Number.isFinite(ms) && ms > 0) hints[key] = ms;
  }
  return hints;
}

/** Longest expected duration a hint may give (30 days, the longest wait timeout). */
export const MAX_HINT_MS = 30 * 86_400_000;

/**
 * Checks hints passed with a restore: each present field must be a whole number of ms between 1 and MAX_HINT_MS.
 * Returns the problems, one line each (empty when valid).
 */
export function waitHintProblems(hints: unknown): string[] {
  if (hints === undefined || hints === null) return [];
  if (typeof hints !== 'object' || Array.isArray(hints))
    return ['wait hints must be an object such as { "copyMs": 1800000 }'];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(hints)) {
    if (!(key in HINT_STEPS)) {
      problems.push(`wait hint "${key}" is unknown: use copyMs, clusterMs or instancesMs`);
    } else if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_HINT_MS) {
      problems.push(`wait hint ${key} must be a whole number of milliseconds between 1 and ${MAX_HINT_MS}`);
    }
  }
  return problems;
}
