/**
 * The release of a per-target lock (workflows/target-lock.ts) from an activity: a compact history sends the holder's
 * release signal through the worker's client instead of as a workflow command with its own workflow task.
 */
import { getClient } from '@temporalio/activity';
import type { WorkflowClient } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';

import { TARGET_LOCK_RELEASE_SIGNAL } from '../domain/naming';

import type { ReleaseTargetLockInput } from './types';

export interface TargetLockActivityDeps {
  /** The Temporal client to reach workflows with; default: the worker's own (`getClient()`). */
  workflowClient?: () => WorkflowClient;
}

export function createTargetLockActivities(deps: TargetLockActivityDeps = {}) {
  const workflows = deps.workflowClient ?? (() => getClient().workflow);
  return {
    /**
     * Releases the lock run the calling restore holds (its run id, so never another restore's lock). Idempotent: a
     * lock that has already ended (released, or terminated by hand) has nothing left to release.
     */
    async releaseTargetLock(input: ReleaseTargetLockInput): Promise<{ released: boolean }> {
      try {
        await workflows().getHandle(input.lockWorkflowId, input.lockRunId).signal(TARGET_LOCK_RELEASE_SIGNAL);
        return { released: true };
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return { released: false };
        throw err;
      }
    },
  };
}
