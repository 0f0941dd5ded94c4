/**
 * The simulator's timeline kept in a state file: a simulator started again on the same file (as a restarted worker
 * does) sees the operations of the previous one still in progress, with the same remaining time, and forced statuses
 * still in force. Without it, a restarted worker would find every in-flight AWS operation finished at once. The
 * simulator's own bookkeeping of what moto gets wrong is kept there too: renamed clusters' members, cluster states
 * (a master password reset, a stop) and copy-on-write clone chains.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {
  CreateDBInstanceCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  ModifyDBClusterCommand,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBClusterToPointInTimeCommand,
} from '@aws-sdk/client-rds';
import type { RDSClient } from '@aws-sdk/client-rds';

import { AwsSimulator } from '../../sim/aws-simulator';
import type { AwsClientFactory } from '../../src/activities/aws-clients';
import { useMoto } from '../support/fixtures/moto';
import { motoClientFactory, seedSourceCluster, uniqueName } from '../support/moto';

const REGION = 'us-east-1';
/** An account of this suite's own, apart from other suites' resources. */
const ACCOUNT = '444444444444';

describe('AwsSimulator state file (timeline across restarts)', function () {
  let dir: string;
  let stateFile: string;
  let clock: number;
  const opened: { sim: AwsSimulator; factory: AwsClientFactory }[] = [];

  useMoto();

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-state-'));
    stateFile = path.join(dir, 'timeline.json');
    clock = Date.UTC(2030, 0, 1, 12);
  });

  afterEach(() => {
    for (const { sim, factory } of opened.splice(0)) {
      factory.destroy();
      sim.destroy();
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A simulator on the suite's state file (a worker process starting) and an RDS client it decorates. */
  function startSimulator(): { sim: AwsSimulator; rds: RDSClient } {
    const sim = new AwsSimulator({ clock: () => clock, stateFile });
    const factory = motoClientFactory({ decorate: sim.decorate, workerAccountId: ACCOUNT });
    opened.push({ sim, factory });
    return { sim, rds: factory.rds({ region: REGION }) };
  }

  async function clusterStatus(rds: RDSClient, id: string): Promise<string | undefined> {
    const out = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }));
    return out.DBClusters?.[0]?.Status;
  }

  async function instanceStatus(rds: RDSClient, id: string): Promise<string | undefined> {
    const out = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
    return out.DBInstances?.[0]?.DBInstanceStatus;
  }

  async function restoreWithInstance(rds: RDSClient): Promise<{ clusterId: string; instanceId: string }> {
    const seeded = await seedSourceCluster({
      region: REGION,
      accountId: ACCOUNT,
      clusterId: uniqueName('persist-src'),
      withSnapshot: uniqueName('persist-snap'),
    });
    assert.ok(seeded.snapshot);
    const clusterId = uniqueName('persist-restored');
    const instanceId = `${clusterId}-1`;
    await rds.send(
      new RestoreDBClusterFromSnapshotCommand({
        DBClusterIdentifier: clusterId,
        SnapshotIdentifier: seeded.snapshot.identifier,
        Engine: 'aurora-postgresql',
      })
    );
    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: instanceId,
        DBClusterIdentifier: clusterId,
        DBInstanceClass: 'db.r6g.large',
        Engine: 'aurora-postgresql',
      })
    );
    return { clusterId, instanceId };
  }

  it('a restarted simulator still reports a restore in progress, and ends it at the same time', async () => {
    const first = startSimulator();
    const { clusterId, instanceId } = await restoreWithInstance(first.rds);
    clock += first.sim.timings.clusterRestore / 2;
    assert.equal(await clusterStatus(first.rds, clusterId), 'creating');
    first.sim.destroy();

    const second = startSimulator();
    assert.equal(await clusterStatus(second.rds, clusterId), 'creating', 'the restore must survive the restart');
    assert.equal(await instanceStatus(second.rds, instanceId), 'creating');
    clock += second.sim.timings.clusterRestore / 2 - 1;
    assert.notEqual(await clusterStatus(second.rds, clusterId), 'available', 'the remaining time must be the same');
    clock += 1;
    assert.equal(await clusterStatus(second.rds, clusterId), 'available');
    clock += second.sim.timings.instanceCreate;
    assert.equal(await instanceStatus(second.rds, instanceId), 'available');
  });

  it('a restarted simulator reports a deletion in progress from the description kept in the file', async () => {
    const first = startSimulator();
    const { instanceId } = await restoreWithInstance(first.rds);
    clock += first.sim.timings.clusterRestore + first.sim.timings.instanceCreate;
    await first.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: instanceId, SkipFinalSnapshot: true }));
    first.sim.destroy();

    const second = startSimulator();
    const out = await second.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: instanceId }));
    const instance = out.DBInstances?.[0];
    assert.equal(instance?.DBInstanceStatus, 'deleting');
    // Dates in the kept description come back as dates, as the SDK gives them.
    assert.ok(
      instance?.InstanceCreateTime instanceof Date,
      `InstanceCreateTime: ${String(instance?.InstanceCreateTime)}`
    );
  });

  it('a restarted simulator keeps forced statuses', async () => {
    const first = startSimulator();
    const { clusterId } = await restoreWithInstance(first.rds);
    await first.sim.forceStatus({ kind: 'cluster', id: clusterId, status: 'incompatible-restore', after: 1000 });
    first.sim.destroy();

    const second = startSimulator();
    clock += 1000;
    assert.equal(await clusterStatus(second.rds, clusterId), 'incompatible-restore');
  });

  /** A restored cluster with its instance, both available. */
  async function availableClusterWithInstance(
    sim: AwsSimulator,
    rds: RDSClient
  ): Promise<{ clusterId: string; instanceId: string }> {
    const restored = await restoreWithInstance(rds);
    clock += sim.timings.clusterRestore + sim.timings.instanceCreate;
    assert.equal(await clusterStatus(rds, restored.clusterId), 'available');
    return restored;
  }

  it('a restarted simulator keeps a renamed cluster its members (moto files them under the old name)', async () => {
    const first = startSimulator();
    const { clusterId, instanceId } = await availableClusterWithInstance(first.sim, first.rds);
    const renamed = uniqueName('persist-renamed');
    await first.rds.send(
      new ModifyDBClusterCommand({
        DBClusterIdentifier: clusterId,
        NewDBClusterIdentifier: renamed,
        ApplyImmediately: true,
      })
    );
    clock += first.sim.timings.clusterRename;
    first.sim.destroy();

    const second = startSimulator();
    const instance = (await second.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: instanceId })))
      .DBInstances?.[0];
    assert.equal(instance?.DBClusterIdentifier, renamed, 'the instance belongs to the renamed cluster');
    const cluster = (await second.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: renamed })))
      .DBClusters?.[0];
    assert.deepEqual(
      cluster?.DBClusterMembers?.map((m) => m.DBInstanceIdentifier),
      [instanceId],
      'the renamed cluster lists its instance'
    );
  });

  it('a restarted simulator still reports a master password reset in progress', async () => {
    const first = startSimulator();
    const { clusterId } = await availableClusterWithInstance(first.sim, first.rds);
    await first.rds.send(
      new ModifyDBClusterCommand({
        DBClusterIdentifier: clusterId,
        MasterUserPassword: 'Persist-pass-1',
        ApplyImmediately: true,
      })
    );
    clock += first.sim.timings.masterCredentialsReset / 2;
    first.sim.destroy();

    const second = startSimulator();
    assert.equal(await clusterStatus(second.rds, clusterId), 'resetting-master-credentials');
    clock += second.sim.timings.masterCredentialsReset / 2;
    assert.equal(await clusterStatus(second.rds, clusterId), 'available');
  });

  it('a restarted simulator keeps copy-on-write clone chains', async () => {
    const first = startSimulator();
    const { clusterId } = await availableClusterWithInstance(first.sim, first.rds);
    const cloneId = uniqueName('persist-clone');
    await first.rds.send(
      new RestoreDBClusterToPointInTimeCommand({
        DBClusterIdentifier: cloneId,
        SourceDBClusterIdentifier: clusterId,
        RestoreType: 'copy-on-write',
        UseLatestRestorableTime: true,
      })
    );
    const groupIn = async (rds: RDSClient, id: string) =>
      (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }))).DBClusters?.[0]?.CloneGroupId;
    const group = await groupIn(first.rds, cloneId);
    assert.ok(group, 'the clone reports its chain');
    first.sim.destroy();

    const second = startSimulator();
    assert.equal(await groupIn(second.rds, clusterId), group);
    assert.equal(await groupIn(second.rds, cloneId), group);
  });

  it('stretches new operations by the given factor (random delays of AWS states)', async () => {
    const sim = new AwsSimulator({ clock: () => clock, stateFile, stretch: () => 2 });
    const factory = motoClientFactory({ decorate: sim.decorate, workerAccountId: ACCOUNT });
    opened.push({ sim, factory });
    const rds = factory.rds({ region: REGION });
    const { clusterId } = await restoreWithInstance(rds);
    clock += sim.timings.clusterRestore;
    assert.notEqual(await clusterStatus(rds, clusterId), 'available');
    clock += sim.timings.clusterRestore;
    assert.equal(await clusterStatus(rds, clusterId), 'available');
  });
});
