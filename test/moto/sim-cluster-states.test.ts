/**
 * The simulator's cluster statuses after ModifyDBCluster, StopDBCluster and StartDBCluster, and the per-Region
 * uniqueness of instance identifiers, on real clients talking to moto with a manual clock (sim/cluster-states.ts
 * names the AWS documentation of each behaviour). Names are unique per test.
 */
import assert from 'node:assert/strict';

import {
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  DBInstanceAlreadyExistsFault,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  InvalidDBClusterStateFault,
  ModifyDBClusterCommand,
  StartDBClusterCommand,
  StopDBClusterCommand,
} from '@aws-sdk/client-rds';
import type { DBCluster, RDSClient } from '@aws-sdk/client-rds';

import { AwsSimulator } from '../../sim/aws-simulator';
import type { MasterPasswordApplied } from '../../sim/aws-simulator';
import type { AwsClientFactory } from '../../src/activities/aws-clients';
import { useMoto } from '../support/fixtures/moto';
import { motoClientFactory, uniqueName } from '../support/moto';

const MIN = 60_000;
const REGION = 'eu-central-1';
/** This suite's own account, apart from other suites' resources. */
const ACCOUNT = '444444444444';

async function refusal(promise: Promise<unknown>, name: string): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    assert.equal((err as Error).name, name, (err as Error).message);
    return err as Error;
  }
  assert.fail(`expected ${name}, but the call succeeded`);
}

describe('AwsSimulator cluster statuses on moto', function () {
  let clock: number;
  let sim: AwsSimulator;
  let factory: AwsClientFactory;
  let rds: RDSClient;

  useMoto();

  beforeEach(() => {
    clock = Date.UTC(2030, 5, 1, 12);
    sim = new AwsSimulator({
      clock: () => clock,
      timings: { masterCredentialsReset: 2 * MIN, clusterModify: 3 * MIN, clusterStop: 4 * MIN, clusterStart: 6 * MIN },
    });
    factory = motoClientFactory({ decorate: sim.decorate, workerAccountId: ACCOUNT });
    rds = factory.rds({ region: REGION });
  });

  afterEach(() => {
    factory.destroy();
    sim.destroy();
  });

  /** An available cluster (created by a fixture: no simulated creation). */
  async function cluster(): Promise<string> {
    const id = uniqueName('states');
    await rds.send(
      new CreateDBClusterCommand({
        DBClusterIdentifier: id,
        Engine: 'aurora-postgresql',
        MasterUsername: 'states_admin',
        MasterUserPassword: 'First-pass-1',
      })
    );
    assert.equal((await describe(id)).Status, 'available');
    return id;
  }

  async function describe(id: string): Promise<DBCluster> {
    const out = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }));
    const found = out.DBClusters?.[0];
    assert.ok(found, `cluster ${id} not found`);
    return found;
  }

  async function instanceStatus(id: string): Promise<string | undefined> {
    const out = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
    return out.DBInstances?.[0]?.DBInstanceStatus;
  }

  function addInstance(clusterId: string, instanceId: string) {
    return rds.send(
      new CreateDBInstanceCommand({
        DBClusterIdentifier: clusterId,
        DBInstanceIdentifier: instanceId,
        DBInstanceClass: 'db.serverless',
        Engine: 'aurora-postgresql',
      })
    );
  }

  it('resets master credentials for a while after a password change, with the change pending, then is available', async () => {
    const id = await cluster();
    await addInstance(id, `${id}-1`);
    clock += 20 * MIN; // the instance is available
    assert.equal(await instanceStatus(`${id}-1`), 'available');
    const applied: MasterPasswordApplied[] = [];
    sim.onMasterPasswordApplied((a) => {
      applied.push(a);
    });
    const start = clock;

    await rds.send(
      new ModifyDBClusterCommand({
        DBClusterIdentifier: id,
        MasterUserPassword: 'Second-pass-2',
        ApplyImmediately: true,
      })
    );
    let seen = await describe(id);
    assert.equal(seen.Status, 'resetting-master-credentials');
    assert.equal(seen.PendingModifiedValues?.MasterUserPassword, '****', 'pending, and never the password itself');
    assert.equal(await instanceStatus(`${id}-1`), 'resetting-master-credentials', 'members show it too');
    clock = start + 2 * MIN - 1;
    assert.equal((await describe(id)).Status, 'resetting-master-credentials');
    assert.deepEqual(applied, [], 'the new password does not work before the reset ends');

    clock = start + 2 * MIN;
    seen = await describe(id);
    assert.equal(seen.Status, 'available');
    assert.equal(seen.PendingModifiedValues?.MasterUserPassword, undefined);
    assert.equal(await instanceStatus(`${id}-1`), 'available');
    assert.deepEqual(applied, [{ account: ACCOUNT, region: REGION, clusterId: id, atMs: start + 2 * MIN }]);
    await describe(id);
    assert.equal(applied.length, 1, 'announced once');
  });

  it('resets master credentials when RDS takes over the password (ManageMasterUserPassword)', async () => {
    const id = await cluster();
    await rds.send(
      new ModifyDBClusterCommand({ DBClusterIdentifier: id, ManageMasterUserPassword: true, ApplyImmediately: true })
    );
    assert.equal((await describe(id)).Status, 'resetting-master-credentials');
    clock += 2 * MIN;
    assert.equal((await describe(id)).Status, 'available');
  });

  it('is modifying after other settings change, and stays available after flag-only changes', async () => {
    const id = await cluster();
    const start = clock;
    await rds.send(
      new ModifyDBClusterCommand({ DBClusterIdentifier: id, BackupRetentionPeriod: 7, ApplyImmediately: true })
    );
    assert.equal((await describe(id)).Status, 'modifying');
    clock = start + 3 * MIN;
    assert.equal((await describe(id)).Status, 'available');

    await rds.send(
      new ModifyDBClusterCommand({ DBClusterIdentifier: id, DeletionProtection: false, ApplyImmediately: true })
    );
    assert.equal((await describe(id)).Status, 'available', 'deletion protection is a flag, applied at once');
  });

  it('stops (stopping, stopped), refuses changes and new instances while stopped, and starts (starting, available)', async () => {
    const id = await cluster();
    const start = clock;
    await rds.send(new StopDBClusterCommand({ DBClusterIdentifier: id }));
    assert.equal((await describe(id)).Status, 'stopping');
    await refusal(rds.send(new StartDBClusterCommand({ DBClusterIdentifier: id })), 'InvalidDBClusterStateFault');
    clock = start + 4 * MIN;
    assert.equal((await describe(id)).Status, 'stopped');
    clock = start + 60 * MIN;
    assert.equal((await describe(id)).Status, 'stopped', 'a stopped cluster stays stopped until started');

    const refused = await refusal(
      rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: id, MasterUserPassword: 'Third-pass-3' })),
      'InvalidDBClusterStateFault'
    );
    assert.ok(refused instanceof InvalidDBClusterStateFault);
    assert.match(refused.message, /stopped/);
    await refusal(addInstance(id, `${id}-1`), 'InvalidDBClusterStateFault');
    await refusal(rds.send(new StopDBClusterCommand({ DBClusterIdentifier: id })), 'InvalidDBClusterStateFault');

    const restart = clock;
    await rds.send(new StartDBClusterCommand({ DBClusterIdentifier: id }));
    assert.equal((await describe(id)).Status, 'starting');
    await refusal(addInstance(id, `${id}-1`), 'InvalidDBClusterStateFault');
    clock = restart + 6 * MIN;
    assert.equal((await describe(id)).Status, 'available');
    await addInstance(id, `${id}-1`);
  });

  it('refuses an instance identifier taken in any cluster of the Region, also while it is being deleted', async () => {
    const first = await cluster();
    const second = await cluster();
    const instanceId = `${first}-1`;
    await addInstance(first, instanceId);
    clock += 20 * MIN;
    const taken = await refusal(addInstance(second, instanceId), 'DBInstanceAlreadyExistsFault');
    assert.ok(taken instanceof DBInstanceAlreadyExistsFault);

    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: instanceId, SkipFinalSnapshot: true }));
    assert.equal(await instanceStatus(instanceId), 'deleting');
    const deleting = await refusal(addInstance(second, instanceId), 'DBInstanceAlreadyExistsFault');
    assert.match(deleting.message, /being deleted/);
    clock += sim.timings.instanceDelete;
    await addInstance(second, instanceId);
  });
});
