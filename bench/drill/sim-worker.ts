/**
 * The restore worker as `npm run build` compiles it (lib/: compiled activities, the prebuilt workflow bundle, the
 * production tuning and interceptors), with one difference: its RDS calls go through the AWS simulator in
 * wall-clock time, so AWS takes realistic (compressed) time. bench/drill/memory.ts compiles this file with tsc and
 * runs it as a child process to measure the worker's memory; it is not part of the product.
 *
 * Environment: TEMPORAL_ADDRESS, AWS_ENDPOINT_URL (moto), DRILL_TASK_QUEUE, DRILL_COMPRESSION (AWS durations x),
 * DRILL_RDS_CALLS_PER_SECOND, DRILL_WORKFLOW_BUNDLE (path of lib/workflow-bundle.js); DRILL_SAMPLES (optional: a
 * file that gets one JSON line a second with the process's memory breakdown and the worker's load, read by memory.ts).
 */
import { appendFileSync, createWriteStream, writeFileSync } from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Worker as NodeWorker } from 'node:worker_threads';

import { NativeConnection, Worker } from '@temporalio/worker';
import type { WorkerOptions } from '@temporalio/worker';

import { AwsSimulator, scaled } from '../../sim/aws-simulator';
import { createActivities } from '../../src/activities';
import { CallBudget } from '../../src/activities/call-budget';
import { DEFAULT_MAX_CONCURRENT_ACTIVITIES } from '../../src/worker/config';
import { workerInterceptors } from '../../src/worker/telemetry';
import { DEFAULT_MAX_CACHED_WORKFLOWS, restoreWorkerTuning } from '../../src/worker/tuning';
import { motoClientFactory } from '../../test/support/moto';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

async function main(): Promise<void> {
  const connection = await NativeConnection.connect({ address: required('TEMPORAL_ADDRESS') });
  const sim = new AwsSimulator({ clock: () => Date.now(), timings: scaled(Number(required('DRILL_COMPRESSION'))) });
  const budget = new CallBudget(Number(required('DRILL_RDS_CALLS_PER_SECOND')));
  const worker = await Worker.create({
    connection,
    taskQueue: required('DRILL_TASK_QUEUE'),
    workflowBundle: { codePath: required('DRILL_WORKFLOW_BUNDLE') },
    interceptors: workerInterceptors({ workflowModules: false }),
    activities: createActivities({ clients: motoClientFactory({ decorate: sim.decorate, rdsCallBudget: budget }) }),
    ...restoreWorkerTuning({
      maxCachedWorkflows: Number(process.env.DRILL_MAX_CACHED_WORKFLOWS ?? DEFAULT_MAX_CACHED_WORKFLOWS),
      maxConcurrentActivityTaskExecutions: DEFAULT_MAX_CONCURRENT_ACTIVITIES,
    }),
    // Another tuning to compare with (memory.ts passes the previous defaults this way).
    ...(process.env.DRILL_TUNING ? (JSON.parse(process.env.DRILL_TUNING) as Partial<WorkerOptions>) : {}),
  });
  const sampler = sampleEverySecond(worker, process.env.DRILL_SAMPLES);
  if (process.env.DRILL_HEAPSNAPSHOT_DIR) snapshotWorkflowThreadOnSignal(worker, process.env.DRILL_HEAPSNAPSHOT_DIR);
  console.log('drill worker ready');
  await worker.run(); // until SIGTERM (the Runtime shuts the worker down)
  if (sampler) clearInterval(sampler);
  sim.destroy();
  await connection.close();
}

/**
 * One line a second: process memory as Node sees it (main-thread heap, external and array buffers; the rest of RSS is
 * the workflow thread's V8 heap, the Rust core and code), the sticky cache, work in flight and the main thread's
 * event-loop delay (a busy main thread delays activity and workflow-task handling alike).
 */
function sampleEverySecond(worker: Worker, file: string | undefined): NodeJS.Timeout | undefined {
  if (!file) return undefined;
  writeFileSync(file, '');
  const delay = monitorEventLoopDelay({ resolution: 20 });
  delay.enable();
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    const s = worker.getStatus();
    const sample = {
      t: Date.now(),
      rss: m.rss,
      heapUsed: m.heapUsed,
      heapTotal: m.heapTotal,
      external: m.external,
      arrayBuffers: m.arrayBuffers,
      cachedWorkflows: s.numCachedWorkflows,
      activations: s.numInFlightWorkflowActivations,
      activities: s.numInFlightNonLocalActivities,
      loopDelayP99Ms: delay.percentile(99) / 1e6,
    };
    delay.reset();
    appendFileSync(file, JSON.stringify(sample) + '\n');
  }, 1000);
  timer.unref();
  return timer;
}

/**
 * Diagnosis: on SIGUSR2, writes a heap snapshot of the workflow thread (where the cached workflows live), which
 * Node's own --heapsnapshot-signal cannot reach. Uses the SDK's internals: a bench aid, not product code.
 */
function snapshotWorkflowThreadOnSignal(worker: Worker, dir: string): void {
  process.on('SIGUSR2', () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const threads = (worker as any).workflowCreator?.workerThreadClients as { workerThread: NodeWorker }[] | undefined;
    threads?.forEach(({ workerThread }, i) => {
      void workerThread.getHeapSnapshot().then((stream) => {
        const out = createWriteStream(path.join(dir, `workflow-thread-${i}-${Date.now()}.heapsnapshot`));
        stream.pipe(out);
      });
    });
  });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
