/**
 * Validates a restore request before anything touches AWS, and applies the defaults. The rules live in the request
 * schema (schema/request.ts); this adds what depends on the restore's clock (`yesterday`, `expiry.at`) and turns a
 * valid request into the `NormalizedRestoreRequest` the workflow runs on. Every problem is collected (not just the
 * first) and reported in one `RequestValidationError`, each naming the field, the bad value (never a secret), the
 * rule and what to do.
 *
 * Pure and deterministic: imported by workflow code (which validates again on start), the client and the CLI.
 */
import { formatDuration, parseDuration } from './durations';
import { Failures } from './errors';
import { defaultRemindBefore, parseExpiryTime } from './expiry';
import {
  DEFAULT_APPROVAL_TIMEOUT,
  DEFAULT_INSTANCE_CLASS,
  DEFAULT_TIMING,
  MAX_EXPIRY_MS,
  MIN_EXPIRY_MS,
  SERVERLESS_INSTANCE_CLASS,
  type ApprovalSpec,
  type ClusterSourceRef,
  type CopySpec,
  type ExpirySpec,
  type MasterPasswordSpec,
  type NormalizedRestoreRequest,
  type ResolvedExpiry,
  type ResolvedTiming,
  type RestoreRequest,
  type SnapshotRef,
  type SourceSpec,
  type TargetSpec,
  type TimingSpec,
} from './request';
import { valid } from './schema/fields';
import { parseSnapshotArn } from './schema/identifiers';
import { isPlainObject, problemsOf, show, typeOf } from './schema/messages';
import { DEFAULT_KEEP_PREVIOUS_FOR, ExpiryAt, RemindBefore, remindTooLate } from './schema/options';
import { RestoreRequestSchema, RestoreRequestSchemaWithoutApprovalAndRto } from './schema/request';
import { RestoreTime, restoreTimeMs, SelectionDate } from './schema/source';
import { unsafeKeyProblems, withoutUnsafeKeyIssues } from './schema/unsafe-keys';
import { resolveSnapshotDate } from './snapshot-selection';
import { normalizeDatabase } from './validate-database';

export {
  ACCOUNT_ID_RE,
  clusterOfAutomatedSnapshot,
  ENGINES,
  LOG_EXPORTS,
  OPERATION_ID_RE,
  parseKmsKeyRef,
  parseSnapshotArn,
  rdsIdentifierProblem,
  REGION_RE,
  snapshotIdentifierProblem,
  type KmsKeyRef,
  type SnapshotArnParts,
} from './schema/identifiers';
export { MAX_SECURITY_GROUPS, MAX_USER_TAGS, PIPELINE_TAG_KEYS, RESERVED_TAG_PREFIXES } from './schema/target';

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

/** Drops undefined properties so normalized requests serialize cleanly into workflow history. */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

type Obj = Record<string, unknown>;
const section = (v: unknown): Obj | undefined => (isPlainObject(v) ? v : undefined);

/** Problems that depend on the restore's clock: a selection date after today, an expiry time too soon or too late. */
function clockProblems(input: Obj, now: Date): string[] {
  const problems: string[] = [];
  const selection = section(section(input.source)?.selection);
  const date = selection?.strategy === 'name-template' ? valid(SelectionDate, selection.date) : undefined;
  if (date !== undefined) {
    const resolved = resolveSnapshotDate(date, now);
    if (!resolved.ok) problems.push(`source.selection.date: ${show(date)} is not a usable date: ${resolved.reason}`);
  }
  const pointInTime = section(section(input.source)?.pointInTime);
  const time = valid(RestoreTime, pointInTime?.time);
  if (time !== undefined && (restoreTimeMs(time) as number) > now.getTime()) {
    problems.push(
      `source.pointInTime.time: ${show(time)} is in the future (now is ${now.toISOString()}): a cluster can only be restored to a time that has passed. Give an earlier time, or latest: true`
    );
  }
  const expiry = section(input.expiry);
  const at = expiry && expiry.after === undefined ? valid(ExpiryAt, expiry.at) : undefined;
  if (expiry && at !== undefined) {
    const lifetimeMs = (parseExpiryTime(at) as number) - now.getTime();
    if (lifetimeMs < MIN_EXPIRY_MS) {
      problems.push(
        `expiry.at: ${show(at)} is ${lifetimeMs <= 0 ? 'in the past' : 'too soon'}: it must be at least ${formatDuration(MIN_EXPIRY_MS)} after now (${now.toISOString()})`
      );
    } else if (lifetimeMs > MAX_EXPIRY_MS) {
      problems.push(
        `expiry.at: ${show(at)} is more than ${formatDuration(MAX_EXPIRY_MS)} after now (${now.toISOString()})`
      );
    } else {
      const remind = valid(RemindBefore, expiry.remindBefore);
      if (remind !== undefined && parseDuration(remind) >= lifetimeMs) {
        problems.push(`expiry.remindBefore: ${remindTooLate(remind, lifetimeMs)}`);
      }
    }
  }
  return problems;
}

/**
 * Validates a restore request and applies defaults. Throws `RequestValidationError` listing every problem.
 * `opts.now` resolves `yesterday`/`today`; `opts.newOperationId` runs only when the request has no operationId.
 */
export function validateRestoreRequest(input: unknown, opts: ValidateOptions): NormalizedRestoreRequest {
  if (!(opts?.now instanceof Date) || Number.isNaN(opts.now.getTime())) {
    throw new TypeError('validateRestoreRequest: opts.now must be a valid Date');
  }
  if (!isPlainObject(input)) {
    throw new RequestValidationError([
      `request: must be a JSON object with "source" and "target", got ${typeOf(input)}`,
    ]);
  }
  const schema = opts.withoutApprovalAndRto ? RestoreRequestSchemaWithoutApprovalAndRto : RestoreRequestSchema;
  const parsed = schema.safeParse(input);
  // Checked on the raw input: the schema's copies drop a `__proto__` key before any rule of the schema sees it.
  const problems = [
    ...unsafeKeyProblems(input),
    ...(parsed.success ? [] : problemsOf(withoutUnsafeKeyIssues(parsed.error.issues))),
    ...clockProblems(input, opts.now),
  ];
  const generatedId = input.operationId === undefined ? opts.newOperationId() : undefined;
  if (!parsed.success || problems.length > 0) throw new RequestValidationError(problems);
  return normalize(input as RestoreRequest, opts.now, generatedId, !opts.withoutApprovalAndRto);
}

// ---------------------------------------------------------------------------------------------------------------
// Normalization of a valid request: defaults applied, durations in ms, the snapshot reference resolved.

function snapshotRefOf(source: SourceSpec, now: Date): SnapshotRef {
  if (source.snapshot !== undefined) {
    const arn = source.snapshot.startsWith('arn:') ? parseSnapshotArn(source.snapshot) : undefined;
    return arn
      ? { kind: 'arn', arn: source.snapshot, region: arn.region, accountId: arn.accountId, identifier: arn.identifier }
      : { kind: 'identifier', identifier: source.snapshot };
  }
  const selection = source.selection!;
  if (selection.strategy === 'latest') {
    return { kind: 'latest', clusterId: source.clusterId!, snapshotType: selection.snapshotType ?? 'any' };
  }
  const resolved = resolveSnapshotDate(selection.date, now);
  return compact({
    kind: 'name-template' as const,
    clusterId: source.clusterId,
    template: selection.template,
    date: resolved.ok ? resolved.date : '',
  });
}

function clusterRefOf(source: SourceSpec): ClusterSourceRef | undefined {
  if (source.clone !== undefined) return { kind: 'clone', clusterId: source.clone.clusterId };
  const pit = source.pointInTime;
  if (pit === undefined) return undefined;
  return pit.latest
    ? { kind: 'point-in-time', clusterId: pit.clusterId, latest: true }
    : { kind: 'point-in-time', clusterId: pit.clusterId, time: new Date(restoreTimeMs(pit.time!)!).toISOString() };
}

function normalizeSource(source: SourceSpec, now: Date): NormalizedRestoreRequest['source'] {
  const clusterRef = clusterRefOf(source);
  if (clusterRef) {
    // The source cluster is named in source.clusterId too, so every guard that protects the source protects it.
    return {
      ...compact<SourceSpec>({
        region: source.region,
        accountId: source.accountId,
        clusterId: clusterRef.clusterId,
        pointInTime: source.pointInTime && compact({ ...source.pointInTime, region: undefined }),
        clone: source.clone && { clusterId: source.clone.clusterId },
      }),
      clusterRef,
    };
  }
  const selection = source.selection;
  return {
    ...compact<SourceSpec>({
      region: source.region,
      accountId: source.accountId,
      roleArn: source.roleArn,
      snapshot: source.snapshot,
      clusterId: source.clusterId,
      selection:
        selection === undefined
          ? undefined
          : selection.strategy === 'latest'
            ? { strategy: 'latest', snapshotType: selection.snapshotType ?? 'any' }
            : compact({ strategy: 'name-template' as const, template: selection.template, date: selection.date }),
    }),
    snapshotRef: snapshotRefOf(source, now),
  };
}

function normalizeTarget(t: TargetSpec): NormalizedRestoreRequest['target'] {
  const sv = t.serverlessV2;
  return compact<NormalizedRestoreRequest['target']>({
    clusterId: t.clusterId,
    region: t.region,
    accountId: t.accountId,
    roleArn: t.roleArn,
    engine: t.engine,
    engineVersion: t.engineVersion,
    port: t.port,
    instanceClass: t.instanceClass ?? (sv !== undefined ? SERVERLESS_INSTANCE_CLASS : DEFAULT_INSTANCE_CLASS),
    instanceCount: t.instanceCount ?? 1,
    serverlessV2:
      sv &&
      compact({
        minCapacity: sv.minCapacity,
        maxCapacity: sv.maxCapacity,
        secondsUntilAutoPause: sv.secondsUntilAutoPause,
      }),
    dbSubnetGroupName: t.dbSubnetGroupName,
    vpcSecurityGroupIds: t.vpcSecurityGroupIds && [...t.vpcSecurityGroupIds],
    dbClusterParameterGroupName: t.dbClusterParameterGroupName,
    dbParameterGroupName: t.dbParameterGroupName,
    kmsKeyId: t.kmsKeyId,
    tags: t.tags && { ...t.tags },
    deletionProtection: t.deletionProtection ?? false,
    enableIamDatabaseAuthentication: t.enableIamDatabaseAuthentication,
    enableCloudwatchLogsExports: t.enableCloudwatchLogsExports && [...t.enableCloudwatchLogsExports],
    backupRetentionPeriod: t.backupRetentionPeriod,
  });
}

function normalizeCopy(copy: CopySpec | undefined): NormalizedRestoreRequest['copy'] {
  if (copy === undefined) return { keep: false, force: false };
  return compact({ kmsKeyId: copy.kmsKeyId, keep: copy.keep ?? false, force: copy.force ?? false });
}

function normalizeMasterPassword(mp: RestoreRequest['masterPassword']): MasterPasswordSpec | undefined {
  if (mp === undefined) return undefined;
  if (mp.secretArn !== undefined) return { secretArn: mp.secretArn };
  return compact({ manage: true as const, kmsKeyId: mp.kmsKeyId });
}

const TIMING_MS_KEY: Record<keyof TimingSpec, keyof ResolvedTiming> = {
  pollInterval: 'pollIntervalMs',
  copyTimeout: 'copyTimeoutMs',
  deleteTimeout: 'deleteTimeoutMs',
  restoreTimeout: 'restoreTimeoutMs',
  instancesTimeout: 'instancesTimeoutMs',
  deadline: 'deadlineMs',
};

function normalizeTiming(timing: TimingSpec | undefined): ResolvedTiming {
  const resolved = {} as ResolvedTiming;
  for (const key of Object.keys(TIMING_MS_KEY) as (keyof TimingSpec)[]) {
    resolved[TIMING_MS_KEY[key]] = parseDuration(timing?.[key] ?? (DEFAULT_TIMING[key] as string));
  }
  return resolved;
}

/** The lifetime of an `at` expiry is counted from `now` (the restore's start), the safe side for the reminder. */
function normalizeExpiry(e: ExpirySpec, now: Date): ResolvedExpiry {
  const afterMs = e.after !== undefined ? parseDuration(e.after) : undefined;
  const atMs = e.at !== undefined ? (parseExpiryTime(e.at) as number) : undefined;
  const lifetimeMs = afterMs ?? (atMs as number) - now.getTime();
  return compact<ResolvedExpiry>({
    afterMs,
    at: atMs !== undefined ? new Date(atMs).toISOString() : undefined,
    remindBeforeMs: e.remindBefore !== undefined ? parseDuration(e.remindBefore) : defaultRemindBefore(lifetimeMs),
    disableDeletionProtection: e.disableDeletionProtection ?? false,
  });
}

function normalizeApproval(a: ApprovalSpec | undefined): NormalizedRestoreRequest['approval'] {
  if (a?.required !== true) return undefined;
  return {
    required: true,
    timeoutMs: parseDuration(a.timeout ?? DEFAULT_APPROVAL_TIMEOUT),
    notify: a.notify ?? true,
  };
}

function normalize(
  r: RestoreRequest,
  now: Date,
  generatedId: string | undefined,
  approvalAndRto: boolean
): NormalizedRestoreRequest {
  return compact<NormalizedRestoreRequest>({
    operationId: (r.operationId ?? generatedId) as string,
    source: normalizeSource(r.source, now),
    target: normalizeTarget(r.target),
    copy: normalizeCopy(r.copy),
    replace: {
      existing: r.replace?.existing ?? false,
      disableDeletionProtection: r.replace?.disableDeletionProtection ?? false,
      strategy: r.replace?.strategy ?? 'swap',
      previous: r.replace?.previous ?? 'delete',
      ...(r.replace?.previous === 'keep'
        ? { keepForMs: parseDuration(r.replace.keepFor ?? DEFAULT_KEEP_PREVIOUS_FOR) }
        : {}),
    },
    masterPassword: normalizeMasterPassword(r.masterPassword),
    timing: normalizeTiming(r.timing),
    notifications: r.notifications?.topicArn !== undefined ? { topicArn: r.notifications.topicArn } : {},
    expiry: r.expiry !== undefined ? normalizeExpiry(r.expiry, now) : undefined,
    database: r.database !== undefined ? normalizeDatabase(r.database) : undefined,
    approval: approvalAndRto ? normalizeApproval(r.approval) : undefined,
    rtoMs: approvalAndRto && r.rto !== undefined ? parseDuration(r.rto) : undefined,
  });
}
