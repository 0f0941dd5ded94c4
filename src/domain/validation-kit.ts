/**
 * Helpers that collect request problems: typed field readers that never echo a value that could be a secret, and
 * "did you mean" suggestions for unknown keys. Shared by the request validators of each section. Pure.
 */

export const PASSWORD_KEY_RE = /pass(word|wd)|^pwd$|^pass$/i;

export type Obj = Record<string, unknown>;

export class Problems {
  readonly list: string[] = [];
  add(path: string, text: string): void {
    this.list.push(`${path}: ${text}`);
  }
}

export function join(parent: string, key: string): string {
  return parent ? `${parent}.${key}` : key;
}

/** A short, safe rendering of a value for messages. Objects and arrays are summarized, never dumped. */
export function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v.length > 80 ? `${v.slice(0, 77)}...` : v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

export function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${show(v)}`;
  if (typeof v === 'number' || typeof v === 'boolean') return `the ${typeof v} ${String(v)}`;
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

export function isPlainObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

/** The known key an unknown one was probably meant to be (typos, snake_case, wrong case). */
function suggestKey(key: string, known: readonly string[]): string | undefined {
  const norm = (s: string): string => s.toLowerCase().replace(/[_\-\s]/g, '');
  const k = norm(key);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = editDistance(k, norm(candidate));
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(1, Math.min(3, Math.floor(k.length / 3))) ? best : undefined;
}

export const PASSWORD_REFUSED =
  'passwords are not accepted in the request (the value is not shown): requests are stored in workflow history ' +
  'and logs. Store the password in AWS Secrets Manager and set masterPassword.secretArn to the secret ARN, or set ' +
  'masterPassword.manage to true to let RDS generate and manage it';

/**
 * Checks that `value` is an object and flags keys outside `known`; returns the object or undefined. `value` of
 * unknown keys is never echoed (it might be a secret under a misspelled name).
 */
export function readObject(
  p: Problems,
  value: unknown,
  path: string,
  known: readonly string[],
  expected: string
): Obj | undefined {
  if (!isPlainObject(value)) {
    p.add(path, `must be an object ${expected}, got ${typeOf(value)}`);
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const where = join(path, key);
    if (PASSWORD_KEY_RE.test(key)) {
      p.add(where, PASSWORD_REFUSED);
      continue;
    }
    const shown = JSON.stringify(key.length > 60 ? `${key.slice(0, 57)}...` : key);
    const suggestion = suggestKey(key, known);
    p.add(
      where,
      `unknown field ${shown}` +
        (suggestion ? `; did you mean "${suggestion}"?` : '') +
        ` Known fields${path ? ` of ${path}` : ''}: ${known.join(', ')}`
    );
  }
  return value;
}

/** Reads an optional field of a given JS type; null and wrong types are problems. */
export function readTyped<T>(
  p: Problems,
  obj: Obj,
  key: string,
  path: string,
  check: (v: unknown) => v is T,
  expected: string,
  echo = true
): T | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  const where = join(path, key);
  if (v === null) {
    p.add(where, `is null: give ${expected} or remove the field to use the default`);
    return undefined;
  }
  if (!check(v)) {
    p.add(
      where,
      `must be ${expected}, got ${echo ? typeOf(v) : `${Array.isArray(v) ? 'an array' : `a ${typeof v}`} (not shown)`}`
    );
    return undefined;
  }
  return v;
}

export const isString = (v: unknown): v is string => typeof v === 'string';
export const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
export const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
export const isArray = (v: unknown): v is unknown[] => Array.isArray(v);

export function readString(p: Problems, obj: Obj, key: string, path: string): string | undefined {
  return readTyped(p, obj, key, path, isString, 'a string');
}

export function readBoolean(p: Problems, obj: Obj, key: string, path: string): boolean | undefined {
  return readTyped(p, obj, key, path, isBoolean, 'true or false (a JSON boolean, not a string)');
}

export function readInteger(
  p: Problems,
  obj: Obj,
  key: string,
  path: string,
  min: number,
  max: number,
  what: string
): number | undefined {
  const v = readTyped(p, obj, key, path, isNumber, `an integer between ${min} and ${max}`);
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v < min || v > max) {
    p.add(join(path, key), `${show(v)} is out of range: ${what} must be an integer between ${min} and ${max}`);
    return undefined;
  }
  return v;
}

export function requireField(p: Problems, obj: Obj, key: string, path: string, help: string): boolean {
  if (obj[key] === undefined) {
    p.add(join(path, key), `is required: ${help}`);
    return false;
  }
  return true;
}
