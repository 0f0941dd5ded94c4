/**
 * How the restore worker sizes its workflow side. A restore spends hours waiting for AWS with nothing to do between
 * its few workflow tasks (about 15 per restore), so:
 * - the sticky cache keeps up to `maxCachedWorkflows` restores in memory (measured with bench:drill: 250 cached
 *   restores ran in a 384 MB heap with the reused V8 context, most of a restore's share being the SDK's own modules,
 *   which every workflow evaluates anew; zod and the schemas are shared: workflow-preload.ts; heap.ts sets the
 *   limit); beyond that, a restore whose task comes is replayed from its short history (about 50 events), which
 *   costs a few milliseconds: memory stays bounded with any number of restores;
 * - a workflow task holds its slot until its local activities (the short AWS calls of a compact history) end, so
 *   the slots are sized for tasks waiting on AWS, not for the CPU: 40 (the SDK's default). With 8, 200 restores
 *   under an RDS budget of 2 calls/s per region waited 23 s (p99) for a workflow task with an idle CPU; with 40,
 *   9 s (bench:drill section 4, while local activities still waited for some budget tokens in their task; now they
 *   never wait long there: call-budget.ts);
 * - local activities get as many slots as activities.
 */
import type { WorkerOptions } from '@temporalio/worker';

/** Restores kept in the sticky cache per worker when AURORA_RESTORE_MAX_CACHED_WORKFLOWS is unset. */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 250;
/** Workflow tasks run at once, including those waiting for their local activities' AWS calls. */
export const MAX_CONCURRENT_WORKFLOW_TASKS = 40;

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
