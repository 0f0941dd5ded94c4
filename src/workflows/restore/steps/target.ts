/**
 * The target steps: check what already exists under the target's name before anything is changed (2), and replace
 * it (5): only a cluster this pipeline manages, never the source, and when asked, only after a person approved.
 */

import type { ClusterInfo, SnapshotInfo } from '../../../domain/aws-shapes';
import { checkReplaceAllowed, snapshotSourceCluster } from '../../../domain/restore-plan';
import type { TransferPlan } from '../../../domain/restore-plan';
import { refuse } from '../../failure-report';
import { kmsKeysToCheck } from '../../kms-keys';
import type { ApprovalGate } from '../approval-gate';
import { patchedBeforeCompact } from '../compact-history';
import type { RestoreRun } from '../run';

import { targetLookup } from './snapshot';
import { chooseReplaceStrategy, planSwap } from './swap';

/** The check-target step refuses a target that is the snapshot's own cluster (see restore-plan.ts). */
const SNAPSHOT_SOURCE_GUARD_PATCH = 'snapshot-source-guard';

/** The check-target step checks the request's KMS keys (restores recorded before it did not). */
const KMS_KEY_CHECK_PATCH = 'kms-key-check';

/**
 * 2. Preflight on the target, before anything is shared, copied or deleted: the cluster to replace, if any, with
 * its instances (a replace would delete one a person added).
 */
export async function checkTarget(
  run: RestoreRun,
  snapshot: SnapshotInfo | undefined,
  transfer: TransferPlan | undefined
): Promise<ClusterInfo | null> {
  const { request } = run;
  // Asked only when there is a key to check, so restores without keys record no marker.
  const kmsKeys = kmsKeysToCheck(request, transfer);
  const existing = await run.steps.step('check-target', async () => {
    const found =
      run.lookedUpTarget !== undefined ? run.lookedUpTarget : await run.calls.describeCluster(targetLookup(run));
    // A key that does not exist or cannot be used would fail the copy or the restore, after changes.
    if (kmsKeys.length > 0 && patchedBeforeCompact(KMS_KEY_CHECK_PATCH)) {
      await run.calls.checkKmsKeys({ target: run.targetLoc, kmsKeys });
    }
    return found;
  });
  if (existing) {
    const strategy = chooseReplaceStrategy(request);
    // Restores recorded before this guard judged the target without the snapshot's own cluster.
    const refusal = checkReplaceAllowed(
      request,
      existing,
      patchedBeforeCompact(SNAPSHOT_SOURCE_GUARD_PATCH) ? snapshot : undefined,
      strategy
    );
    if (refusal) throw refuse(refusal.failure, refusal.message);
    if (strategy === 'swap') planSwap(run, existing);
  }
  return existing;
}

/** 5. Replace the existing target: await the approval when the request requires one, then delete the cluster. */
export async function replaceTarget(
  run: RestoreRun,
  existing: ClusterInfo,
  approvals: ApprovalGate,
  snapshot: SnapshotInfo | undefined
): Promise<void> {
  const { request } = run;
  const required = request.approval;
  if (required) {
    await run.steps.step(
      'await-approval',
      () => approvals.awaitDecision(run, existing, required),
      (d) => `approved by ${d.by}${d.reason ? `: ${d.reason}` : ''}`
    );
  }
  await run.steps.step('delete-target', () =>
    run.steps.wait(request.timing.deleteTimeoutMs).deleteCluster({
      target: run.targetLoc,
      clusterId: request.target.clusterId,
      guard: {
        source: {
          clusterId: request.source.clusterId,
          region: request.source.region,
          accountId: request.source.accountId,
        },
        snapshotSource: snapshot && snapshotSourceCluster(snapshot),
      },
      disableDeletionProtection: request.replace.disableDeletionProtection,
    })
  );
}
