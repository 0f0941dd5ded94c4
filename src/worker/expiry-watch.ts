/**
 * The `aurora_restore_clusters_expiring_soon` gauge: how many restored clusters of this worker's task queue their
 * expiry deletes within the next 24 hours. Counted from Temporal visibility (running `clusterExpiry` workflows by
 * their `AuroraRestoreExpiresAt` search attribute), because an expiry workflow sleeps until its time and is not in
 * any worker's memory meanwhile. Every restore worker of the queue reports the same number: alert on `max()`.
 */
import type { Logger, MetricGauge, MetricMeter } from '@temporalio/common';
import type { NativeConnection } from '@temporalio/worker';

import { EXPIRING_SOON_MS, METRICS } from '../domain/metrics';
import { SA_EXPIRES_AT } from '../workflows/messages';

import { refreshCount } from './periodic-count';
import type { PeriodicCount } from './periodic-count';

/** How often the count is refreshed. */
export const EXPIRY_WATCH_REFRESH_MS = 30_000;

/** The visibility query: running expiries of `taskQueue` due before `before`. */
export function expiringSoonQuery(taskQueue: string, before: Date): string {
  const queue = taskQueue.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
  return (
    `WorkflowType = 'clusterExpiry' AND ExecutionStatus = 'Running' AND TaskQueue = '${queue}' ` +
    `AND ${SA_EXPIRES_AT.name} < '${before.toISOString()}'`
  );
}

/** Counts the running expiries of `taskQueue` due within `EXPIRING_SOON_MS` of `now`. */
export async function countClustersExpiringSoon(
  connection: Pick<NativeConnection, 'workflowService'>,
  namespace: string,
  taskQueue: string,
  now = new Date()
): Promise<number> {
  const response = await connection.workflowService.countWorkflowExecutions({
    namespace,
    query: expiringSoonQuery(taskQueue, new Date(now.getTime() + EXPIRING_SOON_MS)),
  });
  return Number(response.count ?? 0);
}

export type ExpiryWatch = PeriodicCount;

/**
 * Sets `gauge` to the count now and every `refreshMs`. A failed count leaves the last value and is reported through
 * `onError`: a visibility hiccup must not stop the worker.
 */
export function watchExpiries(
  gauge: Pick<MetricGauge, 'set'>,
  count: () => Promise<number>,
  options: { refreshMs?: number; onError?: (err: unknown) => void } = {}
): ExpiryWatch {
  const { refreshMs = EXPIRY_WATCH_REFRESH_MS, onError } = options;
  return refreshCount(count, (value) => gauge.set(value), refreshMs, onError);
}

/** The gauge of `meter`, kept current for `taskQueue`; count failures are logged as warnings. */
export function watchExpiringClusters(
  connection: Pick<NativeConnection, 'workflowService'>,
  namespace: string,
  taskQueue: string,
  meter: MetricMeter,
  logger: Logger
): ExpiryWatch {
  const { name, help } = METRICS.clustersExpiringSoon;
  return watchExpiries(
    meter.createGauge(name, 'int', undefined, help),
    () => countClustersExpiringSoon(connection, namespace, taskQueue),
    {
      onError: (err) =>
        logger.warn('Could not count the clusters expiring soon; the metric keeps its last value', {
          metric: name,
          error: err instanceof Error ? err.message : String(err),
        }),
    }
  );
}
