/**
 * The swap refresh (replace.strategy: swap), step 10: the new cluster, restored and verified under this operation's
 * incoming names while the old one kept serving, takes the target's name.
 *
 *   [approve] -> rename the old cluster aside -> rename the new one into the target's name  (the swap window: the
 *   target's downtime) -> rename the instances (old ones aside, new ones to the requested names) -> delete, keep or
 *   stop the old cluster (replace.previous)
 *
 * Every rename is an idempotent activity (see activities/swap.ts), so a resumed run converges. A failure or
 * cancellation during the swap renames back what moved (compensation.ts, undoSwap) before the new cluster is
 * deleted, so the target name always ends on a working cluster: the new one after the swap, the old one otherwise.
 */
import { isCancellation, ParentClosePolicy, startChild, workflowInfo } from '@temporalio/workflow';

import type { ClusterEndpoints, ClusterInfo } from '../../../domain/aws-shapes';
import { expiryWorkflowId, instanceIds, outgoingInstanceId, swapNames, TAG_OPERATION_ID } from '../../../domain/naming';
import type { SwapNames } from '../../../domain/naming';
import type { NormalizedRestoreRequest } from '../../../domain/request';
import type { ReplaceStrategy } from '../../../domain/restore-plan';
import type { SwapReport } from '../../../domain/restore-report';
import { waits, waitsForCancelledChanges } from '../../activity-options';
import { clusterExpiry } from '../../cluster-expiry';
import type { ClusterExpiryInput } from '../../cluster-expiry';
import { refuse } from '../../failure-report';
import type { ApprovalGate } from '../approval-gate';
import { patchedBeforeCompact } from '../compact-history';
import type { RestoreRun } from '../run';

/** Patch id of the swap refresh: replaces recorded before it replay as delete-first, which they were. */
export const SWAP_PATCH = 'replace-swap';

/** Where the swap stands: which renames happened (what a failure must rename back), and whether it is over. */
export interface SwapPlan extends SwapNames {
  /** The old cluster as check-target found it (its immutable resource id identifies it across renames). */
  oldResourceId: string;
  /** The new cluster's resource id, once it is restored. */
  newResourceId?: string;
  /** Renames done so far: the old cluster moved aside, the new one moved into the target's name. */
  moved: { oldAside: boolean; newIn: boolean };
  /** The new cluster holds the target's name for good: nothing is renamed back or deleted after this. */
  committed: boolean;
}

/**
 * The strategy for an existing target: the request's (`swap` by default), except that restores recorded before the
 * swap refresh existed replay the delete-first replace they ran.
 */
export function chooseReplaceStrategy(request: NormalizedRestoreRequest): ReplaceStrategy {
  return request.replace.strategy === 'swap' && patchedBeforeCompact(SWAP_PATCH) ? 'swap' : 'delete-first';
}

/** Decides the swap's names (deterministic from the target and the operation id) and shows them in progress. */
export function planSwap(run: RestoreRun, existing: ClusterInfo): void {
  const { request, progress } = run;
  const { target } = request;
  if (!existing.resourceId) {
    throw refuse(
      'SwapFailed',
      `Cluster ${target.clusterId} in ${target.region} reported no DbClusterResourceId, which the swap needs to ` +
        'follow it across renames. Nothing was changed. Use replace.strategy: delete-first, or restore again.'
    );
  }
  const names = swapNames(target.clusterId, request.operationId, target.instanceCount);
  run.swap = {
    ...names,
    oldResourceId: existing.resourceId,
    moved: { oldAside: false, newIn: false },
    committed: false,
  };
  progress.swap(() => ({ incomingClusterId: names.incomingClusterId, outgoingClusterId: names.outgoingClusterId }));
}

/** What the swap hands back: the cluster under the target's name and its endpoints (they follow the name). */
export interface SwapOutcome {
  cluster: ClusterInfo;
  endpoints: ClusterEndpoints;
}

/** 10. Swap the verified new cluster into the target's name, then handle the old one (replace.previous). */
export async function swapIntoTarget(
  run: RestoreRun,
  existing: ClusterInfo,
  approvals: ApprovalGate,
  newCluster: ClusterInfo
): Promise<SwapOutcome> {
  const { request, progress } = run;
  const plan = run.swap as SwapPlan;
  const { target } = request;
  const report = progress.swap(() => ({
    incomingClusterId: plan.incomingClusterId,
    outgoingClusterId: plan.outgoingClusterId,
  }));
  plan.newResourceId = newCluster.resourceId;
  if (!plan.newResourceId) {
    throw refuse('SwapFailed', `The restored cluster ${plan.incomingClusterId} reported no DbClusterResourceId.`);
  }
  const required = request.approval;
  if (required) {
    await run.steps.step(
      'await-approval',
      () =>
        approvals.awaitDecision(run, existing, required, {
          incomingClusterId: plan.incomingClusterId,
          outgoingClusterId: plan.outgoingClusterId,
          previous: request.replace.previous,
        }),
      (d) => `approved by ${d.by}${d.reason ? `: ${d.reason}` : ''}`
    );
  }
  // Until the swap is committed a cancel renames back what moved: a rename still under way must end first.
  const renameWait = () =>
    run.steps.wait(request.timing.instancesTimeoutMs, { waitForCancelledAttempt: waitsForCancelledChanges() });

  // The swap window opens when the old cluster leaves the target's name.
  const startedAt = Date.now();
  report.window = { startedAt: new Date(startedAt).toISOString() };
  plan.moved.oldAside = true; // from here on the rename may have happened: a failure renames back
  await run.steps.step(
    'rename-target-aside',
    () =>
      renameWait().renameCluster({
        target: run.targetLoc,
        from: target.clusterId,
        to: plan.outgoingClusterId,
        resourceId: plan.oldResourceId,
      }),
    () => `${target.clusterId} -> ${plan.outgoingClusterId}`
  );
  plan.moved.newIn = true;
  run.created.cluster = target.clusterId;
  progress.resources().cluster = target.clusterId;
  const cluster = await run.steps.step(
    'rename-into-target',
    () =>
      renameWait().renameCluster({
        target: run.targetLoc,
        from: plan.incomingClusterId,
        to: target.clusterId,
        resourceId: plan.newResourceId as string,
      }),
    () => `${plan.incomingClusterId} -> ${target.clusterId}`
  );
  const endedAt = Date.now();
  report.window = { ...report.window, endedAt: new Date(endedAt).toISOString(), durationMs: endedAt - startedAt };
  // The target name now holds the verified new cluster: it stays, whatever happens next.
  plan.committed = true;
  run.created.cluster = undefined;
  progress.resources().cluster = undefined;

  const endpoints = await run.steps.step(
    'rename-instances',
    () => renameInstances(run, plan),
    (e) => `${e.instances.map((i) => i.instanceId).join(', ')} of ${target.clusterId}`
  );
  progress.setEndpoints(endpoints);
  await handlePrevious(run, plan, existing, report);
  return { cluster, endpoints };
}

/**
 * The requested instance names: the old cluster's instances that hold them move aside first (instance identifiers
 * are unique per account and region), then the new instances take them. Renames run side by side.
 */
async function renameInstances(run: RestoreRun, plan: SwapPlan): Promise<ClusterEndpoints> {
  const { request } = run;
  const { target } = request;
  const wait = run.steps.wait(request.timing.instancesTimeoutMs);
  const finalIds = instanceIds(target.clusterId, target.instanceCount);
  const wanted = new Set(finalIds.map((id) => id.toLowerCase()));
  const old = await run.calls.describeCluster({ target: run.targetLoc, clusterId: plan.outgoingClusterId });
  const blocking = (old?.members ?? []).map((m) => m.instanceId).filter((id) => wanted.has(id.toLowerCase()));
  await Promise.all(
    blocking.map((from) =>
      wait.renameInstance({
        target: run.targetLoc,
        clusterId: plan.outgoingClusterId,
        from,
        to: outgoingInstanceId(from, request.operationId, target.clusterId),
      })
    )
  );
  await Promise.all(
    plan.incomingInstanceIds.map((from, i) =>
      wait.renameInstance({ target: run.targetLoc, clusterId: target.clusterId, from, to: finalIds[i] })
    )
  );
  run.progress.resources().instances = finalIds;
  return await wait.awaitInstancesAvailable({
    target: run.targetLoc,
    clusterId: target.clusterId,
    instanceIds: finalIds,
  });
}

/**
 * The old cluster after the swap (replace.previous): deleted (only with this pipeline's tag, which the deletion
 * guard checks again), kept until an expiry deletes it, or stopped. Never fails the restore, which has succeeded:
 * a problem is reported, and the old cluster is then left as it is.
 */
async function handlePrevious(
  run: RestoreRun,
  plan: SwapPlan,
  existing: ClusterInfo,
  report: SwapReport
): Promise<void> {
  const { request } = run;
  const clusterId = plan.outgoingClusterId;
  const action = request.replace.previous;
  const done = { deleted: 'deleted', keep: 'kept', stop: 'stopped' } as const;
  report.previous = {
    action: action === 'delete' ? done.deleted : action === 'keep' ? done.keep : done.stop,
    clusterId,
  };
  const previous = report.previous;
  try {
    await run.steps.step(
      'handle-previous',
      async () => {
        if (action === 'delete') {
          await run.steps.wait(request.timing.deleteTimeoutMs).deleteCluster({
            target: run.targetLoc,
            clusterId,
            guard: {},
            disableDeletionProtection: request.replace.disableDeletionProtection,
          });
        } else if (action === 'stop') {
          await run.steps.wait(request.timing.deleteTimeoutMs).stopCluster({
            target: run.targetLoc,
            clusterId,
            resourceId: plan.oldResourceId,
          });
        } else {
          Object.assign(previous, await keepPrevious(run, clusterId, existing));
        }
        return previous;
      },
      (p) => `${clusterId} ${p.action}${p.expiresAt ? ` until ${p.expiresAt}` : ''}`
    );
  } catch (err) {
    if (isCancellation(err)) throw err;
    previous.problem =
      `The old cluster ${clusterId} was not ${previous.action} (${err instanceof Error ? err.message : String(err)}): ` +
      'it is left as it is. Delete or stop it yourself when it is no longer needed.';
  }
}

/** Keeps the old cluster for replace.keepFor: an expiry (the cluster expiry workflow) deletes it then. */
async function keepPrevious(
  run: RestoreRun,
  clusterId: string,
  existing: ClusterInfo
): Promise<{ expiresAt: string; expiryWorkflowId: string }> {
  const { request } = run;
  const { target } = request;
  const owner = existing.tags.find((t) => t.Key === TAG_OPERATION_ID)?.Value;
  if (!owner) {
    throw new Error(`it has no ${TAG_OPERATION_ID} tag, which its expiry needs to delete it safely`);
  }
  const workflowId = expiryWorkflowId({ ...target, clusterId });
  const expiresAt = new Date(Date.now() + (request.replace.keepForMs ?? 0)).toISOString();
  const input: ClusterExpiryInput = {
    operationId: owner,
    restoreWorkflowId: workflowInfo().workflowId,
    target: { region: target.region, accountId: target.accountId, roleArn: target.roleArn, clusterId },
    source: {
      region: request.source.region,
      accountId: request.source.accountId,
      clusterId: request.source.clusterId,
      snapshot: run.progress.view().snapshot?.arn ?? '',
    },
    topicArn: request.notifications.topicArn,
    expiresAt,
    remindBeforeMs: Math.min(
      request.expiry?.remindBeforeMs ?? 86_400_000,
      Math.floor((request.replace.keepForMs ?? 0) / 2)
    ),
    disableDeletionProtection: request.replace.disableDeletionProtection,
    pollIntervalMs: request.timing.pollIntervalMs,
    deleteTimeoutMs: request.timing.deleteTimeoutMs,
  };
  await startChild(clusterExpiry, { workflowId, args: [input], parentClosePolicy: ParentClosePolicy.ABANDON });
  return { expiresAt, expiryWorkflowId: workflowId };
}

/**
 * Compensation of a swap that did not commit: renames the new cluster back to its incoming name (when it moved)
 * and the old one back to the target's name (when it moved), so the target name holds the old, working cluster
 * again. Returns what was renamed back. Uses its own waits: the restore's deadline may have passed.
 */
export async function undoSwap(run: RestoreRun): Promise<string[]> {
  const plan = run.swap;
  if (!plan || plan.committed || !plan.moved.oldAside) return [];
  const { request } = run;
  const { target } = request;
  const wait = waits(request.timing.pollIntervalMs, request.timing.instancesTimeoutMs);
  const renamedBack: string[] = [];
  const atTarget = await run.calls.describeCluster({ target: run.targetLoc, clusterId: target.clusterId });
  if (plan.moved.newIn && plan.newResourceId && atTarget?.resourceId === plan.newResourceId) {
    await wait.renameCluster({
      target: run.targetLoc,
      from: target.clusterId,
      to: plan.incomingClusterId,
      resourceId: plan.newResourceId,
    });
    renamedBack.push(`${target.clusterId} -> ${plan.incomingClusterId}`);
  }
  // The new cluster is deleted under its incoming name (the cleanup reads created.cluster).
  run.created.cluster = plan.incomingClusterId;
  const oldMoved = atTarget?.resourceId !== plan.oldResourceId;
  await wait.renameCluster({
    target: run.targetLoc,
    from: plan.outgoingClusterId,
    to: target.clusterId,
    resourceId: plan.oldResourceId,
  });
  if (oldMoved) renamedBack.push(`${plan.outgoingClusterId} -> ${target.clusterId}`);
  plan.moved = { oldAside: false, newIn: false };
  const report = run.progress.view().swap;
  if (report) report.renamedBack = renamedBack;
  return renamedBack;
}
