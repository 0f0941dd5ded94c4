import assert from 'node:assert/strict';

import {
  addProgressSample,
  estimateFinishMs,
  MAX_HINT_MS,
  nextPollDelayMs,
  POLL_BOUNDS,
  waitHintProblems,
  waitHintsFromSteps,
} from '../../src/domain/poll-schedule';
import type { PollBounds, ProgressSample } from '../../src/domain/poll-schedule';

const MIN = 60_000;
const BOUNDS: PollBounds = { floorMs: 5_000, ceilingMs: 10 * MIN };
const T0 = Date.parse('2026-11-28T10:00:00Z');

describe('poll schedule: next poll delay', () => {
  it('knows nothing without progress or an expected duration (the fixed interval applies)', () => {
    assert.equal(nextPollDelayMs({ nowMs: T0 + MIN, startedAtMs: T0, bounds: BOUNDS }), undefined);
    assert.equal(
      nextPollDelayMs({ nowMs: T0 + MIN, startedAtMs: T0, bounds: BOUNDS, expectedDurationMs: Number.NaN }),
      undefined
    );
  });

  it('waits half the time left before an expected finish', () => {
    // Expected 20 min, 4 min in: 16 min left, next check in 8.
    const delay = nextPollDelayMs({
      nowMs: T0 + 4 * MIN,
      startedAtMs: T0,
      expectedDurationMs: 20 * MIN,
      bounds: BOUNDS,
    });
    assert.equal(delay, 8 * MIN);
  });

  it('lands on the estimate itself once it is within two floors', () => {
    const delay = nextPollDelayMs({
      nowMs: T0 + 20 * MIN - 8_000,
      startedAtMs: T0,
      expectedDurationMs: 20 * MIN,
      bounds: BOUNDS,
    });
    assert.equal(delay, 8_000);
  });

  it('never goes below the floor nor above the ceiling', () => {
    const soon = nextPollDelayMs({
      nowMs: T0 + 20 * MIN - 1_000,
      startedAtMs: T0,
      expectedDurationMs: 20 * MIN,
      bounds: BOUNDS,
    });
    assert.equal(soon, BOUNDS.floorMs);
    const far = nextPollDelayMs({ nowMs: T0, startedAtMs: T0, expectedDurationMs: 10 * 60 * MIN, bounds: BOUNDS });
    assert.equal(far, BOUNDS.ceilingMs);
  });

  it('waits a quarter of the time overdue once the estimate has passed', () => {
    const delay = nextPollDelayMs({
      nowMs: T0 + 24 * MIN,
      startedAtMs: T0,
      expectedDurationMs: 20 * MIN,
      bounds: BOUNDS,
    });
    assert.equal(delay, MIN);
    const justLate = nextPollDelayMs({
      nowMs: T0 + 20 * MIN + 2_000,
      startedAtMs: T0,
      expectedDurationMs: 20 * MIN,
      bounds: BOUNDS,
    });
    assert.equal(justLate, BOUNDS.floorMs);
  });

  it('keeps the last check before the deadline instead of scheduling past it', () => {
    const delay = nextPollDelayMs({
      nowMs: T0,
      startedAtMs: T0,
      expectedDurationMs: 60 * MIN,
      bounds: BOUNDS,
      deadlineAtMs: T0 + 2 * MIN,
    });
    assert.equal(delay, 2 * MIN - 1_000);
  });
});

describe('poll schedule: finish estimate from progress', () => {
  it('uses the rate between the first and the last sample above 0 %', () => {
    const samples: ProgressSample[] = [
      { atMs: T0 + 1 * MIN, percent: 0 },
      { atMs: T0 + 2 * MIN, percent: 10 },
      { atMs: T0 + 6 * MIN, percent: 30 },
    ];
    // 20 % in 4 min: the remaining 70 % take 14 min.
    assert.equal(estimateFinishMs({ startedAtMs: T0, samples }), T0 + 20 * MIN);
  });

  it('with one sample above 0 %, uses the rate since the start', () => {
    assert.equal(estimateFinishMs({ startedAtMs: T0, samples: [{ atMs: T0 + 5 * MIN, percent: 25 }] }), T0 + 20 * MIN);
  });

  it('prefers progress over the expected duration', () => {
    const samples = [{ atMs: T0 + 5 * MIN, percent: 50 }];
    assert.equal(estimateFinishMs({ startedAtMs: T0, samples, expectedDurationMs: 60 * MIN }), T0 + 10 * MIN);
  });

  it('falls back to the expected duration while progress is 0 % (a copy still creating)', () => {
    const samples = [{ atMs: T0 + MIN, percent: 0 }];
    assert.equal(estimateFinishMs({ startedAtMs: T0, samples, expectedDurationMs: 30 * MIN }), T0 + 30 * MIN);
    assert.equal(estimateFinishMs({ startedAtMs: T0, samples }), undefined);
  });

  it('ignores a sample without progress since the first one (a stalled copy) and uses the rate since the start', () => {
    const samples = [
      { atMs: T0 + 5 * MIN, percent: 20 },
      { atMs: T0 + 10 * MIN, percent: 20 },
    ];
    // 20 % in 10 min since the start: 80 % more take 40 min from the last sample.
    assert.equal(estimateFinishMs({ startedAtMs: T0, samples }), T0 + 50 * MIN);
  });

  it('keeps the first sample above 0 % and the latest ones, at most three', () => {
    let kept: ProgressSample[] = [];
    for (const [i, percent] of [0, 0, 5, 20, 40, 60].entries()) {
      kept = addProgressSample(kept, { atMs: T0 + i * MIN, percent });
    }
    assert.deepEqual(
      kept.map((s) => s.percent),
      [5, 40, 60]
    );
    assert.deepEqual(addProgressSample(kept, { atMs: T0, percent: Number.NaN }), kept);
  });
});

describe('poll schedule: hints', () => {
  it('takes the durations of the completed waits of an earlier result', () => {
    const steps = [
      { name: 'copy-snapshot', status: 'completed', durationMs: 2_000 },
      { name: 'wait-for-copy', status: 'completed', durationMs: 30 * MIN },
      { name: 'wait-for-cluster', status: 'failed', durationMs: 5 * MIN },
      { name: 'wait-for-instances', status: 'completed', durationMs: 10 * MIN },
      'not a step',
      null,
    ];
    assert.deepEqual(waitHintsFromSteps(steps), { copyMs: 30 * MIN, instancesMs: 10 * MIN });
    assert.deepEqual(waitHintsFromSteps(undefined), {});
    assert.deepEqual(waitHintsFromSteps({ steps }), {});
  });

  it('accepts valid hints and names every problem of invalid ones', () => {
    assert.deepEqual(waitHintProblems(undefined), []);
    assert.deepEqual(waitHintProblems({ copyMs: 1_800_000, clusterMs: 1, instancesMs: MAX_HINT_MS }), []);
    assert.deepEqual(waitHintProblems([1]), ['wait hints must be an object such as { "copyMs": 1800000 }']);
    assert.deepEqual(waitHintProblems({ copyMs: '30m', restoreMs: 5, clusterMs: 0, instancesMs: 1.5 }), [
      `wait hint copyMs must be a whole number of milliseconds between 1 and ${MAX_HINT_MS}`,
      'wait hint "restoreMs" is unknown: use copyMs, clusterMs or instancesMs',
      `wait hint clusterMs must be a whole number of milliseconds between 1 and ${MAX_HINT_MS}`,
      `wait hint instancesMs must be a whole number of milliseconds between 1 and ${MAX_HINT_MS}`,
    ]);
  });
});

/**
 * A wait driven by the scheduler against a made-up AWS operation: the status checks it makes and how long after
 * AWS finished it ends. Simulated time only (no clock): what the workflow's retries would do with these delays.
 */
function simulateWait(options: {
  durationMs: number;
  expectedDurationMs?: number;
  /** Progress reported at a time since the start (a copy), or none. */
  percentAt?: (sinceStartMs: number) => number;
  bounds: PollBounds;
  fixedIntervalMs?: number;
}): { checks: number; lagMs: number } {
  const startedAtMs = T0;
  let now = startedAtMs;
  let samples: ProgressSample[] = [];
  let checks = 0;
  for (;;) {
    checks += 1;
    const since = now - startedAtMs;
    if (since >= options.durationMs) return { checks, lagMs: since - options.durationMs };
    if (options.percentAt) samples = addProgressSample(samples, { atMs: now, percent: options.percentAt(since) });
    const delay = options.fixedIntervalMs
      ? options.fixedIntervalMs
      : (nextPollDelayMs({
          nowMs: now,
          startedAtMs,
          samples,
          expectedDurationMs: options.expectedDurationMs,
          bounds: options.bounds,
        }) ?? 30_000);
    now += delay;
  }
}

describe('poll schedule: a one-hour cross-region restore, simulated', () => {
  // Copy 30 min (2 min `creating` at 0 %, then linear), cluster 20 min, instances 10 min.
  const COPY = 30 * MIN;
  const copyPercent = (since: number): number =>
    since < 2 * MIN ? 0 : Math.min(99, Math.floor(((since - 2 * MIN) / (COPY - 2 * MIN)) * 100));

  function restore(hintFactor: number | undefined, fixedIntervalMs?: number) {
    const waits = [
      simulateWait({
        durationMs: COPY,
        percentAt: copyPercent,
        expectedDurationMs: hintFactor && COPY * hintFactor,
        bounds: POLL_BOUNDS['snapshot-copy'],
        fixedIntervalMs,
      }),
      simulateWait({
        durationMs: 20 * MIN,
        expectedDurationMs: hintFactor && 20 * MIN * hintFactor,
        bounds: POLL_BOUNDS.cluster,
        fixedIntervalMs,
      }),
      simulateWait({
        durationMs: 10 * MIN,
        expectedDurationMs: hintFactor && 10 * MIN * hintFactor,
        bounds: POLL_BOUNDS.instances,
        fixedIntervalMs,
      }),
    ];
    const checks = waits.reduce((n, w) => n + w.checks, 0);
    const lagMs = waits.reduce((n, w) => n + w.lagMs, 0);
    return { checks, ratio: (60 * MIN + lagMs) / (60 * MIN) };
  }

  it('with the durations of an earlier run: at most 40 status checks and within 0.5 % of the AWS time', () => {
    const { checks, ratio } = restore(1);
    assert.ok(checks <= 40, `${checks} status checks`);
    assert.ok(ratio <= 1.005, `wall/AWS ${ratio}`);
  });

  it('with hints 20 % off either way: still far fewer checks than fixed 30 s polls, within 3 % of the AWS time', () => {
    const fixed = restore(undefined, 30_000);
    assert.equal(fixed.checks, 60 + 40 + 20 + 3);
    for (const factor of [0.8, 1.2]) {
      const { checks, ratio } = restore(factor);
      assert.ok(checks <= fixed.checks / 2, `hint x${factor}: ${checks} status checks`);
      assert.ok(ratio <= 1.03, `hint x${factor}: wall/AWS ${ratio}`);
    }
  });
});
