/**
 * The request's `database` section (users, sanitization, verification). Nothing here may hold a secret value: every
 * credential is a Secrets Manager ARN. Privileges are checked against a fixed list because they become SQL keywords;
 * every name is quoted by the database worker, so any characters are fine. Pure.
 */
import { z } from 'zod';

import { parseDuration } from '../durations';
import { DEFAULT_DATABASE_TASK_QUEUE } from '../request';

import { secretArn } from './aws';
import {
  ALWAYS,
  flag,
  addProblem,
  int,
  explainWith,
  rule,
  rules,
  section,
  text,
  typeProblem,
  valid,
  wrongType,
} from './fields';
import { DATABASE_SECRET_ARN_RE, HOST_RE, REGION_RE, S3_URI_RE } from './identifiers';
import { isPlainObject, show, typeOf } from './messages';

export const TLS_MODES = ['verify-full', 'verify-ca', 'insecure', 'disable'] as const;
export const DATABASE_ROLES = ['read-write', 'read-only'] as const;
/** Table privileges both engines know (PostgreSQL GRANT and MySQL GRANT on tables). */
export const TABLE_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'] as const;
export const MAX_DATABASE_USERS = 50;
export const MAX_SANITIZE_SCRIPTS = 100;
export const MAX_VERIFICATION_CHECKS = 100;
/** PostgreSQL truncates identifiers at 63 bytes; MySQL user names stop at 32 characters (checked by the worker). */
const MAX_NAME_BYTES = 63;
export const DEFAULT_STEP_TIMEOUT = '1h';
const STEP_TIMEOUT_RANGE = { min: 60_000, max: 24 * 3_600_000 };
const TASK_QUEUE_RE = /^[^\s]{1,200}$/;

function databaseSecretArn(required?: string) {
  return secretArn(DATABASE_SECRET_ARN_RE, { expected: 'a Secrets Manager secret ARN', required });
}

function nameProblem(value: string): string | undefined {
  return value.length === 0 || value.includes('\0') || new TextEncoder().encode(value).length > MAX_NAME_BYTES
    ? `${show(value)} is not a usable name: use 1-${MAX_NAME_BYTES} bytes without NUL characters`
    : undefined;
}

/** A database object name: any characters (the worker quotes it), but not empty, no NUL, at most 63 bytes. */
function name(o: { nullAsType?: boolean } = {}) {
  return text(o).check(rule(nameProblem)).meta({ minLength: 1, description: 'At most 63 bytes, no NUL' });
}

/** An enum whose wrong values are refused with `refuse(value)`. */
function oneOf<const T extends readonly [string, ...string[]]>(values: T, refuse: (v: string) => string) {
  return z.enum(values, {
    error: (iss) => (typeof iss.input === 'string' ? refuse(iss.input) : wrongType('a string', iss.input)),
  });
}

/** A non-empty list of strings. */
function stringList<T extends z.ZodType>(item: T) {
  return z
    .array(item, { error: typeProblem('an array of strings') })
    .superRefine((list, ctx) => {
      if (Array.isArray(list) && !list.some((v) => typeof v === 'string')) {
        addProblem(ctx, [], 'is empty: list at least one, or remove the field for the default');
      }
    }, ALWAYS)
    .meta({ minItems: 1 });
}

const Privilege = text({ nullAsType: true })
  .check(
    rule((v: string) => {
      const privilege = v.trim().toUpperCase();
      return (TABLE_PRIVILEGES as readonly string[]).includes(privilege)
        ? undefined
        : `${show(privilege)} is not a table privilege: use ${TABLE_PRIVILEGES.join(', ')}`;
    })
  )
  .meta({ description: `One of ${TABLE_PRIVILEGES.join(', ')} (any case)` });

export const DatabaseUserSchema = section(
  {
    name: name().optional().meta({ description: 'User name; default the username field of the secret' }),
    passwordSecretArn: databaseSecretArn('the ARN of the Secrets Manager secret with the password').meta({
      description: 'Secret with the password: plain string or JSON with password (and username)',
    }),
    role: oneOf(
      DATABASE_ROLES,
      (v) => `${show(v)} is not a role: use ${DATABASE_ROLES.map((r) => `"${r}"`).join(' or ')}`
    )
      .optional()
      .meta({ default: 'read-write' }),
    privileges: stringList(Privilege).optional().meta({ description: 'Table privileges instead of a role' }),
    schemas: stringList(name({ nullAsType: true }))
      .optional()
      .meta({ description: 'PostgreSQL schemas (default public) or MySQL databases (default all) to grant on' }),
  },
  'with passwordSecretArn and optionally name, role or privileges'
).superRefine((u, ctx) => {
  if (isPlainObject(u) && typeof u.role === 'string' && Array.isArray(u.privileges)) {
    addProblem(ctx, [], 'has both role and privileges: choose one (privileges replace the role)');
  }
}, ALWAYS);

const notEmpty = rule((v: string) => (v.trim() === '' ? 'is empty' : undefined));

export const SanitizeScriptSchema = section(
  {
    name: text()
      .check(rule((v: string) => (v.length === 0 || v.length > 100 ? 'must be 1-100 characters' : undefined)))
      .optional()
      .meta({ description: 'Name in reports; default derived from the source' }),
    sql: text().check(notEmpty).optional(),
    file: text()
      .check(notEmpty)
      .optional()
      .meta({ description: "SQL file in the database worker's AURORA_RESTORE_DB_SQL_DIR (a name relative to it)" }),
    s3: text()
      .check(
        rule((v: string) =>
          S3_URI_RE.test(v) ? undefined : `${show(v)} is not an S3 object URI: expected "s3://<bucket>/<key>"`
        )
      )
      .optional()
      .meta({ pattern: S3_URI_RE.source }),
    s3Region: text().optional().meta({ description: 'Region of the bucket; default the target region' }),
  },
  'with exactly one of sql, file or s3'
)
  .superRefine((s, ctx) => {
    if (!isPlainObject(s)) return;
    const sources = [s.sql, s.file, s.s3].filter((v) => typeof v === 'string').length;
    if (sources !== 1) {
      addProblem(
        ctx,
        [],
        `needs exactly one of sql (inline), file (in the database worker's SQL directory) or s3, got ${sources}`
      );
    }
    if (typeof s.s3Region === 'string' && (typeof s.s3 !== 'string' || !REGION_RE.test(s.s3Region))) {
      addProblem(
        ctx,
        ['s3Region'],
        typeof s.s3 !== 'string' ? 'only applies with s3' : `${show(s.s3Region)} is not a region`
      );
    }
  }, ALWAYS)
  .meta({ oneOf: [{ required: ['sql'] }, { required: ['file'] }, { required: ['s3'] }] });

const TableCheckSchema = section(
  {
    name: text().optional(),
    table: text({ required: '"table" or "schema.table" (or give sql instead)' }).check(
      rules((table: string) => {
        const parts = table.split('.');
        if (parts.length > 2) return [`${show(table)}: use "table" or "schema.table"`];
        return parts.map(nameProblem).filter((p): p is string => p !== undefined);
      })
    ),
    minRows: int(0, Number.MAX_SAFE_INTEGER, 'minRows', { required: 'the least number of rows expected' }),
  },
  'a check'
);
const SqlCheckSchema = section({ name: text().optional(), sql: text().check(notEmpty) }, 'a check');

/**
 * A verification check: a query that must return true, or a table with a least number of rows. Whether `sql` is
 * given decides which one an input means, so its problems name the fields of that one.
 */
export const VerificationCheckSchema = z.union([SqlCheckSchema, TableCheckSchema]).superRefine((c, ctx) => {
  if (!isPlainObject(c)) {
    addProblem(ctx, [], `must be an object {table, minRows} or {sql}, got ${typeOf(c)}`);
    return;
  }
  explainWith(ctx, 'sql' in c && c.sql !== undefined ? SqlCheckSchema : TableCheckSchema, c);
}, ALWAYS);

const VerifySection = section(
  {
    checks: z
      .array(VerificationCheckSchema, { error: typeProblem('an array of checks') })
      .superRefine((list, ctx) => {
        if (Array.isArray(list) && list.length > MAX_VERIFICATION_CHECKS) {
          addProblem(ctx, [], `has ${list.length} checks; at most ${MAX_VERIFICATION_CHECKS}`);
        }
      }, ALWAYS)
      .optional(),
  },
  'with checks, or true'
);

/** `true` for the built-in checks only, or `{checks}` for more. */
export const VerifySchema = z.union([flag(), VerifySection]).superRefine((v, ctx) => {
  if (typeof v !== 'boolean') explainWith(ctx, VerifySection, v);
}, ALWAYS);

const ConnectViaSchema = section(
  {
    host: text({ required: 'the tunnel or bastion host' })
      .check(rule((v: string) => (HOST_RE.test(v) ? undefined : `${show(v)} is not a host name or IP address`)))
      .meta({ pattern: HOST_RE.source }),
    port: int(1, 65535, 'port', { required: 'the local port of the tunnel' }),
  },
  'with host and port'
);

const TlsSchema = section(
  {
    mode: oneOf(TLS_MODES, (v) => `${show(v)} is not a TLS mode: use ${TLS_MODES.join(', ')}`)
      .default('verify-full')
      .meta({
        description:
          'verify-full (default); verify-ca, insecure and disable only where the database worker allows them (AURORA_RESTORE_DB_TLS_MODES)',
      }),
    caFile: text()
      .optional()
      .meta({ description: "PEM file of CAs to trust, in the database worker's AURORA_RESTORE_DB_CA_DIR" }),
  },
  'with mode and caFile'
).superRefine((t, ctx) => {
  if (isPlainObject(t) && typeof t.caFile === 'string' && (t.mode === 'insecure' || t.mode === 'disable')) {
    addProblem(ctx, ['caFile'], `does nothing with mode "${t.mode}", which does not verify certificates`);
  }
}, ALWAYS);

const StepTimeout = text()
  .check(
    rule((v: string) => {
      let ms: number;
      try {
        ms = parseDuration(v);
      } catch (err) {
        return `${show(v)}: ${err instanceof Error ? err.message : String(err)}`;
      }
      return ms < STEP_TIMEOUT_RANGE.min || ms > STEP_TIMEOUT_RANGE.max
        ? `${show(v)} is out of range: use 1m to 24h`
        : undefined;
    })
  )
  .meta({ default: DEFAULT_STEP_TIMEOUT, description: 'Longest time one database step may take (1m..24h)' });

function listOf<T extends z.ZodType>(item: T, what: string, max: number) {
  return z.array(item, { error: typeProblem(`an array of ${what}`) }).superRefine((list, ctx) => {
    if (Array.isArray(list) && list.length > max) addProblem(ctx, [], `has ${list.length} ${what}; at most ${max}`);
  }, ALWAYS);
}

export const UserList = listOf(DatabaseUserSchema, 'users', MAX_DATABASE_USERS)
  .superRefine((list, ctx) => {
    if (!Array.isArray(list)) return;
    const named = list
      .filter((u) => valid(DatabaseUserSchema, u) !== undefined)
      .map((u) => (u as { name?: string }).name)
      .filter((n): n is string => n !== undefined);
    const twice = named.find((n, i) => named.indexOf(n) !== i);
    if (twice !== undefined) addProblem(ctx, [], `lists ${show(twice)} more than once`);
  }, ALWAYS)
  .meta({ maxItems: MAX_DATABASE_USERS });

export const DatabaseSchema = section(
  {
    masterSecretArn: databaseSecretArn().optional().meta({
      description: 'Secret with the master credentials; default masterPassword.secretArn or the RDS-managed secret',
    }),
    name: name().optional().meta({ description: 'Database to connect to; default postgres (PostgreSQL)' }),
    connectVia: ConnectViaSchema.optional().meta({
      description:
        'A tunnel or bastion to reach the database, one the database worker allows (AURORA_RESTORE_DB_TUNNELS)',
    }),
    tls: TlsSchema.optional(),
    users: UserList.optional(),
    usersSecretArn: databaseSecretArn()
      .optional()
      .meta({ description: 'Secret in the original pipeline format: an app and a read-only user' }),
    sanitize: listOf(SanitizeScriptSchema, 'scripts', MAX_SANITIZE_SCRIPTS)
      .optional()
      .meta({ maxItems: MAX_SANITIZE_SCRIPTS, description: 'SQL scripts run in order after the users' }),
    verify: VerifySchema.optional(),
    stepTimeout: StepTimeout.optional(),
    taskQueue: text()
      .check(
        rule((v: string) =>
          TASK_QUEUE_RE.test(v) ? undefined : `${show(v)} is not a task queue name: use 1-200 characters without spaces`
        )
      )
      .default(DEFAULT_DATABASE_TASK_QUEUE)
      .meta({ pattern: TASK_QUEUE_RE.source, description: 'Task queue of the database worker for this cluster' }),
  },
  'with users, usersSecretArn, sanitize or verify'
).superRefine((d, ctx) => {
  if (
    isPlainObject(d) &&
    d.users === undefined &&
    d.usersSecretArn === undefined &&
    d.sanitize === undefined &&
    d.verify === undefined
  ) {
    addProblem(ctx, [], 'has nothing to do: give users, usersSecretArn, sanitize or verify, or remove it');
  }
}, ALWAYS);
