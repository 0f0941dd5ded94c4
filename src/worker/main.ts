/**
 * The worker process: runs restore workflows and their AWS activities.
 *
 * Temporal connection: the standard TEMPORAL_* variables and config profiles (`@temporalio/envconfig`), so the same
 * settings as the `temporal` CLI work for a local dev server, a self-hosted cluster or Temporal Cloud (API key or
 * mTLS). AWS: the SDK's default credential chain; endpoints only through the SDK's own settings (AWS_ENDPOINT_URL).
 * Worker settings: see `config.ts`. SIGINT/SIGTERM stop the worker gracefully (running activities get 30s).
 */
import fs from 'node:fs';

import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { Logger, WorkerOptions } from '@temporalio/worker';

import { createActivities, createAwsClientFactory } from '../activities';
import type { AwsClientFactoryOptions } from '../activities/aws-clients';
import { CallBudget } from '../activities/call-budget';
import { createDatabaseActivities } from '../activities/database';
import { connectTemporal } from '../client/connection';
import { DB_TASK_QUEUE } from '../workflows/messages';

import { parseWorkerConfig, WORKER_ENV, WORKFLOW_BUNDLE_PATH, WorkerConfigError } from './config';
import type { WorkerConfig } from './config';
import { claimCurrentVersionIfNone, workerDeploymentOptions } from './deployment';
import { watchExpiringClusters } from './expiry-watch';
import type { ExpiryWatch } from './expiry-watch';
import { countActivityWorkers, watchFleet } from './fleet';
import type { FleetWatch } from './fleet';
import { heapLimitWarning } from './heap';
import { checkNamespaceSearchAttributes, searchAttributeSetupHelp } from './search-attributes';
import { createLogger, installRuntime, parseTelemetryConfig, workerInterceptors } from './telemetry';
import type { TelemetryConfig } from './telemetry';
import { restoreWorkerTuning } from './tuning';
import { WORKFLOW_PRELOAD_MODULES } from './workflow-preload';

/** gRPC status codes the startup checks explain. */
const GRPC = { NOT_FOUND: 5, PERMISSION_DENIED: 7, UNIMPLEMENTED: 12, UNAUTHENTICATED: 16 } as const;

/** A startup problem with the message the operator needs; the worker exits 1 after logging it. */
export class WorkerStartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerStartupError';
  }
}

/**
 * Where the workflow code comes from: the prebuilt bundle in production (built with the workflow interceptors), the
 * sources in development (the worker then bundles them with the interceptors: see `workerInterceptors`).
 */
export function workflowSource(
  bundlePath = WORKFLOW_BUNDLE_PATH
): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath' | 'bundlerOptions'> {
  if (fs.existsSync(bundlePath)) return { workflowBundle: { codePath: bundlePath } };
  return {
    workflowsPath: require.resolve('../workflows'),
    bundlerOptions: { preloadModules: WORKFLOW_PRELOAD_MODULES },
  };
}

/** Runs the worker until SIGINT/SIGTERM. Returns the process exit code: 0 after a clean shutdown, 1 on error. */
export interface RunWorkerOptions {
  /** AWS client settings, e.g. SDK middleware for tracing (the demo attaches the AWS simulator here). */
  awsClients?: AwsClientFactoryOptions;
}

export async function runWorker(env: NodeJS.ProcessEnv = process.env, options: RunWorkerOptions = {}): Promise<number> {
  let config: WorkerConfig;
  let telemetry: TelemetryConfig;
  try {
    config = parseWorkerConfig(env);
    telemetry = parseTelemetryConfig(env);
  } catch (err) {
    if (err instanceof WorkerConfigError) {
      console.error(`aurora-restore worker: ${err.message}`);
      return 1;
    }
    throw err;
  }

  // Before any connection: the Runtime owns logging and the shutdown signals for everything created after it.
  // Our own messages go straight to the logger: the Runtime's forwarding buffer is dropped once the Runtime shuts
  // down (when the last connection closes), which is exactly when the final error would be logged.
  // Metrics (Prometheus endpoint) and the log format: telemetry.ts.
  const logger = createLogger(config.logLevel, telemetry.logFormat);
  try {
    installRuntime(logger, config.logLevel, telemetry);
  } catch (err) {
    console.error(`aurora-restore worker: ${errorMessage(err)}`);
    return 1;
  }

  try {
    await serve(config, telemetry, logger, options);
    logger.info('Worker stopped cleanly');
    return 0;
  } catch (err) {
    if (err instanceof WorkerStartupError) {
      logger.error(err.message);
    } else {
      const message = err instanceof Error ? err.message : String(err);
      logger.error(`Worker stopped with an error: ${message}`, { error: err });
    }
    return 1;
  }
}

async function serve(
  config: WorkerConfig,
  telemetry: TelemetryConfig,
  logger: Logger,
  options: RunWorkerOptions
): Promise<void> {
  const { connection, namespace, address } = await connectTemporal(
    (connectionOptions) => NativeConnection.connect(connectionOptions),
    (message) => new WorkerStartupError(message),
    { fixSettings: 'Fix the profile file or the variables and start the worker again.' }
  );

  const rdsCallBudget = new CallBudget(config.rdsCallsPerSecond);
  const clients = createAwsClientFactory({
    ...options.awsClients,
    rdsCallBudget,
    meter: Runtime.instance().metricMeter,
    logger,
  });
  let fleet: FleetWatch | undefined;
  let expiries: ExpiryWatch | undefined;
  try {
    const workers: Worker[] = [];
    if (config.roles.includes('restore')) {
      if (config.skipSearchAttributeCheck) {
        logger.warn(`Search attribute check skipped (${WORKER_ENV.skipSearchAttributeCheck} is set)`);
      } else {
        await verifySearchAttributes(connection, namespace);
      }
      const source = workflowSource();
      const restoreWorker = await Worker.create({
        connection,
        namespace,
        taskQueue: config.taskQueue,
        dataConverter: config.dataConverter,
        ...source,
        interceptors: workerInterceptors({ workflowModules: !source.workflowBundle }),
        activities: createActivities({ clients, maxConcurrentCopies: config.maxConcurrentCopies }),
        shutdownGraceTime: config.shutdownGraceTime,
        ...restoreWorkerTuning(config),
        ...(config.maxTaskQueueActivitiesPerSecond !== undefined
          ? { maxTaskQueueActivitiesPerSecond: config.maxTaskQueueActivitiesPerSecond }
          : {}),
        ...workerDeploymentOptions(config.deploymentVersion),
      });
      workers.push(restoreWorker);
      const heapWarning = heapLimitWarning(config.maxCachedWorkflows);
      if (heapWarning) logger.warn(heapWarning);
      logger.info('Restore worker started', {
        address,
        namespace,
        taskQueue: config.taskQueue,
        workflowCode: source.workflowBundle ? 'prebuilt bundle' : 'bundled at startup (development)',
        maxConcurrentActivityTaskExecutions: config.maxConcurrentActivityTaskExecutions,
        maxTaskQueueActivitiesPerSecond: config.maxTaskQueueActivitiesPerSecond ?? 'unlimited',
        rdsCallsPerSecond: config.rdsCallsPerSecond,
        maxConcurrentCopies: config.maxConcurrentCopies,
        maxCachedWorkflows: config.maxCachedWorkflows,
        deploymentVersion: config.deploymentVersion ?? 'unversioned',
        payloadCodec: config.dataConverter.payloadCodecs?.length ? 'AES-256-GCM' : 'none (plain JSON payloads)',
      });
      const self = restoreWorker.options.identity;
      reportDeploymentVersion(connection, namespace, config, self, logger);
      // The RDS call budget is shared by every worker polling this task queue: recount them now and then.
      fleet = watchFleet(rdsCallBudget, () => countActivityWorkers(connection, namespace, config.taskQueue, self), {
        onChange: (restoreWorkers) =>
          logger.info('RDS call budget shared anew', {
            restoreWorkers,
            fleetCallsPerSecond: config.rdsCallsPerSecond,
            thisWorkerCallsPerSecond: rdsCallBudget.share(),
          }),
        onError: (err) =>
          logger.warn('Could not count the restore workers sharing the RDS call budget; keeping the last count', {
            error: errorMessage(err),
          }),
      });
    }
    if (config.roles.includes('restore') && telemetry.metricsAddress) {
      const meter = Runtime.instance().metricMeter;
      expiries = watchExpiringClusters(connection, namespace, config.taskQueue, meter, logger);
    }
    if (config.roles.includes('database')) {
      workers.push(
        await Worker.create({
          connection,
          namespace,
          taskQueue: DB_TASK_QUEUE,
          dataConverter: config.dataConverter,
          interceptors: workerInterceptors({ workflowModules: false }),
          activities: createDatabaseActivities({ clients, policy: config.database }),
          shutdownGraceTime: config.shutdownGraceTime,
          maxConcurrentActivityTaskExecutions: config.maxConcurrentActivityTaskExecutions,
        })
      );
      logger.info('Database worker started', { address, namespace, taskQueue: DB_TASK_QUEUE });
    }
    // Resolves once the Runtime has shut the workers down on SIGINT/SIGTERM and running activities have finished
    // (or the 30s grace time has passed).
    // If one of them fails, the other is shut down too: a half-serving process would hide the problem.
    const results = await Promise.allSettled(
      workers.map((w) =>
        w.run().catch((err: unknown) => {
          for (const other of workers) if (other.getState() === 'RUNNING') other.shutdown();
          throw err;
        })
      )
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  } finally {
    fleet?.stop();
    expiries?.stop();
    clients.destroy();
    await connection.close();
  }
}

/**
 * With versioning on: makes this version current when its deployment has none (a first install), else says whether
 * it gets new workflows and how to make it current. In the background: the version exists once the worker polls.
 */
function reportDeploymentVersion(
  connection: NativeConnection,
  namespace: string,
  config: WorkerConfig,
  identity: string,
  logger: Logger
): void {
  const version = config.deploymentVersion;
  if (!version) return;
  const name = `${version.deploymentName}:${version.buildId}`;
  const promote = `temporal worker deployment set-current-version --deployment-name ${version.deploymentName} --build-id ${version.buildId}`;
  claimCurrentVersionIfNone(connection, namespace, version, identity).then(
    (routing) => {
      if (routing.kind === 'made-current') {
        logger.info(`Worker Deployment Version ${name} made current: the deployment had no current version`);
      } else if (routing.kind === 'current') {
        logger.info(`Worker Deployment Version ${name} is current: new workflows start on it`);
      } else if (routing.kind === 'not-current') {
        logger.warn(
          `Worker Deployment Version ${name} is not current (current: ${routing.current ?? 'unversioned workers'}` +
            `${routing.ramping ? `, ramping: ${routing.ramping}` : ''}): it runs the workflows pinned to it and gets ` +
            `new ones once made current: ${promote}`
        );
      } else {
        logger.warn(`Worker Deployment Version ${name} not seen by the server yet; to route new workflows: ${promote}`);
      }
    },
    (err: unknown) =>
      logger.warn(`Could not read Worker Deployment ${version.deploymentName}: ${errorMessage(err)}`, {
        makeCurrent: promote,
      })
  );
}

async function verifySearchAttributes(connection: NativeConnection, namespace: string): Promise<void> {
  let check;
  try {
    check = await checkNamespaceSearchAttributes(connection, namespace);
  } catch (err) {
    const code = (err as { code?: number }).code;
    const skip = `${WORKER_ENV.skipSearchAttributeCheck}=1`;
    if (code === GRPC.NOT_FOUND) {
      throw new WorkerStartupError(
        `Namespace "${namespace}" does not exist on this Temporal server: create it (\`temporal operator namespace create --namespace ${namespace}\`) or set TEMPORAL_NAMESPACE to an existing one.`
      );
    }
    if (code === GRPC.PERMISSION_DENIED || code === GRPC.UNAUTHENTICATED || code === GRPC.UNIMPLEMENTED) {
      throw new WorkerStartupError(
        `Could not check the search attributes of namespace "${namespace}" (${errorMessage(err)}). If these ` +
          `credentials may not list search attributes and the attributes are registered, set ${skip} to skip the check.`
      );
    }
    throw new WorkerStartupError(
      `Could not check the search attributes of namespace "${namespace}": ${errorMessage(err)}. ` +
        `Check the connection settings; ${skip} skips this check.`
    );
  }
  if (check.missing.length > 0 || check.wrongType.length > 0) {
    throw new WorkerStartupError(searchAttributeSetupHelp(check, namespace, WORKER_ENV.skipSearchAttributeCheck));
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

if (require.main === module) {
  runWorker().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error('aurora-restore worker crashed:', err);
      process.exitCode = 1;
    }
  );
}
