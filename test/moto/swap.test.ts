/**
 * The swap refresh's rename activities and the simulator's rename behaviour, on moto behind the AWS simulation with
 * a manual clock. A crash is simulated the way the worker sees one: the same activity attempt runs again (a restarted
 * worker repeats the attempt whose completion was lost), possibly after its rename already went through.
 */
import assert from 'node:assert/strict';

import {
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  DescribeDBClustersCommand,
  ModifyDBClusterCommand,
  ModifyDBInstanceCommand,
} from '@aws-sdk/client-rds';
import type { RDSClient } from '@aws-sdk/client-rds';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';

import { AwsSimulator } from '../../sim/aws-simulator';
import { createSwapActivities } from '../../src/activities/swap';
import { TAG_MANAGED_BY, TAG_MANAGED_BY_VALUE } from '../../src/domain/naming';
import { useMoto } from '../support/fixtures/moto';
import { uniqueName } from '../support/moto';

const REGION = 'ap-south-1';
const target = { region: REGION };
const MINUTE = 60_000;

/** One attempt of an activity, as the worker runs it; NotReady comes back as a value, anything else throws. */
async function attempt<A, R>(fn: (a: A) => Promise<R>, arg: A): Promise<{ done: R } | { notReady: string }> {
  const env = new MockActivityEnvironment(
    { attempt: 1, scheduledTimestampMs: Date.now(), currentAttemptScheduledTimestampMs: Date.now() },
    { logger: new DefaultLogger('ERROR') }
  );
  try {
    return { done: await env.run(fn, arg) };
  } catch (err) {
    if (err instanceof ApplicationFailure && err.type === 'NotReady') return { notReady: err.message };
    throw err;
  }
}

describe('swap rename activities and simulated renames (moto + simulator)', function () {
  this.timeout(60_000);
  let now = Date.now();
  const sim = new AwsSimulator({
    clock: () => now,
    timings: { clusterRename: 2 * MINUTE, instanceRename: 10 * MINUTE },
  });
  const moto = useMoto({ decorate: sim.decorate });
  const activities = createSwapActivities({ clients: moto.factory, reportObservation: async () => undefined });
  let rds: RDSClient;

  before(() => {
    rds = moto.factory.rds(target);
  });

  async function seedCluster(id: string, instances: string[], managed = true): Promise<string> {
    const Tags = managed ? [{ Key: TAG_MANAGED_BY, Value: TAG_MANAGED_BY_VALUE }] : [];
    await rds.send(
      new CreateDBClusterCommand({
        DBClusterIdentifier: id,
        Engine: 'aurora-postgresql',
        MasterUsername: 'admin_user',
        MasterUserPassword: 'not-a-secret-1',
        Tags,
      })
    );
    for (const instance of instances) {
      await rds.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: instance,
          DBClusterIdentifier: id,
          Engine: 'aurora-postgresql',
          DBInstanceClass: 'db.r6g.large',
          Tags,
        })
      );
    }
    now += 30 * MINUTE; // past the simulated creation of the instances
    const out = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }));
    return out.DBClusters?.[0]?.DbClusterResourceId ?? '';
  }

  const modifyCalls = (): number => sim.calls()['ModifyDBClusterCommand'] ?? 0;

  it('renames a cluster once, even when the attempt runs again after a crash, and converges', async () => {
    const from = uniqueName('sw-a');
    const to = `${from}-old`;
    const resourceId = await seedCluster(from, [`${from}-1`]);
    const before = modifyCalls();

    const first = await attempt(activities.renameCluster, { target, from, to, resourceId });
    assert.ok('notReady' in first, 'the rename has only started');
    // A restarted worker repeats the attempt: the cluster is found under its new name and is not renamed again.
    const repeated = await attempt(activities.renameCluster, { target, from, to, resourceId });
    assert.ok('notReady' in repeated);
    assert.equal(modifyCalls() - before, 1, 'ModifyDBCluster is called once');
    const renaming = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: to }));
    assert.equal(renaming.DBClusters?.[0]?.Status, 'renaming');
    assert.equal(renaming.DBClusters?.[0]?.Endpoint, undefined, 'no endpoint until the new name is effective');

    now += 2 * MINUTE;
    const done = await attempt(activities.renameCluster, { target, from, to, resourceId });
    assert.ok('done' in done, JSON.stringify(done));
    assert.equal(done.done.identifier, to);
    assert.ok(done.done.endpoint?.startsWith(`${to}.`), 'the endpoint follows the identifier');
    assert.deepEqual(
      done.done.members.map((m) => m.instanceId),
      [`${from}-1`],
      'the instances stay members of the renamed cluster'
    );
    // Once more (a crash after the completion was recorded): still done, nothing changed.
    assert.ok('done' in (await attempt(activities.renameCluster, { target, from, to, resourceId })));
    assert.equal(modifyCalls() - before, 1);
  });

  it('converges at each point of a swap and of its undo (each rename repeated)', async () => {
    const targetId = uniqueName('sw-t');
    const incoming = `${targetId}-new`;
    const outgoing = `${targetId}-old`;
    const oldId = await seedCluster(targetId, [`${targetId}-1`]);
    const newId = await seedCluster(incoming, [`${incoming}1`]);
    const run = async (from: string, to: string, resourceId: string) => {
      for (let i = 0; i < 2; i++) await attempt(activities.renameCluster, { target, from, to, resourceId });
      now += 2 * MINUTE;
      const out = await attempt(activities.renameCluster, { target, from, to, resourceId });
      assert.ok('done' in out, `${from} -> ${to}: ${JSON.stringify(out)}`);
      return out.done;
    };
    // The swap: old aside, new in; then the instances.
    await run(targetId, outgoing, oldId);
    assert.equal((await run(incoming, targetId, newId)).resourceId, newId);
    for (const [clusterId, from, to] of [
      [outgoing, `${targetId}-1`, `${targetId}-1-old`],
      [targetId, `${incoming}1`, `${targetId}-1`],
    ]) {
      for (let i = 0; i < 2; i++) await attempt(activities.renameInstance, { target, clusterId, from, to });
      now += 10 * MINUTE;
      const out = await attempt(activities.renameInstance, { target, clusterId, from, to });
      assert.ok('done' in out && out.done.instanceId === to, JSON.stringify(out));
      assert.ok(out.done.endpoint?.startsWith(`${to}.`));
    }
    // Undo (what compensation does when the swap fails): the old cluster gets the target name back.
    await run(targetId, incoming, newId);
    const back = await run(outgoing, targetId, oldId);
    assert.equal(back.resourceId, oldId);
    assert.deepEqual(
      back.members.map((m) => m.instanceId),
      [`${targetId}-1-old`]
    );
  });

  it('never takes a name held by another cluster or instance', async () => {
    const a = uniqueName('sw-x');
    const b = uniqueName('sw-y');
    const aId = await seedCluster(a, [`${a}-1`]);
    await seedCluster(b, [`${b}-1`], false);
    await assert.rejects(
      attempt(activities.renameCluster, { target, from: a, to: b, resourceId: aId }),
      (err: unknown) => err instanceof ApplicationFailure && err.type === 'SwapFailed' && err.nonRetryable
    );
    await assert.rejects(
      attempt(activities.renameInstance, { target, clusterId: a, from: `${a}-1`, to: `${b}-1` }),
      (err: unknown) => err instanceof ApplicationFailure && err.type === 'SwapFailed'
    );
    // The simulator refuses what AWS refuses (moto would silently overwrite the other resource).
    await assert.rejects(
      rds.send(
        new ModifyDBClusterCommand({ DBClusterIdentifier: a, NewDBClusterIdentifier: b, ApplyImmediately: true })
      ),
      { name: 'DBClusterAlreadyExistsFault' }
    );
    await assert.rejects(
      rds.send(
        new ModifyDBInstanceCommand({
          DBInstanceIdentifier: `${a}-1`,
          NewDBInstanceIdentifier: `${b}-1`,
          ApplyImmediately: true,
        })
      ),
      { name: 'DBInstanceAlreadyExistsFault' }
    );
    // A cluster without the pipeline's tag is never renamed.
    await assert.rejects(
      attempt(activities.renameCluster, { target, from: b, to: `${b}-old`, resourceId: 'any' }),
      (err: unknown) => err instanceof ApplicationFailure && err.type === 'SwapFailed'
    );
    const still = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: b }));
    assert.equal(still.DBClusters?.[0]?.Status, 'available');
  });

  it('refuses a second rename while the cluster is renaming (InvalidDBClusterStateFault)', async () => {
    const a = uniqueName('sw-r');
    await seedCluster(a, []);
    await rds.send(
      new ModifyDBClusterCommand({ DBClusterIdentifier: a, NewDBClusterIdentifier: `${a}-b`, ApplyImmediately: true })
    );
    await assert.rejects(
      rds.send(
        new ModifyDBClusterCommand({
          DBClusterIdentifier: `${a}-b`,
          NewDBClusterIdentifier: `${a}-c`,
          ApplyImmediately: true,
        })
      ),
      { name: 'InvalidDBClusterStateFault' }
    );
    now += 2 * MINUTE;
    await rds.send(
      new ModifyDBClusterCommand({
        DBClusterIdentifier: `${a}-b`,
        NewDBClusterIdentifier: `${a}-c`,
        ApplyImmediately: true,
      })
    );
  });
});
