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

import { snapshotCopyFailureHint } from '../../domain/aws-status';
import type { CopyCheckReport, CopySlotGrant, CopyWatchRequest } from '../../domain/copy-slots';
import { formatDuration } from '../../domain/durations';
import { copyCheckedSignal, copySlotGrantedSignal, copySlotReleaseSignal } from '../copy-slot-messages';
import { refuse } from '../failure-report';
import { noteStepWaitStarted } from '../metrics-interceptor';

import type { RestoreRun } from './run';

/**
 * Queues this run for a copy slot in the target's region and waits until the coordinator grants one, up to the copy
 * timeout (and the overall deadline). The progress query shows `waiting-for-copy-slot` meanwhile.
 */
export async function acquireCopySlot(
  run: RestoreRun,
  copyId: string,
  watch?: CopyWatchRequest
): Promise<{ coordinatorId: string; grant: CopySlotGrant }> {
  let received: CopySlotGrant | undefined;
  setHandler(copySlotGrantedSignal, (grant) => {
    received = grant;
  });
  const granted = (): CopySlotGrant | undefined => received;
  const { coordinatorId } = await run.calls.requestCopySlot({
    target: run.targetLoc,
    copyIdentifier: copyId,
    ...(watch ? { watch } : {}),
  });
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
  const summary = `copy-snapshot: ${copyId} in ${run.targetLoc.region} waits for a copy slot at ${coordinatorId}`;
  const arrived = await condition(() => granted() !== undefined, timeoutMs, { summary });
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

/** Handles the coordinator's word on a watched copy; set before the slot is requested, so no word is missed. */
export function listenForCopyReport(): () => CopyCheckReport | undefined {
  let report: CopyCheckReport | undefined;
  setHandler(copyCheckedSignal, (r) => {
    report = r;
  });
  return () => report;
}

/**
 * Without word from the coordinator for this long (or three times the expected copy time, if longer), the restore
 * checks its copy itself: a coordinator terminated by hand must not leave it waiting until its copy timeout. Long
 * enough that no ordinary copy reaches it, so the history stays the same whatever AWS takes.
 */
const COORDINATOR_SILENCE_MS = 6 * 60 * 60_000;

/**
 * Waits for the coordinator's word that this run's copy has ended (it watches every copy of its region in one
 * call), up to the copy timeout. Returns the copy's final status when it is available, refuses when it failed or
 * disappeared, and returns undefined when the coordinator stayed silent too long: the caller then checks itself.
 */
export async function awaitWatchedCopy(
  run: RestoreRun,
  coordinatorId: string,
  copyId: string,
  report: () => CopyCheckReport | undefined
): Promise<CopyCheckReport | undefined> {
  run.steps.wait(run.request.timing.copyTimeoutMs); // throws WaitTimedOut when the deadline has passed already
  const timeoutMs = run.steps.lastWaitTimeoutMs ?? run.request.timing.copyTimeoutMs;
  const silenceMs = Math.max(COORDINATOR_SILENCE_MS, 3 * (run.waitHints.copyMs ?? 0));
  run.progress.setCopyWatchedBy(coordinatorId);
  noteStepWaitStarted();
  try {
    // The timer's summary is what the Web UI shows for the wait (it has no activity of its own).
    const summary = `wait-for-copy: ${copyId} in ${run.targetLoc.region}, watched by ${coordinatorId}`;
    await condition(() => report() !== undefined, Math.min(timeoutMs, silenceMs), { summary });
  } finally {
    run.progress.setCopyWatchedBy(undefined);
  }
  const word = report();
  if (!word) {
    if (timeoutMs <= silenceMs) {
      throw refuse(
        'WaitTimedOut',
        `The snapshot copy ${copyId} in ${run.targetLoc.region} did not become available within ` +
          `${formatDuration(timeoutMs)}. Check its progress with \`aws rds describe-db-cluster-snapshots ` +
          `--db-cluster-snapshot-identifier ${copyId} --region ${run.targetLoc.region}\`, or raise timing.copyTimeout.`
      );
    }
    log.warn('No word from the copy-slot coordinator on the copy: checking it directly', {
      copy: copyId,
      coordinatorId,
    });
    return undefined;
  }
  if (word.status === 'available') return word;
  const what = word.status === 'not-found' ? 'disappeared' : `is "${word.status}"`;
  throw refuse(
    'SnapshotCopyFailed',
    `The snapshot copy ${copyId} in ${run.targetLoc.region} ${what}: ${snapshotCopyFailureHint(word.status)}`
  );
}
