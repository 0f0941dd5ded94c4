/**
 * Aurora PostgreSQL: users are login roles; grants cover existing tables and sequences of each schema, and default
 * privileges cover the ones the master user creates later. All of a user's changes run in one transaction, and
 * identifiers and literals are quoted by pg's own escapeIdentifier/escapeLiteral. CREATE/ALTER ROLE ... PASSWORD
 * takes no bind parameters, so it gets a SCRAM-SHA-256 verifier computed here: the password never enters statement
 * text (server logs, audit extensions, error messages).
 */
import pg from 'pg';

import type { DatabaseUserReport, TableEstimate } from '../../domain/database-reports';

import { BOOKKEEPING_SCHEMA, sanitizeLogAccess, toNumber, userReport } from './dialect';
import type { Dialect, ResolvedUser } from './dialect';
import { scramSha256Verifier } from './scram';
import type { DbSession } from './session';

const id = (name: string) => pg.escapeIdentifier(name);
const RESERVED = new Set(['rdsadmin', 'rds_superuser', 'rds_replication', 'rds_iam', 'rds_password', 'rdsrepladmin']);
const SYSTEM_SCHEMAS = "('pg_catalog', 'information_schema')";
const SANITIZE_LOG = `${id(BOOKKEEPING_SCHEMA)}.sanitize_log`;

function qualified(table: string): string {
  return table.split('.').map(id).join('.');
}

export const postgresDialect: Dialect = {
  name: 'postgresql',

  isReserved: (user) => RESERVED.has(user.toLowerCase()) || user.toLowerCase().startsWith('pg_'),

  async setupUser(session: DbSession, user: ResolvedUser, database): Promise<DatabaseUserReport> {
    const schemas = user.schemas ?? ['public'];
    const db = database ?? 'postgres';
    const privileges = user.privileges.join(', ');
    await session.query('BEGIN');
    try {
      const exists = (await session.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [user.name])).rowCount > 0;
      const password = pg.escapeLiteral(scramSha256Verifier(user.password));
      await session.query(`${exists ? 'ALTER' : 'CREATE'} ROLE ${id(user.name)} WITH LOGIN PASSWORD ${password}`);
      await session.query(`GRANT CONNECT ON DATABASE ${id(db)} TO ${id(user.name)}`);
      for (const schema of schemas) {
        const found = await session.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
        if (found.rowCount === 0) throw new Error(`schema "${schema}" does not exist in database "${db}"`);
        const s = id(schema);
        const u = id(user.name);
        // Revoke first so the grants end up exactly as requested, also when a role changes between runs.
        await session.query(`REVOKE ALL ON ALL TABLES IN SCHEMA ${s} FROM ${u}`);
        await session.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${s} FROM ${u}`);
        await session.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} REVOKE ALL ON TABLES FROM ${u}`);
        await session.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} REVOKE ALL ON SEQUENCES FROM ${u}`);
        await session.query(`GRANT USAGE ON SCHEMA ${s} TO ${u}`);
        await session.query(`GRANT ${privileges} ON ALL TABLES IN SCHEMA ${s} TO ${u}`);
        await session.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${s} TO ${u}`);
        await session.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT ${privileges} ON TABLES TO ${u}`);
        await session.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT USAGE, SELECT ON SEQUENCES TO ${u}`);
      }
      await session.query('COMMIT');
      return userReport(user, exists, schemas);
    } catch (err) {
      await session.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  },

  begin: (readOnly) => (readOnly ? 'BEGIN READ ONLY' : 'BEGIN'),

  // PostgreSQL DDL is transactional.
  commitsImplicitly: () => false,

  async ensureSanitizeLog(session) {
    await session.query(`CREATE SCHEMA IF NOT EXISTS ${id(BOOKKEEPING_SCHEMA)}`);
    await session.query(
      `CREATE TABLE IF NOT EXISTS ${SANITIZE_LOG} (
         operation_id text NOT NULL,
         script_index integer NOT NULL,
         workflow_id text NOT NULL,
         script_name text NOT NULL,
         sha256 text NOT NULL,
         report jsonb NOT NULL,
         committed_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (operation_id, script_index))`
    );
  },

  ...sanitizeLogAccess(SANITIZE_LOG, (n) => `$${n}`),

  async serverVersion(session) {
    const res = await session.query('SELECT version() AS version');
    return String(res.rows[0]?.version ?? '');
  },

  async schemas(session) {
    const res = await session.query(
      `SELECT nspname AS name FROM pg_namespace
        WHERE nspname NOT IN ${SYSTEM_SCHEMAS} AND nspname NOT LIKE 'pg_toast%' AND nspname NOT LIKE 'pg_temp%'
        ORDER BY 1`
    );
    return res.rows.map((r) => String(r.name));
  },

  async tables(session, limit): Promise<TableEstimate[]> {
    const res = await session.query(
      `SELECT n.nspname AS schema, c.relname AS name, c.reltuples::bigint AS estimate
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ${SYSTEM_SCHEMAS} AND n.nspname NOT LIKE 'pg_toast%'
        ORDER BY 1, 2 LIMIT $1`,
      [limit]
    );
    // reltuples is -1 for a table never vacuumed or analyzed: no estimate yet.
    return res.rows.map((r) => {
      const estimate = toNumber(r.estimate);
      return { schema: String(r.schema), name: String(r.name), rowEstimate: estimate < 0 ? null : estimate };
    });
  },

  async countRows(session, table) {
    const res = await session.query(`SELECT count(*) AS n FROM ${qualified(table)}`);
    return toNumber(res.rows[0]?.n);
  },
};
