/**
 * The request's `database` section after validation (its rules are in schema/database.ts): defaults applied,
 * privileges in upper case, every sanitization script named. Pure.
 */
import { parseDuration } from './durations';
import { DEFAULT_DATABASE_TASK_QUEUE } from './request';
import type {
  DatabaseSpec,
  DatabaseUserSpec,
  NormalizedDatabaseSpec,
  SanitizeScriptSpec,
  VerificationCheckSpec,
} from './request';
import { DEFAULT_STEP_TIMEOUT } from './schema/database';

export { MAX_DATABASE_USERS, MAX_SANITIZE_SCRIPTS, MAX_VERIFICATION_CHECKS, TABLE_PRIVILEGES } from './schema/database';

function normalizeUser(u: DatabaseUserSpec): NormalizedDatabaseSpec['users'][number] {
  return {
    passwordSecretArn: u.passwordSecretArn,
    ...(u.name !== undefined ? { name: u.name } : {}),
    ...(u.privileges === undefined
      ? { role: u.role ?? 'read-write' }
      : { privileges: u.privileges.map((x) => x.trim().toUpperCase()) }),
    ...(u.schemas !== undefined ? { schemas: [...u.schemas] } : {}),
  };
}

/** The name a script goes by in reports when it has none: its file name, or `inline-<n>`. */
function scriptName(script: SanitizeScriptSpec, index: number): string {
  if (script.file) return script.file.split('/').pop() || `script-${index + 1}`;
  if (script.s3) return script.s3.split('/').pop() || `script-${index + 1}`;
  return `inline-${index + 1}`;
}

function normalizeScript(s: SanitizeScriptSpec, index: number): NormalizedDatabaseSpec['sanitize'][number] {
  const spec: SanitizeScriptSpec = {
    ...(s.sql !== undefined ? { sql: s.sql } : {}),
    ...(s.file ? { file: s.file } : {}),
  };
  if (s.s3) Object.assign(spec, { s3: s.s3 }, s.s3Region ? { s3Region: s.s3Region } : {});
  return { ...spec, name: s.name ?? scriptName(spec, index) };
}

function normalizeCheck(c: VerificationCheckSpec): VerificationCheckSpec {
  if ('sql' in c) return { sql: c.sql, ...(c.name ? { name: c.name } : {}) };
  return { table: c.table, minRows: c.minRows, ...(c.name ? { name: c.name } : {}) };
}

function normalizeVerify(verify: DatabaseSpec['verify']): NormalizedDatabaseSpec['verify'] {
  if (verify === undefined || verify === false) return undefined;
  if (verify === true) return { checks: [] };
  return { checks: (verify.checks ?? []).map(normalizeCheck) };
}

/** Normalizes a valid `database` section. */
export function normalizeDatabase(d: DatabaseSpec): NormalizedDatabaseSpec {
  const verify = normalizeVerify(d.verify);
  return {
    ...(d.masterSecretArn ? { masterSecretArn: d.masterSecretArn } : {}),
    ...(d.name !== undefined ? { name: d.name } : {}),
    ...(d.connectVia ? { connectVia: { host: d.connectVia.host, port: d.connectVia.port } } : {}),
    tls: { mode: d.tls?.mode ?? 'verify-full', ...(d.tls?.caFile ? { caFile: d.tls.caFile } : {}) },
    users: (d.users ?? []).map(normalizeUser),
    ...(d.usersSecretArn ? { usersSecretArn: d.usersSecretArn } : {}),
    sanitize: (d.sanitize ?? []).map(normalizeScript),
    ...(verify ? { verify } : {}),
    stepTimeoutMs: parseDuration(d.stepTimeout ?? DEFAULT_STEP_TIMEOUT),
    taskQueue: d.taskQueue ?? DEFAULT_DATABASE_TASK_QUEUE,
  };
}
