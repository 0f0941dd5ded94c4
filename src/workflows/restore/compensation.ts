/**
 * Compensation: removing what this run created when the restore fails or is cancelled. Every call is
 * guarded by this operation's tag inside the activity, so a resource this run did not create is never touched.
 */
import { log } from '@temporalio/workflow';

import { isCreatedByOperation } from '../../domain/naming';
import type { CleanupReport } from '../../domain/restore-report';
import { cleanupCalls, waits } from '../activity-options';

import type { RestoreRun } from './run';
import { undoSwap } from './steps/swap';

/** Removes what this run created (`run.created`) and no longer needs. A failed removal is reported, not thrown. */
export async function cleanUp(run: RestoreRun): Promise<CleanupReport> {
  const { request, created, progress, targetLoc, sourceLoc } = run;
  const removed: string[] = [];
  const leftInPlace: string[] = [];
  const attempt = async (what: string, run: () => Promise<boolean>): Promise<void> => {
    try {
      if (await run()) removed.push(what);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      log.warn('Cleanup could not remove a resource', { resource: what, error: message });
      leftInPlace.push(`${what} (${message})`);
    }
  };
  const cleanupWaits = waits(request.timing.pollIntervalMs, request.timing.deleteTimeoutMs);
  const calls = cleanupCalls(request.timing.deleteTimeoutMs);

  // A swap that did not complete is undone first: the old cluster gets the target's name back. Should that fail,
  // the new cluster is kept too, so that no working cluster is lost while the names are in between.
  let keepNewCluster = false;
  const swap = run.swap;
  if (swap && !swap.committed && swap.moved.oldAside) {
    try {
      for (const rename of await undoSwap(run)) removed.push(`renamed back ${rename}`);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      log.warn('Cleanup could not undo the swap', { error: message });
      keepNewCluster = true;
      leftInPlace.push(
        `swap of ${request.target.clusterId} not undone (${message}): the old cluster (${swap.outgoingClusterId}) and ` +
          `the new one (${swap.incomingClusterId}) were both left in place`
      );
    }
  }

  if (created.cluster && !keepNewCluster) {
    const clusterId = created.cluster;
    await attempt(`cluster ${clusterId}`, async () => {
      // Only a cluster tagged with this operation is ours to remove (the activity enforces the same guard).
      const found = await calls.describeCluster({ target: targetLoc, clusterId });
      if (!found || !isCreatedByOperation(found.tags, request.operationId)) return false;
      await cleanupWaits.deleteCluster({
        target: targetLoc,
        clusterId,
        guard: { operationId: request.operationId },
        disableDeletionProtection: true,
      });
      return true;
    });
  }
  if (created.snapshotCopy && !request.copy.keep) {
    const snapshotIdentifier = created.snapshotCopy;
    await attempt(`snapshot copy ${snapshotIdentifier}`, async () => {
      const out = await calls.deleteSnapshotCopy({
        target: targetLoc,
        snapshotIdentifier,
        operationId: request.operationId,
      });
      return out.deleted;
    });
  }
  if (created.sharedWith && progress.view().snapshot) {
    const targetAccountId = created.sharedWith;
    const snapshotIdentifier = progress.view().snapshot?.identifier ?? '';
    await attempt(`share of ${snapshotIdentifier} with ${targetAccountId}`, async () => {
      await calls.unshareSnapshot({
        source: sourceLoc,
        snapshotIdentifier,
        targetAccountId,
      });
      return true;
    });
  }
  return { removed, leftInPlace };
}
