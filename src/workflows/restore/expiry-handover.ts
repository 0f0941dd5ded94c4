/**
 * Step 12, the cluster's expiry: hands the target over from its previous expiry (if any) to this restore's, so
 * exactly one expiry watches a target.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { isCancellation, log, ParentClosePolicy, sleep, startChild, workflowInfo } from '@temporalio/workflow';

import type { ClusterInfo } from '../../domain/aws-shapes';
import { expiryWorkflowId } from '../../domain/naming';
import { MIN_EXPIRY_MS } from '../../domain/request';
import type { NormalizedRestoreRequest } from '../../domain/request';
import { clusterExpiry } from '../cluster-expiry';
import type { ClusterExpiryInput } from '../cluster-expiry';
import type { RestoreResult } from '../messages';

import { patchedBeforeCompact } from './compact-history';
import { expiryStepDetail, supersedePreviousExpiry } from './expiry-supersede';
import type { PreviousExpiry } from './expiry-supersede';
import type { RestoreRun } from './run';

/** Patch id of the expiry step: recorded in histories, so it never changes. */
export const EXPIRY_PATCH = 'cluster-expiry';

/** How long a new expiry waits for the target's previous one to end after being told to. */
const EXPIRY_HANDOVER_ATTEMPTS = 30;
const EXPIRY_HANDOVER_INTERVAL_MS = 2_000;

/**
 * Tells the target's previous expiry (if any) that this restore replaced its cluster, then starts this restore's
 * expiry as an abandoned child under the same per-target id, so exactly one expiry watches a target. Never throws
 * (except on cancellation): the cluster is restored, and a missing expiry is reported in the result instead.
 */
async function scheduleExpiry(
  request: NormalizedRestoreRequest,
  snapshotArn: string
): Promise<{ expiry?: RestoreResult['expiry']; previous: PreviousExpiry }> {
  const workflowId = expiryWorkflowId(request.target);
  const previous = await supersedePreviousExpiry(workflowId, {
    operationId: request.operationId,
    restoreWorkflowId: workflowInfo().workflowId,
  });
  if (!request.expiry) return { previous };

  const { target } = request;
  const requested = request.expiry.at ? Date.parse(request.expiry.at) : Date.now() + (request.expiry.afterMs ?? 0);
  // An `at` that passed while the restore ran still leaves the operators the shortest lifetime to react.
  const expiresAt = new Date(Math.max(requested, Date.now() + MIN_EXPIRY_MS)).toISOString();
  const input: ClusterExpiryInput = {
    operationId: request.operationId,
    restoreWorkflowId: workflowInfo().workflowId,
    target: {
      region: target.region,
      accountId: target.accountId,
      roleArn: target.roleArn,
      clusterId: target.clusterId,
    },
    source: {
      region: request.source.region,
      accountId: request.source.accountId,
      clusterId: request.source.clusterId,
      snapshot: snapshotArn,
    },
    topicArn: request.notifications.topicArn,
    expiresAt,
    remindBeforeMs: request.expiry.remindBeforeMs,
    disableDeletionProtection: request.expiry.disableDeletionProtection,
    pollIntervalMs: request.timing.pollIntervalMs,
    deleteTimeoutMs: request.timing.deleteTimeoutMs,
  };
  for (let attempt = 1; ; attempt++) {
    try {
      await startChild(clusterExpiry, {
        workflowId,
        args: [input],
        parentClosePolicy: ParentClosePolicy.ABANDON,
      });
      return { expiry: { workflowId, expiresAt }, previous };
    } catch (err) {
      if (isCancellation(err)) throw err;
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof WorkflowExecutionAlreadyStartedError && attempt < EXPIRY_HANDOVER_ATTEMPTS) {
        // The previous expiry was told to stand down and is ending; its id is free once it has.
        await sleep(EXPIRY_HANDOVER_INTERVAL_MS);
        continue;
      }
      log.warn('The cluster expiry could not be started', { workflowId, error: message });
      return {
        expiry: {
          workflowId,
          expiresAt,
          problem:
            `The expiry could not be started (${message}): the cluster is kept. Check ${workflowId} ` +
            '(terminate a stuck previous expiry) and delete the cluster by hand when it is no longer needed.',
        },
        previous,
      };
    }
  }
}

/**
 * 12. Schedules the cluster's expiry; a restore over an existing target also stops that target's previous expiry.
 * Gated by a patch: restores recorded before expiries existed replay without these commands.
 */
export async function handOverExpiry(
  run: RestoreRun,
  snapshotArn: string,
  existing: ClusterInfo | null
): Promise<RestoreResult['expiry']> {
  const { request } = run;
  if (!((request.expiry || existing) && patchedBeforeCompact(EXPIRY_PATCH))) return undefined;
  const { expiry } = await run.steps.step(
    'schedule-expiry',
    () => scheduleExpiry(request, snapshotArn),
    expiryStepDetail
  );
  return expiry;
}
