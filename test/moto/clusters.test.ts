import assert from 'node:assert/strict';

import { DescribeDBClustersCommand, DescribeDBInstancesCommand, ModifyDBClusterCommand } from '@aws-sdk/client-rds';
import type { DBCluster } from '@aws-sdk/client-rds';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';

import { createClusterActivities } from '../../src/activities/clusters';
import type { RestoreClusterInput } from '../../src/activities/types';
import { pipelineTags, TAG_MANAGED_BY, TAG_MANAGED_BY_VALUE, TAG_OPERATION_ID } from '../../src/domain/naming';
import type { AwsObservation } from '../../src/domain/observation';
import { useMoto } from '../support/fixtures/moto';
import { addMemberInstance, interceptRds, motoClientFactory, seedSourceCluster, uniqueName } from '../support/moto';
import type { MotoClients } from '../support/moto';

const REGION = 'eu-central-1';
const target = { region: REGION };

/** Outcome of running a poll activity the way its retry policy would: attempt after attempt until it returns. */
interface PollOutcome<R> {
  result?: R;
  error?: unknown;
  attempts: number;
  notReady: ApplicationFailure[];
}

/**
 * Runs `fn` in a fresh activity context per attempt (attempt number and the previous attempt's heartbeat details
 * carried over, as the server does), retrying NotReady failures up to `maxAttempts`.
 */
async function pollUntilDone<A, R>(fn: (a: A) => Promise<R>, arg: A, maxAttempts = 5): Promise<PollOutcome<R>> {
  const notReady: ApplicationFailure[] = [];
  let heartbeatDetails: unknown;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    // Failed attempts are expected here; the worker's WARN line for each would only add noise.
    const env = new MockActivityEnvironment(
      { attempt, heartbeatDetails, scheduledTimestampMs: Date.now(), currentAttemptScheduledTimestampMs: Date.now() },
      { logger: new DefaultLogger('ERROR') }
    );
    env.on('heartbeat', (d: unknown) => (heartbeatDetails = d));
    try {
      return { result: await env.run(fn, arg), attempts: attempt, notReady };
    } catch (err) {
      if (err instanceof ApplicationFailure && err.type === 'NotReady' && !err.nonRetryable) {
        notReady.push(err);
        continue;
      }
      return { error: err, attempts: attempt, notReady };
    }
  }
  return { error: new Error(`still NotReady after ${maxAttempts} attempts`), attempts: maxAttempts, notReady };
}

function assertFailure(err: unknown, type: string): ApplicationFailure {
  assert.ok(err instanceof ApplicationFailure, `expected ApplicationFailure ${type}, got ${String(err)}`);
  assert.equal(err.type, type, err.message);
  assert.equal(err.nonRetryable, true);
  return err;
}

describe('cluster activities (moto RDS)', function () {
  let aws: MotoClients;
  const observed: AwsObservation[] = [];
  const moto = useMoto();
  const factory = moto.factory;
  const activities = createClusterActivities({
    clients: factory,
    reportObservation: async (obs: AwsObservation) => {
      observed.push(obs);
    },
  });
  let snapshotId: string;
  let sourceClusterId: string;

  before(async () => {
    aws = moto.clients(REGION);
    sourceClusterId = uniqueName('src');
    snapshotId = uniqueName('src-snap');
    await seedSourceCluster({ region: REGION, clusterId: sourceClusterId, withSnapshot: snapshotId });
  });

  async function readCluster(clusterId: string): Promise<DBCluster | undefined> {
    try {
      const out = await aws.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: clusterId }));
      return out.DBClusters?.[0];
    } catch (err) {
      if ((err as Error).name === 'DBClusterNotFoundFault') return undefined;
      throw err;
    }
  }

  function restoreInput(
    clusterId: string,
    operationId: string,
    overrides: Partial<RestoreClusterInput['settings']> = {}
  ) {
    return {
      target,
      clusterId,
      snapshotIdentifier: snapshotId,
      operationId,
      tags: pipelineTags(operationId, snapshotId, { team: 'dba' }),
      settings: { engine: 'aurora-postgresql', deletionProtection: false, ...overrides },
    } satisfies RestoreClusterInput;
  }

  async function restoreOurs(operationId = uniqueName('op'), overrides: Partial<RestoreClusterInput['settings']> = {}) {
    const clusterId = uniqueName('tgt');
    const out = await activities.restoreCluster(restoreInput(clusterId, operationId, overrides));
    assert.equal(out.adopted, false);
    return { clusterId, operationId, arn: out.clusterArn };
  }

  /** deleteCluster attempted again and again, as its retry policy would, until it settles. */
  const deleteUntilDone = (
    clusterId: string,
    guard: Parameters<typeof activities.deleteCluster>[0]['guard'],
    disableDeletionProtection: boolean
  ) => pollUntilDone(activities.deleteCluster, { target, clusterId, guard, disableDeletionProtection });

  describe('restoreCluster', () => {
    it('restores with every setting and the pipeline tags', async () => {
      const clusterId = uniqueName('tgt');
      const operationId = uniqueName('op');
      const out = await activities.restoreCluster({
        ...restoreInput(clusterId, operationId),
        settings: {
          engine: 'aurora-postgresql',
          engineVersion: '15.5',
          port: 5433,
          dbSubnetGroupName: 'restore-subnets',
          vpcSecurityGroupIds: ['sg-0123456789abcdef0', 'sg-0fedcba9876543210'],
          dbClusterParameterGroupName: 'restore-cluster-params',
          kmsKeyId: 'alias/aws/rds',
          deletionProtection: true,
          serverlessV2: { minCapacity: 0.5, maxCapacity: 8 },
          enableIamDatabaseAuthentication: true,
          enableCloudwatchLogsExports: ['postgresql'],
          backupRetentionPeriod: 9,
        },
      });
      assert.equal(out.adopted, false);
      assert.match(out.clusterArn, new RegExp(`:cluster:${clusterId}$`));

      const c = await readCluster(clusterId);
      assert.ok(c, 'restored cluster must exist');
      assert.equal(c.Engine, 'aurora-postgresql');
      assert.equal(c.EngineVersion, '15.5');
      assert.equal(c.Port, 5433);
      assert.equal(c.DBSubnetGroup, 'restore-subnets');
      assert.deepEqual(c.VpcSecurityGroups?.map((g) => g.VpcSecurityGroupId).sort(), [
        'sg-0123456789abcdef0',
        'sg-0fedcba9876543210',
      ]);
      assert.equal(c.DBClusterParameterGroup, 'restore-cluster-params');
      assert.equal(c.DeletionProtection, true);
      assert.equal(c.ServerlessV2ScalingConfiguration?.MinCapacity, 0.5);
      assert.equal(c.ServerlessV2ScalingConfiguration?.MaxCapacity, 8);
      assert.equal(c.IAMDatabaseAuthenticationEnabled, true);
      assert.deepEqual(c.EnabledCloudwatchLogsExports, ['postgresql']);
      assert.equal(c.BackupRetentionPeriod, 9);
      assert.equal(c.CopyTagsToSnapshot, true);
      const tags = Object.fromEntries((c.TagList ?? []).map((t) => [t.Key, t.Value]));
      assert.equal(tags[TAG_MANAGED_BY], TAG_MANAGED_BY_VALUE);
      assert.equal(tags[TAG_OPERATION_ID], operationId);
      assert.equal(tags.team, 'dba');

      // Leave nothing protected behind for other tests' sake.
      await aws.rds.send(
        new ModifyDBClusterCommand({
          DBClusterIdentifier: clusterId,
          DeletionProtection: false,
          ApplyImmediately: true,
        })
      );
    });

    it('adopts the cluster its own operation already restored', async () => {
      const { clusterId, operationId, arn } = await restoreOurs();
      const again = await activities.restoreCluster(restoreInput(clusterId, operationId));
      assert.deepEqual(again, { clusterArn: arn, adopted: true });
    });

    it('refuses an existing cluster it did not create (TargetClusterExists), leaving it untouched', async () => {
      const clusterId = uniqueName('foreign');
      await seedSourceCluster({ region: REGION, clusterId });
      const before = await readCluster(clusterId);
      const err = await activities.restoreCluster(restoreInput(clusterId, uniqueName('op'))).catch((e: unknown) => e);
      assertFailure(err, 'TargetClusterExists');
      assert.ok((err as Error).message.includes(clusterId));
      const after = await readCluster(clusterId);
      assert.equal(after?.DBClusterArn, before?.DBClusterArn);
      assert.deepEqual(after?.TagList ?? [], before?.TagList ?? []);
    });

    it("refuses another operation's cluster", async () => {
      const { clusterId } = await restoreOurs();
      const err = await activities
        .restoreCluster(restoreInput(clusterId, uniqueName('other-op')))
        .catch((e: unknown) => e);
      assertFailure(err, 'TargetClusterExists');
      assert.match((err as Error).message, /created by operation op-/);
    });
  });

  describe('describeCluster and awaitClusterAvailable', () => {
    it('describes a cluster with tags, and returns null for a missing one', async () => {
      const { clusterId, operationId, arn } = await restoreOurs();
      const info = await activities.describeCluster({ target, clusterId });
      assert.ok(info);
      assert.equal(info.identifier, clusterId);
      assert.equal(info.arn, arn);
      assert.ok(info.tags.some((t) => t.Key === TAG_OPERATION_ID && t.Value === operationId));
      assert.equal(await activities.describeCluster({ target, clusterId: uniqueName('absent') }), null);
    });

    it('returns the cluster once available; a vanished cluster is a non-retryable ClusterRestoreFailed', async () => {
      const { clusterId } = await restoreOurs();
      const outcome = await pollUntilDone(activities.awaitClusterAvailable, { target, clusterId });
      assert.equal(outcome.error, undefined, String(outcome.error));
      assert.equal(outcome.result?.status, 'available');
      assert.ok(outcome.result?.endpoint);

      const gone = await pollUntilDone(activities.awaitClusterAvailable, { target, clusterId: uniqueName('gone') });
      const err = assertFailure(gone.error, 'ClusterRestoreFailed');
      assert.match(err.message, /no longer exists/);
    });
  });

  describe('deleteCluster', () => {
    it('refuses a cluster without the managed-by tag and leaves it intact', async () => {
      const clusterId = uniqueName('untagged');
      await seedSourceCluster({ region: REGION, clusterId });
      const outcome = await deleteUntilDone(clusterId, {}, true);
      const err = assertFailure(outcome.error, 'ClusterNotManagedByPipeline');
      assert.ok(err.message.includes(TAG_MANAGED_BY));
      assert.equal((await readCluster(clusterId))?.Status, 'available');
    });

    it('refuses the source cluster even when it carries the pipeline tag', async () => {
      const clusterId = uniqueName('src-tagged');
      await seedSourceCluster({ region: REGION, clusterId, tags: { [TAG_MANAGED_BY]: TAG_MANAGED_BY_VALUE } });
      const outcome = await deleteUntilDone(clusterId, { source: { clusterId, region: REGION } }, true);
      assertFailure(outcome.error, 'RefusedToTouchSourceCluster');
      assert.ok(await readCluster(clusterId));
    });

    it("refuses the snapshot's own cluster (guard.snapshotSource), tagged or not, changing nothing", async () => {
      const clusterId = uniqueName('rollback');
      const seeded = await seedSourceCluster({
        region: REGION,
        clusterId,
        withSnapshot: `${clusterId}-snap`,
        tags: { [TAG_MANAGED_BY]: TAG_MANAGED_BY_VALUE },
      });
      const outcome = await pollUntilDone(activities.deleteCluster, {
        target,
        clusterId,
        // No source.clusterId in the request (snapshot named by id): only find-snapshot's answer names the cluster.
        guard: {
          source: { region: REGION },
          snapshotSource: { clusterId, region: REGION, accountId: seeded.accountId },
        },
        disableDeletionProtection: true,
      });
      const err = assertFailure(outcome.error, 'RefusedToTouchSourceCluster');
      assert.match(err.message, /snapshot being restored was taken from/);
      assert.match(err.message, /automated backups and point-in-time window/);
      assert.equal((await readCluster(clusterId))?.Status, 'available');
      // The same identifier in another account is another cluster: that guard does not apply.
      const other = await pollUntilDone(activities.deleteCluster, {
        target,
        clusterId,
        guard: { snapshotSource: { clusterId, region: REGION, accountId: '999999999999' } },
        disableDeletionProtection: true,
      });
      assert.equal(other.error, undefined, String(other.error));
      assert.equal(await readCluster(clusterId), undefined);
    });

    it('refuses a cluster with an instance a person added, changing nothing; describe names it', async () => {
      const { clusterId } = await restoreOurs(uniqueName('op'), { deletionProtection: true });
      const ours = `${clusterId}-1`;
      const theirs = `${clusterId}-analytics`;
      await addMemberInstance(REGION, clusterId, ours, { managed: true });
      await addMemberInstance(REGION, clusterId, theirs, { managed: false });
      const described = await activities.describeCluster({ target, clusterId, includeInstances: true });
      assert.deepEqual(described?.unmanagedInstances, [theirs]);
      const plain = await activities.describeCluster({ target, clusterId });
      assert.equal(plain?.unmanagedInstances, undefined, 'instances are listed only when asked for');

      const outcome = await pollUntilDone(activities.deleteCluster, {
        target,
        clusterId,
        guard: {},
        disableDeletionProtection: true,
      });
      const err = assertFailure(outcome.error, 'InstanceNotManagedByPipeline');
      assert.match(err.message, new RegExp(`did not create .*: ${theirs}\\. Replacing the cluster would delete them`));
      assert.equal(outcome.attempts, 1);
      const left = await aws.rds.send(
        new DescribeDBInstancesCommand({ Filters: [{ Name: 'db-cluster-id', Values: [clusterId] }] })
      );
      assert.deepEqual(
        (left.DBInstances ?? []).map((i) => [i.DBInstanceIdentifier, i.DBInstanceStatus]).sort(),
        [
          [theirs, 'available'],
          [ours, 'available'],
        ].sort()
      );
      assert.equal((await readCluster(clusterId))?.DeletionProtection, true, 'refused before protection is turned off');
    });

    it('refuses a protected cluster unless allowed, then turns protection off and deletes it', async () => {
      const { clusterId } = await restoreOurs(uniqueName('op'), { deletionProtection: true });
      const refused = await deleteUntilDone(clusterId, {}, false);
      const err = assertFailure(refused.error, 'DeletionProtected');
      assert.match(err.message, /replace\.disableDeletionProtection/);
      assert.equal((await readCluster(clusterId))?.DeletionProtection, true);

      const allowed = await deleteUntilDone(clusterId, {}, true);
      assert.equal(allowed.error, undefined, String(allowed.error));
      assert.equal(await readCluster(clusterId), undefined);
    });

    it('deletes the member instances, then the cluster, over several attempts', async () => {
      const { clusterId } = await restoreOurs();
      const instanceIds = [`${clusterId}-1`, `${clusterId}-2`];
      for (const id of instanceIds) await addMemberInstance(REGION, clusterId, id, { managed: true });
      const before = observed.length;
      const outcome = await deleteUntilDone(clusterId, {}, false);
      assert.equal(outcome.error, undefined, String(outcome.error));
      assert.deepEqual(outcome.result, { clusterId, region: REGION, outcome: 'deleted' });
      assert.ok(outcome.notReady.length >= 1, 'at least one NotReady pass before the cluster is gone');
      assert.ok(outcome.attempts >= 2);
      for (const nr of outcome.notReady) {
        const [obs] = nr.details as AwsObservation[];
        assert.equal(obs.resource, 'deletion');
        assert.equal(obs.id, clusterId);
      }
      assert.ok(observed.slice(before).some((o) => o.resource === 'deletion' && o.id === clusterId));
      assert.equal(await readCluster(clusterId), undefined);
      const left = await aws.rds.send(
        new DescribeDBInstancesCommand({ Filters: [{ Name: 'db-cluster-id', Values: [clusterId] }] })
      );
      assert.deepEqual(left.DBInstances ?? [], []);
      // A later pass (a retry after the cluster went away) is a success, not an error.
      const again = await deleteUntilDone(clusterId, {}, false);
      assert.equal(again.error, undefined);
      assert.equal(again.attempts, 1);
      assert.deepEqual(again.result, { clusterId, region: REGION, outcome: 'already-gone' });
    });

    it('treats a busy cluster (InvalidDBClusterStateFault on delete) as NotReady, never as deleted', async () => {
      const { clusterId } = await restoreOurs();
      // moto never reports a busy cluster, so the first DeleteDBCluster is answered with AWS's fault on the wire path.
      let refusals = 1;
      const busyFactory = motoClientFactory({
        decorate: interceptRds('busyCluster', (commandName, _input, send) => {
          if (commandName === 'DeleteDBClusterCommand' && refusals > 0) {
            refusals--;
            throw Object.assign(new Error('Cluster is in backing-up state'), {
              name: 'InvalidDBClusterStateFault',
              $fault: 'client',
              $metadata: { httpStatusCode: 400 },
            });
          }
          return send();
        }),
      });
      try {
        const busy = createClusterActivities({ clients: busyFactory, reportObservation: async () => undefined });
        const outcome = await pollUntilDone(busy.deleteCluster, {
          target,
          clusterId,
          guard: {},
          disableDeletionProtection: false,
        });
        assert.equal(outcome.error, undefined, String(outcome.error));
        assert.match(outcome.notReady[0]?.message ?? '', /cannot be deleted yet/);
        assert.equal(refusals, 0);
        assert.ok(outcome.attempts >= 3, 'refused pass, delete pass, gone pass');
        assert.equal(await readCluster(clusterId), undefined);
      } finally {
        busyFactory.destroy();
      }
    });

    it('compensation (operationId guard) refuses a cluster created by another operation', async () => {
      const { clusterId } = await restoreOurs(uniqueName('op-a'));
      const outcome = await deleteUntilDone(clusterId, { operationId: uniqueName('op-b') }, true);
      const err = assertFailure(outcome.error, 'ClusterNotManagedByPipeline');
      assert.match(err.message, /another operation created it/);
      assert.ok(await readCluster(clusterId));

      const own = await deleteUntilDone(
        clusterId,
        { operationId: (await readCluster(clusterId))!.TagList!.find((t) => t.Key === TAG_OPERATION_ID)!.Value },
        true
      );
      assert.equal(own.error, undefined, String(own.error));
      assert.equal(await readCluster(clusterId), undefined);
    });
  });
});
