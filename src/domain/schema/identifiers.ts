/**
 * AWS identifier rules, from the RDS, IAM, KMS, SNS and Secrets Manager API references: the regular expressions,
 * the parsers the pipeline uses on valid values, and the reasons an identifier is refused. Pure.
 */
export const REGION_RE = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+$/;
export const ACCOUNT_ID_RE = /^\d{12}$/;
export const ENGINES = ['aurora-postgresql', 'aurora-mysql'] as const;
export type AuroraEngine = (typeof ENGINES)[number];
export const OPERATION_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Log types each engine can export (RDS API reference, EnableCloudwatchLogsExports). */
export const LOG_EXPORTS: Record<AuroraEngine, readonly string[]> = {
  'aurora-postgresql': ['postgresql', 'instance', 'iam-db-auth-error'],
  'aurora-mysql': ['audit', 'error', 'general', 'slowquery', 'instance', 'iam-db-auth-error'],
};

export const RDS_ID_RULE =
  'letters, digits or hyphens, starting with a letter, with no trailing hyphen and no two hyphens in a row';

/** The RDS naming rule as a pattern (for the published JSON Schema); `rdsIdentifierProblem` says why one fails. */
export function rdsIdentifierPattern(max: number): RegExp {
  return new RegExp(`^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,${max - 1}}(?<!-)$`);
}

/**
 * Why an identifier breaks the RDS naming rule (1..max letters, digits, hyphens; first a letter; no trailing or
 * double hyphen), or undefined when it is valid.
 */
export function rdsIdentifierProblem(id: string, max = 63): string | undefined {
  if (id.length === 0) return 'it is empty';
  if (id.length > max) return `it is ${id.length} characters long (at most ${max})`;
  if (!/^[A-Za-z]/.test(id)) return 'it must start with a letter';
  const bad = /[^A-Za-z0-9-]/.exec(id);
  if (bad) return `it contains ${JSON.stringify(bad[0])}, which is not allowed`;
  if (id.endsWith('-')) return 'it ends with a hyphen';
  if (id.includes('--')) return 'it contains two hyphens in a row';
  return undefined;
}

const AUTOMATED_SNAPSHOT_RE = /^rds:(.+)-(\d{4}-\d{2}-\d{2}-\d{2}-\d{2})$/;
const AWS_BACKUP_SNAPSHOT_RE = /^awsbackup:[A-Za-z0-9-]{1,240}$/;

/**
 * Why a snapshot identifier (of an existing snapshot) is invalid, or undefined. Accepts manual identifiers (1-255),
 * automated ones (`rds:<cluster>-YYYY-MM-DD-HH-MM`) and AWS Backup ones (`awsbackup:job-...`).
 */
export function snapshotIdentifierProblem(id: string): string | undefined {
  if (id.startsWith('rds:')) {
    const m = AUTOMATED_SNAPSHOT_RE.exec(id);
    if (!m || rdsIdentifierProblem(m[1]) !== undefined) {
      return 'automated snapshot identifiers have the form "rds:<cluster>-YYYY-MM-DD-HH-MM"';
    }
    return undefined;
  }
  if (id.startsWith('awsbackup:')) {
    return AWS_BACKUP_SNAPSHOT_RE.test(id)
      ? undefined
      : 'AWS Backup snapshot identifiers have the form "awsbackup:job-<id>"';
  }
  return rdsIdentifierProblem(id, 255);
}

/** The source cluster named inside an automated snapshot identifier (`rds:orders-2026-01-02-03-04` -> `orders`). */
export function clusterOfAutomatedSnapshot(id: string): string | undefined {
  return AUTOMATED_SNAPSHOT_RE.exec(id)?.[1];
}

export interface SnapshotArnParts {
  partition: string;
  region: string;
  accountId: string;
  identifier: string;
}

const SNAPSHOT_ARN_RE = /^arn:(aws[a-z-]*):rds:([^:]+):([^:]+):cluster-snapshot:(.+)$/;

/** Parses an RDS cluster snapshot ARN; undefined when it is not one (or its parts are malformed). */
export function parseSnapshotArn(arn: string): SnapshotArnParts | undefined {
  const m = SNAPSHOT_ARN_RE.exec(arn);
  if (!m || !REGION_RE.test(m[2]) || !ACCOUNT_ID_RE.test(m[3]) || snapshotIdentifierProblem(m[4]) !== undefined) {
    return undefined;
  }
  return { partition: m[1], region: m[2], accountId: m[3], identifier: m[4] };
}

export type KmsKeyRef =
  | { form: 'key-id' | 'mrk-id' | 'alias'; aliasName?: string }
  | {
      form: 'key-arn' | 'alias-arn';
      region: string;
      accountId: string;
      aliasName?: string;
    };

const KEY_ID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const MRK_ID_RE = /^mrk-[0-9a-fA-F]{32}$/;
const ALIAS_RE = /^alias\/[A-Za-z0-9/_-]{1,250}$/;
const KMS_ARN_RE = /^arn:aws[a-z-]*:kms:([^:]+):([^:]+):(key|alias)\/(.+)$/;

/** Parses a KMS key reference: key id, `mrk-` id, `alias/...`, key ARN or alias ARN; undefined if none. */
export function parseKmsKeyRef(value: string): KmsKeyRef | undefined {
  if (KEY_ID_RE.test(value)) return { form: 'key-id' };
  if (MRK_ID_RE.test(value)) return { form: 'mrk-id' };
  if (ALIAS_RE.test(value)) return { form: 'alias', aliasName: value };
  const m = KMS_ARN_RE.exec(value);
  if (!m || !REGION_RE.test(m[1]) || !ACCOUNT_ID_RE.test(m[2])) return undefined;
  if (m[3] === 'key') {
    return KEY_ID_RE.test(m[4]) || MRK_ID_RE.test(m[4])
      ? { form: 'key-arn', region: m[1], accountId: m[2] }
      : undefined;
  }
  const aliasName = `alias/${m[4]}`;
  return ALIAS_RE.test(aliasName) ? { form: 'alias-arn', region: m[1], accountId: m[2], aliasName } : undefined;
}

/** AWS-managed keys (`alias/aws/rds`...) live in their account and cannot be used by another one. */
export function isAwsManagedAlias(ref: KmsKeyRef): boolean {
  return ref.aliasName !== undefined && ref.aliasName.startsWith('alias/aws/');
}

export const ROLE_ARN_RE = /^arn:aws[a-z-]*:iam::(\d{12}):role\/((?:[\w+=,.@-]+\/)*)([\w+=,.@-]{1,64})$/;
/** The master password secret (`masterPassword.secretArn`). */
export const SECRET_ARN_RE =
  /^arn:aws[a-z-]*:secretsmanager:[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+:\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}$/;
/** Secrets of the database section (a slightly wider region part, as that section always accepted). */
export const DATABASE_SECRET_ARN_RE =
  /^arn:aws[a-z-]*:secretsmanager:[a-z]{2}(?:-[a-z]+)+-\d+:\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}$/;
export const TOPIC_ARN_RE = /^arn:aws[a-z-]*:sns:([^:]+):(\d{12}):([A-Za-z0-9_-]+(?:\.fifo)?)$/;
export const SECURITY_GROUP_RE = /^sg-[0-9a-f]{8,17}$/;
export const INSTANCE_CLASS_RE = /^db\.[a-z0-9]+\.[a-z0-9]+$/;
export const ENGINE_VERSION_RE = /^\d+(\.[0-9A-Za-z_-]+)*$/;
export const SUBNET_GROUP_RE = /^[A-Za-z0-9._ -]{1,255}$/;
export const PARAMETER_GROUP_RE = /^[A-Za-z][A-Za-z0-9._-]{0,254}$/;
// RDS tag keys and values: Unicode letters, digits, white space and _ . : / = + - @
export const TAG_CHARS_RE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
export const S3_URI_RE = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/;
export const HOST_RE =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$|^\[?[0-9a-fA-F:.]+\]?$/;
