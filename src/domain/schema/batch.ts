/**
 * A batch file: many restore requests with a concurrency limit, an order and a failure policy. Each target's
 * `request` is the restore request schema; validate it with `validateRestoreRequest` (it also needs the clock). Pure.
 */
import { z } from 'zod';

import { ALWAYS, addProblem, rule, section, text } from './fields';
import { RestoreRequestSchema } from './request';

export const BATCH_SCHEMA_PATH = 'schema/batch-request.schema.json';
export const MAX_BATCH_TARGETS = 100;
export const MAX_BATCH_CONCURRENCY = 20;
export const MAX_BATCH_RETRIES = 3;
export const BATCH_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/;

function count(min: number, max: number, fallback: number, description: string) {
  const problem = (v: unknown): string => `must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`;
  return z
    .number({ error: (iss) => problem(iss.input) })
    .check(rule((v: number) => (Number.isInteger(v) && v >= min && v <= max ? undefined : problem(v))))
    .meta({ type: 'integer', minimum: min, maximum: max, default: fallback, description });
}

export const BATCH_NAME_RULE = 'use 1-100 letters, digits, ".", "_", "/" or "-", starting with a letter or digit';
const BatchName = z
  .string({ error: BATCH_NAME_RULE })
  .check(rule((v: string) => (BATCH_NAME_RE.test(v) ? undefined : BATCH_NAME_RULE)))
  .meta({ pattern: BATCH_NAME_RE.source });

export const BatchTargetSchema = section(
  {
    // null reads as "not given" for a target's name and after and the batch's onFailure, as batches always have.
    name: BatchName.nullable().optional().meta({
      description: 'Name in reports and in after lists; default <region>/<clusterId>',
    }),
    request: RestoreRequestSchema,
    after: z
      .array(z.string({ error: 'must be a target name (a string)' }), { error: 'must be an array of target names' })
      .nullable()
      .optional()
      .meta({ description: 'Targets that must have succeeded before this one starts' }),
  },
  '{name?, request, after?}'
);

export const BatchRequestSchema = section(
  {
    $schema: text().optional().meta({ description: 'The JSON Schema of this file, for editors; ignored' }),
    name: BatchName.optional().meta({ description: "Shown in the batch's workflow id and reports" }),
    targets: z
      .array(BatchTargetSchema, { error: 'must be a non-empty array of {name?, request, after?}' })
      .superRefine((list, ctx) => {
        if (!Array.isArray(list)) return;
        if (list.length === 0) addProblem(ctx, [], 'must be a non-empty array of {name?, request, after?}');
        if (list.length > MAX_BATCH_TARGETS) {
          addProblem(ctx, [], `${list.length} targets; at most ${MAX_BATCH_TARGETS}`);
        }
      }, ALWAYS)
      .meta({ minItems: 1, maxItems: MAX_BATCH_TARGETS }),
    concurrency: count(1, MAX_BATCH_CONCURRENCY, 2, 'Restores running at the same time').optional(),
    retries: count(0, MAX_BATCH_RETRIES, 0, 'Extra attempts of a failed target').optional(),
    onFailure: z
      .enum(['continue', 'stop'], {
        error: (iss) => `must be "continue" or "stop", got ${JSON.stringify(iss.input)}`,
      })
      .nullable()
      .default('continue')
      .meta({ description: 'continue: the other targets go on; stop: no new target starts after a failure' }),
  },
  'with "targets"',
  { listed: ['name', 'targets', 'concurrency', 'retries', 'onFailure'] }
).meta({ title: 'aurora-restore batch request', description: 'Restore many targets (README "Batches").' });
