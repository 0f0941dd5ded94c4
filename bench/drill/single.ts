/**
 * One 1 h cross-region restore (copy 19:47, restore 30:23, instances 9:50 min:s of AWS time: not multiples of a
 * poll interval, as in real life) on the time-skipping
 * server, once per poll strategy: how much longer than AWS it takes, and how many status calls it makes per
 * restore-hour. A strategy is the request's `timing` (e.g. `{ pollInterval: '30s' }`, or `{}` for the default).
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';

import type { SimTimings } from '../../sim/aws-simulator';
import type { TimingSpec } from '../../src/domain/request';
import { seedSourceCluster, uniqueName } from '../../test/support/moto';
import { createSimulatedWorker } from '../../test/support/workflow-env';

import { restoreRequest, SOURCE_REGION, startLikeCli } from './history';

const MINUTE = 60_000;
const SECOND = 1000;
export const ONE_HOUR_RESTORE: Partial<SimTimings> = {
  snapshotCopy: 19 * MINUTE + 47 * SECOND,
  clusterRestore: 30 * MINUTE + 23 * SECOND,
  instanceCreate: 9 * MINUTE + 50 * SECOND,
};

/** A poll strategy as the bench names it: `30s` (a fixed interval) or `default` (the request leaves it unset). */
export function strategyTiming(name: string): Partial<TimingSpec> {
  return name === 'default' ? {} : { pollInterval: name };
}

export interface SingleFigures {
  strategy: string;
  awsMs: number;
  workflowMs: number;
  statusCalls: number;
}

const STATUS_CALLS = ['DescribeDBClusterSnapshotsCommand', 'DescribeDBClustersCommand', 'DescribeDBInstancesCommand'];

export async function measureSingle(env: TestWorkflowEnvironment, strategy: string): Promise<SingleFigures> {
  const w = await createSimulatedWorker(env, { timings: ONE_HOUR_RESTORE });
  try {
    return await w.worker.runUntil(async () => {
      const clusterId = uniqueName('one-src');
      const snapshotId = `${clusterId}-snap`;
      await seedSourceCluster({ region: SOURCE_REGION, clusterId, withSnapshot: snapshotId, encrypted: true });
      const request = {
        ...restoreRequest('cross-region', { clusterId, snapshotId }, uniqueName('one-tgt'), '30s'),
        timing: strategyTiming(strategy),
      };
      w.sim.resetMetrics();
      const handle = await startLikeCli(env, w.taskQueue, request);
      const result = await handle.result();
      const calls = w.sim.calls();
      const t = w.sim.timings;
      return {
        strategy,
        awsMs: t.snapshotCopy + t.clusterRestore + t.instanceCreate,
        workflowMs: result.durationMs,
        statusCalls: STATUS_CALLS.reduce((sum, name) => sum + (calls[name] ?? 0), 0),
      };
    });
  } finally {
    w.sim.destroy();
  }
}
