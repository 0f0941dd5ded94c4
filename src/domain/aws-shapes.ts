/**
 * What the pipeline knows about AWS resources: where a call goes, and what a describe returns, as the activities
 * report it and the workflows, the domain rules and the client read it. Plain data, never a secret value.
 */
import type { ServerlessV2Capacity } from './request';

/** Where a call goes: one AWS client per region and account (role). */
export interface AwsLocation {
  region: string;
  /** Account the caller expects to act in (informational and for ARNs); credentials decide the real one. */
  accountId?: string;
  /** Role to assume for this account; default credential chain when absent. */
  roleArn?: string;
}

/** Which cluster: its identifier in a region (and account). */
export interface ClusterRef {
  region: string;
  accountId?: string;
  clusterId: string;
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
  /** DbClusterResourceId: immutable, unlike the identifier and the ARN, which change when the cluster is renamed. */
  resourceId?: string;
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

/** The settings a cluster is restored with (the restore applies them, the plan shows them). */
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

/**
 * The live cluster a point-in-time restore or a clone starts from (source.pointInTime, source.clone), as
 * DescribeDBClusters reported it when the restore resolved its source.
 */
export interface SourceClusterInfo {
  kind: 'point-in-time' | 'clone';
  identifier: string;
  arn: string;
  region: string;
  engine: string;
  engineVersion?: string;
  status: string;
  /** The source's restorable window (ISO 8601), when it reports one. */
  earliestRestorableTime?: string;
  latestRestorableTime?: string;
  /** The instant restored to (source.pointInTime.time); absent with `useLatestRestorableTime`. */
  restoreToTime?: string;
  useLatestRestorableTime: boolean;
  /** Member instances of the source cluster (a clone needs at least one). */
  instanceCount: number;
  /** The copy-on-write chain the source belongs to, if it has clones. */
  cloneGroupId?: string;
}
