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

/** How long the handover waits for a told expiry to end (it ends at once unless it is deleting its cluster). */
const EXPIRY_END_WAIT_MS = 20_000;

/** Resolves when the expiry has ended (however) or after `ms`, whichever comes first. */
async function endOrTimeout(result: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([result.then(noop, noop), timeout]).finally(() => clearTimeout(timer));
}

function noop(): void {}

export function createExpiryHandoverActivities() {
  return {
    /** Idempotent: telling an expiry twice is harmless, and one that has ended since is simply not found. */
    async supersedeExpiry(input: SupersedeExpiryInput): Promise<SupersedeExpiryOutput> {
      const { workflowId, operationId, restoreWorkflowId } = input;
      try {
        const handle = getClient().workflow.getHandle(workflowId);
        await handle.signal<[ExpirySuperseded]>(EXPIRY_SUPERSEDED_SIGNAL_NAME, { operationId, restoreWorkflowId });
        // Wait for it to end, so the restore's new expiry takes the id at once rather than after a failed start.
        await endOrTimeout(handle.result(), EXPIRY_END_WAIT_MS);
        return { workflowId, previousExpiry: 'superseded' };
      } catch (err) {
        // Never started, or already ended: no expiry watches this target any more.
        if (err instanceof WorkflowNotFoundError) return { workflowId, previousExpiry: 'none' };
        throw err;
      }
    },
  };
}
