/**
 * Decisions the workflow takes from what it found in AWS, as pure functions: whether the snapshot must be shared
 * and copied, which engine to restore, and whether an existing target may be replaced. Each refusal names the
 * resource, the rule and what to do, and is raised before anything is changed.
 */
import type { ClusterInfo, SnapshotInfo } from './aws-shapes';
import type { FailureName } from './errors';
import { isManagedByPipeline } from './naming';
import type { NormalizedRestoreRequest } from './request';

export interface Refusal {
  failure: FailureName;
  message: string;
}

export interface TransferPlan {
  /** Share the snapshot from the source account with the target account. */
  share: boolean;
  /** Copy the snapshot into the target region/account. */
  copy: boolean;
  /** Why (for the progress view and notifications). */
  reason: string;
}

export function planSnapshotTransfer(
  request: NormalizedRestoreRequest,
  snapshot: SnapshotInfo
): TransferPlan | Refusal {
  const targetAccount = request.target.accountId;
  const crossAccount = targetAccount !== undefined && snapshot.accountId !== targetAccount;
  const crossRegion = snapshot.region !== request.target.region;
  const copy = crossAccount || crossRegion || request.copy.force;

  if (crossAccount && snapshot.snapshotType === 'automated') {
    return {
      failure: 'SnapshotNotShareable',
      message:
        `Snapshot ${snapshot.identifier} in account ${snapshot.accountId} is an automated snapshot, which AWS does not ` +
        `allow to share with account ${targetAccount}. Copy it to a manual snapshot in the source account first, or ` +
        `select manual snapshots (source.selection.snapshotType: manual).`,
    };
  }
  if (copy && snapshot.encrypted && !request.copy.kmsKeyId) {
    return {
      failure: 'KmsKeyNotAccessible',
      message:
        `Snapshot ${snapshot.identifier} is encrypted, and copying it into ${request.target.region}` +
        `${crossAccount ? ` (account ${targetAccount})` : ''} needs a KMS key there. Set copy.kmsKeyId to a key in ` +
        `${request.target.region}${crossAccount ? ' owned by the target account' : ''}.`,
    };
  }
  const reasons = [
    crossRegion ? `snapshot is in ${snapshot.region}, target in ${request.target.region}` : '',
    crossAccount ? `snapshot is owned by account ${snapshot.accountId}, target is account ${targetAccount}` : '',
    request.copy.force && !crossRegion && !crossAccount ? 'copy.force requested' : '',
  ].filter(Boolean);
  return {
    share: crossAccount,
    copy,
    reason: copy ? reasons.join('; ') : 'snapshot is already in the target region and account',
  };
}

export function isRefusal(value: unknown): value is Refusal {
  return typeof value === 'object' && value !== null && 'failure' in value;
}

/** The engine to restore: the request's, which must match the snapshot's. */
export function resolveEngine(request: NormalizedRestoreRequest, snapshot: SnapshotInfo): string | Refusal {
  const wanted = request.target.engine;
  if (wanted && wanted !== snapshot.engine) {
    return {
      failure: 'InvalidRestoreParameter',
      message:
        `target.engine is ${wanted} but snapshot ${snapshot.identifier} is ${snapshot.engine}. A snapshot restores ` +
        `only into its own engine: remove target.engine or choose a ${wanted} snapshot.`,
    };
  }
  return snapshot.engine;
}

/**
 * May the existing target cluster be replaced? Only when the request allows it, the cluster carries this
 * pipeline's managed-by tag, it is not the source cluster, and deletion protection is off or may be turned off.
 */
export function checkReplaceAllowed(request: NormalizedRestoreRequest, existing: ClusterInfo): Refusal | null {
  return replaceRefusals(request, existing)[0] ?? null;
}

/**
 * Every reason the existing target may not be replaced, most fundamental first (the restore refuses with the first;
 * the plan reports them all, so one run of the plan lists everything to fix).
 */
export function replaceRefusals(request: NormalizedRestoreRequest, existing: ClusterInfo): Refusal[] {
  const { clusterId, region } = request.target;
  const source = request.source;
  const sameAccount = (source.accountId ?? request.target.accountId) === request.target.accountId;
  if (source.clusterId === clusterId && source.region === region && sameAccount) {
    return [
      {
        failure: 'RefusedSourceCluster',
        message: `Cluster ${clusterId} in ${region} is the source cluster of this restore; it is never replaced.`,
      },
    ];
  }
  const refusals: Refusal[] = [];
  if (!request.replace.existing) {
    refusals.push({
      failure: 'TargetExists',
      message:
        `Cluster ${clusterId} already exists in ${region} (status ${existing.status}). Nothing was changed. To replace ` +
        `it, set replace.existing: true (only clusters created by aurora-restore can be replaced), or choose another ` +
        `target.clusterId.`,
    });
  }
  if (!isManagedByPipeline(existing.tags)) {
    refusals.push({
      failure: 'NotManagedByPipeline',
      message:
        `Cluster ${clusterId} in ${region} was not created by aurora-restore (it has no aurora-restore:managed-by tag), ` +
        `so it is never deleted. Nothing was changed. Delete or rename it yourself, or choose another target.clusterId.`,
    });
  }
  if (existing.deletionProtection && !request.replace.disableDeletionProtection) {
    refusals.push({
      failure: 'DeletionProtected',
      message:
        `Cluster ${clusterId} in ${region} has deletion protection on. Nothing was changed. To replace it anyway, set ` +
        `replace.disableDeletionProtection: true.`,
    });
  }
  return refusals;
}
