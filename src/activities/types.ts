/**
 * The contract between the restore workflow and its activities: inputs and outputs of every activity.
 * Workflow code imports this file with `import type` only. Nothing here may carry a secret value.
 */
import type { PlanProblem } from '../domain/plan';
import type {
  DatabaseUserSpec,
  MasterPasswordSpec,
  NormalizedDatabaseSpec,
  SanitizeScriptSpec,
  ServerlessV2Capacity,
  SnapshotRef,
  VerificationCheckSpec,
} from '../domain/request';

/** Where a call goes: one AWS client per region and account (role). */
export interface AwsLocation {
  region: string;
  /** Account the caller expects to act in (informational and for ARNs); credentials decide the real one. */
  accountId?: string;
  /** Role to assume for this account; default credential chain when absent. */
  roleArn?: string;
}

export interface Tag {
  Key: string;
  Value: string;
}

export interface SnapshotInfo {
  identifier: string;
  arn: string;
  region: string;
  accountId: string;
  clusterId?: string;
  engine: string;
  engineVersion?: string;
  status: string;
  /** automated | manual | shared | ... */
  snapshotType: string;
  encrypted: boolean;
  kmsKeyId?: string;
  createdAt?: string;
  percentProgress?: number;
  allocatedStorageGb?: number;
  tags?: Tag[];
}

export interface ClusterMember {
  instanceId: string;
  isWriter: boolean;
}

export interface ClusterInfo {
  identifier: string;
  arn: string;
  status: string;
  engine: string;
  engineVersion?: string;
  port?: number;
  endpoint?: string;
  readerEndpoint?: string;
  deletionProtection: boolean;
  /** The master user name (the database steps log in as it). */
  masterUsername?: string;
  tags: Tag[];
  members: ClusterMember[];
  /**
   * Member instances without this pipeline's managed-by tag (a person added them): present only when the describe
   * asked for instances (`DescribeClusterInput.includeInstances`). A replace would delete them, so it is refused.
   */
  unmanagedInstances?: string[];
}

export interface InstanceInfo {
  instanceId: string;
  role: 'writer' | 'reader';
  status: string;
  instanceClass: string;
  endpoint?: string;
}

export interface ClusterEndpoints {
  writerEndpoint?: string;
  readerEndpoint?: string;
  port?: number;
  instances: InstanceInfo[];
}

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
}

export interface DescribeClusterInput {
  target: AwsLocation;
  clusterId: string;
  /** Also list the member instances and report those this pipeline did not create (`unmanagedInstances`). */
  includeInstances?: boolean;
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

export interface RestoreClusterSettings {
  engine: string;
  engineVersion?: string;
  port?: number;
  dbSubnetGroupName?: string;
  vpcSecurityGroupIds?: string[];
  dbClusterParameterGroupName?: string;
  kmsKeyId?: string;
  deletionProtection: boolean;
  serverlessV2?: ServerlessV2Capacity;
  enableIamDatabaseAuthentication?: boolean;
  enableCloudwatchLogsExports?: string[];
  backupRetentionPeriod?: number;
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

/** A status observed while waiting, reported to the workflow so the `progress` query can show it. */
export interface AwsObservation {
  resource: 'snapshot-copy' | 'cluster' | 'instances' | 'deletion';
  id: string;
  status: string;
  percentProgress?: number;
  observedAt: string;
}

export type NotificationKind =
  | 'started'
  | 'succeeded'
  | 'failed'
  | 'expiry-reminder'
  | 'expired'
  | 'expiry-failed'
  | 'approval-required'
  | 'rto-breached';

export interface StepTiming {
  name: string;
  status: 'running' | 'completed' | 'skipped' | 'failed';
  startedAt: string;
  endedAt?: string;
  durationMs?: number;
  detail?: string;
}

/** The JSON body of every notification. `eventId` is stable across retries so consumers can de-duplicate. */
export interface RestoreEvent {
  eventId: string;
  kind: NotificationKind;
  operationId: string;
  workflowId: string;
  timestamp: string;
  source: { region: string; accountId?: string; snapshot?: string; clusterId?: string };
  target: { region: string; accountId?: string; clusterId: string };
  endpoints?: ClusterEndpoints;
  steps: StepTiming[];
  failure?: { step?: string; type: string; code: string; message: string };
  cleanup?: { removed: string[]; leftInPlace: string[] };
  /** Expiry notifications (`expiry-reminder`, `expired`, `expiry-failed`): when and how to change it. */
  expiry?: {
    workflowId: string;
    expiresAt: string;
    timeLeftMs?: number;
    deletedAt?: string;
    /** What went wrong (`expiry-failed`). */
    problem?: string;
    /** The commands that keep the cluster longer or keep it for good. */
    extendWith?: string;
    cancelWith?: string;
  };
  /** approval-required: what will be replaced and until when the approval is awaited; later events: the decision. */
  approval?: {
    replaces: { clusterId: string; region: string; accountId?: string; status?: string };
    since: string;
    deadline: string;
    decision?: { decision: string; by?: string; at: string; reason?: string };
  };
  /** Measured recovery time and the RTO verdict (rto-breached, succeeded, failed). */
  recovery?: {
    rtoMs?: number;
    totalMs: number;
    steps: { name: string; durationMs: number }[];
    rtoMet?: boolean;
    breachedAt?: string;
    breachedDuring?: string;
  };
  /** What the database steps did and found, summarized (the `progress` query has the full report). */
  database?: {
    users?: { name: string; action: string; role: string }[];
    sanitization?: { name: string; statements: number; rowsAffected: number }[];
    verification?: {
      serverVersion: string;
      tables: number;
      checks: { name: string; passed: boolean; detail: string }[];
    };
  };
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

export interface DatabaseUserReport {
  name: string;
  action: 'created' | 'updated';
  role: string;
  privileges: string[];
  /** Schemas (PostgreSQL) or databases (MySQL) granted on. */
  scope: string[];
}

export interface SanitizeDatabaseInput {
  connection: DatabaseConnectionInput;
  scripts: (SanitizeScriptSpec & { name: string })[];
}

export interface SanitizeScriptReport {
  name: string;
  source: 'sql' | 'file' | 's3';
  statements: number;
  /** Rows inserted, updated or deleted by the whole script. */
  rowsAffected: number;
  /** Per statement: its start (one line) and the rows it touched. */
  perStatement: { statement: string; rows: number }[];
  /** False on MySQL when the script has DDL, which commits implicitly. */
  transactional: boolean;
  durationMs: number;
}

export interface VerifyDatabaseInput {
  connection: DatabaseConnectionInput;
  checks: VerificationCheckSpec[];
}

export interface TableEstimate {
  schema: string;
  name: string;
  /** From the catalogue (pg_class.reltuples, information_schema.TABLES); null when never analyzed. */
  rowEstimate: number | null;
}

export interface VerificationCheckResult {
  name: string;
  passed: boolean;
  detail: string;
}

export interface VerificationReport {
  serverVersion: string;
  schemas: string[];
  tables: TableEstimate[];
  /** More tables exist than were listed. */
  tablesTruncated: boolean;
  checks: VerificationCheckResult[];
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
