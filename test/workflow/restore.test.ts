/**
 * The restore workflow on the time-skipping server, with the real worker and the real activities against moto,
 * and AWS durations simulated in the server's clock (copy 20 min, restore 40 min, instances 10 min). Each
 * scenario finishes in seconds of wall time.
 */
import assert from 'node:assert/strict';

import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  DescribeDBClustersCommand,
  DescribeDBClusterSnapshotsCommand,
  ModifyDBClusterCommand,
} from '@aws-sdk/client-rds';
import { WorkflowFailedError } from '@temporalio/client';
import type { WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

import { restoreWorkflowId, TAG_MANAGED_BY, TAG_MANAGED_BY_VALUE } from '../../src/domain/naming';
import type { RestoreRequest } from '../../src/domain/request';
import type { auroraRestore } from '../../src/workflows';
import { progressQuery } from '../../src/workflows/messages';
import type { RestoreProgress, RestoreResult } from '../../src/workflows/messages';
import { useWorkflowEnvironment } from '../support/fixtures/workflow';
import { recordHistory } from '../support/histories';
import {
  addMemberInstance,
  clusterExists as motoClusterExists,
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
import { restoreEventTopic } from '../support/sqs';
import { closedPort, unreachableRegion } from '../support/unreachable';
import type { SimulatedWorker } from '../support/workflow-env';

const SOURCE_REGION = 'us-east-1';
const TARGET_REGION = 'us-west-2';

const REALISTIC = { snapshotCopy: 20 * 60_000, clusterRestore: 40 * 60_000, instanceCreate: 10 * 60_000 };

describe('auroraRestore workflow (time-skipping server, real activities, simulated AWS timing)', function () {
  this.timeout(240_000);
  // A server per test: a run can leave a task the test server counts against time skipping (a coordinator's last
  // workflow task after the worker stopped, a cancelled attempt), which would stall every later test on it.
  const fixture = useWorkflowEnvironment({ serverPerTest: true });

  const seedSource = () => seedSourceSnapshot({ region: SOURCE_REGION, prefix: 'src', encrypted: true });

  function crossRegionRequest(source: { clusterId: string; snapshotId: string }, targetId: string): RestoreRequest {
    return {
      source: { region: SOURCE_REGION, clusterId: source.clusterId, snapshot: source.snapshotId },
      target: { region: TARGET_REGION, clusterId: targetId, instanceCount: 2, tags: { environment: 'test' } },
      copy: { kmsKeyId: 'alias/aws/rds' },
      timing: { pollInterval: '30s' },
    };
  }

  type Outcome = { result?: RestoreResult; error?: WorkflowFailedError; progress: RestoreProgress };

  async function run(
    w: SimulatedWorker,
    request: RestoreRequest,
    options: { workflowId?: string; during?: (handle: WorkflowHandle<typeof auroraRestore>) => Promise<void> } = {}
  ): Promise<{ handle: WorkflowHandle<typeof auroraRestore>; outcome: Outcome }> {
    const workflowId = options.workflowId ?? restoreWorkflowId(request.target);
    return w.worker.runUntil(async () => {
      const handle = await fixture.startRestore(request, { worker: w, workflowId });
      if (options.during) await options.during(handle);
      const settled = await handle.result().then(
        (result) => ({ result }),
        (error: unknown) => {
          if (error instanceof WorkflowFailedError) return { error };
          throw error;
        }
      );
      // Queried while the worker still runs: a closed workflow's query is answered by replaying it on a worker.
      const progress = await handle.query(progressQuery);
      return { handle, outcome: { ...settled, progress } };
    });
  }

  function failureOf(outcome: Outcome): ApplicationFailure {
    assert.ok(outcome.error, `expected the restore to fail, but it returned ${JSON.stringify(outcome.result)}`);
    const cause = outcome.error.cause;
    assert.ok(cause instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(cause)}`);
    return cause;
  }

  const clusterExists = (clusterId: string, region = TARGET_REGION): Promise<boolean> =>
    motoClusterExists(region, clusterId);

  async function snapshotsNamed(prefix: string, region = TARGET_REGION): Promise<string[]> {
    const { rds } = motoClients(region);
    const out = await rds.send(new DescribeDBClusterSnapshotsCommand({}));
    return (out.DBClusterSnapshots ?? [])
      .map((s) => s.DBClusterSnapshotIdentifier ?? '')
      .filter((id) => id.startsWith(prefix));
  }

  /** What a failed run leaves behind in the target region: neither the cluster it created nor its snapshot copy. */
  async function assertCleanedUp(targetId: string): Promise<void> {
    assert.equal(await clusterExists(targetId), false, 'the cluster this run created must be deleted');
    assert.deepEqual(await snapshotsNamed(targetId), [], 'the snapshot copy must be deleted');
  }

  /**
   * History size, split: `commands` counts every event except workflow-task bookkeeping and observation signals
   * (activities, timers, search-attribute upserts, ...), which must not depend on AWS durations at all; `signals`
   * counts the status observations the wait activities report, bounded by the number of distinct statuses and
   * 10 % copy steps (not by duration), whose workflow tasks may batch differently from run to run.
   */
  async function historyShape(handle: WorkflowHandle): Promise<{ total: number; commands: number; signals: number }> {
    const { EventType } = temporal.api.enums.v1;
    const events = (await handle.fetchHistory()).events ?? [];
    const bookkeeping = new Set<number>([
      EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
    ]);
    const signals = events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED).length;
    const commands = events.filter(
      (e) => !bookkeeping.has(e.eventType ?? 0) && e.eventType !== EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
    ).length;
    return { total: events.length, commands, signals };
  }

  it('restores cross-region: steps in order, cluster and instances exist, no snapshot copy left', async () => {
    const source = await seedSource();
    const targetId = uniqueName('xr');
    const w = await fixture.createWorker({ timings: REALISTIC });
    const { handle, outcome } = await run(w, crossRegionRequest(source, targetId));

    assert.ok(outcome.result, `restore failed: ${outcome.error?.cause?.message}`);
    const result = outcome.result;
    const completed = result.steps.filter((s) => s.status === 'completed').map((s) => s.name);
    assert.deepEqual(completed, [
      'validate-request',
      'find-snapshot',
      'check-target',
      'copy-snapshot',
      'wait-for-copy',
      'restore-cluster',
      'wait-for-cluster',
      'create-instances',
      'wait-for-instances',
      'delete-snapshot-copy',
    ]);
    // The copy and the restore really took simulated AWS time, and the workflow waited for it.
    const took = (name: string) => result.steps.find((s) => s.name === name)?.durationMs ?? 0;
    assert.ok(took('wait-for-copy') >= 19 * 60_000, `wait-for-copy took ${took('wait-for-copy')} ms`);
    assert.ok(took('wait-for-cluster') >= 39 * 60_000, `wait-for-cluster took ${took('wait-for-cluster')} ms`);
    assert.ok(took('wait-for-instances') >= 9 * 60_000, `wait-for-instances took ${took('wait-for-instances')} ms`);

    assert.equal(result.target.clusterId, targetId);
    assert.equal(result.endpoints.instances.length, 2);
    assert.deepEqual(result.endpoints.instances.map((i) => i.role).sort(), ['reader', 'writer']);
    assert.ok(result.endpoints.writerEndpoint);
    assert.equal(await clusterExists(targetId), true);
    assert.deepEqual(await snapshotsNamed(targetId), [], 'the snapshot copy must be deleted after the restore');

    assert.equal(outcome.progress.status, 'succeeded');
    assert.equal(outcome.progress.lastObservation?.resource, 'instances');
    // The region's copy-slot coordinator watched the copy and told the restore when it ended: the restore made no
    // status call for it. Each other wait follows a call of this run that started its operation and spends no
    // describe on its first attempt.
    const history = (await handle.fetchHistory()).events ?? [];
    const activityTypes = history.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name);
    assert.ok(!activityTypes.includes('awaitSnapshotAvailable'), activityTypes.join(' '));
    assert.equal(w.sim.callsByActivity('DescribeDBClusterSnapshotsCommand').awaitSnapshotAvailable ?? 0, 0);
    assert.ok(w.sim.callsByActivity('DescribeDBClusterSnapshotsCommand').checkCopies > 0);
    const waits = ['awaitClusterAvailable', 'awaitInstancesAvailable'];
    const scheduled = history
      .map((e) => e.activityTaskScheduledEventAttributes)
      .filter((a) => waits.includes(a?.activityType?.name ?? ''));
    assert.deepEqual(
      scheduled.map((a) => {
        const payload = a?.input?.payloads?.[0];
        const input = JSON.parse(Buffer.from(payload?.data ?? []).toString()) as { justStarted?: boolean };
        return `${a?.activityType?.name}:${input.justStarted}`;
      }),
      waits.map((name) => `${name}:true`)
    );
    await recordHistory('cross-region-success', handle);
  });

  it('keeps the history size independent of how long AWS takes (ten times longer)', async () => {
    const shapes: { total: number; commands: number; signals: number }[] = [];
    const calls: number[] = [];
    for (const factor of [1, 10]) {
      const source = await seedSource();
      const w = await fixture.createWorker({
        timings: {
          snapshotCopy: REALISTIC.snapshotCopy * factor,
          clusterRestore: REALISTIC.clusterRestore * factor,
          instanceCreate: REALISTIC.instanceCreate * factor,
        },
      });
      const { handle, outcome } = await run(w, crossRegionRequest(source, uniqueName(`len${factor}`)));
      assert.ok(outcome.result, `restore failed: ${outcome.error?.cause?.message}`);
      shapes.push(await historyShape(handle));
      calls.push(w.sim.callCount());
    }
    const [base, slow] = shapes;
    // AWS really took ten times longer: ten times the status polls...
    assert.ok(calls[1] > 5 * calls[0], `AWS calls ${calls[0]} -> ${calls[1]}`);
    // ...yet every event other than workflow-task bookkeeping is there exactly as often: the same activities, timers
    // and upserts, and the same observation signals (one per status change or 10 % step, never one per poll).
    assert.equal(slow.commands, base.commands, `history commands grew: ${JSON.stringify(shapes)}`);
    assert.equal(slow.signals, base.signals, `observation signals changed: ${JSON.stringify(shapes)}`);
    // Workflow tasks are not compared one for one: the time-skipping server adds an empty task when a poll's retry
    // lands while a signal's task is running, which depends on wall-clock timing (seen: 168 or 171 events, at 1x and
    // 10x alike): at most one extra task (3 events) per signal, whatever AWS takes.
    const bookkeeping = (s: { total: number; commands: number; signals: number }) => s.total - s.commands - s.signals;
    assert.ok(Math.abs(bookkeeping(slow) - bookkeeping(base)) <= 3 * base.signals, JSON.stringify(shapes));
  });

  it('compensates on failure: deletes the partly restored cluster and the copy, ends failed', async () => {
    const source = await seedSource();
    const targetId = uniqueName('fail');
    const w = await fixture.createWorker({ timings: REALISTIC });
    await w.sim.forceStatus({ kind: 'cluster', id: targetId, status: 'incompatible-restore', after: 5 * 60_000 });
    const { handle, outcome } = await run(w, crossRegionRequest(source, targetId));

    const failure = failureOf(outcome);
    assert.equal(failure.type, 'ClusterRestoreFailed');
    assert.match(failure.message, /incompatible-restore/);
    const progress = outcome.progress;
    assert.equal(progress.status, 'failed');
    assert.equal(progress.failure?.step, 'wait-for-cluster');
    assert.ok(
      progress.cleanup?.removed.some((r) => r.includes(targetId)),
      JSON.stringify(progress.cleanup)
    );
    await assertCleanedUp(targetId); // the partly restored cluster too
    await recordHistory('compensation-after-incompatible-restore', handle);
  });

  it('cleans up when cancelled during the restore wait, and ends failed', async () => {
    const source = await seedSource();
    const targetId = uniqueName('cancel');
    const w = await fixture.createWorker({ timings: REALISTIC });
    const { handle, outcome } = await run(w, crossRegionRequest(source, targetId), {
      during: async (h) => {
        // Let time skip (a pending result unlocks it) until the workflow polls the restoring cluster, then cancel.
        const settled = h.result().catch(() => undefined);
        const polls = () =>
          w.sim.calls()['RestoreDBClusterFromSnapshotCommand'] ? w.sim.calls()['DescribeDBClustersCommand'] : 0;
        for (let i = 0; i < 600 && (polls() ?? 0) < 5; i++) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        assert.ok((polls() ?? 0) >= 5, 'the restore never started');
        await h.cancel();
        await settled;
      },
    });

    const failure = failureOf(outcome);
    assert.equal(failure.type, 'RestoreCancelled');
    assert.equal(outcome.progress.status, 'failed');
    assert.equal(outcome.progress.failure?.step, 'wait-for-cluster');
    await assertCleanedUp(targetId);
    await recordHistory('cancelled-during-restore', handle);
  });

  it('refuses to replace a cluster it did not create, and changes nothing', async () => {
    const source = await seedSource();
    const targetId = uniqueName('foreign');
    await seedSourceCluster({ region: TARGET_REGION, clusterId: targetId }); // untagged: not ours
    const w = await fixture.createWorker({ timings: REALISTIC });
    const request = { ...crossRegionRequest(source, targetId), replace: { existing: true } };
    const { handle, outcome } = await run(w, request);

    const failure = failureOf(outcome);
    assert.equal(failure.type, 'ClusterNotManagedByPipeline');
    assert.match(failure.message, /not created by aurora-restore/);
    assert.equal(await clusterExists(targetId), true, 'the foreign cluster must be left alone');
    assert.deepEqual(await snapshotsNamed(targetId), [], 'nothing is copied before the preflight passes');
    assert.equal(w.sim.calls()['CopyDBClusterSnapshotCommand'] ?? 0, 0);
    await recordHistory('refuses-unmanaged-target', handle);
  });

  it('replaces a cluster this pipeline created, turning deletion protection off when allowed', async () => {
    const source = await seedSource();
    const targetId = uniqueName('replace');
    await seedManagedCluster(TARGET_REGION, targetId);
    await motoClients(TARGET_REGION).rds.send(
      new ModifyDBClusterCommand({ DBClusterIdentifier: targetId, DeletionProtection: true, ApplyImmediately: true })
    );
    const w = await fixture.createWorker({ timings: REALISTIC });
    const request = {
      ...crossRegionRequest(source, targetId),
      replace: { existing: true, disableDeletionProtection: true, strategy: 'delete-first' as const },
    };
    const { handle, outcome } = await run(w, request);
    assert.ok(outcome.result, `restore failed: ${outcome.error?.cause?.message}`);
    assert.equal(outcome.result.replacedExistingCluster, true);
    assert.ok(outcome.result.steps.some((s) => s.name === 'delete-target' && s.status === 'completed'));
    assert.ok((w.sim.calls()['DeleteDBClusterCommand'] ?? 0) >= 1);
    await recordHistory('replace-managed-target', handle);
  });

  it('refuses to replace a cluster with its own snapshot named by id (no source.clusterId), changing nothing', async () => {
    // A rollback of a managed cluster to its own snapshot: a delete-first replace would drop the cluster, its
    // automated backups and point-in-time window before the restored one is verified.
    // A cluster this pipeline manages, and a snapshot of its own.
    const { clusterId, snapshotId } = await seedSourceSnapshot({
      region: SOURCE_REGION,
      prefix: 'rollback',
      tags: { [TAG_MANAGED_BY]: TAG_MANAGED_BY_VALUE },
    });
    const w = await fixture.createWorker({ timings: REALISTIC });
    const { outcome } = await run(w, {
      source: { region: SOURCE_REGION, snapshot: snapshotId },
      target: { region: SOURCE_REGION, clusterId },
      replace: { existing: true, strategy: 'delete-first' },
    });

    const failure = failureOf(outcome);
    assert.equal(failure.type, 'RefusedToTouchSourceCluster');
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, new RegExp(`${clusterId} .* is the cluster snapshot ${snapshotId} was taken from`));
    assert.match(failure.message, /replace\.strategy: swap/);
    assert.equal(await clusterExists(clusterId, SOURCE_REGION), true, 'the source cluster must be left alone');
    assert.equal(w.sim.calls()['DeleteDBClusterCommand'] ?? 0, 0);
    assert.equal(w.sim.calls()['DeleteDBInstanceCommand'] ?? 0, 0);
  });

  it('refuses to replace a target that has an instance a person added, before any change', async () => {
    const source = await seedSource();
    const targetId = uniqueName('handmade');
    await seedManagedCluster(TARGET_REGION, targetId);
    await addMemberInstance(TARGET_REGION, targetId, `${targetId}-analytics`, { managed: false });
    const w = await fixture.createWorker({ timings: REALISTIC });
    const { outcome } = await run(w, { ...crossRegionRequest(source, targetId), replace: { existing: true } });

    const failure = failureOf(outcome);
    assert.equal(failure.type, 'InstanceNotManagedByPipeline');
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, new RegExp(`${targetId}-analytics`));
    assert.equal(await clusterExists(targetId), true);
    assert.equal(w.sim.calls()['CopyDBClusterSnapshotCommand'] ?? 0, 0, 'nothing is copied before the check passes');
    assert.equal(w.sim.calls()['DeleteDBInstanceCommand'] ?? 0, 0);
  });

  it('fails at check-target on a KMS key that does not exist, before anything is shared or copied', async () => {
    const source = await seedSource();
    const targetId = uniqueName('nokey');
    const w = await fixture.createWorker({ timings: REALISTIC });
    const { handle, outcome } = await run(w, {
      ...crossRegionRequest(source, targetId),
      copy: { kmsKeyId: 'alias/aurora-restore-no-such-key' },
    });

    const failure = failureOf(outcome);
    assert.equal(failure.type, 'KmsKeyNotAccessible');
    assert.equal(failure.nonRetryable, true);
    assert.match(
      failure.message,
      /copy\.kmsKeyId: KMS key alias\/aurora-restore-no-such-key .* does not exist in us-west-2/
    );
    assert.match(failure.message, /Nothing was changed: fix copy\.kmsKeyId/);
    assert.equal(outcome.progress.failure?.step, 'check-target');
    assert.equal(w.sim.calls()['CopyDBClusterSnapshotCommand'] ?? 0, 0, 'nothing is copied before the check passes');
    assert.equal(w.sim.calls()['RestoreDBClusterFromSnapshotCommand'] ?? 0, 0);
    assert.equal(await clusterExists(targetId), false);
    await recordHistory('kms-key-missing', handle);
  });

  it('fails fast with AwsEndpointUnreachable when the source region has no reachable endpoint', async () => {
    const source = await seedSource();
    const targetId = uniqueName('unreach');
    const w = await fixture.createWorker({ decorate: unreachableRegion(SOURCE_REGION, await closedPort()) });
    const { outcome } = await run(w, crossRegionRequest(source, targetId));

    const failure = failureOf(outcome);
    assert.equal(failure.type, 'AwsEndpointUnreachable');
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, /rds endpoint 127\.0\.0\.1:\d+ for region us-east-1 could not be reached/);
    assert.equal(outcome.progress.failure?.step, 'find-snapshot');
    assert.equal(await clusterExists(targetId), false);
  });

  it('rejects a second restore of the same target while the first runs', async () => {
    const source = await seedSource();
    const targetId = uniqueName('dup');
    const w = await fixture.createWorker({ timings: REALISTIC });
    const request = crossRegionRequest(source, targetId);
    const { outcome } = await run(w, request, {
      during: async () => {
        await assert.rejects(
          fixture.startRestore(request, { worker: w }),
          (err: Error) => err.name === 'WorkflowExecutionAlreadyStartedError'
        );
      },
    });
    assert.ok(outcome.result, 'the first restore still completes');
  });

  it('fails an invalid request before any AWS call, listing every problem', async () => {
    const w = await fixture.createWorker();
    const request = {
      source: { region: 'us-east-1', snapshot: 'bad_snapshot!' },
      target: { region: 'moon-1', clusterId: 'x' },
    } as RestoreRequest;
    const { handle, outcome } = await run(w, request, { workflowId: `aurora-restore/moon-1/x-${Date.now()}` });
    const failure = failureOf(outcome);
    assert.equal(failure.type, 'InvalidRestoreRequest');
    assert.match(failure.message, /source\.snapshot/);
    assert.match(failure.message, /target\.region/);
    assert.equal(w.sim.callCount(), 0, 'no AWS call may happen for an invalid request');
    await recordHistory('invalid-request', handle);
  });

  it('refuses to run under a workflow id that is not derived from the target', async () => {
    const source = await seedSource();
    const w = await fixture.createWorker();
    const { outcome } = await run(w, crossRegionRequest(source, uniqueName('wid')), {
      workflowId: `my-own-id-${Date.now()}`,
    });
    const failure = failureOf(outcome);
    assert.equal(failure.type, 'WrongWorkflowId');
    assert.match(failure.message, /aurora-restore\/us-west-2\//);
    assert.equal(w.sim.callCount(), 0);
  });

  it('rides out RDS throttling with backoff and still restores', async () => {
    const source = await seedSource();
    const targetId = uniqueName('throttle');
    const w = await fixture.createWorker({ timings: REALISTIC });
    w.sim.injectFault({ command: 'CopyDBClusterSnapshotCommand', error: 'Throttling', times: 3 });
    w.sim.injectFault({ command: 'RestoreDBClusterFromSnapshotCommand', error: 'InternalFailure', times: 2 });
    const { outcome } = await run(w, crossRegionRequest(source, targetId));
    assert.ok(outcome.result, `restore failed: ${outcome.error?.cause?.message}`);
    assert.ok((w.sim.calls()['CopyDBClusterSnapshotCommand'] ?? 0) >= 4);
    assert.deepEqual(await snapshotsNamed(targetId), []);
  });

  const notificationTopic = () => restoreEventTopic(TARGET_REGION);

  it('notifies start and success with endpoints and per-step timings, and failure with the failed step', async () => {
    const topic = await notificationTopic();
    const source = await seedSource();
    const okTarget = uniqueName('notify');
    const w = await fixture.createWorker({ timings: REALISTIC });
    const ok = await run(w, { ...crossRegionRequest(source, okTarget), notifications: { topicArn: topic.topicArn } });
    assert.ok(ok.outcome.result, `restore failed: ${ok.outcome.error?.cause?.message}`);
    const events = await topic.read();
    assert.deepEqual(
      events.map((e) => e.kind),
      ['started', 'succeeded']
    );
    const [started, succeeded] = events;
    assert.equal(started.eventId, `${ok.outcome.result.operationId}/started`);
    assert.equal(succeeded.target.clusterId, okTarget);
    assert.ok(succeeded.endpoints?.writerEndpoint);
    assert.ok(succeeded.steps.some((step) => step.name === 'wait-for-copy' && (step.durationMs ?? 0) >= 19 * 60_000));

    const failTarget = uniqueName('notifyfail');
    const failing = await fixture.createWorker({ timings: REALISTIC });
    await failing.sim.forceStatus({ kind: 'cluster', id: failTarget, status: 'inaccessible-encryption-credentials' });
    const failed = await run(failing, {
      ...crossRegionRequest(source, failTarget),
      notifications: { topicArn: topic.topicArn },
    });
    failureOf(failed.outcome);
    const failureEvents = await topic.read();
    assert.deepEqual(
      failureEvents.map((e) => e.kind),
      ['started', 'failed']
    );
    const failure = failureEvents[1];
    assert.equal(failure.failure?.step, 'wait-for-cluster');
    assert.equal(failure.failure?.type, 'ClusterRestoreFailed');
    assert.match(failure.failure?.code ?? '', /^ARP-/);
    assert.ok(
      failure.cleanup?.removed.some((r) => r.includes(failTarget)),
      JSON.stringify(failure.cleanup)
    );
  });

  /** A customer-managed KMS key in moto (the AWS-managed aws/rds key cannot be used across accounts). */
  async function customerKey(region: string, accountId: string): Promise<string> {
    const kms = new KMSClient({ ...motoClientConfig(), region });
    useMotoAccount(kms as never, accountId);
    const key = await kms.send(new CreateKeyCommand({ Description: 'aurora-restore test target key' }));
    kms.destroy();
    return key.KeyMetadata?.Arn ?? '';
  }

  it('restores across accounts: shares in the source account, copies under the target key, unshares', async () => {
    const SOURCE_ACCOUNT = '111111111111';
    const TARGET_ACCOUNT = '222222222222';
    const seeded = await seedSourceInAccount({ region: SOURCE_REGION, accountId: SOURCE_ACCOUNT, prefix: 'xacct-src' });
    assert.ok(seeded.snapshot);
    const targetId = uniqueName('xacct');
    const w = await fixture.createWorker({ timings: REALISTIC });
    const request = crossAccountRequest({
      source: { region: SOURCE_REGION, accountId: SOURCE_ACCOUNT, snapshotArn: seeded.snapshot.arn },
      target: { region: TARGET_REGION, accountId: TARGET_ACCOUNT, clusterId: targetId },
      kmsKeyId: await customerKey(TARGET_REGION, TARGET_ACCOUNT),
    });
    const { handle, outcome } = await run(w, request, { workflowId: restoreWorkflowId(request.target) });
    assert.ok(outcome.result, `restore failed: ${outcome.error?.cause?.message}`);
    const steps = outcome.result.steps.filter((x) => x.status === 'completed').map((x) => x.name);
    for (const name of ['share-snapshot', 'copy-snapshot', 'wait-for-copy', 'unshare-snapshot', 'restore-cluster']) {
      assert.ok(steps.includes(name), `${name} missing from ${steps.join(', ')}`);
    }
    const inTarget = motoClients(TARGET_REGION, TARGET_ACCOUNT).rds;
    const cluster = await inTarget.send(new DescribeDBClustersCommand({ DBClusterIdentifier: targetId }));
    assert.equal(cluster.DBClusters?.[0]?.Status, 'available');
    assert.equal(await clusterExists(targetId), false, 'nothing was restored into the worker account');
    await recordHistory('cross-account-success', handle);
  });

  it('fails a wait that passes its deadline with WaitTimedOut naming the last AWS status, and cleans up', async () => {
    const source = await seedSource();
    const targetId = uniqueName('slow');
    const w = await fixture.createWorker({ timings: { ...REALISTIC, clusterRestore: 10 * 60 * 60_000 } });
    const { handle, outcome } = await run(w, {
      ...crossRegionRequest(source, targetId),
      timing: { restoreTimeout: '1h' },
    });
    const failure = failureOf(outcome);
    assert.equal(failure.type, 'WaitTimedOut');
    assert.match(failure.message, /wait-for-cluster did not finish within 1h/);
    assert.match(failure.message, /creating/);
    await assertCleanedUp(targetId); // the slow cluster too
    await recordHistory('wait-timed-out', handle);
  });
});
