/**
 * Many concurrent same-region restores on one compiled worker (a child process: bench/drill/sim-worker.ts compiled
 * with tsc, running lib/workflow-bundle.js from `npm run build`): its peak RSS (VmHWM, Linux) and the p99 of
 * workflow-task and activity schedule-to-start, read from the restores' histories (activities: first attempts;
 * later attempts of a poll leave no event).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import type { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkerOptions } from '@temporalio/worker';

import { seedSourceCluster, uniqueName } from '../../test/support/moto';

import { restoreRequest, startLikeCli } from './history';

/**
 * Same-region restores spread over regions: moto refuses more than 100 snapshots per region (its default quota),
 * and every restored cluster's instances add one.
 */
const REGIONS = ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-2'];

const ROOT = path.resolve(__dirname, '../..');
const BUNDLE = path.join(ROOT, 'lib/workflow-bundle.js');
const WORKER_JS = path.join(ROOT, '.run/drill-worker/bench/drill/sim-worker.js');

export interface MemoryFigures {
  restores: number;
  failed: number;
  wallMs: number;
  peakRssMb: number;
  workflowTaskP99Ms: number;
  /** The same without each restore's first workflow task (scheduled when the restore starts: the start burst). */
  laterWorkflowTaskP99Ms: number;
  activityP99Ms: number;
  /** How busy the machine's CPUs were (all processes: worker, moto, server, this driver), 0..1. */
  cpuBusy: { whileStarting: number; afterStarts: number };
  /** The worker's own samples (sim-worker.ts), at its peak RSS and over the run. */
  atPeak?: WorkerSample;
  maxCachedWorkflows: number;
  maxLoopDelayMs: number;
  /** Why the first failed restore failed, if one did. */
  firstFailure?: string;
}

/** One line of DRILL_SAMPLES (sim-worker.ts). */
export interface WorkerSample {
  t: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  cachedWorkflows: number;
  activations: number;
  activities: number;
  loopDelayP99Ms: number;
}

function readSamples(file: string): WorkerSample[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as WorkerSample);
}

/** Builds what the child runs: lib/ (npm run build) and the compiled bench worker. */
export function buildCompiledWorker(log: (line: string) => void): void {
  log('building the compiled worker (npm run build) and the bench worker (tsc)...');
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'ignore' });
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'bench/drill/tsconfig.json'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (!existsSync(BUNDLE) || !existsSync(WORKER_JS))
    throw new Error(`the build did not produce ${BUNDLE} and ${WORKER_JS}`);
}

/** The machine's CPU time so far (/proc/stat, all CPUs), busy and total, in clock ticks. */
function cpuTicks(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = fields[3] + (fields[4] ?? 0); // idle and iowait
  return { busy: total - idle, total };
}

function busyBetween(from: { busy: number; total: number }, to: { busy: number; total: number }): number {
  return to.total > from.total ? (to.busy - from.busy) / (to.total - from.total) : NaN;
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

function p99(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)];
}

function ms(t: temporal.api.history.v1.IHistoryEvent['eventTime']): number {
  return Number(t?.seconds ?? 0) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6);
}

/**
 * Schedule-to-start latencies of one history: workflow tasks, and activities' first attempts. A workflow task that
 * waited on the worker's sticky queue until it timed out (10 s) and was scheduled again on the normal queue counts
 * from its first schedule: that is how long the restore waited.
 */
function scheduleToStart(events: temporal.api.history.v1.IHistoryEvent[]): {
  wft: number[];
  laterWft: number[];
  activity: number[];
} {
  const byId = new Map(events.map((e) => [Number(e.eventId), e]));
  const wft: number[] = [];
  const activity: number[] = [];
  /** When each workflow task was first scheduled, by the id of its (latest) scheduled event. */
  const firstScheduled = new Map<number, number>();
  let carried: number | undefined; // a task that timed out before it started: its first schedule time
  for (const e of events) {
    if (e.workflowTaskScheduledEventAttributes) {
      firstScheduled.set(Number(e.eventId), carried ?? ms(e.eventTime));
      carried = undefined;
    }
    const timedOut = e.workflowTaskTimedOutEventAttributes;
    if (timedOut && !Number(timedOut.startedEventId ?? 0))
      carried = firstScheduled.get(Number(timedOut.scheduledEventId));
    const wfStarted = e.workflowTaskStartedEventAttributes;
    if (wfStarted) {
      const since = firstScheduled.get(Number(wfStarted.scheduledEventId));
      if (since !== undefined) wft.push(ms(e.eventTime) - since);
    }
    const actStarted = e.activityTaskStartedEventAttributes;
    if (actStarted && (actStarted.attempt ?? 1) === 1) {
      const scheduled = byId.get(Number(actStarted.scheduledEventId));
      if (scheduled) activity.push(ms(e.eventTime) - ms(scheduled.eventTime));
    }
  }
  return { wft, laterWft: wft.slice(1), activity };
}

export async function measureMemory(
  env: TestWorkflowEnvironment,
  options: {
    restores: number;
    compression: number;
    rdsCallsPerSecond: number;
    pollInterval: string;
    /** Node flags of the worker process (`npm run worker` starts it with WORKER_NODE_FLAGS). */
    nodeFlags: readonly string[];
    /** Worker options other than the shipped ones (sim-worker.ts reads them from DRILL_TUNING). */
    tuning?: Partial<WorkerOptions>;
  },
  log: (line: string) => void
): Promise<MemoryFigures> {
  const taskQueue = uniqueName('drill-memory');
  const samplesFile = path.join(ROOT, '.run', `${taskQueue}.samples.jsonl`);
  const child = spawn(process.execPath, [...options.nodeFlags, WORKER_JS], {
    cwd: ROOT,
    env: {
      ...process.env,
      DRILL_TASK_QUEUE: taskQueue,
      DRILL_COMPRESSION: String(options.compression),
      DRILL_RDS_CALLS_PER_SECOND: String(options.rdsCallsPerSecond),
      DRILL_WORKFLOW_BUNDLE: BUNDLE,
      DRILL_SAMPLES: samplesFile,
      ...(options.tuning ? { DRILL_TUNING: JSON.stringify(options.tuning) } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  // The last few kilobytes are enough to say why it failed; 500 restores log a lot.
  const keep = (d: Buffer) => (output = (output + d.toString()).slice(-8_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  try {
    const readyBy = Date.now() + 60_000;
    while (!output.includes('drill worker ready')) {
      if (child.exitCode !== null || Date.now() > readyBy)
        throw new Error(`the bench worker did not start:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const sources = [];
    for (const region of REGIONS) {
      const clusterId = uniqueName('mem-src');
      const snapshotId = `${clusterId}-snap`;
      await seedSourceCluster({ region, clusterId, withSnapshot: snapshotId, encrypted: true });
      sources.push({ region, clusterId, snapshotId });
    }
    const started = Date.now();
    const cpuAtStart = cpuTicks();
    const handles = [];
    for (let i = 0; i < options.restores; i += 1) {
      const source = sources[i % sources.length];
      const request = restoreRequest('same-region', source, uniqueName('mem'), options.pollInterval);
      request.source.region = source.region;
      request.target.region = source.region;
      handles.push(await startLikeCli(env, taskQueue, request));
    }
    log(`  ${options.restores} restores started in ${((Date.now() - started) / 1000).toFixed(0)} s; waiting...`);
    const cpuAtLastStart = cpuTicks();
    const outcomes = await Promise.allSettled(handles.map((h) => h.result()));
    const cpuAtEnd = cpuTicks();
    const wallMs = Date.now() - started;
    const peak = peakRssMb(child.pid ?? 0);
    const wft: number[] = [];
    const laterWft: number[] = [];
    const activity: number[] = [];
    for (const h of handles) {
      const latencies = scheduleToStart((await h.fetchHistory()).events ?? []);
      wft.push(...latencies.wft);
      laterWft.push(...latencies.laterWft);
      activity.push(...latencies.activity);
    }
    const samples = readSamples(samplesFile);
    const atPeak = samples.reduce<WorkerSample | undefined>((a, b) => (!a || b.rss > a.rss ? b : a), undefined);
    const rejected = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    return {
      firstFailure: rejected
        ? String(rejected.reason instanceof Error ? rejected.reason.message : rejected.reason)
        : undefined,
      atPeak,
      maxCachedWorkflows: Math.max(0, ...samples.map((x) => x.cachedWorkflows)),
      maxLoopDelayMs: Math.max(0, ...samples.map((x) => x.loopDelayP99Ms)),
      restores: options.restores,
      failed: outcomes.filter((o) => o.status === 'rejected').length,
      wallMs,
      peakRssMb: peak,
      workflowTaskP99Ms: p99(wft),
      laterWorkflowTaskP99Ms: p99(laterWft),
      activityP99Ms: p99(activity),
      cpuBusy: {
        whileStarting: busyBetween(cpuAtStart, cpuAtLastStart),
        afterStarts: busyBetween(cpuAtLastStart, cpuAtEnd),
      },
    };
  } finally {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  }
}
