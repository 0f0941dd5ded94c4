/**
 * Aurora MySQL: users are `name`@`%` accounts; grants are given per database (`db`.*), which covers tables created
 * later too. Account statements commit implicitly in MySQL, so each is idempotent on its own: the account is created
 * or its password reset, every privilege revoked, then exactly the requested ones granted. User names and passwords
 * are bound by mysql2 (`?`), database names quoted with escapeId.
 */
import mysql from 'mysql2';

import type { DatabaseUserReport, TableEstimate } from '../../domain/database-reports';

import { BOOKKEEPING_SCHEMA, sanitizeLogAccess, toNumber, userReport } from './dialect';
import type { Dialect, ResolvedUser } from './dialect';
import type { DbSession } from './session';

const SYSTEM_DATABASES = ['mysql', 'sys', 'information_schema', 'performance_schema'];
const SANITIZE_LOG = `${mysql.escapeId(BOOKKEEPING_SCHEMA)}.sanitize_log`;
const RESERVED = new Set(['rdsadmin', 'root', 'mysql.sys', 'mysql.session', 'mysql.infoschema', 'rdsrepladmin']);
/** MySQL 8 (Aurora MySQL 3) allows 32 characters in a user name. */
const MAX_USER_NAME = 32;
const DDL_RE = /^\s*(CREATE|ALTER|DROP|TRUNCATE|RENAME|GRANT|REVOKE|LOCK|UNLOCK)\b/i;

function qualified(table: string): string {
  return table
    .split('.')
    .map((part) => mysql.escapeId(part))
    .join('.');
}

async function databasesFor(session: DbSession, user: ResolvedUser, database: string | undefined): Promise<string[]> {
  if (user.schemas || database) {
    const wanted = user.schemas ?? [database as string];
    for (const db of wanted) {
      const found = await session.query('SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [db]);
      if (found.rowCount === 0) throw new Error(`database "${db}" does not exist`);
    }
    return wanted;
  }
  const res = await session.query(
    `SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME NOT IN (?) ORDER BY 1`,
    // Our sanitize log is no application data: users get no grant on it by default.
    [[...SYSTEM_DATABASES, BOOKKEEPING_SCHEMA]]
  );
  return res.rows.map((r) => String(r.name));
}

export const mysqlDialect: Dialect = {
  name: 'mysql',

  isReserved: (user) => RESERVED.has(user.toLowerCase()),

  async setupUser(session, user, database): Promise<DatabaseUserReport> {
    if ([...user.name].length > MAX_USER_NAME) {
      throw new Error(`user name is longer than ${MAX_USER_NAME} characters, the MySQL limit`);
    }
    const databases = await databasesFor(session, user, database);
    const exists =
      toNumber(
        (await session.query("SELECT COUNT(*) AS n FROM mysql.user WHERE User = ? AND Host = '%'", [user.name])).rows[0]
          ?.n
      ) > 0;
    await session.query(`${exists ? 'ALTER' : 'CREATE'} USER ?@'%' IDENTIFIED BY ?`, [user.name, user.password]);
    // Revoke first so the grants end up exactly as requested, also when a role changes between runs.
    await session.query("REVOKE ALL PRIVILEGES, GRANT OPTION FROM ?@'%'", [user.name]);
    for (const db of databases) {
      // In database-level grants `_` and `%` are wildcards: escaped, the grant covers exactly this database.
      const exact = mysql.escapeId(db.replace(/[_%]/g, '\\$&'));
      await session.query(`GRANT ${user.privileges.join(', ')} ON ${exact}.* TO ?@'%'`, [user.name]);
    }
    return userReport(user, exists, databases);
  },

  begin: (readOnly) => (readOnly ? 'START TRANSACTION READ ONLY' : 'START TRANSACTION'),

  commitsImplicitly: (statement) => DDL_RE.test(statement),

  async ensureSanitizeLog(session) {
    await session.query(`CREATE DATABASE IF NOT EXISTS ${mysql.escapeId(BOOKKEEPING_SCHEMA)}`);
    await session.query(
      `CREATE TABLE IF NOT EXISTS ${SANITIZE_LOG} (
         operation_id varchar(255) NOT NULL,
         script_index int NOT NULL,
         workflow_id text NOT NULL,
         script_name text NOT NULL,
         sha256 char(64) NOT NULL,
         report longtext NOT NULL,
         committed_at timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
         PRIMARY KEY (operation_id, script_index)
       ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`
    );
  },

  ...sanitizeLogAccess(SANITIZE_LOG, () => '?'),

  async serverVersion(session) {
    const res = await session.query('SELECT VERSION() AS version');
    return String(res.rows[0]?.version ?? '');
  },

  async schemas(session) {
    const res = await session.query(
      'SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME NOT IN (?) ORDER BY 1',
      [SYSTEM_DATABASES]
    );
    return res.rows.map((r) => String(r.name));
  },

  async tables(session, limit): Promise<TableEstimate[]> {
    const res = await session.query(
      `SELECT TABLE_SCHEMA AS \`schema\`, TABLE_NAME AS name, TABLE_ROWS AS estimate
         FROM information_schema.TABLES
        WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA NOT IN (?)
        ORDER BY 1, 2 LIMIT ?`,
      [SYSTEM_DATABASES, limit]
    );
    return res.rows.map((r) => ({
      schema: String(r.schema),
      name: String(r.name),
      rowEstimate: r.estimate === null ? null : toNumber(r.estimate),
    }));
  },

  async countRows(session, table) {
    const res = await session.query(`SELECT COUNT(*) AS n FROM ${qualified(table)}`);
    return toNumber(res.rows[0]?.n);
  },
};
