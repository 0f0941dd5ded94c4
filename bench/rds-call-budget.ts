/**
 * Benchmark: the RDS call budget under load. N cross-region restores start at once on the Temporal dev server,
 * served by a fleet of K workers on one task queue (one simulated AWS in wall-clock time, AWS durations divided by
 * 120, polls every 5 s; moto behind it). Each worker takes its share of the fleet-wide budget, as the production
 * worker does after counting the fleet. The run is repeated without a budget for comparison. Prints RDS calls, the
 * busiest wall-clock second and the time spent waiting for tokens; it asserts nothing. (The time-skipping server
 * is not used: with several restores at once it loses track of its clock.)
 *
 *   npm run bench:budget [-- --restores N] [-- --workers K] [-- --calls-per-second R]
 *
 * Needs moto and the dev server (`npm run servers:start`; AWS_ENDPOINT_URL and TEMPORAL_ADDRESS as it prints).
 */
// First: installs the quiet Temporal Runtime before any worker or connection exists.
import '../test/support/mocha-setup';

import { parseArgs } from 'node:util';

import { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection } from '@temporalio/worker';

import { scaled } from '../sim/aws-simulator';
import { CallBudget } from '../src/activities/call-budget';
import type { AwsLocation } from '../src/domain/aws-shapes';
import { restoreWorkflowId } from '../src/domain/naming';
import type { RestoreRequest } from '../src/domain/request';
import { auroraRestore } from '../src/workflows';
import { assertMotoReachable, motoEndpoint, seedSourceCluster, uniqueName } from '../test/support/moto';
import { temporalAddress } from '../test/support/servers';
import { createSimulatedWorker } from '../test/support/workflow-env';
import type { SimulatedWorker } from '../test/support/workflow-env';

const SOURCE_REGION = 'us-east-1';
const TARGET_REGION = 'us-west-2';
/** Simulated AWS durations in wall-clock time: a 20-minute copy takes 10 s. */
const TIMINGS = scaled(1 / 120);

/** A worker's share of the budget that also notes when each token was granted and how long it was waited for. */
class RecordingBudget extends CallBudget {
  constructor(
    callsPerSecond: number,
    workers: number,
    private readonly grants: { at: number; key: string }[],
    private readonly waits: number[]
  ) {
    super(callsPerSecond);
    this.setWorkers(workers);
  }

  override async take(loc: AwsLocation): Promise<number> {
    const waited = await super.take(loc);
    this.grants.push({ at: performance.now(), key: `${loc.accountId ?? '-'}|${loc.region}` });
    this.waits.push(waited);
    return waited;
  }
}

interface Figures {
  label: string;
  calls: number;
  wallMs: number;
  peakPerSecond: number;
  totalWaitMs: number;
  maxWaitMs: number;
}

function parseOptions(): { restores: number; workers: number; callsPerSecond: number } {
  const { values } = parseArgs({
    options: {
      restores: { type: 'string', default: '10' },
      workers: { type: 'string', default: '2' },
      'calls-per-second': { type: 'string', default: '1' },
    },
  });
  const restores = Number(values.restores);
  const workers = Number(values.workers);
  const callsPerSecond = Number(values['calls-per-second']);
  if (!Number.isInteger(restores) || restores < 1) throw new RangeError(`--restores must be an integer >= 1`);
  if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`--workers must be an integer >= 1`);
  if (!(callsPerSecond > 0)) throw new RangeError(`--calls-per-second must be a number > 0`);
  return { restores, workers, callsPerSecond };
}

/** The most grants inside any one-second window, in the busiest account and region (the budget's unit). */
function peakPerSecond(grants: { at: number; key: string }[]): number {
  let peak = 0;
  for (const key of new Set(grants.map((g) => g.key))) {
    const sorted = grants
      .filter((g) => g.key === key)
      .map((g) => g.at)
      .sort((a, b) => a - b);
    for (let i = 0, j = 0; j < sorted.length; j += 1) {
      while (sorted[j] - sorted[i] >= 1000) i += 1;
      peak = Math.max(peak, j - i + 1);
    }
  }
  return peak;
}

async function runFleet(
  label: string,
  restores: number,
  workers: number,
  callsPerSecond: number | undefined
): Promise<Figures> {
  const env = await TestWorkflowEnvironment.createFromExistingServer({ address: temporalAddress() });
  const grants: { at: number; key: string }[] = [];
  const waits: number[] = [];
  // Without a budget, a budget so large it never waits still records each call's time.
  const budget = () => new RecordingBudget(callsPerSecond ?? 1e6, workers, grants, waits);
  const fleet: SimulatedWorker[] = [];
  const connections: NativeConnection[] = [];
  try {
    fleet.push(await createSimulatedWorker(env, { timings: TIMINGS, rdsCallBudget: budget() }));
    for (let i = 1; i < workers; i += 1) {
      connections.push(await NativeConnection.connect({ address: env.address }));
      fleet.push(
        await createSimulatedWorker(env, { joining: fleet[0], rdsCallBudget: budget(), connection: connections[i - 1] })
      );
    }
    const sourceId = uniqueName('budget-src');
    await seedSourceCluster({
      region: SOURCE_REGION,
      clusterId: sourceId,
      withSnapshot: `${sourceId}-snap`,
      encrypted: true,
    });
    grants.length = 0; // seeding is setup
    const requests: RestoreRequest[] = Array.from({ length: restores }, () => ({
      source: { region: SOURCE_REGION, clusterId: sourceId, snapshot: `${sourceId}-snap` },
      target: { region: TARGET_REGION, clusterId: uniqueName('budget-tgt'), instanceCount: 2 },
      copy: { kmsKeyId: 'alias/aws/rds' },
      timing: { pollInterval: '5s' },
    }));
    const started = performance.now();
    const run = async () => {
      const handles = await Promise.all(
        requests.map((request) =>
          env.client.workflow.start(auroraRestore, {
            taskQueue: fleet[0].taskQueue,
            workflowId: restoreWorkflowId(request.target),
            args: [request],
          })
        )
      );
      await Promise.all(
        handles.map((h) =>
          h.result().catch((err: unknown) => {
            // The cause chain says which step failed and why (the top-level error only says "failed").
            const causes: string[] = [];
            for (let e: unknown = err; e instanceof Error; e = (e as { cause?: unknown }).cause) causes.push(e.message);
            throw new Error(`restore ${h.workflowId} failed: ${causes.join(' <- ')}`);
          })
        )
      );
    };
    // Every worker of the fleet runs until all restores have ended.
    await fleet.reduce<() => Promise<void>>((inner, w) => () => w.worker.runUntil(inner), run)();
    return {
      label,
      calls: grants.length,
      wallMs: performance.now() - started,
      peakPerSecond: peakPerSecond(grants),
      totalWaitMs: waits.reduce((a, b) => a + b, 0),
      maxWaitMs: Math.max(0, ...waits),
    };
  } finally {
    fleet[0]?.sim.destroy();
    await Promise.all(connections.map((c) => c.close()));
    await env.teardown();
  }
}

async function main(): Promise<number> {
  const { restores, workers, callsPerSecond } = parseOptions();
  try {
    await assertMotoReachable();
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    console.error(`Start moto with: scripts/servers.sh start moto   (or set AWS_ENDPOINT_URL; now ${motoEndpoint()})`);
    return 1;
  }
  console.log(
    `rds call budget: ${restores} concurrent cross-region restores ${SOURCE_REGION} -> ${TARGET_REGION} on ` +
      `${workers} workers, fleet budget ${callsPerSecond} RDS calls/s per account and region ` +
      `(${(callsPerSecond / workers).toFixed(2)} per worker)\n`
  );
  const rows = [
    await runFleet('no budget', restores, workers, undefined),
    await runFleet(`${callsPerSecond}/s budget`, restores, workers, callsPerSecond),
  ];
  const header = ['run', 'RDS calls', 'wall s', 'mean calls/s', 'busiest second', 'token wait s', 'longest wait ms'];
  const body = rows.map((r) => [
    r.label,
    String(r.calls),
    (r.wallMs / 1000).toFixed(1),
    (r.calls / (r.wallMs / 1000)).toFixed(2),
    String(r.peakPerSecond),
    (r.totalWaitMs / 1000).toFixed(1),
    r.maxWaitMs.toFixed(0),
  ]);
  const widths = header.map((_, c) => Math.max(...[header, ...body].map((row) => row[c].length)));
  const line = (row: string[]) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c])));
  console.log([header, ...body].map((row) => line(row).join('  ')).join('\n'));
  console.log(
    `\nbusiest second: most RDS attempts in any one wall-clock second across the fleet, in the busiest account and ` +
      `region; the budget allows ${callsPerSecond} per second there, plus a burst of one second's worth (at least ` +
      `one call) per worker.`
  );
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? (err instanceof RangeError ? err.message : (err.stack ?? err.message)) : err);
    process.exitCode = 1;
  }
);
