/**
 * Prepares the request schemas to be shared by every workflow of a worker (src/worker/workflow-preload.ts): the SDK
 * deep-freezes shared modules, and zod builds some members on first read (bound methods such as `safeParse`, internals
 * such as an object's property list, and the parser itself at the first parse) and stores them on the instance, which a
 * frozen instance refuses. Reading every such member and parsing once here, before the freeze, builds them all once.
 */
import * as batch from '../batch';
import * as validate from '../validate';

import * as aws from './aws';
import * as batchSchema from './batch';
import * as database from './database';
import * as fields from './fields';
import * as identifiers from './identifiers';
import * as options from './options';
import * as request from './request';
import * as source from './source';
import * as target from './target';

/** Reads every accessor an object inherits (zod's lazily built members), then does the same for what it holds. */
export function buildLazyMembers(value: unknown, seen = new WeakSet<object>()): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  const target = value as Record<PropertyKey, unknown>;
  for (let proto = Object.getPrototypeOf(value) as object | null; proto && !isBuiltIn(proto);) {
    for (const key of Reflect.ownKeys(proto)) {
      if (Object.prototype.hasOwnProperty.call(value, key)) continue;
      if (Object.getOwnPropertyDescriptor(proto, key)?.get) read(target, key);
    }
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  // zod also rewrites a schema's parser at its first parse (e.g. dropping a cycle guard it does not need): parse once.
  if (isSchema(value)) {
    try {
      value.safeParse(undefined);
    } catch {
      // a refusal is expected: only the side effect on the schema matters
    }
  }
  for (const key of Reflect.ownKeys(value)) buildLazyMembers(read(target, key), seen);
}

function isSchema(value: object): value is { safeParse(input: unknown): unknown } {
  return '_zod' in value && typeof (value as { safeParse?: unknown }).safeParse === 'function';
}

function read(target: Record<PropertyKey, unknown>, key: PropertyKey): unknown {
  try {
    return target[key];
  } catch {
    return undefined; // a member that cannot be built for this kind of schema is never read by its parse either
  }
}

function isBuiltIn(proto: object): boolean {
  return [Object.prototype, Array.prototype, Function.prototype, Map.prototype, Set.prototype].includes(proto);
}

for (const module of [
  batch,
  validate,
  aws,
  batchSchema,
  database,
  fields,
  identifiers,
  options,
  request,
  source,
  target,
]) {
  buildLazyMembers(module);
}
