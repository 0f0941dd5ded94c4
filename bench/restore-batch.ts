/**
 * Benchmark: a batch of cross-region restores (us-east-1 -> us-west-2, 2 instances) of the restore workflow on the
 * Temporal time-skipping server, with the real worker and real activities against moto behind the AWS simulator.
 * Prints figures per restore and totals; it asserts nothing.
 *
 *   npm run bench [-- --restores N] [-- --scale F]
 *
 * --restores N  restores in the batch (default 5)
 * --scale F     multiplies the simulator's default AWS durations (default 1)
 *
 * Needs moto on AWS_ENDPOINT_URL (default http://127.0.0.1:5055): `scripts/servers.sh start moto`.
 */
// First: installs the quiet Temporal Runtime before any worker or connection exists.
import '../test/support/mocha-setup';

import { parseArgs } from 'node:util';

import type { TestWorkflowEnvironment } from '@temporalio/testing';

import { DEFAULT_SIM_TIMINGS, scaled } from '../sim/aws-simulator';
import { restoreWorkflowId } from '../src/domain/naming';
import type { RestoreRequest } from '../src/domain/request';
import { auroraRestore } from '../src/workflows';
import { assertMotoReachable, motoEndpoint, seedSourceCluster, uniqueName } from '../test/support/moto';
import { createRestoreTimeSkippingEnv, createSimulatedWorker } from '../test/support/workflow-env';
import type { SimulatedWorker } from '../test/support/workflow-env';

const SOURCE_REGION = 'us-east-1';
const TARGET_REGION = 'us-west-2';

interface Row {
  workflowId: string;
  historyEvents: number;
  awsCalls: number;
  wallMs: number;
  simAwsMs: number;
  workflowMs: number;
}

function parseOptions(): { restores: number; scale: number } {
  const { values } = parseArgs({
    options: { restores: { type: 'string', default: '5' }, scale: { type: 'string', default: '1' } },
  });
  const restores = Number(values.restores);
  const scale = Number(values.scale);
  if (!Number.isInteger(restores) || restores < 1) {
    throw new RangeError(`--restores must be an integer >= 1, got '${values.restores}'`);
  }
  if (!Number.isFinite(scale) || scale <= 0)
    throw new RangeError(`--scale must be a number > 0, got '${values.scale}'`);
  return { restores, scale };
}

function crossRegionRequest(source: { clusterId: string; snapshotId: string }, targetId: string): RestoreRequest {
  return {
    source: { region: SOURCE_REGION, clusterId: source.clusterId, snapshot: source.snapshotId },
    target: { region: TARGET_REGION, clusterId: targetId, instanceCount: 2, tags: { environment: 'bench' } },
    copy: { kmsKeyId: 'alias/aws/rds' },
    timing: { pollInterval: '30s' },
  };
}

async function runOne(env: TestWorkflowEnvironment, w: SimulatedWorker): Promise<Row> {
  // Seeding is setup, not part of the measured restore.
  const clusterId = uniqueName('bench-src');
  const snapshotId = `${clusterId}-snap`;
  await seedSourceCluster({ region: SOURCE_REGION, clusterId, withSnapshot: snapshotId, encrypted: true });
  const request = crossRegionRequest({ clusterId, snapshotId }, uniqueName('bench-tgt'));
  const workflowId = restoreWorkflowId(request.target);
  w.sim.resetMetrics();

  const started = performance.now();
  const handle = await env.client.workflow.start(auroraRestore, {
    taskQueue: w.taskQueue,
    workflowId,
    args: [request],
  });
  const result = await handle.result();
  const wallMs = performance.now() - started;

  const history = await handle.fetchHistory();
  return {
    workflowId,
    historyEvents: history.events?.length ?? 0,
    awsCalls: w.sim.callCount(),
    wallMs,
    simAwsMs: w.sim.simulatedElapsedMs(),
    workflowMs: result.durationMs,
  };
}

const minutes = (ms: number): string => `${(ms / 60_000).toFixed(1)} min`;

function printTable(rows: Row[]): void {
  const header = ['#', 'workflow id', 'events', 'AWS calls', 'wall ms', 'sim AWS ms', 'workflow ms', 'sim/wall'];
  const body = rows.map((r, i) => [
    String(i + 1),
    r.workflowId,
    String(r.historyEvents),
    String(r.awsCalls),
    r.wallMs.toFixed(0),
    String(r.simAwsMs),
    String(r.workflowMs),
    `${(r.workflowMs / r.wallMs).toFixed(0)}x`,
  ]);
  const sum = (pick: (r: Row) => number): number => rows.reduce((acc, r) => acc + pick(r), 0);
  const avg = (pick: (r: Row) => number): number => sum(pick) / rows.length;
  const footer = [
    [
      'total',
      `${rows.length} restores`,
      String(sum((r) => r.historyEvents)),
      String(sum((r) => r.awsCalls)),
      sum((r) => r.wallMs).toFixed(0),
      String(sum((r) => r.simAwsMs)),
      String(sum((r) => r.workflowMs)),
      `${(sum((r) => r.workflowMs) / sum((r) => r.wallMs)).toFixed(0)}x`,
    ],
    [
      'avg',
      '',
      avg((r) => r.historyEvents).toFixed(1),
      avg((r) => r.awsCalls).toFixed(1),
      avg((r) => r.wallMs).toFixed(0),
      avg((r) => r.simAwsMs).toFixed(0),
      avg((r) => r.workflowMs).toFixed(0),
      '',
    ],
  ];
  const all = [header, ...body, ...footer];
  const widths = header.map((_, c) => Math.max(...all.map((row) => row[c].length)));
  // Text columns left-aligned, figures right-aligned.
  const line = (row: string[]): string =>
    row.map((cell, c) => (c === 1 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  console.log([line(header), rule, ...body.map(line), rule, ...footer.map(line)].join('\n'));
}

async function main(): Promise<number> {
  const { restores, scale } = parseOptions();
  try {
    await assertMotoReachable();
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    console.error(`Start moto with: scripts/servers.sh start moto   (or set AWS_ENDPOINT_URL; now ${motoEndpoint()})`);
    return 1;
  }

  const timings = scaled(scale, DEFAULT_SIM_TIMINGS);
  console.log(
    `restore batch: ${restores} cross-region restores ${SOURCE_REGION} -> ${TARGET_REGION}, 2 instances, ` +
      `poll 30s, moto at ${motoEndpoint()}`
  );
  console.log(
    `simulated AWS durations (scale ${scale}): copy ${minutes(timings.snapshotCopy)}, restore ` +
      `${minutes(timings.clusterRestore)}, instance ${minutes(timings.instanceCreate)}`
  );
  console.log(
    'restores run one after another: the time-skipping server has one global clock, so concurrent restores would ' +
      'skip time for each other and blur the per-restore figures.\n'
  );

  const env = await createRestoreTimeSkippingEnv();
  let w: SimulatedWorker | undefined;
  try {
    w = await createSimulatedWorker(env, { timings });
    const worker = w;
    const rows = await worker.worker.runUntil(async () => {
      const out: Row[] = [];
      for (let i = 0; i < restores; i++) out.push(await runOne(env, worker));
      return out;
    });
    printTable(rows);
    console.log(
      "\nsim AWS ms: AWS time from the first to the last call through the simulator; workflow ms: the result's " +
        'durationMs; sim/wall: workflow ms / wall ms.'
    );
  } finally {
    w?.sim.destroy();
    await env.teardown();
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // Bad arguments need only their message; anything else gets its stack.
    const bad = err instanceof RangeError || (err instanceof TypeError && 'code' in err);
    console.error(err instanceof Error ? (bad ? err.message : (err.stack ?? err.message)) : String(err));
    process.exitCode = 1;
  }
);
