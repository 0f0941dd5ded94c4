/**
 * Running the restore workflow in tests: a Temporal test environment with our search attributes registered, and a
 * real worker with the real activities, talking to moto through the AWS simulation layer (sim/) so that AWS takes
 * realistic time (in the time-skipping server's clock) and can be made to fail.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { NativeConnection } from '@temporalio/worker';

import { AwsSimulator } from '../../sim/aws-simulator';
import type { SimTimings } from '../../sim/aws-simulator';
import { createActivities } from '../../src/activities';
import type { ActivityDeps } from '../../src/activities';
import type { AwsClientFactoryOptions } from '../../src/activities/aws-clients';
import type { CallBudget } from '../../src/activities/call-budget';
import { createDatabaseActivities } from '../../src/activities/database';
import type { DatabaseWorkerPolicy } from '../../src/activities/database';
import { workerInterceptors } from '../../src/worker/telemetry';
import { WORKFLOW_PRELOAD_MODULES } from '../../src/worker/workflow-preload';
import { RESTORE_SEARCH_ATTRIBUTES } from '../../src/workflows/messages';

import { motoClientFactory } from './moto';
import { createTimeSkippingEnv } from './servers';

/** A fresh time-skipping server with the restore search attributes registered. */
export function createRestoreTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  return createTimeSkippingEnv({ searchAttributes: RESTORE_SEARCH_ATTRIBUTES });
}

export interface SimulatedWorker {
  worker: Worker;
  sim: AwsSimulator;
  taskQueue: string;
  deps: ActivityDeps;
}

let queueCounter = 0;

/** Options of `createSimulatedWorker`. */
export interface SimulatedWorkerOptions {
  timings?: Partial<SimTimings>;
  workerAccountId?: string;
  maxConcurrentCopies?: number;
  /**
   * A fleet of workers: later workers join the first one's task queue and share its simulator (one AWS). Each
   * needs its own `connection`: the SDK refuses two workers for one task queue on one connection.
   */
  joining?: Pick<SimulatedWorker, 'sim' | 'taskQueue'>;
  connection?: NativeConnection;
  /** This worker's share of the RDS call budget. */
  rdsCallBudget?: CallBudget;
  /** Decorates every AWS client after the simulator (e.g. `unreachableRegion`). */
  decorate?: AwsClientFactoryOptions['decorate'];
}

/** A worker with the production activities, against moto with simulated AWS timing in the env's clock. */
export async function createSimulatedWorker(
  env: TestWorkflowEnvironment,
  options: SimulatedWorkerOptions = {}
): Promise<SimulatedWorker> {
  const sim = options.joining?.sim ?? new AwsSimulator({ clock: () => env.currentTimeMs(), timings: options.timings });
  const deps: ActivityDeps = {
    clients: motoClientFactory({
      decorate: options.decorate
        ? (client, loc, service) => {
            sim.decorate(client, loc, service);
            options.decorate?.(client, loc, service);
          }
        : sim.decorate,
      workerAccountId: options.workerAccountId,
      rdsCallBudget: options.rdsCallBudget,
    }),
    ...(options.maxConcurrentCopies ? { maxConcurrentCopies: options.maxConcurrentCopies } : {}),
  };
  const taskQueue = options.joining?.taskQueue ?? `restore-test-${process.pid}-${++queueCounter}`;
  const worker = await Worker.create({
    connection: options.connection ?? env.nativeConnection,
    namespace: env.namespace,
    taskQueue,
    workflowsPath: require.resolve('../../src/workflows'),
    // Shared modules as in the production bundle, so the tests run workflows against the same frozen copies.
    bundlerOptions: { preloadModules: WORKFLOW_PRELOAD_MODULES },
    // The production worker's interceptors (metrics, operation context in logs), so the tests run them too.
    interceptors: workerInterceptors({ workflowModules: true }),
    activities: createActivities(deps),
  });
  return { worker, sim, taskQueue, deps };
}

/**
 * A worker for the database activities on its own task queue, as the worker inside the VPC would run them, with what
 * its operator allows requests (`policy`; default the strictest).
 */
export async function createDatabaseWorker(
  env: TestWorkflowEnvironment,
  policy: DatabaseWorkerPolicy = {}
): Promise<{ worker: Worker; taskQueue: string }> {
  const taskQueue = `restore-db-test-${process.pid}-${++queueCounter}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace,
    taskQueue,
    interceptors: workerInterceptors({ workflowModules: false }),
    activities: createDatabaseActivities({ clients: motoClientFactory(), policy }),
  });
  return { worker, taskQueue };
}
