/**
 * A batch of restores: many targets from one request, with a concurrency limit, an order ("auth before app"),
 * per-target retries and a policy for partial failure. Each target is its own `auroraRestore` (its own per-target
 * lock). Validation here checks every target's request and the order graph before anything starts. Pure.
 */
import { restoreWorkflowId } from './naming';
import type { RestoreRequest } from './request';
import { RequestValidationError, validateRestoreRequest } from './validate';
import type { ValidateOptions } from './validate';

export interface BatchTargetSpec {
  /** Name in reports and in `after` lists; default `<region>/<clusterId>` of the target. */
  name?: string;
  request: RestoreRequest;
  /** Names of targets that must have succeeded before this one starts. */
  after?: string[];
}

export interface BatchRestoreRequest {
  /** Shown in the batch's workflow id and reports; letters, digits, `.`, `_`, `-`. */
  name?: string;
  targets: BatchTargetSpec[];
  /** Restores running at the same time. Default 2 (RDS allows 5 concurrent copies per destination region). */
  concurrency?: number;
  /** Extra attempts of a failed target (a new restore run; the restore adopts what it can). Default 0. */
  retries?: number;
  /**
   * `continue` (default): the other targets go on; `stop`: no new target starts after a failure (running ones
   * finish). Targets that depend on a failed one are skipped either way.
   */
  onFailure?: 'continue' | 'stop';
}

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

export const MAX_BATCH_TARGETS = 100;
export const MAX_BATCH_CONCURRENCY = 20;
export const MAX_BATCH_RETRIES = 3;
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/;

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

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function intIn(p: string[], value: unknown, field: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    p.push(`${field}: must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
    return fallback;
  }
  return value;
}

/** Validates a batch: every target's request (as the restore would), unique targets, and an acyclic order. */
export function validateBatchRequest(input: unknown, opts: ValidateOptions): NormalizedBatchRequest {
  const p: string[] = [];
  if (!isObject(input)) throw new BatchValidationError(['request: must be an object with "targets"']);
  const known = ['name', 'targets', 'concurrency', 'retries', 'onFailure'];
  for (const key of Object.keys(input)) {
    if (!known.includes(key)) p.push(`${key}: unknown field; known fields: ${known.join(', ')}`);
  }
  const name = input.name;
  if (name !== undefined && (typeof name !== 'string' || !NAME_RE.test(name))) {
    p.push('name: use 1-100 letters, digits, ".", "_", "/" or "-", starting with a letter or digit');
  }
  const concurrency = intIn(p, input.concurrency, 'concurrency', 1, MAX_BATCH_CONCURRENCY, 2);
  const retries = intIn(p, input.retries, 'retries', 0, MAX_BATCH_RETRIES, 0);
  const onFailure = input.onFailure ?? 'continue';
  if (onFailure !== 'continue' && onFailure !== 'stop') {
    p.push(`onFailure: must be "continue" or "stop", got ${JSON.stringify(onFailure)}`);
  }

  const list = input.targets;
  if (!Array.isArray(list) || list.length === 0) {
    p.push('targets: must be a non-empty array of {name?, request, after?}');
    throw new BatchValidationError(p);
  }
  if (list.length > MAX_BATCH_TARGETS) p.push(`targets: ${list.length} targets; at most ${MAX_BATCH_TARGETS}`);

  const targets: NormalizedBatchTarget[] = [];
  list.forEach((raw, i) => {
    const where = `targets[${i}]`;
    if (!isObject(raw)) {
      p.push(`${where}: must be an object {name?, request, after?}`);
      return;
    }
    for (const key of Object.keys(raw)) {
      if (!['name', 'request', 'after'].includes(key))
        p.push(`${where}.${key}: unknown field; known: name, request, after`);
    }
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
    if (typeof targetName !== 'string' || !NAME_RE.test(targetName)) {
      p.push(`${where}.name: use 1-100 letters, digits, ".", "_", "/" or "-"`);
      return;
    }
    const after = raw.after ?? [];
    if (!Array.isArray(after) || after.some((a) => typeof a !== 'string')) {
      p.push(`${where}.after: must be an array of target names`);
      return;
    }
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

  if (p.length > 0) throw new BatchValidationError(p);
  return {
    ...(typeof name === 'string' ? { name } : {}),
    targets,
    concurrency,
    retries,
    onFailure: onFailure as 'continue' | 'stop',
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
