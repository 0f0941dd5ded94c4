/**
 * The restore workflow: the steps read top to bottom, exactly as a DBA would do them by hand.
 *
 *   validate -> find snapshot -> check target -> [share] -> [copy -> wait] -> [approve] -> [delete old target]
 *   -> restore cluster -> wait -> create instances -> wait -> [master password] -> [database steps]
 *   -> [approve -> swap] -> [delete the copy] -> [schedule the cluster's expiry] -> notify
 *
 * A live cluster source (source.pointInTime, source.clone) resolves the source cluster instead of finding a
 * snapshot, needs no share or copy, and restores with RestoreDBClusterToPointInTime; the other steps are the same.
 *
 * An existing target is replaced delete-first (deleted in step 5, before the restore) or by a swap (the default):
 * steps 6-9 then build the new cluster under temporary names while the old one keeps serving, and step 10 swaps
 * the names. With `approval.required`, a person approves or rejects before an existing target is deleted or swapped. With `rto`, a timer
 * races the steps and raises `rto-breached` the moment the RTO passes. Any failure or cancellation runs the cleanup
 * (what this run created and no longer needs) in a scope that cancellation cannot interrupt, and ends failed.
 *
 * Each step is a small function in restore/steps (or restore/expiry-handover.ts); the machinery beside them lives in
 * restore/: the approval gate, the RTO watch, the step bookkeeping (progress view and search attributes), the
 * notifications, the compensation and how a run ends (outcome).
 */
import { setHandler, workflowInfo } from '@temporalio/workflow';

import type { WaitHints } from '../domain/poll-schedule';
import type { RestoreRequest } from '../domain/request';

import { observationSignal, progressQuery } from './messages';
import type { RestoreResult } from './messages';
import { ApprovalGate } from './restore/approval-gate';
import { beginCompactHistory } from './restore/compact-history';
import { handOverExpiry } from './restore/expiry-handover';
import { notify } from './restore/notify';
import { failAndCleanUp, succeed } from './restore/outcome';
import { ProgressTracker } from './restore/progress';
import { watchRto } from './restore/rto-watch';
import { beginRun } from './restore/run';
import { createInstances, restoreCluster, setMasterPassword } from './restore/steps/cluster';
import { runDatabaseSteps } from './restore/steps/database';
import { isClusterSource, snapshotOf, sourceArnOf } from './restore/steps/restore-source';
import { copySnapshot, deleteSnapshotCopy, findSnapshot, shareSnapshot } from './restore/steps/snapshot';
import { resolveSourceCluster, restoreFromSourceCluster } from './restore/steps/source';
import { swapIntoTarget } from './restore/steps/swap';
import { checkTarget, replaceTarget } from './restore/steps/target';
import { lockTarget, releasing } from './restore/target-lock';
import { validate } from './restore/validation';
import { checkWaitHints } from './restore/wait-hints';

/**
 * @param hints expected AWS durations of the waits, from earlier restores of the same source (optional): they time
 *   the status checks so a wait ends soon after AWS finishes, with few calls.
 */
export async function auroraRestore(input: RestoreRequest, hints?: WaitHints): Promise<RestoreResult> {
  const startedAt = Date.now();
  // First: whether this run writes the compact history decides which changes ask for a marker later.
  beginCompactHistory();
  const progress = new ProgressTracker(workflowInfo().workflowId);
  setHandler(progressQuery, () => progress.queryView(Date.now()));
  setHandler(observationSignal, (observation) => progress.observe(observation));
  // The approve/reject handlers exist from the start: an Update while nothing is pending is refused, not lost.
  const approvals = new ApprovalGate(progress);

  // Validation happens before any side effect and reports every problem at once.
  const request = validate(input, progress);
  const run = beginRun(request, progress, startedAt, checkWaitHints(hints, progress));
  // One restore per cluster however the request names its account; released when the run ends, however it ends.
  const lock = await lockTarget(run);
  const rto = watchRto(run);
  await notify(run, 'started');
  try {
    // 1. Find and verify the snapshot; decide the engine, and whether it must be shared and copied first. Or, for
    //    a live cluster source, resolve the cluster and check the point in time or the clone as AWS would.
    const source = request.source.clusterRef ? await resolveSourceCluster(run) : await findSnapshot(run);
    // 2. Check the target before anything is shared, copied or deleted: a cluster already there, if any, the keys,
    //    and how it is replaced (a swap builds the new cluster under temporary names: run.swap).
    const existing = await checkTarget(run, snapshotOf(source), isClusterSource(source) ? undefined : source.transfer);
    // 3. Cross-account: the source account shares the snapshot with the target account.
    // 4. Cross-region or cross-account: copy it under the target's KMS key, wait, and remove the share again.
    let restoreFrom: string | undefined;
    if (!isClusterSource(source)) {
      await shareSnapshot(run, source);
      restoreFrom = await copySnapshot(run, source);
    }
    // 5. Delete-first: delete the existing target (only ours, never the source), after a person approved when required.
    if (existing && !run.swap) await replaceTarget(run, existing, approvals, snapshotOf(source));
    // 6. Restore the cluster with every requested setting and the pipeline's tags; wait until available.
    let restored = isClusterSource(source)
      ? await restoreFromSourceCluster(run, source)
      : await restoreCluster(run, source, restoreFrom as string);
    // 7. Writer and readers; wait until available and record the endpoints.
    let endpoints = await createInstances(run, source);
    // 8. Master password from a Secrets Manager secret or RDS-managed, when requested.
    const password = await setMasterPassword(run);
    // 9. Database steps, when requested: users, sanitization, verification.
    await runDatabaseSteps(run, { engine: source.engine, cluster: restored.cluster, endpoints, password });
    // 10. Swap: after approval when required, the verified new cluster takes the target's name; the old one is
    //     deleted, kept or stopped. Endpoints follow the name.
    if (existing && run.swap) {
      const swapped = await swapIntoTarget(run, existing, approvals, restored.cluster);
      restored = { clusterArn: swapped.cluster.arn, cluster: swapped.cluster };
      endpoints = swapped.endpoints;
    }
    // 11. Delete the snapshot copy this run made, unless asked to keep it.
    const snapshotCopy = await deleteSnapshotCopy(run);
    // 12. Schedule the cluster's expiry, taking the target over from its previous one.
    const expiry = await handOverExpiry(run, sourceArnOf(source), existing);

    return await releasing(
      lock,
      succeed(run, rto, {
        source,
        restored,
        endpoints,
        password,
        snapshotCopy,
        replacedExistingCluster: existing !== null,
        expiry,
      })
    );
  } catch (err) {
    // Any failure or cancellation: clean up what this run created, notify, and end failed.
    throw await releasing(lock, failAndCleanUp(run, rto, err));
  }
}
