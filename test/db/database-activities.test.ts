/**
 * The database activities against real servers: PostgreSQL (for Aurora PostgreSQL) and MariaDB (for Aurora MySQL),
 * both with TLS, started by scripts/servers.sh; secrets and S3 scripts in moto.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';

import { createDatabaseActivities } from '../../src/activities/database';
import type { DatabaseConnectionInput } from '../../src/activities/types';
import type { DatabaseUserReport } from '../../src/domain/database-reports';
import type { DatabaseUserSpec } from '../../src/domain/request';
import { createLogger } from '../../src/worker/telemetry';
import { expectFailure } from '../support/assertions';
import {
  asMaster,
  connectDirect,
  connectionTo,
  createDatabase,
  localDatabaseWorkerPolicy,
  masterPassword,
  masterUser,
  TEST_ENGINES,
} from '../support/databases';
import { useMoto } from '../support/fixtures/moto';
import { motoClientConfig, uniqueName } from '../support/moto';
import type { MotoClients } from '../support/moto';

const REGION = 'us-east-1';

describe('database activities (PostgreSQL and MariaDB servers, secrets in moto)', function () {
  this.timeout(60_000);
  let aws: MotoClients;
  let s3: S3Client;
  const moto = useMoto();
  const sqlDir = mkdtempSync(join(tmpdir(), 'sanitize-'));
  // The worker's operator allows the local servers (tunnels, verify-ca, their CA) and a script directory.
  const acts = createDatabaseActivities({
    clients: moto.factory,
    connectTimeoutMs: 3_000,
    policy: localDatabaseWorkerPolicy({ sqlDir }),
  });
  /** Everything the activities logged or heartbeated, and every password the test handed them. */
  const captured: string[] = [];
  const passwords = new Set<string>();
  // The worker's JSON log lines (AURORA_RESTORE_LOG_FORMAT=json), exactly as it writes them.
  const logger = createLogger('TRACE', 'json', (line) => captured.push(line));
  let activityCount = 0;
  const run = <A, R>(fn: (input: A) => Promise<R>, input: A): Promise<R> => {
    // One workflow run per call, as in production: the sanitize log keys committed scripts by run and activity.
    const env = new MockActivityEnvironment(
      {
        scheduledTimestampMs: Date.now(),
        workflowExecution: { workflowId: uniqueName('wf'), runId: `run-${process.pid}-${++activityCount}` },
      },
      { logger }
    );
    env.on('heartbeat', (d: unknown) => captured.push(`heartbeat ${JSON.stringify(d)}`));
    return env.run(fn, input);
  };

  afterEach(function () {
    passwords.add(masterPassword());
    // As written, or escaped inside a JSON string (a hostile password has quotes and backslashes).
    const leaks = [...passwords].filter((pw) =>
      captured.some((line) => line.includes(pw) || line.includes(JSON.stringify(pw).slice(1, -1)))
    );
    captured.length = 0;
    passwords.clear();
    assert.deepEqual(leaks, [], 'a password appeared in activity logs, errors or heartbeats');
  });

  before(() => {
    aws = moto.clients(REGION);
    s3 = new S3Client({ ...motoClientConfig(), region: REGION, forcePathStyle: true });
  });
  after(() => s3.destroy());

  async function secret(value: string | object): Promise<string> {
    const fields = typeof value === 'string' ? { password: value } : (value as Record<string, unknown>);
    for (const [k, v] of Object.entries(fields)) if (k.endsWith('password')) passwords.add(String(v));
    const out = await aws.secretsManager.send(
      new CreateSecretCommand({
        Name: uniqueName('db/secret'),
        SecretString: typeof value === 'string' ? value : JSON.stringify(value),
      })
    );
    assert.ok(out.ARN);
    return out.ARN;
  }

  for (const engine of TEST_ENGINES) {
    const pgsql = engine === 'aurora-postgresql';
    describe(engine, function () {
      let database: string;
      let conn: DatabaseConnectionInput;

      /** A fresh database with a `customers` table of 3 rows, so tests do not see each other's users or data. */
      function freshDatabase(): Promise<string> {
        return createDatabase(engine, 'dbt', [
          pgsql
            ? 'CREATE TABLE customers (id serial PRIMARY KEY, email text NOT NULL, name text)'
            : 'CREATE TABLE customers (id int AUTO_INCREMENT PRIMARY KEY, email varchar(200) NOT NULL, name text)',
          "INSERT INTO customers (email, name) VALUES ('ann@corp.example', 'Ann'), ('bob@corp.example', 'Bob'), " +
            "('cy@corp.example', 'Cy')",
        ]);
      }

      beforeEach(async function () {
        database = await freshDatabase();
        const master = await secret({ username: masterUser(), password: masterPassword() });
        conn = connectionTo(engine, master, { database, master: { secretArn: master } });
      });

      const user = (name: string, password: string, extra: Partial<DatabaseUserSpec> = {}) =>
        secret({ password }).then((arn): DatabaseUserSpec => ({ name, passwordSecretArn: arn, ...extra }));

      async function grantsOf(names: string[]): Promise<string[]> {
        return asMaster(
          engine,
          async (db) => {
            if (pgsql) {
              const tables = await db.query(
                `SELECT grantee, table_schema, table_name, privilege_type FROM information_schema.role_table_grants
                  WHERE grantee = ANY($1) ORDER BY 1, 2, 3, 4`,
                [names]
              );
              const defaults = await db.query(
                'SELECT defaclnamespace::regnamespace::text AS schema, defaclacl::text AS acl FROM pg_default_acl ORDER BY 1, 2'
              );
              return [...tables, ...defaults].map((r) => JSON.stringify(r));
            }
            const out: string[] = [];
            for (const n of names) {
              const rows = await db.query("SHOW GRANTS FOR ?@'%'", [n]);
              out.push(...rows.map((r) => String(Object.values(r)[0])));
            }
            return out.sort();
          },
          database
        );
      }

      it('creates users, grants them, and a second run changes nothing', async () => {
        const rw = uniqueName('app').replace(/-/g, '_');
        const ro = uniqueName('ro').replace(/-/g, '_');
        const users = [await user(rw, 'App-pass-1'), await user(ro, 'Ro-pass-1', { role: 'read-only' })];
        const first = await run(acts.setupDatabaseUsers, { connection: conn, users });
        assert.deepEqual(
          first.users.map((u: DatabaseUserReport) => [u.name, u.action, u.role]),
          [
            [rw, 'created', 'read-write'],
            [ro, 'created', 'read-only'],
          ]
        );
        assert.deepEqual(first.users[1].privileges, ['SELECT']);
        const grantsAfterFirst = await grantsOf([rw, ro]);
        assert.ok(grantsAfterFirst.length > 0, 'grants were recorded');

        const second = await run(acts.setupDatabaseUsers, { connection: conn, users });
        assert.deepEqual(
          second.users.map((u: DatabaseUserReport) => u.action),
          ['updated', 'updated']
        );
        assert.deepEqual(await grantsOf([rw, ro]), grantsAfterFirst, 'the second run must not change any grant');
      });

      it('makes the grants effective: read-only cannot write, read-write can, later tables are covered', async () => {
        const rw = uniqueName('rw').replace(/-/g, '_');
        const ro = uniqueName('ro').replace(/-/g, '_');
        await run(acts.setupDatabaseUsers, {
          connection: conn,
          users: [await user(rw, 'Rw-pass-123'), await user(ro, 'Ro-pass-123', { role: 'read-only' })],
        });

        const reader = await connectDirect(engine, ro, 'Ro-pass-123', database);
        try {
          assert.equal((await reader.query('SELECT count(*) AS n FROM customers'))[0].n, pgsql ? '3' : 3);
          await assert.rejects(
            reader.query("INSERT INTO customers (email) VALUES ('x@corp.example')"),
            /permission denied|denied/i
          );
        } finally {
          await reader.close();
        }
        const writer = await connectDirect(engine, rw, 'Rw-pass-123', database);
        try {
          await writer.query("INSERT INTO customers (email) VALUES ('new@corp.example')");
        } finally {
          await writer.close();
        }
        // A table the master creates after the setup: default privileges (PostgreSQL) or database-level grants (MySQL).
        await asMaster(
          engine,
          async (db) => {
            await db.query('CREATE TABLE orders_later (id int PRIMARY KEY)');
            await db.query('INSERT INTO orders_later VALUES (1)');
          },
          database
        );
        const later = await connectDirect(engine, ro, 'Ro-pass-123', database);
        try {
          assert.equal((await later.query('SELECT id FROM orders_later')).length, 1);
          await assert.rejects(later.query('INSERT INTO orders_later VALUES (2)'), /permission denied|denied/i);
          if (!pgsql) {
            // `_` is a wildcard in MySQL database grants: a look-alike database must stay out of reach.
            const lookalike = database.replace(/_/g, 'x');
            await asMaster(engine, (db) => db.query(`CREATE DATABASE ${lookalike}`));
            await assert.rejects(later.query(`CREATE TABLE ${lookalike}.t (id int)`), /denied/i);
            await assert.rejects(later.query(`USE ${lookalike}`), /denied/i);
          }
        } finally {
          await later.close();
        }
      });

      it('handles a hostile user name and password without injection', async () => {
        // Quotes, a semicolon, a comment and unicode, in both; MySQL user names stop at 32 characters.
        const name = `q'";DROP TABLE customers--ü${uniqueName('').slice(-4)}`;
        const password = `p'w"d; DROP TABLE customers; -- ✓ ünï\\`;
        const report = await run(acts.setupDatabaseUsers, {
          connection: conn,
          users: [await user(name, password, { role: 'read-only' })],
        });
        assert.equal(report.users[0].name, name);
        const hostile = await connectDirect(engine, name, password, database);
        try {
          assert.equal((await hostile.query('SELECT count(*) AS n FROM customers')).length, 1);
        } finally {
          await hostile.close();
        }
        const count = await asMaster(engine, (db) => db.query('SELECT count(*) AS n FROM customers'), database);
        assert.equal(Number(count[0].n), 3, 'the customers table is still there');
      });

      it("creates the original pipeline's two built-in users from one secret", async () => {
        const app = uniqueName('bapp').replace(/-/g, '_');
        const ro = uniqueName('bro').replace(/-/g, '_');
        const usersSecretArn = await secret({
          app_username: app,
          app_password: 'App-pass-42',
          readonly_username: ro,
          readonly_password: 'Ro-pass-42',
        });
        const out = await run(acts.setupDatabaseUsers, { connection: conn, users: [], usersSecretArn });
        assert.deepEqual(
          out.users.map((u: DatabaseUserReport) => [u.name, u.role]),
          [
            [app, 'read-write'],
            [ro, 'read-only'],
          ]
        );
        const login = await connectDirect(engine, ro, 'Ro-pass-42', database);
        await login.close();
      });

      it('refuses bad credentials and bad user lists with typed errors that never show a password', async () => {
        const wrong = await secret({ username: masterUser(), password: 'not-the-master-Pw9' });
        const auth = await expectFailure(
          run(acts.verifyDatabase, { connection: { ...conn, master: { secretArn: wrong } }, checks: [] }),
          'DatabaseAuthenticationFailed'
        );
        assert.equal(auth.nonRetryable, true);
        assert.ok(!auth.message.includes('not-the-master-Pw9'), auth.message);

        const ghost = uniqueName('ghost').replace(/-/g, '_');
        const missing = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:does-not-exist-AbCdEf';
        await expectFailure(
          run(acts.setupDatabaseUsers, {
            connection: conn,
            users: [await user(ghost, 'Ghost-pass-1'), { name: 'other', passwordSecretArn: missing }],
          }),
          'DatabaseSecretUnreadable'
        );
        const exists = await asMaster(engine, (db) =>
          db.query(
            pgsql
              ? 'SELECT 1 FROM pg_roles WHERE rolname = $1'
              : "SELECT 1 FROM mysql.user WHERE User = ? AND Host = '%'",
            [ghost]
          )
        );
        assert.equal(exists.length, 0, 'no user may be created when any secret is unreadable');

        const self = await expectFailure(
          run(acts.setupDatabaseUsers, {
            connection: { ...conn, master: { ...conn.master, username: masterUser() } },
            users: [await user(masterUser(), 'Master-pass-1')],
          }),
          'DatabaseUserSetupFailed'
        );
        assert.match(self.message, /master user/);
      });

      it('runs sanitization scripts from inline SQL, a file and S3, in order, and reports rows', async () => {
        const file = join(sqlDir, 'mask-names.sql');
        writeFileSync(file, "-- mask names; a semicolon in a string: ';'\nUPDATE customers SET name = 'x;y';\n");
        const bucket = uniqueName('scripts');
        await s3.send(new CreateBucketCommand({ Bucket: bucket }));
        await s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: 'sanitize/delete.sql',
            Body: 'DELETE FROM customers WHERE id = 3;',
          })
        );
        const out = await run(acts.sanitizeDatabase, {
          connection: conn,
          scripts: [
            {
              name: 'mask-emails',
              sql: "UPDATE customers SET email = concat('user', id, '@example.invalid');\nSELECT 1;",
            },
            { name: 'mask-names.sql', file },
            { name: 'delete.sql', s3: `s3://${bucket}/sanitize/delete.sql` },
          ],
        });
        assert.deepEqual(
          out.scripts.map((s) => [s.name, s.source, s.statements, s.rowsAffected - (s.name === 'mask-emails' ? 1 : 0)]),
          [
            ['mask-emails', 'sql', 2, 3],
            ['mask-names.sql', 'file', 1, 3],
            ['delete.sql', 's3', 1, 1],
          ]
        );
        assert.ok(out.scripts.every((s) => s.transactional));
        const rows = await asMaster(
          engine,
          (db) => db.query('SELECT email, name FROM customers ORDER BY id'),
          database
        );
        assert.deepEqual(rows, [
          { email: 'user1@example.invalid', name: 'x;y' },
          { email: 'user2@example.invalid', name: 'x;y' },
        ]);
      });

      it('stops at a failing statement, names it, and rolls the script back', async () => {
        const err = await expectFailure(
          run(acts.sanitizeDatabase, {
            connection: conn,
            scripts: [
              {
                name: 'broken',
                sql: "UPDATE customers SET email = 'gone@example.invalid';\nUPDATE no_such_table SET x = 1;",
              },
            ],
          }),
          'SanitizationFailed'
        );
        assert.equal(err.nonRetryable, true);
        assert.match(err.message, /"broken" failed at statement 2 of 2 \(UPDATE no_such_table SET x = 1\)/);
        const emails = await asMaster(engine, (db) => db.query('SELECT email FROM customers ORDER BY id'), database);
        assert.equal(emails[0].email, 'ann@corp.example', 'the first statement was rolled back');
      });

      it('verifies: version, schemas, tables with estimates, and checks that pass or fail', async () => {
        const report = await run(acts.verifyDatabase, {
          connection: conn,
          checks: [
            { table: 'customers', minRows: 3 },
            { name: 'enough customers for tests', table: 'customers', minRows: 100 },
            {
              name: 'no real emails left',
              sql: "SELECT count(*) = 0 FROM customers WHERE email LIKE '%@example.invalid'",
            },
            { table: 'missing_table', minRows: 0 },
          ],
        });
        assert.match(report.serverVersion, pgsql ? /PostgreSQL 1\d/ : /MariaDB/);
        assert.ok(report.schemas.includes(pgsql ? 'public' : database), JSON.stringify(report.schemas));
        assert.ok(report.tables.some((t) => t.name === 'customers' && t.schema === (pgsql ? 'public' : database)));
        assert.deepEqual(
          report.checks.map((c) => [c.name, c.passed]),
          [
            ['customers has at least 3 rows', true],
            ['enough customers for tests', false],
            ['no real emails left', true],
            ['missing_table has at least 0 rows', false],
          ]
        );
        assert.equal(report.checks[1].detail, '3 rows');
      });

      it('verifies TLS by default and fails clearly on certificate, name and network problems', async () => {
        // The bundled RDS CAs do not sign the local server's certificate.
        const { caFile: _ca, ...rdsBundle } = conn.tls;
        const tls = await expectFailure(
          run(acts.verifyDatabase, { connection: { ...conn, tls: rdsBundle }, checks: [] }),
          'DatabaseTlsFailed'
        );
        assert.equal(tls.nonRetryable, true);
        // Through a tunnel, the certificate must still name the cluster endpoint...
        const viaTunnel = {
          ...conn,
          endpoint: { host: 'staging.cluster-abc123.us-east-1.rds.amazonaws.com', port: conn.endpoint.port },
          connectVia: { host: '127.0.0.1', port: conn.endpoint.port },
        };
        const name = await expectFailure(
          run(acts.verifyDatabase, { connection: viaTunnel, checks: [] }),
          'DatabaseTlsFailed'
        );
        assert.match(name.message, /staging\.cluster-abc123/);
        // ...unless verify-ca is chosen (chain only).
        const ok = await run(acts.verifyDatabase, {
          connection: { ...viaTunnel, tls: { ...conn.tls, mode: 'verify-ca' } },
          checks: [],
        });
        assert.ok(ok.serverVersion);

        const closedPort = { ...conn, endpoint: { host: 'localhost', port: 9 } };
        const down = await expectFailure(
          run(acts.verifyDatabase, { connection: closedPort, checks: [] }),
          'DatabaseUnreachable'
        );
        assert.equal(down.nonRetryable, false);
        assert.ok(down instanceof ApplicationFailure);
      });
    });
  }
});
