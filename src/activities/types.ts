/**
 * The contract between the restore workflow and its activities: inputs and outputs of every activity.
 * Workflow code imports this file with `import type` only. Nothing here may carry a secret value.
 */
import type { MasterPasswordSpec, ServerlessV2Capacity, SnapshotRef } from '../domain/request';

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
  tags: Tag[];
  members: ClusterMember[];
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
}

export interface DeleteClusterInput {
  target: AwsLocation;
  clusterId: string;
  /**
   * Who may be deleted. Always: only clusters tagged managed-by this pipeline, never the source cluster.
   * With `operationId`: only the cluster this operation created (compensation).
   */
  guard: {
    operationId?: string;
    source?: { clusterId?: string; region: string; accountId?: string };
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

export type NotificationKind = 'started' | 'succeeded' | 'failed' | 'expiry-reminder' | 'expired' | 'expiry-failed';

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
}

export interface PublishNotificationInput {
  topicArn: string;
  event: RestoreEvent;
}
