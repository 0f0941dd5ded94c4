/**
 * The expiry handover: a restore that replaced a target tells the target's previous expiry, if one still runs, that
 * its cluster is gone, so that expiry ends as `superseded` without deleting anything. Done here, through the
 * worker's Temporal client, rather than by the workflow signalling an external workflow: a signal to an expiry that
 * does not exist (the common case) would be recorded as a failed event in every successful restore's history.
 */
import { getClient } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';

import { EXPIRY_SUPERSEDED_SIGNAL_NAME } from '../domain/expiry';
import type { ExpirySuperseded } from '../domain/expiry';

export interface SupersedeExpiryInput extends ExpirySuperseded {
  /** The target's expiry workflow id (`aurora-restore-expiry/<region>/<cluster>`). */
  workflowId: string;
}

export interface SupersedeExpiryOutput {
  workflowId: string;
  /** `superseded`: a running expiry was told to stand down; `none`: no expiry of this target was running. */
  previousExpiry: 'superseded' | 'none';
}

export function createExpiryHandoverActivities() {
  return {
    /** Idempotent: telling an expiry twice is harmless, and one that has ended since is simply not found. */
    async supersedeExpiry(input: SupersedeExpiryInput): Promise<SupersedeExpiryOutput> {
      const { workflowId, operationId, restoreWorkflowId } = input;
      try {
        await getClient()
          .workflow.getHandle(workflowId)
          .signal<[ExpirySuperseded]>(EXPIRY_SUPERSEDED_SIGNAL_NAME, { operationId, restoreWorkflowId });
        return { workflowId, previousExpiry: 'superseded' };
      } catch (err) {
        // Never started, or already ended: no expiry watches this target any more.
        if (err instanceof WorkflowNotFoundError) return { workflowId, previousExpiry: 'none' };
        throw err;
      }
    },
  };
}
