/**
 * Live cluster sources and AWS Backup snapshots on moto behind the simulation layer: the point-in-time window, clones
 * and their limits (which moto ignores: the simulator follows AWS there), and `awsbackup:` snapshots (which moto
 * stores as manual: the simulator reports them as AWS does, type `awsbackup`).
 */
import assert from 'node:assert/strict';

import {
  CreateDBClusterSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  RestoreDBClusterToPointInTimeCommand,
} from '@aws-sdk/client-rds';
import type { RDSClient } from '@aws-sdk/client-rds';
import { ApplicationFailure } from '@temporalio/common';

import { AwsSimulator } from '../../sim/aws-simulator';
import { createClusterSourceActivities, MAX_CLONES_PER_CHAIN } from '../../src/activities/cluster-sources';
import { createSnapshotActivities } from '../../src/activities/snapshots';
import type { RestoreClusterToPointInTimeInput } from '../../src/activities/types';
import type { SourceClusterInfo } from '../../src/domain/aws-shapes';
import { pipelineTags, TAG_OPERATION_ID } from '../../src/domain/naming';
import { useMoto } from '../support/fixtures/moto';
import {
  addMemberInstance,
  motoClientFactory,
  MOTO_DEFAULT_ACCOUNT,
  seedSourceCluster,
  uniqueName,
} from '../support/moto';

const REGION = 'ap-southeast-2';
const target = { region: REGION };
const MINUTE = 60_000;

async function failureOf(promise: Promise<unknown>, type: string): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e
  );
  assert.ok(err instanceof ApplicationFailure, `expected ${type}, got ${String(err)}`);
  assert.equal(err.type, type, err.message);
  assert.equal(err.nonRetryable, true);
  return err;
}

describe('live cluster sources and AWS Backup snapshots (moto + simulator)', function () {
  this.timeout(60_000);
  const moto = useMoto();
  // AWS time two hours after the clusters are made, so that their restorable window is open.
  const clock = Date.now() + 2 * 60 * MINUTE;
  const sim = new AwsSimulator({ clock: () => clock });
  const factory = motoClientFactory({ decorate: sim.decorate, workerAccountId: MOTO_DEFAULT_ACCOUNT });
  const sources = createClusterSourceActivities({ clients: factory });
  const snapshots = createSnapshotActivities({ clients: factory });
  let simRds: RDSClient;
  let plain: RDSClient;
  let sourceId: string;

  before(async () => {
    simRds = factory.rds(target);
    plain = moto.clients(REGION).rds;
    sourceId = uniqueName('pitr-src');
    await seedSourceCluster({ region: REGION, clusterId: sourceId, tags: { owner: 'orders-team' } });
    await addMemberInstance(REGION, sourceId, `${sourceId}-1`, { managed: false });
  });
  after(() => {
    factory.destroy();
    sim.destroy();
  });

  function restoreInput(clusterId: string, extra: Partial<RestoreClusterToPointInTimeInput>) {
    const operationId = `op-${clusterId}`;
    return {
      target,
      clusterId,
      sourceClusterId: sourceId,
      restoreType: 'full-copy' as const,
      settings: { engine: 'aurora-postgresql', deletionProtection: false },
      operationId,
      tags: pipelineTags(operationId, `arn:aws:rds:${REGION}:${MOTO_DEFAULT_ACCOUNT}:cluster:${sourceId}`),
      ...extra,
    };
  }

  async function window(): Promise<SourceClusterInfo> {
    return sources.resolveSourceCluster({ target, ref: { kind: 'point-in-time', clusterId: sourceId, latest: true } });
  }

  it('reports the restorable window as AWS does: from creation to about 5 minutes before now', async () => {
    const info = await window();
    assert.equal(info.identifier, sourceId);
    assert.equal(info.useLatestRestorableTime, true);
    assert.ok(info.earliestRestorableTime && info.latestRestorableTime);
    assert.equal(Date.parse(info.latestRestorableTime), clock - 5 * MINUTE);
    assert.ok(Date.parse(info.earliestRestorableTime) <= Date.now(), 'the window starts at the cluster creation');
    assert.equal(info.instanceCount, 1);
  });

  it('restores to a time inside the window, tagged as this operation, and adopts it on a retry', async () => {
    const info = await window();
    const inside = new Date(
      (Date.parse(info.earliestRestorableTime!) + Date.parse(info.latestRestorableTime!)) / 2
    ).toISOString();
    const resolved = await sources.resolveSourceCluster({
      target,
      ref: { kind: 'point-in-time', clusterId: sourceId, time: inside },
    });
    assert.equal(resolved.restoreToTime, inside);
    const newId = uniqueName('pitr-new');
    const input = restoreInput(newId, { restoreToTime: inside });
    const first = await sources.restoreClusterToPointInTime(input);
    assert.equal(first.adopted, false);
    assert.match(first.clusterArn, new RegExp(`:cluster:${newId}$`));
    const again = await sources.restoreClusterToPointInTime(input);
    assert.deepEqual(again, { clusterArn: first.clusterArn, adopted: true });
    const created = (await plain.send(new DescribeDBClustersCommand({ DBClusterIdentifier: newId }))).DBClusters![0];
    assert.equal(created.TagList?.find((t) => t.Key === TAG_OPERATION_ID)?.Value, input.operationId);
    // The simulator reports the restore in progress, as AWS would.
    const viaSim = (await simRds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: newId }))).DBClusters![0];
    assert.equal(viaSim.Status, 'creating');
    // The source cluster is untouched.
    const source = (await plain.send(new DescribeDBClustersCommand({ DBClusterIdentifier: sourceId }))).DBClusters![0];
    assert.deepEqual(
      source.TagList?.map((t) => t.Key),
      ['owner']
    );
  });

  for (const side of ['before', 'after'] as const) {
    it(`refuses a time ${side} the window, naming the valid window, before any change`, async () => {
      const info = await window();
      const edge = Date.parse(side === 'before' ? info.earliestRestorableTime! : info.latestRestorableTime!);
      const time = new Date(edge + (side === 'before' ? -MINUTE : MINUTE)).toISOString();
      const err = await failureOf(
        sources.resolveSourceCluster({ target, ref: { kind: 'point-in-time', clusterId: sourceId, time } }),
        'PointInTimeOutsideWindow'
      );
      assert.match(err.message, new RegExp(`${side} its (earliest|latest) restorable time`));
      assert.ok(err.message.includes(`${info.earliestRestorableTime} to ${info.latestRestorableTime}`), err.message);
      // The simulator refuses the call itself as AWS does (moto would restore anyway).
      await assert.rejects(
        simRds.send(
          new RestoreDBClusterToPointInTimeCommand({
            DBClusterIdentifier: uniqueName('never'),
            SourceDBClusterIdentifier: sourceId,
            RestoreToTime: new Date(time),
          })
        ),
        (e: Error) => e.name === 'InvalidRestoreFault'
      );
    });
  }

  it('refuses a source cluster that does not exist', async () => {
    const err = await failureOf(
      sources.resolveSourceCluster({ target, ref: { kind: 'clone', clusterId: 'no-such-cluster' } }),
      'SourceClusterNotFound'
    );
    assert.match(err.message, /no-such-cluster/);
  });

  it('clones an available cluster with an instance: a copy-on-write chain both report', async () => {
    const info = await sources.resolveSourceCluster({ target, ref: { kind: 'clone', clusterId: sourceId } });
    assert.equal(info.kind, 'clone');
    assert.equal(info.useLatestRestorableTime, true);
    const cloneId = uniqueName('clone');
    await sources.restoreClusterToPointInTime(restoreInput(cloneId, { restoreType: 'copy-on-write' }));
    const out = await simRds.send(new DescribeDBClustersCommand({}));
    const group = (id: string) => out.DBClusters?.find((c) => c.DBClusterIdentifier === id)?.CloneGroupId;
    assert.ok(group(sourceId));
    assert.equal(group(cloneId), group(sourceId));
    // A clone is ready in minutes: the simulator plans it with clusterClone, shorter than a restore.
    const activity = sim.operations({ kind: 'cluster', op: 'restore' }).find((a) => a.id === cloneId)!;
    assert.equal(activity.endMs - activity.startMs, sim.timings.clusterClone);
    assert.ok(sim.timings.clusterClone < sim.timings.clusterRestore);
  });

  it('refuses to clone a cluster without an instance, in the activity and in the simulated API', async () => {
    const lonely = uniqueName('no-inst');
    await seedSourceCluster({ region: REGION, clusterId: lonely });
    const err = await failureOf(
      sources.resolveSourceCluster({ target, ref: { kind: 'clone', clusterId: lonely } }),
      'CloneRefused'
    );
    assert.match(err.message, /no DB instance/);
    await assert.rejects(
      simRds.send(
        new RestoreDBClusterToPointInTimeCommand({
          DBClusterIdentifier: uniqueName('never'),
          SourceDBClusterIdentifier: lonely,
          RestoreType: 'copy-on-write',
          UseLatestRestorableTime: true,
        })
      ),
      (e: Error) => e.name === 'InvalidDBClusterStateFault'
    );
  });

  it('refuses a source in another region at the API, as AWS does', async () => {
    await assert.rejects(
      simRds.send(
        new RestoreDBClusterToPointInTimeCommand({
          DBClusterIdentifier: uniqueName('never'),
          SourceDBClusterIdentifier: `arn:aws:rds:us-east-1:${MOTO_DEFAULT_ACCOUNT}:cluster:${sourceId}`,
          RestoreType: 'copy-on-write',
          UseLatestRestorableTime: true,
        })
      ),
      (e: Error) => e.name === 'InvalidParameterValue'
    );
  });

  it(`refuses a clone once the chain has ${MAX_CLONES_PER_CHAIN} clones`, async () => {
    const root = uniqueName('chain');
    await seedSourceCluster({ region: REGION, clusterId: root });
    await addMemberInstance(REGION, root, `${root}-1`, { managed: false });
    for (let i = 0; i < MAX_CLONES_PER_CHAIN; i++) {
      await simRds.send(
        new RestoreDBClusterToPointInTimeCommand({
          DBClusterIdentifier: `${root}-c${i}`,
          SourceDBClusterIdentifier: root,
          RestoreType: 'copy-on-write',
          UseLatestRestorableTime: true,
        })
      );
    }
    const err = await failureOf(
      sources.resolveSourceCluster({ target, ref: { kind: 'clone', clusterId: root } }),
      'CloneRefused'
    );
    assert.match(err.message, new RegExp(`already has ${MAX_CLONES_PER_CHAIN} clones`));
  });

  it('finds an AWS Backup snapshot (awsbackup:job-...) by identifier and by ARN', async () => {
    const id = `awsbackup:job-${uniqueName('1a2b')}`;
    const made = await plain.send(
      new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: sourceId, DBClusterSnapshotIdentifier: id })
    );
    const arn = made.DBClusterSnapshot!.DBClusterSnapshotArn!;
    assert.ok(arn.endsWith(`:cluster-snapshot:${id}`));
    // As on AWS, a describe without SnapshotType lists automated and manual snapshots only.
    const plainDescribe = await simRds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: id }));
    assert.deepEqual(plainDescribe.DBClusterSnapshots, []);

    const byId = await snapshots.findSnapshot({ source: target, ref: { kind: 'identifier', identifier: id } });
    assert.equal(byId.identifier, id);
    assert.equal(byId.snapshotType, 'awsbackup');
    const byArn = await snapshots.findSnapshot({
      source: target,
      ref: { kind: 'arn', arn, region: REGION, accountId: MOTO_DEFAULT_ACCOUNT, identifier: id },
    });
    assert.equal(byArn.arn, arn);
    assert.equal(byArn.status, 'available');
  });
});
