/**
 * Names the pipeline derives: workflow ids (the one-restore-per-target lock), snapshot copy ids, instance ids and
 * the tags that mark what a run created. Deterministic and pure: workflow code relies on them on replay.
 */

import type { ClusterSourceRef, SnapshotRef } from './request';

/** Tag keys the pipeline writes on everything it creates, and reads before it deletes anything. */
export const TAG_MANAGED_BY = 'aurora-restore:managed-by';
export const TAG_MANAGED_BY_VALUE = 'aurora-restore';
export const TAG_OPERATION_ID = 'aurora-restore:operation-id';
export const TAG_SOURCE_SNAPSHOT = 'aurora-restore:source-snapshot';
export const TAG_ROLE = 'aurora-restore:role';
/** On snapshot copies: when the copy was requested (ISO 8601), which orders racing copies for the copy slots. */
export const TAG_COPY_REQUESTED_AT = 'aurora-restore:copy-requested-at';

export const WORKFLOW_ID_PREFIX = 'aurora-restore';
export const EXPIRY_WORKFLOW_ID_PREFIX = 'aurora-restore-expiry';

/**
 * The workflow id of a restore is derived from its target, so Temporal itself guarantees one running restore per
 * target: a second start with the same id is rejected while the first runs.
 */
export function restoreWorkflowId(target: { region: string; clusterId: string; accountId?: string }): string {
  const account = target.accountId ? `${target.accountId}/` : '';
  // RDS identifiers are case-insensitive: `Orders` and `orders` are one cluster, so they share one lock.
  return `${WORKFLOW_ID_PREFIX}/${account}${target.region}/${target.clusterId.toLowerCase()}`;
}

export const TARGET_LOCK_WORKFLOW_ID_PREFIX = 'aurora-restore-lock';

/**
 * The workflow id of a target's lock (`targetLock`): keyed by the account the cluster really lives in, which the
 * worker resolves (role's account, or its own), so that every spelling of one target (with `accountId`, without it,
 * with a role) takes the same lock, while the restore's own id keeps the spelling the requester used.
 */
/** The signal by which a restore releases the target lock it holds (workflows/target-lock.ts). */
export const TARGET_LOCK_RELEASE_SIGNAL = 'releaseTargetLock';

export function targetLockWorkflowId(target: { region: string; clusterId: string; accountId: string }): string {
  return `${TARGET_LOCK_WORKFLOW_ID_PREFIX}/${target.accountId}/${target.region}/${target.clusterId.toLowerCase()}`;
}

/**
 * The workflow id of a cluster's expiry (`clusterExpiry`): one per target, like the restore's, so a later restore of
 * the same target takes the expiry over instead of running a second one beside it.
 */
export function expiryWorkflowId(target: { region: string; clusterId: string; accountId?: string }): string {
  return restoreWorkflowId(target).replace(`${WORKFLOW_ID_PREFIX}/`, `${EXPIRY_WORKFLOW_ID_PREFIX}/`);
}

/**
 * Identifier of the snapshot copy a run makes in the target region: `<cluster>-<hash of operation id>-copy`.
 * Always a valid RDS identifier (letters, digits, single hyphens, at most 63 characters) whatever the operation id
 * holds, and distinct per operation; the readable operation id is in the copy's tags.
 */
export function snapshotCopyId(targetClusterId: string, operationId: string): string {
  const suffix = `-${fnv1a32(operationId)}-copy`;
  return trimHyphens(targetClusterId.slice(0, 63 - suffix.length)) + suffix;
}

/** RDS identifiers (clusters, instances, snapshots) are at most 63 characters. */
const MAX_IDENTIFIER_LENGTH = 63;

/**
 * Instance identifiers: `<cluster>-1` is the writer, `<cluster>-2..N` the readers. When `<cluster>-<n>` would pass
 * 63 characters, the cluster id is cut and a hash of the WHOLE cluster id keeps the ids of two long targets with
 * the same prefix apart (`<cut cluster>-<8 hex>-<n>`): instance identifiers are unique per account and Region, so
 * two targets deriving the same ids could not both exist, and one replace would pick up the other's instances.
 */
export function instanceId(clusterId: string, index: number): string {
  const suffix = `-${index + 1}`;
  if (clusterId.length + suffix.length <= MAX_IDENTIFIER_LENGTH) return clusterId + suffix;
  // RDS identifiers are case-insensitive: `Orders…` and `orders…` are one cluster and get one hash.
  const tail = `-${fnv1a32(clusterId.toLowerCase())}${suffix}`;
  return trimHyphens(clusterId.slice(0, MAX_IDENTIFIER_LENGTH - tail.length)) + tail;
}

/**
 * The instance identifiers of releases before the hash was added: a plain cut, so two long targets sharing their
 * first 60 characters got the same ids. Only for replaying restores and plans that started with them.
 */
export function legacyInstanceId(clusterId: string, index: number): string {
  const suffix = `-${index + 1}`;
  return trimHyphens(clusterId.slice(0, MAX_IDENTIFIER_LENGTH - suffix.length)) + suffix;
}

function trimHyphens(text: string): string {
  return text.replace(/-+$/, '');
}

/** FNV-1a, 32 bits, as 8 hex digits: a short stable fingerprint (not security). */
function fnv1a32(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

export function instanceIds(clusterId: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => instanceId(clusterId, i));
}

export function legacyInstanceIds(clusterId: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => legacyInstanceId(clusterId, i));
}

/** Tags for what a run creates; the user's tags first so the pipeline's keys always win. */
export function pipelineTags(
  operationId: string,
  sourceSnapshot: string,
  userTags: Record<string, string> = {}
): { Key: string; Value: string }[] {
  const tags: Record<string, string> = {
    ...userTags,
    [TAG_MANAGED_BY]: TAG_MANAGED_BY_VALUE,
    [TAG_OPERATION_ID]: operationId,
    [TAG_SOURCE_SNAPSHOT]: sourceSnapshot.slice(0, 256),
  };
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/** True when the tag list marks a resource as created by this pipeline (any run). */
export function isManagedByPipeline(tags: { Key?: string; Value?: string }[] | undefined): boolean {
  return (tags ?? []).some((t) => t.Key === TAG_MANAGED_BY && t.Value === TAG_MANAGED_BY_VALUE);
}

/** True when the tag list marks a resource as created by the given operation. */
export function isCreatedByOperation(
  tags: { Key?: string; Value?: string }[] | undefined,
  operationId: string
): boolean {
  return isManagedByPipeline(tags) && (tags ?? []).some((t) => t.Key === TAG_OPERATION_ID && t.Value === operationId);
}

/**
 * What a request restores, as the AuroraRestoreSource search attribute shows it: `<region>/<snapshot or rule>`, or
 * for a live cluster `<region>/pit:<cluster>@<time or latest>` and `<region>/clone:<cluster>`.
 */
export function snapshotSourceLabel(source: {
  region: string;
  snapshotRef?: SnapshotRef;
  clusterRef?: ClusterSourceRef;
}): string {
  const cluster = source.clusterRef;
  if (cluster) {
    const name =
      cluster.kind === 'clone' ? `clone:${cluster.clusterId}` : `pit:${cluster.clusterId}@${cluster.time ?? 'latest'}`;
    return `${source.region}/${name}`;
  }
  const ref = source.snapshotRef as SnapshotRef;
  const name =
    ref.kind === 'identifier' || ref.kind === 'arn'
      ? ref.identifier
      : ref.kind === 'latest'
        ? `latest:${ref.clusterId}`
        : ref.template.replace('{date}', ref.date);
  return `${source.region}/${name}`;
}

/**
 * The identifiers of a swap refresh (replace.strategy: swap), all derived from the target and the operation id so a
 * resumed run finds the same names: the new cluster and its instances are restored under `incoming` names (cluster
 * and instance identifiers are unique per account and region, so they cannot take the target's names while the old
 * cluster holds them), and the old cluster and its instances are renamed aside to `outgoing` names during the swap.
 * Always valid RDS identifiers (a letter first, letters, digits and single hyphens, at most 63 characters).
 */
export interface SwapNames {
  /** The new cluster until the swap. */
  incomingClusterId: string;
  /** Its instances until the swap (writer first), one per requested instance. */
  incomingInstanceIds: string[];
  /** The old cluster after the swap. */
  outgoingClusterId: string;
}

export function swapNames(targetClusterId: string, operationId: string, instanceCount: number): SwapNames {
  const tag = fnv1a32(`${operationId}/${targetClusterId.toLowerCase()}`);
  const incomingClusterId = swapName(targetClusterId, `-${tag}-new`);
  return {
    incomingClusterId,
    incomingInstanceIds: Array.from({ length: instanceCount }, (_, i) =>
      swapName(targetClusterId, `-${tag}-new${i + 1}`)
    ),
    outgoingClusterId: swapName(targetClusterId, `-${tag}-old`),
  };
}

/** Where an old instance goes during the swap: its own name with this operation's outgoing suffix. */
export function outgoingInstanceId(instanceId: string, operationId: string, targetClusterId: string): string {
  return swapName(instanceId, `-${fnv1a32(`${operationId}/${targetClusterId.toLowerCase()}`)}-old`);
}

function swapName(base: string, suffix: string): string {
  return trimHyphens(base.slice(0, 63 - suffix.length)) + suffix;
}
