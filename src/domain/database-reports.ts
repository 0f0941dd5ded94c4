/**
 * What the database steps did (users, sanitization) and found (verification), as the database activities report it
 * and the `progress` query, the result and the notifications show it. No secret values.
 */

export interface DatabaseUserReport {
  name: string;
  action: 'created' | 'updated';
  role: string;
  privileges: string[];
  /** Schemas (PostgreSQL) or databases (MySQL) granted on. */
  scope: string[];
}

export interface SanitizeScriptReport {
  name: string;
  source: 'sql' | 'file' | 's3';
  statements: number;
  /** Rows inserted, updated or deleted by the whole script. */
  rowsAffected: number;
  /** Per statement: its start (one line) and the rows it touched. */
  perStatement: { statement: string; rows: number }[];
  /** False on MySQL when the script has DDL, which commits implicitly. */
  transactional: boolean;
  durationMs: number;
}

export interface TableEstimate {
  schema: string;
  name: string;
  /** From the catalogue (pg_class.reltuples, information_schema.TABLES); null when never analyzed. */
  rowEstimate: number | null;
}

export interface VerificationCheckResult {
  name: string;
  passed: boolean;
  detail: string;
}

export interface VerificationReport {
  serverVersion: string;
  schemas: string[];
  tables: TableEstimate[];
  /** More tables exist than were listed. */
  tablesTruncated: boolean;
  checks: VerificationCheckResult[];
}

/** Everything the database steps reported in one restore. */
export interface DatabaseOutcome {
  users?: DatabaseUserReport[];
  sanitization?: SanitizeScriptReport[];
  verification?: VerificationReport;
}

/** The database outcome without per-statement and per-table detail, small enough for a notification. */
export interface DatabaseSummary {
  users?: Pick<DatabaseUserReport, 'name' | 'action' | 'role'>[];
  sanitization?: Pick<SanitizeScriptReport, 'name' | 'statements' | 'rowsAffected'>[];
  verification?: Pick<VerificationReport, 'serverVersion' | 'checks'> & { tables: number };
}
