/**
 * Chaos scenarios: what one scenario restores and which faults it suffers, drawn from a seeded PRNG so that a
 * scenario is the same for the same seed (`npm run chaos -- --seed N`). The worker side reads the AWS part of a plan
 * (throttling, 5xx bursts, delays, a terminal failure) from a JSON file named after the scenario's tag; the runner
 * applies the process faults (kill -9 of the worker, restart of the dev server) and the cancel.
 *
 * What a seed fixes: the request, the faults and their moments (relative to the scenario's start). What it cannot
 * fix: wall-clock interleavings with other scenarios running at the same time, and which attempts a 50% throttle
 * hits after a restart of the worker (the worker's PRNG starts again).
 */

/** mulberry32: a small, fast, well-distributed 32-bit PRNG; enough for test plans (not for anything secret). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A number derived from a seed and a label (stable across processes), e.g. per resource for its delay. */
export function hashSeed(seed: number, label: string): number {
  let hash = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < label.length; i++) {
    hash ^= label.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** A window of AWS 5xx answers, in ms after the scenario's start. */
export interface Burst {
  fromMs: number;
  toMs: number;
  error: 'InternalFailure' | 'ServiceUnavailable';
}

/** An AWS failure the restore cannot recover from. */
export type TerminalFailure =
  | { kind: 'cluster-status'; status: 'failed' | 'incompatible-restore'; afterFraction: number }
  | { kind: 'instance-status'; index: number; status: 'failed' | 'incompatible-parameters'; afterFraction: number }
  | { kind: 'instance-capacity'; index: number };

/** The AWS part of a scenario, read by the chaos worker (test/chaos/worker.ts). */
export interface AwsFaultPlan {
  /** Appears in every identifier the scenario uses; the worker finds the plan of a call by it. */
  tag: string;
  seed: number;
  /** Wall-clock ms when the scenario started (bursts are relative to it). */
  startedAtMs: number;
  /** Probability that an RDS call about the scenario's resources is throttled (each attempt). */
  throttle: number;
  bursts: Burst[];
  /** Each AWS operation of the scenario takes up to this many times its usual duration (1 = no delays). */
  maxDelayFactor: number;
  terminal?: TerminalFailure;
  /** Ids the terminal failure applies to (filled in by the runner from the request). */
  targetClusterId: string;
}

/** What a scenario restores and what happens to it. */
export interface Scenario {
  seed: number;
  tag: string;
  request: {
    crossRegion: boolean;
    instanceCount: number;
    instanceClass: string;
    tags: Record<string, string>;
    /** Replace an existing target the pipeline created (delete first). */
    replaceExisting: boolean;
    /** Keep the snapshot copy (cross-region only). */
    keepCopy: boolean;
    /** Set the master password from a secret (whose value must never appear in histories or logs). */
    masterPassword: boolean;
  };
  aws: AwsFaultPlan;
  /** Moments (ms after the start) of a kill -9 of the worker, a dev server restart and a cancel. */
  killWorkerAtMs?: number;
  restartServerAtMs?: number;
  cancelAtMs?: number;
}

const INSTANCE_CLASSES = ['db.r6g.large', 'db.r6g.xlarge', 'db.t4g.medium'];

/** Every fault kind a scenario may combine; `only` in `scenarioOf` restricts them (e.g. for the short form). */
export const FAULT_KINDS = ['kill', 'server-restart', 'throttle', 'bursts', 'delays', 'terminal', 'cancel'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface ScenarioOptions {
  /** A short id of the run, part of every identifier (runs never collide in a shared moto). */
  runId: string;
  /** How long a restore takes without faults, roughly (ms); fault moments fall within it. */
  typicalDurationMs: number;
  /** Fault kinds allowed (default: all). */
  faults?: readonly FaultKind[];
}

/** The scenario of `seed`. */
export function scenarioOf(seed: number, options: ScenarioOptions): Scenario {
  const random = prng(seed);
  const chance = (p: number) => random() < p;
  const between = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const allowed = new Set<FaultKind>(options.faults ?? FAULT_KINDS);
  const may = (kind: FaultKind, p: number) => {
    const drawn = chance(p);
    return allowed.has(kind) && drawn;
  };
  const span = options.typicalDurationMs;
  const tag = `cz${options.runId}-${seed}`;

  const crossRegion = chance(0.5);
  const replaceExisting = chance(0.3);
  const request: Scenario['request'] = {
    crossRegion,
    instanceCount: between(1, 3),
    instanceClass: INSTANCE_CLASSES[between(0, INSTANCE_CLASSES.length - 1)],
    tags: chance(0.5) ? { team: `t${between(1, 9)}`, chaos: String(seed) } : {},
    replaceExisting,
    keepCopy: crossRegion && chance(0.3),
    masterPassword: chance(0.5),
  };

  // Whether each fault happens is drawn even when its kind is not allowed, so that restricting kinds changes little
  // else of the plan.
  const throttle = may('throttle', 0.35) ? 0.5 : 0;
  const bursts: Burst[] = [];
  const burstCount = may('bursts', 0.35) ? between(1, 3) : 0;
  for (let i = 0; i < burstCount; i++) {
    const fromMs = between(0, span);
    bursts.push({
      fromMs,
      toMs: fromMs + between(500, 4000),
      error: chance(0.5) ? 'InternalFailure' : 'ServiceUnavailable',
    });
  }
  const maxDelayFactor = may('delays', 0.4) ? 1 + between(1, 20) / 10 : 1;
  let terminal: TerminalFailure | undefined;
  if (may('terminal', 0.2)) {
    const which = between(0, 2);
    const afterFraction = between(0, 9) / 10;
    if (which === 0 && !replaceExisting) {
      terminal = { kind: 'cluster-status', status: chance(0.5) ? 'failed' : 'incompatible-restore', afterFraction };
    } else if (which === 1) {
      const index = between(0, request.instanceCount - 1);
      terminal = {
        kind: 'instance-status',
        index,
        status: chance(0.5) ? 'failed' : 'incompatible-parameters',
        afterFraction,
      };
    } else {
      terminal = { kind: 'instance-capacity', index: between(0, request.instanceCount - 1) };
    }
  }
  const killWorkerAtMs = may('kill', 0.3) ? between(0, span) : undefined;
  const restartServerAtMs = may('server-restart', 0.12) ? between(0, span) : undefined;
  const cancelAtMs = may('cancel', 0.15) ? between(0, span) : undefined;

  return {
    seed,
    tag,
    request,
    aws: {
      tag,
      seed,
      startedAtMs: 0,
      throttle,
      bursts,
      maxDelayFactor,
      terminal,
      targetClusterId: `${tag}-tgt`,
    },
    killWorkerAtMs,
    restartServerAtMs,
    cancelAtMs,
  };
}

/** The faults of a scenario in a few words, for the report. */
export function describeFaults(s: Scenario): string {
  const parts: string[] = [];
  if (s.killWorkerAtMs !== undefined) parts.push(`kill -9 worker @${s.killWorkerAtMs}ms`);
  if (s.restartServerAtMs !== undefined) parts.push(`restart dev server @${s.restartServerAtMs}ms`);
  if (s.aws.throttle > 0) parts.push(`${Math.round(s.aws.throttle * 100)}% throttled`);
  if (s.aws.bursts.length) parts.push(`${s.aws.bursts.length} 5xx burst(s)`);
  if (s.aws.maxDelayFactor > 1) parts.push(`delays up to x${s.aws.maxDelayFactor}`);
  if (s.aws.terminal) parts.push(`terminal ${JSON.stringify(s.aws.terminal)}`);
  if (s.cancelAtMs !== undefined) parts.push(`cancel @${s.cancelAtMs}ms`);
  return parts.length ? parts.join(', ') : 'no faults';
}
