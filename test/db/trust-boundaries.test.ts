/**
 * What a request may make the database worker do is decided by the worker's own settings: which TLS modes and
 * tunnels it uses, which directories it reads script and CA files from. Also: passwords never enter statement text
 * (PostgreSQL gets a SCRAM verifier), and a sanitization retried after a crash skips exactly the committed scripts.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { MockActivityEnvironment } from '@temporalio/testing';

import { createDatabaseActivities } from '../../src/activities/database';
import type { DatabaseWorkerPolicy } from '../../src/activities/database/policy';
import { scramSha256Verifier } from '../../src/activities/database/scram';
import type { DatabaseConnectionInput, SanitizeDatabaseInput } from '../../src/activities/types';
import { expectFailure } from '../support/assertions';
import {
  asMaster,
  connectDirect,
  connectionTo,
  createDatabase,
  dbServer,
  masterPassword,
  masterUser,
  TEST_ENGINES,
  testCaFile,
} from '../support/databases';
import { useMoto } from '../support/fixtures/moto';
import { uniqueName } from '../support/moto';
import type { MotoClients } from '../support/moto';

const REGION = 'us-east-1';
const NOT_ALLOWED = 'NotAllowedByDatabaseWorker';

/** A TCP server that records every connection and, speaking just enough PostgreSQL, any cleartext password. */
class Listener {
  connections = 0;
  passwords: string[] = [];
  private server = net.createServer((socket) => {
    this.connections++;
    let first = true;
    socket.on('data', (data) => {
      if (first) {
        first = false;
        // AuthenticationCleartextPassword: what a hostile server answers to a client that sent no TLS request.
        socket.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3]));
      } else if (data[0] === 0x70) {
        this.passwords.push(data.subarray(5).toString('utf8').replace(/\0$/, ''));
        socket.destroy();
      }
    });
    socket.on('error', () => undefined);
  });
  port = 0;

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A TCP proxy to a database server that keeps every byte the client sent (readable when TLS is off). */
class RecordingProxy {
  sent: Buffer[] = [];
  private sockets = new Set<net.Socket>();
  private server: net.Server;
  port = 0;

  constructor(target: { host: string; port: number }) {
    this.server = net.createServer((client) => {
      const upstream = net.connect(target.port, target.host);
      this.sockets.add(client).add(upstream);
      client.on('data', (d) => this.sent.push(Buffer.from(d)));
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
  }

  text(): string {
    return Buffer.concat(this.sent).toString('utf8');
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('database worker trust boundaries (PostgreSQL and MariaDB servers, secrets in moto)', function () {
  this.timeout(60_000);
  let aws: MotoClients;
  /** GetSecretValue calls the activities made. */
  let secretReads = 0;
  const moto = useMoto({
    decorate: (client, _loc, service) => {
      if (service !== 'secretsmanager') return;
      (client as SecretsManagerClient).middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName === 'GetSecretValueCommand') secretReads++;
          return next(args);
        },
        { step: 'initialize', name: 'countSecretReads' }
      );
    },
  });
  const activitiesWith = (policy: DatabaseWorkerPolicy) =>
    createDatabaseActivities({ clients: moto.factory, connectTimeoutMs: 3_000, policy });
  let operation = 0;
  const run = <A, R>(
    fn: (input: A) => Promise<R>,
    input: A,
    info: Partial<ConstructorParameters<typeof MockActivityEnvironment>[0]> = {}
  ): Promise<R> =>
    new MockActivityEnvironment({
      scheduledTimestampMs: Date.now(),
      activityId: `act-${++operation}`,
      workflowExecution: { workflowId: uniqueName('wf'), runId: `run-${operation}` },
      ...info,
    }).run(fn, input);

  before(() => {
    aws = moto.clients(REGION);
  });
  beforeEach(() => {
    secretReads = 0;
  });

  async function secret(value: object): Promise<string> {
    const out = await aws.secretsManager.send(
      new CreateSecretCommand({ Name: uniqueName('trust/secret'), SecretString: JSON.stringify(value) })
    );
    assert.ok(out.ARN);
    return out.ARN;
  }
  const masterSecret = () => secret({ username: masterUser(), password: masterPassword() });
  /** The local CA in a directory of its own, as an operator would configure it. */
  function caDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'db-ca-'));
    copyFileSync(testCaFile(), join(dir, 'ca.pem'));
    return dir;
  }
  /** verify-full against the local CA, named by its absolute path inside `dir`. */
  const tlsIn = (dir: string) => ({ mode: 'verify-full' as const, caFile: join(dir, 'ca.pem') });

  describe('TLS modes and tunnels come from the worker, not the request', () => {
    let listener: Listener;
    beforeEach(async () => {
      listener = new Listener();
      await listener.start();
    });
    afterEach(() => listener.stop());

    for (const engine of TEST_ENGINES) {
      it(`${engine}: refuses tls.mode disable/insecure and unlisted tunnels before reading any secret`, async () => {
        const acts = activitiesWith({});
        const master = await masterSecret();
        const tunnel = { host: '127.0.0.1', port: listener.port };
        const base = connectionTo(engine, master);
        const cases: { conn: DatabaseConnectionInput; field: RegExp; setting: string }[] = [
          {
            conn: { ...base, tls: { mode: 'disable' }, connectVia: tunnel },
            field: /database\.tls\.mode "disable"/,
            setting: 'AURORA_RESTORE_DB_TLS_MODES',
          },
          {
            conn: { ...base, tls: { mode: 'insecure' } },
            field: /database\.tls\.mode "insecure"/,
            setting: 'AURORA_RESTORE_DB_TLS_MODES',
          },
          {
            conn: { ...base, connectVia: tunnel },
            field: new RegExp(`database\\.connectVia "127\\.0\\.0\\.1:${listener.port}"`),
            setting: 'AURORA_RESTORE_DB_TUNNELS',
          },
        ];
        for (const { conn, field, setting } of cases) {
          const verify = await expectFailure(run(acts.verifyDatabase, { connection: conn, checks: [] }), NOT_ALLOWED);
          assert.equal(verify.nonRetryable, true);
          assert.match(verify.message, field);
          assert.ok(verify.message.includes(setting), verify.message);
          const users = [{ name: 'u1', passwordSecretArn: await secret({ password: 'User-pass-1' }) }];
          await expectFailure(run(acts.setupDatabaseUsers, { connection: conn, users }), NOT_ALLOWED);
          await expectFailure(
            run(acts.sanitizeDatabase, { connection: conn, scripts: [{ name: 's', sql: 'SELECT 1;' }] }),
            NOT_ALLOWED
          );
        }
        assert.equal(secretReads, 0, 'no secret may be read for a refused request');
        assert.equal(listener.connections, 0, 'no connection may be attempted for a refused request');
        assert.deepEqual(listener.passwords, []);
      });
    }

    it('uses a tunnel and a weaker mode only when the worker allows exactly them', async () => {
      const master = await masterSecret();
      const { port } = dbServer('aurora-postgresql');
      const ca = caDir();
      const allowed = activitiesWith({
        tlsModes: ['verify-ca'],
        tunnels: [{ host: '127.0.0.1', port }],
        caDir: ca,
      });
      const conn = connectionTo('aurora-postgresql', master, {
        endpoint: { host: 'staging.cluster-abc123.us-east-1.rds.amazonaws.com', port },
        connectVia: { host: '127.0.0.1', port },
        tls: { mode: 'verify-ca', caFile: join(ca, 'ca.pem') },
      });
      const ok = await run(allowed.verifyDatabase, { connection: conn, checks: [] });
      assert.match(ok.serverVersion, /PostgreSQL/);
      // Another port on the same host is another tunnel.
      const other = await expectFailure(
        run(allowed.verifyDatabase, {
          connection: { ...conn, connectVia: { host: '127.0.0.1', port: port + 1 } },
          checks: [],
        }),
        NOT_ALLOWED
      );
      assert.match(other.message, new RegExp(`allows 127\\.0\\.0\\.1:${port}`));
      // verify-full is always allowed: the worker's list only adds weaker modes.
      const full = await expectFailure(
        run(allowed.verifyDatabase, { connection: { ...conn, tls: tlsIn(ca) }, checks: [] }),
        'DatabaseTlsFailed'
      );
      assert.match(full.message, /staging\.cluster-abc123/);
    });
  });

  describe('files come only from the directories the worker configures', () => {
    let sqlDir: string;
    let outside: string;
    beforeEach(() => {
      const root = mkdtempSync(join(tmpdir(), 'db-files-'));
      sqlDir = join(root, 'sql');
      mkdirSync(join(sqlDir, 'sub'), { recursive: true });
      writeFileSync(join(sqlDir, 'sub', 'ok.sql'), 'SELECT 1;\n');
      outside = join(root, 'outside.sql');
      writeFileSync(outside, "SELECT 'the worker''s private file';\n");
      symlinkSync(outside, join(sqlDir, 'escape.sql'));
      symlinkSync(join(sqlDir, 'sub', 'ok.sql'), join(sqlDir, 'inside-link.sql'));
    });

    it('refuses sanitize[].file without AURORA_RESTORE_DB_SQL_DIR, and /proc, ../ and symlinks out of it', async () => {
      const master = await masterSecret();
      const ca = caDir();
      const conn = connectionTo('aurora-postgresql', master, { tls: tlsIn(ca) });
      const sanitize = (policy: DatabaseWorkerPolicy, file: string) =>
        run(activitiesWith({ caDir: ca, ...policy }).sanitizeDatabase, {
          connection: conn,
          scripts: [{ name: 'script', file }],
        } satisfies SanitizeDatabaseInput);

      const unset = await expectFailure(sanitize({}, join(sqlDir, 'sub', 'ok.sql')), NOT_ALLOWED);
      assert.match(unset.message, /database\.sanitize\[0\]\.file/);
      assert.match(unset.message, /AURORA_RESTORE_DB_SQL_DIR/);
      for (const file of ['/proc/self/environ', '../outside.sql', 'sub/../../outside.sql', outside, 'escape.sql']) {
        const err = await expectFailure(sanitize({ sqlDir }, file), NOT_ALLOWED);
        assert.ok(err.message.includes(JSON.stringify(file)), err.message);
        assert.match(err.message, /AURORA_RESTORE_DB_SQL_DIR/);
        assert.ok(!err.message.includes('private file'), err.message);
        assert.ok(!/AWS_|PATH=/.test(err.message), err.message);
      }
      assert.equal(secretReads, 0, 'no secret may be read for a refused file');

      for (const file of ['sub/ok.sql', join(sqlDir, 'sub', 'ok.sql'), 'inside-link.sql']) {
        const out = await sanitize({ sqlDir }, file);
        assert.deepEqual(
          out.scripts.map((s) => [s.source, s.statements]),
          [['file', 1]]
        );
      }
    });

    it('refuses tls.caFile outside AURORA_RESTORE_DB_CA_DIR before reading any secret', async () => {
      const master = await masterSecret();
      const ca = caDir();
      symlinkSync(outside, join(ca, 'escape.pem'));
      const acts = activitiesWith({ caDir: ca });
      for (const caFile of [testCaFile(), '/proc/self/environ', '/dev/zero', '../outside.sql', 'escape.pem']) {
        const conn = connectionTo('aurora-postgresql', master, { tls: { mode: 'verify-full', caFile } });
        const err = await expectFailure(run(acts.verifyDatabase, { connection: conn, checks: [] }), NOT_ALLOWED);
        assert.match(err.message, /database\.tls\.caFile/);
        assert.match(err.message, /AURORA_RESTORE_DB_CA_DIR/);
      }
      const none = await expectFailure(
        run(activitiesWith({}).verifyDatabase, { connection: connectionTo('aurora-postgresql', master), checks: [] }),
        NOT_ALLOWED
      );
      assert.match(none.message, /AURORA_RESTORE_DB_CA_DIR/);
      // Inside the directory, only certificates: a key next to the CA is refused without showing its text.
      writeFileSync(join(ca, 'server-key.pem'), '-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n');
      const key = await expectFailure(
        run(acts.verifyDatabase, {
          connection: connectionTo('aurora-postgresql', master, {
            tls: { mode: 'verify-full', caFile: 'server-key.pem' },
          }),
          checks: [],
        }),
        'DatabaseTlsFailed'
      );
      assert.match(key.message, /not a PEM file of CA certificates/);
      assert.ok(!key.message.includes('c2VjcmV0'), key.message);
      assert.equal(secretReads, 0);
      const ok = await run(acts.verifyDatabase, {
        connection: connectionTo('aurora-postgresql', master, { tls: { mode: 'verify-full', caFile: 'ca.pem' } }),
        checks: [],
      });
      assert.match(ok.serverVersion, /PostgreSQL/);
    });
  });

  describe('PostgreSQL passwords travel as SCRAM verifiers', () => {
    const PASSWORDS = [
      'Plain-pass-1',
      `p'w"d; DROP TABLE x; -- ✓ ünï\\`,
      'ﬁne ligature', // NFKC maps ﬁ to fi
      'non\u00a0breaking space', // mapped to a space
      'soft\u00adhyphen', // mapped to nothing
      '\u0627\u0031', // fails the bidi rule: PostgreSQL then uses the raw bytes
    ];

    it('computes the verifier PostgreSQL computes from a password literal', async () => {
      const role = uniqueName('scram').replace(/-/g, '_');
      await asMaster('aurora-postgresql', (db) => db.query(`CREATE ROLE ${role}`));
      for (const password of PASSWORDS) {
        const stored = await asMaster('aurora-postgresql', async (db) => {
          const literal = `'${password.replace(/'/g, "''")}'`;
          await db.query(`ALTER ROLE ${role} PASSWORD ${literal}`);
          return String(
            (await db.query('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [role]))[0].rolpassword
          );
        });
        const m = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(stored);
        assert.ok(m, stored);
        const ours = scramSha256Verifier(password, { iterations: Number(m[1]), salt: Buffer.from(m[2], 'base64') });
        assert.equal(ours, stored, `verifier for ${JSON.stringify(password)}`);
      }
    });

    it('never puts a user password into statement text, and the user logs in with it', async () => {
      const proxy = new RecordingProxy(dbServer('aurora-postgresql'));
      await proxy.start();
      try {
        const acts = activitiesWith({ tlsModes: ['disable'], tunnels: [{ host: '127.0.0.1', port: proxy.port }] });
        const master = await masterSecret();
        const conn = connectionTo('aurora-postgresql', master, {
          tls: { mode: 'disable' },
          connectVia: { host: '127.0.0.1', port: proxy.port },
        });
        const password = `Sc'ram-✓-${uniqueName('pw')}`;
        const name = uniqueName('scramuser').replace(/-/g, '_');
        const users = [{ name, passwordSecretArn: await secret({ password }), role: 'read-only' as const }];
        for (const action of ['created', 'updated']) {
          const out = await run(acts.setupDatabaseUsers, { connection: conn, users });
          assert.equal(out.users[0].action, action);
        }
        const wire = proxy.text();
        assert.ok(wire.includes(`ROLE "${name}"`), 'the proxy saw the statements');
        for (const form of [password, password.replace(/'/g, "''")]) {
          const seen = wire.slice(wire.indexOf(name)).replace(/[^\x20-\x7e]/g, '.');
          assert.ok(!wire.includes(form), `the password appeared in statement text: ${seen}`);
        }
        assert.match(wire, /PASSWORD 'SCRAM-SHA-256\$4096:/);
        const login = await connectDirect('aurora-postgresql', name, password);
        await login.close();
      } finally {
        await proxy.stop();
      }
    });
  });

  for (const engine of TEST_ENGINES) {
    const pgsql = engine === 'aurora-postgresql';
    it(`${engine}: a sanitization retried after a crash skips exactly the scripts already committed`, async () => {
      const database = await createDatabase(engine, 'crash', [
        'CREATE TABLE runs (script text)',
        // Empty: the slow script sleeps 60 s (time to kill its connection); filled after the crash: no sleep.
        'CREATE TABLE crashed (id int)',
      ]);
      const ca = caDir();
      const acts = activitiesWith({ caDir: ca });
      const conn = connectionTo(engine, await masterSecret(), { database, tls: tlsIn(ca) });
      const sleep = pgsql
        ? 'SELECT pg_sleep(CASE WHEN EXISTS (SELECT 1 FROM crashed) THEN 0 ELSE 60 END) AS slow_script'
        : 'SELECT SLEEP(IF(EXISTS (SELECT 1 FROM crashed), 0, 60)) AS slow_script';
      const input: SanitizeDatabaseInput = {
        connection: conn,
        scripts: [
          { name: 'first', sql: "INSERT INTO runs VALUES ('first');" },
          { name: 'slow', sql: `${sleep};\nINSERT INTO runs VALUES ('slow');` },
        ],
      };
      const info = {
        activityId: 'sanitize-crash',
        workflowExecution: { workflowId: uniqueName('wf-crash'), runId: uniqueName('run-crash') },
      };
      // Attempt 1: the connection drops while the second script runs (as when the worker or the network dies);
      // the first script has committed, and its heartbeat never reached the server.
      let settled = false;
      const attempt1 = expectFailure(run(acts.sanitizeDatabase, input, { ...info, attempt: 1 }), 'DatabaseUnreachable');
      void attempt1.finally(() => (settled = true)).catch(() => undefined);
      const watcher = await connectDirect(engine, masterUser(), masterPassword(), database);
      try {
        const deadline = Date.now() + 50_000;
        for (;;) {
          const rows = await watcher.query(
            pgsql
              ? "SELECT pid AS id FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(CASE%slow_script'"
              : "SELECT ID AS id FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP(IF(%slow_script'"
          );
          if (rows.length > 0) {
            for (const r of rows) {
              await watcher.query(
                pgsql ? 'SELECT pg_terminate_backend($1)' : `KILL ${Number(r.id)}`,
                pgsql ? [r.id] : []
              );
            }
            break;
          }
          if (settled || Date.now() > deadline) break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        const first = await attempt1;
        assert.equal(first.nonRetryable, false);
        await watcher.query('INSERT INTO crashed VALUES (1)');
        const runsAfterCrash = await watcher.query('SELECT script FROM runs');
        assert.deepEqual(
          runsAfterCrash.map((r) => r.script),
          ['first'],
          'the first script committed before the crash'
        );
      } finally {
        await watcher.close();
      }

      const retry = await run(acts.sanitizeDatabase, input, { ...info, attempt: 2, heartbeatDetails: undefined });
      assert.deepEqual(
        retry.scripts.map((s) => [s.name, s.statements]),
        [
          ['first', 1],
          ['slow', 2],
        ]
      );
      const runs = await asMaster(engine, (db) => db.query('SELECT script FROM runs ORDER BY 1'), database);
      assert.deepEqual(
        runs.map((r) => r.script),
        ['first', 'slow'],
        'each script ran exactly once'
      );
    });
  }
});
