/**
 * The expiry handover of a restore that replaced its target: the target's previous expiry, if one still runs, is
 * told that its cluster is gone and ends as `superseded` without deleting anything.
 *
 * Restores recorded before this patch signalled the expiry as an external workflow, which records a red "Signal
 * External Workflow Execution Failed" event whenever no expiry runs (the common case); they replay that way. Newer
 * restores ask an activity, which signals through the worker's client, finds out whether one ran, and records no
 * failure.
 */
import { getExternalWorkflowHandle, isCancellation, log } from '@temporalio/workflow';

import { calls, localCalls } from '../activity-options';
import { expirySupersededSignal } from '../expiry-messages';
import type { ExpirySuperseded } from '../expiry-messages';
import type { RestoreResult } from '../messages';

import { compactHistory, patchedBeforeCompact } from './compact-history';

export const EXPIRY_HANDOVER_PATCH = 'expiry-handover-activity';

/** Whether a previous expiry of the target was running (and was told to stand down). */
export type PreviousExpiry = 'superseded' | 'none' | 'unknown';

/** Tells the target's previous expiry, if any, to stand down. Never throws, except on cancellation. */
export async function supersedePreviousExpiry(workflowId: string, by: ExpirySuperseded): Promise<PreviousExpiry> {
  if (patchedBeforeCompact(EXPIRY_HANDOVER_PATCH)) {
    try {
      const { previousExpiry } = await (compactHistory() ? localCalls : calls).supersedeExpiry({ workflowId, ...by });
      return previousExpiry;
    } catch (err) {
      if (isCancellation(err)) throw err;
      // The cluster is restored; a previous expiry that missed this still refuses to delete it (operation-id guard).
      log.warn('Could not tell the previous expiry of the target to stand down', {
        workflowId,
        error: err instanceof Error ? err.message : String(err),
      });
      return 'unknown';
    }
  }
  try {
    await getExternalWorkflowHandle(workflowId).signal(expirySupersededSignal, by);
    return 'superseded';
  } catch (err) {
    if (isCancellation(err)) throw err;
    return 'none';
  }
}

/** The `schedule-expiry` step's detail, as the `progress` query and notifications show it. */
export function expiryStepDetail(outcome: { expiry?: RestoreResult['expiry']; previous: PreviousExpiry }): string {
  const { expiry, previous } = outcome;
  const handover =
    previous === 'superseded'
      ? 'the previous expiry of this target was told to stand down'
      : previous === 'none'
        ? 'no previous expiry of this target was running'
        : 'could not reach a previous expiry of this target (it will not delete the new cluster)';
  if (!expiry) return `no expiry requested; ${handover}`;
  return `${expiry.problem ?? `${expiry.workflowId} deletes the cluster at ${expiry.expiresAt}`}; ${handover}`;
}
