/**
 * The restore worker as `npm run build` compiles it (lib/: compiled activities, the prebuilt workflow bundle, the
 * production tuning and interceptors), with one difference: its RDS calls go through the AWS simulator in
 * wall-clock time, so AWS takes realistic (compressed) time. bench/drill/memory.ts compiles this file with tsc and
 * runs it as a child process to measure the worker's memory; it is not part of the product.
 *
 * Environment: TEMPORAL_ADDRESS, AWS_ENDPOINT_URL (moto), DRILL_TASK_QUEUE, DRILL_COMPRESSION (AWS durations x),
 * DRILL_RDS_CALLS_PER_SECOND, DRILL_WORKFLOW_BUNDLE (path of lib/workflow-bundle.js).
 */
import { NativeConnection, Worker } from '@temporalio/worker';

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
  });
  console.log('drill worker ready');
  await worker.run(); // until SIGTERM (the Runtime shuts the worker down)
  sim.destroy();
  await connection.close();
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
