/**
 * The restore request: one JSON shape for the TypeScript client, our CLI (JSON or YAML file) and
 * `temporal workflow start --input`. Field names are camelCase; every optional field has a documented default
 * (README "Input reference"). `validateRestoreRequest` turns it into a `NormalizedRestoreRequest` or throws one
 * error listing every problem.
 *
 * Pure types and constants only: imported by workflow code, so no Node built-ins and no AWS SDK here.
 */

export type AuroraEngine = 'aurora-postgresql' | 'aurora-mysql';

/** Which snapshot to restore when no explicit id or ARN is given. */
export type SnapshotSelection =
  | {
      /** The newest `available` snapshot of `source.clusterId`. */
      strategy: 'latest';
      /** Default `any` (automated and manual). */
      snapshotType?: 'automated' | 'manual' | 'any';
    }
  | {
      /** A snapshot whose identifier is built from a template, e.g. `nightly-{date}` -> `nightly-2026-11-25`. */
      strategy: 'name-template';
      /** Placeholders: `{date}` (YYYY-MM-DD), `{yyyymmdd}`, `{cluster}` (source cluster id). */
      template: string;
      /** `yesterday` (default), `today` or an explicit `YYYY-MM-DD`; resolved in UTC when the restore starts. */
      date?: string;
    };

export interface SourceSpec {
  /** Region that holds the snapshot. */
  region: string;
  /** 12-digit account that owns the snapshot; default: the target account (same-account restore). */
  accountId?: string;
  /** IAM role to assume for calls in the source account (finding and sharing the snapshot). */
  roleArn?: string;
  /** Explicit snapshot identifier or ARN; takes precedence over `selection`. */
  snapshot?: string;
  /** Source cluster identifier: required with `selection`, and never deleted or replaced by a restore. */
  clusterId?: string;
  /** Selection rule used when `snapshot` is absent. */
  selection?: SnapshotSelection;
}

export interface ServerlessV2Capacity {
  minCapacity: number;
  maxCapacity: number;
  /** Only with `minCapacity: 0` (auto-pause), 300..86400 seconds. */
  secondsUntilAutoPause?: number;
}

export interface TargetSpec {
  /** Identifier of the cluster to create (and, with `replaceExisting`, to replace). */
  clusterId: string;
  region: string;
  /** 12-digit account to restore into; default: the worker's own account. */
  accountId?: string;
  /** IAM role to assume for calls in the target account; default: the worker's credential chain. */
  roleArn?: string;
  /** Default: the snapshot's engine. */
  engine?: AuroraEngine;
  engineVersion?: string;
  port?: number;
  /** Default `db.r6g.large`, or `db.serverless` when `serverlessV2` is set. */
  instanceClass?: string;
  /** Writer plus readers, 1..16. Default 1 (writer only). */
  instanceCount?: number;
  serverlessV2?: ServerlessV2Capacity;
  dbSubnetGroupName?: string;
  vpcSecurityGroupIds?: string[];
  dbClusterParameterGroupName?: string;
  /** Instance parameter group for the writer and readers. */
  dbParameterGroupName?: string;
  /** KMS key for the restored cluster (target region and account). */
  kmsKeyId?: string;
  /** Extra tags for the cluster and instances; the pipeline's own tags (`aurora-restore:*`) cannot be overridden. */
  tags?: Record<string, string>;
  /** Deletion protection on the restored cluster. Default false. */
  deletionProtection?: boolean;
  enableIamDatabaseAuthentication?: boolean;
  enableCloudwatchLogsExports?: string[];
  backupRetentionPeriod?: number;
}

export interface CopySpec {
  /** KMS key in the target region/account used to encrypt the copy. Required when an encrypted snapshot is copied. */
  kmsKeyId?: string;
  /** Keep the snapshot copy after a successful restore. Default false: the copy this run made is deleted. */
  keep?: boolean;
  /** Copy even when the snapshot is already in the target region and account (for example to re-encrypt). */
  force?: boolean;
}

export interface ReplaceSpec {
  /** Replace an existing target cluster. Default false: an existing target fails the restore before any change. */
  existing?: boolean;
  /** Turn off deletion protection on the cluster being replaced. Default false: a protected target fails the restore. */
  disableDeletionProtection?: boolean;
}

/** How the restored cluster gets its master password. The password itself never enters workflow history. */
export type MasterPasswordSpec =
  | {
      /** Secrets Manager secret (ARN) holding the password: a plain string or JSON with a `password` field. */
      secretArn: string;
    }
  | {
      /** Let RDS manage the master password in Secrets Manager. */
      manage: true;
      /** KMS key for the RDS-managed secret; default the `aws/secretsmanager` key. */
      kmsKeyId?: string;
    };

/** Durations are strings such as `30s`, `20m`, `6h`, `2d`. */
export interface TimingSpec {
  /** Interval between status checks of copies, restores, instances and deletions. Default 30s (5s..30m). */
  pollInterval?: string;
  /** Longest wait for the snapshot copy. Default 12h. */
  copyTimeout?: string;
  /** Longest wait for the old target cluster to be deleted. Default 2h. */
  deleteTimeout?: string;
  /** Longest wait for the restored cluster to become available. Default 12h. */
  restoreTimeout?: string;
  /** Longest wait for the instances to become available. Default 4h. */
  instancesTimeout?: string;
  /** Overall deadline for the whole restore; every wait is cut to what is left of it. Default 48h. */
  deadline?: string;
}

export interface NotificationSpec {
  /** SNS topic for start, success and failure notifications. */
  topicArn?: string;
}

/**
 * Delete the restored cluster after a time to live (README "Expiring clusters"). Exactly one of `after` and `at`.
 * On success the restore starts the `clusterExpiry` workflow (`aurora-restore-expiry/[account/]region/cluster`),
 * which outlives the restore and can be extended, set, cancelled or expired at once by an operator.
 */
export interface ExpirySpec {
  /** Time to live counted from the end of the restore, e.g. `7d`, `36h` (5m..365d). */
  after?: string;
  /** Absolute expiry time, ISO 8601 with a time zone (e.g. `2026-12-24T18:00:00Z`); later than now, within 365d. */
  at?: string;
  /**
   * Reminder notification (SNS, `notifications.topicArn`) this long before the deletion. Must be shorter than the
   * time to live. Default 24h, or half the time to live when that is 24h or less.
   */
  remindBefore?: string;
  /**
   * Turn off deletion protection when the time comes. Default false: a protected cluster is not deleted and the
   * expiry ends with an `expiry-failed` notification. Required when `target.deletionProtection` is true.
   */
  disableDeletionProtection?: boolean;
}

/**
 * Database steps after the instances are available (all optional): users, sanitization, verification. They run on
 * their own task queue (`aurora-restore-db`), so their worker can live inside the VPC. No secret value appears here:
 * every credential is a Secrets Manager ARN read by the database worker.
 */
export interface DatabaseSpec {
  /**
   * Secret (ARN) with the master credentials: JSON with `password` (and optionally `username`), or the password as a
   * plain string. Default: `masterPassword.secretArn`, or the RDS-managed secret with `masterPassword.manage`.
   * The user name defaults to the cluster's master user name.
   */
  masterSecretArn?: string;
  /** Database to connect to and grant on. Default `postgres` (PostgreSQL); for MySQL, grants go to every database. */
  name?: string;
  /** Reach the database through this host and port (an SSH tunnel or bastion) instead of the cluster endpoint. */
  connectVia?: { host: string; port: number };
  tls?: DatabaseTlsSpec;
  /**
   * Users to create or update. Default (when `usersSecretArn` is given): the original pipeline's two built-in users.
   */
  users?: DatabaseUserSpec[];
  /**
   * A secret in the original pipeline's format, `{app_username, app_password, readonly_username, readonly_password}`:
   * creates its application (read-write) and read-only users. Combines with `users`.
   */
  usersSecretArn?: string;
  /** SQL scripts run in order after the users are set up, each in one transaction where the engine allows it. */
  sanitize?: SanitizeScriptSpec[];
  /** Check the database after the other steps; `true` for the built-in checks only. */
  verify?: boolean | { checks?: VerificationCheckSpec[] };
  /** Longest time one database step may take (e.g. a long sanitization). Default 1h. */
  stepTimeout?: string;
  /**
   * Task queue of the database worker that can reach this cluster (one per VPC, say). Default `aurora-restore-db`.
   */
  taskQueue?: string;
}

export const DEFAULT_DATABASE_TASK_QUEUE = 'aurora-restore-db';

export interface DatabaseTlsSpec {
  /**
   * `verify-full` (default): the server certificate must chain to the RDS CA bundle (or `caFile`) and name the
   * cluster endpoint (also through `connectVia`). `verify-ca`: chain only. `insecure`: TLS without verification, and
   * `disable`: no TLS; both for local testing only.
   */
  mode?: 'verify-full' | 'verify-ca' | 'insecure' | 'disable';
  /** PEM file (on the database worker) with the CA certificates to trust instead of the bundled RDS CAs. */
  caFile?: string;
}

export type DatabaseRole = 'read-write' | 'read-only';

export interface DatabaseUserSpec {
  /** User name; default the `username` field of the secret. */
  name?: string;
  /** Secret (ARN) with the password: plain string or JSON with `password` (and optionally `username`). */
  passwordSecretArn: string;
  /** Built-in grants: `read-write` (DML on tables, sequences) or `read-only` (SELECT). Default `read-write`. */
  role?: DatabaseRole;
  /**
   * Privileges instead of a role, e.g. ["SELECT", "INSERT"]: granted on all tables (now and, on PostgreSQL, by
   * default for future tables) of the schemas (PostgreSQL) or databases (MySQL).
   */
  privileges?: string[];
  /** PostgreSQL schemas (default `public`) or MySQL databases (default: every non-system database) to grant on. */
  schemas?: string[];
}

/** Exactly one of `sql`, `file`, `s3`. */
export interface SanitizeScriptSpec {
  /** Name in reports and errors; default derived from the source. */
  name?: string;
  sql?: string;
  /** Path on the database worker. */
  file?: string;
  /** `s3://bucket/key`, read by the database worker (region of the target unless `s3Region`). */
  s3?: string;
  s3Region?: string;
}

export type VerificationCheckSpec = { name?: string; table: string; minRows: number } | { name?: string; sql: string };

/** A human decision before destructive steps (replacing an existing target). */
export interface ApprovalSpec {
  /** Wait for an `approve` update before deleting the existing target. Default false. */
  required?: boolean;
  /** Longest wait for the decision; the restore then fails with ApprovalTimedOut. Default 24h (1m..7d). */
  timeout?: string;
  /** Send an `approval-required` notification when the wait starts (needs notifications.topicArn). Default true. */
  notify?: boolean;
}

export interface RestoreRequest {
  /** Correlation id used in tags, notifications and logs; generated (`op-<epoch>-<hex8>`) when absent. */
  operationId?: string;
  source: SourceSpec;
  target: TargetSpec;
  copy?: CopySpec;
  replace?: ReplaceSpec;
  masterPassword?: MasterPasswordSpec;
  timing?: TimingSpec;
  notifications?: NotificationSpec;
  /** Delete the restored cluster after a time to live. Default: the cluster is kept. */
  expiry?: ExpirySpec;
  database?: DatabaseSpec;
  /** Human approval before the existing target is replaced. */
  approval?: ApprovalSpec;
  /**
   * Recovery time objective for this restore (a restore test), e.g. `2h`: an `rto-breached` notification goes out
   * as soon as it passes, and the result says whether it was met.
   */
  rto?: string;
}

/** Timing with every default applied, in milliseconds. */
export interface ResolvedTiming {
  pollIntervalMs: number;
  copyTimeoutMs: number;
  deleteTimeoutMs: number;
  restoreTimeoutMs: number;
  instancesTimeoutMs: number;
  deadlineMs: number;
}

/** A validated request with defaults applied. Produced by `validateRestoreRequest`; never built by hand. */
export interface NormalizedRestoreRequest {
  operationId: string;
  source: SourceSpec & { snapshotRef: SnapshotRef };
  target: TargetSpec & { instanceCount: number; instanceClass: string; deletionProtection: boolean };
  copy: Required<Pick<CopySpec, 'keep' | 'force'>> & Pick<CopySpec, 'kmsKeyId'>;
  replace: Required<ReplaceSpec>;
  masterPassword?: MasterPasswordSpec;
  timing: ResolvedTiming;
  notifications: NotificationSpec;
  expiry?: ResolvedExpiry;
  database?: NormalizedDatabaseSpec;
  /** Present only when approval is required. */
  approval?: { required: true; timeoutMs: number; notify: boolean };
  rtoMs?: number;
}

/** The database section after validation: defaults applied, the script sources checked. */
export interface NormalizedDatabaseSpec {
  masterSecretArn?: string;
  name?: string;
  connectVia?: { host: string; port: number };
  tls: { mode: NonNullable<DatabaseTlsSpec['mode']>; caFile?: string };
  users: (DatabaseUserSpec & { role?: DatabaseRole })[];
  usersSecretArn?: string;
  sanitize: (SanitizeScriptSpec & { name: string })[];
  verify?: { checks: VerificationCheckSpec[] };
  stepTimeoutMs: number;
  taskQueue: string;
}

/** Expiry with defaults applied: a time to live (from the end of the restore) or an absolute time. */
export interface ResolvedExpiry {
  /** Time to live in ms, counted from the end of the restore (from `after`). */
  afterMs?: number;
  /** Absolute expiry time, normalized ISO 8601 UTC (from `at`). */
  at?: string;
  remindBeforeMs: number;
  disableDeletionProtection: boolean;
}

/** How the snapshot is identified, after validation. */
export type SnapshotRef =
  | { kind: 'identifier'; identifier: string }
  | { kind: 'arn'; arn: string; region: string; accountId: string; identifier: string }
  | { kind: 'latest'; clusterId: string; snapshotType: 'automated' | 'manual' | 'any' }
  | { kind: 'name-template'; clusterId?: string; template: string; date: string };

export const DEFAULT_INSTANCE_CLASS = 'db.r6g.large';
export const SERVERLESS_INSTANCE_CLASS = 'db.serverless';
export const MAX_INSTANCE_COUNT = 16;

export const DEFAULT_REMIND_BEFORE = '24h';
/** Shortest and longest lifetime an expiry accepts (request, extend and set alike). */
export const MIN_EXPIRY_MS = 5 * 60_000;
export const MAX_EXPIRY_MS = 365 * 86_400_000;
export const DEFAULT_APPROVAL_TIMEOUT = '24h';

export const DEFAULT_TIMING: TimingSpec = {
  pollInterval: '30s',
  copyTimeout: '12h',
  deleteTimeout: '2h',
  restoreTimeout: '12h',
  instancesTimeout: '4h',
  deadline: '48h',
};
