/**
 * planRestore on the time-skipping server with the real activities against moto (through the AWS simulator, which
 * counts every call by command name): each problem the plan promises to find is found, all of them in one run, and
 * nothing is changed: no mutating call reaches AWS and the resources involved read the same before and after.
 */
import assert from 'node:assert/strict';

import {
  CreateSecurityGroupCommand,
  DescribeVpcsCommand,
  DescribeSubnetsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { CreateKeyCommand, DisableKeyCommand, KMSClient, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import {
  CreateDBClusterCommand,
  CreateDBClusterParameterGroupCommand,
  CreateDBParameterGroupCommand,
  CreateDBSubnetGroupCommand,
  DescribeDBClustersCommand,
  DescribeDBClusterSnapshotAttributesCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBInstancesCommand,
} from '@aws-sdk/client-rds';
import type { RDSClient } from '@aws-sdk/client-rds';

import { swapNames, TAG_MANAGED_BY, TAG_MANAGED_BY_VALUE } from '../../src/domain/naming';
import { planWorkflowId } from '../../src/domain/plan';
import type { PlanProblem, RestorePlan } from '../../src/domain/plan';
import type { RestoreRequest } from '../../src/domain/request';
import { planRestore } from '../../src/workflows';
import { useWorkflowEnvironment } from '../support/fixtures/workflow';
import { recordHistory } from '../support/histories';
import {
  addMemberInstance,
  crossAccountRequest,
  motoClientConfig,
  motoClients,
  seedManagedCluster,
  seedSourceCluster,
  seedSourceInAccount,
  seedSourceSnapshot,
  uniqueName,
  useMotoAccount,
} from '../support/moto';
import { closedPort, unreachableRegion } from '../support/unreachable';
import type { SimulatedWorker } from '../support/workflow-env';

const SOURCE_REGION = 'us-east-1';
const TARGET_REGION = 'us-west-2';
const WORKER_ACCOUNT = '123456789012';

/** Read-only AWS commands: every call a plan makes must be one of these. */
const READ_ONLY = /^(Describe|List|Get)[A-Za-z]*Command$/;

function assertReadOnly(w: SimulatedWorker): void {
  const calls = w.sim.calls();
  assert.ok(Object.keys(calls).length > 0, 'the plan made no AWS call at all');
  const mutating = Object.keys(calls).filter((name) => !READ_ONLY.test(name));
  assert.deepEqual(mutating, [], `mutating AWS calls during a plan: ${JSON.stringify(calls)}`);
}

function codes(plan: RestorePlan): string[] {
  return plan.problems.map((p) => p.code);
}

function problem(plan: RestorePlan, code: PlanProblem['code'], field?: string): PlanProblem {
  const found = plan.problems.find((p) => p.code === code && (field === undefined || p.field === field));
  assert.ok(found, `no ${code}${field ? ` on ${field}` : ''} in ${JSON.stringify(plan.problems, null, 2)}`);
  return found;
}

/** What moto holds for the resources a plan could touch, without volatile fields. */
async function motoState(rds: RDSClient, clusterIds: string[], snapshotIds: string[]): Promise<unknown> {
  const state: Record<string, unknown> = {};
  for (const id of clusterIds) {
    const clusters = await rds
      .send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }))
      // LatestRestorableTime moves with the clock, not with changes.
      .then((o) => o.DBClusters?.map(({ LatestRestorableTime: _moving, ...rest }) => rest))
      .catch((err: Error) => err.name);
    const snapshots = await rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: id }));
    const instances = await rds.send(
      new DescribeDBInstancesCommand({ Filters: [{ Name: 'db-cluster-id', Values: [id] }] })
    );
    state[id] = { clusters, snapshots: snapshots.DBClusterSnapshots, instances: instances.DBInstances };
  }
  for (const id of snapshotIds) {
    state[`attributes:${id}`] = await rds
      .send(new DescribeDBClusterSnapshotAttributesCommand({ DBClusterSnapshotIdentifier: id }))
      .then((o) => o.DBClusterSnapshotAttributesResult)
      .catch((err: Error) => err.name);
  }
  return state;
}

function kmsClient(region: string, accountId = WORKER_ACCOUNT): KMSClient {
  const kms = new KMSClient({ ...motoClientConfig(), region });
  useMotoAccount(kms as never, accountId);
  return kms;
}

async function createKey(region: string, accountId = WORKER_ACCOUNT): Promise<string> {
  const kms = kmsClient(region, accountId);
  try {
    const key = await kms.send(new CreateKeyCommand({ Description: 'aurora-restore plan test key' }));
    return key.KeyMetadata?.Arn ?? '';
  } finally {
    kms.destroy();
  }
}

describe('planRestore workflow (time-skipping server, real read-only activities, moto)', function () {
  this.timeout(120_000);
  const fixture = useWorkflowEnvironment();

  /** Runs one plan; the worker must be running (see `plan`). */
  async function execute(w: SimulatedWorker, request: RestoreRequest, record?: string): Promise<RestorePlan> {
    const handle = await fixture.env.client.workflow.start(planRestore, {
      args: [request],
      taskQueue: w.taskQueue,
      workflowId: planWorkflowId(
        { region: request.target.region ?? 'none', clusterId: request.target.clusterId ?? 'none' },
        uniqueName('p')
      ),
    });
    const result = await handle.result();
    if (record) await recordHistory(record, handle);
    return result;
  }

  /** Runs one plan on a worker that stops afterwards. */
  function plan(w: SimulatedWorker, request: RestoreRequest, record?: string): Promise<RestorePlan> {
    return w.worker.runUntil(() => execute(w, request, record));
  }

  it('finds every target problem in one run, changes nothing, and calls AWS read-only', async () => {
    const sourceId = uniqueName('plan-src');
    const snapshotId = `${sourceId}-snap`;
    await seedSourceCluster({ region: SOURCE_REGION, clusterId: sourceId, withSnapshot: snapshotId, encrypted: true });
    // An existing target that the pipeline did not create, with deletion protection on.
    const targetId = uniqueName('plan-tgt');
    const target = motoClients(TARGET_REGION);
    await target.rds.send(
      new CreateDBClusterCommand({
        DBClusterIdentifier: targetId,
        Engine: 'aurora-postgresql',
        MasterUsername: 'someone',
        MasterUserPassword: 'not-ours-123',
        DeletionProtection: true,
      })
    );
    const kms = kmsClient(TARGET_REGION);
    const disabledKey = await createKey(TARGET_REGION);
    await kms.send(new DisableKeyCommand({ KeyId: disabledKey.split('/').pop() }));
    const deletedKey = await createKey(TARGET_REGION);
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: deletedKey.split('/').pop(), PendingWindowInDays: 7 }));
    kms.destroy();

    const request: RestoreRequest = {
      source: { region: SOURCE_REGION, clusterId: sourceId, snapshot: snapshotId },
      target: {
        region: TARGET_REGION,
        clusterId: targetId,
        engine: 'aurora-mysql',
        dbSubnetGroupName: `${targetId}-nosuch`,
        vpcSecurityGroupIds: ['sg-0123456789abcdef0', 'sg-0fedcba9876543210'],
        dbClusterParameterGroupName: `${targetId}-nosuch-cpg`,
        dbParameterGroupName: `${targetId}-nosuch-pg`,
        kmsKeyId: disabledKey,
      },
      copy: { kmsKeyId: deletedKey },
      masterPassword: { manage: true, kmsKeyId: 'alias/plan-test-no-such-key' },
    };
    const before = await motoState(target.rds, [targetId], []);
    const w = await fixture.createWorker();
    const result = await plan(w, request, 'plan-with-problems');

    assert.equal(result.ok, false);
    assert.match(
      problem(result, 'InvalidRestoreParameter', 'target.engine').message,
      /aurora-mysql.*aurora-postgresql/
    );
    assert.match(problem(result, 'TargetExists', 'replace.existing').message, /replace\.existing: true/);
    assert.match(problem(result, 'NotManagedByPipeline', 'target.clusterId').message, /not created by aurora-restore/);
    assert.match(problem(result, 'DeletionProtected').message, /disableDeletionProtection/);
    assert.match(problem(result, 'SubnetGroupNotFound', 'target.dbSubnetGroupName').message, /-nosuch" does not exist/);
    const sgProblems = result.problems.filter((p) => p.code === 'SecurityGroupNotFound');
    assert.equal(sgProblems.length, 2, JSON.stringify(sgProblems));
    assert.match(sgProblems[0].message, /sg-0123456789abcdef0 does not exist in us-west-2/);
    problem(result, 'ClusterParameterGroupNotFound', 'target.dbClusterParameterGroupName');
    problem(result, 'ParameterGroupNotFound', 'target.dbParameterGroupName');
    assert.match(problem(result, 'KmsKeyNotUsable', 'target.kmsKeyId').message, /is disabled/);
    assert.match(problem(result, 'KmsKeyNotUsable', 'copy.kmsKeyId').message, /scheduled for deletion/);
    assert.match(problem(result, 'KmsKeyNotUsable', 'masterPassword.kmsKeyId').message, /does not exist/);
    assert.equal(result.problems.length, 12, JSON.stringify(codes(result)));

    // What would happen is still described.
    assert.equal(result.snapshot?.identifier, snapshotId);
    assert.equal(result.snapshot?.encrypted, true);
    assert.equal(result.copy?.needed, true);
    assert.match(result.copy?.reason ?? '', /us-east-1.*us-west-2/);
    assert.equal(result.share?.needed, false);
    assert.deepEqual(result.replace?.existing, {
      identifier: targetId,
      status: 'available',
      deletionProtection: true,
      managedByPipeline: false,
    });
    assert.equal(result.replace?.allowed, false);
    assert.equal(result.masterPassword?.mode, 'managed');

    assertReadOnly(w);
    assert.deepEqual(await motoState(target.rds, [targetId], []), before, 'moto state changed during the plan');
  });

  it('finds that a cross-account snapshot under the default aws/rds key cannot be shared', async () => {
    const SOURCE_ACCOUNT = '311111111111';
    const TARGET_ACCOUNT = '322222222222';
    const seeded = await seedSourceInAccount({
      region: SOURCE_REGION,
      accountId: SOURCE_ACCOUNT,
      prefix: 'plan-xacct',
      encrypted: true,
    });
    const sourceId = seeded.clusterId;
    assert.ok(seeded.snapshot);
    const request = crossAccountRequest({
      source: { region: SOURCE_REGION, accountId: SOURCE_ACCOUNT, snapshotArn: seeded.snapshot.arn },
      target: { region: TARGET_REGION, accountId: TARGET_ACCOUNT, clusterId: uniqueName('plan-xacct-tgt') },
      kmsKeyId: await createKey(TARGET_REGION, TARGET_ACCOUNT),
    });
    const source = motoClients(SOURCE_REGION, SOURCE_ACCOUNT);
    const before = await motoState(source.rds, [sourceId], [seeded.snapshot.identifier]);
    const w = await fixture.createWorker();
    const result = await plan(w, request);

    assert.equal(result.ok, false);
    assert.deepEqual(codes(result), ['DefaultKmsKeyNotShareable']);
    assert.match(result.problems[0].message, /aws\/rds key of account 311111111111.*customer-managed key/);
    assert.deepEqual(result.share, { needed: true, withAccount: TARGET_ACCOUNT });
    assert.equal(result.copy?.needed, true);
    assertReadOnly(w);
    assert.deepEqual(await motoState(source.rds, [sourceId], [seeded.snapshot.identifier]), before);
  });

  it('reports a snapshot that is missing or not available, and an invalid request, as problems', async () => {
    const sourceId = uniqueName('plan-nosnap');
    const snapshotId = `${sourceId}-snap`;
    await seedSourceCluster({ region: SOURCE_REGION, clusterId: sourceId, withSnapshot: snapshotId });
    const w = await fixture.createWorker();
    await w.worker.runUntil(async () => {
      const missing = await execute(w, {
        source: { region: SOURCE_REGION, snapshot: `${sourceId}-no-such-snapshot` },
        target: { region: TARGET_REGION, clusterId: uniqueName('plan-nosnap-tgt') },
      });
      assert.equal(missing.ok, false);
      assert.deepEqual(codes(missing), ['SnapshotNotFound']);
      assert.equal(missing.problems[0].field, 'source.snapshot');
      assert.equal(missing.snapshot, undefined);
      assert.equal(missing.replace?.existing, null, 'the target was still checked');

      await w.sim.forceStatus({ kind: 'snapshot', id: snapshotId, status: 'creating' });
      const notAvailable = await execute(w, {
        source: { region: SOURCE_REGION, snapshot: snapshotId },
        target: { region: SOURCE_REGION, clusterId: uniqueName('plan-creating-tgt') },
      });
      assert.deepEqual(codes(notAvailable), ['SnapshotNotAvailable']);
      assert.match(notAvailable.problems[0].message, /"creating", not available/);

      const invalid = await execute(w, {
        source: { region: 'nowhere', snapshot: snapshotId },
        target: { region: TARGET_REGION, clusterId: 'Bad--Name', instanceCount: 40 },
      } as RestoreRequest);
      assert.equal(invalid.ok, false);
      assert.ok(invalid.problems.every((p) => p.code === 'InvalidRequest'));
      assert.deepEqual(invalid.problems.map((p) => p.field).sort(), [
        'source.region',
        'target.clusterId',
        'target.instanceCount',
      ]);
    });
    assertReadOnly(w);
  });

  it('reports a region whose endpoint cannot be reached, and a region the SDK does not know, instead of failing', async () => {
    // A well-formed region the SDK does not list, whose endpoint refuses connections (as a region that does not
    // exist would fail to resolve): the plan warns about the region and reports the endpoint as a problem.
    const newRegion = 'ap-southeast-9';
    const sourceId = uniqueName('plan-unreach');
    const snapshotId = `${sourceId}-snap`;
    await seedSourceCluster({ region: SOURCE_REGION, clusterId: sourceId, withSnapshot: snapshotId });
    const w = await fixture.createWorker({ decorate: unreachableRegion(newRegion, await closedPort()) });
    await w.worker.runUntil(async () => {
      const unreachableTarget = await execute(
        w,
        {
          source: { region: SOURCE_REGION, snapshot: snapshotId },
          target: { region: newRegion, clusterId: uniqueName('plan-unreach-tgt'), kmsKeyId: 'alias/plan-key' },
        },
        'plan-endpoint-unreachable'
      );
      assert.equal(unreachableTarget.ok, false);
      assert.deepEqual(codes(unreachableTarget), ['EndpointUnreachable']);
      assert.equal(unreachableTarget.problems[0].field, 'target.region');
      assert.match(unreachableTarget.problems[0].message, /endpoint 127\.0\.0\.1:\d+ for region ap-southeast-9/);
      assert.deepEqual(
        unreachableTarget.warnings?.map((x) => x.field),
        ['target.region'],
        JSON.stringify(unreachableTarget.warnings)
      );
      assert.match(unreachableTarget.warnings?.[0].message ?? '', /"ap-southeast-9" is not a region the AWS SDK/);
      assert.equal(unreachableTarget.snapshot?.identifier, snapshotId, 'the source was still read');

      const unreachableSource = await execute(w, {
        source: { region: newRegion, snapshot: snapshotId },
        target: { region: TARGET_REGION, clusterId: uniqueName('plan-unreach-tgt') },
      });
      assert.deepEqual(codes(unreachableSource), ['EndpointUnreachable']);
      assert.equal(unreachableSource.problems[0].field, 'source.region');
      assert.equal(unreachableSource.replace?.existing, null, 'the target was still checked');
    });
  });

  it("reports a rollback onto the snapshot's own cluster as refused under the delete-first replace", async () => {
    // A cluster this pipeline manages, and a snapshot of its own.
    const { clusterId, snapshotId } = await seedSourceSnapshot({
      region: SOURCE_REGION,
      prefix: 'plan-rollback',
      tags: { [TAG_MANAGED_BY]: TAG_MANAGED_BY_VALUE },
    });
    const w = await fixture.createWorker();
    const result = await plan(w, {
      source: { region: SOURCE_REGION, snapshot: snapshotId },
      target: { region: SOURCE_REGION, clusterId },
      replace: { existing: true, strategy: 'delete-first' },
    });
    assertReadOnly(w);
    assert.equal(result.ok, false);
    assert.match(problem(result, 'RefusedSourceCluster', 'target.clusterId').message, /replace\.strategy: swap/);
    assert.equal(result.replace?.allowed, false);
    assert.equal(result.replace?.strategy, 'delete-first');
    assert.equal(result.replace?.rollback?.allowed, false);
    assert.match(result.replace?.rollback?.reason ?? '', /automated backups/);
  });

  it('reports instances of the target that this pipeline did not create, by name', async () => {
    const sourceId = uniqueName('plan-inst-src');
    const snapshotId = `${sourceId}-snap`;
    await seedSourceCluster({ region: TARGET_REGION, clusterId: sourceId, withSnapshot: snapshotId });
    const targetId = uniqueName('plan-inst');
    await seedManagedCluster(TARGET_REGION, targetId);
    await addMemberInstance(TARGET_REGION, targetId, `${targetId}-1`, { managed: true });
    await addMemberInstance(TARGET_REGION, targetId, `${targetId}-manual`, { managed: false });
    const w = await fixture.createWorker();
    const result = await plan(w, {
      source: { region: TARGET_REGION, clusterId: sourceId, snapshot: snapshotId },
      target: { region: TARGET_REGION, clusterId: targetId },
      replace: { existing: true },
    });
    assertReadOnly(w);
    const found = problem(result, 'UnmanagedInstance', 'target.clusterId');
    assert.match(found.message, new RegExp(`${targetId}-manual`));
    assert.doesNotMatch(found.message, new RegExp(`${targetId}-1\\b`));
    assert.deepEqual(result.replace?.existing?.unmanagedInstances, [`${targetId}-manual`]);
    assert.equal(result.replace?.allowed, false);
  });

  it('returns a clean plan for a valid request: copy, replacement, instances, password and database steps', async () => {
    const sourceId = uniqueName('plan-ok-src');
    const snapshotId = `${sourceId}-snap`;
    await seedSourceCluster({ region: SOURCE_REGION, clusterId: sourceId, withSnapshot: snapshotId, encrypted: true });
    const targetId = uniqueName('plan-ok');
    const { rds } = motoClients(TARGET_REGION);
    // A target this pipeline created earlier: replacing it is allowed.
    await rds.send(
      new CreateDBClusterCommand({
        DBClusterIdentifier: targetId,
        Engine: 'aurora-postgresql',
        MasterUsername: 'restored',
        MasterUserPassword: 'restored-123',
        Tags: [{ Key: TAG_MANAGED_BY, Value: TAG_MANAGED_BY_VALUE }],
      })
    );
    const ec2 = new EC2Client({ ...motoClientConfig(), region: TARGET_REGION });
    const vpcId = (await ec2.send(new DescribeVpcsCommand({}))).Vpcs?.[0]?.VpcId;
    const subnets = (
      await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId ?? ''] }] }))
    ).Subnets;
    const sg = await ec2.send(
      new CreateSecurityGroupCommand({ GroupName: targetId, Description: 'plan test', VpcId: vpcId })
    );
    ec2.destroy();
    await rds.send(
      new CreateDBSubnetGroupCommand({
        DBSubnetGroupName: `${targetId}-subnets`,
        DBSubnetGroupDescription: 'plan test',
        SubnetIds: (subnets ?? []).slice(0, 2).map((s) => s.SubnetId ?? ''),
      })
    );
    await rds.send(
      new CreateDBClusterParameterGroupCommand({
        DBClusterParameterGroupName: `${targetId}-cpg`,
        DBParameterGroupFamily: 'aurora-postgresql15',
        Description: 'plan test',
      })
    );
    await rds.send(
      new CreateDBParameterGroupCommand({
        DBParameterGroupName: `${targetId}-pg`,
        DBParameterGroupFamily: 'aurora-postgresql15',
        Description: 'plan test',
      })
    );
    const key = await createKey(TARGET_REGION);
    const request: RestoreRequest = {
      operationId: 'plan-clean-1',
      source: { region: SOURCE_REGION, clusterId: sourceId, snapshot: snapshotId },
      target: {
        region: TARGET_REGION,
        clusterId: targetId,
        instanceCount: 2,
        instanceClass: 'db.r6g.xlarge',
        dbSubnetGroupName: `${targetId}-subnets`,
        vpcSecurityGroupIds: [sg.GroupId ?? ''],
        dbClusterParameterGroupName: `${targetId}-cpg`,
        dbParameterGroupName: `${targetId}-pg`,
        kmsKeyId: key,
      },
      copy: { kmsKeyId: key },
      replace: { existing: true },
      approval: { required: true, timeout: '4h', notify: false },
      masterPassword: { manage: true },
      database: {
        masterSecretArn: `arn:aws:secretsmanager:${TARGET_REGION}:${WORKER_ACCOUNT}:secret:master-AbCdEf`,
        users: [
          {
            name: 'app',
            passwordSecretArn: `arn:aws:secretsmanager:${TARGET_REGION}:${WORKER_ACCOUNT}:secret:app-AbCdEf`,
          },
        ],
        sanitize: [{ name: 'mask-emails', sql: "UPDATE users SET email = 'x'" }],
        verify: true,
      },
    };
    const before = await motoState(rds, [targetId, sourceId], []);
    const w = await fixture.createWorker();
    const result = await plan(w, request, 'plan-clean');

    assert.deepEqual(result.problems, []);
    assert.equal(result.ok, true);
    assert.equal(result.operationId, 'plan-clean-1');
    assert.equal(result.engine, 'aurora-postgresql');
    assert.deepEqual(result.copy, {
      needed: true,
      reason: 'snapshot is in us-east-1, target in us-west-2',
      keep: false,
      identifier: result.copy?.identifier,
      kmsKeyId: key,
    });
    assert.match(result.copy?.identifier ?? '', new RegExp(`^${targetId}`));
    assert.deepEqual(result.replace, {
      existing: { identifier: targetId, status: 'available', deletionProtection: false, managedByPipeline: true },
      allowed: true,
      strategy: 'swap',
      disablesDeletionProtection: false,
      swap: {
        ...swapNames(targetId, result.operationId ?? '', 2),
        previous: 'delete',
        quota: {
          clusters: 2,
          instances: 2,
          note:
            `until the swap, ${targetId} and the new cluster exist side by side: 2 clusters and 2 instances of the ` +
            `account's RDS quotas in ${TARGET_REGION} (and their cost); with replace.strategy: delete-first, only one at a time`,
        },
      },
      approval: { timeoutMs: 4 * 3_600_000, notify: false },
    });
    assert.deepEqual(result.instances, {
      ids: [`${targetId}-1`, `${targetId}-2`],
      instanceClass: 'db.r6g.xlarge',
      dbParameterGroupName: `${targetId}-pg`,
    });
    assert.deepEqual(result.masterPassword, { mode: 'managed' });
    assert.deepEqual(
      result.database?.steps.map((s) => s.step),
      ['setup-users', 'sanitize-data', 'verify-database']
    );
    assertReadOnly(w);
    assert.deepEqual(await motoState(rds, [targetId, sourceId], []), before, 'moto state changed during the plan');
  });
});
