/**
 * What differs between Aurora PostgreSQL and Aurora MySQL for the database steps: how a user is created and granted,
 * which statements can run in a transaction, and where the catalogue keeps schemas and row estimates.
 */
import type { DatabaseUserReport, SanitizeScriptReport, TableEstimate } from '../../domain/database-reports';

import type { DbSession } from './session';
import type { SqlDialect } from './sql-script';

/** A user with its password read from Secrets Manager and its privileges resolved. */
export interface ResolvedUser {
  name: string;
  password: string;
  /** Table privileges, e.g. SELECT, INSERT. */
  privileges: string[];
  /** `read-write`, `read-only` or `custom`, for reports. */
  label: string;
  /** Schemas (PostgreSQL) or databases (MySQL); undefined = the default. */
  schemas?: string[];
}

export interface Dialect {
  readonly name: SqlDialect;
  /** Names no request may create or change (the master user is checked separately). */
  isReserved(user: string): boolean;
  /** Creates the user or resets its password, then makes its grants exactly the requested ones. */
  setupUser(session: DbSession, user: ResolvedUser, database: string | undefined): Promise<DatabaseUserReport>;
  begin(readOnly?: boolean): string;
  /** Whether a statement ends a transaction implicitly (MySQL DDL), so the script cannot be rolled back. */
  commitsImplicitly(statement: string): boolean;
  /** Creates the sanitize log (schema or database `aurora_restore`, table `sanitize_log`) if it is missing. */
  ensureSanitizeLog(session: DbSession): Promise<void>;
  /** Scripts of this sanitization step committed by earlier attempts, by their index in the request. */
  committedScripts(session: DbSession, operationId: string): Promise<Map<number, CommittedScript>>;
  /** Records a script in the sanitize log, inside the script's open transaction. */
  recordScript(session: DbSession, entry: SanitizeLogEntry): Promise<void>;
  serverVersion(session: DbSession): Promise<string>;
  /** Non-system schemas (PostgreSQL) or databases (MySQL). */
  schemas(session: DbSession): Promise<string[]>;
  /** Tables with row estimates from the catalogue (no table scans), at most `limit`. */
  tables(session: DbSession, limit: number): Promise<TableEstimate[]>;
  /** Exact row count of `schema.table` (or `table` in the current schema/database). */
  countRows(session: DbSession, table: string): Promise<number>;
}

/** Schema (PostgreSQL) or database (MySQL) of our bookkeeping table `sanitize_log`, kept in the restored cluster. */
export const BOOKKEEPING_SCHEMA = 'aurora_restore';

export interface CommittedScript {
  sha256: string;
  report: SanitizeScriptReport;
}

export interface SanitizeLogEntry extends CommittedScript {
  /** `<workflow run id>/<activity id>`: one sanitization step, the same on every retry. */
  id: string;
  workflowId: string;
  index: number;
}

/** Parses the report column (jsonb arrives parsed from pg, text from MySQL). */
function parseLoggedReport(value: unknown): SanitizeScriptReport {
  return (typeof value === 'string' ? JSON.parse(value) : value) as SanitizeScriptReport;
}

/**
 * Reading and writing the sanitize log, the same in both dialects but for the quoted table name and the bind
 * placeholders (`?` in MySQL, `$1`, `$2`, ... in PostgreSQL).
 */
export function sanitizeLogAccess(
  table: string,
  placeholder: (position: number) => string
): Pick<Dialect, 'committedScripts' | 'recordScript'> {
  const values = (count: number) => Array.from({ length: count }, (_, i) => placeholder(i + 1)).join(', ');
  return {
    async committedScripts(session, operationId) {
      const res = await session.query(
        `SELECT script_index, sha256, report FROM ${table} WHERE operation_id = ${placeholder(1)}`,
        [operationId]
      );
      return new Map<number, CommittedScript>(
        res.rows.map((r) => [
          toNumber(r.script_index),
          { sha256: String(r.sha256), report: parseLoggedReport(r.report) },
        ])
      );
    },

    async recordScript(session, e) {
      await session.query(
        `INSERT INTO ${table} (operation_id, script_index, workflow_id, script_name, sha256, report)
         VALUES (${values(6)})`,
        [e.id, e.index, e.workflowId, e.report.name, e.sha256, JSON.stringify(e.report)]
      );
    },
  };
}

/** What `setupUser` reports: the user, whether it was created or updated, and the schemas or databases granted. */
export function userReport(user: ResolvedUser, existed: boolean, scope: string[]): DatabaseUserReport {
  return {
    name: user.name,
    action: existed ? 'updated' : 'created',
    role: user.label,
    privileges: user.privileges,
    scope,
  };
}

export const READ_WRITE_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'];
export const READ_ONLY_PRIVILEGES = ['SELECT'];

export function toNumber(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : 0;
}
