import assert from 'node:assert/strict';

import type { BatchValidationError } from '../../src/domain/batch';
import { validateBatchRequest } from '../../src/domain/batch';
import { Failures } from '../../src/domain/errors';
import type { RestoreRequest } from '../../src/domain/request';
import {
  parseKmsKeyRef,
  parseSnapshotArn,
  rdsIdentifierProblem,
  RequestValidationError,
  snapshotIdentifierProblem,
  validateRestoreRequest,
} from '../../src/domain/validate';

import {
  FIXED_NOW,
  FIXED_OPERATION_ID,
  fullRequest,
  MASTER_SECRET_ARN,
  minimalRequest,
  SOURCE_ACCOUNT,
  TARGET_ACCOUNT,
  TARGET_KMS_KEY_ARN,
  TOPIC_ARN,
  validateOptions,
} from './fixtures';

type Loose = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The validation error for an input; fails the test if validation passes. */
function problemsOf(input: unknown, now = FIXED_NOW): RequestValidationError {
  try {
    validateRestoreRequest(input, validateOptions(now));
  } catch (err) {
    assert.ok(err instanceof RequestValidationError, `expected RequestValidationError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the request to be refused');
}

function minimal(edit: (r: Loose) => void): Loose {
  const r = structuredClone(minimalRequest()) as Loose;
  edit(r);
  return r;
}

function full(edit: (r: Loose) => void): Loose {
  const r = structuredClone(fullRequest()) as Loose;
  edit(r);
  return r;
}

/** The minimal request choosing its snapshot by `selection` instead of naming one; `edit` runs before it is set. */
function selecting(selection: Loose, edit: (r: Loose) => void = () => undefined): Loose {
  return minimal((r) => {
    delete r.source.snapshot;
    edit(r);
    r.source.selection = selection;
  });
}

const SECRET = 'Sup3r-Secr3t-Pa55word!';

interface BadCase {
  name: string;
  input: unknown;
  /** Substrings that must all appear in the error message. */
  expect: string[];
  /** Number of problems expected (default 1): a single mistake should produce a single problem. */
  count?: number;
}

const CORPUS: BadCase[] = [
  // Shape
  {
    name: 'null input',
    input: null,
    expect: ['request: must be a JSON object', 'got null'],
  },
  {
    name: 'array input',
    input: [],
    expect: ['request: must be a JSON object', 'got an array'],
  },
  {
    name: 'string input',
    input: 'restore please',
    expect: ['got the string "restore please"'],
  },
  {
    name: 'top-level typo',
    input: { source: minimalRequest().source, targt: minimalRequest().target },
    expect: ['targt: unknown field "targt"; did you mean "target"?', 'target: is required'],
    count: 2,
  },
  {
    name: 'nested typo in target',
    input: minimal((r) => {
      r.target.clusterID = r.target.clusterId;
      delete r.target.clusterId;
    }),
    expect: ['target.clusterID: unknown field "clusterID"; did you mean "clusterId"?', 'target.clusterId: is required'],
    count: 2,
  },
  {
    name: 'snake_case key',
    input: minimal((r) => (r.target.instance_count = 2)),
    expect: ['did you mean "instanceCount"?'],
  },
  {
    name: 'missing source',
    input: { target: minimalRequest().target },
    expect: ['source: is required'],
  },
  {
    name: 'source not an object',
    input: minimal((r) => (r.source = 'us-east-1')),
    expect: ['source: must be an object'],
  },
  {
    name: 'null field',
    input: minimal((r) => (r.target.port = null)),
    expect: ['target.port: is null'],
  },
  // Regions and accounts
  {
    name: 'bad source region',
    input: minimal((r) => (r.source.region = 'us-east')),
    expect: ['source.region: "us-east" is not an AWS region code'],
  },
  {
    name: 'uppercase region',
    input: minimal((r) => (r.target.region = 'US-EAST-1')),
    expect: ['target.region: "US-EAST-1" is not an AWS region code'],
  },
  {
    name: 'region of no AWS partition',
    input: minimal((r) => (r.target.region = 'zz-nowhere-9')),
    expect: ['target.region: "zz-nowhere-9" is not an AWS region code: it belongs to no AWS partition'],
  },
  {
    name: 'misspelt region',
    input: minimal((r) => (r.source.region = 'eu-wset-1')),
    expect: ['source.region: "eu-wset-1" is not an AWS region code', 'Did you mean "eu-west-1"?'],
  },
  {
    name: 'missing target region',
    input: minimal((r) => delete r.target.region),
    expect: ['target.region: is required'],
  },
  {
    name: 'short account id',
    input: minimal((r) => (r.target.accountId = '1234')),
    expect: ['target.accountId: "1234" is not an AWS account id', 'exactly 12 digits'],
  },
  {
    name: 'numeric account id',
    input: minimal((r) => (r.target.accountId = 123456789012)),
    expect: ['quote it'],
  },
  {
    name: 'bad role ARN',
    input: minimal((r) => (r.target.roleArn = 'arn:aws:iam::123456789012:user/bob')),
    expect: ['target.roleArn', 'is not an IAM role ARN'],
  },
  {
    name: 'role in another account',
    input: minimal((r) => {
      r.target.accountId = TARGET_ACCOUNT;
      r.target.roleArn = `arn:aws:iam::${SOURCE_ACCOUNT}:role/restore`;
    }),
    expect: [`the role is in account ${SOURCE_ACCOUNT} but target.accountId is ${TARGET_ACCOUNT}`],
  },
  {
    name: 'source account without target account',
    input: minimal((r) => (r.source.accountId = SOURCE_ACCOUNT)),
    expect: ['target.accountId: is required when source.accountId is set'],
  },
  // Cluster identifiers
  {
    name: 'cluster id starts with digit',
    input: minimal((r) => (r.target.clusterId = '1orders')),
    expect: ['"1orders" is not a valid DB cluster identifier: it must start with a letter'],
  },
  {
    name: 'cluster id double hyphen',
    input: minimal((r) => (r.target.clusterId = 'orders--restore')),
    expect: ['two hyphens in a row'],
  },
  {
    name: 'cluster id trailing hyphen',
    input: minimal((r) => (r.target.clusterId = 'orders-')),
    expect: ['it ends with a hyphen'],
  },
  {
    name: 'cluster id too long',
    input: minimal((r) => (r.target.clusterId = 'a'.repeat(64))),
    expect: ['64 characters long (at most 63)'],
  },
  {
    name: 'cluster id underscore',
    input: minimal((r) => (r.target.clusterId = 'orders_restore')),
    expect: ['it contains "_", which is not allowed'],
  },
  {
    name: 'source cluster id invalid',
    input: minimal((r) => (r.source.clusterId = 'Orders!')),
    expect: ['source.clusterId: "Orders!" is not a valid DB cluster identifier'],
  },
  // Snapshot
  {
    name: 'bad snapshot identifier',
    input: minimal((r) => (r.source.snapshot = 'my_snap')),
    expect: ['source.snapshot: "my_snap" is not a valid snapshot identifier'],
  },
  {
    name: 'automated id without time',
    input: minimal((r) => (r.source.snapshot = 'rds:orders-2026-03-14')),
    expect: ['"rds:<cluster>-YYYY-MM-DD-HH-MM"'],
  },
  {
    name: 'instance snapshot ARN',
    input: minimal((r) => (r.source.snapshot = 'arn:aws:rds:us-east-1:123456789012:snapshot:rds:db-2026-03-14-03-05')),
    expect: ['is a DB instance snapshot ARN'],
  },
  {
    name: 'malformed snapshot ARN',
    input: minimal((r) => (r.source.snapshot = 'arn:aws:rds:us-east-1:1234:cluster-snapshot:orders')),
    expect: ['is not a valid RDS cluster snapshot ARN'],
  },
  {
    name: 'snapshot ARN in another region',
    input: minimal((r) => (r.source.snapshot = `arn:aws:rds:eu-west-1:${SOURCE_ACCOUNT}:cluster-snapshot:orders-1`)),
    expect: ['the snapshot ARN is in region eu-west-1 but source.region is us-east-1'],
  },
  {
    name: 'snapshot ARN in another account',
    input: minimal((r) => {
      r.source.accountId = TARGET_ACCOUNT;
      r.target.accountId = TARGET_ACCOUNT;
      r.source.snapshot = `arn:aws:rds:us-east-1:${SOURCE_ACCOUNT}:cluster-snapshot:orders-1`;
    }),
    expect: [`the snapshot ARN is in account ${SOURCE_ACCOUNT} but source.accountId is ${TARGET_ACCOUNT}`],
  },
  {
    name: 'neither snapshot nor selection',
    input: minimal((r) => delete r.source.snapshot),
    expect: ['source: says no snapshot to restore', 'source.snapshot', '"latest"', '"name-template"'],
  },
  {
    name: 'both snapshot and selection',
    input: minimal((r) => {
      r.source.clusterId = 'orders';
      r.source.selection = { strategy: 'latest' };
    }),
    expect: ['has both snapshot and selection'],
  },
  // Selection
  {
    name: 'latest without cluster',
    input: selecting({ strategy: 'latest' }),
    expect: ['source.clusterId: is required with source.selection strategy "latest"'],
  },
  {
    name: 'unknown strategy',
    input: selecting({ strategy: 'newest' }),
    expect: ['source.selection.strategy: "newest" is not a strategy'],
  },
  {
    name: 'bad snapshot type',
    input: selecting({ strategy: 'latest', snapshotType: 'weekly' }, (r) => (r.source.clusterId = 'orders')),
    expect: ['source.selection.snapshotType: "weekly" is not a snapshot type'],
  },
  {
    name: 'template field with latest',
    input: selecting({ strategy: 'latest', template: 'x-{date}' }, (r) => (r.source.clusterId = 'orders')),
    expect: ['source.selection.template: unknown field "template"'],
  },
  {
    name: 'template without date',
    input: selecting({ strategy: 'name-template', template: 'nightly' }),
    expect: ['has no date placeholder'],
  },
  {
    name: 'template with unknown placeholder',
    input: selecting({ strategy: 'name-template', template: 'nightly-{date}-{env}' }),
    expect: ['uses unknown placeholder(s) {env}'],
  },
  {
    name: 'template with stray brace',
    input: selecting({ strategy: 'name-template', template: 'nightly-{date' }),
    expect: ['that is not part of a placeholder'],
    count: 2, // the unclosed {date also leaves no date placeholder
  },
  {
    name: 'template {cluster} without cluster id',
    input: selecting({ strategy: 'name-template', template: '{cluster}-{date}' }),
    expect: ['source.clusterId: is required because source.selection.template uses {cluster}'],
  },
  {
    name: 'template building an invalid identifier',
    input: selecting({ strategy: 'name-template', template: 'nightly_{date}' }),
    expect: ['builds snapshot identifiers such as "nightly_2000-01-01"'],
  },
  {
    name: 'future date',
    input: selecting({ strategy: 'name-template', template: 'nightly-{date}', date: '2026-03-16' }),
    expect: ['source.selection.date: "2026-03-16" is not a usable date: it is in the future'],
  },
  {
    name: 'impossible date',
    input: selecting({ strategy: 'name-template', template: 'nightly-{date}', date: '2026-02-30' }),
    expect: ['does not exist in the calendar'],
  },
  {
    name: 'date word',
    input: selecting({ strategy: 'name-template', template: 'nightly-{date}', date: 'last-week' }),
    expect: ['use "yesterday", "today" or a date in YYYY-MM-DD form'],
  },
  // Never the source cluster
  {
    name: 'target is the source cluster, replaced delete-first',
    input: selecting({ strategy: 'latest' }, (r) => {
      r.source.clusterId = 'orders';
      r.target.clusterId = 'orders';
      r.replace = { existing: true, strategy: 'delete-first' };
    }),
    expect: ['target.clusterId: "orders" is the source cluster', 'delete-first replace would delete it', 'swap'],
  },
  {
    name: 'target is the cluster of an automated snapshot (case-insensitive), replaced delete-first',
    input: minimal((r) => {
      r.source.snapshot = 'rds:orders-2026-03-14-03-05';
      r.target.clusterId = 'Orders';
      r.replace = { existing: true, strategy: 'delete-first' };
    }),
    expect: ['is the source cluster'],
  },
  {
    name: 'previous with delete-first',
    input: minimal((r) => (r.replace = { existing: true, strategy: 'delete-first', previous: 'keep' })),
    expect: ['replace.previous: only applies with strategy: swap'],
  },
  {
    name: 'keepFor without previous: keep',
    input: minimal((r) => (r.replace = { existing: true, keepFor: '2d' })),
    expect: ['replace.keepFor: only applies with previous: keep'],
  },
  {
    name: 'unknown replace strategy',
    input: minimal((r) => (r.replace = { existing: true, strategy: 'blue-green' as never })),
    expect: ['replace.strategy: "blue-green" is not a replace strategy'],
  },
  // Target settings
  {
    name: 'unsupported engine',
    input: minimal((r) => (r.target.engine = 'postgres')),
    expect: ['target.engine: "postgres" is not supported'],
  },
  {
    name: 'bad engine version',
    input: minimal((r) => (r.target.engineVersion = 'latest')),
    expect: ['is not an engine version'],
  },
  {
    name: 'low port',
    input: minimal((r) => (r.target.port = 80)),
    expect: ['target.port: 80 is out of range', 'between 1150 and 65535'],
  },
  {
    name: 'string port',
    input: minimal((r) => (r.target.port = '5432')),
    expect: ['target.port: must be an integer', 'got the string "5432"'],
  },
  {
    name: 'too many instances',
    input: minimal((r) => (r.target.instanceCount = 17)),
    expect: ['target.instanceCount: 17 is out of range', 'between 1 and 16'],
  },
  {
    name: 'fractional instance count',
    input: minimal((r) => (r.target.instanceCount = 1.5)),
    expect: ['target.instanceCount: 1.5 is out of range'],
  },
  {
    name: 'bad instance class',
    input: minimal((r) => (r.target.instanceClass = 'r6g.large')),
    expect: ['target.instanceClass: "r6g.large" is not a DB instance class'],
  },
  {
    name: 'serverless capacity off-step',
    input: minimal((r) => (r.target.serverlessV2 = { minCapacity: 0.3, maxCapacity: 4 })),
    expect: ['target.serverlessV2.minCapacity: 0.3 is not a valid capacity', 'steps of 0.5'],
  },
  {
    name: 'serverless min above max',
    input: minimal((r) => (r.target.serverlessV2 = { minCapacity: 8, maxCapacity: 4 })),
    expect: ['minCapacity (8) is greater than maxCapacity (4)'],
  },
  {
    name: 'auto-pause without zero minimum',
    input: minimal(
      (r) =>
        (r.target.serverlessV2 = {
          minCapacity: 0.5,
          maxCapacity: 4,
          secondsUntilAutoPause: 600,
        })
    ),
    expect: ['secondsUntilAutoPause: only applies with minCapacity 0'],
  },
  {
    name: 'auto-pause out of range',
    input: minimal(
      (r) =>
        (r.target.serverlessV2 = {
          minCapacity: 0,
          maxCapacity: 4,
          secondsUntilAutoPause: 60,
        })
    ),
    expect: ['secondsUntilAutoPause: 60 is out of range', 'between 300 and 86400'],
  },
  {
    name: 'serverless with provisioned class',
    input: minimal((r) => {
      r.target.serverlessV2 = { minCapacity: 1, maxCapacity: 4 };
      r.target.instanceClass = 'db.r6g.large';
    }),
    expect: ['"db.r6g.large" cannot be used with serverlessV2'],
  },
  {
    name: 'db.serverless without capacity',
    input: minimal((r) => (r.target.instanceClass = 'db.serverless')),
    expect: ['target.serverlessV2: is required with instanceClass "db.serverless"'],
  },
  {
    name: 'bad security group',
    input: minimal((r) => (r.target.vpcSecurityGroupIds = ['sg-12'])),
    expect: ['target.vpcSecurityGroupIds[0]: "sg-12" is not a security group id'],
  },
  {
    name: 'too many security groups',
    input: minimal(
      (r) => (r.target.vpcSecurityGroupIds = ['a', 'b', 'c', 'd', 'e', 'f'].map((c) => `sg-${c.repeat(8)}`))
    ),
    expect: ['has 6 security groups, at most 5'],
  },
  {
    name: 'duplicate security group',
    input: minimal((r) => (r.target.vpcSecurityGroupIds = ['sg-0123abcd', 'sg-0123abcd'])),
    expect: ['target.vpcSecurityGroupIds[1]: "sg-0123abcd" is listed twice'],
  },
  {
    name: 'empty security group list',
    input: minimal((r) => (r.target.vpcSecurityGroupIds = [])),
    expect: ['target.vpcSecurityGroupIds: is empty'],
  },
  {
    name: 'bad subnet group',
    input: minimal((r) => (r.target.dbSubnetGroupName = 'a/b')),
    expect: ['target.dbSubnetGroupName: "a/b" is not a DB subnet group name'],
  },
  {
    name: 'bad parameter group',
    input: minimal((r) => (r.target.dbClusterParameterGroupName = '1pg')),
    expect: ['target.dbClusterParameterGroupName: "1pg" is not a parameter group name'],
  },
  {
    name: 'bad KMS key',
    input: minimal((r) => (r.target.kmsKeyId = 'my-key')),
    expect: ['target.kmsKeyId: "my-key" is not a KMS key reference'],
  },
  {
    name: 'KMS key in another region',
    input: minimal((r) => (r.target.kmsKeyId = TARGET_KMS_KEY_ARN)),
    expect: ['target.kmsKeyId: the key is in region eu-west-1 but target.region is us-east-1', 'KMS keys are regional'],
  },
  {
    name: 'aws: tag',
    input: minimal((r) => (r.target.tags = { 'aws:cloudformation:stack-name': 'x' })),
    expect: ['reserved by AWS'],
  },
  {
    name: 'pipeline tag',
    input: minimal((r) => (r.target.tags = { 'aurora-restore:managed-by': 'me' })),
    expect: ['reserved for the pipeline'],
  },
  {
    name: 'too many tags',
    input: minimal((r) => (r.target.tags = Object.fromEntries(Array.from({ length: 47 }, (_, i) => [`k${i}`, 'v'])))),
    expect: ['target.tags: has 47 tags, at most 46 are allowed'],
  },
  {
    name: 'numeric tag value',
    input: minimal((r) => (r.target.tags = { owner: 42 })),
    expect: ['target.tags["owner"]: tag values must be strings'],
  },
  {
    name: 'long tag key',
    input: minimal((r) => (r.target.tags = { ['k'.repeat(129)]: 'v' })),
    expect: ['tag keys must be 1-128 characters long'],
  },
  {
    name: 'long tag value',
    input: minimal((r) => (r.target.tags = { k: 'v'.repeat(257) })),
    expect: ['at most 256 characters long'],
  },
  {
    name: 'retention 0',
    input: minimal((r) => (r.target.backupRetentionPeriod = 0)),
    expect: ['target.backupRetentionPeriod: 0 is out of range', 'between 1 and 35'],
  },
  {
    name: 'string boolean',
    input: minimal((r) => (r.target.deletionProtection = 'yes')),
    expect: ['target.deletionProtection: must be true or false'],
  },
  {
    name: 'mysql log type for postgresql',
    input: minimal((r) => {
      r.target.engine = 'aurora-postgresql';
      r.target.enableCloudwatchLogsExports = ['slowquery'];
    }),
    expect: ['"slowquery" is not a log type aurora-postgresql exports'],
  },
  {
    name: 'unknown log type without engine',
    input: minimal((r) => (r.target.enableCloudwatchLogsExports = ['alert'])),
    expect: ['"alert" is not a log type Aurora exports'],
  },
  // Copy and cross-account
  {
    name: 'cross-account without copy key',
    input: minimal((r) => {
      r.source.accountId = SOURCE_ACCOUNT;
      r.target.accountId = TARGET_ACCOUNT;
    }),
    expect: ['copy.kmsKeyId: is required for a cross-account restore', 'aws/rds key cannot be shared'],
  },
  {
    name: 'cross-account with the aws/rds key',
    input: minimal((r) => {
      r.source.accountId = SOURCE_ACCOUNT;
      r.target.accountId = TARGET_ACCOUNT;
      r.copy = { kmsKeyId: 'alias/aws/rds' };
    }),
    expect: ['copy.kmsKeyId: "alias/aws/rds" is an AWS-managed key'],
  },
  {
    name: 'cross-account via snapshot ARN',
    input: minimal((r) => {
      r.target.accountId = TARGET_ACCOUNT;
      r.source.snapshot = `arn:aws:rds:us-east-1:${SOURCE_ACCOUNT}:cluster-snapshot:orders-1`;
    }),
    expect: ['copy.kmsKeyId: is required for a cross-account restore'],
  },
  {
    name: 'copy key in another region',
    input: minimal((r) => (r.copy = { kmsKeyId: TARGET_KMS_KEY_ARN })),
    expect: ['copy.kmsKeyId: the key is in region eu-west-1 but target.region is us-east-1'],
  },
  {
    name: 'copy.keep not boolean',
    input: minimal((r) => (r.copy = { keep: 1 })),
    expect: ['copy.keep: must be true or false'],
  },
  {
    name: 'replace.existing string',
    input: minimal((r) => (r.replace = { existing: 'true' })),
    expect: ['replace.existing: must be true or false'],
  },
  // Master password
  {
    name: 'literal password',
    input: minimal((r) => (r.masterPassword = { password: SECRET })),
    expect: ['masterPassword.password: passwords are not accepted in the request', 'masterPassword.secretArn'],
  },
  {
    name: 'both secret and manage',
    input: minimal(
      (r) =>
        (r.masterPassword = {
          secretArn: MASTER_SECRET_ARN.replace('eu-west-1', 'us-east-1'),
          manage: true,
        })
    ),
    expect: ['masterPassword: has both secretArn and manage'],
  },
  {
    name: 'empty masterPassword',
    input: minimal((r) => (r.masterPassword = {})),
    expect: ['masterPassword: needs secretArn'],
  },
  {
    name: 'manage false',
    input: minimal((r) => (r.masterPassword = { manage: false })),
    expect: ['masterPassword.manage: false is not an option'],
  },
  {
    name: 'bad secret ARN',
    input: minimal(
      (r) =>
        (r.masterPassword = {
          secretArn: 'arn:aws:secretsmanager:us-east-1:123:secret:x',
        })
    ),
    expect: ['masterPassword.secretArn', 'is not a Secrets Manager secret ARN'],
  },
  {
    name: 'kms key with a secret',
    input: minimal(
      (r) =>
        (r.masterPassword = {
          secretArn: MASTER_SECRET_ARN,
          kmsKeyId: 'alias/x',
        })
    ),
    expect: ['masterPassword.kmsKeyId: only applies with manage: true'],
  },
  // Timing
  {
    name: 'poll too short',
    input: minimal((r) => (r.timing = { pollInterval: '1s' })),
    expect: ['timing.pollInterval: "1s" is out of range', 'between 5s and 30m'],
  },
  {
    name: 'compound duration',
    input: minimal((r) => (r.timing = { copyTimeout: '1h30m' })),
    expect: ['timing.copyTimeout: "1h30m" is not a duration'],
  },
  {
    name: 'bare number duration',
    input: minimal((r) => (r.timing = { deadline: 3600 })),
    expect: ['timing.deadline: must be a duration string', 'a bare number has no unit'],
  },
  {
    name: 'deadline too long',
    input: minimal((r) => (r.timing = { deadline: '100d' })),
    expect: ['between 5m and 90d'],
  },
  {
    name: 'poll interval longer than a timeout',
    input: minimal((r) => (r.timing = { pollInterval: '30m', copyTimeout: '10m' })),
    expect: ['timing.pollInterval: is longer than timing.copyTimeout'],
  },
  {
    name: 'unknown timing key',
    input: minimal((r) => (r.timing = { copyTimout: '1h' })),
    expect: ['did you mean "copyTimeout"?'],
  },
  // Single mistakes in an otherwise full request
  {
    name: 'full request without its copy key',
    input: full((r) => delete r.copy.kmsKeyId),
    expect: [
      'copy.kmsKeyId: is required for a cross-account restore (source account 111111111111, target account 222222222222)',
    ],
  },
  {
    name: 'full request with auto-pause on a non-zero minimum',
    input: full((r) => (r.target.serverlessV2.minCapacity = 0.5)),
    expect: ['target.serverlessV2.secondsUntilAutoPause: only applies with minCapacity 0'],
  },
  {
    name: 'full request with a source role from the target account',
    input: full((r) => (r.source.roleArn = `arn:aws:iam::${TARGET_ACCOUNT}:role/x`)),
    expect: ['source.roleArn: the role is in account 222222222222 but source.accountId is 111111111111'],
  },
  // Notifications and operation id
  {
    name: 'bad topic ARN',
    input: minimal(
      (r) =>
        (r.notifications = {
          topicArn: 'arn:aws:sqs:us-east-1:123456789012:q',
        })
    ),
    expect: ['notifications.topicArn', 'is not an SNS topic ARN'],
  },
  {
    name: 'bad operation id',
    input: minimal((r) => (r.operationId = '-bad')),
    expect: ['operationId: "-bad" is not a valid operation id'],
  },
];

describe('validateRestoreRequest', () => {
  describe('refuses bad input with a message naming the field and the fix', () => {
    it('has a corpus of at least 40 cases', () => {
      assert.ok(CORPUS.length >= 40, `only ${CORPUS.length} cases`);
    });
    for (const c of CORPUS) {
      it(c.name, () => {
        const err = problemsOf(c.input);
        for (const text of c.expect) {
          assert.ok(err.message.includes(text), `expected ${JSON.stringify(text)} in:\n${err.message}`);
        }
        assert.equal(err.problems.length, c.count ?? 1, `problems:\n${err.problems.join('\n')}`);
      });
    }
  });

  it('reports several problems together, numbered, in one error', () => {
    const err = problemsOf(
      minimal((r) => {
        r.source.region = 'nowhere';
        r.target.port = 1;
        r.target.tags = { 'aws:x': 'y' };
        r.timing = { pollInterval: 'often' };
      })
    );
    assert.equal(err.problems.length, 4);
    assert.match(err.message, /^Invalid restore request \(4 problems\): 1\) source\.region: /);
    assert.ok(err.message.includes(' 2) target.port: '));
    assert.ok(err.message.includes(' 3) target.tags["aws:x"]: '));
    assert.ok(err.message.includes(' 4) timing.pollInterval: '));
    assert.equal(err.name, 'RequestValidationError');
    assert.ok(err instanceof Error);
    assert.equal(err.failure.type, Failures.InvalidRequest.type);
    assert.equal(err.failure.retryable, false);
  });

  it('uses the singular for one problem', () => {
    const err = problemsOf(minimal((r) => (r.target.port = 1)));
    assert.match(err.message, /^Invalid restore request \(1 problem\): 1\) target\.port/);
  });

  it('normalizes a minimal request with every default', () => {
    let generated = 0;
    const out = validateRestoreRequest(minimalRequest(), {
      now: FIXED_NOW,
      newOperationId: () => {
        generated++;
        return 'op-generated';
      },
    });
    assert.equal(generated, 1);
    assert.deepEqual(out, {
      operationId: 'op-generated',
      source: {
        region: 'us-east-1',
        snapshot: 'orders-nightly-2026-03-14',
        snapshotRef: {
          kind: 'identifier',
          identifier: 'orders-nightly-2026-03-14',
        },
      },
      target: {
        clusterId: 'orders-restore',
        region: 'us-east-1',
        instanceClass: 'db.r6g.large',
        instanceCount: 1,
        deletionProtection: false,
      },
      copy: { keep: false, force: false },
      replace: { existing: false, disableDeletionProtection: false, strategy: 'swap', previous: 'delete' },
      timing: {
        pollIntervalMs: 30_000,
        copyTimeoutMs: 12 * 3_600_000,
        deleteTimeoutMs: 2 * 3_600_000,
        restoreTimeoutMs: 12 * 3_600_000,
        instancesTimeoutMs: 4 * 3_600_000,
        deadlineMs: 48 * 3_600_000,
      },
      notifications: {},
    });
  });

  it('normalizes a full cross-account, cross-region request', () => {
    const input = fullRequest();
    const before = structuredClone(input);
    const out = validateRestoreRequest(input, {
      now: FIXED_NOW,
      newOperationId: () => assert.fail('must not generate an id when one is given'),
    });
    assert.deepEqual(input, before, 'the input must not be mutated');
    assert.equal(out.operationId, 'weekly-orders-42');
    assert.deepEqual(out.source.snapshotRef, {
      kind: 'latest',
      clusterId: 'orders',
      snapshotType: 'manual',
    });
    assert.equal(out.source.accountId, SOURCE_ACCOUNT);
    assert.equal(out.target.instanceClass, 'db.serverless', 'serverlessV2 implies db.serverless');
    assert.equal(out.target.instanceCount, 3);
    assert.equal(out.target.deletionProtection, true);
    assert.deepEqual(out.target.serverlessV2, {
      minCapacity: 0,
      maxCapacity: 16,
      secondsUntilAutoPause: 3600,
    });
    assert.deepEqual(out.target.tags, { team: 'dba', 'cost-center': '42' });
    assert.deepEqual(out.target.enableCloudwatchLogsExports, ['postgresql']);
    assert.deepEqual(out.copy, {
      kmsKeyId: TARGET_KMS_KEY_ARN,
      keep: true,
      force: false,
    });
    assert.deepEqual(out.replace, {
      existing: true,
      disableDeletionProtection: true,
      strategy: 'swap',
      previous: 'delete',
    });
    assert.deepEqual(out.masterPassword, { secretArn: MASTER_SECRET_ARN });
    assert.deepEqual(out.notifications, { topicArn: TOPIC_ARN });
    assert.deepEqual(out.timing, {
      pollIntervalMs: 60_000,
      copyTimeoutMs: 86_400_000,
      deleteTimeoutMs: 2 * 3_600_000,
      restoreTimeoutMs: 6 * 3_600_000,
      instancesTimeoutMs: 4 * 3_600_000,
      deadlineMs: 3 * 86_400_000,
    });
    // The normalized request is plain JSON: it goes into workflow history unchanged.
    assert.deepEqual(JSON.parse(JSON.stringify(out)), out);
  });

  it('accepts snapshot ARNs, automated and AWS Backup identifiers', () => {
    const arn = `arn:aws:rds:us-east-1:${SOURCE_ACCOUNT}:cluster-snapshot:rds:orders-2026-03-14-03-05`;
    const out = validateRestoreRequest(
      minimal((r) => (r.source.snapshot = arn)),
      validateOptions()
    );
    assert.deepEqual(out.source.snapshotRef, {
      kind: 'arn',
      arn,
      region: 'us-east-1',
      accountId: SOURCE_ACCOUNT,
      identifier: 'rds:orders-2026-03-14-03-05',
    });
    for (const id of ['rds:orders-2026-03-14-03-05', 'awsbackup:job-1a2b3c4d-aaaa-bbbb-cccc-0123456789ab']) {
      const r = validateRestoreRequest(
        minimal((x) => (x.source.snapshot = id)),
        validateOptions()
      );
      assert.deepEqual(r.source.snapshotRef, {
        kind: 'identifier',
        identifier: id,
      });
    }
  });

  it('accepts manage: true with a KMS key and MySQL log exports', () => {
    const out = validateRestoreRequest(
      minimal((r) => {
        r.masterPassword = {
          manage: true,
          kmsKeyId: 'mrk-0123456789abcdef0123456789abcdef',
        };
        r.target.engine = 'aurora-mysql';
        r.target.enableCloudwatchLogsExports = ['audit', 'error', 'slowquery', 'iam-db-auth-error'];
      }),
      validateOptions()
    );
    assert.deepEqual(out.masterPassword, {
      manage: true,
      kmsKeyId: 'mrk-0123456789abcdef0123456789abcdef',
    });
    assert.deepEqual(out.target.enableCloudwatchLogsExports, ['audit', 'error', 'slowquery', 'iam-db-auth-error']);
  });

  it("accepts regions of every partition, and new regions of a partition's form", () => {
    for (const region of ['eusc-de-east-1', 'us-gov-west-1', 'cn-northwest-1', 'us-isob-east-1', 'ap-southeast-9']) {
      const r = validateRestoreRequest(
        minimal((req) => (req.target.region = region)),
        validateOptions(FIXED_NOW)
      );
      assert.equal(r.target.region, region);
    }
  });

  it('allows the same cluster id in another region or account', () => {
    const otherRegion = validateRestoreRequest(
      selecting({ strategy: 'latest' }, (r) => {
        r.source.clusterId = 'orders';
        r.target.clusterId = 'orders';
        r.target.region = 'us-west-2';
      }),
      validateOptions()
    );
    assert.equal(otherRegion.target.clusterId, 'orders');
    const otherAccount = validateRestoreRequest(
      selecting({ strategy: 'latest' }, (r) => {
        r.source.clusterId = 'orders';
        r.source.accountId = SOURCE_ACCOUNT;
        r.target.clusterId = 'orders';
        r.target.accountId = TARGET_ACCOUNT;
        r.copy = { kmsKeyId: 'alias/restore' };
      }),
      validateOptions()
    );
    assert.equal(otherAccount.target.accountId, TARGET_ACCOUNT);
  });

  describe('name-template dates (UTC)', () => {
    function resolvedDate(now: string, date?: string): string {
      const out = validateRestoreRequest(
        selecting(
          { strategy: 'name-template', template: '{cluster}-{yyyymmdd}', ...(date ? { date } : {}) },
          (r) => (r.source.clusterId = 'orders')
        ),
        validateOptions(new Date(now))
      );
      const ref = out.source.snapshotRef;
      assert.equal(ref?.kind, 'name-template');
      if (ref?.kind !== 'name-template') throw new Error('unreachable');
      assert.equal(ref.clusterId, 'orders');
      assert.equal(ref.template, '{cluster}-{yyyymmdd}');
      return ref.date;
    }

    it('defaults to yesterday', () => assert.equal(resolvedDate('2026-03-15T10:00:00Z'), '2026-03-14'));
    it('crosses a year boundary', () => assert.equal(resolvedDate('2026-01-01T00:30:00Z', 'yesterday'), '2025-12-31'));
    it('crosses a month boundary', () => assert.equal(resolvedDate('2026-03-01T23:59:59Z'), '2026-02-28'));
    it('knows leap years', () => assert.equal(resolvedDate('2024-03-01T05:00:00Z'), '2024-02-29'));
    it('uses UTC, not local time, at midnight', () =>
      assert.equal(resolvedDate('2026-05-01T00:00:00.000Z'), '2026-04-30'));
    it('resolves today', () => assert.equal(resolvedDate('2026-12-31T23:59:59Z', 'today'), '2026-12-31'));
    it('accepts an explicit date up to today', () => {
      assert.equal(resolvedDate('2026-03-15T00:00:01Z', '2026-03-15'), '2026-03-15');
      assert.equal(resolvedDate('2026-03-15T00:00:01Z', '2024-02-29'), '2024-02-29');
    });
    it('refuses the 29th of February outside leap years', () => {
      const err = problemsOf(selecting({ strategy: 'name-template', template: 'n-{date}', date: '2025-02-29' }));
      assert.ok(err.message.includes('does not exist in the calendar'));
    });
  });

  describe('never echoes a password', () => {
    const placements: [string, (r: Loose) => void][] = [
      ['top-level password', (r) => (r.password = SECRET)],
      ['masterPassword.password', (r) => (r.masterPassword = { password: SECRET })],
      [
        'masterPassword.masterUserPassword with a secret ARN',
        (r) =>
          (r.masterPassword = {
            secretArn: MASTER_SECRET_ARN.replace('eu-west-1', 'us-east-1'),
            masterUserPassword: SECRET,
          }),
      ],
      ['target.masterUserPassword', (r) => (r.target.masterUserPassword = SECRET)],
      ['masterPassword as a string', (r) => (r.masterPassword = SECRET)],
      ['password pasted into secretArn', (r) => (r.masterPassword = { secretArn: SECRET })],
      ['numeric password in secretArn', (r) => (r.masterPassword = { secretArn: 987654321 })],
      [
        'password under a misspelled key',
        (r) =>
          (r.masterPassword = {
            secretArn: MASTER_SECRET_ARN.replace('eu-west-1', 'us-east-1'),
            secert: SECRET,
          }),
      ],
    ];
    for (const [name, edit] of placements) {
      it(name, () => {
        const err = problemsOf(minimal(edit));
        assert.ok(err.problems.length >= 1);
        for (const text of [err.message, ...err.problems, String(err.stack)]) {
          assert.ok(!text.includes(SECRET), `the secret leaked: ${text}`);
          assert.ok(!text.includes('987654321'), `the secret leaked: ${text}`);
        }
      });
    }
    it('says passwords are not accepted and what to use instead', () => {
      const err = problemsOf(minimal((r) => (r.password = SECRET)));
      assert.deepEqual(err.problems.length, 1);
      assert.match(err.problems[0], /^password: passwords are not accepted in the request \(the value is not shown\)/);
      assert.ok(err.problems[0].includes('masterPassword.secretArn'));
      assert.ok(err.problems[0].includes('masterPassword.manage'));
    });
  });

  describe('refuses a "__proto__" key, which a copy of the object would drop silently', () => {
    const expected = /target\.tags: the key "__proto__" is not allowed: .*rename it/;
    it('in tags read by JSON.parse', () => {
      const input = minimal((r) => (r.target.tags = JSON.parse('{"team": "dba", "__proto__": "x"}')));
      const err = problemsOf(input);
      assert.equal(err.problems.length, 1);
      assert.match(err.problems[0], expected);
    });
    it('in tags of a programmatic request (an own property defined on the object)', () => {
      const tags: Record<string, string> = { team: 'dba' };
      Object.defineProperty(tags, '__proto__', { value: 'x', enumerable: true, configurable: true, writable: true });
      assert.match(problemsOf(minimal((r) => (r.target.tags = tags))).problems[0], expected);
    });
    it('anywhere else in the request, naming where', () => {
      // One problem each: the key is not also reported as an unknown field.
      const top = JSON.parse(JSON.stringify(minimalRequest()).replace(/^\{/, '{"__proto__": {"polluted": true},'));
      assert.deepEqual(problemsOf(top).problems.length, 1);
      assert.match(problemsOf(top).problems[0], /^request: the key "__proto__" is not allowed/);
      const nested = minimal((r) => (r.source = JSON.parse(`{"__proto__": {}, ${JSON.stringify(r.source).slice(1)}`)));
      assert.deepEqual(problemsOf(nested).problems.length, 1);
      assert.match(problemsOf(nested).problems[0], /^source: the key "__proto__" is not allowed/);
      const withTypo = JSON.parse(
        JSON.stringify(minimalRequest()).replace(/^\{/, '{"__proto__": 1, "opertionId": "x",')
      );
      assert.deepEqual(
        problemsOf(withTypo).problems.map((p) => p.slice(0, p.indexOf(':'))),
        ['request', 'opertionId'],
        'another unknown field beside it is still reported'
      );
    });
    it("in a batch, inside a target's request and outside it", () => {
      const target = JSON.parse(
        `{"__proto__": {}, "name": "a", "request": ${JSON.stringify(minimal((r) => (r.target.tags = { team: 'dba' }))).replace('"team"', '"__proto__"')}}`
      );
      assert.throws(
        () => validateBatchRequest({ targets: [target] }, validateOptions(FIXED_NOW)),
        (err: BatchValidationError) => {
          assert.deepEqual(
            err.problems.filter((p) => p.includes('__proto__')).map((p) => p.slice(0, p.indexOf(':'))),
            ['targets[0]', 'targets[0].request.target.tags']
          );
          return true;
        }
      );
    });
    it('but accepts other tags whose names look like object internals', () => {
      const tags = { constructor: 'x', toString: 'y', proto: 'z' };
      assert.deepEqual(
        validateRestoreRequest(
          minimal((r) => (r.target.tags = tags)),
          validateOptions(FIXED_NOW)
        ).target.tags,
        tags
      );
    });
  });

  it('calls newOperationId only when the request has no operationId', () => {
    let calls = 0;
    const opts = { now: FIXED_NOW, newOperationId: () => `op-${++calls}` };
    assert.equal(validateRestoreRequest(minimalRequest(), opts).operationId, 'op-1');
    assert.equal(validateRestoreRequest({ ...minimalRequest(), operationId: 'mine' }, opts).operationId, 'mine');
    assert.equal(calls, 1);
  });

  it('checks the copy identifier with the generated operation id', () => {
    const out = validateRestoreRequest(
      minimal((r) => (r.target.region = 'eu-west-1')),
      validateOptions(FIXED_NOW, FIXED_OPERATION_ID)
    );
    assert.equal(out.target.region, 'eu-west-1');
  });

  it('refuses an invalid clock', () => {
    assert.throws(
      () =>
        validateRestoreRequest(minimalRequest(), {
          now: new Date('nope'),
          newOperationId: () => 'x',
        }),
      TypeError
    );
  });

  it('accepts the fixture requests as typed RestoreRequest values', () => {
    const typed: RestoreRequest[] = [minimalRequest(), fullRequest()];
    for (const r of typed) assert.doesNotThrow(() => validateRestoreRequest(r, validateOptions()));
  });
});

describe('identifier helpers', () => {
  it('rdsIdentifierProblem follows the RDS naming rule', () => {
    assert.equal(rdsIdentifierProblem('orders-restore-1'), undefined);
    assert.equal(rdsIdentifierProblem('a'), undefined);
    assert.equal(rdsIdentifierProblem('a'.repeat(63)), undefined);
    assert.match(rdsIdentifierProblem('a'.repeat(64)) ?? '', /at most 63/);
    assert.match(rdsIdentifierProblem('') ?? '', /empty/);
    assert.match(rdsIdentifierProblem('a.b') ?? '', /"\."/);
  });

  it('snapshotIdentifierProblem accepts lookups up to 255 characters', () => {
    assert.equal(snapshotIdentifierProblem(`s${'x'.repeat(254)}`), undefined);
    assert.match(snapshotIdentifierProblem(`s${'x'.repeat(255)}`) ?? '', /at most 255/);
    assert.equal(snapshotIdentifierProblem('rds:orders-2026-03-14-03-05'), undefined);
    assert.notEqual(snapshotIdentifierProblem('rds:-orders-2026-03-14-03-05'), undefined);
  });

  it('parseSnapshotArn splits a cluster snapshot ARN', () => {
    assert.deepEqual(parseSnapshotArn('arn:aws-us-gov:rds:us-gov-west-1:123456789012:cluster-snapshot:s1'), {
      partition: 'aws-us-gov',
      region: 'us-gov-west-1',
      accountId: '123456789012',
      identifier: 's1',
    });
    assert.equal(parseSnapshotArn('arn:aws:rds:us-east-1:123456789012:snapshot:s1'), undefined);
  });

  it('parseKmsKeyRef recognizes every key form', () => {
    assert.deepEqual(parseKmsKeyRef('1234abcd-12ab-34cd-56ef-1234567890ab'), {
      form: 'key-id',
    });
    assert.deepEqual(parseKmsKeyRef('mrk-1234abcd12ab34cd56ef1234567890ab'), {
      form: 'mrk-id',
    });
    assert.deepEqual(parseKmsKeyRef('alias/aws/rds'), {
      form: 'alias',
      aliasName: 'alias/aws/rds',
    });
    assert.deepEqual(parseKmsKeyRef(TARGET_KMS_KEY_ARN), {
      form: 'key-arn',
      region: 'eu-west-1',
      accountId: TARGET_ACCOUNT,
    });
    assert.deepEqual(parseKmsKeyRef(`arn:aws:kms:eu-west-1:${TARGET_ACCOUNT}:alias/restore`), {
      form: 'alias-arn',
      region: 'eu-west-1',
      accountId: TARGET_ACCOUNT,
      aliasName: 'alias/restore',
    });
    assert.equal(parseKmsKeyRef('arn:aws:kms:eu-west-1:222222222222:key/not-a-key'), undefined);
    assert.equal(parseKmsKeyRef('key'), undefined);
  });
});

describe('validateRestoreRequest: replace strategy (swap refresh)', () => {
  it('defaults to swap with previous: delete', () => {
    const out = validateRestoreRequest(
      minimal((r) => (r.replace = { existing: true })),
      validateOptions()
    );
    assert.deepEqual(out.replace, {
      existing: true,
      disableDeletionProtection: false,
      strategy: 'swap',
      previous: 'delete',
    });
  });

  it('keeps the old cluster for keepFor (default 7d) with previous: keep', () => {
    const keep = (keepFor?: string) =>
      validateRestoreRequest(
        minimal((r) => (r.replace = { existing: true, previous: 'keep', ...(keepFor ? { keepFor } : {}) })),
        validateOptions()
      ).replace.keepForMs;
    assert.equal(keep(), 7 * 86_400_000);
    assert.equal(keep('36h'), 36 * 3_600_000);
    assert.match(
      problemsOf(minimal((r) => (r.replace = { existing: true, previous: 'keep', keepFor: '1m' }))).message,
      /replace\.keepFor: "1m" is out of range/
    );
  });

  it('allows the source cluster as target with swap (a rollback: the old cluster stays until the new one is verified)', () => {
    const out = validateRestoreRequest(
      selecting({ strategy: 'latest' }, (r) => {
        r.source.clusterId = 'orders';
        r.target.clusterId = 'orders';
        r.replace = { existing: true };
      }),
      validateOptions()
    );
    assert.equal(out.target.clusterId, 'orders');
    assert.equal(out.replace.strategy, 'swap');
  });
});
