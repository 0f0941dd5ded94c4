/**
 * How the restore worker sizes its workflow side. A restore spends hours waiting for AWS with nothing to do between
 * its few workflow tasks (about 15 per restore), so:
 * - the sticky cache keeps up to `maxCachedWorkflows` restores in memory (measured with bench:drill: 250 cached
 *   restores ran in a 384 MB heap with the reused V8 context, most of a restore's share being the SDK's own modules,
 *   which every workflow evaluates anew; zod and the schemas are shared: workflow-preload.ts; heap.ts sets the
 *   limit); beyond that, a restore whose task comes is replayed from its short history (about 50 events), which
 *   costs a few milliseconds: memory stays bounded with any number of restores;
 * - workflow tasks are short (no I/O), so a few run at once per core; more would only queue inside the process and
 *   hide the wait from schedule-to-start metrics;
 * - local activities (the read-only lookups at a restore's start) get as many slots as activities.
 */
import type { WorkerOptions } from '@temporalio/worker';

/** Restores kept in the sticky cache per worker when AURORA_RESTORE_MAX_CACHED_WORKFLOWS is unset. */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 250;
/** Workflow tasks run at once: short CPU-bound tasks, a few per core. */
export const MAX_CONCURRENT_WORKFLOW_TASKS = 8;

export function restoreWorkerTuning(settings: {
  maxCachedWorkflows: number;
  maxConcurrentActivityTaskExecutions: number;
}): Pick<
  WorkerOptions,
  | 'maxCachedWorkflows'
  | 'maxConcurrentWorkflowTaskExecutions'
  | 'maxConcurrentActivityTaskExecutions'
  | 'maxConcurrentLocalActivityExecutions'
> {
  return {
    maxCachedWorkflows: settings.maxCachedWorkflows,
    maxConcurrentWorkflowTaskExecutions: MAX_CONCURRENT_WORKFLOW_TASKS,
    maxConcurrentActivityTaskExecutions: settings.maxConcurrentActivityTaskExecutions,
    maxConcurrentLocalActivityExecutions: settings.maxConcurrentActivityTaskExecutions,
  };
}
