/**
 * Runs chaos scenarios (plan.ts) against a dev server of the run's own (database file, so it can be restarted),
 * moto (AWS_ENDPOINT_URL) and one chaos worker process shared by all scenarios, several scenarios at a time; then
 * checks the invariants of each (invariants.ts). Process faults (kill -9 of the worker, dev server restart) hit the
 * shared processes, so they also hurt the scenarios running alongside, as they would in production.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import type { WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';

import { main as cli } from '../../src/client/main';
import { Failures } from '../../src/domain/errors';
import { restoreWorkflowId } from '../../src/domain/naming';
import type { RestoreRequest } from '../../src/domain/request';
import type { RestoreResult } from '../../src/workflows/messages';

import { checkInvariants, seedScenario } from './invariants';
import type { Outcome, Seeded } from './invariants';
import { describeFaults, scenarioOf } from './plan';
import type { FaultKind, Scenario } from './plan';
import { ChaosWorker, DevServer } from './processes';

export interface ChaosOptions {
  /** Seeds to run, one scenario each. */
  seeds: number[];
  /** Scenarios running at once. */
  concurrency: number;
  /** AWS time compression (sim/timings.ts `scaled`): 1/240 makes a 40-minute restore take 10 s. */
  timeScale?: number;
  /** Fault kinds allowed (default: all). */
  faults?: readonly FaultKind[];
  /** Where the run keeps its dev server database, simulator state and logs (default: a new temporary directory). */
  dir?: string;
  /** One line per finished scenario. */
  onResult?: (result: ScenarioResult) => void;
  /** Progress messages (server restarts, worker kills). */
  onEvent?: (message: string) => void;
}

export interface ScenarioResult {
  seed: number;
  faults: string;
  outcome: string;
  violations: string[];
  durationMs: number;
}

export interface ChaosReport {
  results: ScenarioResult[];
  violations: number;
  violatingSeeds: number[];
  /** Process faults actually applied (a scenario can end before its fault's moment). */
  workerKills: number;
  serverRestarts: number;
  dir: string;
}

/** What a restore takes without faults at the default compression, roughly: fault moments fall within it. */
const TYPICAL_DURATION_MS = 30_000;
/** A scenario that has not finished after this long is a violation (it would hang in production too). */
const SCENARIO_DEADLINE_MS = 12 * 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A short id of the run, so that its identifiers never collide with another run's in a shared moto. */
function newRunId(): string {
  return Date.now().toString(36).slice(-5);
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-restore-chaos-'));
  fs.mkdirSync(path.join(dir, 'plans'), { recursive: true });
  const runId = newRunId();
  const taskQueue = `chaos-${runId}`;
  const event = options.onEvent ?? (() => undefined);
  const server = await DevServer.start(dir);
  event(`dev server on ${server.address} (database ${path.join(dir, 'temporal.db')})`);
  const worker = new ChaosWorker(
    {
      TEMPORAL_ADDRESS: server.address,
      AURORA_RESTORE_TASK_QUEUE: taskQueue,
      AURORA_RESTORE_SIM_STATE_DIR: dir,
      CHAOS_TIME_SCALE: String(options.timeScale ?? 1 / 240),
      LOG_LEVEL: 'INFO',
    },
    path.join(dir, 'worker.log')
  );
  worker.start();
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  // One process fault at a time: a kill during a server restart would only blur what is being tested.
  let processFault: Promise<void> = Promise.resolve();
  const serialized = (what: string, fault: () => Promise<void>) => {
    processFault = processFault.then(async () => {
      event(what);
      await fault();
    });
    return processFault;
  };

  const results: ScenarioResult[] = [];
  const queue = [...options.seeds];
  const context: RunContext = {
    runId,
    taskQueue,
    dir,
    server,
    worker,
    client,
    faults: options.faults,
    injectProcessFault: serialized,
  };
  async function lane(): Promise<void> {
    for (let seed = queue.shift(); seed !== undefined; seed = queue.shift()) {
      const result = await runScenario(seed, context);
      results.push(result);
      options.onResult?.(result);
    }
  }
  try {
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, () => lane()));
    await processFault;
  } finally {
    await worker.stop();
    await connection.close();
    await server.stop();
  }
  const violating = results.filter((r) => r.violations.length > 0);
  return {
    results,
    violations: violating.reduce((n, r) => n + r.violations.length, 0),
    violatingSeeds: violating.map((r) => r.seed),
    workerKills: worker.kills,
    serverRestarts: server.restarts,
    dir,
  };
}

interface RunContext {
  runId: string;
  taskQueue: string;
  dir: string;
  server: DevServer;
  worker: ChaosWorker;
  client: Client;
  faults?: readonly FaultKind[];
  injectProcessFault: (what: string, fault: () => Promise<void>) => Promise<void>;
}

function requestOf(s: Scenario, seeded: Seeded): RestoreRequest {
  const r = s.request;
  return {
    source: { region: seeded.sourceRegion, clusterId: seeded.sourceClusterId, snapshot: seeded.snapshotId },
    target: {
      region: seeded.targetRegion,
      clusterId: s.aws.targetClusterId,
      instanceCount: r.instanceCount,
      instanceClass: r.instanceClass,
      ...(Object.keys(r.tags).length ? { tags: r.tags } : {}),
    },
    ...(r.replaceExisting ? { replace: { existing: true } } : {}),
    ...(r.keepCopy ? { copy: { keep: true } } : {}),
    ...(seeded.secretArn ? { masterPassword: { secretArn: seeded.secretArn } } : {}),
    timing: { pollInterval: '5s' },
  };
}

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs our CLI in-process against the run's dev server; returns the exit code and what it printed. */
async function runCli(argv: string[], ctx: RunContext): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await cli(argv, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    env: { ...process.env, TEMPORAL_ADDRESS: ctx.server.address, AURORA_RESTORE_TASK_QUEUE: ctx.taskQueue },
  });
  return { code, stdout, stderr };
}

/**
 * The operation id of a restore the CLI is starting (from the workflow's memo, once it exists), or what the CLI
 * printed when it ended without starting one.
 */
async function startedOperationId(
  handle: WorkflowHandle,
  cliRun: Promise<CliRun>,
  ctx: RunContext
): Promise<string | CliRun> {
  let ended: CliRun | undefined;
  void cliRun.then((run) => (ended = run));
  for (;;) {
    try {
      const description = await handle.describe();
      const operationId = description.memo?.operationId;
      if (typeof operationId === 'string') return operationId;
    } catch {
      // Not started yet, or the dev server is restarting.
    }
    if (ended) return ended;
    await ctx.server.whenReady();
    await sleep(200);
  }
}

/** The workflow's own outcome, waiting through dev server restarts (the client call fails while it is down). */
async function workflowOutcome(handle: WorkflowHandle, ctx: RunContext, deadline: number): Promise<Outcome> {
  for (;;) {
    try {
      const value = (await handle.result()) as RestoreResult;
      return { ok: true, result: value };
    } catch (err) {
      if (err instanceof WorkflowFailedError) {
        const cause = err.cause;
        // As the CLI reports it (describeFailure): a bare cancellation is the catalogue's RestoreCancelled.
        if (cause instanceof CancelledFailure)
          return { ok: false, type: Failures.Cancelled.type, message: cause.message };
        if (cause instanceof ApplicationFailure) {
          return { ok: false, type: cause.type ?? 'ApplicationFailure', message: cause.message };
        }
        return { ok: false, type: cause?.name ?? 'unknown', message: cause?.message ?? err.message };
      }
      if (Date.now() > deadline) return { ok: false, type: 'DidNotFinish', message: String(err) };
      await ctx.server.whenReady();
      await sleep(500);
    }
  }
}

async function runScenario(seed: number, ctx: RunContext): Promise<ScenarioResult> {
  const started = Date.now();
  const scenario = scenarioOf(seed, { runId: ctx.runId, typicalDurationMs: TYPICAL_DURATION_MS, faults: ctx.faults });
  const violations: string[] = [];
  let outcomeText = 'not started';
  try {
    const seeded = await seedScenario(scenario);
    const request = requestOf(scenario, seeded);
    const file = path.join(ctx.dir, 'plans', `${scenario.tag}.request.json`);
    fs.writeFileSync(file, JSON.stringify(request, null, 2));
    scenario.aws.startedAtMs = Date.now();
    fs.writeFileSync(path.join(ctx.dir, 'plans', `${scenario.tag}.json`), JSON.stringify(scenario.aws));

    await ctx.server.whenReady();
    const workflowId = restoreWorkflowId(request.target);
    const handle = ctx.client.workflow.getHandle(workflowId);
    // Even seeds follow the restore with `aurora-restore start` (through the faults), odd ones start it detached
    // and ask `aurora-restore status` at the end: the outcome either prints must be the workflow's.
    const follow = seed % 2 === 0;
    let following: Promise<CliRun> | undefined;
    let operationId: string;
    if (follow) {
      following = runCli(['--json', 'start', file], ctx);
      const id = await startedOperationId(handle, following, ctx);
      if (typeof id !== 'string') {
        violations.push(`the CLI could not start the restore (exit ${id.code}): ${id.stdout} ${id.stderr}`);
        return { seed, faults: describeFaults(scenario), outcome: 'start failed', violations, durationMs: 0 };
      }
      operationId = id;
    } else {
      const start = await runCli(['--json', 'start', '--detach', file], ctx);
      if (start.code !== 0) {
        violations.push(`the CLI could not start the restore (exit ${start.code}): ${start.stdout} ${start.stderr}`);
        return { seed, faults: describeFaults(scenario), outcome: 'start failed', violations, durationMs: 0 };
      }
      operationId = (JSON.parse(start.stdout) as { operationId: string }).operationId;
    }

    const timers: NodeJS.Timeout[] = [];
    const pending: Promise<void>[] = [];
    const at = (ms: number | undefined, action: () => Promise<void>) => {
      if (ms === undefined) return;
      timers.push(setTimeout(() => pending.push(action().catch(() => undefined)), ms));
    };
    let cancelSent = false;
    at(scenario.killWorkerAtMs, () =>
      ctx.injectProcessFault(`seed ${seed}: kill -9 of the worker`, () =>
        ctx.worker.killAndRestart(500 + (seed % 1500))
      )
    );
    at(scenario.restartServerAtMs, () =>
      ctx.injectProcessFault(`seed ${seed}: restart of the dev server`, () => ctx.server.restart())
    );
    at(scenario.cancelAtMs, async () => {
      await ctx.server.whenReady();
      cancelSent = true;
      const cancel = await runCli(['cancel', workflowId], ctx);
      if (cancel.code !== 0 && !/not running|already|completed|closed/i.test(cancel.stdout + cancel.stderr)) {
        violations.push(`the CLI could not cancel (exit ${cancel.code}): ${cancel.stderr}`);
      }
    });

    const outcome = await workflowOutcome(handle, ctx, started + SCENARIO_DEADLINE_MS);
    for (const timer of timers) clearTimeout(timer);
    await Promise.all(pending);
    outcomeText = outcome.ok ? 'succeeded' : `failed: ${outcome.type}`;
    if (outcome.ok === false && outcome.type === 'DidNotFinish') {
      violations.push(`did not finish within ${SCENARIO_DEADLINE_MS / 60_000} min: ${outcome.message}`);
      await handle.terminate('chaos: scenario deadline').catch(() => undefined);
      return {
        seed,
        faults: describeFaults(scenario),
        outcome: outcomeText,
        violations,
        durationMs: Date.now() - started,
      };
    }

    await ctx.server.whenReady();
    const status = following ? await following : await runCli(['--json', 'status', workflowId], ctx);
    violations.push(
      ...(await checkInvariants({
        scenario,
        seeded,
        request,
        operationId,
        outcome,
        cancelSent,
        cli: { ...status, command: follow ? 'start' : 'status' },
        history: await historyText(handle),
        workerLog: ctx.worker.log(),
      }))
    );
  } catch (err) {
    violations.push(`the scenario itself crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
  return { seed, faults: describeFaults(scenario), outcome: outcomeText, violations, durationMs: Date.now() - started };
}

/** The workflow's whole history as text, with every payload's bytes decoded (a secret would show as itself). */
async function historyText(handle: WorkflowHandle): Promise<string> {
  const history = await handle.fetchHistory();
  const decoder = new TextDecoder('utf-8', { fatal: false });
  // The raw value, before Buffer's toJSON turns it into a list of numbers.
  return JSON.stringify(history, function (this: Record<string, unknown>, key: string, value: unknown) {
    const raw = this[key];
    return raw instanceof Uint8Array ? decoder.decode(raw) : value;
  });
}
