/**
 * Example restore requests and helpers shared by tests. Every function returns a fresh object, so tests may
 * mutate what they get.
 */
import type { SnapshotInfo } from '../../src/domain/aws-shapes';
import type { RestoreRequest } from '../../src/domain/request';
import type { ValidateOptions } from '../../src/domain/validate';

/** A fixed "now" for validation: 2026-03-15 10:00 UTC (so `yesterday` is 2026-03-14). */
export const FIXED_NOW = new Date('2026-03-15T10:00:00.000Z');
export const FIXED_OPERATION_ID = 'op-1773568800000-0a1b2c3d';

export const SOURCE_ACCOUNT = '111111111111';
export const TARGET_ACCOUNT = '222222222222';
export const TARGET_KMS_KEY_ARN = `arn:aws:kms:eu-west-1:${TARGET_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
export const MASTER_SECRET_ARN = `arn:aws:secretsmanager:eu-west-1:${TARGET_ACCOUNT}:secret:aurora-restore/orders-master-AbCdEf`;
export const TOPIC_ARN = `arn:aws:sns:eu-west-1:${TARGET_ACCOUNT}:aurora-restore-events`;

/** Options for `validateRestoreRequest` with a fixed clock and operation id. */
export function validateOptions(now: Date = FIXED_NOW, operationId = FIXED_OPERATION_ID): ValidateOptions {
  return { now, newOperationId: () => operationId };
}

/** The smallest valid request: same region and account, explicit snapshot identifier. */
export function minimalRequest(): RestoreRequest {
  return {
    source: { region: 'us-east-1', snapshot: 'orders-nightly-2026-03-14' },
    target: { clusterId: 'orders-restore', region: 'us-east-1' },
  };
}

/** A request using every section: cross-region, cross-account, latest snapshot, serverless v2, secret password. */
export function fullRequest(): RestoreRequest {
  return {
    operationId: 'weekly-orders-42',
    source: {
      region: 'us-east-1',
      accountId: SOURCE_ACCOUNT,
      roleArn: `arn:aws:iam::${SOURCE_ACCOUNT}:role/aurora-restore-source`,
      clusterId: 'orders',
      selection: { strategy: 'latest', snapshotType: 'manual' },
    },
    target: {
      clusterId: 'orders-staging',
      region: 'eu-west-1',
      accountId: TARGET_ACCOUNT,
      roleArn: `arn:aws:iam::${TARGET_ACCOUNT}:role/platform/aurora-restore-target`,
      engine: 'aurora-postgresql',
      engineVersion: '16.4',
      port: 5432,
      instanceCount: 3,
      serverlessV2: {
        minCapacity: 0,
        maxCapacity: 16,
        secondsUntilAutoPause: 3600,
      },
      dbSubnetGroupName: 'staging-private',
      vpcSecurityGroupIds: ['sg-0123456789abcdef0', 'sg-89abcdef'],
      dbClusterParameterGroupName: 'orders-pg16',
      dbParameterGroupName: 'default.aurora-postgresql16',
      kmsKeyId: 'alias/staging-rds',
      tags: { team: 'dba', 'cost-center': '42' },
      deletionProtection: true,
      enableIamDatabaseAuthentication: true,
      enableCloudwatchLogsExports: ['postgresql'],
      backupRetentionPeriod: 7,
    },
    copy: { kmsKeyId: TARGET_KMS_KEY_ARN, keep: true },
    replace: { existing: true, disableDeletionProtection: true },
    masterPassword: { secretArn: MASTER_SECRET_ARN },
    timing: {
      pollInterval: '1m',
      copyTimeout: '1d',
      restoreTimeout: '6h',
      deadline: '3d',
    },
    notifications: { topicArn: TOPIC_ARN },
  };
}

/** A snapshot description with sensible defaults. */
export function snapshotInfo(overrides: Partial<SnapshotInfo> = {}): SnapshotInfo {
  const identifier = overrides.identifier ?? 'orders-snap';
  return {
    identifier,
    arn: `arn:aws:rds:us-east-1:${SOURCE_ACCOUNT}:cluster-snapshot:${identifier}`,
    region: 'us-east-1',
    accountId: SOURCE_ACCOUNT,
    clusterId: 'orders',
    engine: 'aurora-postgresql',
    status: 'available',
    snapshotType: 'manual',
    encrypted: true,
    createdAt: '2026-03-14T03:00:00.000Z',
    ...overrides,
  };
}
