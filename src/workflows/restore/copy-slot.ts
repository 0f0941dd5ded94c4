/**
 * A restore's side of the fleet-wide copy-slot queue (workflows/copy-slots.ts): ask the destination region's
 * coordinator for a slot, wait for its grant without any AWS call, and give the slot back whatever happens next.
 */
import {
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  log,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';

import type { CopySlotGrant } from '../../domain/copy-slots';
import { formatDuration } from '../../domain/durations';
import { copySlotGrantedSignal, copySlotReleaseSignal } from '../copy-slot-messages';
import { refuse } from '../failure-report';

import type { RestoreRun } from './run';

/**
 * Queues this run for a copy slot in the target's region and waits until the coordinator grants one, up to the copy
 * timeout (and the overall deadline). The progress query shows `waiting-for-copy-slot` meanwhile.
 */
export async function acquireCopySlot(
  run: RestoreRun,
  copyId: string
): Promise<{ coordinatorId: string; grant: CopySlotGrant }> {
  let received: CopySlotGrant | undefined;
  setHandler(copySlotGrantedSignal, (grant) => {
    received = grant;
  });
  const granted = (): CopySlotGrant | undefined => received;
  const { coordinatorId } = await run.calls.requestCopySlot({ target: run.targetLoc, copyIdentifier: copyId });
  const early = granted();
  if (early) return { coordinatorId, grant: early };
  run.progress.observe({
    resource: 'snapshot-copy',
    id: copyId,
    status: 'waiting-for-copy-slot',
    observedAt: new Date(Date.now()).toISOString(),
  });
  run.steps.wait(run.request.timing.copyTimeoutMs); // throws WaitTimedOut when the deadline has passed already
  const timeoutMs = run.steps.lastWaitTimeoutMs ?? run.request.timing.copyTimeoutMs;
  const arrived = await condition(() => granted() !== undefined, timeoutMs);
  const grant = granted();
  if (!arrived || !grant) {
    const { region, accountId } = run.targetLoc;
    throw refuse(
      'WaitTimedOut',
      `No snapshot copy slot in ${region}${accountId ? ` of account ${accountId}` : ''} came free within ` +
        `${formatDuration(timeoutMs)}: other copies held every slot. See who holds them with \`temporal workflow ` +
        `describe --workflow-id ${coordinatorId}\`, or raise timing.copyTimeout.`
    );
  }
  return { coordinatorId, grant };
}

/**
 * Gives this run's slot back (or leaves the queue), even while the restore is being cancelled. `copyStillRunning`
 * names the copy when it may still be in progress (the restore failed mid-copy): it keeps counting until it ends.
 * A coordinator that has closed holds nothing of this run, so a failed signal is only logged. A compact history
 * sends the signal from an activity (no command and workflow task of its own).
 */
export async function releaseCopySlot(
  run: RestoreRun,
  coordinatorId: string,
  copyStillRunning?: string
): Promise<void> {
  const { workflowId, runId } = workflowInfo();
  await CancellationScope.nonCancellable(async () => {
    try {
      if (run.compact) {
        await run.calls.releaseCopySlot({ coordinatorId, ...(copyStillRunning ? { copyStillRunning } : {}) });
        return;
      }
      await getExternalWorkflowHandle(coordinatorId).signal(copySlotReleaseSignal, {
        workflowId,
        runId,
        ...(copyStillRunning ? { copyStillRunning } : {}),
      });
    } catch (err) {
      log.warn('Could not give the copy slot back: the coordinator is not running', {
        coordinatorId,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  });
}
