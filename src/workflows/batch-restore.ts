/**
 * `batchRestore`: many targets from one request. Each target is its own `auroraRestore` child under its canonical
 * workflow id (so one restore per target still holds), started in the request's order as soon as the targets it
 * waits for have succeeded, never more than `concurrency` at a time. A failed target is retried `retries` times
 * (unless retrying cannot help, e.g. a refusal); its dependents are skipped. The batch ends with a report of every
 * target, and fails (`BatchRestoreFailed`, report in the details) when any target did not succeed.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  ApplicationFailure,
  ChildWorkflowFailure,
  defineQuery,
  executeChild,
  ParentClosePolicy,
  setHandler,
} from '@temporalio/workflow';

import { BatchValidationError, validateBatchRequest } from '../domain/batch';
import type { BatchRestoreRequest, NormalizedBatchRequest, NormalizedBatchTarget } from '../domain/batch';
import { Failures } from '../domain/errors';

import { refuse } from './failure-report';
import { auroraRestore } from './restore';

export type BatchTargetStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'not-started';

export interface BatchTargetReport {
  name: string;
  workflowId: string;
  status: BatchTargetStatus;
  attempts: number;
  startedAt?: string;
  endedAt?: string;
  durationMs?: number;
  writerEndpoint?: string;
  failure?: { type: string; message: string };
  /** Why it was skipped or not started. */
  reason?: string;
}

export interface BatchReport {
  name?: string;
  status: 'running' | 'succeeded' | 'partial' | 'failed';
  concurrency: number;
  targets: BatchTargetReport[];
  durationMs?: number;
}

export const batchProgressQuery = defineQuery<BatchReport>('batchProgress');

/** Failures a new attempt cannot fix: the request or the target's state must change first. */
const NOT_WORTH_RETRYING = new Set<string>([
  Failures.InvalidRequest.type,
  Failures.WrongWorkflowId.type,
  Failures.RestoreAlreadyRunning.type,
  Failures.TargetExists.type,
  Failures.DeletionProtected.type,
  Failures.NotManagedByPipeline.type,
  Failures.RefusedSourceCluster.type,
  Failures.UnmanagedInstance.type,
  Failures.SnapshotNotFound.type,
  Failures.Cancelled.type,
]);

export async function batchRestore(input: BatchRestoreRequest): Promise<BatchReport> {
  const started = Date.now();
  const batch = validate(input);
  const reports = new Map<string, BatchTargetReport>(
    batch.targets.map((t) => [t.name, { name: t.name, workflowId: t.workflowId, status: 'pending', attempts: 0 }])
  );
  let overall: Pick<BatchReport, 'status' | 'durationMs'> = { status: 'running' };
  const report = (): BatchReport => ({
    ...(batch.name ? { name: batch.name } : {}),
    ...overall,
    concurrency: batch.concurrency,
    targets: batch.targets.map((t) => ({ ...(reports.get(t.name) as BatchTargetReport) })),
  });
  setHandler(batchProgressQuery, report);

  const running = new Set<Promise<void>>();
  let stopped = false;
  const statusOf = (name: string) => reports.get(name)?.status;

  for (;;) {
    // Skip targets whose prerequisites can no longer succeed.
    for (const t of batch.targets) {
      const r = reports.get(t.name) as BatchTargetReport;
      const blocked = t.after.find((dep) => ['failed', 'skipped', 'not-started'].includes(statusOf(dep) ?? ''));
      if (r.status === 'pending' && blocked) {
        r.status = 'skipped';
        r.reason = `"${blocked}" did not succeed`;
      }
    }
    // Start what is ready, in the request's order, up to the limit.
    for (const t of batch.targets) {
      if (stopped || running.size >= batch.concurrency) break;
      const r = reports.get(t.name) as BatchTargetReport;
      if (r.status !== 'pending' || !t.after.every((dep) => statusOf(dep) === 'succeeded')) continue;
      const run: Promise<void> = runTarget(t, r, batch.retries).then(() => {
        running.delete(run);
        if (r.status === 'failed' && batch.onFailure === 'stop') stopped = true;
      });
      running.add(run);
    }
    if (running.size === 0) break;
    await Promise.race(running);
  }
  for (const r of reports.values()) {
    if (r.status === 'pending') {
      r.status = 'not-started';
      r.reason = 'onFailure is "stop" and a target failed';
    }
  }

  const succeeded = [...reports.values()].filter((t) => t.status === 'succeeded').length;
  overall = {
    status: succeeded === reports.size ? 'succeeded' : succeeded > 0 ? 'partial' : 'failed',
    durationMs: Date.now() - started,
  };
  const final = report();
  if (final.status !== 'succeeded') {
    const failed = final.targets.filter((t) => t.status !== 'succeeded');
    throw ApplicationFailure.create({
      type: Failures.BatchFailed.type,
      message:
        `Batch restore: ${succeeded} of ${final.targets.length} target(s) succeeded; ` +
        failed
          .map(
            (t) =>
              `${t.name} ${t.status}${t.failure ? ` (${t.failure.type}: ${t.failure.message})` : t.reason ? ` (${t.reason})` : ''}`
          )
          .join('; '),
      nonRetryable: true,
      details: [{ code: Failures.BatchFailed.code, report: final }],
    });
  }
  return final;
}

/** Runs one target's restore, retrying a failure that a new attempt may fix; records the outcome in `r`. */
async function runTarget(t: NormalizedBatchTarget, r: BatchTargetReport, retries: number): Promise<void> {
  r.status = 'running';
  r.startedAt = new Date(Date.now()).toISOString();
  for (;;) {
    r.attempts++;
    try {
      const result = await executeChild(auroraRestore, {
        workflowId: t.workflowId,
        args: [t.request],
        // A cancelled or terminated batch cancels its restores, so their cleanup runs.
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      });
      r.status = 'succeeded';
      if (result.endpoints.writerEndpoint) r.writerEndpoint = result.endpoints.writerEndpoint;
      r.failure = undefined;
      break;
    } catch (err) {
      r.failure = failureOf(err, t);
      if (r.attempts > retries || NOT_WORTH_RETRYING.has(r.failure.type)) {
        r.status = 'failed';
        break;
      }
    }
  }
  r.endedAt = new Date(Date.now()).toISOString();
  r.durationMs = Date.parse(r.endedAt) - Date.parse(r.startedAt);
}

function failureOf(err: unknown, t: NormalizedBatchTarget): { type: string; message: string } {
  if (err instanceof WorkflowExecutionAlreadyStartedError) {
    return {
      type: Failures.RestoreAlreadyRunning.type,
      message: `a restore of this target is already running as ${t.workflowId}; it was left alone`,
    };
  }
  if (err instanceof ChildWorkflowFailure && err.cause instanceof ApplicationFailure) {
    return { type: err.cause.type ?? 'UnexpectedError', message: err.cause.message };
  }
  if (err instanceof ChildWorkflowFailure && err.cause) {
    return { type: err.cause.name, message: err.cause.message };
  }
  throw err; // not a target's failure (e.g. the batch itself was cancelled)
}

function validate(input: BatchRestoreRequest): NormalizedBatchRequest {
  try {
    return validateBatchRequest(input, {
      now: new Date(Date.now()),
      // Each restore generates its own operation id; this one only satisfies validation.
      newOperationId: () => 'op-batch-validation',
    });
  } catch (err) {
    if (err instanceof BatchValidationError) throw refuse('InvalidBatch', `${err.message} Nothing was started.`);
    throw err;
  }
}
