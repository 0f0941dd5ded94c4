/**
 * The restore request: one JSON shape for the TypeScript client, our CLI (JSON or YAML file) and
 * `temporal workflow start --input`. Field names are camelCase; every optional field has a documented default
 * (README "Input reference"). The shape, its rules and its defaults are one zod schema (schema/request.ts), from
 * which these types, the validation and the published JSON Schema (schema/restore-request.schema.json) come.
 * `validateRestoreRequest` turns a request into a `NormalizedRestoreRequest` or throws one error listing every
 * problem.
 *
 * Types and constants only: imported by workflow code, so no Node built-ins and no AWS SDK here.
 */
import type { z } from 'zod';

import type {
  DatabaseSchema,
  DatabaseUserSchema,
  DATABASE_ROLES,
  SanitizeScriptSchema,
  VerificationCheckSchema,
} from './schema/database';
import type { AuroraEngine } from './schema/identifiers';
import type {
  ApprovalSchema,
  CopySchema,
  ExpirySchema,
  MasterPasswordSchema,
  NotificationsSchema,
  ReplaceSchema,
  TimingSchema,
} from './schema/options';
import type { RestoreRequestSchema } from './schema/request';
import type { SnapshotSelectionSchema, SourceSchema } from './schema/source';
import type { ServerlessV2Schema, TargetSchema } from './schema/target';

export type { AuroraEngine };

/** Which snapshot to restore when no explicit id or ARN is given: `latest`, or `name-template` with a date. */
export type SnapshotSelection = z.input<typeof SnapshotSelectionSchema>;
/** Where the snapshot is: region, account, role, and the snapshot (`snapshot`, or `clusterId` with `selection`). */
export type SourceSpec = z.input<typeof SourceSchema>;
/** Serverless v2 capacity in ACUs; `secondsUntilAutoPause` only with `minCapacity: 0`. */
export type ServerlessV2Capacity = z.input<typeof ServerlessV2Schema>;
/** The cluster to create (and, with `replace.existing`, to replace). */
export type TargetSpec = z.input<typeof TargetSchema>;
/** The snapshot copy: its KMS key, whether to keep it, whether to copy even when not needed. */
export type CopySpec = z.input<typeof CopySchema>;
/** Replacing an existing target cluster. */
export type ReplaceSpec = z.input<typeof ReplaceSchema>;
/** How the restored cluster gets its master password. The password itself never enters workflow history. */
export type MasterPasswordSpec = z.output<typeof MasterPasswordSchema>;
/** Durations are strings such as `30s`, `20m`, `6h`, `2d`. */
export type TimingSpec = z.input<typeof TimingSchema>;
export type NotificationSpec = z.input<typeof NotificationsSchema>;
/** Delete the restored cluster after a time to live (README "Expiring clusters"). Exactly one of `after` and `at`. */
export type ExpirySpec = z.input<typeof ExpirySchema>;
/**
 * Database steps after the instances are available (all optional): users, sanitization, verification. They run on
 * their own task queue (`aurora-restore-db`), so their worker can live inside the VPC. No secret value appears here:
 * every credential is a Secrets Manager ARN read by the database worker.
 */
export type DatabaseSpec = z.input<typeof DatabaseSchema>;
export type DatabaseTlsSpec = NonNullable<DatabaseSpec['tls']>;
export type DatabaseRole = (typeof DATABASE_ROLES)[number];
export type DatabaseUserSpec = z.input<typeof DatabaseUserSchema>;
/** Exactly one of `sql`, `file`, `s3`. */
export type SanitizeScriptSpec = z.input<typeof SanitizeScriptSchema>;
export type VerificationCheckSpec = z.input<typeof VerificationCheckSchema>;
/** A human decision before destructive steps (replacing an existing target). */
export type ApprovalSpec = z.input<typeof ApprovalSchema>;
export type RestoreRequest = z.input<typeof RestoreRequestSchema>;

export const DEFAULT_DATABASE_TASK_QUEUE = 'aurora-restore-db';

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
  /** Exactly one of `snapshotRef` (snapshot sources) and `clusterRef` (pointInTime, clone) is set. */
  source: SourceSpec & { snapshotRef?: SnapshotRef; clusterRef?: ClusterSourceRef };
  target: TargetSpec & { instanceCount: number; instanceClass: string; deletionProtection: boolean };
  copy: Required<Pick<CopySpec, 'keep' | 'force'>> & Pick<CopySpec, 'kmsKeyId'>;
  replace: NormalizedReplace;
  masterPassword?: MasterPasswordSpec;
  timing: ResolvedTiming;
  notifications: NotificationSpec;
  expiry?: ResolvedExpiry;
  database?: NormalizedDatabaseSpec;
  /** Present only when approval is required. */
  approval?: { required: true; timeoutMs: number; notify: boolean };
  rtoMs?: number;
}

/** The replace section with defaults applied (see ReplaceSchema). */
export interface NormalizedReplace {
  existing: boolean;
  disableDeletionProtection: boolean;
  /** `swap` unless the request asks for `delete-first`. */
  strategy: 'swap' | 'delete-first';
  /** With swap: what happens to the old cluster after the swap. */
  previous: 'delete' | 'keep' | 'stop';
  /** With previous: keep: how long the old cluster is kept (ms). */
  keepForMs?: number;
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

/**
 * A live cluster to restore from, after validation (RestoreDBClusterToPointInTime, in the target's region and
 * account): a point in time (`time`, ISO 8601 UTC, or `latest`), or a copy-on-write clone at the latest time.
 */
export type ClusterSourceRef =
  | { kind: 'point-in-time'; clusterId: string; time: string; latest?: undefined }
  | { kind: 'point-in-time'; clusterId: string; latest: true; time?: undefined }
  | { kind: 'clone'; clusterId: string };

export const DEFAULT_INSTANCE_CLASS = 'db.r6g.large';
export const SERVERLESS_INSTANCE_CLASS = 'db.serverless';
export const MAX_INSTANCE_COUNT = 16;

export const DEFAULT_REMIND_BEFORE = '24h';
/** Shortest and longest lifetime an expiry accepts (request, extend and set alike). */
export const MIN_EXPIRY_MS = 5 * 60_000;
export const MAX_EXPIRY_MS = 365 * 86_400_000;
export const DEFAULT_APPROVAL_TIMEOUT = '24h';

export type TimingKey =
  'pollInterval' | 'copyTimeout' | 'deleteTimeout' | 'restoreTimeout' | 'instancesTimeout' | 'deadline';

export const DEFAULT_TIMING: Readonly<Record<TimingKey, string>> = {
  pollInterval: '30s',
  copyTimeout: '12h',
  deleteTimeout: '2h',
  restoreTimeout: '12h',
  instancesTimeout: '4h',
  deadline: '48h',
};
