/**
 * Decisions the workflow takes from what it found in AWS, as pure functions: whether the snapshot must be shared
 * and copied, which engine to restore, and whether an existing target may be replaced. Each refusal names the
 * resource, the rule and what to do, and is raised before anything is changed.
 */
import type { ClusterInfo, SnapshotInfo } from './aws-shapes';
import type { FailureName } from './errors';
import { isManagedByPipeline, TAG_MANAGED_BY, TAG_MANAGED_BY_VALUE } from './naming';
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
 * How an existing target is replaced. `delete-first` deletes the old cluster, then restores under its name: the old
 * cluster, its automated backups and its point-in-time window are gone before the new one is verified, and the
 * target is down for the whole restore. `swap` (the default) restores beside the old cluster under temporary names,
 * keeps it serving until the new one is verified, then swaps the names: the target is down for the swap only.
 */
export type ReplaceStrategy = 'delete-first' | 'swap';

/** The strategy this request's replacement uses (`replace.strategy`, default swap). */
export function replaceStrategyOf(request: NormalizedRestoreRequest): ReplaceStrategy {
  return request.replace.strategy;
}

/** A cluster by identity: identifier (case-insensitive in RDS), region and, when known, account. */
export interface ClusterRef {
  clusterId: string;
  region: string;
  accountId?: string;
}

/** Same cluster: same identifier and region, and the same account unless both accounts are known and differ. */
export function isSameCluster(a: ClusterRef, b: ClusterRef): boolean {
  return (
    a.clusterId.toLowerCase() === b.clusterId.toLowerCase() &&
    a.region === b.region &&
    (!a.accountId || !b.accountId || a.accountId === b.accountId)
  );
}

/** Account id in an ARN (`arn:aws:rds:<region>:<account>:...`). */
export function accountOfArn(arn: string | undefined): string | undefined {
  return arn?.split(':')[4] || undefined;
}

/** The cluster a snapshot was taken from (its own cluster), when the snapshot names one. */
export function snapshotSourceCluster(snapshot: SnapshotInfo): ClusterRef | undefined {
  if (!snapshot.clusterId) return undefined;
  return { clusterId: snapshot.clusterId, region: snapshot.region, accountId: snapshot.accountId || undefined };
}

/** Whether the target is a source cluster of this restore and, if so, whether the replace strategy may overwrite it. */
export interface SourceClusterVerdict {
  /** The target is the cluster the snapshot was taken from (a rollback), or the request's source.clusterId. */
  kind: 'rollback' | 'declared-source';
  strategy: ReplaceStrategy;
  allowed: boolean;
  /** Why, for the plan and the refusal. */
  reason: string;
}

/**
 * The source-vs-target rule. The target may be the cluster the restore reads from (the snapshot's own cluster, or
 * the request's source.clusterId, which usually names it): restoring a cluster from its own snapshot is a rollback,
 * a legitimate request, but only where nothing is lost before the restored cluster is verified. `swap` keeps the
 * old cluster until then; `delete-first` would delete it (and with it its automated backups and point-in-time
 * window) first, so it is refused. Returns undefined when the target is neither.
 */
export function sourceClusterVerdict(
  target: ClusterRef,
  sources: { snapshot?: SnapshotInfo; declared?: ClusterRef },
  strategy: ReplaceStrategy
): SourceClusterVerdict | undefined {
  const own = sources.snapshot && snapshotSourceCluster(sources.snapshot);
  const kind =
    own && isSameCluster(own, target)
      ? 'rollback'
      : sources.declared && isSameCluster(sources.declared, target)
        ? 'declared-source'
        : undefined;
  if (!kind) return undefined;
  const subject =
    kind === 'rollback'
      ? `it is the cluster snapshot ${sources.snapshot?.identifier} was taken from (a rollback)`
      : 'it is the source cluster of this restore (source.clusterId)';
  if (strategy === 'swap') {
    return {
      kind,
      strategy,
      allowed: true,
      reason: `${subject}; the swap refresh keeps it until the restored cluster is verified`,
    };
  }
  return {
    kind,
    strategy,
    allowed: false,
    reason:
      `${subject}; the delete-first replace would delete it, with its automated backups and point-in-time ` +
      'window, before the restored cluster is verified',
  };
}

/** The verdict for this request's target against its snapshot and declared source cluster. */
export function targetSourceVerdict(
  request: NormalizedRestoreRequest,
  existing: ClusterInfo,
  snapshot?: SnapshotInfo,
  strategy: ReplaceStrategy = replaceStrategyOf(request)
): SourceClusterVerdict | undefined {
  const { target, source } = request;
  const targetRef: ClusterRef = {
    clusterId: target.clusterId,
    region: target.region,
    // The ARN names the account the cluster really lives in.
    accountId: accountOfArn(existing.arn) ?? target.accountId,
  };
  const declared = source.clusterId
    ? { clusterId: source.clusterId, region: source.region, accountId: source.accountId ?? target.accountId }
    : undefined;
  return sourceClusterVerdict(targetRef, { snapshot, declared }, strategy);
}

/**
 * May the existing target cluster be replaced? Only when the request allows it, the cluster and every member
 * instance carry this pipeline's managed-by tag, it is not a source cluster the replace strategy would lose (see
 * sourceClusterVerdict; `snapshot` is the one find-snapshot returned), and deletion protection is off or may be
 * turned off.
 */
export function checkReplaceAllowed(
  request: NormalizedRestoreRequest,
  existing: ClusterInfo,
  snapshot?: SnapshotInfo,
  strategy: ReplaceStrategy = replaceStrategyOf(request)
): Refusal | null {
  return replaceRefusals(request, existing, snapshot, strategy)[0] ?? null;
}

/**
 * Every reason the existing target may not be replaced, most fundamental first (the restore refuses with the first;
 * the plan reports them all, so one run of the plan lists everything to fix).
 */
export function replaceRefusals(
  request: NormalizedRestoreRequest,
  existing: ClusterInfo,
  snapshot?: SnapshotInfo,
  strategy: ReplaceStrategy = replaceStrategyOf(request)
): Refusal[] {
  const { clusterId, region } = request.target;
  const verdict = targetSourceVerdict(request, existing, snapshot, strategy);
  if (verdict && !verdict.allowed) {
    return [
      {
        failure: 'RefusedSourceCluster',
        message:
          `Cluster ${clusterId} in ${region} is not replaced: ${verdict.reason}. Nothing was changed. Restore into a ` +
          'new target.clusterId and move the application over once it is verified, or use replace.strategy: swap ' +
          '(the default), which keeps the old cluster until the new one is verified.',
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
  const unmanaged = existing.unmanagedInstances ?? [];
  if (unmanaged.length > 0) {
    refusals.push({
      failure: 'UnmanagedInstance',
      message: unmanagedInstancesMessage(clusterId, region, unmanaged),
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

/** Why a cluster with instances this pipeline did not create is not replaced, and what to do. */
export function unmanagedInstancesMessage(clusterId: string, region: string, instanceIds: string[]): string {
  return (
    `Cluster ${clusterId} in ${region} has instance(s) that aurora-restore did not create (no ${TAG_MANAGED_BY} ` +
    `tag): ${instanceIds.join(', ')}. Replacing the cluster would delete them, so nothing was changed. Delete them ` +
    `yourself if they are no longer needed, or tag them ${TAG_MANAGED_BY}=${TAG_MANAGED_BY_VALUE} to let the ` +
    'replace delete them; or choose another target.clusterId.'
  );
}
