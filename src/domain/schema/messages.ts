/**
 * How request problems read: a short, safe rendering of values (never a secret), "did you mean" for unknown keys,
 * and the `path: text` form of every problem. Shared by the schema's error functions and the validators. Pure.
 */

/** Keys that look like a password: refused without echoing their value, wherever they appear. */
export const PASSWORD_KEY_RE = /pass(word|wd)|^pwd$|^pass$/i;

export const PASSWORD_REFUSED =
  'passwords are not accepted in the request (the value is not shown): requests are stored in workflow history ' +
  'and logs. Store the password in AWS Secrets Manager and set masterPassword.secretArn to the secret ARN, or set ' +
  'masterPassword.manage to true to let RDS generate and manage it';

export type Obj = Record<string, unknown>;

export function isPlainObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
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

/** What a value is, for "got ..." in type problems. */
export function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${show(v)}`;
  if (typeof v === 'number' || typeof v === 'boolean') return `the ${typeof v} ${String(v)}`;
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** What a value is, without showing it (for fields that may hold a secret). */
export function kindOf(v: unknown): string {
  return Array.isArray(v) ? 'an array' : v === null ? 'null' : `a ${typeof v}`;
}

/** Levenshtein distance (for "did you mean" suggestions). */
export function editDistance(a: string, b: string): number {
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

/**
 * The candidate closest to `value` by edit distance (the first of equals), when within `maxDistance`; `norm` is
 * applied to each candidate before comparing (`value` is compared as given).
 */
export function nearestCandidate(
  value: string,
  candidates: readonly string[],
  maxDistance: number,
  norm: (s: string) => string = (s) => s
): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(value, norm(candidate));
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= maxDistance ? best : undefined;
}

/** The known key an unknown one was probably meant to be (typos, snake_case, wrong case). */
function suggestKey(key: string, known: readonly string[]): string | undefined {
  const norm = (s: string): string => s.toLowerCase().replace(/[_\-\s]/g, '');
  const k = norm(key);
  return nearestCandidate(k, known, Math.max(1, Math.min(3, Math.floor(k.length / 3))), norm);
}

/**
 * The problem text for a key outside `known` in the object at `path`. The key's value is never echoed (it might be
 * a secret under a misspelled name); a password-like key is refused as such.
 */
export function unknownFieldText(key: string, path: string, known: readonly string[]): string {
  if (PASSWORD_KEY_RE.test(key)) return PASSWORD_REFUSED;
  const shown = JSON.stringify(key.length > 60 ? `${key.slice(0, 57)}...` : key);
  const suggestion = suggestKey(key, known);
  return (
    `unknown field ${shown}` +
    (suggestion ? `; did you mean "${suggestion}"?` : '') +
    ` Known fields${path ? ` of ${path}` : ''}: ${known.join(', ')}`
  );
}

/** Objects whose keys are data (tag names), shown as `target.tags["team"]` rather than `target.tags.team`. */
const KEYED_BY_DATA = new Set(['target.tags']);

/** `["target", "vpcSecurityGroupIds", 0]` -> `target.vpcSecurityGroupIds[0]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (KEYED_BY_DATA.has(out)) {
      const key = String(segment);
      out += `[${JSON.stringify(key.length > 60 ? `${key.slice(0, 57)}...` : key)}]`;
    } else out = out ? `${out}.${String(segment)}` : String(segment);
  }
  return out;
}

/** The issues zod reports, in the shape every problem is reported: `path: text`, one per problem. */
export interface SchemaIssue {
  code: string;
  path: readonly PropertyKey[];
  message: string;
  keys?: readonly string[];
}

function isUnder(path: readonly PropertyKey[], parent: readonly PropertyKey[]): boolean {
  return path.length >= parent.length && parent.every((segment, i) => path[i] === segment);
}

/**
 * The problems of a failed parse. An unknown-keys issue holds one line per key. A union's "no option matched" is
 * left out when the union's own rule explained what is wrong inside it.
 */
export function problemsOf(issues: readonly SchemaIssue[]): string[] {
  const problems: string[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys' && issue.keys) {
      const lines = issue.message.split('\n');
      issue.keys.forEach((key, i) =>
        problems.push(`${formatPath([...issue.path, key])}: ${lines[i] ?? issue.message}`)
      );
    } else if (
      issue.code === 'invalid_union' &&
      issues.some((other) => other !== issue && isUnder(other.path, issue.path))
    ) {
      continue;
    } else {
      problems.push(`${formatPath(issue.path)}: ${issue.message}`);
    }
  }
  return problems;
}
