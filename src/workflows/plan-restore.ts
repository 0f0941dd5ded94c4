/**
 * planRestore: the restore request in plan (dry run) mode. It validates the request exactly like the restore, then
 * only reads AWS (find the snapshot, describe the target, preflight the target's resources and keys) and returns
 * what the restore would do and every problem it found, applying the restore's own decision rules
 * (restore-plan.ts). Nothing is shared, copied, deleted or created.
 *
 * A found problem is data in the plan, never an error; so is a region whose AWS endpoint cannot be reached. The
 * reads retry briefly (planCalls), and the workflow fails only when AWS cannot be read for another reason.
 * It takes no per-target lock, so a plan may run while a restore of the same target is in progress.
 */
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';

import type { ClusterInfo, SnapshotInfo } from '../domain/aws-shapes';
import { Failures } from '../domain/errors';
import { isManagedByPipeline, snapshotCopyId, swapNames } from '../domain/naming';
import { regionWarnings, validationProblems } from '../domain/plan';
import type { PlanProblem, RestorePlan } from '../domain/plan';
import type { NormalizedRestoreRequest, RestoreRequest } from '../domain/request';
import {
  isRefusal,
  planSnapshotTransfer,
  replaceRefusals,
  replaceStrategyOf,
  resolveEngine,
  targetSourceVerdict,
} from '../domain/restore-plan';
import type { Refusal } from '../domain/restore-plan';
import { RequestValidationError, validateRestoreRequest } from '../domain/validate';

import { planCalls as calls } from './activity-options';
import { targetInstanceIds } from './instance-ids';
import { kmsKeysToCheck } from './kms-keys';
import { newOperationId } from './operation-id';

/** Failures of findSnapshot that are findings about the request's snapshot (or access to it), by failure type. */
const SNAPSHOT_FINDINGS = new Map(
  (['SnapshotNotFound', 'SnapshotNotAvailable', 'SnapshotNotShareable', 'AccessDenied', 'InvalidRequest'] as const).map(
    (name) => [Failures[name].type, name]
  )
);

/** Failures of resolveSourceCluster that are findings about a live cluster source. */
const SOURCE_CLUSTER_FINDINGS = new Map(
  (['SourceClusterNotFound', 'PointInTimeOutsideWindow', 'CloneRefused', 'AccessDenied'] as const).map((name) => [
    Failures[name].type,
    name,
  ])
);

/** Which request field each refusal of the restore's rules points at. */
const REFUSAL_FIELDS: Partial<Record<Refusal['failure'], string>> = {
  InvalidRestoreParameter: 'target.engine',
  SnapshotNotShareable: 'source.snapshot',
  KmsKeyNotAccessible: 'copy.kmsKeyId',
  RefusedSourceCluster: 'target.clusterId',
  UnmanagedInstance: 'target.clusterId',
  TargetExists: 'replace.existing',
  NotManagedByPipeline: 'target.clusterId',
  DeletionProtected: 'replace.disableDeletionProtection',
};

function fromRefusal(refusal: Refusal, field?: string): PlanProblem {
  return {
    code: refusal.failure,
    field: field ?? REFUSAL_FIELDS[refusal.failure] ?? 'request',
    message: refusal.message,
  };
}

export async function planRestore(input: RestoreRequest): Promise<RestorePlan> {
  let request: NormalizedRestoreRequest;
  try {
    request = validateRestoreRequest(input, {
      now: new Date(Date.now()),
      newOperationId: () => newOperationId('plan'),
    });
  } catch (err) {
    if (err instanceof RequestValidationError) {
      return { ok: false, problems: validationProblems(err.problems) };
    }
    throw err;
  }

  const { source, target } = request;
  const targetLoc = { region: target.region, accountId: target.accountId, roleArn: target.roleArn };
  const sourceLoc = { region: source.region, accountId: source.accountId, roleArn: source.roleArn };
  const problems: PlanProblem[] = [];
  const warnings = regionWarnings(request);
  const plan: RestorePlan = {
    ok: false,
    problems,
    ...(warnings.length > 0 ? { warnings } : {}),
    operationId: request.operationId,
    target: { clusterId: target.clusterId, region: target.region, accountId: target.accountId },
  };

  // 1. The snapshot, as the restore would find it. Not found / not available are findings. Or the live cluster
  //    of a point-in-time restore or clone, checked as the restore checks it (window, clone limits).
  let snapshot: SnapshotInfo | undefined;
  plan.sourceKind = source.clusterRef?.kind ?? 'snapshot';
  if (source.clusterRef) {
    const field = source.clusterRef.kind === 'clone' ? 'source.clone' : 'source.pointInTime';
    try {
      plan.sourceCluster = await calls.resolveSourceCluster({ target: targetLoc, ref: source.clusterRef });
      plan.engine = plan.sourceCluster.engine;
      if (target.engine && target.engine !== plan.sourceCluster.engine) {
        problems.push({
          code: 'InvalidRestoreParameter',
          field: 'target.engine',
          message: `target.engine is ${target.engine} but the source cluster runs ${plan.sourceCluster.engine}: remove target.engine or set it to the source engine.`,
        });
      }
    } catch (err) {
      const unreachable = unreachableProblem(err, 'source.region');
      const finding = snapshotFinding(err, SOURCE_CLUSTER_FINDINGS);
      if (unreachable) problems.push(unreachable);
      else if (!finding) throw err;
      else problems.push({ code: finding.code, field, message: finding.message });
    }
  } else {
    try {
      snapshot = await calls.findSnapshot({
        source: sourceLoc,
        ref: source.snapshotRef!,
        targetAccountId: target.accountId,
      });
    } catch (err) {
      const unreachable = unreachableProblem(err, 'source.region');
      const finding = snapshotFinding(err);
      if (unreachable) problems.push(unreachable);
      else if (!finding) throw err;
      else {
        problems.push({
          code: finding.code,
          field: source.snapshot !== undefined ? 'source.snapshot' : 'source.selection',
          message: finding.message,
        });
      }
    }
  }

  // 2. Engine and transfer, by the restore's own rules.
  let transfer: ReturnType<typeof planSnapshotTransfer> | undefined;
  if (snapshot) {
    plan.snapshot = {
      identifier: snapshot.identifier,
      arn: snapshot.arn,
      region: snapshot.region,
      accountId: snapshot.accountId,
      engine: snapshot.engine,
      ...(snapshot.engineVersion ? { engineVersion: snapshot.engineVersion } : {}),
      status: snapshot.status,
      snapshotType: snapshot.snapshotType,
      encrypted: snapshot.encrypted,
      ...(snapshot.kmsKeyId ? { kmsKeyId: snapshot.kmsKeyId } : {}),
      ...(snapshot.createdAt ? { createdAt: snapshot.createdAt } : {}),
    };
    const engine = resolveEngine(request, snapshot);
    if (isRefusal(engine)) problems.push(fromRefusal(engine));
    else plan.engine = engine;
    transfer = planSnapshotTransfer(request, snapshot);
    if (isRefusal(transfer)) {
      problems.push(fromRefusal(transfer));
    } else {
      plan.share = { needed: transfer.share, ...(transfer.share ? { withAccount: target.accountId } : {}) };
      plan.copy = {
        needed: transfer.copy,
        reason: transfer.reason,
        keep: request.copy.keep,
        ...(transfer.copy ? { identifier: snapshotCopyId(target.clusterId, request.operationId) } : {}),
        ...(transfer.copy && request.copy.kmsKeyId ? { kmsKeyId: request.copy.kmsKeyId } : {}),
      };
    }
  } else if (target.engine && !plan.engine) {
    plan.engine = target.engine;
  }

  // 3. The existing target, and whether the restore may replace it (every refusal, not only the first).
  let existing: ClusterInfo | null;
  try {
    existing = await calls.describeCluster({ target: targetLoc, clusterId: target.clusterId, includeInstances: true });
  } catch (err) {
    const unreachable = unreachableProblem(err, 'target.region');
    if (!unreachable) throw err;
    // Nothing more can be read in the target region: the rest of the plan would only repeat this problem.
    problems.push(unreachable);
    return plan;
  }
  const refusals = existing ? replaceRefusals(request, existing, snapshot) : [];
  problems.push(...refusals.map((r) => fromRefusal(r)));
  const verdict = existing ? targetSourceVerdict(request, existing, snapshot) : undefined;
  plan.replace = {
    existing: existing && {
      identifier: existing.identifier,
      status: existing.status,
      deletionProtection: existing.deletionProtection,
      managedByPipeline: isManagedByPipeline(existing.tags),
      ...(existing.unmanagedInstances?.length ? { unmanagedInstances: existing.unmanagedInstances } : {}),
    },
    allowed: refusals.length === 0,
    ...(existing ? { strategy: replaceStrategyOf(request) } : {}),
    ...(verdict ? { rollback: { kind: verdict.kind, allowed: verdict.allowed, reason: verdict.reason } } : {}),
    disablesDeletionProtection: !!existing?.deletionProtection && request.replace.disableDeletionProtection,
    ...(existing && replaceStrategyOf(request) === 'swap' ? { swap: swapPlan(request, existing) } : {}),
    // Only a replacement waits: a target that does not exist is created without asking.
    ...(existing && request.approval
      ? { approval: { timeoutMs: request.approval.timeoutMs, notify: request.approval.notify } }
      : {}),
  };

  // 4. The target's network, parameter groups and keys; a cross-account snapshot's key.
  const crossAccount = !!transfer && !isRefusal(transfer) && transfer.share && !!target.accountId;
  const kmsKeys = kmsKeysToCheck(request, transfer);
  const mp = request.masterPassword;
  const preflight = await readTarget(
    calls.preflightTarget({
      target: targetLoc,
      dbSubnetGroupName: target.dbSubnetGroupName,
      vpcSecurityGroupIds: target.vpcSecurityGroupIds,
      dbClusterParameterGroupName: target.dbClusterParameterGroupName,
      dbParameterGroupName: target.dbParameterGroupName,
      kmsKeys,
      ...(crossAccount && snapshot?.encrypted && snapshot.kmsKeyId && target.accountId
        ? {
            sourceSnapshotKey: {
              source: { ...sourceLoc, accountId: snapshot.accountId },
              snapshotIdentifier: snapshot.identifier,
              kmsKeyId: snapshot.kmsKeyId,
              targetAccountId: target.accountId,
            },
          }
        : {}),
    })
  );
  problems.push(...preflight.problems);

  // 5. What would be created.
  plan.restore = {
    ...(target.engineVersion ? { engineVersion: target.engineVersion } : {}),
    ...(target.port !== undefined ? { port: target.port } : {}),
    ...(target.dbSubnetGroupName ? { dbSubnetGroupName: target.dbSubnetGroupName } : {}),
    ...(target.vpcSecurityGroupIds?.length ? { vpcSecurityGroupIds: target.vpcSecurityGroupIds } : {}),
    ...(target.dbClusterParameterGroupName ? { dbClusterParameterGroupName: target.dbClusterParameterGroupName } : {}),
    ...(target.kmsKeyId ? { kmsKeyId: target.kmsKeyId } : {}),
    deletionProtection: target.deletionProtection,
  };
  plan.instances = {
    ids: targetInstanceIds(target.clusterId, target.instanceCount),
    instanceClass: target.instanceClass,
    ...(target.dbParameterGroupName ? { dbParameterGroupName: target.dbParameterGroupName } : {}),
  };
  plan.masterPassword = !mp
    ? { mode: 'snapshot' }
    : 'secretArn' in mp
      ? { mode: 'secret', secretArn: mp.secretArn }
      : { mode: 'managed', ...(mp.kmsKeyId ? { kmsKeyId: mp.kmsKeyId } : {}) };
  if (request.database) plan.database = databaseSteps(request.database);

  plan.ok = problems.length === 0;
  return plan;
}

/** The problem for a region whose AWS endpoint could not be reached (AwsEndpointUnreachable), else undefined. */
function unreachableProblem(err: unknown, field: string): PlanProblem | undefined {
  if (!(err instanceof ActivityFailure) || !(err.cause instanceof ApplicationFailure)) return undefined;
  if (err.cause.type !== Failures.EndpointUnreachable.type) return undefined;
  return { code: 'EndpointUnreachable', field, message: err.cause.message };
}

/** The preflight's problems, or the target region's unreachable endpoint (EC2, KMS) as the one problem. */
async function readTarget(preflight: Promise<{ problems: PlanProblem[] }>): Promise<{ problems: PlanProblem[] }> {
  try {
    return await preflight;
  } catch (err) {
    const unreachable = unreachableProblem(err, 'target.region');
    if (!unreachable) throw err;
    return { problems: [unreachable] };
  }
}

function snapshotFinding(
  err: unknown,
  findings: Map<string, PlanProblem['code']> = SNAPSHOT_FINDINGS
): { code: PlanProblem['code']; message: string } | undefined {
  if (!(err instanceof ActivityFailure) || !(err.cause instanceof ApplicationFailure)) return undefined;
  const code = findings.get(err.cause.type ?? '');
  return code ? { code, message: err.cause.message } : undefined;
}

function databaseSteps(db: NonNullable<NormalizedRestoreRequest['database']>): NonNullable<RestorePlan['database']> {
  const steps: { step: string; detail: string }[] = [];
  if (db.users.length > 0 || db.usersSecretArn) {
    const users = db.users.map(
      (u) => `${u.name ?? '(name from its secret)'} (${u.privileges?.join(', ') ?? u.role ?? 'read-write'})`
    );
    if (db.usersSecretArn) users.push('the application and read-only users of the users secret');
    steps.push({ step: 'setup-users', detail: users.join('; ') });
  }
  if (db.sanitize.length > 0) {
    steps.push({
      step: 'sanitize-data',
      detail: `${db.sanitize.length} script(s): ${db.sanitize.map((s) => s.name).join(', ')}`,
    });
  }
  if (db.verify) {
    steps.push({
      step: 'verify-database',
      detail: `built-in checks and ${db.verify.checks.length} check(s) of the request`,
    });
  }
  return { taskQueue: db.taskQueue, steps };
}

/** The swap's names and the room it needs (two clusters at once until the swap). */
function swapPlan(
  request: NormalizedRestoreRequest,
  existing: ClusterInfo
): NonNullable<RestorePlan['replace']>['swap'] {
  const { target, operationId, replace } = request;
  const names = swapNames(target.clusterId, operationId, target.instanceCount);
  const clusters = 2;
  const instances = existing.members.length + target.instanceCount;
  return {
    incomingClusterId: names.incomingClusterId,
    incomingInstanceIds: names.incomingInstanceIds,
    outgoingClusterId: names.outgoingClusterId,
    previous: replace.previous,
    ...(replace.keepForMs !== undefined ? { keepForMs: replace.keepForMs } : {}),
    quota: {
      clusters,
      instances,
      note:
        `until the swap, ${target.clusterId} and the new cluster exist side by side: ${clusters} clusters and ` +
        `${instances} instances of the account's RDS quotas in ${target.region} (and their cost); with ` +
        'replace.strategy: delete-first, only one at a time',
    },
  };
}
