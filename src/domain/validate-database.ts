/**
 * Validation of the request's `database` section (users, sanitization, verification). Same rules as the rest of the
 * request: every problem collected, nothing echoed that could be a secret. Privileges are checked against a fixed
 * list because they become SQL keywords; every name is quoted by the database worker, so any characters are fine.
 *
 * Pure: imported by validate.ts.
 */
import { parseDuration } from './durations';
import { DEFAULT_DATABASE_TASK_QUEUE } from './request';
import type {
  DatabaseRole,
  DatabaseSpec,
  DatabaseUserSpec,
  NormalizedDatabaseSpec,
  SanitizeScriptSpec,
  VerificationCheckSpec,
} from './request';
import {
  isArray,
  isPlainObject,
  isString,
  join,
  readBoolean,
  readInteger,
  readObject,
  readString,
  readTyped,
  show,
  typeOf,
  type Problems,
} from './validation-kit';

const DATABASE_KEYS: readonly (keyof DatabaseSpec)[] = [
  'masterSecretArn',
  'name',
  'connectVia',
  'tls',
  'users',
  'usersSecretArn',
  'sanitize',
  'verify',
  'stepTimeout',
  'taskQueue',
];
const USER_KEYS: readonly (keyof DatabaseUserSpec)[] = ['name', 'passwordSecretArn', 'role', 'privileges', 'schemas'];
const SCRIPT_KEYS: readonly (keyof SanitizeScriptSpec)[] = ['name', 'sql', 'file', 's3', 's3Region'];
const TLS_MODES = ['verify-full', 'verify-ca', 'insecure', 'disable'] as const;
const ROLES: readonly DatabaseRole[] = ['read-write', 'read-only'];
/** Table privileges both engines know (PostgreSQL GRANT and MySQL GRANT on tables). */
export const TABLE_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'] as const;
export const MAX_DATABASE_USERS = 50;
export const MAX_SANITIZE_SCRIPTS = 100;
export const MAX_VERIFICATION_CHECKS = 100;
/** PostgreSQL truncates identifiers at 63 bytes; MySQL user names stop at 32 characters (checked by the worker). */
const MAX_NAME_BYTES = 63;
const DEFAULT_STEP_TIMEOUT = '1h';
const SECRET_ARN_RE =
  /^arn:aws[a-z-]*:secretsmanager:[a-z]{2}(?:-[a-z]+)+-\d+:\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}$/;
const S3_URI_RE = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/;
const REGION_RE = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+$/;
const HOST_RE =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$|^\[?[0-9a-fA-F:.]+\]?$/;

function checkSecretArn(p: Problems, obj: Record<string, unknown>, key: string, path: string): string | undefined {
  const value = readTyped(p, obj, key, path, isString, 'a Secrets Manager secret ARN', false);
  if (value === undefined) return undefined;
  if (!SECRET_ARN_RE.test(value)) {
    // Shown only when ARN-shaped: anything else might be a password pasted into the wrong field.
    p.add(
      join(path, key),
      `${value.startsWith('arn:') ? show(value) : 'the value (not shown)'} is not a Secrets Manager secret ARN: ` +
        'expected "arn:aws:secretsmanager:<region>:<12-digit account>:secret:<name>"'
    );
    return undefined;
  }
  return value;
}

/** A database object name: any characters (the worker quotes it), but not empty, no NUL, at most 63 bytes. */
function checkName(p: Problems, value: string | undefined, where: string): string | undefined {
  if (value === undefined) return undefined;
  if (value.length === 0 || value.includes('\0') || new TextEncoder().encode(value).length > MAX_NAME_BYTES) {
    p.add(where, `${show(value)} is not a usable name: use 1-${MAX_NAME_BYTES} bytes without NUL characters`);
    return undefined;
  }
  return value;
}

function readStringList(p: Problems, obj: Record<string, unknown>, key: string, path: string): string[] | undefined {
  const list = readTyped(p, obj, key, path, isArray, 'an array of strings');
  if (list === undefined) return undefined;
  const out: string[] = [];
  list.forEach((v, i) => {
    if (typeof v !== 'string') p.add(`${join(path, key)}[${i}]`, `must be a string, got ${typeOf(v)}`);
    else out.push(v);
  });
  if (out.length === 0) p.add(join(path, key), 'is empty: list at least one, or remove the field for the default');
  return out;
}

function validateUser(p: Problems, value: unknown, path: string): DatabaseUserSpec | undefined {
  const u = readObject(p, value, path, USER_KEYS, 'with passwordSecretArn and optionally name, role or privileges');
  if (!u) return undefined;
  const name = checkName(p, readString(p, u, 'name', path), join(path, 'name'));
  if (u.passwordSecretArn === undefined) {
    p.add(join(path, 'passwordSecretArn'), 'is required: the ARN of the Secrets Manager secret with the password');
  }
  const passwordSecretArn = checkSecretArn(p, u, 'passwordSecretArn', path);
  const role = readString(p, u, 'role', path);
  if (role !== undefined && !ROLES.includes(role as DatabaseRole)) {
    p.add(join(path, 'role'), `${show(role)} is not a role: use ${ROLES.map((r) => `"${r}"`).join(' or ')}`);
  }
  const privileges = readStringList(p, u, 'privileges', path)?.map((x) => x.trim().toUpperCase());
  privileges?.forEach((priv, i) => {
    if (!(TABLE_PRIVILEGES as readonly string[]).includes(priv)) {
      p.add(
        `${join(path, 'privileges')}[${i}]`,
        `${show(priv)} is not a table privilege: use ${TABLE_PRIVILEGES.join(', ')}`
      );
    }
  });
  if (role !== undefined && privileges !== undefined) {
    p.add(path, 'has both role and privileges: choose one (privileges replace the role)');
  }
  const schemas = readStringList(p, u, 'schemas', path);
  schemas?.forEach((s, i) => checkName(p, s, `${join(path, 'schemas')}[${i}]`));
  if (passwordSecretArn === undefined) return undefined;
  return {
    passwordSecretArn,
    ...(name !== undefined ? { name } : {}),
    ...(privileges === undefined ? { role: (role as DatabaseRole | undefined) ?? 'read-write' } : { privileges }),
    ...(schemas !== undefined ? { schemas } : {}),
  };
}

function scriptName(script: SanitizeScriptSpec, index: number): string {
  if (script.file) return script.file.split('/').pop() || `script-${index + 1}`;
  if (script.s3) return script.s3.split('/').pop() || `script-${index + 1}`;
  return `inline-${index + 1}`;
}

function validateScript(p: Problems, value: unknown, path: string, index: number) {
  const s = readObject(p, value, path, SCRIPT_KEYS, 'with exactly one of sql, file or s3');
  if (!s) return undefined;
  const name = readString(p, s, 'name', path);
  if (name !== undefined && (name.length === 0 || name.length > 100)) {
    p.add(join(path, 'name'), 'must be 1-100 characters');
  }
  const sql = readString(p, s, 'sql', path);
  const file = readString(p, s, 'file', path);
  const s3 = readString(p, s, 's3', path);
  const s3Region = readString(p, s, 's3Region', path);
  const sources = [sql, file, s3].filter((x) => x !== undefined).length;
  if (sources !== 1) {
    p.add(path, `needs exactly one of sql (inline), file (a path on the database worker) or s3, got ${sources}`);
  }
  if (sql !== undefined && sql.trim() === '') p.add(join(path, 'sql'), 'is empty');
  if (file !== undefined && file.trim() === '') p.add(join(path, 'file'), 'is empty');
  if (s3 !== undefined && !S3_URI_RE.test(s3)) {
    p.add(join(path, 's3'), `${show(s3)} is not an S3 object URI: expected "s3://<bucket>/<key>"`);
  }
  if (s3Region !== undefined && (s3 === undefined || !REGION_RE.test(s3Region))) {
    p.add(join(path, 's3Region'), s3 === undefined ? 'only applies with s3' : `${show(s3Region)} is not a region`);
  }
  const spec: SanitizeScriptSpec = { ...(sql !== undefined ? { sql } : {}), ...(file ? { file } : {}) };
  if (s3) Object.assign(spec, { s3 }, s3Region ? { s3Region } : {});
  return { ...spec, name: name ?? scriptName(spec, index) };
}

function validateCheck(p: Problems, value: unknown, path: string): VerificationCheckSpec | undefined {
  if (!isPlainObject(value)) {
    p.add(path, `must be an object {table, minRows} or {sql}, got ${typeOf(value)}`);
    return undefined;
  }
  const isSql = value.sql !== undefined;
  const c = readObject(p, value, path, isSql ? ['name', 'sql'] : ['name', 'table', 'minRows'], 'a check');
  if (!c) return undefined;
  const name = readString(p, c, 'name', path);
  if (isSql) {
    const sql = readString(p, c, 'sql', path);
    if (sql !== undefined && sql.trim() === '') p.add(join(path, 'sql'), 'is empty');
    return sql ? { sql, ...(name ? { name } : {}) } : undefined;
  }
  const table = readString(p, c, 'table', path);
  if (table === undefined) p.add(join(path, 'table'), 'is required: "table" or "schema.table" (or give sql instead)');
  if (table !== undefined) {
    const parts = table.split('.');
    if (parts.length > 2) p.add(join(path, 'table'), `${show(table)}: use "table" or "schema.table"`);
    else parts.forEach((x) => checkName(p, x, join(path, 'table')));
  }
  if (c.minRows === undefined) p.add(join(path, 'minRows'), 'is required: the least number of rows expected');
  const minRows = readInteger(p, c, 'minRows', path, 0, Number.MAX_SAFE_INTEGER, 'minRows');
  return table !== undefined && minRows !== undefined ? { table, minRows, ...(name ? { name } : {}) } : undefined;
}

/**
 * Validates `database`. `hasMasterPassword`: whether the request sets `masterPassword`, the default source of the
 * master credentials.
 */
export function validateDatabase(
  p: Problems,
  value: unknown,
  hasMasterPassword: boolean
): NormalizedDatabaseSpec | undefined {
  const path = 'database';
  const d = readObject(p, value, path, DATABASE_KEYS, 'with users, usersSecretArn, sanitize or verify');
  if (!d) return undefined;
  const masterSecretArn = checkSecretArn(p, d, 'masterSecretArn', path);
  if (d.masterSecretArn === undefined && !hasMasterPassword) {
    p.add(
      'database.masterSecretArn',
      'is required unless masterPassword is set: the database steps log in as the master user, whose password ' +
        'is in the snapshot and unknown to the pipeline. Give the ARN of a secret with the password, or set masterPassword'
    );
  }
  const name = checkName(p, readString(p, d, 'name', path), 'database.name');

  let connectVia: NormalizedDatabaseSpec['connectVia'];
  if (d.connectVia !== undefined) {
    const c = readObject(p, d.connectVia, 'database.connectVia', ['host', 'port'], 'with host and port');
    if (c) {
      const host = readString(p, c, 'host', 'database.connectVia');
      const port = readInteger(p, c, 'port', 'database.connectVia', 1, 65535, 'port');
      if (host === undefined) p.add('database.connectVia.host', 'is required: the tunnel or bastion host');
      else if (!HOST_RE.test(host)) p.add('database.connectVia.host', `${show(host)} is not a host name or IP address`);
      if (c.port === undefined) p.add('database.connectVia.port', 'is required: the local port of the tunnel');
      if (host && HOST_RE.test(host) && port !== undefined) connectVia = { host, port };
    }
  }

  let tls: NormalizedDatabaseSpec['tls'] = { mode: 'verify-full' };
  if (d.tls !== undefined) {
    const t = readObject(p, d.tls, 'database.tls', ['mode', 'caFile'], 'with mode and caFile');
    if (t) {
      const mode = readString(p, t, 'mode', 'database.tls') ?? 'verify-full';
      if (!(TLS_MODES as readonly string[]).includes(mode)) {
        p.add('database.tls.mode', `${show(mode)} is not a TLS mode: use ${TLS_MODES.join(', ')}`);
      }
      const caFile = readString(p, t, 'caFile', 'database.tls');
      if (caFile !== undefined && (mode === 'insecure' || mode === 'disable')) {
        p.add('database.tls.caFile', `does nothing with mode "${mode}", which does not verify certificates`);
      }
      tls = { mode: mode as NormalizedDatabaseSpec['tls']['mode'], ...(caFile ? { caFile } : {}) };
    }
  }

  const users: DatabaseUserSpec[] = [];
  const userList = readTyped(p, d, 'users', path, isArray, 'an array of users');
  if (userList && userList.length > MAX_DATABASE_USERS) {
    p.add('database.users', `has ${userList.length} users; at most ${MAX_DATABASE_USERS}`);
  }
  userList?.forEach((u, i) => {
    const user = validateUser(p, u, `database.users[${i}]`);
    if (user) users.push(user);
  });
  const named = users.filter((u) => u.name !== undefined).map((u) => u.name as string);
  const dupes = named.filter((n, i) => named.indexOf(n) !== i);
  if (dupes.length > 0) p.add('database.users', `lists ${show(dupes[0])} more than once`);
  const usersSecretArn = checkSecretArn(p, d, 'usersSecretArn', path);

  const sanitize: NormalizedDatabaseSpec['sanitize'] = [];
  const scripts = readTyped(p, d, 'sanitize', path, isArray, 'an array of scripts');
  if (scripts && scripts.length > MAX_SANITIZE_SCRIPTS) {
    p.add('database.sanitize', `has ${scripts.length} scripts; at most ${MAX_SANITIZE_SCRIPTS}`);
  }
  scripts?.forEach((s, i) => {
    const script = validateScript(p, s, `database.sanitize[${i}]`, i);
    if (script) sanitize.push(script);
  });

  let verify: NormalizedDatabaseSpec['verify'];
  if (d.verify !== undefined) {
    if (typeof d.verify === 'boolean') {
      verify = readBoolean(p, d, 'verify', path) ? { checks: [] } : undefined;
    } else {
      const v = readObject(p, d.verify, 'database.verify', ['checks'], 'with checks, or true');
      const list = v ? readTyped(p, v, 'checks', 'database.verify', isArray, 'an array of checks') : undefined;
      if (list && list.length > MAX_VERIFICATION_CHECKS) {
        p.add('database.verify.checks', `has ${list.length} checks; at most ${MAX_VERIFICATION_CHECKS}`);
      }
      const checks: VerificationCheckSpec[] = [];
      list?.forEach((c, i) => {
        const check = validateCheck(p, c, `database.verify.checks[${i}]`);
        if (check) checks.push(check);
      });
      if (v) verify = { checks };
    }
  }

  let stepTimeoutMs = parseDuration(DEFAULT_STEP_TIMEOUT);
  const stepTimeout = readString(p, d, 'stepTimeout', path);
  if (stepTimeout !== undefined) {
    try {
      stepTimeoutMs = parseDuration(stepTimeout);
      if (stepTimeoutMs < 60_000 || stepTimeoutMs > 24 * 3_600_000) {
        p.add('database.stepTimeout', `${show(stepTimeout)} is out of range: use 1m to 24h`);
      }
    } catch (err) {
      p.add('database.stepTimeout', `${show(stepTimeout)}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  const taskQueue = readString(p, d, 'taskQueue', path) ?? DEFAULT_DATABASE_TASK_QUEUE;
  if (!/^[^\s]{1,200}$/.test(taskQueue)) {
    p.add('database.taskQueue', `${show(taskQueue)} is not a task queue name: use 1-200 characters without spaces`);
  }

  if (d.users === undefined && d.usersSecretArn === undefined && d.sanitize === undefined && d.verify === undefined) {
    p.add(path, 'has nothing to do: give users, usersSecretArn, sanitize or verify, or remove it');
  }
  return {
    ...(masterSecretArn ? { masterSecretArn } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(connectVia ? { connectVia } : {}),
    tls,
    users,
    ...(usersSecretArn ? { usersSecretArn } : {}),
    sanitize,
    ...(verify ? { verify } : {}),
    stepTimeoutMs,
    taskQueue,
  };
}
