/**
 * The worker's V8 heap limit. Left to Node's default (about 4 GB on a large machine), V8 lets each heap grow far
 * past its live data before it collects: in bench:drill, one worker with 500 restores peaked at 916 MB RSS by
 * default and at 628 MB with `--max-old-space-size=512` (same run, same failures: none, same schedule-to-start).
 * `npm run worker` and the container image start the worker with WORKER_NODE_FLAGS for that reason. The limit
 * applies to the workflow thread too, whose live data grows with the sticky cache: the worker warns at startup
 * when the limit leaves too little room for AURORA_RESTORE_MAX_CACHED_WORKFLOWS.
 */
import { getHeapStatistics } from 'node:v8';

/** The Node flags `npm run worker` and the Dockerfile start the worker with (a test keeps them in step). */
export const WORKER_NODE_FLAGS = ['--max-old-space-size=512'];

/** Heap the worker needs besides its cached restores (activities, AWS SDK clients, the SDK itself). */
const BASE_HEAP_MB = 128;
/**
 * Heap per cached restore, with margin: 250 cached restores ran in a 384 MB heap in bench:drill, so a restore's
 * live workflow state is well under 1 MB now that zod and the schemas are shared (workflow-preload.ts).
 */
const HEAP_PER_CACHED_RESTORE_MB = 1;

/** The heap a worker caching `maxCachedWorkflows` restores should be allowed, in MB. */
export function heapNeededMb(maxCachedWorkflows: number): number {
  return BASE_HEAP_MB + HEAP_PER_CACHED_RESTORE_MB * maxCachedWorkflows;
}

/**
 * A warning when the heap limit (`heapLimitBytes`, V8's `heap_size_limit`) is below what the sticky cache needs, or
 * undefined when it is enough.
 */
export function heapLimitWarning(
  maxCachedWorkflows: number,
  heapLimitBytes: number = getHeapStatistics().heap_size_limit
): string | undefined {
  const limitMb = Math.floor(heapLimitBytes / 2 ** 20);
  const neededMb = heapNeededMb(maxCachedWorkflows);
  if (limitMb >= neededMb) return undefined;
  return (
    `The worker's heap limit is ${limitMb} MB, less than the ${neededMb} MB that ${maxCachedWorkflows} cached ` +
    `restores (AURORA_RESTORE_MAX_CACHED_WORKFLOWS) may need: the workflow thread could run out of memory. Start ` +
    `Node with --max-old-space-size=${neededMb} or more, or lower AURORA_RESTORE_MAX_CACHED_WORKFLOWS.`
  );
}
