/**
 * The swap refresh (replace.strategy: swap) on the time-skipping server, with the real worker and activities against
 * moto behind the AWS simulation (renames take `clusterRename` / `instanceRename` of AWS time, read `renaming`, and
 * are refused while the new name is taken). Each scenario checks what AWS holds afterwards, not only what the
 * workflow says.
 */
import assert from 'node:assert/strict';

import { DescribeDBClustersCommand, DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import type { DBCluster, RDSClient } from '@aws-sdk/client-rds';
import { WorkflowFailedError } from '@temporalio/client';
import type { WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';

import {
  expiryWorkflowId,
  instanceIds,
  restoreWorkflowId,
  swapNames,
  TAG_MANAGED_BY,
  TAG_MANAGED_BY_VALUE,
  TAG_OPERATION_ID,
} from '../../src/domain/naming';
import type { RestoreRequest } from '../../src/domain/request';
import type { auroraRestore } from '../../src/workflows';
import { progressQuery } from '../../src/workflows/messages';
import type { RestoreProgress, RestoreResult } from '../../src/workflows/messages';
import { useWorkflowEnvironment } from '../support/fixtures/workflow';
import { recordHistory } from '../support/histories';
import {
  addMemberInstance,
  motoClientFactory,
  seedManagedCluster,
  seedSourceSnapshot,
  uniqueName,
} from '../support/moto';
import type { SimulatedWorker } from '../support/workflow-env';

const REGION = 'us-east-1';
const TIMINGS = {
  clusterRestore: 40 * 60_000,
  instanceCreate: 10 * 60_000,
  clusterRename: 2 * 60_000,
  instanceRename: 10 * 60_000,
};

type Outcome = { result?: RestoreResult; error?: WorkflowFailedError; progress: RestoreProgress };

describe('swap refresh (replace.strategy: swap) on moto + simulated AWS', function () {
  this.timeout(240_000);
  // A server per test: the keep scenario abandons a child (the old cluster's expiry), which can leave the Java test
  // server's time skipping locked for the tests after it (see WorkflowEnvironmentOptions.serverPerTest).
  const fixture = useWorkflowEnvironment({ serverPerTest: true });

  async function run(
    w: SimulatedWorker,
    request: RestoreRequest
  ): Promise<{ handle: WorkflowHandle<typeof auroraRestore>; outcome: Outcome }> {
    rds = motoClientFactory({ decorate: w.sim.decorate }).rds({ region: REGION });
    return w.worker.runUntil(async () => {
      const handle = await fixture.startRestore(request, { worker: w });
      const settled = await handle.result().then(
        (result) => ({ result }),
        (error: unknown) => {
          if (error instanceof WorkflowFailedError) return { error };
          throw error;
        }
      );
      const progress = await handle.query(progressQuery);
      return { handle, outcome: { ...settled, progress } };
    });
  }

  // What AWS holds, read through the simulator: moto alone orphans the instances of a renamed cluster.
  let rds: RDSClient;
  beforeEach(() => {
    rds = motoClientFactory().rds({ region: REGION });
  });

  async function describe(clusterId: string): Promise<DBCluster | undefined> {
    try {
      const out = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: clusterId }));
      return out.DBClusters?.[0];
    } catch (err) {
      if ((err as Error).name === 'DBClusterNotFoundFault') return undefined;
      throw err;
    }
  }

  async function instanceCluster(instanceId: string): Promise<{ cluster?: string; operation?: string } | undefined> {
    try {
      const out = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: instanceId }));
      const i = out.DBInstances?.[0];
      return { cluster: i?.DBClusterIdentifier, operation: i?.TagList?.find((t) => t.Key === TAG_OPERATION_ID)?.Value };
    } catch (err) {
      if ((err as Error).name === 'DBInstanceNotFoundFault') return undefined;
      throw err;
    }
  }

  /** A managed target from an earlier operation, with its writer and reader under the requested instance names. */
  async function seedTarget(prefix: string): Promise<{ targetId: string; resourceId: string }> {
    const targetId = uniqueName(prefix);
    await seedManagedCluster(REGION, targetId, 'op-previous');
    for (const id of instanceIds(targetId, 2)) await addMemberInstance(REGION, targetId, id, { managed: true });
    const found = await describe(targetId);
    assert.ok(found?.DbClusterResourceId);
    return { targetId, resourceId: found.DbClusterResourceId };
  }

  function request(
    source: { snapshotId: string },
    targetId: string,
    operationId: string,
    replace: RestoreRequest['replace'] = {}
  ): RestoreRequest {
    return {
      operationId,
      source: { region: REGION, snapshot: source.snapshotId },
      target: { region: REGION, clusterId: targetId, instanceCount: 2 },
      replace: { existing: true, ...replace },
      timing: { pollInterval: '30s' },
    };
  }

  function failureOf(outcome: Outcome): ApplicationFailure {
    assert.ok(outcome.error, `expected the restore to fail, got ${JSON.stringify(outcome.result)}`);
    const cause = outcome.error.cause;
    assert.ok(cause instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(cause)}`);
    return cause;
  }

  it('swaps: the old cluster serves untouched until the swap, then the target name holds the new one', async () => {
    const source = await seedSourceSnapshot({ region: REGION, prefix: 'swsrc' });
    const { targetId, resourceId } = await seedTarget('swap-ok');
    const operationId = uniqueName('op-swap');
    const names = swapNames(targetId, operationId, 2);
    const w = await fixture.createWorker({ timings: TIMINGS });
    const { handle, outcome } = await run(w, request(source, targetId, operationId));
    assert.ok(outcome.result, `restore failed: ${outcome.error?.cause?.message}`);
    const result = outcome.result;

    // The old cluster was not touched before the new one was ready: its first rename came after the new cluster's
    // restore and instances had ended, and nothing was deleted before that rename.
    const ops = w.sim.operations();
    const firstRename = ops.find((o) => o.op === 'rename');
    assert.ok(firstRename, 'no rename happened');
    assert.equal(firstRename.id, names.outgoingClusterId);
    const built = ops.filter((o) => o.op === 'restore' || o.op === 'create');
    assert.ok(built.length === 3 && built.every((o) => o.endMs <= firstRename.startMs), JSON.stringify(ops));
    assert.ok(ops.filter((o) => o.op === 'delete').every((o) => o.startMs > firstRename.startMs));
    assert.ok(
      built.every((o) => o.id.startsWith(names.incomingClusterId.slice(0, -4))),
      'built under temporary names'
    );

    // The target name holds the new cluster (this operation's tag, a new resource id), endpoints follow the name.
    const now = await describe(targetId);
    assert.ok(now);
    assert.notEqual(now.DbClusterResourceId, resourceId);
    assert.equal(now.TagList?.find((t) => t.Key === TAG_OPERATION_ID)?.Value, operationId);
    assert.ok(now.Endpoint?.startsWith(`${targetId}.`), now.Endpoint);
    assert.equal(result.endpoints.writerEndpoint, now.Endpoint);
    assert.equal(result.target.clusterArn, now.DBClusterArn);
    // The requested instance names belong to the new cluster.
    for (const id of instanceIds(targetId, 2)) {
      assert.deepEqual(await instanceCluster(id), { cluster: targetId, operation: operationId });
    }
    assert.deepEqual(
      result.endpoints.instances.map((i) => i.instanceId),
      instanceIds(targetId, 2)
    );
    // The old cluster (previous: delete, the default) is gone, and no temporary name is left.
    assert.equal(await describe(names.outgoingClusterId), undefined);
    assert.equal(await describe(names.incomingClusterId), undefined);

    // The swap window (the target's downtime) is two cluster renames, not the restore.
    const window = result.swap?.window;
    assert.ok(window?.durationMs !== undefined, JSON.stringify(result.swap));
    assert.ok(window.durationMs >= 2 * TIMINGS.clusterRename, `window ${window.durationMs} ms`);
    assert.ok(window.durationMs < 10 * 60_000, `window ${window.durationMs} ms`);
    assert.equal(result.swap?.previous?.action, 'deleted');
    assert.equal(result.swap?.previous?.problem, undefined);
    assert.equal(outcome.progress.swap?.window?.durationMs, window.durationMs);
    assert.equal(result.replacedExistingCluster, true);
    await recordHistory('replace-swap', handle);
  });

  it('fails before the swap: deletes only the new cluster, the old target never went down', async () => {
    const source = await seedSourceSnapshot({ region: REGION, prefix: 'swsrc' });
    const { targetId, resourceId } = await seedTarget('swap-early');
    const operationId = uniqueName('op-early');
    const names = swapNames(targetId, operationId, 2);
    const w = await fixture.createWorker({ timings: TIMINGS });
    await w.sim.forceStatus({
      kind: 'cluster',
      id: names.incomingClusterId,
      status: 'incompatible-restore',
      after: 60_000,
    });
    const { outcome } = await run(w, request(source, targetId, operationId));

    assert.equal(failureOf(outcome).type, 'ClusterRestoreFailed');
    const old = await describe(targetId);
    assert.equal(old?.DbClusterResourceId, resourceId, 'the target name still holds the old cluster');
    assert.equal(old?.Status, 'available');
    for (const id of instanceIds(targetId, 2)) {
      assert.deepEqual(await instanceCluster(id), { cluster: targetId, operation: undefined });
    }
    assert.equal(await describe(names.incomingClusterId), undefined, 'the new cluster is deleted');
    assert.equal(w.sim.calls()['ModifyDBInstanceCommand'] ?? 0, 0);
    assert.equal(w.sim.operations().filter((o) => o.op === 'rename').length, 0, 'the old cluster was never renamed');
  });

  it('fails in the middle of the swap: renames back, the target name holds the old cluster again', async () => {
    const source = await seedSourceSnapshot({ region: REGION, prefix: 'swsrc' });
    const { targetId, resourceId } = await seedTarget('swap-mid');
    const operationId = uniqueName('op-mid');
    const names = swapNames(targetId, operationId, 2);
    const w = await fixture.createWorker({ timings: TIMINGS });
    // The new cluster's rename into the target's name is refused (as a non-retryable AWS error).
    const fault = w.sim.injectFault({
      command: 'ModifyDBClusterCommand',
      error: 'InvalidParameterCombination',
      message: 'simulated refusal of the rename into the target name',
      match: (input) => input.NewDBClusterIdentifier === targetId,
    });
    const { outcome } = await run(w, request(source, targetId, operationId));

    assert.equal(fault.triggered, 1);
    const failure = failureOf(outcome);
    assert.equal(outcome.progress.failure?.step, 'rename-into-target', failure.message);
    const old = await describe(targetId);
    assert.equal(old?.DbClusterResourceId, resourceId, 'the old cluster got the target name back');
    assert.equal(old?.Status, 'available');
    assert.ok(old?.Endpoint?.startsWith(`${targetId}.`));
    for (const id of instanceIds(targetId, 2)) {
      assert.deepEqual(await instanceCluster(id), { cluster: targetId, operation: undefined });
    }
    assert.equal(await describe(names.outgoingClusterId), undefined);
    assert.equal(await describe(names.incomingClusterId), undefined, 'the new cluster is deleted');
    assert.deepEqual(outcome.progress.swap?.renamedBack, [`${names.outgoingClusterId} -> ${targetId}`]);
    assert.ok(outcome.progress.cleanup?.removed.some((r) => r.startsWith('renamed back')));
  });

  it('stops the old cluster with previous: stop', async () => {
    const source = await seedSourceSnapshot({ region: REGION, prefix: 'swsrc' });
    const { targetId, resourceId } = await seedTarget('swap-stop');
    const operationId = uniqueName('op-stop');
    const names = swapNames(targetId, operationId, 2);
    const w = await fixture.createWorker({ timings: TIMINGS });
    const { outcome } = await run(w, request(source, targetId, operationId, { previous: 'stop' }));
    assert.ok(outcome.result, `restore failed: ${outcome.error?.cause?.message}`);
    const old = await describe(names.outgoingClusterId);
    assert.equal(old?.DbClusterResourceId, resourceId);
    assert.ok(['stopping', 'stopped'].includes(old?.Status ?? ''), old?.Status);
    assert.equal(outcome.result.swap?.previous?.action, 'stopped');
    assert.equal(outcome.result.swap?.previous?.problem, undefined);
  });

  it('keeps the old cluster with previous: keep, under an expiry', async () => {
    const source = await seedSourceSnapshot({ region: REGION, prefix: 'swsrc' });
    const { targetId, resourceId } = await seedTarget('swap-keep');
    const operationId = uniqueName('op-keep');
    const names = swapNames(targetId, operationId, 2);
    const w = await fixture.createWorker({ timings: TIMINGS });
    const expiryId = expiryWorkflowId({ region: REGION, clusterId: names.outgoingClusterId });
    fixture.terminateAtEnd(expiryId);
    const { outcome } = await run(w, request(source, targetId, operationId, { previous: 'keep', keepFor: '3d' }));
    assert.ok(outcome.result, `restore failed: ${outcome.error?.cause?.message}`);
    const old = await describe(names.outgoingClusterId);
    assert.equal(old?.DbClusterResourceId, resourceId, 'the old cluster is kept under its outgoing name');
    const previous = outcome.result.swap?.previous;
    // The time-skipping server may jump past keepFor while the run releases its target lock (only timers are
    // pending then): the cluster may be deleted by its expiry, but never before the expiry's time.
    if (old?.Status !== 'available') {
      assert.equal(old?.Status, 'deleting');
      assert.ok(
        (await fixture.env.currentTimeMs()) >= Date.parse(previous?.expiresAt ?? ''),
        'deleted before its expiry'
      );
    }
    assert.equal(previous?.action, 'kept');
    assert.equal(previous?.expiryWorkflowId, expiryId);
    const expiry = await fixture.env.client.workflow.getHandle(expiryId).describe();
    assert.equal(expiry.type, 'clusterExpiry');
    // keepFor counts from the moment the old cluster is handed to its expiry, after the instance renames.
    const lifetime = Date.parse(previous?.expiresAt ?? '') - Date.parse(outcome.result.swap?.window?.endedAt ?? '');
    assert.ok(lifetime >= 3 * 86_400_000 && lifetime <= 3 * 86_400_000 + 3_600_000, `lifetime ${lifetime}`);
  });

  it('restores a managed cluster from its own snapshot with swap (rollback), and refuses it with delete-first', async () => {
    const { clusterId, snapshotId } = await seedSourceSnapshot({
      region: REGION,
      prefix: 'rollback',
      tags: { [TAG_MANAGED_BY]: TAG_MANAGED_BY_VALUE, [TAG_OPERATION_ID]: 'op-original' },
    });
    const w = await fixture.createWorker({ timings: TIMINGS });
    const refused = await run(w, {
      source: { region: REGION, snapshot: snapshotId },
      target: { region: REGION, clusterId },
      replace: { existing: true, strategy: 'delete-first' },
    });
    assert.equal(failureOf(refused.outcome).type, 'RefusedToTouchSourceCluster');
    assert.ok(await describe(clusterId), 'delete-first left the cluster alone');

    const w2 = await fixture.createWorker({ timings: TIMINGS });
    const operationId = uniqueName('op-rollback');
    const { outcome } = await run(w2, {
      operationId,
      source: { region: REGION, snapshot: snapshotId },
      target: { region: REGION, clusterId },
      replace: { existing: true },
    });
    assert.ok(outcome.result, `rollback failed: ${outcome.error?.cause?.message}`);
    const now = await describe(clusterId);
    assert.equal(now?.TagList?.find((t) => t.Key === TAG_OPERATION_ID)?.Value, operationId);
    assert.equal(restoreWorkflowId({ region: REGION, clusterId }), outcome.result.workflowId);
  });
});
