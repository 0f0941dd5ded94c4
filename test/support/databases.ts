/**
 * The local PostgreSQL and MariaDB servers started by scripts/servers.sh (TLS with a local CA, master user
 * `dbmaster`): connection details for the database activities, and direct driver access for test setup and checks.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';

import mysql from 'mysql2/promise';
import pg from 'pg';

import type { DatabaseWorkerPolicy } from '../../src/activities/database';
import type { DatabaseConnectionInput } from '../../src/activities/types';

import { uniqueName } from './moto';

export type TestEngine = 'aurora-postgresql' | 'aurora-mysql';

/** Both engines, each with its local server. */
export const TEST_ENGINES: readonly TestEngine[] = ['aurora-postgresql', 'aurora-mysql'];

function env(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: start the database servers with scripts/servers.sh start (or npm test)`);
  }
  return value;
}

export function dbServer(engine: TestEngine): { host: string; port: number } {
  return { host: '127.0.0.1', port: Number(env(engine === 'aurora-postgresql' ? 'PG_PORT' : 'MARIADB_PORT')) };
}

export function masterUser(): string {
  return env('DB_MASTER_USER');
}

export function masterPassword(): string {
  return readFileSync(env('DB_MASTER_PASSWORD_FILE'), 'utf8').trim();
}

export function testCaFile(): string {
  return env('DB_TLS_CA_FILE');
}

/**
 * What the database worker's operator allows to reach the local servers: both as tunnels, verify-ca (their
 * certificates name localhost, not a cluster endpoint) and the local CA's directory; `extra` adds settings.
 */
export function localDatabaseWorkerPolicy(extra: DatabaseWorkerPolicy = {}): DatabaseWorkerPolicy {
  return {
    tlsModes: ['verify-ca'],
    tunnels: TEST_ENGINES.map((engine) => dbServer(engine)),
    caDir: dirname(testCaFile()),
    ...extra,
  };
}

/**
 * Connection input for an activity: the test server as the "cluster endpoint" `localhost` (its certificate names
 * localhost and 127.0.0.1), verified against the local CA.
 */
export function connectionTo(
  engine: TestEngine,
  masterSecretArn: string,
  overrides: Partial<DatabaseConnectionInput> = {}
): DatabaseConnectionInput {
  return {
    engine,
    clusterId: 'test-cluster',
    region: 'us-east-1',
    endpoint: { host: 'localhost', port: dbServer(engine).port },
    tls: { mode: 'verify-full', caFile: testCaFile() },
    master: { secretArn: masterSecretArn },
    ...overrides,
  };
}

export interface DirectConnection {
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/** A plain driver connection (TLS verified against the local CA) for setup and assertions. */
export async function connectDirect(
  engine: TestEngine,
  user: string,
  password: string,
  database?: string
): Promise<DirectConnection> {
  const ssl = { ca: readFileSync(testCaFile(), 'utf8'), rejectUnauthorized: true };
  const { port } = dbServer(engine);
  if (engine === 'aurora-postgresql') {
    const client = new pg.Client({ host: 'localhost', port, user, password, database: database ?? 'postgres', ssl });
    client.on('error', () => undefined);
    await client.connect();
    return {
      query: async (sql, params) => (await client.query(sql, params)).rows as Record<string, unknown>[],
      close: () => client.end(),
    };
  }
  const conn = await mysql.createConnection({
    host: 'localhost',
    port,
    user,
    password,
    ...(database ? { database } : {}),
    ssl,
    charset: 'utf8mb4',
  });
  return {
    query: async (sql, params) => {
      const [rows] = await conn.query(sql, params);
      return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
    },
    close: () => conn.end(),
  };
}

/** Runs `fn` as the master user and closes the connection. */
export async function asMaster<T>(
  engine: TestEngine,
  fn: (db: DirectConnection) => Promise<T>,
  database?: string
): Promise<T> {
  const db = await connectDirect(engine, masterUser(), masterPassword(), database);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** A new database `<prefix>_<unique>` on the engine's local server, set up by `statements` run in it as the master. */
export async function createDatabase(engine: TestEngine, prefix: string, statements: string[]): Promise<string> {
  const name = uniqueName(prefix).replace(/-/g, '_');
  await asMaster(engine, (db) => db.query(`CREATE DATABASE ${name}`));
  await asMaster(
    engine,
    async (db) => {
      for (const sql of statements) await db.query(sql);
    },
    name
  );
  return name;
}
