/**
 * Client side of `aurora-restore batch <file>`: starts `batchRestore` from a JSON or YAML batch file and follows it,
 * printing each target's status as it changes and the final report. The batch is validated here first (every
 * target's request, names, order), so a bad file starts nothing.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';

import { BatchValidationError, validateBatchRequest } from '../domain/batch';
import type { BatchRestoreRequest } from '../domain/batch';
import type { batchRestore } from '../workflows';
import { batchProgressQuery } from '../workflows/batch-restore';
import type { BatchReport, BatchTargetReport } from '../workflows/batch-restore';

import type { ClientConnection } from './connection';
import { workflowUrl } from './connection';
import { formatElapsed } from './format';
import { loadRequestFile } from './request-file';
import type { LoadRequestOptions } from './request-file';

export const BATCH_ID_PREFIX = 'aurora-restore-batch';

export interface BatchCommandContext {
  out: { json: boolean; line: (text?: string) => void; err: (text?: string) => void; document: (v: unknown) => void };
  /** Progress lines (stderr with --json). */
  progress: (text: string) => void;
  now: () => Date;
  readStdin?: LoadRequestOptions['readStdin'];
  connect: () => Promise<ClientConnection>;
  watchIntervalMs?: number;
  signal?: AbortSignal;
}

/** A batch file that cannot be started: every problem, before connecting. */
export class BatchFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BatchFileError';
  }
}

export function formatBatchTarget(t: BatchTargetReport): string {
  const mark = { succeeded: '✓', failed: '✗', skipped: '-', 'not-started': '-', running: '…', pending: ' ' }[t.status];
  const took = t.durationMs !== undefined ? ` ${formatElapsed(t.durationMs)}` : '';
  const tries = t.attempts > 1 ? `, ${t.attempts} attempts` : '';
  const why = t.failure ? `: ${t.failure.type}: ${t.failure.message}` : t.reason ? `: ${t.reason}` : '';
  const endpoint = t.writerEndpoint ? `  ${t.writerEndpoint}` : '';
  return `${mark} ${t.name.padEnd(24)} ${t.status}${took}${tries}${why}${endpoint}`;
}

export function formatBatchReport(report: BatchReport): string[] {
  const ok = report.targets.filter((t) => t.status === 'succeeded').length;
  return [
    `Batch ${report.name ?? ''} ${report.status}: ${ok} of ${report.targets.length} target(s) succeeded` +
      (report.durationMs !== undefined ? ` in ${formatElapsed(report.durationMs)}` : ''),
    ...report.targets.map((t) => `  ${formatBatchTarget(t)}`),
  ];
}

/** Starts the batch in `file` on `taskQueue` and follows it, unless `detach`. Returns the exit code. */
export async function runBatch(
  file: string,
  options: { detach: boolean; taskQueue: string },
  ctx: BatchCommandContext
): Promise<number> {
  const { taskQueue } = options;
  const loaded = await loadRequestFile(file, { readStdin: ctx.readStdin });
  const batch = loaded.request as BatchRestoreRequest;
  const now = ctx.now();
  try {
    validateBatchRequest(batch, { now, newOperationId: () => 'op-cli-validation' });
  } catch (err) {
    if (err instanceof BatchValidationError) throw new BatchFileError(`${err.message} Nothing was started.`);
    throw err;
  }

  const { client, namespace, uiBaseUrl } = await ctx.connect();
  const workflowId = `${BATCH_ID_PREFIX}/${batch.name ?? `batch-${now.toISOString().replace(/[:.]/g, '-')}`}`;
  const handle = await client.workflow.start<typeof batchRestore>('batchRestore', {
    taskQueue,
    workflowId,
    args: [batch],
  });
  const url = workflowUrl(uiBaseUrl, namespace, workflowId, handle.firstExecutionRunId);
  const started = { workflowId, runId: handle.firstExecutionRunId, namespace, taskQueue, url };
  if (options.detach) {
    if (ctx.out.json) ctx.out.document(started);
    else ctx.out.line(`Started batch ${workflowId} (${batch.targets.length} targets).\n  Web UI: ${url}`);
    return 0;
  }
  ctx.progress(`Started batch ${workflowId} with ${batch.targets.length} target(s). Web UI: ${url}`);

  // Follow: print each target's status when it changes, until the batch closes.
  const seen = new Map<string, string>();
  const settled = handle.result().then(
    (report) => ({ report }),
    (error: unknown) => ({ error })
  );
  for (;;) {
    const done = await Promise.race([settled, sleep(ctx.watchIntervalMs ?? 2000, ctx.signal).then(() => undefined)]);
    const progress = await handle.query(batchProgressQuery).catch(() => undefined);
    for (const t of progress?.targets ?? []) {
      const key = `${t.status}/${t.attempts}`;
      if (seen.get(t.name) !== key && t.status !== 'pending') ctx.progress(formatBatchTarget(t));
      seen.set(t.name, key);
    }
    if (done) {
      const error = 'error' in done ? done.error : undefined;
      const report = 'report' in done ? done.report : reportOf(error);
      if (!report) throw error;
      if (ctx.out.json) ctx.out.document({ ...started, report });
      else formatBatchReport(report).forEach((l) => ctx.out.line(l));
      return report.status === 'succeeded' ? 0 : 1;
    }
    if (ctx.signal?.aborted) {
      ctx.out.err(`Stopped following ${workflowId}; the batch keeps running in Temporal.`);
      return 130;
    }
  }
}

function reportOf(error: unknown): BatchReport | undefined {
  if (error instanceof WorkflowFailedError && error.cause instanceof ApplicationFailure) {
    const details = error.cause.details?.[0] as { report?: BatchReport } | undefined;
    return details?.report;
  }
  return undefined;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
