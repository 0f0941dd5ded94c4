/**
 * The AWS simulator as SDK middleware on real clients talking to a running moto server (AWS_ENDPOINT_URL, default
 * 127.0.0.1:5055): simulated time with a manual clock, fault injection through the SDK's own retry handling, call
 * counting, and the moto gaps it fills (cross-account copy, restore defaults, states moto never shows).
 * Names are unique per test, so the suite needs no reset and can share the server with other suites.
 */
import assert from 'node:assert/strict';

import {
  CopyDBClusterSnapshotCommand,
  CreateDBClusterCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBInstanceCommand,
  DBClusterAlreadyExistsFault,
  DBClusterNotFoundFault,
  DBClusterSnapshotAlreadyExistsFault,
  DBClusterSnapshotNotFoundFault,
  DBInstanceNotFoundFault,
  DeleteDBClusterCommand,
  DeleteDBClusterSnapshotCommand,
  DeleteDBInstanceCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  InvalidDBClusterSnapshotStateFault,
  InvalidDBClusterStateFault,
  InvalidDBInstanceStateFault,
  KMSKeyNotAccessibleFault,
  ModifyDBClusterCommand,
  ModifyDBClusterSnapshotAttributeCommand,
  RDSClient,
  RDSServiceException,
  RestoreDBClusterFromSnapshotCommand,
  SnapshotQuotaExceededFault,
} from '@aws-sdk/client-rds';
import type {
  CreateDBInstanceCommandOutput,
  RestoreDBClusterFromSnapshotCommandInput,
  RestoreDBClusterFromSnapshotCommandOutput,
} from '@aws-sdk/client-rds';
import { ListTopicsCommand, SNSServiceException } from '@aws-sdk/client-sns';

import { AwsSimulator } from '../../sim/aws-simulator';
import { SNAPSHOT_COPY_QUOTA } from '../../sim/rds-behaviour';
import type { AwsClientFactory } from '../../src/activities/aws-clients';
import { CallBudget } from '../../src/activities/call-budget';
import type { AwsLocation } from '../../src/domain/aws-shapes';
import { useMoto } from '../support/fixtures/moto';
import {
  motoClientConfig,
  motoClientFactory,
  motoClients,
  motoRoleArn,
  RDS_MANAGED_KMS_ALIAS,
  seedSourceCluster,
  uniqueName,
  useMotoAccount,
} from '../support/moto';

const MIN = 60_000;
const REGION = 'us-east-1';
const OTHER_REGION = 'us-west-2';
const SOURCE_ACCOUNT = '111111111111';
const TARGET_ACCOUNT = '222222222222';
/** The account of the same-account tests: keeps them apart from other suites' default-account resources. */
const ACCOUNT = '333333333333';

/** The error `promise` rejects with: an instance of `cls` named `name` (the class name unless given). */
async function rejection<T extends Error>(
  promise: Promise<unknown>,
  cls: abstract new (...args: never[]) => T,
  name = cls.name
): Promise<T> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof cls, `expected ${cls.name}, got ${(err as Error)?.name}: ${(err as Error)?.message}`);
    assert.equal(err.name, name);
    return err;
  }
  assert.fail(`expected ${name}, but the call succeeded`);
}

describe('AwsSimulator on moto', function () {
  let clock: number;
  let sim: AwsSimulator;
  let factories: AwsClientFactory[] = [];
  let plainClients: RDSClient[] = [];

  useMoto();

  beforeEach(() => {
    clock = Date.UTC(2030, 0, 1, 12);
    sim = new AwsSimulator({ clock: () => clock });
  });

  afterEach(() => {
    for (const factory of factories) factory.destroy();
    for (const client of plainClients) client.destroy();
    factories = [];
    plainClients = [];
    sim.destroy();
  });

  /** An RDS client from the production factory, decorated by the simulator, acting in `account`. */
  function simRds(account: string, region = REGION): RDSClient {
    const factory = motoClientFactory({ decorate: sim.decorate, workerAccountId: account });
    factories.push(factory);
    return factory.rds({ region });
  }

  /** An RDS client that bypasses the simulator: the truth in moto. */
  function plainRds(account: string, region = REGION, extra: Record<string, unknown> = {}): RDSClient {
    const client = new RDSClient({ ...motoClientConfig(), region, ...extra });
    useMotoAccount(client, account);
    plainClients.push(client);
    return client;
  }

  async function snapshotStatus(rds: RDSClient, id: string): Promise<[string | undefined, number | undefined]> {
    const out = await rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: id }));
    const snap = out.DBClusterSnapshots?.[0];
    return [snap?.Status, snap?.PercentProgress];
  }

  async function clusterStatus(rds: RDSClient, id: string): Promise<string | undefined> {
    const out = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }));
    return out.DBClusters?.[0]?.Status;
  }

  async function instanceStatus(rds: RDSClient, id: string) {
    const out = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
    return out.DBInstances?.[0];
  }

  /** A source cluster and manual snapshot in `account`, seeded without the simulator. */
  async function seed(account: string, region = REGION, extra: { encrypted?: boolean } = {}) {
    const seeded = await seedSourceCluster({
      region,
      accountId: account,
      clusterId: uniqueName('sim-src'),
      withSnapshot: uniqueName('sim-snap'),
      encrypted: extra.encrypted,
    });
    assert.ok(seeded.snapshot);
    return { ...seeded, snapshot: seeded.snapshot };
  }

  /** Sends a restore of `snapshotId` as Aurora PostgreSQL cluster `clusterId`. */
  function restoreCluster(
    rds: RDSClient,
    clusterId: string,
    snapshotId: string,
    extra: Partial<RestoreDBClusterFromSnapshotCommandInput> = {}
  ): Promise<RestoreDBClusterFromSnapshotCommandOutput> {
    return rds.send(
      new RestoreDBClusterFromSnapshotCommand({
        DBClusterIdentifier: clusterId,
        SnapshotIdentifier: snapshotId,
        Engine: 'aurora-postgresql',
        ...extra,
      })
    );
  }

  /** Sends the creation of Aurora PostgreSQL instance `instanceId` in `clusterId`. */
  function createInstance(
    rds: RDSClient,
    instanceId: string,
    clusterId: string,
    instanceClass = 'db.r6g.large'
  ): Promise<CreateDBInstanceCommandOutput> {
    return rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: instanceId,
        DBClusterIdentifier: clusterId,
        DBInstanceClass: instanceClass,
        Engine: 'aurora-postgresql',
      })
    );
  }

  /** Restores `snapshotId` through the simulator and lets the restore finish in simulated time. */
  async function restoredCluster(rds: RDSClient, snapshotId: string): Promise<string> {
    const clusterId = uniqueName('sim-restored');
    await restoreCluster(rds, clusterId, snapshotId);
    clock += sim.timings.clusterRestore;
    return clusterId;
  }

  describe('time', () => {
    it('reports a snapshot copy as creating, then copying with rising percent, then available', async () => {
      const rds = simRds(ACCOUNT);
      const { snapshot } = await seed(ACCOUNT);
      const copyId = uniqueName('sim-copy');
      const start = clock;

      const out = await rds.send(
        new CopyDBClusterSnapshotCommand({
          SourceDBClusterSnapshotIdentifier: snapshot.identifier,
          TargetDBClusterSnapshotIdentifier: copyId,
        })
      );
      assert.equal(out.DBClusterSnapshot?.Status, 'creating');
      assert.equal(out.DBClusterSnapshot?.PercentProgress, 0);
      assert.equal(out.DBClusterSnapshot?.SourceDBClusterSnapshotArn, snapshot.arn);
      // moto itself already says available: the simulator is what makes the copy take time.
      assert.deepEqual(await snapshotStatus(plainRds(ACCOUNT), copyId), ['available', 100]);

      clock = start + 30_000;
      assert.deepEqual(await snapshotStatus(rds, copyId), ['creating', 0]);
      clock = start + 5 * MIN;
      assert.deepEqual(await snapshotStatus(rds, copyId), ['copying', 25]);
      clock = start + 15 * MIN;
      assert.deepEqual(await snapshotStatus(rds, copyId), ['copying', 75]);

      // AWS refuses to restore from (or copy) a snapshot that is still being copied.
      const refused = await rejection(
        restoreCluster(rds, uniqueName('sim-too-early'), copyId),
        InvalidDBClusterSnapshotStateFault
      );
      assert.match(refused.message, /copying/);

      clock = start + 20 * MIN;
      assert.deepEqual(await snapshotStatus(rds, copyId), ['available', 100]);
      // Listing (no identifier) is rewritten too.
      const listed = await rds.send(new DescribeDBClusterSnapshotsCommand({ SnapshotType: 'manual' }));
      assert.equal(
        listed.DBClusterSnapshots?.find((s) => s.DBClusterSnapshotIdentifier === copyId)?.Status,
        'available'
      );
    });

    it('reports a restore as creating, backing-up near the end, then available; fixes moto restore defaults', async () => {
      const truth = plainRds(ACCOUNT);
      const rds = simRds(ACCOUNT);
      const sourceId = uniqueName('sim-protected');
      const snapshotId = uniqueName('sim-protected-snap');
      await truth.send(
        new CreateDBClusterCommand({
          DBClusterIdentifier: sourceId,
          Engine: 'aurora-postgresql',
          MasterUsername: 'admin_user',
          MasterUserPassword: 'Sim-password-123',
          DeletionProtection: true,
          CopyTagsToSnapshot: true,
        })
      );
      await truth.send(
        new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: sourceId, DBClusterSnapshotIdentifier: snapshotId })
      );
      const clusterId = uniqueName('sim-restore');
      const start = clock;

      const out = await restoreCluster(rds, clusterId, snapshotId, { DeletionProtection: false });
      assert.equal(out.DBCluster?.Status, 'creating');
      // moto alone would keep the snapshot's cluster's DeletionProtection=true; AWS honours false (and defaults to it).
      assert.equal(out.DBCluster?.DeletionProtection, false);
      const real = (await truth.send(new DescribeDBClustersCommand({ DBClusterIdentifier: clusterId })))
        .DBClusters?.[0];
      assert.equal(real?.DeletionProtection, false);
      assert.equal(real?.CopyTagsToSnapshot, false);

      clock = start + 20 * MIN;
      assert.equal(await clusterStatus(rds, clusterId), 'creating');
      // AWS refuses to modify a cluster that is still being created.
      await rejection(
        rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: clusterId, MasterUserPassword: 'Another-pass-1' })),
        InvalidDBClusterStateFault
      );
      clock = start + 37 * MIN;
      assert.equal(await clusterStatus(rds, clusterId), 'backing-up');
      clock = start + 40 * MIN;
      assert.equal(await clusterStatus(rds, clusterId), 'available');

      // AWS refuses an identifier that exists; moto would silently replace the cluster.
      await rejection(restoreCluster(rds, clusterId, snapshotId), DBClusterAlreadyExistsFault);
    });

    it('reports a new instance as creating (no endpoint), backing-up, configuring-enhanced-monitoring, available', async () => {
      const rds = simRds(ACCOUNT);
      const { snapshot } = await seed(ACCOUNT);
      const clusterId = await restoredCluster(rds, snapshot.identifier);
      const instanceId = `${clusterId}-1`;
      const start = clock;

      const created = await createInstance(rds, instanceId, clusterId);
      assert.equal(created.DBInstance?.DBInstanceStatus, 'creating');

      const seen: string[] = [];
      for (const minute of [1, 7.5, 9, 10]) {
        clock = start + minute * MIN;
        const instance = await instanceStatus(rds, instanceId);
        seen.push(instance?.DBInstanceStatus ?? '?');
        if (instance?.DBInstanceStatus === 'creating') assert.equal(instance.Endpoint, undefined);
        else assert.ok(instance?.Endpoint?.Address, 'an instance past creating has an endpoint');
      }
      assert.deepEqual(seen, ['creating', 'backing-up', 'configuring-enhanced-monitoring', 'available']);

      const filtered = await rds.send(
        new DescribeDBInstancesCommand({ Filters: [{ Name: 'db-cluster-id', Values: [clusterId] }] })
      );
      assert.deepEqual(
        filtered.DBInstances?.map((i) => [i.DBInstanceIdentifier, i.DBInstanceStatus]),
        [[instanceId, 'available']]
      );
      const cluster = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: clusterId })))
        .DBClusters?.[0];
      assert.deepEqual(
        cluster?.DBClusterMembers?.map((m) => [m.DBInstanceIdentifier, m.IsClusterWriter]),
        [[instanceId, true]]
      );
    });

    it('an instance created during the restore is not available before its cluster', async () => {
      const rds = simRds(ACCOUNT);
      const { snapshot } = await seed(ACCOUNT);
      const clusterId = uniqueName('sim-early-inst');
      const start = clock;
      await restoreCluster(rds, clusterId, snapshot.identifier);
      const instanceId = `${clusterId}-1`;
      await createInstance(rds, instanceId, clusterId, 'db.serverless');
      clock = start + sim.timings.instanceCreate;
      assert.equal((await instanceStatus(rds, instanceId))?.DBInstanceStatus, 'creating');
      clock = start + sim.timings.clusterRestore;
      assert.equal((await instanceStatus(rds, instanceId))?.DBInstanceStatus, 'available');
    });

    it('keeps deleted instances and clusters deleting for a while, then lets NotFound through', async () => {
      const truth = plainRds(ACCOUNT);
      const rds = simRds(ACCOUNT);
      const { snapshot } = await seed(ACCOUNT);
      const clusterId = await restoredCluster(rds, snapshot.identifier);
      const instanceId = `${clusterId}-1`;
      await createInstance(rds, instanceId, clusterId);
      clock += sim.timings.instanceCreate;
      const start = clock;

      const deletedInstance = await rds.send(
        new DeleteDBInstanceCommand({ DBInstanceIdentifier: instanceId, SkipFinalSnapshot: true })
      );
      assert.equal(deletedInstance.DBInstance?.DBInstanceStatus, 'deleting');
      await rejection(
        truth.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: instanceId })),
        DBInstanceNotFoundFault
      );
      assert.equal((await instanceStatus(rds, instanceId))?.DBInstanceStatus, 'deleting');
      const byCluster = await rds.send(
        new DescribeDBInstancesCommand({ Filters: [{ Name: 'db-cluster-id', Values: [clusterId] }] })
      );
      assert.deepEqual(
        byCluster.DBInstances?.map((i) => [i.DBInstanceIdentifier, i.DBInstanceStatus]),
        [[instanceId, 'deleting']]
      );
      await rejection(
        rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: instanceId, SkipFinalSnapshot: true })),
        InvalidDBInstanceStateFault
      );

      const deletedCluster = await rds.send(
        new DeleteDBClusterCommand({ DBClusterIdentifier: clusterId, SkipFinalSnapshot: true })
      );
      assert.equal(deletedCluster.DBCluster?.Status, 'deleting');
      await rejection(
        truth.send(new DescribeDBClustersCommand({ DBClusterIdentifier: clusterId })),
        DBClusterNotFoundFault
      );
      clock = start + 2 * MIN;
      const deleting = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: clusterId }))).DBClusters;
      assert.deepEqual(
        deleting?.map((c) => [c.Status, c.DBClusterMembers?.map((m) => [m.DBInstanceIdentifier, m.IsClusterWriter])]),
        [['deleting', [[instanceId, true]]]]
      );
      const listed = (await rds.send(new DescribeDBClustersCommand({}))).DBClusters ?? [];
      assert.equal(listed.find((c) => c.DBClusterIdentifier === clusterId)?.Status, 'deleting');
      await rejection(
        rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: clusterId, SkipFinalSnapshot: true })),
        InvalidDBClusterStateFault
      );
      await rejection(restoreCluster(rds, clusterId, snapshot.identifier), DBClusterAlreadyExistsFault);

      clock = start + sim.timings.instanceDelete;
      await rejection(
        rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: instanceId })),
        DBInstanceNotFoundFault
      );
      clock = start + 2 * MIN + sim.timings.clusterDelete;
      const gone = await rejection(
        rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: clusterId })),
        DBClusterNotFoundFault
      );
      assert.equal(gone.$metadata.httpStatusCode, 404);
      const after = (await rds.send(new DescribeDBClustersCommand({}))).DBClusters ?? [];
      assert.equal(
        after.some((c) => c.DBClusterIdentifier === clusterId),
        false
      );
    });

    it('forces terminal statuses moto never produces', async () => {
      const rds = simRds(ACCOUNT);
      const { snapshot } = await seed(ACCOUNT);
      const copyId = uniqueName('sim-doomed');
      await sim.forceStatus({ kind: 'snapshot', id: copyId, status: 'failed', after: 5 * MIN });
      const start = clock;
      await rds.send(
        new CopyDBClusterSnapshotCommand({
          SourceDBClusterSnapshotIdentifier: snapshot.identifier,
          TargetDBClusterSnapshotIdentifier: copyId,
        })
      );
      clock = start + 4 * MIN;
      assert.equal((await snapshotStatus(rds, copyId))[0], 'copying');
      clock = start + 5 * MIN;
      assert.equal((await snapshotStatus(rds, copyId))[0], 'failed');
      clock = start + 60 * MIN;
      assert.equal((await snapshotStatus(rds, copyId))[0], 'failed');

      const clusterId = await restoredCluster(rds, snapshot.identifier);
      await sim.forceStatus({ kind: 'cluster', id: clusterId, status: 'inaccessible-encryption-credentials' });
      assert.equal(await clusterStatus(rds, clusterId), 'inaccessible-encryption-credentials');
    });

    it('deleting a snapshot that is being copied cancels the simulated copy', async () => {
      const rds = simRds(ACCOUNT);
      const { snapshot } = await seed(ACCOUNT);
      const copyId = uniqueName('sim-cancel');
      await rds.send(
        new CopyDBClusterSnapshotCommand({
          SourceDBClusterSnapshotIdentifier: snapshot.identifier,
          TargetDBClusterSnapshotIdentifier: copyId,
        })
      );
      await rds.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: copyId }));
      await rejection(
        rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: copyId })),
        DBClusterSnapshotNotFoundFault
      );
    });
    it('refuses a sixth concurrent copy into one account and Region, as the RDS quota does', async () => {
      const rds = simRds(ACCOUNT);
      const { snapshot } = await seed(ACCOUNT);
      const copy = (id: string) =>
        rds.send(
          new CopyDBClusterSnapshotCommand({
            SourceDBClusterSnapshotIdentifier: snapshot.identifier,
            TargetDBClusterSnapshotIdentifier: id,
          })
        );
      for (let i = 0; i < SNAPSHOT_COPY_QUOTA; i += 1) await copy(uniqueName(`sim-quota-${i}`));
      const refused = await rejection(copy(uniqueName('sim-quota-extra')), SnapshotQuotaExceededFault);
      assert.match(refused.message, /5 snapshot copies are already in progress in us-east-1/);
      // Another Region has its own quota, and a finished copy frees its slot.
      await simRds(ACCOUNT, OTHER_REGION).send(
        new CopyDBClusterSnapshotCommand({
          SourceDBClusterSnapshotIdentifier: snapshot.arn,
          TargetDBClusterSnapshotIdentifier: uniqueName('sim-quota-west'),
        })
      );
      clock += sim.timings.snapshotCopy;
      await copy(uniqueName('sim-quota-later'));
    });
  });

  describe('call budget', () => {
    it('makes every RDS attempt, SDK retries included, take a token of its account and Region', async () => {
      const taken: string[] = [];
      const budget = new (class extends CallBudget {
        override take(loc: AwsLocation): Promise<number> {
          taken.push(`${loc.accountId ?? '-'}|${loc.region}`);
          return super.take(loc);
        }
      })(1000);
      const factory = motoClientFactory({ decorate: sim.decorate, rdsCallBudget: budget });
      factories.push(factory);
      sim.injectFault({ command: 'DescribeDBClustersCommand', error: 'Throttling', times: 1 }); // the test clients make 2 attempts
      const out = await factory.rds({ region: REGION, accountId: ACCOUNT }).send(new DescribeDBClustersCommand({}));
      assert.equal(out.$metadata.attempts, 2);
      assert.equal(sim.callCount(), 2);
      assert.deepEqual(taken, Array(2).fill(`${ACCOUNT}|${REGION}`), 'one token per attempt');

      await factory.rds({ region: 'eu-west-1', accountId: ACCOUNT }).send(new DescribeDBClustersCommand({}));
      await factory.sns({ region: REGION }).send(new ListTopicsCommand({}));
      assert.deepEqual(taken.slice(2), [`${ACCOUNT}|eu-west-1`], 'RDS calls only, per Region');
    });
  });

  describe('faults', () => {
    it('throttles twice, then succeeds, as seen by a client without SDK retries', async () => {
      const rds = plainRds(ACCOUNT, REGION, { maxAttempts: 1 });
      sim.decorate(rds, { region: REGION }, 'rds');
      const fault = sim.injectFault({ command: 'DescribeDBClustersCommand', error: 'Throttling', times: 2 });

      for (let attempt = 1; attempt <= 2; attempt += 1) {
        const err = await rejection(rds.send(new DescribeDBClustersCommand({})), RDSServiceException, 'Throttling');
        assert.equal(err.message, 'Rate exceeded');
        assert.equal(err.$metadata.httpStatusCode, 400);
        assert.deepEqual(err.$retryable, { throttling: true });
      }
      const ok = await rds.send(new DescribeDBClustersCommand({}));
      assert.ok(Array.isArray(ok.DBClusters));
      assert.deepEqual([fault.triggered, fault.remaining], [2, 0]);
      assert.equal(sim.calls().DescribeDBClustersCommand, 3);
    });

    it('injected throttling goes through the SDK retry strategy like an AWS answer', async () => {
      const rds = plainRds(ACCOUNT, REGION, { maxAttempts: 3 });
      sim.decorate(rds, { region: REGION }, 'rds');
      sim.injectFault({ command: 'DescribeDBClustersCommand', error: 'Throttling', times: 2 });
      const out = await rds.send(new DescribeDBClustersCommand({}));
      assert.equal(out.$metadata.attempts, 3);
      assert.equal(sim.callCount(), 3);
    });

    it('5xx and modeled errors carry the right class, name and status; match narrows a fault', async () => {
      const rds = plainRds(ACCOUNT, REGION, { maxAttempts: 1 });
      sim.decorate(rds, { region: REGION }, 'rds');
      sim.injectFault({ command: 'DescribeDBClustersCommand', error: 'InternalFailure' });
      const internal = await rejection(
        rds.send(new DescribeDBClustersCommand({})),
        RDSServiceException,
        'InternalFailure'
      );
      assert.equal(internal.$fault, 'server');
      assert.equal(internal.$metadata.httpStatusCode, 500);

      sim.injectFault({
        command: 'CopyDBClusterSnapshotCommand',
        error: 'DBClusterSnapshotAlreadyExistsFault',
        match: (input) => input.TargetDBClusterSnapshotIdentifier === 'only-this-one',
      });
      const { snapshot } = await seed(ACCOUNT);
      const okId = uniqueName('sim-unmatched');
      await rds.send(
        new CopyDBClusterSnapshotCommand({
          SourceDBClusterSnapshotIdentifier: snapshot.identifier,
          TargetDBClusterSnapshotIdentifier: okId,
        })
      );
      const exists = await rejection(
        rds.send(
          new CopyDBClusterSnapshotCommand({
            SourceDBClusterSnapshotIdentifier: snapshot.identifier,
            TargetDBClusterSnapshotIdentifier: 'only-this-one',
          })
        ),
        DBClusterSnapshotAlreadyExistsFault
      );
      assert.equal(exists.$metadata.httpStatusCode, 400);
    });

    it('faults and counts SNS calls too', async () => {
      const factory = motoClientFactory({ decorate: sim.decorate, workerAccountId: ACCOUNT });
      factories.push(factory);
      const sns = factory.sns({ region: REGION });
      sim.injectFault({ command: 'ListTopicsCommand', error: 'Throttling', times: 5 });
      const err = await rejection(sns.send(new ListTopicsCommand({})), SNSServiceException, 'Throttling');
      assert.deepEqual(err.$retryable, { throttling: true });
      // The factory's clients retry (maxAttempts 2): both attempts reached the simulator.
      assert.deepEqual(sim.calls(), { ListTopicsCommand: 2 });
    });
  });

  describe('metrics', () => {
    it('counts attempts per command and the simulated span, and resets', async () => {
      const rds = simRds(ACCOUNT);
      await rds.send(new DescribeDBClustersCommand({}));
      clock += 5 * MIN;
      await rds.send(new DescribeDBInstancesCommand({}));
      await rds.send(new DescribeDBClustersCommand({}));
      assert.equal(sim.callCount(), 3);
      assert.deepEqual(sim.calls(), { DescribeDBClustersCommand: 2, DescribeDBInstancesCommand: 1 });
      assert.equal(sim.simulatedElapsedMs(), 5 * MIN);
      sim.reset();
      assert.equal(sim.callCount(), 0);
      assert.deepEqual(sim.calls(), {});
      assert.equal(sim.simulatedElapsedMs(), 0);
    });
  });

  describe('cross-account copy (a moto gap)', () => {
    async function sharedSnapshot(options: { region?: string; encrypted?: boolean; shareWith?: string } = {}) {
      const seeded = await seed(SOURCE_ACCOUNT, options.region ?? REGION, { encrypted: options.encrypted });
      if (options.shareWith) {
        await plainRds(SOURCE_ACCOUNT, options.region ?? REGION).send(
          new ModifyDBClusterSnapshotAttributeCommand({
            DBClusterSnapshotIdentifier: seeded.snapshot.identifier,
            AttributeName: 'restore',
            ValuesToAdd: [options.shareWith],
          })
        );
      }
      return seeded;
    }

    it('copies a snapshot shared with the caller into the caller account, as AWS does', async () => {
      const source = await sharedSnapshot({ shareWith: TARGET_ACCOUNT });
      const truth = plainRds(TARGET_ACCOUNT);
      const copyId = uniqueName('sim-xacct');
      const copy = new CopyDBClusterSnapshotCommand({
        SourceDBClusterSnapshotIdentifier: source.snapshot.arn,
        TargetDBClusterSnapshotIdentifier: copyId,
        Tags: [{ Key: 'purpose', Value: 'sim-test' }],
      });
      // Without the simulator moto looks in the caller's account and does not find it.
      await rejection(truth.send(copy), DBClusterSnapshotNotFoundFault);

      const rds = simRds(TARGET_ACCOUNT);
      const out = await rds.send(copy);
      const snap = out.DBClusterSnapshot;
      assert.equal(snap?.DBClusterSnapshotIdentifier, copyId);
      assert.equal(snap?.Status, 'creating');
      assert.equal(snap?.SnapshotType, 'manual');
      assert.match(
        snap?.DBClusterSnapshotArn ?? '',
        new RegExp(`^arn:aws:rds:${REGION}:${TARGET_ACCOUNT}:cluster-snapshot:`)
      );
      assert.equal(snap?.SourceDBClusterSnapshotArn, source.snapshot.arn);
      assert.equal(snap?.DBClusterIdentifier, source.clusterId);
      assert.equal(snap?.Engine, 'aurora-postgresql');
      assert.deepEqual(snap?.TagList, [{ Key: 'purpose', Value: 'sim-test' }]);
      assert.deepEqual(sim.calls(), { CopyDBClusterSnapshotCommand: 1 });

      // The copy really exists in moto, in the target account, and nothing of the emulation is left behind.
      const real = await truth.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: copyId }));
      assert.equal(real.DBClusterSnapshots?.[0]?.SnapshotType, 'manual');
      const all = await truth.send(new DescribeDBClusterSnapshotsCommand({}));
      assert.equal(
        all.DBClusterSnapshots?.some((s) => s.DBClusterSnapshotIdentifier?.includes('aws-simulator')),
        false
      );
      const clusters = await truth.send(new DescribeDBClustersCommand({}));
      assert.equal(
        clusters.DBClusters?.some((c) => c.DBClusterIdentifier?.includes('aws-simulator')),
        false
      );

      clock += sim.timings.snapshotCopy;
      assert.deepEqual(await snapshotStatus(rds, copyId), ['available', 100]);
      const restored = await restoreCluster(rds, uniqueName('sim-xacct-restored'), copyId);
      assert.equal(restored.DBCluster?.Status, 'creating');
      assert.equal(restored.DBCluster?.MasterUsername, 'seed_admin');
    });

    it('answers not found for a snapshot that is not shared with the caller, or does not exist', async () => {
      const rds = simRds(TARGET_ACCOUNT);
      const notShared = await sharedSnapshot();
      const sharedElsewhere = await sharedSnapshot({ shareWith: '444444444444' });
      for (const arn of [
        notShared.snapshot.arn,
        sharedElsewhere.snapshot.arn,
        `arn:aws:rds:${REGION}:${SOURCE_ACCOUNT}:cluster-snapshot:${uniqueName('sim-missing')}`,
      ]) {
        const err = await rejection(
          rds.send(
            new CopyDBClusterSnapshotCommand({
              SourceDBClusterSnapshotIdentifier: arn,
              TargetDBClusterSnapshotIdentifier: uniqueName('sim-xacct-nf'),
            })
          ),
          DBClusterSnapshotNotFoundFault
        );
        assert.equal(err.$metadata.httpStatusCode, 404);
      }
    });

    it('requires a KmsKeyId for an encrypted shared snapshot, and encrypts the copy with it', async () => {
      const rds = simRds(TARGET_ACCOUNT);
      const source = await sharedSnapshot({ encrypted: true, shareWith: TARGET_ACCOUNT });
      const copyId = uniqueName('sim-xacct-kms');
      await rejection(
        rds.send(
          new CopyDBClusterSnapshotCommand({
            SourceDBClusterSnapshotIdentifier: source.snapshot.arn,
            TargetDBClusterSnapshotIdentifier: copyId,
          })
        ),
        KMSKeyNotAccessibleFault
      );
      const out = await rds.send(
        new CopyDBClusterSnapshotCommand({
          SourceDBClusterSnapshotIdentifier: source.snapshot.arn,
          TargetDBClusterSnapshotIdentifier: copyId,
          KmsKeyId: RDS_MANAGED_KMS_ALIAS,
        })
      );
      assert.equal(out.DBClusterSnapshot?.StorageEncrypted, true);
      await rejection(
        rds.send(
          new CopyDBClusterSnapshotCommand({
            SourceDBClusterSnapshotIdentifier: source.snapshot.arn,
            TargetDBClusterSnapshotIdentifier: copyId,
            KmsKeyId: RDS_MANAGED_KMS_ALIAS,
          })
        ),
        DBClusterSnapshotAlreadyExistsFault
      );
    });

    it('copies across account and region in one step, the caller account derived from assumed-role credentials', async () => {
      const source = await sharedSnapshot({ region: REGION, shareWith: TARGET_ACCOUNT });
      const factory = motoClientFactory({ decorate: sim.decorate });
      factories.push(factory);
      // No account header: the account comes from moto's STS for the assumed role, as on AWS.
      const rds = factory.rds({ region: OTHER_REGION, roleArn: motoRoleArn(TARGET_ACCOUNT) });
      const copyId = uniqueName('sim-xacct-xregion');
      const out = await rds.send(
        new CopyDBClusterSnapshotCommand({
          SourceDBClusterSnapshotIdentifier: source.snapshot.arn,
          TargetDBClusterSnapshotIdentifier: copyId,
        })
      );
      assert.match(
        out.DBClusterSnapshot?.DBClusterSnapshotArn ?? '',
        new RegExp(`^arn:aws:rds:${OTHER_REGION}:${TARGET_ACCOUNT}:cluster-snapshot:${copyId}$`)
      );
      const real = await plainRds(TARGET_ACCOUNT, OTHER_REGION).send(
        new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: copyId })
      );
      assert.equal(real.DBClusterSnapshots?.length, 1);
      assert.equal((await snapshotStatus(rds, copyId))[0], 'creating');
    });

    it('refuses a same-account cross-region copy of an encrypted snapshot without KmsKeyId, as AWS does', async () => {
      const source = await seed(ACCOUNT, REGION, { encrypted: true });
      const rds = simRds(ACCOUNT, OTHER_REGION);
      const input = {
        SourceDBClusterSnapshotIdentifier: source.snapshot.arn,
        TargetDBClusterSnapshotIdentifier: uniqueName('sim-xregion-kms'),
      };
      const err = await rejection(
        rds.send(new CopyDBClusterSnapshotCommand(input)),
        RDSServiceException,
        'InvalidParameterValue'
      );
      assert.match(err.message, /KMS key/);
      const out = await rds.send(new CopyDBClusterSnapshotCommand({ ...input, KmsKeyId: RDS_MANAGED_KMS_ALIAS }));
      assert.equal(out.DBClusterSnapshot?.Status, 'creating');
    });
  });

  it('motoClients helper clients stay untouched by the simulator', async () => {
    const { rds } = motoClients(REGION, ACCOUNT);
    plainClients.push(rds);
    await rds.send(new DescribeDBClustersCommand({}));
    assert.equal(sim.callCount(), 0);
  });
});
