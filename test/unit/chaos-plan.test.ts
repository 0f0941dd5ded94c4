/** Chaos scenarios (test/chaos/plan.ts) are replayable from their seed and, over a long run, combine every fault. */
import assert from 'node:assert/strict';

import { describeFaults, FAULT_KINDS, hashSeed, prng, scenarioOf } from '../chaos/plan';

const OPTIONS = { runId: 'r1', typicalDurationMs: 30_000 };

describe('chaos plans', () => {
  it('the same seed gives the same scenario; another seed another one', () => {
    assert.deepEqual(scenarioOf(137, OPTIONS), scenarioOf(137, OPTIONS));
    assert.notDeepEqual(scenarioOf(137, OPTIONS).aws, scenarioOf(138, OPTIONS).aws);
    assert.equal(hashSeed(5, 'cluster/x'), hashSeed(5, 'cluster/x'));
    assert.notEqual(hashSeed(5, 'cluster/x'), hashSeed(6, 'cluster/x'));
  });

  it('the PRNG is uniform enough for fault probabilities', () => {
    const random = prng(42);
    const draws = Array.from({ length: 20_000 }, () => random());
    assert.ok(draws.every((x) => x >= 0 && x < 1));
    const half = draws.filter((x) => x < 0.5).length / draws.length;
    assert.ok(Math.abs(half - 0.5) < 0.02, `share below 0.5: ${half}`);
  });

  it('200 seeds combine every fault kind, several at once, and leave some scenarios without faults', () => {
    const scenarios = Array.from({ length: 200 }, (_, i) => scenarioOf(i + 1, OPTIONS));
    const count = (pick: (s: (typeof scenarios)[number]) => boolean) => scenarios.filter(pick).length;
    assert.ok(count((s) => s.killWorkerAtMs !== undefined) > 20);
    assert.ok(count((s) => s.restartServerAtMs !== undefined) > 5);
    assert.ok(count((s) => s.aws.throttle === 0.5) > 20);
    assert.ok(count((s) => s.aws.bursts.length > 0) > 20);
    assert.ok(count((s) => s.aws.maxDelayFactor > 1) > 20);
    assert.ok(count((s) => s.aws.terminal !== undefined) > 10);
    assert.ok(count((s) => s.cancelAtMs !== undefined) > 10);
    assert.ok(count((s) => s.killWorkerAtMs !== undefined && s.aws.throttle > 0 && s.aws.bursts.length > 0) > 0);
    assert.ok(count((s) => s.request.replaceExisting) > 20);
    assert.ok(count((s) => s.request.crossRegion) > 50);
    assert.ok(count((s) => describeFaults(s) === 'no faults') > 5);
  });

  it('allowed fault kinds restrict the plan', () => {
    const onlyThrottle = Array.from({ length: 100 }, (_, i) => scenarioOf(i, { ...OPTIONS, faults: ['throttle'] }));
    assert.ok(onlyThrottle.some((s) => s.aws.throttle > 0));
    assert.ok(onlyThrottle.every((s) => s.killWorkerAtMs === undefined && s.cancelAtMs === undefined));
    assert.ok(onlyThrottle.every((s) => s.aws.terminal === undefined && s.aws.bursts.length === 0));
    assert.deepEqual([...FAULT_KINDS].length, 7);
  });
});
