/**
 * A cross-region drill: N restores of one source into one target region at once, on the dev server with AWS
 * durations compressed in wall-clock time. With RDS's 5 concurrent copies per region the physical bound is
 * ceil(N / 5) copy waves of one copy time each, then one restore (cluster and instances); the drill's total time is
 * measured against it, with the copy calls beyond one per restore (refused by AWS or cancelled after a race) and the
 * snapshot Describe calls per restore.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';

import { scaled } from '../../sim/aws-simulator';
import { seedSourceCluster, uniqueName } from '../../test/support/moto';
import { createSimulatedWorker } from '../../test/support/workflow-env';

import { restoreRequest, SOURCE_REGION, startLikeCli } from './history';
import { strategyTiming } from './single';

export const COPIES_PER_REGION = 5;

export interface WaveFigures {
  restores: number;
  failed: number;
  totalMs: number;
  boundMs: number;
  extraCopyCalls: number;
  snapshotDescribesPerRestore: number;
  /** The same, per activity type that made them (`-`: outside an activity). */
  snapshotDescribesByActivity: Record<string, number>;
}

export async function measureDrill(
  env: TestWorkflowEnvironment,
  options: { restores: number; compression: number; strategy: string }
): Promise<WaveFigures> {
  const timings = scaled(options.compression);
  const w = await createSimulatedWorker(env, { timings, maxConcurrentCopies: COPIES_PER_REGION });
  try {
    return await w.worker.runUntil(async () => {
      const clusterId = uniqueName('drill-src');
      const snapshotId = `${clusterId}-snap`;
      await seedSourceCluster({ region: SOURCE_REGION, clusterId, withSnapshot: snapshotId, encrypted: true });
      w.sim.resetMetrics();
      const started = Date.now();
      const handles = await Promise.all(
        Array.from({ length: options.restores }, () =>
          startLikeCli(env, w.taskQueue, {
            ...restoreRequest('cross-region', { clusterId, snapshotId }, uniqueName('drill'), '30s'),
            timing: strategyTiming(options.strategy),
          })
        )
      );
      const outcomes = await Promise.allSettled(handles.map((h) => h.result()));
      const totalMs = Date.now() - started;
      const calls = w.sim.calls();
      const waves = Math.ceil(options.restores / COPIES_PER_REGION);
      return {
        restores: options.restores,
        failed: outcomes.filter((o) => o.status === 'rejected').length,
        totalMs,
        boundMs: waves * timings.snapshotCopy + timings.clusterRestore + timings.instanceCreate,
        extraCopyCalls: (calls.CopyDBClusterSnapshotCommand ?? 0) - options.restores,
        snapshotDescribesPerRestore: (calls.DescribeDBClusterSnapshotsCommand ?? 0) / options.restores,
        snapshotDescribesByActivity: Object.fromEntries(
          Object.entries(w.sim.callsByActivity('DescribeDBClusterSnapshotsCommand')).map(([activity, n]) => [
            activity,
            n / options.restores,
          ])
        ),
      };
    });
  } finally {
    w.sim.destroy();
  }
}
