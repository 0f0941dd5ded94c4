/**
 * The chaos worker: the production worker (src/worker/main.ts) with the AWS simulator on its AWS clients, on the
 * wall clock with compressed durations, its timeline kept in a state file (so a worker killed with -9 and started
 * again finds in-flight operations where they were), and the AWS faults of each scenario's plan: throttling, 5xx
 * bursts, delays, a terminal failure. A call belongs to a scenario when one of its identifiers carries the
 * scenario's tag; the plan is read from `<state dir>/plans/<tag>.json` the first time the tag is seen.
 *
 * Settings (env): AURORA_RESTORE_SIM_STATE_DIR (required), CHAOS_TIME_SCALE (default 1/240: a 40-minute restore
 * takes 10 s), plus the worker's own settings.
 */
import fs from 'node:fs';
import path from 'node:path';

import { AwsSimulator, scaled } from '../../sim/aws-simulator';
import type { Activity } from '../../sim/aws-simulator';
import { instanceId, swapNames, TAG_OPERATION_ID } from '../../src/domain/naming';
import { runWorker } from '../../src/worker/main';

import { hashSeed, prng } from './plan';
import type { AwsFaultPlan } from './plan';

/** A scenario tag as it appears in identifiers (see `scenarioOf`). */
const TAG_RE = /cz[a-z0-9]+-\d+/;

const stateDir = process.env.AURORA_RESTORE_SIM_STATE_DIR;
if (!stateDir) {
  console.error('chaos worker: set AURORA_RESTORE_SIM_STATE_DIR (where the simulator keeps its timeline)');
  process.exit(2);
}
const scale = Number(process.env.CHAOS_TIME_SCALE ?? 1 / 240);

interface LoadedPlan {
  plan: AwsFaultPlan;
  random: () => number;
}

const plans = new Map<string, LoadedPlan>();

const sim = new AwsSimulator({
  clock: Date.now,
  timings: scaled(scale),
  stateFile: path.join(stateDir, 'timeline.json'),
  stretch: delayOf,
});

/** The plan of the scenario whose tag `text` carries, loaded (and its terminal failure set up) on first sight. */
function planIn(text: string): LoadedPlan | undefined {
  const tag = TAG_RE.exec(text)?.[0];
  if (!tag) return undefined;
  const known = plans.get(tag);
  if (known) return known;
  let plan: AwsFaultPlan;
  try {
    plan = JSON.parse(fs.readFileSync(path.join(stateDir as string, 'plans', `${tag}.json`), 'utf8')) as AwsFaultPlan;
  } catch {
    return undefined;
  }
  const loaded = { plan, random: prng(plan.seed) };
  plans.set(tag, loaded);
  setUpTerminalFailure(plan);
  return loaded;
}

function planOfCall(input: Record<string, unknown>): LoadedPlan | undefined {
  return planIn(JSON.stringify(input));
}

/** Random delays of AWS states: each operation of a scenario with delays lasts 1x to maxDelayFactor x its usual time. */
function delayOf(activity: Activity): number {
  const loaded = planIn(activity.id);
  if (!loaded || loaded.plan.maxDelayFactor <= 1) return 1;
  const unit = hashSeed(loaded.plan.seed, `${activity.kind}/${activity.op}/${activity.id}`) / 2 ** 32;
  return 1 + unit * (loaded.plan.maxDelayFactor - 1);
}

/**
 * The identifier the scenario's instance `index` is created under: the requested one, or, when the restore replaces
 * its target by a swap, the temporary one the swap renames later (derived from the operation id in the call's tags).
 */
function isPlannedInstance(plan: AwsFaultPlan, index: number, input: Record<string, unknown>): boolean {
  const id = String(input.DBInstanceIdentifier ?? '').toLowerCase();
  if (id === instanceId(plan.targetClusterId, index)) return true;
  const tags = Array.isArray(input.Tags) ? (input.Tags as { Key?: string; Value?: string }[]) : [];
  const operationId = tags.find((t) => t.Key === TAG_OPERATION_ID)?.Value;
  if (!operationId) return false;
  const incoming = swapNames(plan.targetClusterId, operationId, index + 1).incomingInstanceIds[index];
  return id === incoming.toLowerCase();
}

/**
 * A terminal instance status is forced on the instance the restore actually creates (see isPlannedInstance), when
 * its CreateDBInstance is first seen; the delay counts from the start of its creation. Forced statuses are kept in
 * the timeline's state file, so a restarted worker that sees the call again only adds a duplicate rule with the
 * same effect.
 */
function forceInstanceStatusOnCreate(input: Record<string, unknown>): void {
  const loaded = planOfCall(input);
  const terminal = loaded?.plan.terminal;
  if (!loaded || terminal?.kind !== 'instance-status') return;
  if (!isPlannedInstance(loaded.plan, terminal.index, input)) return;
  const id = String(input.DBInstanceIdentifier);
  if (forcedInstances.has(id)) return;
  forcedInstances.add(id);
  const after = terminal.afterFraction * sim.timings.instanceCreate;
  sim.forceStatus({ kind: 'instance', id, status: terminal.status, after }).catch((err: unknown) => {
    console.error(`chaos worker: could not force ${terminal.status} on ${id}:`, err);
  });
}
const forcedInstances = new Set<string>();

/** The cluster status and capacity failures are set up when the plan is first seen. */
function setUpTerminalFailure(plan: AwsFaultPlan): void {
  const terminal = plan.terminal;
  if (!terminal) return;
  if (terminal.kind === 'instance-capacity') {
    sim.injectFault({
      command: 'CreateDBInstanceCommand',
      error: 'InsufficientDBInstanceCapacityFault',
      times: Infinity,
      message: `Cannot create a DB instance of this class in the requested Availability Zones (chaos ${plan.tag})`,
      match: (input) => isPlannedInstance(plan, terminal.index, input),
    });
    return;
  }
  if (terminal.kind !== 'cluster-status') return;
  const spec = {
    kind: 'cluster' as const,
    id: plan.targetClusterId,
    after: terminal.afterFraction * sim.timings.clusterRestore,
  };
  sim.forceStatus({ ...spec, status: terminal.status }).catch((err: unknown) => {
    console.error(`chaos worker: could not force ${terminal.status} on ${spec.id}:`, err);
  });
}

function inBurst(plan: AwsFaultPlan, error: string): boolean {
  const elapsed = Date.now() - plan.startedAtMs;
  return plan.bursts.some((b) => b.error === error && elapsed >= b.fromMs && elapsed < b.toMs);
}

// Sees every CreateDBInstance attempt (before any fault) and fails none: it only sets up forced instance statuses.
sim.injectFault({
  command: 'CreateDBInstanceCommand',
  error: 'InternalFailure',
  times: Infinity,
  match: (input) => {
    forceInstanceStatusOnCreate(input);
    return false;
  },
});
// In this order: a throttled attempt is not also a 5xx.
sim.injectFault({
  command: '*',
  error: 'Throttling',
  times: Infinity,
  match: (input) => {
    const loaded = planOfCall(input);
    return loaded !== undefined && loaded.plan.throttle > 0 && loaded.random() < loaded.plan.throttle;
  },
});
for (const error of ['InternalFailure', 'ServiceUnavailable'] as const) {
  sim.injectFault({
    command: '*',
    error,
    times: Infinity,
    match: (input) => {
      const loaded = planOfCall(input);
      return loaded !== undefined && inBurst(loaded.plan, error);
    },
  });
}

runWorker(process.env, { awsClients: { decorate: sim.decorate } }).then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    console.error('chaos worker crashed:', err);
    process.exitCode = 1;
  }
);
