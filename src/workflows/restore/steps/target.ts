/**
 * The target steps: check what already exists under the target's name before anything is changed (2), and replace
 * it (5): only a cluster this pipeline manages, never the source, and when asked, only after a person approved.
 */
import { patched } from '@temporalio/workflow';

import type { ClusterInfo, SnapshotInfo } from '../../../domain/aws-shapes';
import { checkReplaceAllowed, snapshotSourceCluster } from '../../../domain/restore-plan';
import { calls } from '../../activity-options';
import { refuse } from '../../failure-report';
import type { ApprovalGate } from '../approval-gate';
import type { RestoreRun } from '../run';

import { targetLookup } from './snapshot';

/** The check-target step refuses a target that is the snapshot's own cluster (see restore-plan.ts). */
const SNAPSHOT_SOURCE_GUARD_PATCH = 'snapshot-source-guard';

/**
 * 2. Preflight on the target, before anything is shared, copied or deleted: the cluster to replace, if any, with
 * its instances (a replace would delete one a person added).
 */
export async function checkTarget(run: RestoreRun, snapshot: SnapshotInfo): Promise<ClusterInfo | null> {
  const { request } = run;
  const existing = await run.steps.step('check-target', async () =>
    run.lookedUpTarget !== undefined ? run.lookedUpTarget : calls.describeCluster(targetLookup(run))
  );
  if (existing) {
    // Restores recorded before this guard judged the target without the snapshot's own cluster.
    const refusal = checkReplaceAllowed(request, existing, patched(SNAPSHOT_SOURCE_GUARD_PATCH) ? snapshot : undefined);
    if (refusal) throw refuse(refusal.failure, refusal.message);
  }
  return existing;
}

/** 5. Replace the existing target: await the approval when the request requires one, then delete the cluster. */
export async function replaceTarget(
  run: RestoreRun,
  existing: ClusterInfo,
  approvals: ApprovalGate,
  snapshot: SnapshotInfo
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
        snapshotSource: snapshotSourceCluster(snapshot),
      },
      disableDeletionProtection: request.replace.disableDeletionProtection,
    })
  );
}
