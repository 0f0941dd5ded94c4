import assert from 'node:assert/strict';

import type { RestoreRequest } from '../../src/domain/request';
import { RequestValidationError, validateRestoreRequest } from '../../src/domain/validate';

import { MASTER_SECRET_ARN, minimalRequest, validateOptions } from './fixtures';

type Loose = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const USER_SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:staging/app-AbCdEf';

function withDatabase(database: unknown, masterPassword = true): Loose {
  const r = structuredClone(minimalRequest()) as Loose;
  if (masterPassword) r.masterPassword = { secretArn: MASTER_SECRET_ARN };
  r.database = database;
  return r;
}

function problems(input: unknown): string[] {
  try {
    validateRestoreRequest(input, validateOptions());
  } catch (err) {
    assert.ok(err instanceof RequestValidationError, String(err));
    return err.problems;
  }
  assert.fail('expected the request to be refused');
}

const BAD: { name: string; database: unknown; masterPassword?: boolean; expect: string }[] = [
  { name: 'nothing to do', database: {}, expect: 'database: has nothing to do' },
  {
    name: 'no master credentials at all',
    database: { verify: true },
    masterPassword: false,
    expect: 'database.masterSecretArn: is required unless masterPassword is set',
  },
  {
    name: 'a password instead of a secret ARN (not echoed)',
    database: { users: [{ name: 'app', passwordSecretArn: 'hunter2-Secret' }] },
    expect: 'database.users[0].passwordSecretArn: the value (not shown) is not a Secrets Manager secret ARN',
  },
  {
    name: 'a password field',
    database: { users: [{ name: 'app', password: 'hunter2', passwordSecretArn: USER_SECRET }] },
    expect: 'database.users[0].password: passwords are not accepted',
  },
  {
    name: 'an unknown role',
    database: { users: [{ name: 'app', passwordSecretArn: USER_SECRET, role: 'admin' }] },
    expect: '"admin" is not a role',
  },
  {
    name: 'a privilege that is not a table privilege (it would become SQL)',
    database: { users: [{ name: 'app', passwordSecretArn: USER_SECRET, privileges: ['SELECT; DROP TABLE x'] }] },
    expect: 'is not a table privilege',
  },
  {
    name: 'role and privileges together',
    database: { users: [{ name: 'app', passwordSecretArn: USER_SECRET, role: 'read-only', privileges: ['SELECT'] }] },
    expect: 'has both role and privileges',
  },
  {
    name: 'the same user twice',
    database: {
      users: [
        { name: 'app', passwordSecretArn: USER_SECRET },
        { name: 'app', passwordSecretArn: USER_SECRET },
      ],
    },
    expect: 'lists "app" more than once',
  },
  {
    name: 'a name longer than 63 bytes',
    database: { users: [{ name: 'é'.repeat(40), passwordSecretArn: USER_SECRET }] },
    expect: 'is not a usable name',
  },
  {
    name: 'a script with two sources',
    database: { sanitize: [{ sql: 'DELETE FROM t', file: '/x.sql' }] },
    expect: 'needs exactly one of sql (inline), file',
  },
  {
    name: 'a bad S3 URI',
    database: { sanitize: [{ s3: 'https://bucket/key.sql' }] },
    expect: 'is not an S3 object URI',
  },
  {
    name: 'an unknown TLS mode',
    database: { verify: true, tls: { mode: 'prefer' } },
    expect: '"prefer" is not a TLS mode',
  },
  {
    name: 'a CA file with a mode that does not verify',
    database: { verify: true, tls: { mode: 'insecure', caFile: '/ca.pem' } },
    expect: 'does nothing with mode "insecure"',
  },
  {
    name: 'a tunnel without a port',
    database: { verify: true, connectVia: { host: 'localhost' } },
    expect: 'database.connectVia.port: is required',
  },
  {
    name: 'a check without minRows',
    database: { verify: { checks: [{ table: 'public.customers' }] } },
    expect: 'database.verify.checks[0].minRows: is required',
  },
  {
    name: 'a three-part table name',
    database: { verify: { checks: [{ table: 'a.b.c', minRows: 1 }] } },
    expect: 'use "table" or "schema.table"',
  },
  {
    name: 'a step timeout out of range',
    database: { verify: true, stepTimeout: '2d' },
    expect: 'database.stepTimeout: "2d" is out of range',
  },
];

describe('validateRestoreRequest: the database section', () => {
  for (const c of BAD) {
    it(`refuses ${c.name}`, () => {
      const list = problems(withDatabase(c.database, c.masterPassword ?? true));
      assert.ok(
        list.some((p) => p.includes(c.expect)),
        `expected ${JSON.stringify(c.expect)} in:\n${list.join('\n')}`
      );
      assert.ok(!list.join(' ').includes('hunter2'), 'a password was echoed');
    });
  }

  it('normalizes a full database section with defaults', () => {
    const request: RestoreRequest = {
      ...minimalRequest(),
      masterPassword: { secretArn: MASTER_SECRET_ARN },
      database: {
        name: 'app',
        connectVia: { host: 'bastion.internal', port: 15432 },
        users: [
          { name: 'app_rw', passwordSecretArn: USER_SECRET },
          { passwordSecretArn: USER_SECRET, privileges: ['select', 'insert'], schemas: ['sales'] },
        ],
        usersSecretArn: USER_SECRET,
        sanitize: [{ sql: 'UPDATE t SET x = 1' }, { file: '/opt/sql/mask.sql' }, { s3: 's3://bucket/a/b.sql' }],
        verify: { checks: [{ table: 'public.customers', minRows: 10 }, { sql: 'SELECT true' }] },
      },
    };
    const db = validateRestoreRequest(request, validateOptions()).database;
    assert.deepEqual(db, {
      name: 'app',
      connectVia: { host: 'bastion.internal', port: 15432 },
      tls: { mode: 'verify-full' },
      users: [
        { name: 'app_rw', passwordSecretArn: USER_SECRET, role: 'read-write' },
        { passwordSecretArn: USER_SECRET, privileges: ['SELECT', 'INSERT'], schemas: ['sales'] },
      ],
      usersSecretArn: USER_SECRET,
      sanitize: [
        { name: 'inline-1', sql: 'UPDATE t SET x = 1' },
        { name: 'mask.sql', file: '/opt/sql/mask.sql' },
        { name: 'b.sql', s3: 's3://bucket/a/b.sql' },
      ],
      verify: { checks: [{ table: 'public.customers', minRows: 10 }, { sql: 'SELECT true' }] },
      stepTimeoutMs: 3_600_000,
      taskQueue: 'aurora-restore-db',
    });
  });

  it('accepts verify: true alone, with the master secret given explicitly', () => {
    const db = validateRestoreRequest(
      withDatabase({ verify: true, masterSecretArn: USER_SECRET }, false),
      validateOptions()
    ).database;
    assert.deepEqual(db?.verify, { checks: [] });
    assert.equal(db?.masterSecretArn, USER_SECRET);
  });
});
