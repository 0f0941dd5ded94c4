/**
 * What an RDS status means for a wait: `ready` (done), `in-progress` (poll again) or `terminal` (it will not
 * become ready by itself; fail with a hint). Used while waiting for a snapshot copy, a restored cluster and
 * its instances to become available.
 *
 * Unknown statuses are `in-progress`, on purpose: RDS adds transitional statuses over time (for example
 * `storage-optimization`, `configuring-log-exports`), and failing a multi-hour restore on a harmless new one
 * would be worse than waiting. Every wait is bounded by its timeout, and the raw status is reported in the
 * progress query, so a truly stuck resource still ends the restore with a clear message.
 *
 * Pure: imported by workflow code.
 */

export type StatusClass = 'ready' | 'in-progress' | 'terminal';

const KMS_HINT =
  'RDS cannot use the KMS key of this resource: check that the key is enabled, not pending deletion, and that ' +
  'its key policy (or a grant) lets this account use it through RDS (kms:CreateGrant, kms:Decrypt, ' +
  'kms:GenerateDataKey*, kms:DescribeKey).';

/** Short "what to do" hints for terminal statuses, shared by clusters, instances and snapshots. */
const HINTS: Record<string, string> = {
  failed:
    'RDS reports the resource as failed: check its RDS events in the console (Events, last 24h), fix the cause, delete the failed resource and restore again.',
  'incompatible-restore':
    'RDS could not restore: usually the snapshot engine version cannot run with the chosen instance class, parameter group or engine version. Check the RDS events, pick a supported combination and restore again.',
  'incompatible-parameters':
    'The parameter group has values this engine version or instance class cannot use (often memory settings): fix target.dbClusterParameterGroupName / target.dbParameterGroupName and restore again.',
  'incompatible-network':
    'RDS cannot place the resource in the network: the subnet group may lack free IP addresses or subnets in enough Availability Zones, or the VPC changed. Fix target.dbSubnetGroupName and restore again.',
  'incompatible-option-group':
    'The option group does not fit this engine version: choose a compatible option group and restore again.',
  'inaccessible-encryption-credentials': `${KMS_HINT} The resource cannot recover; delete it and restore again once the key is usable.`,
  'inaccessible-encryption-credentials-recoverable': `${KMS_HINT} It recovers by itself if key access is restored within 7 days.`,
  'storage-full': 'The instance ran out of storage: free space or scale the instance, then retry.',
  'restore-error':
    'RDS hit an error while restoring: check the RDS events, delete the failed resource and restore again.',
  'insufficient-capacity':
    'AWS has no capacity for this instance class in the chosen Availability Zones: choose another target.instanceClass or a subnet group with more zones, or retry later.',
  'cloning-failed': 'The clone failed: check the RDS events and try again.',
  'migration-failed': 'The migration failed: check the RDS events.',
  deleting:
    'The resource is being deleted by someone else: find out who (CloudTrail DeleteDB* events) before restoring again.',
  deleted: 'The resource was deleted outside this restore: find out who (CloudTrail) before restoring again.',
  stopping: 'Someone is stopping the cluster: start it again (aws rds start-db-cluster) and restore again.',
  stopped: 'The cluster is stopped: start it (aws rds start-db-cluster), then restore again.',
  error: 'RDS reports an error for the snapshot: delete it and copy or snapshot again.',
  'incompatible-credentials':
    'RDS cannot use the Active Directory / credentials configured for the resource: fix them and restore again.',
};

const CLUSTER_TERMINAL = new Set([
  'failed',
  'incompatible-restore',
  'incompatible-parameters',
  'incompatible-network',
  'incompatible-option-group',
  'inaccessible-encryption-credentials',
  'inaccessible-encryption-credentials-recoverable',
  'restore-error',
  'storage-full',
  'cloning-failed',
  'migration-failed',
  'insufficient-capacity',
  // While we wait for a cluster to become available, these mean someone else acted on it.
  'deleting',
  'deleted',
  'stopping',
  'stopped',
]);

const INSTANCE_TERMINAL = new Set([
  'failed',
  'incompatible-restore',
  'incompatible-parameters',
  'incompatible-network',
  'incompatible-option-group',
  'incompatible-credentials',
  'inaccessible-encryption-credentials',
  'inaccessible-encryption-credentials-recoverable',
  'restore-error',
  'storage-full',
  'insufficient-capacity',
  'deleting',
  'deleted',
  'stopping',
  'stopped',
]);

const SNAPSHOT_TERMINAL = new Set([
  'failed',
  'error',
  'incompatible-restore',
  'inaccessible-encryption-credentials',
  'deleting',
  'deleted',
]);

function normalize(status: string | undefined | null): string {
  return (status ?? '').trim().toLowerCase();
}

function classify(status: string | undefined | null, terminal: ReadonlySet<string>): StatusClass {
  const s = normalize(status);
  if (s === 'available') return 'ready';
  if (terminal.has(s)) return 'terminal';
  // creating, backing-up, modifying, copying... and anything RDS adds later (see the header comment).
  return 'in-progress';
}

/** Status of a DB cluster we wait on to become `available` (restored cluster). */
export function classifyClusterStatus(status: string | undefined | null): StatusClass {
  return classify(status, CLUSTER_TERMINAL);
}

/** Status of a DB cluster snapshot we wait on to become `available` (the copy). */
export function classifySnapshotStatus(status: string | undefined | null): StatusClass {
  return classify(status, SNAPSHOT_TERMINAL);
}

/** Status of a DB instance we wait on to become `available`. */
export function classifyInstanceStatus(status: string | undefined | null): StatusClass {
  return classify(status, INSTANCE_TERMINAL);
}

/** What to do about a terminal status; undefined for statuses that need no action (ready, in progress). */
export function statusHint(status: string | undefined | null): string | undefined {
  return HINTS[normalize(status)];
}

/** What to do about a snapshot copy that ended badly: a terminal status, or `not-found` when it disappeared. */
export function snapshotCopyFailureHint(status: string): string {
  if (status === 'not-found')
    return 'Someone may have deleted it (check CloudTrail for DeleteDBClusterSnapshot); start the restore again.';
  return statusHint(status) ?? 'check the RDS events of the snapshot and start the restore again.';
}

/** The terminal statuses per resource kind, for documentation and tests. */
export const TERMINAL_STATUSES = {
  cluster: [...CLUSTER_TERMINAL],
  instance: [...INSTANCE_TERMINAL],
  snapshot: [...SNAPSHOT_TERMINAL],
} as const;
