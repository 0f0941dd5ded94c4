/**
 * The IAM policies in docs/iam match the code. The AWS commands the activities send are collected from the sources
 * (every `new XxxCommand(` imported from an `@aws-sdk/client-*` package, and sts:AssumeRole where the client factory
 * assumes a location's role), per worker role by following the imports from each role's activities. Each policy
 * must grant exactly those actions plus what AWS checks implicitly (IMPLICIT, each with its reason): a missing grant
 * fails a restore midway in production, an unneeded one widens what a stolen worker credential can do.
 *
 * The ARNs in examples/ must fall inside the resource patterns that grant the action reading them.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { parse } from 'yaml';

const ROOT = path.join(__dirname, '../..');
const SRC = path.join(ROOT, 'src');

/** IAM service prefix of each `@aws-sdk/client-<name>` package. */
const SERVICE_PREFIX: Record<string, string> = {
  rds: 'rds',
  sns: 'sns',
  'secrets-manager': 'secretsmanager',
  s3: 's3',
  ec2: 'ec2',
  kms: 'kms',
  sts: 'sts',
};

type WorkerRole = 'restore' | 'database';

/** Where each worker role's activities start (src/worker/main.ts registers these factories). */
const ENTRY: Record<WorkerRole, string> = {
  restore: 'activities/index.ts',
  database: 'activities/database/index.ts',
};

/** The client factory: both roles get their AWS clients from it (one per worker process). */
const CLIENT_FACTORY = 'activities/aws-clients.ts';

/** Actions AWS checks on the caller although no code sends them as commands, per role, each with its reason. */
const IMPLICIT: Record<WorkerRole, Record<string, string>> = {
  restore: {
    'rds:AddTagsToResource':
      'RDS authorizes the Tags given to RestoreDBClusterFromSnapshot, CreateDBInstance and CopyDBClusterSnapshot as rds:AddTagsToResource',
    'kms:CreateGrant': 'RDS creates grants on the KMS key of an encrypted snapshot copy and of a restored cluster',
    'kms:Decrypt':
      'RDS decrypts an encrypted snapshot it copies or restores; GetSecretValue decrypts a master-password secret under a customer-managed key',
    'kms:GenerateDataKey*': 'RDS generates data keys for an encrypted copy or cluster under the requested key',
    'kms:ReEncrypt*': 'RDS re-encrypts a snapshot copied under another key (copy.kmsKeyId)',
    'secretsmanager:CreateSecret':
      'RDS creates the managed master-user secret as the caller (masterPassword.manage: ModifyDBCluster ManageMasterUserPassword)',
    'secretsmanager:TagResource': 'RDS tags the managed master-user secret it creates',
    'secretsmanager:RotateSecret': 'RDS turns on the rotation of the managed master-user secret it creates',
  },
  database: {
    'kms:Decrypt': 'GetSecretValue decrypts a credential secret stored under a customer-managed KMS key',
  },
};

/**
 * Commands AWS never authorizes, so no policy grants them: "No permissions are required to perform this operation"
 * (GetCallerIdentity, https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html).
 */
const NO_PERMISSION_NEEDED: Record<string, string> = {
  'sts:GetCallerIdentity': "resolveTargetAccount asks which account the worker's own credentials act in",
};

/**
 * The source account's role (cross-account restores): the snapshot-side calls only. Each must be a command the
 * restore worker's code sends (checked below), so this list cannot drift from the code.
 */
const SOURCE_ROLE_ACTIONS: Record<string, string> = {
  'rds:DescribeDBClusterSnapshots': 'findSnapshot looks the snapshot up in the source account',
  'rds:DescribeDBClusterSnapshotAttributes': 'shareSnapshot and unshareSnapshot read whom the snapshot is shared with',
  'rds:ModifyDBClusterSnapshotAttribute': 'shareSnapshot and unshareSnapshot add and remove the target account',
  'kms:DescribeKey': "the plan checks whether a cross-account snapshot's key is the AWS-managed aws/rds key",
  'kms:ListAliases': 'the same check, by the key alias',
};

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
}

function readPolicy(name: string): Statement[] {
  const policy = JSON.parse(fs.readFileSync(path.join(ROOT, 'docs/iam', name), 'utf8')) as { Statement: Statement[] };
  return policy.Statement;
}

const list = (value: string | string[]): string[] => (Array.isArray(value) ? value : [value]);

function grantedActions(statements: Statement[]): Set<string> {
  return new Set(statements.filter((s) => s.Effect === 'Allow').flatMap((s) => list(s.Action)));
}

/** Code without comments (a command named in a comment is not sent). */
function code(file: string): string {
  return fs
    .readFileSync(path.join(SRC, file), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/** Source files a file imports for their values (`import type` and `export type` carry no code). */
function valueImports(file: string): string[] {
  const found: string[] = [];
  for (const m of code(file).matchAll(/^(?:import|export)\s+(type\s+)?[^;]*?\s+from\s+'(\.[^']*)'/gm)) {
    if (m[1]) continue;
    const base = path.join(path.dirname(file), m[2]);
    const resolved = [`${base}.ts`, path.join(base, 'index.ts')].find((f) => fs.existsSync(path.join(SRC, f)));
    assert.ok(resolved, `${file} imports ${m[2]}, which is not a source file`);
    found.push(resolved);
  }
  return found;
}

function closure(entries: string[]): Set<string> {
  const seen = new Set<string>();
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    queue.push(...valueImports(file));
  }
  return seen;
}

/** The IAM actions a file's code sends: its SDK commands, and sts:AssumeRole where it assumes roles. */
function awsActions(file: string): string[] {
  const text = code(file);
  const serviceOf = new Map<string, string>();
  for (const m of text.matchAll(/^import\s+(type\s+)?\{([^}]*)\}\s+from\s+'@aws-sdk\/client-([a-z0-9-]+)'/gm)) {
    if (m[1]) continue;
    const prefix = SERVICE_PREFIX[m[3]];
    assert.ok(prefix, `${file} imports @aws-sdk/client-${m[3]}: add its IAM prefix to SERVICE_PREFIX`);
    for (const name of m[2].split(',').map((n) => n.trim().replace(/^type\s+/, ''))) {
      if (name) serviceOf.set(name, prefix);
    }
  }
  const actions: string[] = [];
  for (const m of text.matchAll(/new\s+([A-Za-z0-9]+)Command\s*\(/g)) {
    const prefix = serviceOf.get(`${m[1]}Command`);
    assert.ok(prefix, `${file} sends ${m[1]}Command, not imported from an @aws-sdk/client-* package`);
    actions.push(`${prefix}:${m[1]}`);
  }
  // The credential providers call STS AssumeRole for a location with a role (target.roleArn, source.roleArn).
  if (/fromTemporaryCredentials\s*\(/.test(text)) {
    actions.push('sts:AssumeRole');
  }
  return actions;
}

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(path.join(SRC, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(dir, f));
}

function actionsOf(files: Iterable<string>): Map<string, string[]> {
  const byAction = new Map<string, string[]>();
  for (const file of files) {
    for (const action of awsActions(file)) byAction.set(action, [...(byAction.get(action) ?? []), file]);
  }
  return byAction;
}

/** IAM wildcard match: `*` any run of characters, `?` one. */
function iamMatches(pattern: string, value: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`).test(value);
}

function grants(statements: Statement[], action: string, resource: string): boolean {
  return statements.some(
    (s) =>
      s.Effect === 'Allow' &&
      list(s.Action).some((a) => iamMatches(a, action)) &&
      list(s.Resource).some((r) => iamMatches(r, resource))
  );
}

describe('IAM policies (docs/iam) match the AWS calls in the code', () => {
  // Both roles get their clients from the one factory, and the worker process's own calls (src/worker, which
  // imports both roles' activities, so only its own files) run under whichever role the process serves.
  const files: Record<WorkerRole, Set<string>> = {
    restore: new Set([...closure([ENTRY.restore, CLIENT_FACTORY]), ...filesUnder('worker')]),
    database: new Set([...closure([ENTRY.database, CLIENT_FACTORY]), ...filesUnder('worker')]),
  };
  const sent: Record<WorkerRole, Map<string, string[]>> = {
    restore: actionsOf(files.restore),
    database: actionsOf(files.database),
  };

  function compare(role: WorkerRole, policyFile: string): void {
    const granted = grantedActions(readPolicy(policyFile));
    const needed = new Map<string, string>([
      ...[...sent[role]]
        .filter(([action]) => !(action in NO_PERMISSION_NEEDED))
        .map(([action, from]) => [action, `sent by ${[...new Set(from)].join(', ')}`] as const),
      ...Object.entries(IMPLICIT[role]),
    ]);
    const missing = [...needed].filter(([action]) => !granted.has(action)).map(([a, why]) => `${a} (${why})`);
    const unneeded = [...granted].filter((action) => !needed.has(action));
    assert.deepEqual(
      { missing, unneeded },
      { missing: [], unneeded: [] },
      `${policyFile} must grant what the ${role} worker needs (missing) and nothing else (unneeded)`
    );
  }

  it('finds the commands the activities send (the scan itself works)', () => {
    // A few commands that certainly exist: if the scan broke, the comparisons below would prove nothing.
    for (const action of [
      'rds:RestoreDBClusterFromSnapshot',
      'rds:DeleteDBInstance',
      'sns:Publish',
      'sts:AssumeRole',
    ]) {
      assert.ok(sent.restore.has(action), `${action} not found in the restore worker's code`);
    }
    assert.deepEqual([...sent.database.keys()].sort(), [
      's3:GetObject',
      'secretsmanager:GetSecretValue',
      'sts:AssumeRole',
    ]);
    // Every file under src/activities that sends a command belongs to one of the roles.
    const orphans = filesUnder('activities').filter(
      (f) => awsActions(f).length > 0 && !files.restore.has(f) && !files.database.has(f)
    );
    assert.deepEqual(orphans, []);
    assert.match(code('worker/main.ts'), /createAwsClientFactory\(/, 'the worker builds its clients with the factory');
  });

  it('grants the restore worker exactly what its activities send and AWS needs implicitly', () => {
    compare('restore', 'worker-policy.json');
  });

  it('grants the database worker exactly what its activities send and AWS needs implicitly', () => {
    compare('database', 'database-worker-policy.json');
  });

  it("grants the source account's role exactly the snapshot-side calls", () => {
    for (const action of Object.keys(SOURCE_ROLE_ACTIONS)) {
      assert.ok(sent.restore.has(action), `${action} is listed for the source role but no activity sends it`);
    }
    assert.deepEqual(
      [...grantedActions(readPolicy('source-account-role-policy.json'))].sort(),
      Object.keys(SOURCE_ROLE_ACTIONS).sort()
    );
  });

  it('covers the ARNs the examples use with the resource patterns of the grants that read them', () => {
    const worker = readPolicy('worker-policy.json');
    const database = readPolicy('database-worker-policy.json');
    const checked: string[] = [];
    const expectGranted = (
      statements: Statement[],
      policy: string,
      action: string,
      resource: string,
      where: string
    ) => {
      checked.push(resource);
      assert.ok(grants(statements, action, resource), `${policy} does not allow ${action} on ${resource} (${where})`);
    };
    for (const file of fs.readdirSync(path.join(ROOT, 'examples'))) {
      const text = fs.readFileSync(path.join(ROOT, 'examples', file), 'utf8');
      const parsed = (file.endsWith('.json') ? JSON.parse(text) : parse(text)) as Record<string, unknown>;
      const requests = Array.isArray(parsed.targets)
        ? (parsed.targets as { request?: unknown }[]).map((t) => t.request ?? t)
        : [parsed.request ?? parsed];
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- example files are free-form JSON/YAML
      for (const request of requests as Record<string, any>[]) {
        const where = `examples/${file}`;
        for (const side of ['source', 'target'] as const) {
          const role = request[side]?.roleArn;
          if (role) expectGranted(worker, 'worker-policy.json', 'sts:AssumeRole', role, `${where} ${side}.roleArn`);
        }
        const secret = request.masterPassword?.secretArn;
        if (secret) expectGranted(worker, 'worker-policy.json', 'secretsmanager:GetSecretValue', secret, where);
        const topic = request.notifications?.topicArn;
        if (topic) expectGranted(worker, 'worker-policy.json', 'sns:Publish', topic, where);
        const db = request.database;
        if (!db) continue;
        if (request.target?.roleArn) {
          expectGranted(database, 'database-worker-policy.json', 'sts:AssumeRole', request.target.roleArn, where);
        }
        const secrets = [
          db.masterSecretArn ?? secret,
          db.usersSecretArn,
          ...((db.users ?? []) as { passwordSecretArn?: string }[]).map((u) => u.passwordSecretArn),
        ].filter(Boolean) as string[];
        for (const arn of secrets) {
          expectGranted(database, 'database-worker-policy.json', 'secretsmanager:GetSecretValue', arn, where);
        }
        for (const script of (db.sanitize ?? []) as { s3?: string }[]) {
          if (!script.s3) continue;
          const object = `arn:aws:s3:::${script.s3.replace(/^s3:\/\//, '')}`;
          expectGranted(database, 'database-worker-policy.json', 's3:GetObject', object, where);
        }
      }
    }
    // The examples do exercise every kind of ARN checked above.
    for (const kind of [':secretsmanager:', ':sns:', ':iam:', ':s3:']) {
      assert.ok(
        checked.some((arn) => arn.includes(kind)),
        `no example ARN of kind ${kind} was checked`
      );
    }
  });
});
