/**
 * Building blocks of the request schema: zod fields whose error functions word each problem the way the pipeline
 * always has (the field, the bad value unless it could be a secret, the rule and what to do), and sections (strict
 * objects) that name every unknown key with a "did you mean". Pure; runs inside workflow code.
 */
import { z } from 'zod';
import type * as zc from 'zod/v4/core';

import { tryParseDuration } from '../durations';

import { kindOf, show, typeOf, unknownFieldText, formatPath } from './messages';

type Issue = zc.$ZodRawIssue;

/** Runs a refinement even after other problems in the same object, so every problem is reported at once. */
export const ALWAYS = { when: (): boolean => true };

export interface FieldOptions {
  /** Why the field is needed: `<path>: is required: <required>` when it is missing. */
  required?: string;
  /** Never show the value (it could be a secret): `got a number (not shown)`. */
  secret?: boolean;
  /** Appended to the wrong-type problem. */
  after?: string;
  /** Word null as a wrong type (`got null`) rather than as "remove the field to use the default". */
  nullAsType?: boolean;
}

/** The wording of a wrong-type problem: missing, null, or the wrong JSON type. */
export function wrongType(expected: string, input: unknown, o: FieldOptions = {}): string {
  if (input === undefined) return `is required${o.required ? `: ${o.required}` : ''}`;
  if (input === null && !o.nullAsType) return `is null: give ${expected} or remove the field to use the default`;
  return `must be ${expected}, got ${o.secret ? `${kindOf(input)} (not shown)` : typeOf(input)}${o.after ?? ''}`;
}

/** `wrongType` as a zod error function (other issues keep the wording of their own check). */
export function typeProblem(expected: string, o: FieldOptions = {}): (iss: Issue) => string | undefined {
  return (iss) => (iss.code === 'invalid_type' ? wrongType(expected, iss.input, o) : undefined);
}

/** A string field. */
export function text(o: FieldOptions & { expected?: string } = {}) {
  return z.string({ error: typeProblem(o.expected ?? 'a string', o) });
}

/** A JSON boolean. */
export function flag() {
  return z.boolean({ error: typeProblem('true or false (a JSON boolean, not a string)') });
}

/**
 * A rule as one check: `problem` returns why the value is refused (or undefined). One check per field keeps one
 * problem per mistake; its issue stops the field's later checks but not the cross-field rules of the section.
 */
export function rule<T>(problem: (value: T) => string | undefined) {
  return (ctx: zc.ParsePayload<T>): void => {
    const text = problem(ctx.value);
    if (text !== undefined) ctx.issues.push({ code: 'custom', message: text, input: ctx.value });
  };
}

/** Like `rule`, for rules that may find several problems at once. */
export function rules<T>(problems: (value: T) => string[]) {
  return (ctx: zc.ParsePayload<T>): void => {
    for (const text of problems(ctx.value)) ctx.issues.push({ code: 'custom', message: text, input: ctx.value });
  };
}

/** A problem of a section's rule, at `path` inside the section (no path: the section itself). */
export function addProblem(ctx: zc.ParsePayload<unknown>, path: PropertyKey[], message: string): void {
  ctx.issues.push({ code: 'custom', message, input: ctx.value, path });
}

/**
 * Explains `value` with `schema`: its problems become this schema's, at their paths inside it, worded when the
 * whole request's problems are (so unknown keys name their full path). Used under a union, whose own problem only
 * says that no option matched: the option the input meant says what is wrong with it.
 */
export function explainWith(ctx: zc.ParsePayload<unknown>, schema: z.ZodType, value: unknown): void {
  const result = schema._zod.run({ value, issues: [] }, {});
  if (result instanceof Promise) throw new Error('explainWith: the schema must be synchronous');
  ctx.issues.push(...result.issues);
}

/** The keys of this section that are not in its shape (the parsed value no longer has them). */
export function unknownKeys(ctx: zc.ParsePayload<unknown>): string[] {
  return ctx.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys' && (issue.path ?? []).length === 0 ? issue.keys : []
  );
}

/** An integer in `min..max`; `what` names it in the out-of-range problem. */
export function int(min: number, max: number, what: string, o: FieldOptions = {}) {
  return z
    .number({ error: typeProblem(`an integer between ${min} and ${max}`, o) })
    .check(
      rule((v: number) =>
        Number.isInteger(v) && v >= min && v <= max
          ? undefined
          : `${show(v)} is out of range: ${what} must be an integer between ${min} and ${max}`
      )
    )
    .meta({ type: 'integer', minimum: min, maximum: max });
}

/**
 * A string that must match `pattern` (also published in the JSON Schema), with `problem` saying why a value does
 * not. `exact` is the full rule when the pattern cannot say everything.
 */
export function matching(
  pattern: RegExp,
  problem: (value: string) => string,
  o: FieldOptions & { exact?: (value: string) => boolean; expected?: string } = {}
) {
  const ok = o.exact ?? ((v: string) => pattern.test(v));
  return text(o)
    .check(rule((v: string) => (ok(v) ? undefined : problem(v))))
    .meta({ pattern: pattern.source });
}

export interface DurationOptions extends FieldOptions {
  /** Example shown in problems, e.g. "4h". */
  example: string;
  /** The wrong-type wording (default: a duration string such as <example> (number + ms/s/m/h/d)). */
  expected?: string;
  /** The not-a-duration problem (default: the standard wording with the units ms, s, m, h or d). */
  notDuration?: (value: string) => string;
  /** Refuse a leading minus sign with its own problem. */
  negative?: boolean;
  /** Allowed range in ms, and the problem for a value outside it. */
  range?: { min: number; max: number; problem: (value: string) => string };
}

/** Durations such as "30s", "20m", "6h", "2d" (see durations.ts). */
export const DURATION_PATTERN = /^\d{1,15}(ms|s|m|h|d)$/;

/** A duration string, within an optional range. */
export function duration(o: DurationOptions) {
  const expected = o.expected ?? `a duration string such as "${o.example}" (number + ms/s/m/h/d)`;
  const notDuration =
    o.notDuration ??
    ((v: string) =>
      `${show(v)} is not a duration: use an integer and one unit, ms, s, m, h or d (e.g. "${o.example}")`);
  return z
    .string({ error: typeProblem(expected, { nullAsType: true, ...o }) })
    .check(
      rule((v: string) => {
        if (o.negative && v.startsWith('-'))
          return `${show(v)} is negative: give a positive duration such as "${o.example}"`;
        const ms = tryParseDuration(v);
        if (ms === undefined) return notDuration(v);
        if (o.range && (ms < o.range.min || ms > o.range.max)) return o.range.problem(v);
        return undefined;
      })
    )
    .meta({ pattern: DURATION_PATTERN.source });
}

/**
 * A section of the request: a strict object. `expected` completes "must be an object ..."; unknown keys are each
 * refused with a "did you mean" (passwords without their value). `listed` are the keys named in that problem
 * (default: every key of the shape).
 */
export function section<Shape extends z.ZodRawShape>(
  shape: Shape,
  expected: string,
  o: FieldOptions & { listed?: readonly string[]; notObject?: (input: unknown) => string } = {}
) {
  const known = o.listed ?? Object.keys(shape);
  return z.strictObject(shape, {
    error: (iss) => {
      if (iss.code === 'unrecognized_keys') {
        const where = formatPath(iss.path ?? []);
        return iss.keys.map((key) => unknownFieldText(key, where, known)).join('\n');
      }
      if (iss.code !== 'invalid_type') return undefined;
      if (iss.input === undefined && o.required) return `is required: ${o.required}`;
      if (o.notObject) return o.notObject(iss.input);
      return `must be an object${expected ? ` ${expected}` : ''}, got ${typeOf(iss.input)}`;
    },
  });
}

/** The value when `schema` accepts it, else undefined: cross-field rules only compare fields that are valid. */
export function valid<S extends z.ZodType>(schema: S, value: unknown): z.output<S> | undefined {
  if (value === undefined) return undefined;
  const r = schema.safeParse(value);
  return r.success ? r.data : undefined;
}
