/**
 * Approvals before replacing a target, and restore tests against an RTO, on the time-skipping server with the real
 * worker and activities against moto (simulated AWS: copy 20 min, restore 40 min, instances 10 min).
 *
 * Time is advanced in small `fixture.env.sleep` steps while a decision is due, so the approval timer cannot skip past the
 * moment the test sends its Update (the time-skipping server does not skip while an Update is awaited, and would
 * skip straight to the approval deadline while a result is awaited).
 */
import assert from 'node:assert/strict';

import { DescribeDBClustersCommand, DescribeDBClusterSnapshotsCommand } from '@aws-sdk/client-rds';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';

import { EXIT } from '../../src/client/main';
import type { ApprovalOutcome } from '../../src/client/restore-client';
import type { RestoreRequest } from '../../src/domain/request';
import type { RestoreEvent } from '../../src/domain/restore-event';
import type { auroraRestore } from '../../src/workflows';
import { approveUpdate, progressQuery, rejectUpdate, SA_STEP } from '../../src/workflows/messages';
import type { RestoreProgress, RestoreResult } from '../../src/workflows/messages';
import { useWorkflowEnvironment } from '../support/fixtures/workflow';
import { recordHistory } from '../support/histories';
import { motoClients, seedManagedCluster, seedSourceSnapshot, uniqueName } from '../support/moto';
import { restoreEventTopic } from '../support/sqs';
import type { SimulatedWorker } from '../support/workflow-env';

const SOURCE_REGION = 'us-east-1';
const TARGET_REGION = 'us-west-2';
const REALISTIC = { snapshotCopy: 20 * 60_000, clusterRestore: 40 * 60_000, instanceCreate: 10 * 60_000 };

type Handle = WorkflowHandle<typeof auroraRestore>;
type Outcome = { result?: RestoreResult; error?: WorkflowFailedError; progress: RestoreProgress };

describe('approvals and RTO (time-skipping server, real activities, simulated AWS timing)', function () {
  this.timeout(120_000);
  // A server per test: a run can leave a task the test server counts against time skipping (a coordinator's last
  // workflow task after the worker stopped, a cancelled attempt), which would stall every later test on it.
  const fixture = useWorkflowEnvironment({ serverPerTest: true });

  const seedSource = () => seedSourceSnapshot({ region: SOURCE_REGION, prefix: 'src', encrypted: true });

  /** A target this pipeline created earlier (tagged), so a restore may replace it. */
  async function seedManagedTarget(prefix: string): Promise<string> {
    const targetId = uniqueName(prefix);
    await seedManagedCluster(TARGET_REGION, targetId);
    return targetId;
  }

  function replaceRequest(source: { clusterId: string; snapshotId: string }, targetId: string): RestoreRequest {
    return {
      source: { region: SOURCE_REGION, clusterId: source.clusterId, snapshot: source.snapshotId },
      target: { region: TARGET_REGION, clusterId: targetId },
      copy: { kmsKeyId: 'alias/aws/rds' },
      replace: { existing: true, strategy: 'delete-first' },
      approval: { required: true, timeout: '4h' },
    };
  }

  const notificationTopic = () => restoreEventTopic(TARGET_REGION);

  async function clusterStatus(clusterId: string): Promise<string | undefined> {
    try {
      const out = await motoClients(TARGET_REGION).rds.send(
        new DescribeDBClustersCommand({ DBClusterIdentifier: clusterId })
      );
      return out.DBClusters?.[0]?.Status;
    } catch (err) {
      if ((err as Error).name === 'DBClusterNotFoundFault') return undefined;
      throw err;
    }
  }

  async function snapshotsNamed(prefix: string): Promise<string[]> {
    const out = await motoClients(TARGET_REGION).rds.send(new DescribeDBClusterSnapshotsCommand({}));
    return (out.DBClusterSnapshots ?? [])
      .map((s) => s.DBClusterSnapshotIdentifier ?? '')
      .filter((id) => id.startsWith(prefix));
  }

  /** Advances the server's clock one step at a time until `done` holds (time stays locked in between). */
  async function advanceUntil(what: string, done: () => Promise<boolean>, step = '1m', maxSteps = 120): Promise<void> {
    for (let i = 0; i < maxSteps; i++) {
      if (await done()) return;
      await fixture.env.sleep(step);
    }
    assert.fail(`${what} did not happen within ${maxSteps} steps of ${step}`);
  }

  async function pendingApproval(handle: Handle): Promise<RestoreProgress> {
    let progress: RestoreProgress | undefined;
    await advanceUntil('the approval wait', async () => {
      progress = await handle.query(progressQuery);
      return progress.approval?.pending === true;
    });
    return progress as RestoreProgress;
  }

  async function settle(handle: Handle): Promise<Outcome> {
    const settled = await handle.result().then(
      (result) => ({ result }),
      (error: unknown) => {
        if (error instanceof WorkflowFailedError) return { error };
        throw error;
      }
    );
    return { ...settled, progress: await handle.query(progressQuery) };
  }

  function failureOf(outcome: Outcome): ApplicationFailure {
    assert.ok(outcome.error, `expected the restore to fail, but it returned ${JSON.stringify(outcome.result)}`);
    const cause = outcome.error.cause;
    assert.ok(cause instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(cause)}`);
    return cause;
  }

  /** The CLI, connected to the test server. */
  const cli = (argv: string[]) => fixture.cli(argv, 'ci-operator');

  async function start(w: SimulatedWorker, request: RestoreRequest): Promise<Handle> {
    return fixture.startRestore(request, { worker: w });
  }

  it('waits for an approval, refuses invalid or untimely updates, then replaces the target (RTO met)', async () => {
    const topic = await notificationTopic();
    const source = await seedSource();
    const targetId = await seedManagedTarget('approve');
    const w = await fixture.createWorker({ timings: REALISTIC });
    const request = { ...replaceRequest(source, targetId), rto: '24h', notifications: { topicArn: topic.topicArn } };

    const { handle, outcome } = await w.worker.runUntil(async () => {
      const handle = await start(w, request);
      // Nothing is pending yet (the copy runs first): the validator refuses, and nothing is recorded.
      await assert.rejects(
        handle.executeUpdate(approveUpdate, { args: [{ by: 'jane.doe', reason: 'too early' }] }),
        (err: Error) => err instanceof WorkflowUpdateFailedError && /No approval is pending/.test(String(err.cause))
      );
      const early = await cli(['approve', `${TARGET_REGION}/${targetId}`, '--json']);
      assert.equal(early.code, EXIT.USAGE, early.stdout);
      const earlyError = (JSON.parse(early.stdout) as { error: { type: string; message: string } }).error;
      assert.equal(earlyError.type, 'ApprovalRefusedError');
      assert.match(earlyError.message, /refused to approve: No approval is pending/);

      const waiting = await pendingApproval(handle);
      assert.equal(waiting.currentStep, 'await-approval');
      assert.equal(waiting.approval?.replaces.clusterId, targetId);
      assert.equal(waiting.approval?.replaces.status, 'available');
      const { since, deadline } = waiting.approval ?? { since: '', deadline: '' };
      assert.equal(Date.parse(deadline) - Date.parse(since), 4 * 3_600_000);
      assert.ok(waiting.steps.some((s) => s.name === 'wait-for-copy' && s.status === 'completed'));
      assert.equal(waiting.recovery?.rtoMs, 24 * 3_600_000);
      // The Web UI's step column shows the wait.
      const described = await handle.describe();
      assert.equal(described.typedSearchAttributes.get(SA_STEP), 'await-approval');

      await assert.rejects(
        handle.executeUpdate(approveUpdate, { args: [{ by: '  ', reason: 'no identity' }] }),
        (err: Error) => err instanceof WorkflowUpdateFailedError && /identity/.test(String(err.cause))
      );
      const approved = await cli([
        'approve',
        `${TARGET_REGION}/${targetId}`,
        '--by',
        'jane.doe',
        '--reason',
        'planned refresh CHG-1234',
      ]);
      assert.equal(approved.code, EXIT.OK, approved.stderr);
      assert.match(
        approved.stdout,
        new RegExp(`✓ Approved replacing cluster ${targetId} in ${TARGET_REGION} \\(by jane\\.doe at .*\\): planned`)
      );
      // Decided once: a second decision is refused.
      await assert.rejects(
        handle.executeUpdate(rejectUpdate, { args: [{ by: 'john.roe', reason: 'too late' }] }),
        (err: Error) => err instanceof WorkflowUpdateFailedError && /No approval is pending/.test(String(err.cause))
      );
      return { handle, outcome: await settle(handle) };
    });

    assert.ok(outcome.result, `restore failed: ${outcome.error?.cause?.message}`);
    const result = outcome.result;
    assert.equal(result.replacedExistingCluster, true);
    const names = result.steps.filter((s) => s.status === 'completed').map((s) => s.name);
    assert.ok(names.indexOf('await-approval') > names.indexOf('wait-for-copy'), names.join(', '));
    assert.equal(names.indexOf('delete-target'), names.indexOf('await-approval') + 1, names.join(', '));
    assert.equal(result.approval?.decision?.by, 'jane.doe');
    assert.equal(result.approval?.decision?.reason, 'planned refresh CHG-1234');
    assert.equal(result.approval?.pending, false);
    assert.equal(result.recovery?.rtoMet, true);
    // Measured when the last step ended, just before the success notification went out.
    assert.ok((result.recovery?.totalMs ?? 0) <= result.durationMs);
    assert.ok((result.recovery?.totalMs ?? 0) >= 70 * 60_000);
    assert.ok((result.recovery?.steps.find((s) => s.name === 'wait-for-cluster')?.durationMs ?? 0) >= 39 * 60_000);
    assert.equal(await clusterStatus(targetId), 'available');
    assert.deepEqual(await snapshotsNamed(targetId), []);

    const events = await topic.read();
    assert.deepEqual(
      events.map((e) => e.kind),
      ['started', 'approval-required', 'succeeded']
    );
    const asked = events[1];
    assert.equal(asked.approval?.replaces.clusterId, targetId);
    assert.equal(asked.approval?.decision, undefined);
    assert.ok(asked.approval?.deadline);
    const succeeded = events[2];
    assert.equal(succeeded.recovery?.rtoMet, true);
    assert.equal(succeeded.recovery?.rtoMs, 24 * 3_600_000);
    assert.equal(succeeded.approval?.decision?.by, 'jane.doe');
    await recordHistory('approval-approved', handle);
  });

  it('ends ApprovalRejected on a rejection: the copy is cleaned up and the existing target untouched', async () => {
    const source = await seedSource();
    const targetId = await seedManagedTarget('reject');
    const w = await fixture.createWorker({ timings: REALISTIC });
    const { handle, outcome } = await w.worker.runUntil(async () => {
      const handle = await start(w, replaceRequest(source, targetId));
      const waiting = await pendingApproval(handle);
      assert.ok(waiting.resources.snapshotCopy, 'the copy exists while the approval is awaited');
      await assert.rejects(
        handle.executeUpdate(rejectUpdate, { args: [{ by: 'john.roe' }] }),
        (err: Error) => err instanceof WorkflowUpdateFailedError && /reason/.test(String(err.cause))
      );
      const rejected = await cli(['reject', handle.workflowId, '--reason', 'QA is still using this cluster', '--json']);
      assert.equal(rejected.code, EXIT.OK, rejected.stdout);
      const doc = JSON.parse(rejected.stdout) as ApprovalOutcome;
      assert.equal(doc.decision.decision, 'rejected');
      assert.equal(doc.decision.by, 'ci-operator', 'the OS user decides when --by is not given');
      assert.equal(doc.approval?.replaces.clusterId, targetId);
      return { handle, outcome: await settle(handle) };
    });

    const failure = failureOf(outcome);
    assert.equal(failure.type, 'ApprovalRejected');
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, /ci-operator rejected replacing cluster/);
    assert.match(failure.message, /QA is still using this cluster/);
    assert.equal(outcome.progress.failure?.code, 'ARP-APPROVAL-001');
    assert.equal(outcome.progress.failure?.step, 'await-approval');
    assert.equal(outcome.progress.approval?.decision?.decision, 'rejected');
    assert.ok(
      outcome.progress.cleanup?.removed.some((r) => r.startsWith('snapshot copy')),
      JSON.stringify(outcome.progress.cleanup)
    );
    assert.deepEqual(await snapshotsNamed(targetId), [], 'the snapshot copy must be deleted');
    assert.equal(await clusterStatus(targetId), 'available', 'the existing target must be left as it was');
    assert.equal(w.sim.calls()['DeleteDBClusterCommand'] ?? 0, 0);
    assert.equal(w.sim.calls()['RestoreDBClusterFromSnapshotCommand'] ?? 0, 0);
    await recordHistory('approval-rejected', handle);
  });

  it('ends ApprovalTimedOut when nobody decides in time, and cleans up', async () => {
    const topic = await notificationTopic();
    const source = await seedSource();
    const targetId = await seedManagedTarget('timeout');
    const w = await fixture.createWorker({ timings: REALISTIC });
    const request = {
      ...replaceRequest(source, targetId),
      approval: { required: true, timeout: '1h' },
      notifications: { topicArn: topic.topicArn },
    };
    // Awaiting the result lets the server skip time, through the approval timer too.
    const { handle, outcome } = await w.worker.runUntil(async () => {
      const handle = await start(w, request);
      return { handle, outcome: await settle(handle) };
    });
    const failure = failureOf(outcome);
    assert.equal(failure.type, 'ApprovalTimedOut');
    assert.match(failure.message, /Nobody approved or rejected replacing cluster/);
    assert.equal(outcome.progress.failure?.code, 'ARP-APPROVAL-002');
    assert.equal(outcome.progress.approval?.decision?.decision, 'timed-out');
    const approvalStep = outcome.progress.steps.find((s) => s.name === 'await-approval');
    assert.ok((approvalStep?.durationMs ?? 0) >= 3_600_000, JSON.stringify(approvalStep));
    assert.deepEqual(await snapshotsNamed(targetId), [], 'the snapshot copy must be deleted');
    assert.equal(await clusterStatus(targetId), 'available');
    const events = await topic.read();
    assert.deepEqual(
      events.map((e) => e.kind),
      ['started', 'approval-required', 'failed']
    );
    assert.equal(events[2].failure?.type, 'ApprovalTimedOut');
    await recordHistory('approval-timed-out', handle);
  });

  it('sends rto-breached while the restore still runs, once, and reports the RTO missed', async () => {
    const topic = await notificationTopic();
    const source = await seedSource();
    const targetId = uniqueName('rto');
    const w = await fixture.createWorker({ timings: REALISTIC });
    const request: RestoreRequest = {
      source: { region: SOURCE_REGION, clusterId: source.clusterId, snapshot: source.snapshotId },
      target: { region: TARGET_REGION, clusterId: targetId },
      copy: { kmsKeyId: 'alias/aws/rds' },
      notifications: { topicArn: topic.topicArn },
      rto: '30m',
    };
    const seen: RestoreEvent[] = [];
    const { handle, outcome } = await w.worker.runUntil(async () => {
      const handle = await start(w, request);
      await advanceUntil(
        'the rto-breached notification',
        async () => {
          seen.push(...(await topic.read(0)));
          return seen.some((e) => e.kind === 'rto-breached');
        },
        '2m',
        60
      );
      // Received while the restore is still running (the cluster restore alone takes 40 simulated minutes).
      assert.equal((await handle.describe()).status.name, 'RUNNING');
      const running = await handle.query(progressQuery);
      assert.equal(running.status, 'running');
      assert.equal(running.recovery?.rtoMet, false);
      assert.ok(running.recovery?.breachedAt);
      return { handle, outcome: await settle(handle) };
    });

    const breach = seen.find((e) => e.kind === 'rto-breached');
    assert.ok(breach?.recovery);
    assert.equal(breach.recovery.rtoMs, 30 * 60_000);
    assert.equal(breach.recovery.rtoMet, false);
    assert.ok(breach.recovery.totalMs >= 30 * 60_000, JSON.stringify(breach.recovery));
    assert.match(breach.recovery.breachedDuring ?? '', /^wait-for-(copy|cluster)$/);

    assert.ok(outcome.result, `restore failed: ${outcome.error?.cause?.message}`);
    const recovery = outcome.result.recovery;
    assert.equal(recovery?.rtoMet, false);
    assert.equal(recovery?.breachedAt, breach.recovery.breachedAt);
    assert.ok((recovery?.totalMs ?? 0) >= 70 * 60_000, JSON.stringify(recovery));
    assert.deepEqual(
      recovery?.steps.map((s) => s.name),
      outcome.result.steps.filter((s) => s.status !== 'skipped').map((s) => s.name)
    );
    const later = [...seen, ...(await topic.read())];
    assert.equal(later.filter((e) => e.kind === 'rto-breached').length, 1, 'at most one breach notification');
    const succeeded = later.find((e) => e.kind === 'succeeded');
    assert.equal(succeeded?.recovery?.rtoMet, false);
    assert.equal(succeeded?.recovery?.totalMs, recovery?.totalMs);
    await recordHistory('rto-breached', handle);
  });
});
