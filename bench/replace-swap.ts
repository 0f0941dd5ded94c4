/**
 * Benchmark: the target's downtime when a managed target is replaced, delete-first versus swap, under the same
 * simulated AWS durations, on the Temporal time-skipping server with the real worker and activities against moto
 * behind the AWS simulator. Prints each strategy's downtime and their ratio; it asserts nothing.
 *
 *   npm run bench:swap [-- --instances N] [-- --scale F]
 *
 * --instances N  instances of the target (default 2)
 * --scale F      multiplies the simulator's default AWS durations (default 1)
 *
 * Downtime, in AWS (workflow) time:
 * - delete-first: from the start of `delete-target` (the old cluster stops serving) to the end of the last step
 *   before the new cluster serves under the target's name (`wait-for-instances`, or the password and database steps
 *   when the request has them);
 * - swap: the swap window the result reports (old cluster renamed away -> new cluster available under the name).
 *
 * Needs moto on AWS_ENDPOINT_URL (default http://127.0.0.1:5055): `scripts/servers.sh start moto`.
 */
// First: installs the quiet Temporal Runtime before any worker or connection exists.
import '../test/support/mocha-setup';

import { parseArgs } from 'node:util';

import type { TestWorkflowEnvironment } from '@temporalio/testing';

import { DEFAULT_SIM_TIMINGS, scaled } from '../sim/aws-simulator';
import { instanceIds, restoreWorkflowId } from '../src/domain/naming';
import type { RestoreRequest } from '../src/domain/request';
import { auroraRestore } from '../src/workflows';
import type { RestoreResult } from '../src/workflows/messages';
import {
  addMemberInstance,
  assertMotoReachable,
  motoEndpoint,
  seedManagedCluster,
  seedSourceCluster,
  uniqueName,
} from '../test/support/moto';
import { createRestoreTimeSkippingEnv, createSimulatedWorker } from '../test/support/workflow-env';
import type { SimulatedWorker } from '../test/support/workflow-env';

const REGION = 'us-east-1';
/** Steps after which a delete-first target serves again (the last one the run has ends the downtime). */
const SERVES_AFTER = ['wait-for-instances', 'set-master-password', 'setup-users', 'sanitize-data', 'verify-database'];

type Strategy = 'delete-first' | 'swap';

interface Row {
  strategy: Strategy;
  downtimeMs: number;
  restoreMs: number;
  awsCalls: number;
}

function parseOptions(): { instances: number; scale: number } {
  const { values } = parseArgs({
    options: { instances: { type: 'string', default: '2' }, scale: { type: 'string', default: '1' } },
  });
  const instances = Number(values.instances);
  const scale = Number(values.scale);
  if (!Number.isInteger(instances) || instances < 1 || instances > 16) {
    throw new RangeError(`--instances must be an integer from 1 to 16, got '${values.instances}'`);
  }
  if (!Number.isFinite(scale) || scale <= 0)
    throw new RangeError(`--scale must be a number > 0, got '${values.scale}'`);
  return { instances, scale };
}

function downtimeOf(strategy: Strategy, result: RestoreResult): number {
  if (strategy === 'swap') {
    const ms = result.swap?.window?.durationMs;
    if (ms === undefined) throw new Error(`the swap reported no window: ${JSON.stringify(result.swap)}`);
    return ms;
  }
  const deleted = result.steps.find((s) => s.name === 'delete-target');
  const serving = result.steps.filter((s) => SERVES_AFTER.includes(s.name) && s.endedAt);
  const last = serving[serving.length - 1];
  if (!deleted || !last?.endedAt) throw new Error('the delete-first run has no delete-target or instances step');
  return Date.parse(last.endedAt) - Date.parse(deleted.startedAt);
}

async function runOne(env: TestWorkflowEnvironment, w: SimulatedWorker, strategy: Strategy, instances: number) {
  // Setup, not measured: a source snapshot and a managed target with its instances, as a nightly refresh finds it.
  const sourceId = uniqueName('bench-swap-src');
  const snapshotId = `${sourceId}-snap`;
  await seedSourceCluster({ region: REGION, clusterId: sourceId, withSnapshot: snapshotId });
  const targetId = uniqueName(`bench-${strategy}`);
  await seedManagedCluster(REGION, targetId, 'op-last-night');
  for (const id of instanceIds(targetId, instances)) await addMemberInstance(REGION, targetId, id, { managed: true });
  const request: RestoreRequest = {
    source: { region: REGION, snapshot: snapshotId },
    target: { region: REGION, clusterId: targetId, instanceCount: instances },
    replace: { existing: true, strategy },
    timing: { pollInterval: '30s' },
  };
  w.sim.resetMetrics();
  const handle = await env.client.workflow.start(auroraRestore, {
    taskQueue: w.taskQueue,
    workflowId: restoreWorkflowId(request.target),
    args: [request],
  });
  const result = await handle.result();
  return {
    strategy,
    downtimeMs: downtimeOf(strategy, result),
    restoreMs: result.durationMs,
    awsCalls: w.sim.callCount(),
  };
}

const minutes = (ms: number): string => `${(ms / 60_000).toFixed(1)} min`;

async function main(): Promise<number> {
  const { instances, scale } = parseOptions();
  try {
    await assertMotoReachable();
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    console.error(`Start moto with: scripts/servers.sh start moto   (or set AWS_ENDPOINT_URL; now ${motoEndpoint()})`);
    return 1;
  }
  const timings = scaled(scale, DEFAULT_SIM_TIMINGS);
  console.log(
    `replace a managed target (${instances} instances) in ${REGION}, poll 30s, moto at ${motoEndpoint()}; simulated ` +
      `AWS durations (scale ${scale}): restore ${minutes(timings.clusterRestore)}, instance ${minutes(timings.instanceCreate)}, ` +
      `delete ${minutes(timings.clusterDelete)} (instances ${minutes(timings.instanceDelete)}), cluster rename ` +
      `${minutes(timings.clusterRename)}, instance rename ${minutes(timings.instanceRename)}\n`
  );

  const env = await createRestoreTimeSkippingEnv();
  let w: SimulatedWorker | undefined;
  try {
    w = await createSimulatedWorker(env, { timings });
    const worker = w;
    const rows: Row[] = await worker.worker.runUntil(async () => [
      await runOne(env, worker, 'delete-first', instances),
      await runOne(env, worker, 'swap', instances),
    ]);
    const header = ['strategy', 'target downtime', 'whole restore', 'AWS calls'];
    const body = rows.map((r) => [r.strategy, minutes(r.downtimeMs), minutes(r.restoreMs), String(r.awsCalls)]);
    const widths = header.map((_, c) => Math.max(...[header, ...body].map((row) => row[c].length)));
    const line = (row: string[]) =>
      row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
    console.log([line(header), widths.map((n) => '-'.repeat(n)).join('  '), ...body.map(line)].join('\n'));
    const [deleteFirst, swap] = rows;
    console.log(
      `\nswap / delete-first downtime: ${(swap.downtimeMs / deleteFirst.downtimeMs).toFixed(3)}x (goal: at most 0.1x)`
    );
    console.log(
      'delete-first downtime: delete-target start -> the new cluster serves; swap downtime: the swap window ' +
        '(old renamed away -> new available under the name). Instance renames follow the window.'
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
    const bad = err instanceof RangeError;
    console.error(err instanceof Error ? (bad ? err.message : (err.stack ?? err.message)) : String(err));
    process.exitCode = 1;
  }
);
