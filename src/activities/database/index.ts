/**
 * Database activities, run by the database worker on task queue `aurora-restore-db` (it can live inside the VPC):
 * set up users, run sanitization scripts, verify. Each first checks the request against the worker's own policy
 * (TLS modes, tunnels, file directories), then reads its secrets, so a refused request or a bad secret fails before
 * any connection or change; passwords go from Secrets Manager to the driver and nowhere else.
 */
import { createHash } from 'node:crypto';

import { GetObjectCommand } from '@aws-sdk/client-s3';
import { activityInfo, cancellationSignal, heartbeat } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';

import type {
  DatabaseUserReport,
  SanitizeScriptReport,
  VerificationCheckResult,
  VerificationReport,
} from '../../domain/database-reports';
import type { FailureName } from '../../domain/errors';
import type { AwsClientFactory } from '../aws-clients';
import { failure, isAwsError, toActivityFailure } from '../failures';
import { readSecretString } from '../secrets';
import type {
  DatabaseConnectionInput,
  SanitizeDatabaseInput,
  SetupDatabaseUsersInput,
  VerifyDatabaseInput,
} from '../types';

import { READ_ONLY_PRIVILEGES, READ_WRITE_PRIVILEGES } from './dialect';
import type { Dialect, ResolvedUser } from './dialect';
import { mysqlDialect } from './mysql';
import {
  checkConnectionAllowed,
  MAX_CA_FILE_BYTES,
  MAX_SQL_FILE_BYTES,
  readWorkerFile,
  DB_WORKER_ENV,
  WorkerFileError,
} from './policy';
import type { DatabaseWorkerPolicy, TlsMode } from './policy';
import { postgresDialect } from './postgres';
import { classifyDbError, dbMessage, openSession, toDatabaseFailure } from './session';
import type { DbSession } from './session';
import { splitSqlStatements, SqlScriptError, statementPreview } from './sql-script';

export interface DatabaseActivityDeps {
  clients: Pick<AwsClientFactory, 'secretsManager' | 's3'>;
  /** Connect timeout per attempt; default 15 s. */
  connectTimeoutMs?: number;
  /** What requests may ask of this worker (TLS modes, tunnels, file directories); default the strictest. */
  policy?: DatabaseWorkerPolicy;
}

export type { DatabaseWorkerPolicy } from './policy';

/** Listed tables in a verification report: enough to see the shape, small enough for workflow history. */
export const MAX_LISTED_TABLES = 200;
const HEARTBEAT_EVERY_MS = 10_000;

function dialectOf(engine: DatabaseConnectionInput['engine']): Dialect {
  return engine === 'aurora-mysql' ? mysqlDialect : postgresDialect;
}

function whereOf(c: DatabaseConnectionInput): string {
  const via = c.connectVia ? ` through ${c.connectVia.host}:${c.connectVia.port}` : '';
  return `cluster ${c.clusterId} in ${c.region} (${c.endpoint.host}:${c.endpoint.port}${via})`;
}

interface Credentials {
  username?: string;
  password: string;
}

/** A secret holding a password: the whole string, or JSON with `password` (and maybe `username`). */
function parseCredentials(secret: string): Credentials | undefined {
  if (secret.trimStart().startsWith('{')) {
    try {
      const parsed = JSON.parse(secret) as Record<string, unknown>;
      if (parsed && typeof parsed === 'object') {
        if (typeof parsed.password !== 'string') return undefined;
        return {
          password: parsed.password,
          ...(typeof parsed.username === 'string' ? { username: parsed.username } : {}),
        };
      }
    } catch {
      // not JSON after all: a password may start with '{'
    }
  }
  return { password: secret };
}

/** A connection the worker's policy allows, with its CA file (if any) read. */
interface AllowedConnection {
  conn: DatabaseConnectionInput;
  tls: { mode: TlsMode; ca?: string };
}

/** The bookkeeping key of one sanitization step: the workflow run and the activity, the same on every retry. */
function sanitizeOperation(): { id: string; workflowId: string } {
  const { workflowExecution: run, activityId } = activityInfo();
  return { id: `${run?.runId ?? 'standalone'}/${activityId}`, workflowId: run?.workflowId ?? '' };
}

export function createDatabaseActivities(deps: DatabaseActivityDeps) {
  const connectTimeoutMs = deps.connectTimeoutMs ?? 15_000;
  const policy = deps.policy ?? {};

  /** Refuses what this worker does not allow and reads the CA file, before any secret or connection. */
  async function allowConnection(conn: DatabaseConnectionInput): Promise<AllowedConnection> {
    checkConnectionAllowed(conn, policy);
    if (!conn.tls.caFile) return { conn, tls: { mode: conn.tls.mode } };
    try {
      const ca = await readWorkerFile({
        dir: policy.caDir,
        requested: conn.tls.caFile,
        field: 'database.tls.caFile',
        setting: DB_WORKER_ENV.caDir,
        what: 'CA files',
        instead: 'or remove caFile to use the bundled RDS certificate authorities',
        maxBytes: MAX_CA_FILE_BYTES,
      });
      // Only certificates: a key or any other file in the directory is not a CA, and its text is never echoed.
      if (!ca.includes('-----BEGIN CERTIFICATE-----') || /PRIVATE KEY-----/.test(ca)) {
        throw failure(
          'DatabaseTlsFailed',
          `database.tls.caFile ${JSON.stringify(conn.tls.caFile)} is not a PEM file of CA certificates (it must ` +
            'hold "-----BEGIN CERTIFICATE-----" blocks and no private key). Name the CA bundle in ' +
            `${DB_WORKER_ENV.caDir}, or remove caFile to use the bundled RDS certificate authorities.`
        );
      }
      return { conn, tls: { mode: conn.tls.mode, ca } };
    } catch (err) {
      if (!(err instanceof WorkerFileError)) throw err;
      throw failure(
        'DatabaseTlsFailed',
        `Cannot read database.tls.caFile ${JSON.stringify(conn.tls.caFile)} on the database worker: ${err.message}. ` +
          `Put the PEM file in ${DB_WORKER_ENV.caDir} on every database worker, or remove caFile to use the bundled ` +
          'RDS certificate authorities.'
      );
    }
  }

  async function readCredentials(
    secretArn: string,
    roleArn: string | undefined,
    purpose: string,
    field: string
  ): Promise<Credentials> {
    const value = await readSecretString(deps.clients, secretArn, {
      roleArn,
      purpose,
      field,
      failureName: 'DatabaseSecretUnreadable',
    });
    const creds = parseCredentials(value);
    if (!creds || creds.password === '' || creds.password.includes('\0')) {
      throw failure(
        'DatabaseSecretUnreadable',
        `Secret ${secretArn} (${field}) cannot be used for ${purpose}: it must hold the password as a string, or JSON ` +
          'with a non-empty string "password" (and optionally "username"), without NUL characters.',
        { secretArn }
      );
    }
    return creds;
  }

  /** Opens a session as the master user, keeps the activity heartbeating, closes it on cancellation and at the end. */
  async function withSession<T>(
    allowed: AllowedConnection,
    opts: {
      /** Failure for a database error that is not about the connection, login or TLS. */
      fallback: FailureName;
      /** More values to scrub from messages (the users' passwords). */
      secrets?: () => string[];
      /** Details each keep-alive heartbeat repeats (the progress a retry resumes from). */
      heartbeatDetails?: () => unknown;
    },
    run: (session: DbSession, dialect: Dialect) => Promise<T>
  ): Promise<T> {
    const { conn } = allowed;
    const where = whereOf(conn);
    const master = await readCredentials(
      conn.master.secretArn,
      conn.roleArn,
      `the master credentials of ${where}`,
      'database.masterSecretArn'
    );
    const user = master.username ?? conn.master.username;
    if (!user) {
      throw failure(
        'DatabaseSecretUnreadable',
        `No master user name for ${where}: secret ${conn.master.secretArn} has no "username" and the cluster reported ` +
          'none. Add "username" to the secret.',
        { secretArn: conn.master.secretArn }
      );
    }
    const session = await openSession({
      dialect: dialectOf(conn.engine).name,
      host: conn.connectVia?.host ?? conn.endpoint.host,
      port: conn.connectVia?.port ?? conn.endpoint.port,
      expectedHost: conn.endpoint.host,
      ...(conn.database ? { database: conn.database } : {}),
      user,
      password: master.password,
      tls: allowed.tls,
      connectTimeoutMs,
      where,
    });
    // Repeats the latest details: a heartbeat without them would erase the progress a retry resumes from.
    const beat = setInterval(() => heartbeat(opts.heartbeatDetails?.()), HEARTBEAT_EVERY_MS);
    const onCancel = () => void session.close();
    cancellationSignal().addEventListener('abort', onCancel);
    try {
      return await run(session, dialectOf(conn.engine));
    } catch (err) {
      throw toDatabaseFailure(err, `On ${where}`, [master.password, ...(opts.secrets?.() ?? [])], opts.fallback);
    } finally {
      clearInterval(beat);
      cancellationSignal().removeEventListener('abort', onCancel);
      await session.close();
    }
  }

  async function resolveUsers(input: SetupDatabaseUsersInput, masterUser: string | undefined): Promise<ResolvedUser[]> {
    const { connection: conn } = input;
    const where = whereOf(conn);
    const users: ResolvedUser[] = [];
    for (const [i, spec] of input.users.entries()) {
      const field = `database.users[${i}].passwordSecretArn`;
      const creds = await readCredentials(spec.passwordSecretArn, conn.roleArn, `a database user of ${where}`, field);
      const name = spec.name ?? creds.username;
      if (!name) {
        throw failure(
          'DatabaseUserFailed',
          `database.users[${i}] has no name and secret ${spec.passwordSecretArn} has no "username": give one of them.`
        );
      }
      const privileges = spec.privileges ?? (spec.role === 'read-only' ? READ_ONLY_PRIVILEGES : READ_WRITE_PRIVILEGES);
      users.push({
        name,
        password: creds.password,
        privileges,
        label: spec.privileges ? 'custom' : (spec.role ?? 'read-write'),
        ...(spec.schemas ? { schemas: spec.schemas } : {}),
      });
    }
    if (input.usersSecretArn) {
      // The original pipeline's format: one secret with the application and the read-only user.
      const value = await readSecretString(deps.clients, input.usersSecretArn, {
        roleArn: conn.roleArn,
        purpose: `the built-in users of ${where}`,
        field: 'database.usersSecretArn',
        failureName: 'DatabaseSecretUnreadable',
      });
      let parsed: Record<string, unknown> = {};
      try {
        parsed = JSON.parse(value) as Record<string, unknown>;
      } catch {
        parsed = {};
      }
      const fields = ['app_username', 'app_password', 'readonly_username', 'readonly_password'];
      const missing = fields.filter((f) => typeof parsed[f] !== 'string' || parsed[f] === '');
      if (missing.length > 0) {
        throw failure(
          'DatabaseSecretUnreadable',
          `Secret ${input.usersSecretArn} (database.usersSecretArn) must be JSON with non-empty strings ` +
            `${fields.join(', ')}; missing or empty: ${missing.join(', ')}.`,
          { secretArn: input.usersSecretArn }
        );
      }
      users.push(
        {
          name: parsed.app_username as string,
          password: parsed.app_password as string,
          privileges: READ_WRITE_PRIVILEGES,
          label: 'read-write',
        },
        {
          name: parsed.readonly_username as string,
          password: parsed.readonly_password as string,
          privileges: READ_ONLY_PRIVILEGES,
          label: 'read-only',
        }
      );
    }
    const dialect = dialectOf(conn.engine);
    const seen = new Set<string>();
    for (const user of users) {
      const problem =
        user.name.includes('\0') || user.password.includes('\0')
          ? 'it contains a NUL character'
          : masterUser !== undefined && user.name.toLowerCase() === masterUser.toLowerCase()
            ? 'it is the master user, whose password only masterPassword may change'
            : dialect.isReserved(user.name)
              ? 'it is reserved by RDS or the engine'
              : seen.has(user.name)
                ? 'it is listed twice'
                : undefined;
      if (problem) {
        throw failure('DatabaseUserFailed', `Refusing to set up database user "${user.name}" on ${where}: ${problem}.`);
      }
      seen.add(user.name);
    }
    return users;
  }

  async function loadScript(
    script: SanitizeDatabaseInput['scripts'][number],
    index: number,
    conn: DatabaseConnectionInput
  ) {
    if (script.sql !== undefined) return { text: script.sql, source: 'sql' as const };
    if (script.file) {
      try {
        const text = await readWorkerFile({
          dir: policy.sqlDir,
          requested: script.file,
          field: `database.sanitize[${index}].file`,
          setting: DB_WORKER_ENV.sqlDir,
          what: 'script files',
          instead: 'or use sql or s3',
          maxBytes: MAX_SQL_FILE_BYTES,
        });
        return { text, source: 'file' as const };
      } catch (err) {
        if (!(err instanceof WorkerFileError)) throw err;
        throw failure(
          'SanitizationFailed',
          `Cannot read sanitization script "${script.name}" from file ${JSON.stringify(script.file)} on the ` +
            `database worker: ${err.message}. Put the file in ${DB_WORKER_ENV.sqlDir} on every database worker, or ` +
            'use sql or s3.',
          { script: script.name }
        );
      }
    }
    const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(script.s3 ?? '');
    if (!m) throw failure('SanitizationFailed', `Script "${script.name}" has no sql, file or s3 source.`);
    const s3 = deps.clients.s3({ region: script.s3Region ?? conn.region, roleArn: conn.roleArn });
    try {
      const out = await s3.send(new GetObjectCommand({ Bucket: m[1], Key: m[2] }));
      return { text: (await out.Body?.transformToString('utf8')) ?? '', source: 's3' as const };
    } catch (err) {
      if (isAwsError(err, 'NoSuchKey', 'NoSuchBucket', 'NotFound', 'AccessDenied')) {
        throw failure(
          'SanitizationFailed',
          `Cannot read sanitization script "${script.name}" from ${script.s3}: ${err.name}. Check the bucket, key ` +
            "and region, and allow s3:GetObject for the database worker's role.",
          { script: script.name, awsError: err.name }
        );
      }
      throw toActivityFailure(err, `reading sanitization script ${script.s3}`);
    }
  }

  return {
    /** Creates each user or resets its password, and makes its grants exactly the requested ones. Idempotent. */
    async setupDatabaseUsers(input: SetupDatabaseUsersInput): Promise<{ users: DatabaseUserReport[] }> {
      const masterHint = input.connection.master.username;
      const allowed = await allowConnection(input.connection);
      // Secrets first: a bad one fails before anything changes.
      const users = await resolveUsers(input, masterHint);
      const passwords = () => users.map((u) => u.password);
      return withSession(allowed, { fallback: 'DatabaseUserFailed', secrets: passwords }, async (session, dialect) => {
        const reports: DatabaseUserReport[] = [];
        for (const user of users) {
          try {
            reports.push(await dialect.setupUser(session, user, input.connection.database));
          } catch (err) {
            const mapped = toDatabaseFailure(
              err,
              `Setting up database user "${user.name}"`,
              passwords(),
              'DatabaseUserFailed'
            );
            if (mapped.type === 'DatabaseUserSetupFailed') {
              throw failure(
                'DatabaseUserFailed',
                `${mapped.message}. ${
                  dialect.name === 'postgresql'
                    ? "Nothing of this user's change was kept (one transaction)"
                    : 'Account statements commit one by one on MySQL, and running the step again converges'
                }; fix the request or the database and restore again.`,
                { user: user.name }
              );
            }
            throw mapped;
          }
        }
        return { users: reports };
      });
    },

    /**
     * Runs the scripts in order, each in one transaction (on MySQL, DDL commits implicitly). A script that fails is
     * rolled back and fails the step, naming the statement. Each committed script is recorded in the database's
     * sanitize log in the same transaction, so a retry (after a crash, a lost connection or a lost heartbeat) skips
     * exactly the scripts already committed.
     */
    async sanitizeDatabase(input: SanitizeDatabaseInput): Promise<{ scripts: SanitizeScriptReport[] }> {
      const { connection: conn } = input;
      const dialect = dialectOf(conn.engine);
      const allowed = await allowConnection(conn);
      // Load and split every script before connecting: a missing file or a broken quote fails before any change.
      const loaded: {
        script: SanitizeDatabaseInput['scripts'][number];
        source: SanitizeScriptReport['source'];
        statements: string[];
        sha256: string;
      }[] = [];
      for (const [index, script] of input.scripts.entries()) {
        const { text, source } = await loadScript(script, index, conn);
        try {
          const statements = splitSqlStatements(text, dialect.name);
          if (statements.length === 0) throw new SqlScriptError('it has no SQL statement');
          loaded.push({ script, source, statements, sha256: createHash('sha256').update(text).digest('hex') });
        } catch (err) {
          if (!(err instanceof SqlScriptError)) throw err;
          throw failure('SanitizationFailed', `Sanitization script "${script.name}" cannot be run: ${err.message}.`, {
            script: script.name,
          });
        }
      }
      const operation = sanitizeOperation();
      const done: SanitizeScriptReport[] = [];

      return withSession(
        allowed,
        { fallback: 'SanitizationFailed', heartbeatDetails: () => ({ done }) },
        async (session) => {
          await dialect.ensureSanitizeLog(session);
          const committed = await dialect.committedScripts(session, operation.id);
          for (const [index, { script, source, statements, sha256 }] of loaded.entries()) {
            const earlier = committed.get(index);
            if (earlier) {
              if (earlier.sha256 !== sha256) {
                throw failure(
                  'SanitizationFailed',
                  `Sanitization script "${script.name}" (number ${index + 1}) was committed by an earlier attempt ` +
                    'of this step, and its text has changed since (a file or S3 object replaced mid-restore). It is ' +
                    'not run again; restore again to sanitize with the new text.',
                  { script: script.name }
                );
              }
              done.push(earlier.report);
              continue;
            }
            const started = Date.now();
            const perStatement: SanitizeScriptReport['perStatement'] = [];
            const transactional = !statements.some((s) => dialect.commitsImplicitly(s));
            await session.query(dialect.begin());
            for (const [i, statement] of statements.entries()) {
              try {
                const res = await session.query(statement);
                perStatement.push({ statement: statementPreview(statement), rows: res.rowCount });
              } catch (err) {
                await session.query('ROLLBACK').catch(() => undefined);
                // Connection lost: retryable, and the server rolled the open transaction back.
                if (classifyDbError(err) !== 'other') throw err;
                const kept = transactional
                  ? 'The script was rolled back; earlier scripts stay applied.'
                  : 'Statements before it that commit implicitly (DDL) stay applied.';
                throw failure(
                  'SanitizationFailed',
                  `Sanitization script "${script.name}" failed at statement ${i + 1} of ${statements.length} ` +
                    `(${statementPreview(statement, 80)}): ${dbMessage(err, [])}. ${kept} Fix the script and restore again.`,
                  { script: script.name, statement: i + 1 }
                );
              }
            }
            const report: SanitizeScriptReport = {
              name: script.name,
              source,
              statements: statements.length,
              rowsAffected: perStatement.reduce((sum, s) => sum + s.rows, 0),
              perStatement,
              transactional,
              durationMs: Date.now() - started,
            };
            // In the script's own transaction: the record commits exactly when the script does.
            await dialect.recordScript(session, { ...operation, index, sha256, report });
            await session.query('COMMIT');
            done.push(report);
            heartbeat({ done });
          }
          return { scripts: done };
        }
      );
    },

    /** Reads the server version, the tables with row estimates, and runs the requested checks (read-only). */
    async verifyDatabase(input: VerifyDatabaseInput): Promise<VerificationReport> {
      const allowed = await allowConnection(input.connection);
      return withSession(allowed, { fallback: 'VerificationFailed' }, async (session, dialect) => {
        const serverVersion = await dialect.serverVersion(session);
        const listed = await dialect.tables(session, MAX_LISTED_TABLES + 1);
        const tables = listed.slice(0, MAX_LISTED_TABLES);
        const checks: VerificationCheckResult[] = [];
        for (const [i, check] of input.checks.entries()) {
          if ('table' in check) {
            const name = check.name ?? `${check.table} has at least ${check.minRows} rows`;
            try {
              const rows = await dialect.countRows(session, check.table);
              checks.push({ name, passed: rows >= check.minRows, detail: `${rows} rows` });
            } catch (err) {
              if (err instanceof ApplicationFailure) throw err;
              checks.push({ name, passed: false, detail: dbMessage(err, []) });
            }
            continue;
          }
          const name = check.name ?? `check ${i + 1}`;
          try {
            await session.query(dialect.begin(true));
            const res = await session.query(check.sql);
            const first = res.rows[0] ? Object.values(res.rows[0])[0] : undefined;
            const passed = first === true || first === 1 || first === '1' || first === 't' || first === 'true';
            checks.push({ name, passed, detail: `returned ${res.rows[0] ? JSON.stringify(first) : 'no row'}` });
          } catch (err) {
            checks.push({ name, passed: false, detail: dbMessage(err, []) });
          } finally {
            await session.query('ROLLBACK').catch(() => undefined);
          }
        }
        return {
          serverVersion,
          schemas: await dialect.schemas(session),
          tables,
          tablesTruncated: listed.length > MAX_LISTED_TABLES,
          checks,
        };
      });
    },
  };
}

export type DatabaseActivities = ReturnType<typeof createDatabaseActivities>;
