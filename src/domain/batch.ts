/**
 * A batch of restores: many targets from one request, with a concurrency limit, an order ("auth before app"),
 * per-target retries and a policy for partial failure. Each target is its own `auroraRestore` (its own per-target
 * lock). The file's shape is a zod schema (schema/batch.ts); validation here checks it, every target's request (as
 * the restore would) and the order graph before anything starts. Pure.
 */
import type { z } from 'zod';

import { restoreWorkflowId } from './naming';
import type { RestoreRequest } from './request';
import {
  BATCH_NAME_RE,
  BATCH_NAME_RULE,
  BatchRequestSchema,
  type BatchTargetSchema,
  MAX_BATCH_CONCURRENCY,
  MAX_BATCH_RETRIES,
  MAX_BATCH_TARGETS,
} from './schema/batch';
import { isPlainObject, problemsOf } from './schema/messages';
import { unsafeKeyProblems, withoutUnsafeKeyIssues } from './schema/unsafe-keys';
import { RequestValidationError, validateRestoreRequest } from './validate';
import type { ValidateOptions } from './validate';

export { MAX_BATCH_CONCURRENCY, MAX_BATCH_RETRIES, MAX_BATCH_TARGETS };

export type BatchTargetSpec = z.input<typeof BatchTargetSchema>;
export type BatchRestoreRequest = z.input<typeof BatchRequestSchema>;

export interface NormalizedBatchTarget {
  name: string;
  request: RestoreRequest;
  after: string[];
  /** The restore's canonical workflow id (its lock). */
  workflowId: string;
}

export interface NormalizedBatchRequest {
  name?: string;
  targets: NormalizedBatchTarget[];
  concurrency: number;
  retries: number;
  onFailure: 'continue' | 'stop';
}

/** One error for the whole batch, listing every problem with the target it belongs to. */
export class BatchValidationError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    const n = problems.length;
    super(
      `Invalid batch restore request (${n} problem${n === 1 ? '' : 's'}): ${problems.map((p, i) => `${i + 1}) ${p}`).join(' ')}`
    );
    this.name = 'BatchValidationError';
    this.problems = problems;
  }
}

/** Whether a schema issue is inside a target's request (those are reported by `validateRestoreRequest`). */
function inRequest(path: readonly PropertyKey[]): boolean {
  return path[0] === 'targets' && typeof path[1] === 'number' && path[2] === 'request';
}

/** Validates a batch: every target's request (as the restore would), unique targets, and an acyclic order. */
export function validateBatchRequest(input: unknown, opts: ValidateOptions): NormalizedBatchRequest {
  if (!isPlainObject(input)) throw new BatchValidationError(['request: must be an object with "targets"']);
  const parsed = BatchRequestSchema.safeParse(input);
  const list = Array.isArray(input.targets) ? input.targets : [];
  const p = [
    // Outside the targets' requests (validateRestoreRequest checks those): the schema's copies would drop them.
    ...unsafeKeyProblems({
      ...input,
      targets: list.map((t: unknown) => (isPlainObject(t) ? { ...t, request: undefined } : t)),
    }),
    ...(parsed.success
      ? []
      : problemsOf(withoutUnsafeKeyIssues(parsed.error.issues.filter((issue) => !inRequest(issue.path))))),
  ];

  const targets: NormalizedBatchTarget[] = [];
  list.forEach((raw: unknown, i) => {
    if (!isPlainObject(raw)) return;
    const where = `targets[${i}]`;
    let workflowId = '';
    try {
      const valid = validateRestoreRequest(raw.request, opts);
      workflowId = restoreWorkflowId(valid.target);
    } catch (err) {
      if (!(err instanceof RequestValidationError)) throw err;
      for (const problem of err.problems) p.push(`${where}.request.${problem}`);
      return;
    }
    const request = raw.request as RestoreRequest;
    const targetName = raw.name ?? `${request.target.region}/${request.target.clusterId}`;
    if (typeof targetName !== 'string' || !BATCH_NAME_RE.test(targetName)) {
      if (raw.name === undefined) p.push(`${where}.name: ${BATCH_NAME_RULE}`);
      return;
    }
    const after = raw.after ?? [];
    if (!Array.isArray(after) || after.some((a) => typeof a !== 'string')) return;
    targets.push({ name: targetName, request, after: after as string[], workflowId });
  });

  const byName = new Map<string, NormalizedBatchTarget>();
  const byWorkflow = new Map<string, string>();
  for (const t of targets) {
    if (byName.has(t.name)) p.push(`targets: the name "${t.name}" is used twice`);
    byName.set(t.name, t);
    const other = byWorkflow.get(t.workflowId);
    if (other !== undefined) {
      p.push(`targets: "${other}" and "${t.name}" restore the same cluster (${t.workflowId}); one restore per target`);
    }
    byWorkflow.set(t.workflowId, t.name);
  }
  for (const t of targets) {
    for (const dep of t.after) {
      if (!byName.has(dep)) p.push(`targets "${t.name}".after: no target is named "${dep}"`);
      if (dep === t.name) p.push(`targets "${t.name}".after: a target cannot wait for itself`);
    }
  }
  const cycle = findCycle(targets);
  if (cycle) p.push(`targets: the order has a cycle (${cycle.join(' -> ')}); no target in it could ever start`);

  if (p.length > 0 || !parsed.success) throw new BatchValidationError(p);
  const batch = parsed.data;
  return {
    ...(batch.name !== undefined ? { name: batch.name } : {}),
    targets,
    concurrency: batch.concurrency ?? 2,
    retries: batch.retries ?? 0,
    onFailure: batch.onFailure ?? 'continue',
  };
}

function findCycle(targets: NormalizedBatchTarget[]): string[] | undefined {
  const deps = new Map(targets.map((t) => [t.name, t.after]));
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return [...path.slice(path.indexOf(name)), name];
    state.set(name, 'visiting');
    path.push(name);
    for (const dep of deps.get(name) ?? []) {
      const found = deps.has(dep) ? visit(dep) : undefined;
      if (found) return found;
    }
    path.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const t of targets) {
    const found = visit(t.name);
    if (found) return found;
  }
  return undefined;
}
