/**
 * The restore workflow: the steps read top to bottom, exactly as a DBA would do them by hand.
 *
 *   validate -> find snapshot -> check target -> [share] -> [copy -> wait] -> [delete old target]
 *   -> restore cluster -> wait -> create instances -> wait -> [master password] -> [delete the copy]
 *   -> [schedule the cluster's expiry] -> notify
 *
 * With `approval.required`, a person approves (Update `approve`) or rejects (`reject`) before an existing target is
 * deleted. With `rto`, a timer races the steps and raises `rto-breached` the moment the RTO passes.
 *
 * Any failure or cancellation runs the cleanup (what this run created and no longer needs) in a scope that
 * cancellation cannot interrupt, sends the failure notification, and ends the workflow failed.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  ParentClosePolicy,
  patched,
  setHandler,
  sleep,
  startChild,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
  log,
} from '@temporalio/workflow';

import type {
  AwsLocation,
  ClusterEndpoints,
  ClusterInfo,
  DatabaseConnectionInput,
  NotificationKind,
  RestoreEvent,
  SetMasterPasswordOutput,
  SnapshotInfo,
} from '../activities/types';
import type { Failures } from '../domain/errors';
import {
  expiryWorkflowId,
  instanceIds,
  isCreatedByOperation,
  pipelineTags,
  restoreWorkflowId,
  snapshotCopyId,
  snapshotSourceLabel,
} from '../domain/naming';
import { MIN_EXPIRY_MS } from '../domain/request';
import type { NormalizedRestoreRequest, RestoreRequest } from '../domain/request';
import {
  checkReplaceAllowed,
  isRefusal,
  planSnapshotTransfer,
  resolveEngine,
  snapshotSourceCluster,
} from '../domain/restore-plan';
import { RequestValidationError, validateRestoreRequest } from '../domain/validate';

import { calls, databaseSteps, notifications, waits } from './activity-options';
import { clusterExpiry } from './cluster-expiry';
import type { ClusterExpiryInput } from './cluster-expiry';
import { expirySupersededSignal } from './expiry-messages';
import { reportFailure, refuse } from './failure-report';
import type { FailureReport } from './failure-report';
import {
  approveUpdate,
  observationSignal,
  progressQuery,
  rejectUpdate,
  SA_SOURCE,
  SA_STATUS,
  SA_STEP,
  SA_TARGET,
} from './messages';
import type { ApprovalDecision, ApprovalInput, ApprovalState, RestoreProgress, RestoreResult } from './messages';
import { ProgressTracker } from './progress';
import type { StepName } from './progress';

/**
 * Restores recorded before approvals and RTOs existed refused both fields as unknown; replaying them must do the
 * same (see validate()). Every new command (the approval wait, the RTO timer) depends on one of the two fields.
 */
const APPROVALS_AND_RTO_PATCH = 'approvals-and-rto';

/** The check-target step refuses a target that is the snapshot's own cluster (see restore-plan.ts). */
const SNAPSHOT_SOURCE_GUARD_PATCH = 'snapshot-source-guard';

const MAX_APPROVER_LENGTH = 200;
const MAX_REASON_LENGTH = 1000;

/** What this run has created (or may have created, when a call's outcome is unknown) and must clean up on failure. */
interface Created {
  sharedWith?: string;
  snapshotCopy?: string;
  cluster?: string;
}

export async function auroraRestore(input: RestoreRequest): Promise<RestoreResult> {
  const startedAt = Date.now();
  const { workflowId } = workflowInfo();
  const progress = new ProgressTracker(workflowId);
  setHandler(progressQuery, () => progress.queryView(Date.now()));
  setHandler(observationSignal, (observation) => progress.observe(observation));
  // Approve or reject the pending replacement; validators refuse when nothing is pending, before history records it.
  let approval: ApprovalState | undefined;
  let decision: ApprovalDecision | undefined;
  const decide = (kind: 'approved' | 'rejected', input: ApprovalInput): ApprovalDecision => {
    decision = {
      decision: kind,
      by: input.by.trim(),
      at: new Date(Date.now()).toISOString(),
      ...(input.reason?.trim() ? { reason: input.reason.trim() } : {}),
    };
    if (approval) approval.decision = decision;
    return decision;
  };
  const validator = (kind: 'approve' | 'reject') => (input: ApprovalInput) =>
    validateDecision(kind, input, approval?.pending && !decision ? approval : undefined, workflowInfo().workflowId);
  setHandler(approveUpdate, (i) => decide('approved', i), { validator: validator('approve') });
  setHandler(rejectUpdate, (i) => decide('rejected', i), { validator: validator('reject') });

  // Validation happens before any side effect and reports every problem at once.
  const request = validate(input, progress);
  progress.setOperationId(request.operationId);
  progress.measureRecovery(startedAt, request.rtoMs);
  const { target, source } = request;
  const targetLoc = locationOf(target);
  const sourceLoc = locationOf(source);
  upsertSearchAttributes([
    { key: SA_TARGET, value: `${target.region}/${target.clusterId}` },
    { key: SA_SOURCE, value: snapshotSourceLabel(request.source) },
    { key: SA_STATUS, value: 'running' },
  ]);

  const deadlineAt = startedAt + request.timing.deadlineMs;
  const created: Created = {};
  let waitTimeoutMs: number | undefined;
  const step = async <T>(name: StepName, run: () => Promise<T>, detail?: (result: T) => string): Promise<T> => {
    progress.stepStarted(name, Date.now());
    upsertSearchAttributes([{ key: SA_STEP, value: name }]);
    try {
      const result = await run();
      progress.stepEnded(name, Date.now(), 'completed', detail?.(result));
      return result;
    } catch (err) {
      progress.stepEnded(name, Date.now(), 'failed');
      throw err;
    }
  };
  /** Wait activities, bounded by the wait's own timeout and by what is left of the overall deadline. */
  const wait = (timeoutMs: number) => {
    waitTimeoutMs = Math.min(timeoutMs, deadlineAt - Date.now());
    if (waitTimeoutMs <= 0) {
      throw refuse('WaitTimedOut', `The restore's overall deadline (timing.deadline) passed before the next wait.`);
    }
    return waits(request.timing.pollIntervalMs, waitTimeoutMs);
  };

  // The RTO timer races the steps: a breach is announced while the restore still runs, once.
  const rtoScope = new CancellationScope();
  const rtoMs = request.rtoMs;
  const rtoWatch =
    rtoMs === undefined
      ? undefined
      : rtoScope
          .run(() => sleep(Math.max(1, startedAt + rtoMs - Date.now())))
          .then(
            () =>
              CancellationScope.nonCancellable(async () => {
                const recovery = progress.rtoBreached(Date.now());
                await notify(request, 'rto-breached', progress, { recovery });
              }),
            (err: unknown) => {
              if (!isCancellation(err)) throw err;
            }
          );
  /** Stops the RTO timer (if it has not fired) and waits for a breach notification in flight. */
  const stopRtoWatch = async (): Promise<void> => {
    if (!rtoWatch) return;
    rtoScope.cancel();
    await rtoWatch;
  };

  await notify(request, 'started', progress);
  try {
    // 1. Find and verify the snapshot (must be `available`).
    const snapshot = await step(
      'find-snapshot',
      () => calls.findSnapshot({ source: sourceLoc, ref: source.snapshotRef, targetAccountId: target.accountId }),
      (s) => s.identifier
    );
    progress.setSnapshot(snapshot);
    const engine = orRefuse(resolveEngine(request, snapshot));
    const transfer = orRefuse(planSnapshotTransfer(request, snapshot));

    // 2. Preflight on the target, before anything is shared, copied or deleted.
    const existing = await step('check-target', () =>
      calls.describeCluster({ target: targetLoc, clusterId: target.clusterId, includeInstances: true })
    );
    if (existing) {
      // Restores recorded before this guard judged the target without the snapshot's own cluster.
      const refusal = checkReplaceAllowed(
        request,
        existing,
        patched(SNAPSHOT_SOURCE_GUARD_PATCH) ? snapshot : undefined
      );
      if (refusal) throw refuse(refusal.failure, refusal.message);
    }

    // 3. Cross-account: the source account shares the snapshot with the target account.
    if (transfer.share && target.accountId) {
      const targetAccountId = target.accountId;
      const share = await step(
        'share-snapshot',
        () => calls.shareSnapshot({ source: sourceLoc, snapshotIdentifier: snapshot.identifier, targetAccountId }),
        (s) => (s.alreadyShared ? 'already shared before this run; left as it was' : `shared with ${targetAccountId}`)
      );
      // Only a share this run added is removed again; one that existed before belongs to someone else.
      if (!share.alreadyShared) {
        created.sharedWith = targetAccountId;
        progress.resources().sharedSnapshot = snapshot.arn;
      }
    }

    // 4. Copy into the target region/account under the target's KMS key, and wait until it is available.
    let restoreFrom = snapshot.identifier;
    if (transfer.copy) {
      const copyId = snapshotCopyId(target.clusterId, request.operationId);
      created.snapshotCopy = copyId;
      progress.resources().snapshotCopy = copyId;
      await step(
        'copy-snapshot',
        // Polled like a wait: when the destination region has no free copy slot, the activity says so and is
        // retried every poll interval, up to the copy timeout.
        () =>
          wait(request.timing.copyTimeoutMs).startSnapshotCopy({
            target: targetLoc,
            sourceSnapshotArn: snapshot.arn,
            copyIdentifier: copyId,
            kmsKeyId: request.copy.kmsKeyId,
            operationId: request.operationId,
            tags: pipelineTags(request.operationId, snapshot.arn, target.tags),
          }),
        (c) => `${c.adopted ? 'adopted' : 'started'} ${c.identifier} (${transfer.reason})`
      );
      const copy = await step('wait-for-copy', () =>
        wait(request.timing.copyTimeoutMs).awaitSnapshotAvailable({ target: targetLoc, snapshotIdentifier: copyId })
      );
      progress.observeReady('snapshot-copy', copyId, copy.status, Date.now(), copy.percentProgress);
      restoreFrom = copyId;
      if (created.sharedWith) await unshare(request, snapshot, created, progress);
    } else {
      progress.stepSkipped('copy-snapshot', Date.now(), transfer.reason);
    }

    // 5. Replace the existing target: only ours, never the source, deletion protection as allowed; and, when the
    // request asks for it, only after a person approved.
    if (existing) {
      const required = request.approval;
      if (required) {
        await step(
          'await-approval',
          async () => {
            const since = Date.now();
            const deadline = since + required.timeoutMs;
            approval = {
              replaces: {
                clusterId: target.clusterId,
                region: target.region,
                ...(target.accountId ? { accountId: target.accountId } : {}),
                status: existing.status,
              },
              since: new Date(since).toISOString(),
              deadline: new Date(deadline).toISOString(),
              pending: true,
            };
            progress.setApproval(approval);
            if (required.notify) await notify(request, 'approval-required', progress);
            const decided = await condition(() => decision !== undefined, Math.max(1, deadline - Date.now()));
            approval.pending = false;
            if (!decided || !decision) return timedOut(approval);
            if (decision.decision === 'rejected') throw rejected(approval, decision);
            return decision;
          },
          (d) => `approved by ${d.by}${d.reason ? `: ${d.reason}` : ''}`
        );
      }
      await step('delete-target', () =>
        wait(request.timing.deleteTimeoutMs).deleteCluster({
          target: targetLoc,
          clusterId: target.clusterId,
          guard: {
            source: { clusterId: source.clusterId, region: source.region, accountId: source.accountId },
            snapshotSource: snapshotSourceCluster(snapshot),
          },
          disableDeletionProtection: request.replace.disableDeletionProtection,
        })
      );
    }

    // 6. Restore the cluster with every requested setting and the pipeline's tags; wait until available.
    created.cluster = target.clusterId;
    progress.resources().cluster = target.clusterId;
    const tags = pipelineTags(request.operationId, snapshot.arn, target.tags);
    const restored = await step(
      'restore-cluster',
      () =>
        calls.restoreCluster({
          target: targetLoc,
          clusterId: target.clusterId,
          snapshotIdentifier: restoreFrom,
          settings: {
            engine,
            engineVersion: target.engineVersion,
            port: target.port,
            dbSubnetGroupName: target.dbSubnetGroupName,
            vpcSecurityGroupIds: target.vpcSecurityGroupIds,
            dbClusterParameterGroupName: target.dbClusterParameterGroupName,
            kmsKeyId: target.kmsKeyId,
            deletionProtection: target.deletionProtection,
            serverlessV2: target.serverlessV2,
            enableIamDatabaseAuthentication: target.enableIamDatabaseAuthentication,
            enableCloudwatchLogsExports: target.enableCloudwatchLogsExports,
            backupRetentionPeriod: target.backupRetentionPeriod,
          },
          operationId: request.operationId,
          tags,
        }),
      (r) => (r.adopted ? 'adopted the cluster this operation had started' : restoreFrom)
    );
    const cluster = await step('wait-for-cluster', () =>
      wait(request.timing.restoreTimeoutMs).awaitClusterAvailable({ target: targetLoc, clusterId: target.clusterId })
    );
    progress.observeReady('cluster', target.clusterId, cluster.status, Date.now());

    // 7. Writer and readers; wait until available and record the endpoints.
    const ids = instanceIds(target.clusterId, target.instanceCount);
    progress.resources().instances = ids;
    await step('create-instances', () =>
      calls.createInstances({
        target: targetLoc,
        clusterId: target.clusterId,
        engine,
        instanceClass: target.instanceClass,
        instanceIds: ids,
        dbParameterGroupName: target.dbParameterGroupName,
        operationId: request.operationId,
        tags,
      })
    );
    const endpoints = await step('wait-for-instances', () =>
      wait(request.timing.instancesTimeoutMs).awaitInstancesAvailable({
        target: targetLoc,
        clusterId: target.clusterId,
        instanceIds: ids,
      })
    );
    progress.setEndpoints(endpoints);
    progress.observeReady('instances', target.clusterId, `${ids.length}/${ids.length} available`, Date.now());

    // 8. Master password from a Secrets Manager secret (read inside the activity) or RDS-managed.
    let password: SetMasterPasswordOutput | undefined;
    if (request.masterPassword) {
      const spec = request.masterPassword;
      // A wait, because the cluster may still be settling (e.g. `modifying`) right after the instances.
      password = await step('set-master-password', () =>
        wait(request.timing.instancesTimeoutMs).setMasterPassword({
          target: targetLoc,
          clusterId: target.clusterId,
          spec,
        })
      );
    }

    // 9. Database steps (optional), by the database worker, which may run inside the VPC: users, sanitization,
    // verification. A failure here compensates like any other: unsanitized or unverified data is not left behind.
    const db = request.database;
    if (db) {
      const connection = databaseConnection(request, engine, cluster, endpoints, password);
      const database = databaseSteps(db.stepTimeoutMs, db.taskQueue);
      if (db.users.length > 0 || db.usersSecretArn) {
        const { users } = await step(
          'setup-users',
          () => database.setupDatabaseUsers({ connection, users: db.users, usersSecretArn: db.usersSecretArn }),
          (r) => r.users.map((u) => `${u.name} ${u.action} (${u.role})`).join(', ')
        );
        progress.database().users = users;
      }
      if (db.sanitize.length > 0) {
        const { scripts } = await step(
          'sanitize-data',
          () => database.sanitizeDatabase({ connection, scripts: db.sanitize }),
          (r) => `${r.scripts.length} script(s), ${r.scripts.reduce((n, s) => n + s.rowsAffected, 0)} row(s) changed`
        );
        progress.database().sanitization = scripts;
      }
      const checks = db.verify?.checks;
      if (checks) {
        await step(
          'verify-database',
          async () => {
            const report = await database.verifyDatabase({ connection, checks });
            progress.database().verification = report;
            const failed = report.checks.filter((c) => !c.passed);
            if (failed.length > 0) {
              throw refuse(
                'VerificationFailed',
                `Verification of cluster ${target.clusterId} failed ${failed.length} of ${report.checks.length} ` +
                  `check(s): ${failed.map((c) => `"${c.name}" (${c.detail})`).join('; ')}. The restored data is not ` +
                  'what the request expects: check the snapshot chosen and the sanitization scripts, then restore again.'
              );
            }
            return report;
          },
          (r) => `${r.serverVersion.split(' ').slice(0, 2).join(' ')}; ${r.checks.length} check(s) passed`
        );
      }
    }

    // 10. Delete the copy this run made, unless asked to keep it. Never the source snapshot.
    const copyId = created.snapshotCopy;
    if (copyId && !request.copy.keep) {
      await step('delete-snapshot-copy', () =>
        calls.deleteSnapshotCopy({ target: targetLoc, snapshotIdentifier: copyId, operationId: request.operationId })
      );
      created.snapshotCopy = undefined;
      progress.resources().snapshotCopy = undefined;
    }

    // 11. The cluster's expiry. A restore over an existing target also stops that target's previous expiry. Gated by
    // a patch: restores recorded before expiries existed replay without these commands.
    let expiry: RestoreResult['expiry'];
    if ((request.expiry || existing) && patched(EXPIRY_PATCH)) {
      expiry = await step(
        'schedule-expiry',
        () => scheduleExpiry(request, snapshot.arn),
        (e) =>
          e === undefined
            ? 'no expiry requested; a previous expiry of this target was stopped'
            : (e.problem ?? `${e.workflowId} deletes the cluster at ${e.expiresAt}`)
      );
    }

    await stopRtoWatch();
    const recovery = progress.finishRecovery(Date.now());
    progress.setStatus('succeeded');
    upsertSearchAttributes([{ key: SA_STATUS, value: 'succeeded' }]);
    await notify(request, 'succeeded', progress, { endpoints, recovery });
    return {
      operationId: request.operationId,
      workflowId,
      status: 'succeeded',
      snapshot,
      target: {
        clusterId: target.clusterId,
        region: target.region,
        accountId: target.accountId,
        clusterArn: restored.clusterArn,
        engine: cluster.engine,
        engineVersion: cluster.engineVersion,
      },
      endpoints,
      snapshotCopy: copyId ? { identifier: copyId, kept: request.copy.keep } : undefined,
      masterPassword: password,
      replacedExistingCluster: existing !== null,
      database: progress.view().database,
      ...(expiry ? { expiry } : {}),
      steps: progress.steps,
      durationMs: Date.now() - startedAt,
      recovery,
      approval: progress.view().approval,
    };
  } catch (err) {
    const failure = reportFailure(err, progress.currentStep, {
      waitTimeoutMs,
      lastObservation: progress.view().lastObservation,
    });
    progress.setFailure(failure);
    progress.setStatus('cleaning-up');
    await CancellationScope.nonCancellable(async () => {
      upsertSearchAttributes([{ key: SA_STATUS, value: 'cleaning-up' }]);
      const cleanup = await cleanUp(request, created, progress);
      progress.setCleanup(cleanup);
      await stopRtoWatch();
      const recovery = progress.finishRecovery(Date.now());
      progress.setStatus('failed');
      upsertSearchAttributes([{ key: SA_STATUS, value: 'failed' }]);
      await notify(request, 'failed', progress, { failure, cleanup, recovery });
    });
    throw ApplicationFailure.create({
      type: failure.type,
      message: failure.message,
      nonRetryable: true,
      details: [{ code: failure.code, step: failure.step, cleanup: progress.view().cleanup }],
    });
  }
}

/** Patch id of the expiry step (workflow versioning: see temporal-notes.md, versioning). */
export const EXPIRY_PATCH = 'cluster-expiry';

/** How long a new expiry waits for the target's previous one to end after being told to. */
const EXPIRY_HANDOVER_ATTEMPTS = 30;
const EXPIRY_HANDOVER_INTERVAL_MS = 2_000;

/**
 * Tells the target's previous expiry (if any) that this restore replaced its cluster, then starts this restore's
 * expiry as an abandoned child under the same per-target id, so exactly one expiry watches a target. Never throws
 * (except on cancellation): the cluster is restored, and a missing expiry is reported in the result instead.
 */
async function scheduleExpiry(
  request: NormalizedRestoreRequest,
  snapshotArn: string
): Promise<RestoreResult['expiry']> {
  const workflowId = expiryWorkflowId(request.target);
  try {
    await getExternalWorkflowHandle(workflowId).signal(expirySupersededSignal, {
      operationId: request.operationId,
      restoreWorkflowId: workflowInfo().workflowId,
    });
  } catch (err) {
    if (isCancellation(err)) throw err;
    // No previous expiry is running for this target: the common case.
  }
  if (!request.expiry) return undefined;

  const { target } = request;
  const requested = request.expiry.at ? Date.parse(request.expiry.at) : Date.now() + (request.expiry.afterMs ?? 0);
  // An `at` that passed while the restore ran still leaves the operators the shortest lifetime to react.
  const expiresAt = new Date(Math.max(requested, Date.now() + MIN_EXPIRY_MS)).toISOString();
  const input: ClusterExpiryInput = {
    operationId: request.operationId,
    restoreWorkflowId: workflowInfo().workflowId,
    target: {
      region: target.region,
      accountId: target.accountId,
      roleArn: target.roleArn,
      clusterId: target.clusterId,
    },
    source: {
      region: request.source.region,
      accountId: request.source.accountId,
      clusterId: request.source.clusterId,
      snapshot: snapshotArn,
    },
    topicArn: request.notifications.topicArn,
    expiresAt,
    remindBeforeMs: request.expiry.remindBeforeMs,
    disableDeletionProtection: request.expiry.disableDeletionProtection,
    pollIntervalMs: request.timing.pollIntervalMs,
    deleteTimeoutMs: request.timing.deleteTimeoutMs,
  };
  for (let attempt = 1; ; attempt++) {
    try {
      await startChild(clusterExpiry, {
        workflowId,
        args: [input],
        parentClosePolicy: ParentClosePolicy.ABANDON,
      });
      return { workflowId, expiresAt };
    } catch (err) {
      if (isCancellation(err)) throw err;
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof WorkflowExecutionAlreadyStartedError && attempt < EXPIRY_HANDOVER_ATTEMPTS) {
        // The previous expiry was told to stand down and is ending; its id is free once it has.
        await sleep(EXPIRY_HANDOVER_INTERVAL_MS);
        continue;
      }
      log.warn('The cluster expiry could not be started', { workflowId, error: message });
      return {
        workflowId,
        expiresAt,
        problem:
          `The expiry could not be started (${message}): the cluster is kept. Check ${workflowId} ` +
          '(terminate a stuck previous expiry) and delete the cluster by hand when it is no longer needed.',
      };
    }
  }
}

function validate(input: RestoreRequest, progress: ProgressTracker): NormalizedRestoreRequest {
  progress.stepStarted('validate-request', Date.now());
  try {
    const request = validateRestoreRequest(input, {
      withoutApprovalAndRto: !patched(APPROVALS_AND_RTO_PATCH),
      now: new Date(Date.now()),
      newOperationId: () => `op-${Math.floor(Date.now() / 1000)}-${uuid4().replace(/-/g, '').slice(0, 8)}`,
    });
    const expectedId = restoreWorkflowId(request.target);
    if (workflowInfo().workflowId !== expectedId) {
      throw refuse(
        'WrongWorkflowId',
        `This restore targets ${request.target.clusterId} in ${request.target.region} and must run with workflow id ` +
          `"${expectedId}" (one restore per target at a time), but it was started as "${workflowInfo().workflowId}". ` +
          `Start it again with --workflow-id "${expectedId}". Nothing was changed.`
      );
    }
    progress.stepEnded('validate-request', Date.now(), 'completed');
    return request;
  } catch (err) {
    progress.stepEnded('validate-request', Date.now(), 'failed');
    progress.setStatus('failed');
    if (err instanceof RequestValidationError) {
      throw refuse('InvalidRequest', `${err.message} Nothing was changed.`);
    }
    throw err;
  }
}

/**
 * Refuses an approve/reject Update that cannot be applied: nothing pending, no identity, or (to reject) no reason.
 * A refused Update is not recorded in the workflow history.
 */
function validateDecision(
  kind: 'approve' | 'reject',
  input: ApprovalInput,
  pending: ApprovalState | undefined,
  workflowId: string
): void {
  if (!pending) {
    throw new Error(
      `No approval is pending in ${workflowId}: a restore waits for one only in step await-approval, before it ` +
        'replaces an existing target (approval.required). Check `aurora-restore status`.'
    );
  }
  if (typeof input !== 'object' || input === null) {
    throw new Error(`${kind} needs { by, reason }: who decides and why.`);
  }
  const by = typeof input.by === 'string' ? input.by.trim() : '';
  if (!by) throw new Error(`${kind} needs the approver's identity in "by" (e.g. --by jane.doe): it is recorded.`);
  if (by.length > MAX_APPROVER_LENGTH) throw new Error(`"by" is longer than ${MAX_APPROVER_LENGTH} characters.`);
  if (input.reason !== undefined && typeof input.reason !== 'string') throw new Error('"reason" must be text.');
  if ((input.reason ?? '').length > MAX_REASON_LENGTH) {
    throw new Error(`"reason" is longer than ${MAX_REASON_LENGTH} characters.`);
  }
  if (kind === 'reject' && !input.reason?.trim()) {
    throw new Error('reject needs a reason (--reason): it is sent in the failure notification and recorded.');
  }
}

/** Ends the approval wait as the decision or the timeout demands: a rejection or timeout fails the restore. */
function timedOut(approval: ApprovalState): never {
  approval.decision = { decision: 'timed-out', at: new Date(Date.now()).toISOString() };
  const { clusterId, region } = approval.replaces;
  throw refuse(
    'ApprovalTimedOut',
    `Nobody approved or rejected replacing cluster ${clusterId} in ${region} between ${approval.since} and ` +
      `${approval.deadline} (approval.timeout). The cluster was left as it was and what this run created was ` +
      `cleaned up. Start the restore again and approve it with \`aurora-restore approve ${region}/${clusterId} ` +
      '--by <you>`, or lengthen approval.timeout.'
  );
}

function rejected(approval: ApprovalState, decision: ApprovalDecision): ApplicationFailure {
  const { clusterId, region } = approval.replaces;
  return refuse(
    'ApprovalRejected',
    `${decision.by ?? 'Someone'} rejected replacing cluster ${clusterId} in ${region} at ${decision.at}: ` +
      `"${decision.reason ?? ''}". The cluster was left as it was and what this run created was cleaned up. ` +
      'Start the restore again once the replacement is agreed.'
  );
}

/** Where and as whom the database steps connect; only ARNs, never a secret value. */
function databaseConnection(
  request: NormalizedRestoreRequest,
  engine: string,
  cluster: ClusterInfo,
  endpoints: ClusterEndpoints,
  password: SetMasterPasswordOutput | undefined
): DatabaseConnectionInput {
  const db = request.database as NonNullable<NormalizedRestoreRequest['database']>;
  const mp = request.masterPassword;
  const secretArn =
    db.masterSecretArn ?? (mp && 'secretArn' in mp ? mp.secretArn : undefined) ?? password?.managedSecretArn;
  if (!secretArn) {
    throw refuse(
      'DatabaseSecretUnreadable',
      'The database steps have no master credentials: RDS reported no managed secret. Set database.masterSecretArn.'
    );
  }
  const host = endpoints.writerEndpoint ?? cluster.endpoint;
  const port = endpoints.port ?? cluster.port;
  if (!host || !port) {
    throw refuse(
      'ClusterFailed',
      `Cluster ${request.target.clusterId} reported no endpoint and port, so the database steps cannot connect. ` +
        'Check the cluster in the RDS console and restore again.'
    );
  }
  return {
    // The restored cluster's engine decides the dialect (the request's or the snapshot's, as RDS applied it).
    engine: (cluster.engine || engine) === 'aurora-mysql' ? 'aurora-mysql' : 'aurora-postgresql',
    clusterId: request.target.clusterId,
    region: request.target.region,
    endpoint: { host, port },
    ...(db.connectVia ? { connectVia: db.connectVia } : {}),
    ...(db.name ? { database: db.name } : {}),
    tls: db.tls,
    master: { secretArn, ...(cluster.masterUsername ? { username: cluster.masterUsername } : {}) },
    ...(request.target.roleArn ? { roleArn: request.target.roleArn } : {}),
  };
}

function locationOf(side: { region: string; accountId?: string; roleArn?: string }): AwsLocation {
  return { region: side.region, accountId: side.accountId, roleArn: side.roleArn };
}

function orRefuse<T>(value: T | { failure: keyof typeof Failures; message: string }): T {
  if (isRefusal(value)) throw refuse(value.failure, value.message);
  return value;
}

async function unshare(
  request: NormalizedRestoreRequest,
  snapshot: SnapshotInfo,
  created: Created,
  progress: ProgressTracker
): Promise<void> {
  const targetAccountId = created.sharedWith;
  if (!targetAccountId) return;
  progress.stepStarted('unshare-snapshot', Date.now());
  await calls.unshareSnapshot({
    source: locationOf(request.source),
    snapshotIdentifier: snapshot.identifier,
    targetAccountId,
  });
  progress.stepEnded('unshare-snapshot', Date.now(), 'completed');
  created.sharedWith = undefined;
  progress.resources().sharedSnapshot = undefined;
}

/**
 * Removes what this run created and no longer needs. Every call is guarded by this operation's tag inside the
 * activity, so a resource this run did not create is never touched. A failed cleanup is reported, not thrown.
 */
async function cleanUp(
  request: NormalizedRestoreRequest,
  created: Created,
  progress: ProgressTracker
): Promise<{ removed: string[]; leftInPlace: string[] }> {
  const removed: string[] = [];
  const leftInPlace: string[] = [];
  const targetLoc = locationOf(request.target);
  const attempt = async (what: string, run: () => Promise<boolean>): Promise<void> => {
    try {
      if (await run()) removed.push(what);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      log.warn('Cleanup could not remove a resource', { resource: what, error: message });
      leftInPlace.push(`${what} (${message})`);
    }
  };
  const cleanupWaits = waits(request.timing.pollIntervalMs, request.timing.deleteTimeoutMs);

  if (created.cluster) {
    const clusterId = created.cluster;
    await attempt(`cluster ${clusterId}`, async () => {
      // Only a cluster tagged with this operation is ours to remove (the activity enforces the same guard).
      const found = await calls.describeCluster({ target: targetLoc, clusterId });
      if (!found || !isCreatedByOperation(found.tags, request.operationId)) return false;
      await cleanupWaits.deleteCluster({
        target: targetLoc,
        clusterId,
        guard: { operationId: request.operationId },
        disableDeletionProtection: true,
      });
      return true;
    });
  }
  if (created.snapshotCopy && !request.copy.keep) {
    const snapshotIdentifier = created.snapshotCopy;
    await attempt(`snapshot copy ${snapshotIdentifier}`, async () => {
      const out = await calls.deleteSnapshotCopy({
        target: targetLoc,
        snapshotIdentifier,
        operationId: request.operationId,
      });
      return out.deleted;
    });
  }
  if (created.sharedWith && progress.view().snapshot) {
    const targetAccountId = created.sharedWith;
    const snapshotIdentifier = progress.view().snapshot?.identifier ?? '';
    await attempt(`share of ${snapshotIdentifier} with ${targetAccountId}`, async () => {
      await calls.unshareSnapshot({
        source: locationOf(request.source),
        snapshotIdentifier,
        targetAccountId,
      });
      return true;
    });
  }
  return { removed, leftInPlace };
}

/** Sends a notification when a topic is configured. A lost notification is logged and never changes the outcome. */
/** The database outcome without per-statement and per-table detail: notifications must stay small. */
function databaseSummary(outcome: RestoreProgress['database']): RestoreEvent['database'] {
  if (!outcome) return undefined;
  const { users, sanitization, verification } = outcome;
  return {
    users: users?.map(({ name, action, role }) => ({ name, action, role })),
    sanitization: sanitization?.map(({ name, statements, rowsAffected }) => ({ name, statements, rowsAffected })),
    verification: verification && {
      serverVersion: verification.serverVersion,
      tables: verification.tables.length,
      checks: verification.checks,
    },
  };
}

function approvalSummary(state: ApprovalState | undefined): RestoreEvent['approval'] {
  if (!state) return undefined;
  const { replaces, since, deadline, decision } = state;
  return { replaces, since, deadline, ...(decision ? { decision } : {}) };
}

async function notify(
  request: NormalizedRestoreRequest,
  kind: NotificationKind,
  progress: ProgressTracker,
  extra: {
    endpoints?: ClusterEndpoints;
    failure?: FailureReport;
    cleanup?: RestoreProgress['cleanup'];
    recovery?: RestoreProgress['recovery'];
  } = {}
): Promise<void> {
  const topicArn = request.notifications.topicArn;
  if (!topicArn) return;
  const event: RestoreEvent = {
    eventId: `${request.operationId}/${kind}`,
    kind,
    operationId: request.operationId,
    workflowId: workflowInfo().workflowId,
    timestamp: new Date(Date.now()).toISOString(),
    source: {
      region: request.source.region,
      accountId: request.source.accountId,
      snapshot: progress.view().snapshot?.arn ?? snapshotSourceLabel(request.source),
      clusterId: request.source.clusterId,
    },
    target: { region: request.target.region, accountId: request.target.accountId, clusterId: request.target.clusterId },
    endpoints: extra.endpoints,
    steps: progress.steps,
    failure: extra.failure,
    cleanup: extra.cleanup,
    database: databaseSummary(progress.view().database),
    approval: progress.view().approval && approvalSummary(progress.view().approval),
    recovery: extra.recovery,
  };
  try {
    await notifications.publishNotification({ topicArn, event });
  } catch (err) {
    log.warn('Notification could not be sent', {
      kind,
      topicArn,
      error: err instanceof Error ? err.message : String(err),
    });
  }
}
