/**
 * The contract between the restore workflow and its activities: inputs and outputs of every activity.
 * Workflow code imports this file with `import type` only. Nothing here may carry a secret value. The shapes these
 * inputs and outputs are made of, which workflows, domain rules and the client read too, live in src/domain.
 */
import type { AwsLocation, RestoreClusterSettings, Tag } from '../domain/aws-shapes';
import type { CopyWatchRequest, SlotHolderRef } from '../domain/copy-slots';
import type { PlanProblem } from '../domain/plan';
import type {
  ClusterSourceRef,
  DatabaseUserSpec,
  MasterPasswordSpec,
  NormalizedDatabaseSpec,
  SanitizeScriptSpec,
  SnapshotRef,
  VerificationCheckSpec,
} from '../domain/request';
import type { RestoreEvent } from '../domain/restore-event';

export interface FindSnapshotInput {
  source: AwsLocation;
  ref: SnapshotRef;
  /** The account the restore goes into; a snapshot from another account is looked up as shared. */
  targetAccountId?: string;
}

export interface ShareSnapshotInput {
  source: AwsLocation;
  snapshotIdentifier: string;
  targetAccountId: string;
}

export interface StartSnapshotCopyInput {
  target: AwsLocation;
  /** ARN of the snapshot to copy (the SDK pre-signs cross-region copies from it). */
  sourceSnapshotArn: string;
  copyIdentifier: string;
  kmsKeyId?: string;
  operationId: string;
  tags: Tag[];
  /**
   * The region's copy-slot coordinator granted this copy a slot: copy at once, without counting the copies in
   * progress (the coordinator counted them, outside copies included).
   */
  slotGranted?: boolean;
}

export interface RequestCopySlotInput {
  /** The destination account and region of the copy. */
  target: AwsLocation;
  /** The copy the restore will start once granted. */
  copyIdentifier: string;
  /** Asks the coordinator to watch the copy and tell the restore when it ends (restores from before poll it). */
  watch?: CopyWatchRequest;
}

export interface CheckCopiesInput {
  location: AwsLocation;
  copyIdentifiers: string[];
}

export interface ReleaseCopySlotInput {
  /** The coordinator that granted the slot or holds the run in its queue. */
  coordinatorId: string;
  /** The copy, when it may still be running (the restore failed mid-copy): it keeps counting until it ends. */
  copyStillRunning?: string;
}

export interface ReconcileCopySlotsInput {
  location: AwsLocation;
  /** Restore runs holding or waiting for a slot: the coordinator drops those that have ended. */
  runs: SlotHolderRef[];
}

export interface StartSnapshotCopyOutput {
  identifier: string;
  arn: string;
  /** True when a copy this operation had already started was found and adopted instead of copying again. */
  adopted: boolean;
}

export interface AwaitSnapshotInput {
  target: AwsLocation;
  snapshotIdentifier: string;
  /** How long the AWS operation is expected to take (earlier restores of the same source): times the polls. */
  expectedDurationMs?: number;
  /**
   * The workflow started this operation a moment ago (not adopted): the wait's first attempt plans its first status
   * check instead of spending a describe on an operation that cannot have finished yet.
   */
  justStarted?: boolean;
}

export interface DescribeClusterInput {
  target: AwsLocation;
  clusterId: string;
  /** Also list the member instances and report those this pipeline did not create (`unmanagedInstances`). */
  includeInstances?: boolean;
  /** How long the AWS operation is expected to take (when waiting; earlier restores of the same source): times the polls. */
  expectedDurationMs?: number;
}

export interface AwaitClusterInput extends DescribeClusterInput {
  /**
   * The workflow started this operation a moment ago (not adopted): the wait's first attempt plans its first status
   * check instead of spending a describe on an operation that cannot have finished yet.
   */
  justStarted?: boolean;
}

export interface DeleteClusterInput {
  target: AwsLocation;
  clusterId: string;
  /**
   * Who may be deleted. Always: only clusters tagged managed-by this pipeline whose instances all carry the tag too,
   * never the source cluster nor the snapshot's own cluster.
   * With `operationId`: only the cluster this operation created (compensation).
   */
  guard: {
    operationId?: string;
    source?: { clusterId?: string; region: string; accountId?: string };
    /** The cluster the snapshot being restored was taken from (find-snapshot's answer): never deleted either. */
    snapshotSource?: { clusterId: string; region: string; accountId?: string };
  };
  disableDeletionProtection: boolean;
}

export interface RestoreClusterInput {
  target: AwsLocation;
  clusterId: string;
  /** Identifier (same account) of the snapshot to restore from, in the target region. */
  snapshotIdentifier: string;
  settings: RestoreClusterSettings;
  operationId: string;
  tags: Tag[];
}

export interface RestoreClusterOutput {
  clusterArn: string;
  adopted: boolean;
}

export interface CreateInstancesInput {
  target: AwsLocation;
  clusterId: string;
  engine: string;
  instanceClass: string;
  instanceIds: string[];
  dbParameterGroupName?: string;
  operationId: string;
  tags: Tag[];
}

export interface CreateInstancesOutput {
  created: string[];
  adopted: string[];
}

export interface AwaitInstancesInput {
  target: AwsLocation;
  clusterId: string;
  instanceIds: string[];
  /** How long the AWS operation is expected to take (earlier restores of the same source): times the polls. */
  expectedDurationMs?: number;
  /**
   * The workflow started this operation a moment ago (not adopted): the wait's first attempt plans its first status
   * check instead of spending a describe on an operation that cannot have finished yet.
   */
  justStarted?: boolean;
}

export interface SetMasterPasswordInput {
  target: AwsLocation;
  clusterId: string;
  spec: MasterPasswordSpec;
}

export interface SetMasterPasswordOutput {
  mode: 'secret' | 'managed';
  /** ARN of the RDS-managed secret (mode `managed`); never a value. */
  managedSecretArn?: string;
}

export interface DeleteSnapshotCopyInput {
  target: AwsLocation;
  snapshotIdentifier: string;
  /** Only a snapshot tagged as created by this operation is deleted. */
  operationId: string;
}

export interface PublishNotificationInput {
  topicArn: string;
  event: RestoreEvent;
}

// ---------------------------------------------------------------------------------------------------------------
// Database steps (task queue `aurora-restore-db`): no secret values, only ARNs.

/** How a database activity reaches and logs in to the restored cluster. */
export interface DatabaseConnectionInput {
  engine: 'aurora-postgresql' | 'aurora-mysql';
  clusterId: string;
  region: string;
  /** The cluster (writer) endpoint and port. */
  endpoint: { host: string; port: number };
  connectVia?: { host: string; port: number };
  database?: string;
  tls: NormalizedDatabaseSpec['tls'];
  /** Master credentials: secret ARN; the user name from the secret, else `username`. */
  master: { secretArn: string; username?: string };
  /** Role to read secrets and S3 objects with (the target's). */
  roleArn?: string;
}

export interface SetupDatabaseUsersInput {
  connection: DatabaseConnectionInput;
  users: DatabaseUserSpec[];
  usersSecretArn?: string;
}

export interface SanitizeDatabaseInput {
  connection: DatabaseConnectionInput;
  scripts: (SanitizeScriptSpec & { name: string })[];
}

export interface VerifyDatabaseInput {
  connection: DatabaseConnectionInput;
  checks: VerificationCheckSpec[];
}

// ---------------------------------------------------------------------------------------------------------------
// Plan (dry run): read-only checks of what the restore would need in the target (and, for keys, the source).

/** A KMS key the restore would use in the target region and account, and the request field that names it. */
export interface PreflightKmsKey {
  field: string;
  keyId: string;
  /** What the key is for, in words (e.g. "encrypt the snapshot copy"). */
  purpose: string;
  /** Must be a customer-managed key of the target account (a cross-account copy re-encrypts under it). */
  customerManagedInAccount?: string;
}

/** The restore's key check: the keys the target must be able to use, checked before anything is changed. */
export interface KmsKeyCheckInput {
  target: AwsLocation;
  kmsKeys: PreflightKmsKey[];
}

export interface PreflightInput {
  target: AwsLocation;
  dbSubnetGroupName?: string;
  vpcSecurityGroupIds?: string[];
  dbClusterParameterGroupName?: string;
  dbParameterGroupName?: string;
  kmsKeys: PreflightKmsKey[];
  /** A cross-account snapshot's key, checked in the source account: the default aws/rds key cannot be shared. */
  sourceSnapshotKey?: { source: AwsLocation; snapshotIdentifier: string; kmsKeyId: string; targetAccountId: string };
}

export interface PreflightOutput {
  problems: PlanProblem[];
}

/** Resolve a live cluster source (source.pointInTime, source.clone) in the target's region and account. */
export interface ResolveSourceClusterInput {
  /** Where the source cluster is: the target's region and account (RDS restores a cluster only there). */
  target: AwsLocation;
  ref: ClusterSourceRef;
}

/** RestoreDBClusterToPointInTime of the source cluster into the target cluster. */
export interface RestoreClusterToPointInTimeInput {
  target: AwsLocation;
  clusterId: string;
  sourceClusterId: string;
  /** `copy-on-write` makes a clone; `full-copy` a point-in-time restore. */
  restoreType: 'full-copy' | 'copy-on-write';
  /** ISO 8601; absent means the source's latest restorable time. */
  restoreToTime?: string;
  settings: RestoreClusterSettings;
  operationId: string;
  tags: Tag[];
}

export interface ReleaseTargetLockInput {
  /** The lock's workflow id and the run this restore started. */
  lockWorkflowId: string;
  lockRunId: string;
}

export interface ResolveTargetAccountInput {
  target: AwsLocation;
}

export interface ResolveTargetAccountOutput {
  /** The account the target's cluster lives in. */
  accountId: string;
  /** How it was found: the role the worker assumes for the target, or the worker's own credentials. */
  from: 'role' | 'worker-credentials';
}

/** Rename a cluster (swap refresh): the cluster is identified by its immutable resource id, whatever it is called. */
export interface RenameClusterInput {
  target: AwsLocation;
  from: string;
  to: string;
  /** DbClusterResourceId of the cluster to rename. */
  resourceId: string;
}

/** Rename an instance of `clusterId` (swap refresh). */
export interface RenameInstanceInput {
  target: AwsLocation;
  clusterId: string;
  from: string;
  to: string;
}

export interface RenameInstanceOutput {
  instanceId: string;
  endpoint?: string;
}

/** Stop the cluster renamed aside by a swap (replace.previous: stop). */
export interface StopClusterInput {
  target: AwsLocation;
  clusterId: string;
  resourceId: string;
}

export interface StopClusterOutput {
  clusterId: string;
  status: string;
}
