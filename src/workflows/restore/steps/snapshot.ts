/**
 * The snapshot steps: find the snapshot to restore (1), share it with the target account (3), copy it into the
 * target region and account (4), and delete that copy once the cluster no longer needs it (11).
 */
import { workflowInfo } from '@temporalio/workflow';

import type { StartSnapshotCopyInput } from '../../../activities/types';
import type { SnapshotInfo } from '../../../domain/aws-shapes';
import { copySlotCoordinatorId } from '../../../domain/copy-slots';
import type { Failures } from '../../../domain/errors';
import { pipelineTags, snapshotCopyId } from '../../../domain/naming';
import { isRefusal, planSnapshotTransfer, resolveEngine } from '../../../domain/restore-plan';
import type { TransferPlan } from '../../../domain/restore-plan';
import { calls, creates } from '../../activity-options';
import { refuse } from '../../failure-report';
import { noteCopySlotWait } from '../../metrics-interceptor';
import { patchedBeforeCompact } from '../compact-history';
import { acquireCopySlot, awaitWatchedCopy, listenForCopyReport, releaseCopySlot } from '../copy-slot';
import type { RestoreRun } from '../run';
import { expecting, startedNow } from '../wait-hints';

/** The snapshot found, the engine to restore it with, and whether it must be shared and copied first. */
export interface SourceSnapshot {
  snapshot: SnapshotInfo;
  engine: string;
  transfer: TransferPlan;
}

/** 1. Find and verify the snapshot (must be `available`); refuse before any change when it cannot be used. */
export async function findSnapshot(run: RestoreRun): Promise<SourceSnapshot> {
  const { request, progress } = run;
  const lookup = {
    source: run.sourceLoc,
    ref: request.source.snapshotRef!,
    targetAccountId: request.target.accountId,
  };
  const snapshot = await run.steps.step(
    'find-snapshot',
    async () => {
      if (!run.lean) return calls.findSnapshot(lookup);
      // Lean history: one activity reads the target too; check-target judges what it found. A regular activity
      // even in a compact history: where most refusals happen (no such snapshot), its failure is an activity
      // failure in the Web UI and in the SDK's `temporal_activity_execution_failed`.
      const found = await calls.lookUpSourceAndTarget({ snapshot: lookup, target: targetLookup(run) });
      run.lookedUpTarget = found.existing;
      return found.snapshot;
    },
    (s) => s.identifier
  );
  progress.setSnapshot(snapshot);
  const engine = orRefuse(resolveEngine(request, snapshot));
  const transfer = orRefuse(planSnapshotTransfer(request, snapshot));
  return { snapshot, engine, transfer };
}

/** What check-target reads: the cluster under the target's name, with its instances. */
export function targetLookup(run: RestoreRun): {
  target: RestoreRun['targetLoc'];
  clusterId: string;
  includeInstances: true;
} {
  return { target: run.targetLoc, clusterId: run.request.target.clusterId, includeInstances: true };
}

/** 3. Cross-account: the source account shares the snapshot with the target account. */
export async function shareSnapshot(run: RestoreRun, { snapshot, transfer }: SourceSnapshot): Promise<void> {
  const targetAccountId = run.request.target.accountId;
  if (!transfer.share || !targetAccountId) return;
  const share = await run.steps.step(
    'share-snapshot',
    () => run.calls.shareSnapshot({ source: run.sourceLoc, snapshotIdentifier: snapshot.identifier, targetAccountId }),
    (s) => (s.alreadyShared ? 'already shared before this run; left as it was' : `shared with ${targetAccountId}`)
  );
  // Only a share this run added is removed again; one that existed before belongs to someone else.
  if (!share.alreadyShared) {
    run.created.sharedWith = targetAccountId;
    run.progress.resources().sharedSnapshot = snapshot.arn;
  }
}

/**
 * 4. Copy into the target region/account under the target's KMS key and wait until it is available; then the
 * share is no longer needed. Returns the identifier to restore from: the copy, or the snapshot itself.
 */
export async function copySnapshot(run: RestoreRun, { snapshot, transfer }: SourceSnapshot): Promise<string> {
  const { request, progress, created } = run;
  if (!transfer.copy) {
    progress.stepSkipped('copy-snapshot', Date.now(), transfer.reason);
    return snapshot.identifier;
  }
  const copyId = snapshotCopyId(request.target.clusterId, request.operationId);
  created.snapshotCopy = copyId;
  progress.resources().snapshotCopy = copyId;
  if (patchedBeforeCompact(COPY_SLOT_QUEUE_PATCH)) {
    await copyInQueuedSlot(run, snapshot, transfer, copyId);
  } else {
    await copyPollingForSlot(run, snapshot, transfer, copyId);
  }
  if (created.sharedWith) await unshare(run, snapshot);
  return copyId;
}

/**
 * Restores recorded before the copy-slot queue polled `startSnapshotCopy` until a slot was free; replaying them
 * must schedule the same activities.
 */
const COPY_SLOT_QUEUE_PATCH = 'copy-slot-queue';

/**
 * Queues for a slot at the region's coordinator (no AWS call while waiting), copies in the granted slot, and waits
 * for the coordinator's word that the copy has ended (it watches the region's copies and frees the slot itself).
 * Gives the slot back otherwise: when the copy never started, when the restore checked the copy itself, and still
 * counting the copy when the restore fails or is cancelled mid-copy (the cleanup then deletes it).
 */
async function copyInQueuedSlot(
  run: RestoreRun,
  snapshot: SnapshotInfo,
  transfer: TransferPlan,
  copyId: string
): Promise<void> {
  const { request, progress } = run;
  const report = listenForCopyReport();
  let coordinatorId: string | undefined;
  let watched = false;
  let copyStarted = false;
  let copyDone = false;
  let slotFreedByCoordinator = false;
  try {
    const started = await run.steps.step(
      'copy-snapshot',
      async () => {
        const requestedAt = Date.now();
        // Asks the coordinator to watch the copy. Its grant says whether it does: grants recorded before the watch
        // (and those of a coordinator from such a build) do not, and the restore then waits for the copy itself.
        const watch = {
          pollEveryMs: request.timing.pollIntervalMs,
          ...(run.waitHints.copyMs ? { expectedMs: run.waitHints.copyMs } : {}),
        };
        const slot = await acquireCopySlot(run, copyId, watch);
        coordinatorId = slot.coordinatorId;
        watched = slot.grant.watching === true;
        copyStarted = true;
        const copy = await creates().startSnapshotCopy({ ...copyInput(run, snapshot, copyId), slotGranted: true });
        // The queue replaced the activity's own wait for a slot: the workflow measures it now.
        if (!copy.adopted) noteCopySlotWait(run.targetLoc.region, requestedAt);
        return copy;
      },
      (c) => `${c.adopted ? 'adopted' : 'started'} ${c.identifier} (${transfer.reason})`
    );
    const copy = await run.steps.step('wait-for-copy', async () => {
      const waitStartedAt = Date.now();
      if (watched && coordinatorId) {
        try {
          const word = await awaitWatchedCopy(run, coordinatorId, copyId, report);
          if (word) return word;
        } finally {
          // Once the coordinator has told its word, it has freed the slot: nothing to give back.
          slotFreedByCoordinator = report() !== undefined;
        }
      }
      // After a silent coordinator, only what is left of the copy timeout (at least a minute for a last look).
      const leftMs = Math.max(60_000, request.timing.copyTimeoutMs - (Date.now() - waitStartedAt));
      return run.steps.wait(leftMs).awaitSnapshotAvailable({
        target: run.targetLoc,
        snapshotIdentifier: copyId,
        ...expecting(run.waitHints.copyMs),
        ...startedNow(!started.adopted && !watched),
      });
    });
    copyDone = true;
    progress.observeReady('snapshot-copy', copyId, copy.status, Date.now(), copy.percentProgress);
  } finally {
    if (!slotFreedByCoordinator) {
      // Also when the request for a slot never completed: whatever reached the coordinator leaves its queue.
      const coordinator =
        coordinatorId ?? copySlotCoordinatorId(run.targetLoc.region, run.targetLoc.accountId, workflowInfo().taskQueue);
      await releaseCopySlot(run, coordinator, copyStarted && !copyDone ? copyId : undefined);
    }
  }
}

/** The input of `startSnapshotCopy` for this run's copy. */
function copyInput(run: RestoreRun, snapshot: SnapshotInfo, copyId: string): StartSnapshotCopyInput {
  const { request } = run;
  return {
    target: run.targetLoc,
    sourceSnapshotArn: snapshot.arn,
    copyIdentifier: copyId,
    kmsKeyId: request.copy.kmsKeyId,
    operationId: request.operationId,
    tags: pipelineTags(request.operationId, snapshot.arn, request.target.tags),
  };
}

/** Before the queue: `startSnapshotCopy` itself waits for a free slot, polled like a wait. */
async function copyPollingForSlot(
  run: RestoreRun,
  snapshot: SnapshotInfo,
  transfer: TransferPlan,
  copyId: string
): Promise<void> {
  const { request, progress } = run;
  const { wait } = run.steps;
  await run.steps.step(
    'copy-snapshot',
    // Polled like a wait: when the destination region has no free copy slot, the activity says so and is
    // retried every poll interval, up to the copy timeout.
    () => wait(request.timing.copyTimeoutMs).startSnapshotCopy(copyInput(run, snapshot, copyId)),
    (c) => `${c.adopted ? 'adopted' : 'started'} ${c.identifier} (${transfer.reason})`
  );
  const copy = await run.steps.step('wait-for-copy', () =>
    wait(request.timing.copyTimeoutMs).awaitSnapshotAvailable({
      target: run.targetLoc,
      snapshotIdentifier: copyId,
      ...expecting(run.waitHints.copyMs),
    })
  );
  progress.observeReady('snapshot-copy', copyId, copy.status, Date.now(), copy.percentProgress);
}

/**
 * 11. Delete the copy this run made, unless asked to keep it. Never the source snapshot. Returns the copy's
 * identifier (kept or deleted), for the result.
 */
export async function deleteSnapshotCopy(run: RestoreRun): Promise<string | undefined> {
  const { request, created } = run;
  const copyId = created.snapshotCopy;
  if (copyId && !request.copy.keep) {
    await run.steps.step('delete-snapshot-copy', () =>
      run.calls.deleteSnapshotCopy({
        target: run.targetLoc,
        snapshotIdentifier: copyId,
        operationId: request.operationId,
      })
    );
    created.snapshotCopy = undefined;
    run.progress.resources().snapshotCopy = undefined;
  }
  return copyId;
}

/** Removes the share this run added, once the copy in the target account no longer needs it. */
async function unshare(run: RestoreRun, snapshot: SnapshotInfo): Promise<void> {
  const { created, progress } = run;
  const targetAccountId = created.sharedWith;
  if (!targetAccountId) return;
  progress.stepStarted('unshare-snapshot', Date.now());
  await run.calls.unshareSnapshot({
    source: run.sourceLoc,
    snapshotIdentifier: snapshot.identifier,
    targetAccountId,
  });
  progress.stepEnded('unshare-snapshot', Date.now(), 'completed');
  created.sharedWith = undefined;
  progress.resources().sharedSnapshot = undefined;
}

function orRefuse<T>(value: T | { failure: keyof typeof Failures; message: string }): T {
  if (isRefusal(value)) throw refuse(value.failure, value.message);
  return value;
}
