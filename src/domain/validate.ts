/**
 * Validates a restore request before anything touches AWS, and applies the defaults. Every problem is collected
 * (not just the first) and reported in one `RequestValidationError`, each naming the field, the bad value (never
 * a secret), the rule and what to do. Identifier rules follow the RDS, IAM, KMS, SNS and Secrets Manager API docs.
 *
 * Pure: imported by workflow code (which validates again on start), the client and the CLI.
 */
import { formatDuration, parseDuration } from './durations';
import { Failures } from './errors';
import { defaultRemindBefore, parseExpiryTime } from './expiry';
import { TAG_MANAGED_BY, TAG_OPERATION_ID, TAG_ROLE, TAG_SOURCE_SNAPSHOT } from './naming';
import {
  DEFAULT_APPROVAL_TIMEOUT,
  DEFAULT_INSTANCE_CLASS,
  DEFAULT_TIMING,
  MAX_EXPIRY_MS,
  MIN_EXPIRY_MS,
  MAX_INSTANCE_COUNT,
  SERVERLESS_INSTANCE_CLASS,
  type AuroraEngine,
  type MasterPasswordSpec,
  type NormalizedRestoreRequest,
  type ResolvedExpiry,
  type ResolvedTiming,
  type ServerlessV2Capacity,
  type SnapshotRef,
  type SnapshotSelection,
  type SourceSpec,
  type TargetSpec,
  type TimingSpec,
} from './request';
import {
  buildSnapshotName,
  DATE_PLACEHOLDERS,
  parseTemplate,
  resolveSnapshotDate,
  TEMPLATE_PLACEHOLDERS,
} from './snapshot-selection';
import { validateDatabase } from './validate-database';
import {
  PASSWORD_KEY_RE,
  PASSWORD_REFUSED,
  Problems,
  isArray,
  isNumber,
  isPlainObject,
  isString,
  join,
  readBoolean,
  readInteger,
  readObject,
  readString,
  readTyped,
  requireField,
  show,
  typeOf,
  type Obj,
} from './validation-kit';

export interface ValidateOptions {
  /** The instant the restore starts: resolves `yesterday`/`today` and refuses future dates. */
  now: Date;
  /** Generates the operation id when the request has none (`op-<epoch>-<hex8>`). */
  newOperationId: () => string;
  /**
   * Validate as the workflow did before `approval` and `rto` existed, so both are unknown fields: only for replaying
   * restores recorded by that version (see the `approvals-and-rto` patch in the restore workflow).
   */
  withoutApprovalAndRto?: boolean;
}

/** One error for a whole request: `problems` lists every problem found, the message numbers them. */
export class RequestValidationError extends Error {
  readonly problems: string[];
  /** Catalogue entry to raise this as (non-retryable `InvalidRestoreRequest`). */
  readonly failure = Failures.InvalidRequest;

  constructor(problems: string[]) {
    const n = problems.length;
    super(
      `Invalid restore request (${n} problem${n === 1 ? '' : 's'}): ${problems.map((p, i) => `${i + 1}) ${p}`).join(' ')}`
    );
    this.name = 'RequestValidationError';
    this.problems = problems;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Identifier rules (exported for activities, the CLI and tests)

export const REGION_RE = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+$/;
export const ACCOUNT_ID_RE = /^\d{12}$/;
export const ENGINES: readonly AuroraEngine[] = ['aurora-postgresql', 'aurora-mysql'];
export const MAX_SECURITY_GROUPS = 5;
/** RDS allows 50 tags per resource; the pipeline writes up to 4 `aurora-restore:*` tags of its own. */
export const PIPELINE_TAG_KEYS = [TAG_MANAGED_BY, TAG_OPERATION_ID, TAG_SOURCE_SNAPSHOT, TAG_ROLE] as const;
export const MAX_USER_TAGS = 50 - PIPELINE_TAG_KEYS.length;
export const RESERVED_TAG_PREFIXES = ['aws:', 'aurora-restore:'] as const;
export const OPERATION_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Log types each engine can export (RDS API reference, EnableCloudwatchLogsExports). */
export const LOG_EXPORTS: Record<AuroraEngine, readonly string[]> = {
  'aurora-postgresql': ['postgresql', 'instance', 'iam-db-auth-error'],
  'aurora-mysql': ['audit', 'error', 'general', 'slowquery', 'instance', 'iam-db-auth-error'],
};

const RDS_ID_RULE =
  'letters, digits or hyphens, starting with a letter, with no trailing hyphen and no two hyphens in a row';

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
function isAwsManagedAlias(ref: KmsKeyRef): boolean {
  return ref.aliasName !== undefined && ref.aliasName.startsWith('alias/aws/');
}

const ROLE_ARN_RE = /^arn:aws[a-z-]*:iam::(\d{12}):role\/((?:[\w+=,.@-]+\/)*)([\w+=,.@-]{1,64})$/;
const SECRET_ARN_RE = /^arn:aws[a-z-]*:secretsmanager:([^:]+):(\d{12}):secret:[A-Za-z0-9/_+=.@-]{1,512}$/;
const TOPIC_ARN_RE = /^arn:aws[a-z-]*:sns:([^:]+):(\d{12}):([A-Za-z0-9_-]+(?:\.fifo)?)$/;
const SECURITY_GROUP_RE = /^sg-[0-9a-f]{8,17}$/;
const INSTANCE_CLASS_RE = /^db\.[a-z0-9]+\.[a-z0-9]+$/;
const ENGINE_VERSION_RE = /^\d+(\.[0-9A-Za-z_-]+)*$/;
const SUBNET_GROUP_RE = /^[A-Za-z0-9._ -]{1,255}$/;
const PARAMETER_GROUP_RE = /^[A-Za-z][A-Za-z0-9._-]{0,254}$/;
// RDS tag keys and values: Unicode letters, digits, white space and _ . : / = + - @
const TAG_CHARS_RE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

function checkRegion(p: Problems, value: string | undefined, where: string): string | undefined {
  if (value === undefined) return undefined;
  if (!REGION_RE.test(value)) {
    p.add(
      where,
      `${show(value)} is not an AWS region code: use a region code such as "us-east-1" or "eu-west-3" (lowercase)`
    );
    return undefined;
  }
  return value;
}

function checkAccountId(p: Problems, obj: Obj, key: string, path: string): string | undefined {
  const where = join(path, key);
  const v = obj[key];
  if (typeof v === 'number') {
    p.add(where, `must be a string of exactly 12 digits, got the number ${v}: quote it (a number loses leading zeros)`);
    return undefined;
  }
  const s = readString(p, obj, key, path);
  if (s === undefined) return undefined;
  if (!ACCOUNT_ID_RE.test(s)) {
    p.add(where, `${show(s)} is not an AWS account id: it must be exactly 12 digits, with no dashes or spaces`);
    return undefined;
  }
  return s;
}

function checkRoleArn(p: Problems, obj: Obj, path: string, accountId: string | undefined): string | undefined {
  const where = join(path, 'roleArn');
  const s = readString(p, obj, 'roleArn', path);
  if (s === undefined) return undefined;
  const m = ROLE_ARN_RE.exec(s);
  if (!m) {
    p.add(where, `${show(s)} is not an IAM role ARN: expected "arn:aws:iam::<12-digit account>:role/<name>"`);
    return undefined;
  }
  if (accountId !== undefined && m[1] !== accountId) {
    p.add(
      where,
      `the role is in account ${m[1]} but ${join(path, 'accountId')} is ${accountId}: use a role in account ${accountId}, or fix the account id`
    );
  }
  return s;
}

function checkClusterId(p: Problems, value: string | undefined, where: string): string | undefined {
  if (value === undefined) return undefined;
  const why = rdsIdentifierProblem(value);
  if (why) {
    p.add(
      where,
      `${show(value)} is not a valid DB cluster identifier: ${why}. Use 1-63 ${RDS_ID_RULE} (e.g. "orders-restore")`
    );
    return undefined;
  }
  return value;
}

/** Validates a KMS key reference; an ARN must be in `region` (keys are regional). Returns the parsed form. */
function checkKmsKey(
  p: Problems,
  value: string | undefined,
  where: string,
  region: string | undefined,
  regionField: string
): KmsKeyRef | undefined {
  if (value === undefined) return undefined;
  const ref = parseKmsKeyRef(value);
  if (!ref) {
    p.add(
      where,
      `${show(value)} is not a KMS key reference: use a key id (uuid), a multi-Region key id ("mrk-..."), an alias ("alias/my-key"), or a key or alias ARN ("arn:aws:kms:<region>:<account>:key/<id>")`
    );
    return undefined;
  }
  if ('region' in ref && region !== undefined && ref.region !== region) {
    p.add(
      where,
      `the key is in region ${ref.region} but ${regionField} is ${region}: KMS keys are regional, so use a key in ${region}`
    );
  }
  return ref;
}

// ---------------------------------------------------------------------------------------------------------------
// The validator

const TOP_KEYS = [
  'operationId',
  'source',
  'target',
  'copy',
  'replace',
  'masterPassword',
  'timing',
  'notifications',
  'expiry',
  'database',
  'approval',
  'rto',
];
const SOURCE_KEYS = ['region', 'accountId', 'roleArn', 'snapshot', 'clusterId', 'selection'];
const TARGET_KEYS = [
  'clusterId',
  'region',
  'accountId',
  'roleArn',
  'engine',
  'engineVersion',
  'port',
  'instanceClass',
  'instanceCount',
  'serverlessV2',
  'dbSubnetGroupName',
  'vpcSecurityGroupIds',
  'dbClusterParameterGroupName',
  'dbParameterGroupName',
  'kmsKeyId',
  'tags',
  'deletionProtection',
  'enableIamDatabaseAuthentication',
  'enableCloudwatchLogsExports',
  'backupRetentionPeriod',
];
const SERVERLESS_KEYS = ['minCapacity', 'maxCapacity', 'secondsUntilAutoPause'];
const COPY_KEYS = ['kmsKeyId', 'keep', 'force'];
const REPLACE_KEYS = ['existing', 'disableDeletionProtection'];
const PASSWORD_KEYS = ['secretArn', 'manage', 'kmsKeyId'];
const NOTIFICATION_KEYS = ['topicArn'];
const APPROVAL_KEYS = ['required', 'timeout', 'notify'];
const APPROVAL_TIMEOUT_RANGE = { min: 60_000, max: 7 * 86_400_000, text: 'between 1m and 7d' };
const RTO_RANGE = { min: 60_000, max: 30 * 86_400_000, text: 'between 1m and 30d' };
const EXPIRY_KEYS = ['after', 'at', 'remindBefore', 'disableDeletionProtection'];
const TIMING_KEYS = Object.keys(DEFAULT_TIMING) as (keyof TimingSpec)[];

/** Allowed range per timing field, in ms. */
const TIMING_RANGES: Record<keyof TimingSpec, { min: number; max: number; minText: string; maxText: string }> = {
  pollInterval: { min: 5_000, max: 1_800_000, minText: '5s', maxText: '30m' },
  copyTimeout: {
    min: 60_000,
    max: 30 * 86_400_000,
    minText: '1m',
    maxText: '30d',
  },
  deleteTimeout: {
    min: 60_000,
    max: 30 * 86_400_000,
    minText: '1m',
    maxText: '30d',
  },
  restoreTimeout: {
    min: 60_000,
    max: 30 * 86_400_000,
    minText: '1m',
    maxText: '30d',
  },
  instancesTimeout: {
    min: 60_000,
    max: 30 * 86_400_000,
    minText: '1m',
    maxText: '30d',
  },
  deadline: {
    min: 300_000,
    max: 90 * 86_400_000,
    minText: '5m',
    maxText: '90d',
  },
};

const TIMING_MS_KEY: Record<keyof TimingSpec, keyof ResolvedTiming> = {
  pollInterval: 'pollIntervalMs',
  copyTimeout: 'copyTimeoutMs',
  deleteTimeout: 'deleteTimeoutMs',
  restoreTimeout: 'restoreTimeoutMs',
  instancesTimeout: 'instancesTimeoutMs',
  deadline: 'deadlineMs',
};

/** Drops undefined properties so normalized requests serialize cleanly into workflow history. */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

interface SourceResult {
  spec?: SourceSpec;
  ref?: SnapshotRef;
  region?: string;
  accountId?: string;
  arn?: SnapshotArnParts;
  /** Source cluster id, given or read from an automated snapshot identifier. */
  clusterId?: string;
}

function validateSelection(
  p: Problems,
  value: unknown,
  path: string,
  clusterId: string | undefined,
  clusterIdGiven: boolean,
  now: Date
): { selection?: SnapshotSelection; ref?: SnapshotRef } {
  if (!isPlainObject(value)) {
    p.add(
      path,
      `must be an object such as {"strategy": "latest"} or {"strategy": "name-template", "template": "nightly-{date}"}, got ${typeOf(value)}`
    );
    return {};
  }
  const strategy = value.strategy;
  if (strategy === 'latest') {
    readObject(p, value, path, ['strategy', 'snapshotType'], '');
    const type = readString(p, value, 'snapshotType', path);
    let snapshotType: 'automated' | 'manual' | 'any' = 'any';
    if (type !== undefined) {
      if (type === 'automated' || type === 'manual' || type === 'any') snapshotType = type;
      else
        p.add(
          join(path, 'snapshotType'),
          `${show(type)} is not a snapshot type: use "automated", "manual" or "any" (default)`
        );
    }
    if (!clusterIdGiven) {
      p.add(
        'source.clusterId',
        'is required with source.selection strategy "latest": name the cluster whose newest available snapshot should be restored'
      );
    }
    if (clusterId === undefined) return {};
    return {
      selection: { strategy: 'latest', snapshotType },
      ref: { kind: 'latest', clusterId, snapshotType },
    };
  }
  if (strategy === 'name-template') {
    readObject(p, value, path, ['strategy', 'template', 'date'], '');
    const templateOk = requireField(
      p,
      value,
      'template',
      path,
      'give a snapshot name template such as "nightly-{date}"'
    );
    const template = templateOk ? readString(p, value, 'template', path) : undefined;
    const dateSpec = readString(p, value, 'date', path);
    let date: string | undefined;
    const resolved = resolveSnapshotDate(dateSpec, now);
    if (resolved.ok) date = resolved.date;
    else if (dateSpec !== undefined)
      p.add(join(path, 'date'), `${show(dateSpec)} is not a usable date: ${resolved.reason}`);

    let templateValid = false;
    if (template !== undefined) {
      const where = join(path, 'template');
      const known = TEMPLATE_PLACEHOLDERS.map((n) => `{${n}}`).join(', ');
      const parsed = parseTemplate(template);
      templateValid = true;
      if (parsed.unknown.length > 0) {
        p.add(
          where,
          `${show(template)} uses unknown placeholder(s) ${parsed.unknown.map((u) => `{${u}}`).join(', ')}: the known placeholders are ${known}`
        );
        templateValid = false;
      } else if (parsed.strayBraces) {
        p.add(
          where,
          `${show(template)} has a "{" or "}" that is not part of a placeholder: the known placeholders are ${known}`
        );
        templateValid = false;
      }
      if (!parsed.placeholders.some((ph) => DATE_PLACEHOLDERS.includes(ph))) {
        p.add(
          where,
          `${show(template)} has no date placeholder: include {date} (YYYY-MM-DD) or {yyyymmdd}, or every run would restore the same snapshot (use source.snapshot for a fixed one)`
        );
        templateValid = false;
      }
      const usesCluster = parsed.placeholders.includes('cluster');
      if (usesCluster && !clusterIdGiven) {
        p.add('source.clusterId', `is required because ${where} uses {cluster}: name the source cluster`);
        templateValid = false;
      }
      if (templateValid && (!usesCluster || clusterId !== undefined)) {
        const sample = buildSnapshotName(template, {
          date: '2000-01-01',
          clusterId,
        });
        const why = snapshotIdentifierProblem(sample);
        if (why) {
          p.add(
            where,
            `builds snapshot identifiers such as ${show(sample)}, which are not valid: ${why}. Use ${RDS_ID_RULE} around the placeholders (for automated snapshots use strategy "latest" with snapshotType "automated")`
          );
          templateValid = false;
        }
      }
    }
    if (template === undefined || !templateValid || date === undefined) return {};
    return {
      selection: compact({
        strategy: 'name-template' as const,
        template,
        date: dateSpec,
      }),
      ref: compact({
        kind: 'name-template' as const,
        clusterId,
        template,
        date,
      }),
    };
  }
  p.add(
    join(path, 'strategy'),
    strategy === undefined
      ? 'is required: use "latest" (newest available snapshot of source.clusterId) or "name-template" (a snapshot named from a template and a date)'
      : `${show(strategy)} is not a strategy: use "latest" or "name-template"`
  );
  return {};
}

function validateSource(p: Problems, value: unknown, now: Date): SourceResult {
  const path = 'source';
  if (value === undefined) {
    p.add(
      path,
      'is required: give {region, snapshot} or {region, clusterId, selection} to say which snapshot to restore'
    );
    return {};
  }
  const src = readObject(p, value, path, SOURCE_KEYS, 'with region and snapshot (or clusterId and selection)');
  if (!src) return {};

  let region: string | undefined;
  if (requireField(p, src, 'region', path, 'give the region that holds the snapshot, e.g. "us-east-1"')) {
    region = checkRegion(p, readString(p, src, 'region', path), 'source.region');
  }
  const accountId = checkAccountId(p, src, 'accountId', path);
  const roleArn = checkRoleArn(p, src, path, accountId);
  const clusterIdGiven = src.clusterId !== undefined;
  const clusterId = checkClusterId(p, readString(p, src, 'clusterId', path), 'source.clusterId');

  const snapshot = readString(p, src, 'snapshot', path);
  let ref: SnapshotRef | undefined;
  let arn: SnapshotArnParts | undefined;
  let automatedCluster: string | undefined;
  if (snapshot !== undefined) {
    const where = 'source.snapshot';
    if (snapshot.startsWith('arn:')) {
      arn = parseSnapshotArn(snapshot);
      if (!arn) {
        const instanceArn = /^arn:aws[a-z-]*:rds:[^:]*:[^:]*:snapshot:/.test(snapshot);
        p.add(
          where,
          instanceArn
            ? `${show(snapshot)} is a DB instance snapshot ARN: Aurora restores need a DB cluster snapshot ("...:cluster-snapshot:<id>")`
            : `${show(snapshot)} is not a valid RDS cluster snapshot ARN: expected "arn:aws:rds:<region>:<12-digit account>:cluster-snapshot:<identifier>"`
        );
      } else {
        if (region !== undefined && arn.region !== region) {
          p.add(where, `the snapshot ARN is in region ${arn.region} but source.region is ${region}: make them agree`);
        }
        if (accountId !== undefined && arn.accountId !== accountId) {
          p.add(
            where,
            `the snapshot ARN is in account ${arn.accountId} but source.accountId is ${accountId}: make them agree`
          );
        }
        ref = {
          kind: 'arn',
          arn: snapshot,
          region: arn.region,
          accountId: arn.accountId,
          identifier: arn.identifier,
        };
        automatedCluster = clusterOfAutomatedSnapshot(arn.identifier);
      }
    } else {
      const why = snapshotIdentifierProblem(snapshot);
      if (why) {
        p.add(
          where,
          `${show(snapshot)} is not a valid snapshot identifier: ${why}. Use 1-255 ${RDS_ID_RULE}, an automated snapshot id ("rds:<cluster>-YYYY-MM-DD-HH-MM") or a cluster snapshot ARN`
        );
      } else {
        ref = { kind: 'identifier', identifier: snapshot };
        automatedCluster = clusterOfAutomatedSnapshot(snapshot);
      }
    }
  }

  let selection: SnapshotSelection | undefined;
  const hasSelection = src.selection !== undefined;
  if (src.snapshot !== undefined && hasSelection) {
    p.add(
      path,
      'has both snapshot and selection: give only one (snapshot names one snapshot; selection picks one by rule)'
    );
  } else if (src.snapshot === undefined && !hasSelection) {
    p.add(
      path,
      'says no snapshot to restore: set source.snapshot to a snapshot identifier or ARN, or set source.selection to ' +
        '{"strategy": "latest"} (newest available snapshot of source.clusterId) or ' +
        '{"strategy": "name-template", "template": "nightly-{date}"} (a snapshot named after a date, yesterday by default)'
    );
  } else if (hasSelection) {
    const r = validateSelection(p, src.selection, 'source.selection', clusterId, clusterIdGiven, now);
    selection = r.selection;
    ref = r.ref;
  }

  const spec = compact<SourceSpec>({
    region: region ?? '',
    accountId,
    roleArn,
    snapshot,
    clusterId,
    selection,
  });
  return {
    spec,
    ref,
    region,
    accountId,
    arn,
    clusterId: clusterId ?? automatedCluster,
  };
}

interface TargetResult {
  spec?: NormalizedRestoreRequest['target'];
  region?: string;
  accountId?: string;
}

function validateServerless(p: Problems, value: unknown): ServerlessV2Capacity | undefined {
  const path = 'target.serverlessV2';
  const sv = readObject(p, value, path, SERVERLESS_KEYS, 'with minCapacity and maxCapacity (ACUs)');
  if (!sv) return undefined;
  const capacity = (key: 'minCapacity' | 'maxCapacity', min: number): number | undefined => {
    if (!requireField(p, sv, key, path, `give a number of ACUs between ${min} and 256 in steps of 0.5`))
      return undefined;
    const v = readTyped(p, sv, key, path, isNumber, `a number between ${min} and 256`);
    if (v === undefined) return undefined;
    if (v < min || v > 256 || !Number.isInteger(v * 2)) {
      p.add(join(path, key), `${show(v)} is not a valid capacity: use ${min} to 256 ACUs in steps of 0.5`);
      return undefined;
    }
    return v;
  };
  const minCapacity = capacity('minCapacity', 0);
  const maxCapacity = capacity('maxCapacity', 1);
  if (minCapacity !== undefined && maxCapacity !== undefined && minCapacity > maxCapacity) {
    p.add(
      path,
      `minCapacity (${minCapacity}) is greater than maxCapacity (${maxCapacity}): raise maxCapacity or lower minCapacity`
    );
  }
  const pause = readInteger(p, sv, 'secondsUntilAutoPause', path, 300, 86_400, 'secondsUntilAutoPause');
  if (pause !== undefined && minCapacity !== undefined && minCapacity !== 0) {
    p.add(
      join(path, 'secondsUntilAutoPause'),
      `only applies with minCapacity 0 (auto-pause), but minCapacity is ${minCapacity}: set minCapacity to 0 or remove secondsUntilAutoPause`
    );
  }
  if (minCapacity === undefined || maxCapacity === undefined) return undefined;
  return compact({ minCapacity, maxCapacity, secondsUntilAutoPause: pause });
}

function validateTags(p: Problems, value: unknown): Record<string, string> | undefined {
  const path = 'target.tags';
  if (!isPlainObject(value)) {
    p.add(path, `must be an object of tag names to string values, e.g. {"team": "dba"}, got ${typeOf(value)}`);
    return undefined;
  }
  const tags: Record<string, string> = {};
  const keys = Object.keys(value);
  if (keys.length > MAX_USER_TAGS) {
    p.add(
      path,
      `has ${keys.length} tags, at most ${MAX_USER_TAGS} are allowed: RDS allows 50 tags per resource and the pipeline adds up to ${PIPELINE_TAG_KEYS.length} of its own`
    );
  }
  for (const key of keys) {
    const where = `${path}[${JSON.stringify(key.length > 60 ? `${key.slice(0, 57)}...` : key)}]`;
    const v = value[key];
    let ok = true;
    if (key.length < 1 || key.length > 128) {
      p.add(where, `tag keys must be 1-128 characters long (this one has ${key.length})`);
      ok = false;
    } else if (!TAG_CHARS_RE.test(key)) {
      p.add(where, 'the tag key has characters RDS does not allow: use letters, digits, spaces and _ . : / = + - @');
      ok = false;
    }
    const prefix = RESERVED_TAG_PREFIXES.find((pre) => key.toLowerCase().startsWith(pre));
    if (prefix) {
      p.add(
        where,
        prefix === 'aws:'
          ? 'tag keys starting with "aws:" are reserved by AWS: rename the tag'
          : 'tag keys starting with "aurora-restore:" are reserved for the pipeline\'s own tags (they mark what it created and may delete): rename the tag'
      );
      ok = false;
    }
    if (typeof v !== 'string') {
      p.add(where, `tag values must be strings, got ${typeOf(v)}: quote the value`);
      ok = false;
    } else if (v.length > 256) {
      p.add(where, `tag values must be at most 256 characters long (this one has ${v.length})`);
      ok = false;
    } else if (!TAG_CHARS_RE.test(v)) {
      p.add(where, 'the tag value has characters RDS does not allow: use letters, digits, spaces and _ . : / = + - @');
      ok = false;
    }
    if (ok) tags[key] = v as string;
  }
  return tags;
}

function validateTarget(p: Problems, value: unknown): TargetResult {
  const path = 'target';
  if (value === undefined) {
    p.add(path, 'is required: give at least {clusterId, region} for the cluster to create');
    return {};
  }
  const t = readObject(p, value, path, TARGET_KEYS, 'with at least clusterId and region');
  if (!t) return {};

  let clusterId: string | undefined;
  if (requireField(p, t, 'clusterId', path, 'name the DB cluster to create, e.g. "orders-restore"')) {
    clusterId = checkClusterId(p, readString(p, t, 'clusterId', path), 'target.clusterId');
  }
  let region: string | undefined;
  if (requireField(p, t, 'region', path, 'give the region to restore into, e.g. "us-east-1"')) {
    region = checkRegion(p, readString(p, t, 'region', path), 'target.region');
  }
  const accountId = checkAccountId(p, t, 'accountId', path);
  const roleArn = checkRoleArn(p, t, path, accountId);

  let engine: AuroraEngine | undefined;
  const engineText = readString(p, t, 'engine', path);
  if (engineText !== undefined) {
    if ((ENGINES as readonly string[]).includes(engineText)) engine = engineText as AuroraEngine;
    else
      p.add(
        'target.engine',
        `${show(engineText)} is not supported: use "aurora-postgresql" or "aurora-mysql", or omit it to use the snapshot's engine`
      );
  }
  const engineVersion = readString(p, t, 'engineVersion', path);
  if (engineVersion !== undefined && (engineVersion.length > 64 || !ENGINE_VERSION_RE.test(engineVersion))) {
    p.add(
      'target.engineVersion',
      `${show(engineVersion)} is not an engine version: use the form RDS lists, e.g. "16.4" or "8.0.mysql_aurora.3.08.0"`
    );
  }
  const port = readInteger(p, t, 'port', path, 1150, 65535, 'the Aurora port');

  const serverlessV2 = t.serverlessV2 !== undefined ? validateServerless(p, t.serverlessV2) : undefined;
  let instanceClass = readString(p, t, 'instanceClass', path);
  if (
    instanceClass !== undefined &&
    instanceClass !== SERVERLESS_INSTANCE_CLASS &&
    !INSTANCE_CLASS_RE.test(instanceClass)
  ) {
    p.add(
      'target.instanceClass',
      `${show(instanceClass)} is not a DB instance class: use a class such as "db.r6g.large", or "db.serverless" with serverlessV2`
    );
    instanceClass = undefined;
  }
  if (t.serverlessV2 !== undefined && instanceClass !== undefined && instanceClass !== SERVERLESS_INSTANCE_CLASS) {
    p.add(
      'target.instanceClass',
      `${show(instanceClass)} cannot be used with serverlessV2: Serverless v2 instances use "db.serverless" (the default when serverlessV2 is set); remove instanceClass or serverlessV2`
    );
  }
  if (instanceClass === SERVERLESS_INSTANCE_CLASS && t.serverlessV2 === undefined) {
    p.add(
      'target.serverlessV2',
      'is required with instanceClass "db.serverless": give {"minCapacity": 0.5, "maxCapacity": 8} (ACUs), RDS needs a capacity range before it creates Serverless v2 instances'
    );
  }
  const instanceCount = readInteger(
    p,
    t,
    'instanceCount',
    path,
    1,
    MAX_INSTANCE_COUNT,
    'the number of instances (writer plus readers)'
  );

  const dbSubnetGroupName = readString(p, t, 'dbSubnetGroupName', path);
  if (dbSubnetGroupName !== undefined && !SUBNET_GROUP_RE.test(dbSubnetGroupName)) {
    p.add(
      'target.dbSubnetGroupName',
      `${show(dbSubnetGroupName)} is not a DB subnet group name: use 1-255 letters, digits, spaces, periods, underscores or hyphens`
    );
  }
  const parameterGroups: Partial<Record<'dbClusterParameterGroupName' | 'dbParameterGroupName', string>> = {};
  for (const key of ['dbClusterParameterGroupName', 'dbParameterGroupName'] as const) {
    const name = readString(p, t, key, path);
    if (name !== undefined && (!PARAMETER_GROUP_RE.test(name) || name.endsWith('-') || name.includes('--'))) {
      p.add(
        `target.${key}`,
        `${show(name)} is not a parameter group name: use 1-255 letters, digits, periods or hyphens, starting with a letter, with no trailing or double hyphen`
      );
    } else {
      parameterGroups[key] = name;
    }
  }

  let vpcSecurityGroupIds: string[] | undefined;
  const sgs = readTyped(p, t, 'vpcSecurityGroupIds', path, isArray, 'an array of security group ids');
  if (sgs !== undefined) {
    const where = 'target.vpcSecurityGroupIds';
    vpcSecurityGroupIds = [];
    if (sgs.length === 0)
      p.add(where, 'is empty: list 1-5 security group ids, or remove the field to use the VPC default security group');
    if (sgs.length > MAX_SECURITY_GROUPS)
      p.add(where, `has ${sgs.length} security groups, at most ${MAX_SECURITY_GROUPS} are allowed per cluster`);
    sgs.forEach((sg, i) => {
      if (typeof sg !== 'string' || !SECURITY_GROUP_RE.test(sg)) {
        p.add(
          `${where}[${i}]`,
          `${show(sg)} is not a security group id: expected "sg-" followed by 8 or 17 lowercase hex digits`
        );
      } else if (vpcSecurityGroupIds!.includes(sg)) {
        p.add(`${where}[${i}]`, `${show(sg)} is listed twice: remove the duplicate`);
      } else {
        vpcSecurityGroupIds!.push(sg);
      }
    });
  }

  const kmsKeyId = readString(p, t, 'kmsKeyId', path);
  checkKmsKey(p, kmsKeyId, 'target.kmsKeyId', region, 'target.region');

  const tags = t.tags !== undefined ? validateTags(p, t.tags) : undefined;
  const deletionProtection = readBoolean(p, t, 'deletionProtection', path);
  const enableIamDatabaseAuthentication = readBoolean(p, t, 'enableIamDatabaseAuthentication', path);
  const backupRetentionPeriod = readInteger(
    p,
    t,
    'backupRetentionPeriod',
    path,
    1,
    35,
    'the backup retention period in days'
  );

  let enableCloudwatchLogsExports: string[] | undefined;
  const logs = readTyped(p, t, 'enableCloudwatchLogsExports', path, isArray, 'an array of log types');
  if (logs !== undefined) {
    const where = 'target.enableCloudwatchLogsExports';
    const allowed = engine
      ? LOG_EXPORTS[engine]
      : [...new Set([...LOG_EXPORTS['aurora-postgresql'], ...LOG_EXPORTS['aurora-mysql']])];
    const forWhat = engine ? `${engine} exports` : 'Aurora exports';
    enableCloudwatchLogsExports = [];
    logs.forEach((log, i) => {
      if (typeof log !== 'string' || !allowed.includes(log)) {
        p.add(
          `${where}[${i}]`,
          `${show(log)} is not a log type ${forWhat}: use ${allowed.map((a) => `"${a}"`).join(', ')}`
        );
      } else if (enableCloudwatchLogsExports!.includes(log)) {
        p.add(`${where}[${i}]`, `${show(log)} is listed twice: remove the duplicate`);
      } else {
        enableCloudwatchLogsExports!.push(log);
      }
    });
  }

  const resolvedClass =
    instanceClass ?? (t.serverlessV2 !== undefined ? SERVERLESS_INSTANCE_CLASS : DEFAULT_INSTANCE_CLASS);
  const spec = compact<NormalizedRestoreRequest['target']>({
    clusterId: clusterId ?? '',
    region: region ?? '',
    accountId,
    roleArn,
    engine,
    engineVersion,
    port,
    instanceClass: resolvedClass,
    instanceCount: instanceCount ?? 1,
    serverlessV2,
    dbSubnetGroupName,
    vpcSecurityGroupIds,
    dbClusterParameterGroupName: parameterGroups.dbClusterParameterGroupName,
    dbParameterGroupName: parameterGroups.dbParameterGroupName,
    kmsKeyId,
    tags,
    deletionProtection: deletionProtection ?? false,
    enableIamDatabaseAuthentication,
    enableCloudwatchLogsExports,
    backupRetentionPeriod,
  } satisfies TargetSpec & {
    instanceCount: number;
    instanceClass: string;
    deletionProtection: boolean;
  });
  return { spec, region, accountId };
}

function validateMasterPassword(
  p: Problems,
  value: unknown,
  targetRegion: string | undefined
): MasterPasswordSpec | undefined {
  const path = 'masterPassword';
  if (!isPlainObject(value)) {
    // Never echo it: a string here is most likely the password itself.
    p.add(
      path,
      `must be an object, either {"secretArn": "<Secrets Manager ARN>"} or {"manage": true}; got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`} (not shown). ${PASSWORD_REFUSED}`
    );
    return undefined;
  }
  const mp = readObject(p, value, path, PASSWORD_KEYS, 'with either secretArn or manage: true');
  if (!mp) return undefined;
  const secretArn = readTyped(p, mp, 'secretArn', path, isString, 'a string', false);
  const manageGiven = mp.manage !== undefined;
  const manage = readBoolean(p, mp, 'manage', path);
  const kmsKeyId = readString(p, mp, 'kmsKeyId', path);

  if (secretArn !== undefined) {
    const m = SECRET_ARN_RE.exec(secretArn);
    if (!m || !REGION_RE.test(m[1])) {
      // Shown only when ARN-shaped: anything else might be the password pasted into the wrong field.
      const shown = secretArn.startsWith('arn:') ? show(secretArn) : 'the value (not shown)';
      p.add(
        'masterPassword.secretArn',
        `${shown} is not a Secrets Manager secret ARN: expected "arn:aws:secretsmanager:<region>:<12-digit account>:secret:<name>"`
      );
    }
  }
  if (manage === false) {
    p.add(
      'masterPassword.manage',
      'false is not an option: set manage to true to let RDS manage the password, use secretArn, or remove masterPassword to keep the password stored in the snapshot'
    );
  }
  const hasSecret = mp.secretArn !== undefined;
  if (hasSecret && manageGiven) {
    p.add(
      path,
      'has both secretArn and manage: choose one (secretArn sets the password from your secret; manage lets RDS generate and store it)'
    );
  } else if (!hasSecret && !manageGiven) {
    if (!Object.keys(mp).some((k) => PASSWORD_KEY_RE.test(k))) {
      p.add(
        path,
        "needs secretArn (a Secrets Manager secret holding the password) or manage: true (RDS manages it); remove masterPassword to keep the snapshot's password"
      );
    }
  }
  if (kmsKeyId !== undefined) {
    if (hasSecret) {
      p.add(
        'masterPassword.kmsKeyId',
        'only applies with manage: true (it encrypts the secret RDS creates): remove it, your secret keeps its own key'
      );
    } else {
      checkKmsKey(p, kmsKeyId, 'masterPassword.kmsKeyId', targetRegion, 'target.region');
    }
  }
  if (secretArn !== undefined && !manageGiven) return { secretArn };
  if (manage === true && !hasSecret) return compact({ manage: true as const, kmsKeyId });
  return undefined;
}

function validateTiming(p: Problems, value: unknown): ResolvedTiming {
  const path = 'timing';
  const timing =
    value === undefined
      ? {}
      : (readObject(p, value, path, TIMING_KEYS, 'of duration strings such as "30s" or "12h"') ?? {});
  const resolved = {} as ResolvedTiming;
  const given = new Set<keyof TimingSpec>();
  for (const key of TIMING_KEYS) {
    const range = TIMING_RANGES[key];
    const fallback = parseDuration(DEFAULT_TIMING[key] as string);
    resolved[TIMING_MS_KEY[key]] = fallback;
    const v = timing[key];
    if (v === undefined) continue;
    const where = join(path, key);
    if (typeof v !== 'string') {
      p.add(
        where,
        `must be a duration string such as "${DEFAULT_TIMING[key]}" (number + ms/s/m/h/d), got ${typeOf(v)}: a bare number has no unit`
      );
      continue;
    }
    let ms: number;
    try {
      ms = parseDuration(v);
    } catch {
      p.add(
        where,
        `${show(v)} is not a duration: use an integer and one unit, ms, s, m, h or d (e.g. "${DEFAULT_TIMING[key]}"; "90m" rather than "1h30m")`
      );
      continue;
    }
    if (ms < range.min || ms > range.max) {
      p.add(
        where,
        `${show(v)} is out of range: ${key} must be between ${range.minText} and ${range.maxText} (default ${DEFAULT_TIMING[key]})`
      );
      continue;
    }
    resolved[TIMING_MS_KEY[key]] = ms;
    given.add(key);
  }
  if (given.size > 0) {
    for (const key of TIMING_KEYS) {
      if (key === 'pollInterval' || key === 'deadline') continue;
      if (resolved.pollIntervalMs > resolved[TIMING_MS_KEY[key]] && (given.has('pollInterval') || given.has(key))) {
        p.add(
          `${path}.pollInterval`,
          `is longer than timing.${key}: the wait would time out before its second status check. Shorten pollInterval or lengthen ${key}`
        );
      }
    }
  }
  return resolved;
}

function readDurationField(p: Problems, obj: Obj, key: string, path: string, example: string): number | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  const where = join(path, key);
  if (typeof v !== 'string') {
    p.add(where, `must be a duration string such as "${example}" (number + m/h/d), got ${typeOf(v)}`);
    return undefined;
  }
  if (v.startsWith('-')) {
    p.add(where, `${show(v)} is negative: give a positive duration such as "${example}"`);
    return undefined;
  }
  try {
    return parseDuration(v);
  } catch {
    p.add(where, `${show(v)} is not a duration: use an integer and one unit, m, h or d (e.g. "${example}")`);
    return undefined;
  }
}

/**
 * `expiry`: a time to live (`after`) or an absolute time (`at`), the reminder lead and deletion protection. The
 * lifetime of an `at` expiry is counted from `now` (the restore's start), the safe side for the reminder rule.
 */
function validateExpiry(
  p: Problems,
  value: unknown,
  now: Date,
  ctx: { deletionProtection?: boolean; topicArn?: string; topicGiven: boolean }
): ResolvedExpiry | undefined {
  const path = 'expiry';
  const e = readObject(p, value, path, EXPIRY_KEYS, 'with after or at (and optional remindBefore)');
  if (!e) return undefined;
  const range = `between ${formatDuration(MIN_EXPIRY_MS)} and ${formatDuration(MAX_EXPIRY_MS)}`;
  let lifetimeMs: number | undefined;
  let afterMs: number | undefined;
  let at: string | undefined;
  if (e.after !== undefined && e.at !== undefined) {
    p.add(path, 'give either after (a time to live, e.g. "7d") or at (an ISO date-time), not both');
  } else if (e.after === undefined && e.at === undefined) {
    p.add(path, 'needs after (a time to live such as "7d") or at (an ISO date-time such as "2026-12-24T18:00:00Z")');
  } else if (e.after !== undefined) {
    afterMs = readDurationField(p, e, 'after', path, '7d');
    if (afterMs !== undefined && (afterMs < MIN_EXPIRY_MS || afterMs > MAX_EXPIRY_MS)) {
      p.add('expiry.after', `${show(e.after)} is out of range: the time to live must be ${range}`);
      afterMs = undefined;
    }
    lifetimeMs = afterMs;
  } else {
    const parsed = parseExpiryTime(e.at);
    if (typeof parsed === 'string') {
      p.add('expiry.at', parsed);
    } else if (parsed - now.getTime() < MIN_EXPIRY_MS) {
      p.add(
        'expiry.at',
        `${show(e.at)} is ${parsed <= now.getTime() ? 'in the past' : 'too soon'}: it must be at least ${formatDuration(MIN_EXPIRY_MS)} after now (${now.toISOString()})`
      );
    } else if (parsed - now.getTime() > MAX_EXPIRY_MS) {
      p.add(
        'expiry.at',
        `${show(e.at)} is more than ${formatDuration(MAX_EXPIRY_MS)} after now (${now.toISOString()})`
      );
    } else {
      at = new Date(parsed).toISOString();
      lifetimeMs = parsed - now.getTime();
    }
  }
  let remindBeforeMs = readDurationField(p, e, 'remindBefore', path, '24h');
  if (remindBeforeMs !== undefined) {
    if (remindBeforeMs <= 0) {
      p.add('expiry.remindBefore', `${show(e.remindBefore)} is zero: give a positive duration or leave it out`);
      remindBeforeMs = undefined;
    } else if (lifetimeMs !== undefined && remindBeforeMs >= lifetimeMs) {
      p.add(
        'expiry.remindBefore',
        `${show(e.remindBefore)} is not shorter than the cluster's lifetime (${formatDuration(lifetimeMs)}): the reminder would come before the cluster exists. Shorten remindBefore`
      );
      remindBeforeMs = undefined;
    }
    if (!ctx.topicArn && !ctx.topicGiven) {
      p.add(
        'expiry.remindBefore',
        'needs notifications.topicArn: the reminder is an SNS notification. Set the topic, or leave remindBefore out'
      );
    }
  }
  const disableDeletionProtection = readBoolean(p, e, 'disableDeletionProtection', path) ?? false;
  if (ctx.deletionProtection === true && !disableDeletionProtection) {
    p.add(
      'expiry.disableDeletionProtection',
      'must be true when target.deletionProtection is true: otherwise the expiry could never delete the cluster. Set it, or drop deletion protection'
    );
  }
  if (lifetimeMs === undefined) return undefined;
  return compact<ResolvedExpiry>({
    afterMs,
    at,
    remindBeforeMs: remindBeforeMs ?? defaultRemindBefore(lifetimeMs),
    disableDeletionProtection,
  });
}

/** A duration field within a range; undefined (and a problem) when it is not one. */
function readDuration(
  p: Problems,
  value: unknown,
  where: string,
  range: { min: number; max: number; text: string },
  example: string
): number | undefined {
  if (typeof value !== 'string') {
    p.add(where, `must be a duration string such as "${example}" (number + ms/s/m/h/d), got ${typeOf(value)}`);
    return undefined;
  }
  let ms: number;
  try {
    ms = parseDuration(value);
  } catch {
    p.add(where, `${show(value)} is not a duration: use an integer and one unit, ms, s, m, h or d (e.g. "${example}")`);
    return undefined;
  }
  if (ms < range.min || ms > range.max) {
    p.add(where, `${show(value)} is out of range: it must be ${range.text}`);
    return undefined;
  }
  return ms;
}

function validateApproval(p: Problems, value: unknown): NormalizedRestoreRequest['approval'] {
  const a = readObject(p, value, 'approval', APPROVAL_KEYS, 'with required, timeout and notify');
  if (!a) return undefined;
  const required = readBoolean(p, a, 'required', 'approval') ?? false;
  const notify = readBoolean(p, a, 'notify', 'approval') ?? true;
  const timeoutMs =
    a.timeout === undefined
      ? parseDuration(DEFAULT_APPROVAL_TIMEOUT)
      : readDuration(p, a.timeout, 'approval.timeout', APPROVAL_TIMEOUT_RANGE, '4h');
  if (!required || timeoutMs === undefined) return undefined;
  return { required: true, timeoutMs, notify };
}

/**
 * Validates a restore request and applies defaults. Throws `RequestValidationError` listing every problem.
 * `opts.now` resolves `yesterday`/`today`; `opts.newOperationId` runs only when the request has no operationId.
 */
export function validateRestoreRequest(input: unknown, opts: ValidateOptions): NormalizedRestoreRequest {
  if (!(opts?.now instanceof Date) || Number.isNaN(opts.now.getTime())) {
    throw new TypeError('validateRestoreRequest: opts.now must be a valid Date');
  }
  const p = new Problems();
  if (!isPlainObject(input)) {
    p.add('request', `must be a JSON object with "source" and "target", got ${typeOf(input)}`);
    throw new RequestValidationError(p.list);
  }
  readObject(
    p,
    input,
    '',
    opts.withoutApprovalAndRto ? TOP_KEYS.filter((k) => k !== 'approval' && k !== 'rto') : TOP_KEYS,
    ''
  );

  let operationId = readString(p, input, 'operationId', '');
  if (operationId !== undefined && !OPERATION_ID_RE.test(operationId)) {
    p.add(
      'operationId',
      `${show(operationId)} is not a valid operation id: use 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit, or omit it to have one generated`
    );
    operationId = undefined;
  }
  const operationIdOk = input.operationId === undefined || operationId !== undefined;

  const source = validateSource(p, input.source, opts.now);
  const target = validateTarget(p, input.target);

  // copy
  let copy: NormalizedRestoreRequest['copy'] = { keep: false, force: false };
  let copyKmsRef: KmsKeyRef | undefined;
  if (input.copy !== undefined) {
    const c = readObject(p, input.copy, 'copy', COPY_KEYS, 'with kmsKeyId, keep and force');
    if (c) {
      const kmsKeyId = readString(p, c, 'kmsKeyId', 'copy');
      copyKmsRef = checkKmsKey(p, kmsKeyId, 'copy.kmsKeyId', target.region, 'target.region');
      copy = compact({
        kmsKeyId,
        keep: readBoolean(p, c, 'keep', 'copy') ?? false,
        force: readBoolean(p, c, 'force', 'copy') ?? false,
      });
    }
  }

  let replace: NormalizedRestoreRequest['replace'] = {
    existing: false,
    disableDeletionProtection: false,
  };
  if (input.replace !== undefined) {
    const r = readObject(p, input.replace, 'replace', REPLACE_KEYS, 'with existing and disableDeletionProtection');
    if (r) {
      replace = {
        existing: readBoolean(p, r, 'existing', 'replace') ?? false,
        disableDeletionProtection: readBoolean(p, r, 'disableDeletionProtection', 'replace') ?? false,
      };
    }
  }

  const masterPassword =
    input.masterPassword !== undefined ? validateMasterPassword(p, input.masterPassword, target.region) : undefined;
  const timing = validateTiming(p, input.timing);
  const database =
    input.database !== undefined ? validateDatabase(p, input.database, input.masterPassword !== undefined) : undefined;

  const notifications: NormalizedRestoreRequest['notifications'] = {};
  if (input.notifications !== undefined) {
    const n = readObject(p, input.notifications, 'notifications', NOTIFICATION_KEYS, 'with topicArn');
    const topicArn = n ? readString(p, n, 'topicArn', 'notifications') : undefined;
    if (topicArn !== undefined) {
      const m = TOPIC_ARN_RE.exec(topicArn);
      if (!m || !REGION_RE.test(m[1]) || m[3].length > 256) {
        p.add(
          'notifications.topicArn',
          `${show(topicArn)} is not an SNS topic ARN: expected "arn:aws:sns:<region>:<12-digit account>:<topic name>" (name: 1-256 letters, digits, "-" or "_", optional ".fifo")`
        );
      } else {
        notifications.topicArn = topicArn;
      }
    }
  }

  const expiry =
    input.expiry !== undefined
      ? validateExpiry(p, input.expiry, opts.now, {
          deletionProtection: target.spec?.deletionProtection,
          topicArn: notifications.topicArn,
          topicGiven: isPlainObject(input.notifications) && input.notifications.topicArn !== undefined,
        })
      : undefined;

  const newFields = !opts.withoutApprovalAndRto;
  const approval = newFields && input.approval !== undefined ? validateApproval(p, input.approval) : undefined;
  const rtoMs = newFields && input.rto !== undefined ? readDuration(p, input.rto, 'rto', RTO_RANGE, '2h') : undefined;

  // ---- Rules across sections
  if (approval && !replace.existing) {
    p.add(
      'approval.required',
      'has nothing to guard without replace.existing: true (an existing target is refused before any change). Set replace.existing to true to replace the target after an approval, or remove approval'
    );
  }
  if (
    source.accountId !== undefined &&
    input.target !== undefined &&
    target.accountId === undefined &&
    isPlainObject(input.target) &&
    input.target.accountId === undefined
  ) {
    p.add(
      'target.accountId',
      `is required when source.accountId is set: the pipeline must know whether the restore crosses accounts (to share the snapshot and re-encrypt it). Set it to ${source.accountId} for a same-account restore, or to the account to restore into`
    );
  }
  const sourceAccount = source.accountId ?? source.arn?.accountId;
  const crossAccount =
    sourceAccount !== undefined && target.accountId !== undefined && sourceAccount !== target.accountId;

  // Never restore over the source cluster. An unknown account counts as the same one: refusing is the safe side.
  if (
    source.region !== undefined &&
    source.region === target.region &&
    source.clusterId !== undefined &&
    target.spec?.clusterId !== undefined &&
    source.clusterId.toLowerCase() === target.spec.clusterId.toLowerCase() &&
    (source.accountId === undefined || target.accountId === undefined || source.accountId === target.accountId)
  ) {
    p.add(
      'target.clusterId',
      `${show(target.spec.clusterId)} is the source cluster (same region and account): a restore creates a new cluster and may replace the target, so it never targets the source. Choose another target.clusterId, e.g. "${source.clusterId.slice(0, 55).replace(/-+$/, '')}-restore"`
    );
  }

  if (crossAccount) {
    if (copy.kmsKeyId === undefined) {
      p.add(
        'copy.kmsKeyId',
        `is required for a cross-account restore (source account ${sourceAccount}, target account ${target.accountId}): the copy in the target account must be re-encrypted under a customer-managed key there, because the default aws/rds key cannot be shared across accounts. Give a key id, alias or ARN in ${target.region ?? 'the target region'}`
      );
    } else if (copyKmsRef && isAwsManagedAlias(copyKmsRef)) {
      p.add(
        'copy.kmsKeyId',
        `${show(copy.kmsKeyId)} is an AWS-managed key, which cannot be used across accounts: give a customer-managed key in the target account (key id, alias or ARN)`
      );
    }
  }

  const finalOperationId = operationId ?? (operationIdOk ? opts.newOperationId() : undefined);

  if (p.list.length > 0) throw new RequestValidationError(p.list);

  return compact<NormalizedRestoreRequest>({
    operationId: finalOperationId as string,
    source: {
      ...(source.spec as SourceSpec),
      snapshotRef: source.ref as SnapshotRef,
    },
    target: target.spec as NormalizedRestoreRequest['target'],
    copy,
    replace,
    masterPassword,
    timing,
    notifications,
    expiry,
    database,
    approval,
    rtoMs,
  });
}
