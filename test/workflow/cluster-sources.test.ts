/**
 * The restore workflow from a live cluster (source.pointInTime, source.clone) on the time-skipping server, with the
 * real worker and activities against moto behind the simulator: a new target, a replaced target, and the refusals
 * before any change.
 */
import assert from 'node:assert/strict';

import { CreateDBClusterSnapshotCommand, DescribeDBClustersCommand } from '@aws-sdk/client-rds';
import { WorkflowFailedError } from '@temporalio/client';
import type { WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';

import { restoreWorkflowId, TAG_OPERATION_ID } from '../../src/domain/naming';
import { planWorkflowId } from '../../src/domain/plan';
import type { RestorePlan } from '../../src/domain/plan';
import type { RestoreRequest } from '../../src/domain/request';
import { planRestore } from '../../src/workflows';
import type { auroraRestore } from '../../src/workflows';
import type { RestoreResult } from '../../src/workflows/messages';
import { useWorkflowEnvironment } from '../support/fixtures/workflow';
import { recordHistory } from '../support/histories';
import {
  addMemberInstance,
  clusterExists,
  motoClients,
  seedManagedCluster,
  seedSourceCluster,
  uniqueName,
} from '../support/moto';
import type { SimulatedWorker } from '../support/workflow-env';

const REGION = 'us-east-2';

describe('auroraRestore from a live cluster (point in time, clone)', function () {
  this.timeout(240_000);
  const fixture = useWorkflowEnvironment();

  /** A source cluster with one instance: what a clone needs. */
  async function seedLiveSource(): Promise<string> {
    const clusterId = uniqueName('live');
    await seedSourceCluster({ region: REGION, clusterId, tags: { owner: 'orders-team' } });
    await addMemberInstance(REGION, clusterId, `${clusterId}-1`, { managed: false });
    return clusterId;
  }

  async function run(
    w: SimulatedWorker,
    request: RestoreRequest
  ): Promise<{ handle: WorkflowHandle<typeof auroraRestore>; result?: RestoreResult; failure?: ApplicationFailure }> {
    return w.worker.runUntil(async () => {
      const handle = await fixture.startRestore(request, { worker: w, workflowId: restoreWorkflowId(request.target) });
      return handle.result().then(
        (result) => ({ handle, result }),
        (err: unknown) => {
          if (!(err instanceof WorkflowFailedError) || !(err.cause instanceof ApplicationFailure)) throw err;
          return { handle, failure: err.cause };
        }
      );
    });
  }

  async function describe(clusterId: string) {
    const out = await motoClients(REGION).rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: clusterId }));
    return out.DBClusters![0];
  }

  const completedSteps = (result: RestoreResult) =>
    result.steps.filter((s) => s.status === 'completed').map((s) => s.name);

  it('restores a new target to the latest restorable time: no share, no copy, the source untouched', async () => {
    const sourceId = await seedLiveSource();
    const targetId = uniqueName('pitr');
    const w = await fixture.createWorker({});
    const request: RestoreRequest = {
      source: { region: REGION, pointInTime: { clusterId: sourceId, latest: true } },
      target: { region: REGION, clusterId: targetId },
      timing: { pollInterval: '30s' },
    };
    const { handle, result, failure } = await run(w, request);
    assert.ok(result, `restore failed: ${failure?.message}`);
    assert.deepEqual(completedSteps(result), [
      'validate-request',
      'resolve-source',
      'check-target',
      'restore-cluster',
      'wait-for-cluster',
      'create-instances',
      'wait-for-instances',
    ]);
    assert.equal(result.snapshot, undefined);
    assert.equal(result.sourceCluster?.identifier, sourceId);
    assert.equal(result.sourceCluster?.kind, 'point-in-time');
    assert.equal(result.sourceCluster?.useLatestRestorableTime, true);
    assert.equal(w.sim.calls().RestoreDBClusterToPointInTimeCommand, 1);
    assert.equal(w.sim.calls().CopyDBClusterSnapshotCommand ?? 0, 0);
    const target = await describe(targetId);
    assert.ok(target.TagList?.some((t) => t.Key === TAG_OPERATION_ID));
    const source = await describe(sourceId);
    assert.deepEqual(source.TagList, [{ Key: 'owner', Value: 'orders-team' }]);
    await recordHistory('point-in-time-success', handle);
  });

  it('refuses a time before the restorable window, naming the window, and creates nothing', async () => {
    const sourceId = await seedLiveSource();
    const targetId = uniqueName('early');
    const w = await fixture.createWorker({});
    const { result, failure } = await run(w, {
      source: { region: REGION, pointInTime: { clusterId: sourceId, time: '2020-01-01T00:00:00Z' } },
      target: { region: REGION, clusterId: targetId },
    });
    assert.equal(result, undefined);
    assert.equal(failure?.type, 'PointInTimeOutsideWindow');
    assert.match(failure!.message, /before its earliest restorable time\. The valid window is \S+ to \S+/);
    assert.equal(await clusterExists(REGION, targetId), false);
    assert.equal(w.sim.calls().RestoreDBClusterToPointInTimeCommand ?? 0, 0);
  });

  it('refuses a time in the future before any AWS call', async () => {
    const w = await fixture.createWorker({});
    const { failure } = await run(w, {
      source: { region: REGION, pointInTime: { clusterId: 'orders-prod', time: '2999-01-01T00:00:00Z' } },
      target: { region: REGION, clusterId: uniqueName('future') },
    });
    assert.equal(failure?.type, 'InvalidRestoreRequest');
    assert.match(failure!.message, /source\.pointInTime\.time: "2999-01-01T00:00:00Z" is in the future/);
    assert.equal(w.sim.callCount(), 0);
  });

  it('replaces a managed target with a clone of the source', async () => {
    const sourceId = await seedLiveSource();
    const targetId = uniqueName('cl-repl');
    await seedManagedCluster(REGION, targetId);
    const w = await fixture.createWorker({});
    const { handle, result, failure } = await run(w, {
      source: { region: REGION, clone: { clusterId: sourceId } },
      target: { region: REGION, clusterId: targetId },
      replace: { existing: true },
    });
    assert.ok(result, `restore failed: ${failure?.message}`);
    assert.equal(result.replacedExistingCluster, true);
    // The default swap: the clone is built beside the old target and takes its name; nothing is deleted first.
    assert.ok(completedSteps(result).includes('rename-into-target'), completedSteps(result).join(', '));
    assert.ok(!completedSteps(result).includes('delete-target'));
    assert.equal(result.sourceCluster?.kind, 'clone');
    // The clone took the simulator's clone time, not a full restore's.
    const waited = result.steps.find((s) => s.name === 'wait-for-cluster')?.durationMs ?? 0;
    assert.ok(waited < w.sim.timings.clusterRestore, `wait-for-cluster took ${waited} ms`);
    assert.ok(waited >= w.sim.timings.clusterClone - 60_000, `wait-for-cluster took ${waited} ms`);
    const clone = await describe(targetId);
    assert.ok(clone.TagList?.some((t) => t.Key === TAG_OPERATION_ID));
    assert.equal(await clusterExists(REGION, sourceId), true);
    await recordHistory('clone-replace-success', handle);
  });

  it('refuses a clone into another region as an invalid request, before any change', async () => {
    const w = await fixture.createWorker({});
    const { failure } = await run(w, {
      source: { region: REGION, clone: { clusterId: 'orders-prod' } },
      target: { region: 'us-west-1', clusterId: uniqueName('xr-clone') },
    });
    assert.equal(failure?.type, 'InvalidRestoreRequest');
    assert.match(failure!.message, /a clone is made in the source cluster's own region \(us-east-2\)/);
    assert.equal(w.sim.callCount(), 0);
  });

  it('never replaces the source cluster: a clone of a managed cluster onto itself is refused', async () => {
    const w = await fixture.createWorker({});
    const { failure } = await run(w, {
      source: { region: REGION, clone: { clusterId: 'self-clone' } },
      target: { region: REGION, clusterId: 'self-clone' },
      replace: { existing: true },
    });
    assert.equal(failure?.type, 'InvalidRestoreRequest');
    assert.match(failure!.message, /is the source cluster/);
  });

  it('restores from an AWS Backup snapshot ARN (awsbackup:job-...)', async () => {
    const sourceId = await seedLiveSource();
    const backupId = `awsbackup:job-${uniqueName('1a2b')}`;
    const made = await motoClients(REGION).rds.send(
      new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: sourceId, DBClusterSnapshotIdentifier: backupId })
    );
    const arn = made.DBClusterSnapshot!.DBClusterSnapshotArn!;
    const targetId = uniqueName('from-backup');
    const w = await fixture.createWorker({});
    const { result, failure } = await run(w, {
      source: { region: REGION, snapshot: arn },
      target: { region: REGION, clusterId: targetId },
    });
    assert.ok(result, `restore failed: ${failure?.message}`);
    assert.equal(result.snapshot?.identifier, backupId);
    assert.equal(result.snapshot?.snapshotType, 'awsbackup');
    assert.equal(await clusterExists(REGION, targetId), true);
  });

  async function plan(w: SimulatedWorker, request: RestoreRequest): Promise<RestorePlan> {
    return w.worker.runUntil(async () => {
      const handle = await fixture.env.client.workflow.start(planRestore, {
        args: [request],
        taskQueue: w.taskQueue,
        workflowId: planWorkflowId(
          { region: request.target.region, clusterId: request.target.clusterId },
          uniqueName('p')
        ),
      });
      return handle.result();
    });
  }

  it('plans a clone: reports the source kind and cluster, and a clone AWS would refuse', async () => {
    const sourceId = await seedLiveSource();
    const w = await fixture.createWorker({});
    const ok = await plan(w, {
      source: { region: REGION, clone: { clusterId: sourceId } },
      target: { region: REGION, clusterId: uniqueName('plan-cl') },
    });
    assert.equal(ok.ok, true, JSON.stringify(ok.problems));
    assert.equal(ok.sourceKind, 'clone');
    assert.equal(ok.sourceCluster?.identifier, sourceId);
    assert.equal(ok.engine, 'aurora-postgresql');
    assert.equal(ok.snapshot, undefined);

    const lonely = uniqueName('plan-lonely');
    await seedSourceCluster({ region: REGION, clusterId: lonely });
    const refused = await plan(await fixture.createWorker({}), {
      source: { region: REGION, clone: { clusterId: lonely } },
      target: { region: REGION, clusterId: uniqueName('plan-cl') },
    });
    assert.equal(refused.ok, false);
    assert.deepEqual(
      refused.problems.map((p) => [p.code, p.field]),
      [['CloneRefused', 'source.clone']]
    );
    assert.equal(w.sim.calls().RestoreDBClusterToPointInTimeCommand ?? 0, 0);
  });

  it('plans a point in time outside the window as a problem naming the window', async () => {
    const sourceId = await seedLiveSource();
    const w = await fixture.createWorker({});
    const result = await plan(w, {
      source: { region: REGION, pointInTime: { clusterId: sourceId, time: '2020-01-01T00:00:00Z' } },
      target: { region: REGION, clusterId: uniqueName('plan-pit') },
    });
    assert.equal(result.sourceKind, 'point-in-time');
    assert.equal(result.ok, false);
    assert.equal(result.problems[0]?.code, 'PointInTimeOutsideWindow');
    assert.equal(result.problems[0]?.field, 'source.pointInTime');
    assert.match(result.problems[0]!.message, /The valid window is/);
  });
});
