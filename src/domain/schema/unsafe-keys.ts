/**
 * Keys a request may never hold: `__proto__`. JSON.parse and YAML readers keep it as an own property, but a schema
 * that copies the object into a new one assigns it, which sets the copy's prototype instead of adding a key: a tag
 * named `__proto__` would be dropped without a word (or, with an object value, change what the copy inherits). So
 * the raw input is checked before any schema reads it, and the key is refused wherever it appears. Pure.
 */
import { formatPath, isPlainObject } from './messages';
import type { SchemaIssue } from './messages';

const UNSAFE_KEY = '__proto__';

/** The problem for a `__proto__` key at `path` (the object holding it). */
export function unsafeKeyProblem(path: readonly PropertyKey[]): string {
  const where = formatPath(path);
  return (
    `${where || 'request'}: the key "${UNSAFE_KEY}" is not allowed: JavaScript objects cannot hold it as data ` +
    '(it would be dropped silently or change the object), so rename it' +
    (where === 'target.tags' ? ' (RDS tag keys are free text: e.g. "proto")' : '')
  );
}

/**
 * One problem for every own `__proto__` key in the plain objects and arrays of `input`, in document order. Walks
 * with its own stack (no recursion), so a deeply nested programmatic input cannot exhaust the call stack.
 */
export function unsafeKeyProblems(input: unknown): string[] {
  const problems: string[] = [];
  const stack: { value: unknown; path: PropertyKey[] }[] = [{ value: input, path: [] }];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (typeof value !== 'object' || value === null || seen.has(value)) continue;
    seen.add(value);
    const children: { value: unknown; path: PropertyKey[] }[] = [];
    if (Array.isArray(value)) {
      value.forEach((item, i) => children.push({ value: item, path: [...path, i] }));
    } else if (isPlainObject(value)) {
      if (Object.prototype.hasOwnProperty.call(value, UNSAFE_KEY)) problems.push(unsafeKeyProblem(path));
      for (const [key, child] of Object.entries(value)) {
        if (key !== UNSAFE_KEY) children.push({ value: child, path: [...path, key] });
      }
    }
    // Reversed onto the stack, so the walk reports problems in document order.
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  return problems;
}

/**
 * The schema's issues without those about a `__proto__` key (strict sections list it as an unknown field), which
 * `unsafeKeyProblems` reports once, in its own words.
 */
export function withoutUnsafeKeyIssues(issues: readonly SchemaIssue[]): SchemaIssue[] {
  return issues.flatMap((issue) => {
    if (issue.path.includes(UNSAFE_KEY)) return [];
    if (issue.code !== 'unrecognized_keys' || !issue.keys?.includes(UNSAFE_KEY)) return [issue];
    const lines = issue.message.split('\n');
    const kept = issue.keys
      .map((key, i) => ({ key, line: lines[i] ?? issue.message }))
      .filter(({ key }) => key !== UNSAFE_KEY);
    if (kept.length === 0) return [];
    return [{ ...issue, keys: kept.map((k) => k.key), message: kept.map((k) => k.line).join('\n') }];
  });
}
