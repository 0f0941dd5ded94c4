/**
 * The size of a restore's history on the dev server (a count, not a time): a cross-region restore sends no
 * observation signal, writes the same number of events when AWS takes ten times longer, and stays within issue
 * 12's budget of 60 (the compact history writes 56: its short calls are local activities, one marker each).
 */
import assert from 'node:assert/strict';

import { TestWorkflowEnvironment } from '@temporalio/testing';

import { countEvents, restoreRequest, SOURCE_REGION, startLikeCli } from '../../bench/drill/history';
import { scaled } from '../../sim/aws-simulator';
import { recordHistory } from '../support/histories';
import { seedSourceCluster, uniqueName } from '../support/moto';
import { temporalAddress } from '../support/servers';
import { createSimulatedWorker } from '../support/workflow-env';

describe('lean restore history (dev server, simulated AWS in wall-clock time)', function () {
  this.timeout(300_000);
  let env: TestWorkflowEnvironment;

  before(async () => {
    env = await TestWorkflowEnvironment.createFromExistingServer({ address: temporalAddress() });
  });
  after(async () => {
    await env?.teardown();
  });

  it('writes at most 60 events for a cross-region restore, the same number at ten times the AWS durations', async () => {
    const counts: Awaited<ReturnType<typeof countEvents>>[] = [];
    // AWS durations / 600 and / 60: a 20-minute copy takes 2 s, then 20 s (polls every 5 s, the shortest allowed).
    for (const factor of [1 / 600, 1 / 60]) {
      const w = await createSimulatedWorker(env, { timings: scaled(factor) });
      try {
        counts.push(
          await w.worker.runUntil(async () => {
            const clusterId = uniqueName('lean-src');
            const snapshotId = `${clusterId}-snap`;
            await seedSourceCluster({ region: SOURCE_REGION, clusterId, withSnapshot: snapshotId, encrypted: true });
            const request = restoreRequest('cross-region', { clusterId, snapshotId }, uniqueName('lean-tgt'), '5s');
            const handle = await startLikeCli(env, w.taskQueue, request);
            await handle.result();
            if (factor === 1 / 600) await recordHistory('compact-history-cross-region', handle);
            return countEvents(handle);
          })
        );
      } finally {
        w.sim.destroy();
      }
    }
    const [fast, slow] = counts;
    assert.ok(fast.events <= 60, `a cross-region restore wrote ${fast.events} events: ${JSON.stringify(counts)}`);
    assert.equal(
      fast.observationSignals,
      0,
      'waits keep their progress with the pending activity: no observation signal'
    );
    assert.equal(slow.events, fast.events, `history grew with AWS time: ${JSON.stringify(counts)}`);
  });
});
