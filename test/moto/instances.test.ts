import assert from 'node:assert/strict';

import { CreateDBInstanceCommand, DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';

import { createClusterActivities } from '../../src/activities/clusters';
import { createInstanceActivities } from '../../src/activities/instances';
import type { AwaitInstancesInput, CreateInstancesInput } from '../../src/activities/types';
import type { ClusterEndpoints } from '../../src/domain/aws-shapes';
import { instanceIds, pipelineTags, TAG_OPERATION_ID, TAG_ROLE } from '../../src/domain/naming';
import type { AwsObservation } from '../../src/domain/observation';
import { useMoto } from '../support/fixtures/moto';
import { seedSourceCluster, uniqueName } from '../support/moto';
import type { MotoClients } from '../support/moto';

const REGION = 'ap-southeast-2';
const target = { region: REGION };

/** One attempt of a poll activity in an activity context first scheduled `sinceScheduledMs` ago. */
async function attempt(
  fn: (i: AwaitInstancesInput) => Promise<ClusterEndpoints>,
  input: AwaitInstancesInput,
  sinceScheduledMs = 0
): Promise<{ result?: ClusterEndpoints; error?: unknown }> {
  const env = new MockActivityEnvironment(
    { scheduledTimestampMs: Date.now() - sinceScheduledMs, currentAttemptScheduledTimestampMs: Date.now() },
    { logger: new DefaultLogger('ERROR') }
  );
  try {
    return { result: await env.run(fn, input) };
  } catch (error) {
    return { error };
  }
}

describe('instance activities (moto RDS)', function () {
  let aws: MotoClients;
  const observed: AwsObservation[] = [];
  const moto = useMoto();
  const deps = { clients: moto.factory, reportObservation: async (o: AwsObservation) => void observed.push(o) };
  const clusters = createClusterActivities(deps);
  const activities = createInstanceActivities(deps);
  let snapshotId: string;

  before(async () => {
    aws = moto.clients(REGION);
    snapshotId = uniqueName('inst-snap');
    await seedSourceCluster({ region: REGION, clusterId: uniqueName('inst-src'), withSnapshot: snapshotId });
  });

  async function restoredCluster(): Promise<{ clusterId: string; operationId: string }> {
    const clusterId = uniqueName('inst-tgt');
    const operationId = uniqueName('op');
    await clusters.restoreCluster({
      target,
      clusterId,
      snapshotIdentifier: snapshotId,
      operationId,
      tags: pipelineTags(operationId, snapshotId),
      settings: { engine: 'aurora-postgresql', deletionProtection: false },
    });
    return { clusterId, operationId };
  }

  function createInput(clusterId: string, operationId: string, count = 3): CreateInstancesInput {
    return {
      target,
      clusterId,
      engine: 'aurora-postgresql',
      instanceClass: 'db.r6g.large',
      instanceIds: instanceIds(clusterId, count),
      operationId,
      tags: pipelineTags(operationId, snapshotId, { team: 'dba' }),
    };
  }

  it('creates a writer and two readers, adopts them on a second call, and returns endpoints and roles', async () => {
    const { clusterId, operationId } = await restoredCluster();
    const input = createInput(clusterId, operationId);
    const [writerId, ...readerIds] = input.instanceIds;

    const first = await activities.createInstances(input);
    assert.deepEqual(first, { created: input.instanceIds, adopted: [] });

    const second = await activities.createInstances(input);
    assert.deepEqual(second, { created: [], adopted: input.instanceIds });

    const described = await aws.rds.send(
      new DescribeDBInstancesCommand({ Filters: [{ Name: 'db-cluster-id', Values: [clusterId] }] })
    );
    assert.equal(described.DBInstances?.length, 3, 'the second call must not create more instances');
    for (const instance of described.DBInstances ?? []) {
      const tags = Object.fromEntries((instance.TagList ?? []).map((t) => [t.Key, t.Value]));
      assert.equal(tags[TAG_OPERATION_ID], operationId);
      assert.equal(tags[TAG_ROLE], instance.DBInstanceIdentifier === writerId ? 'writer' : 'reader');
      assert.equal(tags.team, 'dba');
      assert.equal(instance.PromotionTier, instance.DBInstanceIdentifier === writerId ? 0 : 1);
      assert.equal(instance.DBInstanceClass, 'db.r6g.large');
    }

    const awaited = await attempt(activities.awaitInstancesAvailable, {
      target,
      clusterId,
      instanceIds: input.instanceIds,
    });
    assert.equal(awaited.error, undefined, String(awaited.error));
    const endpoints = awaited.result!;
    assert.match(endpoints.writerEndpoint ?? '', new RegExp(`^${clusterId}\\.cluster-`));
    assert.match(endpoints.readerEndpoint ?? '', new RegExp(`^${clusterId}\\.cluster-ro-`));
    assert.equal(endpoints.port, 5432);
    assert.deepEqual(
      endpoints.instances.map((i) => [i.instanceId, i.role, i.status, i.instanceClass]),
      [
        [writerId, 'writer', 'available', 'db.r6g.large'],
        [readerIds[0], 'reader', 'available', 'db.r6g.large'],
        [readerIds[1], 'reader', 'available', 'db.r6g.large'],
      ]
    );
    assert.ok(endpoints.instances.every((i) => i.endpoint));
  });

  it('refuses an existing instance it did not create, before creating any', async () => {
    const { clusterId, operationId } = await restoredCluster();
    const input = createInput(clusterId, operationId);
    // Someone else's reader already uses the third identifier.
    await aws.rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: input.instanceIds[2],
        DBClusterIdentifier: clusterId,
        Engine: 'aurora-postgresql',
        DBInstanceClass: 'db.r6g.large',
      })
    );
    const err = await activities.createInstances(input).catch((e: unknown) => e);
    assert.ok(err instanceof ApplicationFailure, String(err));
    assert.equal(err.type, 'TargetClusterExists');
    assert.equal(err.nonRetryable, true);
    assert.ok(err.message.includes(input.instanceIds[2]));
    const described = await aws.rds.send(
      new DescribeDBInstancesCommand({ Filters: [{ Name: 'db-cluster-id', Values: [clusterId] }] })
    );
    assert.deepEqual(
      described.DBInstances?.map((i) => i.DBInstanceIdentifier),
      [input.instanceIds[2]],
      'nothing else was created'
    );
  });

  it('waits (NotReady, "n/m available") while an instance is not visible, and fails once the grace period is over', async () => {
    const { clusterId, operationId } = await restoredCluster();
    const input = createInput(clusterId, operationId, 2);
    await activities.createInstances(input);
    const expected = [...input.instanceIds, `${clusterId}-9`];

    const early = await attempt(activities.awaitInstancesAvailable, { target, clusterId, instanceIds: expected });
    assert.ok(early.error instanceof ApplicationFailure, String(early.error));
    assert.equal(early.error.type, 'NotReady');
    assert.equal(early.error.nonRetryable, false);
    assert.match(early.error.message, new RegExp(`${clusterId}-9: not visible yet`));
    const [obs] = early.error.details as AwsObservation[];
    assert.deepEqual([obs.resource, obs.id, obs.status], ['instances', clusterId, '2/3 available']);
    assert.ok(observed.some((o) => o.id === clusterId && o.status === '2/3 available'));

    const late = await attempt(
      activities.awaitInstancesAvailable,
      { target, clusterId, instanceIds: expected },
      10 * 60_000
    );
    assert.ok(late.error instanceof ApplicationFailure, String(late.error));
    assert.equal(late.error.type, 'InstanceCreationFailed');
    assert.equal(late.error.nonRetryable, true);
  });

  it('rejects invalid input before calling RDS', async () => {
    const err = await activities
      .createInstances({ ...createInput('c', 'op'), instanceIds: ['ok-1', 'ok-1', '9bad'] })
      .catch((e: unknown) => e);
    assert.ok(err instanceof ApplicationFailure);
    assert.equal(err.type, 'InvalidRestoreRequest');
    assert.match(err.message, /duplicates/);
    assert.match(err.message, /9bad/);
  });
});
