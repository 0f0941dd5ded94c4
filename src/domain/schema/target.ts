/** The `target` section: the cluster to create (and, with replace.existing, to replace). Pure. */
import { z } from 'zod';

import { TAG_MANAGED_BY, TAG_OPERATION_ID, TAG_ROLE, TAG_SOURCE_SNAPSHOT } from '../naming';
import { DEFAULT_INSTANCE_CLASS, MAX_INSTANCE_COUNT, SERVERLESS_INSTANCE_CLASS } from '../request';

import { AccountId, clusterId, KmsKeyId, kmsRegionProblem, region, RoleArn, roleAccountProblem } from './aws';
import { ALWAYS, addProblem, int, matching, rule, section, typeProblem, valid, wrongType } from './fields';
import {
  ENGINE_VERSION_RE,
  ENGINES,
  INSTANCE_CLASS_RE,
  LOG_EXPORTS,
  SECURITY_GROUP_RE,
  SUBNET_GROUP_RE,
  TAG_CHARS_RE,
} from './identifiers';
import { isPlainObject, show, typeOf } from './messages';

export const MAX_SECURITY_GROUPS = 5;
/** RDS allows 50 tags per resource; the pipeline writes up to 4 `aurora-restore:*` tags of its own. */
export const PIPELINE_TAG_KEYS = [TAG_MANAGED_BY, TAG_OPERATION_ID, TAG_SOURCE_SNAPSHOT, TAG_ROLE] as const;
export const MAX_USER_TAGS = 50 - PIPELINE_TAG_KEYS.length;
export const RESERVED_TAG_PREFIXES = ['aws:', 'aurora-restore:'] as const;
const ALL_LOG_TYPES = [...new Set([...LOG_EXPORTS['aurora-postgresql'], ...LOG_EXPORTS['aurora-mysql']])];

export const Engine = z.enum(ENGINES, {
  error: (iss) =>
    typeof iss.input === 'string'
      ? `${show(iss.input)} is not supported: use "aurora-postgresql" or "aurora-mysql", or omit it to use the snapshot's engine`
      : wrongType('a string', iss.input),
});

const EngineVersion = matching(
  ENGINE_VERSION_RE,
  (v) => `${show(v)} is not an engine version: use the form RDS lists, e.g. "16.4" or "8.0.mysql_aurora.3.08.0"`,
  { exact: (v) => v.length <= 64 && ENGINE_VERSION_RE.test(v) }
).meta({ maxLength: 64 });

const INSTANCE_CLASS_PATTERN = new RegExp(`^db\\.serverless$|${INSTANCE_CLASS_RE.source}`);
const InstanceClass = matching(
  INSTANCE_CLASS_PATTERN,
  (v) =>
    `${show(v)} is not a DB instance class: use a class such as "db.r6g.large", or "db.serverless" with serverlessV2`
).meta({ description: `Default ${DEFAULT_INSTANCE_CLASS}, or ${SERVERLESS_INSTANCE_CLASS} with serverlessV2` });

function capacity(min: number) {
  return z
    .number({
      error: typeProblem(`a number between ${min} and 256`, {
        required: `give a number of ACUs between ${min} and 256 in steps of 0.5`,
      }),
    })
    .check(
      rule((v: number) =>
        v < min || v > 256 || !Number.isInteger(v * 2)
          ? `${show(v)} is not a valid capacity: use ${min} to 256 ACUs in steps of 0.5`
          : undefined
      )
    )
    .meta({ minimum: min, maximum: 256, multipleOf: 0.5 });
}

const MinCapacity = capacity(0);
const SecondsUntilAutoPause = int(300, 86_400, 'secondsUntilAutoPause');

export const ServerlessV2Schema = section(
  {
    minCapacity: MinCapacity,
    maxCapacity: capacity(1),
    secondsUntilAutoPause: SecondsUntilAutoPause.optional().meta({
      description: 'Only with minCapacity 0 (auto-pause)',
    }),
  },
  'with minCapacity and maxCapacity (ACUs)'
).superRefine((sv, ctx) => {
  if (!isPlainObject(sv)) return;
  const min = valid(MinCapacity, sv.minCapacity);
  const max = valid(capacity(1), sv.maxCapacity);
  if (min !== undefined && max !== undefined && min > max) {
    addProblem(
      ctx,
      [],
      `minCapacity (${min}) is greater than maxCapacity (${max}): raise maxCapacity or lower minCapacity`
    );
  }
  if (valid(SecondsUntilAutoPause, sv.secondsUntilAutoPause) !== undefined && min !== undefined && min !== 0) {
    addProblem(
      ctx,
      ['secondsUntilAutoPause'],
      `only applies with minCapacity 0 (auto-pause), but minCapacity is ${min}: set minCapacity to 0 or remove secondsUntilAutoPause`
    );
  }
}, ALWAYS);

const PARAMETER_GROUP_RE = /^[A-Za-z](?!.*--)[A-Za-z0-9._-]{0,254}(?<!-)$/;
const ParameterGroupName = matching(
  PARAMETER_GROUP_RE,
  (v) =>
    `${show(v)} is not a parameter group name: use 1-255 letters, digits, periods or hyphens, starting with a letter, with no trailing or double hyphen`
);

const securityGroupProblem = (v: unknown): string =>
  `${show(v)} is not a security group id: expected "sg-" followed by 8 or 17 lowercase hex digits`;
const SecurityGroupId = z
  .string({ error: (iss) => securityGroupProblem(iss.input) })
  .check(rule((v: string) => (SECURITY_GROUP_RE.test(v) ? undefined : securityGroupProblem(v))))
  .meta({ pattern: SECURITY_GROUP_RE.source });

/** Positions of values already listed earlier (among the values `keep` accepts). */
function duplicates(list: unknown[], keep: (v: unknown) => boolean): number[] {
  const seen: unknown[] = [];
  const twice: number[] = [];
  list.forEach((v, i) => {
    if (!keep(v)) return;
    if (seen.includes(v)) twice.push(i);
    else seen.push(v);
  });
  return twice;
}

const SecurityGroupIds = z
  .array(SecurityGroupId, { error: typeProblem('an array of security group ids') })
  .superRefine((list, ctx) => {
    if (!Array.isArray(list)) return;
    if (list.length === 0) {
      addProblem(
        ctx,
        [],
        'is empty: list 1-5 security group ids, or remove the field to use the VPC default security group'
      );
    }
    if (list.length > MAX_SECURITY_GROUPS) {
      addProblem(ctx, [], `has ${list.length} security groups, at most ${MAX_SECURITY_GROUPS} are allowed per cluster`);
    }
    const ok = (v: unknown): boolean => typeof v === 'string' && SECURITY_GROUP_RE.test(v);
    for (const i of duplicates(list, ok))
      addProblem(ctx, [i], `${show(list[i])} is listed twice: remove the duplicate`);
  }, ALWAYS)
  .meta({ minItems: 1, maxItems: MAX_SECURITY_GROUPS, uniqueItems: true });

const TagValue = z
  .string({ error: (iss) => `tag values must be strings, got ${typeOf(iss.input)}: quote the value` })
  .check(
    rule((v: string) => {
      if (v.length > 256) return `tag values must be at most 256 characters long (this one has ${v.length})`;
      if (!TAG_CHARS_RE.test(v)) {
        return 'the tag value has characters RDS does not allow: use letters, digits, spaces and _ . : / = + - @';
      }
      return undefined;
    })
  )
  .meta({ maxLength: 256, pattern: TAG_CHARS_RE.source });

function tagKeyProblems(key: string): string[] {
  const problems: string[] = [];
  if (key.length < 1 || key.length > 128) {
    problems.push(`tag keys must be 1-128 characters long (this one has ${key.length})`);
  } else if (!TAG_CHARS_RE.test(key)) {
    problems.push('the tag key has characters RDS does not allow: use letters, digits, spaces and _ . : / = + - @');
  }
  const prefix = RESERVED_TAG_PREFIXES.find((pre) => key.toLowerCase().startsWith(pre));
  if (prefix) {
    problems.push(
      prefix === 'aws:'
        ? 'tag keys starting with "aws:" are reserved by AWS: rename the tag'
        : 'tag keys starting with "aurora-restore:" are reserved for the pipeline\'s own tags (they mark what it created and may delete): rename the tag'
    );
  }
  return problems;
}

const Tags = z
  .record(
    z.string().meta({
      minLength: 1,
      maxLength: 128,
      pattern:
        '^(?![Aa][Ww][Ss]:)(?![Aa][Uu][Rr][Oo][Rr][Aa]-[Rr][Ee][Ss][Tt][Oo][Rr][Ee]:)' + TAG_CHARS_RE.source.slice(1),
    }),
    TagValue,
    {
      error: (iss) =>
        iss.code === 'invalid_type'
          ? `must be an object of tag names to string values, e.g. {"team": "dba"}, got ${typeOf(iss.input)}`
          : undefined,
    }
  )
  .superRefine((tags, ctx) => {
    if (!isPlainObject(tags)) return;
    const keys = Object.keys(tags);
    if (keys.length > MAX_USER_TAGS) {
      addProblem(
        ctx,
        [],
        `has ${keys.length} tags, at most ${MAX_USER_TAGS} are allowed: RDS allows 50 tags per resource and the pipeline adds up to ${PIPELINE_TAG_KEYS.length} of its own`
      );
    }
    for (const key of keys) for (const text of tagKeyProblems(key)) addProblem(ctx, [key], text);
  }, ALWAYS)
  .meta({ maxProperties: MAX_USER_TAGS, description: 'Extra tags; aws: and aurora-restore: keys are reserved' });

// Which log types are allowed depends on the engine, so the target's rule checks every entry (strings or not).
const LogType = z.custom<string>(() => true).meta({ type: 'string', enum: ALL_LOG_TYPES });
const LogExports = z.array(LogType, { error: typeProblem('an array of log types') }).meta({ uniqueItems: true });

export const TargetClusterId = clusterId({ required: 'name the DB cluster to create, e.g. "orders-restore"' });
export const TargetRegion = region({ required: 'give the region to restore into, e.g. "us-east-1"' });
const DeletionProtection = z
  .boolean({ error: typeProblem('true or false (a JSON boolean, not a string)') })
  .default(false);

export const TargetSchema = section(
  {
    clusterId: TargetClusterId,
    region: TargetRegion,
    accountId: AccountId.optional().meta({ description: "Account to restore into; default: the worker's account" }),
    roleArn: RoleArn.optional(),
    engine: Engine.optional().meta({ description: "Default: the snapshot's engine" }),
    engineVersion: EngineVersion.optional(),
    port: int(1150, 65535, 'the Aurora port').optional(),
    instanceClass: InstanceClass.optional(),
    instanceCount: int(1, MAX_INSTANCE_COUNT, 'the number of instances (writer plus readers)').default(1),
    serverlessV2: ServerlessV2Schema.optional(),
    dbSubnetGroupName: matching(
      SUBNET_GROUP_RE,
      (v) =>
        `${show(v)} is not a DB subnet group name: use 1-255 letters, digits, spaces, periods, underscores or hyphens`
    ).optional(),
    vpcSecurityGroupIds: SecurityGroupIds.optional(),
    dbClusterParameterGroupName: ParameterGroupName.optional(),
    dbParameterGroupName: ParameterGroupName.optional(),
    kmsKeyId: KmsKeyId.optional(),
    tags: Tags.optional(),
    deletionProtection: DeletionProtection,
    enableIamDatabaseAuthentication: z
      .boolean({ error: typeProblem('true or false (a JSON boolean, not a string)') })
      .optional(),
    enableCloudwatchLogsExports: LogExports.optional(),
    backupRetentionPeriod: int(1, 35, 'the backup retention period in days').optional(),
  },
  'with at least clusterId and region',
  { required: 'give at least {clusterId, region} for the cluster to create' }
).superRefine((t, ctx) => {
  if (!isPlainObject(t)) return;
  const problem = (path: PropertyKey[], message: string): void => addProblem(ctx, path, message);
  const roleProblem = roleAccountProblem(t, 'target');
  if (roleProblem) problem(['roleArn'], roleProblem);
  const instanceClass = valid(InstanceClass, t.instanceClass);
  if (t.serverlessV2 !== undefined && instanceClass !== undefined && instanceClass !== SERVERLESS_INSTANCE_CLASS) {
    problem(
      ['instanceClass'],
      `${show(instanceClass)} cannot be used with serverlessV2: Serverless v2 instances use "db.serverless" (the default when serverlessV2 is set); remove instanceClass or serverlessV2`
    );
  }
  if (instanceClass === SERVERLESS_INSTANCE_CLASS && t.serverlessV2 === undefined) {
    problem(
      ['serverlessV2'],
      'is required with instanceClass "db.serverless": give {"minCapacity": 0.5, "maxCapacity": 8} (ACUs), RDS needs a capacity range before it creates Serverless v2 instances'
    );
  }
  const kmsKeyId = valid(KmsKeyId, t.kmsKeyId);
  const kmsProblem = kmsKeyId && kmsRegionProblem(kmsKeyId, valid(TargetRegion, t.region), 'target.region');
  if (kmsProblem) problem(['kmsKeyId'], kmsProblem);

  const logs = t.enableCloudwatchLogsExports;
  if (Array.isArray(logs)) {
    const engine = valid(Engine, t.engine);
    const allowed = engine ? LOG_EXPORTS[engine] : ALL_LOG_TYPES;
    const forWhat = engine ? `${engine} exports` : 'Aurora exports';
    const ok = (log: unknown): boolean => typeof log === 'string' && allowed.includes(log);
    logs.forEach((log: unknown, i) => {
      if (!ok(log)) {
        problem(
          ['enableCloudwatchLogsExports', i],
          `${show(log)} is not a log type ${forWhat}: use ${allowed.map((a) => `"${a}"`).join(', ')}`
        );
      }
    });
    for (const i of duplicates(logs, ok)) {
      problem(['enableCloudwatchLogsExports', i], `${show(logs[i])} is listed twice: remove the duplicate`);
    }
  }
}, ALWAYS);
