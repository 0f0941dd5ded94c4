/**
 * The target steps: check what already exists under the target's name before anything is changed (2), and replace
 * it (5): only a cluster this pipeline manages, never the source, and when asked, only after a person approved.
 */
import type { ClusterInfo } from '../../../domain/aws-shapes';
import { checkReplaceAllowed } from '../../../domain/restore-plan';
import { calls } from '../../activity-options';
import { refuse } from '../../failure-report';
import type { ApprovalGate } from '../approval-gate';
import type { RestoreRun } from '../run';

/** 2. Preflight on the target, before anything is shared, copied or deleted: the cluster to replace, if any. */
export async function checkTarget(run: RestoreRun): Promise<ClusterInfo | null> {
  const { request } = run;
  const existing = await run.steps.step('check-target', () =>
    calls.describeCluster({ target: run.targetLoc, clusterId: request.target.clusterId })
  );
  if (existing) {
    const refusal = checkReplaceAllowed(request, existing);
    if (refusal) throw refuse(refusal.failure, refusal.message);
  }
  return existing;
}

/** 5. Replace the existing target: await the approval when the request requires one, then delete the cluster. */
export async function replaceTarget(run: RestoreRun, existing: ClusterInfo, approvals: ApprovalGate): Promise<void> {
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
      },
      disableDeletionProtection: request.replace.disableDeletionProtection,
    })
  );
}
