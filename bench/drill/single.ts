/**
 * One 1 h cross-region restore (copy 19:47, restore 30:23, instances 9:50 min:s of AWS time: not multiples of a
 * poll interval, as in real life) on the time-skipping server, once per poll strategy: how much longer than AWS it
 * takes, how many status calls it makes per restore-hour, and how many of them look at snapshots (at real AWS
 * durations, unlike the compressed drill). A strategy is the request's `timing` (e.g. `{ pollInterval: '30s' }`, or
 * `{}` for the default), or `hinted`: the default after an earlier restore of the same source, whose wait durations
 * the workflow is given as hints (as a schedule passes its last run's), the nightly refresh's case.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';

import type { SimTimings } from '../../sim/aws-simulator';
import { waitHintsFromSteps } from '../../src/domain/poll-schedule';
import type { WaitHints } from '../../src/domain/poll-schedule';
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

/**
 * A poll strategy as the bench names it: `30s` (a fixed interval), `default` (the request leaves it unset) or
 * `hinted` (the default, with an earlier restore's wait durations).
 */
export function strategyTiming(name: string): Partial<TimingSpec> {
  return name === 'default' || name === 'hinted' ? {} : { pollInterval: name };
}

export interface SingleFigures {
  strategy: string;
  awsMs: number;
  workflowMs: number;
  statusCalls: number;
  /** DescribeDBClusterSnapshots calls of the whole restore (finding the source, the copy's wait, the delete guard). */
  snapshotDescribes: number;
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
      let hints: WaitHints | undefined;
      if (strategy === 'hinted') {
        // The earlier restore of the same source (not measured): its wait durations become the hints.
        const earlier = await startLikeCli(env, w.taskQueue, {
          ...request,
          target: { ...request.target, clusterId: uniqueName('one-prev') },
        });
        hints = waitHintsFromSteps((await earlier.result()).steps);
      }
      w.sim.resetMetrics();
      const handle = await startLikeCli(env, w.taskQueue, request, hints);
      const result = await handle.result();
      const calls = w.sim.calls();
      const t = w.sim.timings;
      return {
        strategy,
        awsMs: t.snapshotCopy + t.clusterRestore + t.instanceCreate,
        workflowMs: result.durationMs,
        statusCalls: STATUS_CALLS.reduce((sum, name) => sum + (calls[name] ?? 0), 0),
        snapshotDescribes: calls.DescribeDBClusterSnapshotsCommand ?? 0,
      };
    });
  } finally {
    w.sim.destroy();
  }
}
