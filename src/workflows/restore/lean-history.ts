/**
 * A lean history: what a restore writes besides its activities and their workflow tasks. Restores started with this
 * patch (all new ones) keep their history independent of how long AWS takes and about half as long as before:
 * - progress while waiting is not signalled per status or percentage: the wait's last observation travels in the
 *   pending activity (its last failure's details, or its heartbeat details), which `describe()` returns and the CLI
 *   shows; the `progress` query keeps the status each wait returned;
 * - search attributes are upserted only when what users filter by changes: target and source (unless the start set
 *   them already), the `await-approval` step and the step after it, and the final status with the last step;
 * - the two read-only lookups at the start (find the snapshot, check the target) run as one activity.
 * Restores recorded before the patch replay with the old behaviour.
 */
import { patched } from '@temporalio/workflow';

export const LEAN_HISTORY_PATCH = 'lean-history';

/** Whether this run writes the lean history; call once per run, where the old code upserted its first attributes. */
export function leanHistory(): boolean {
  return patched(LEAN_HISTORY_PATCH);
}

/** Steps whose start users filter on (`AuroraRestoreStep = 'await-approval'`): a person has to act. */
export const FILTERED_STEPS: ReadonlySet<string> = new Set(['await-approval']);
