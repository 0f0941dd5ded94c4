/**
 * One restore per cluster, however the request spells its account. The restore's workflow id follows the request's
 * spelling (`target.accountId` or not), so two requests for one cluster can get two ids; the lock's id follows the
 * account the worker resolves (the role's, or the worker's own), and Temporal runs one workflow per id. A second
 * restore of the same cluster is refused with RestoreAlreadyRunning before any side effect.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  ChildWorkflowCancellationType,
  CancellationScope,
  ParentClosePolicy,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { ChildWorkflowHandle } from '@temporalio/workflow';

import { targetLockWorkflowId } from '../../domain/naming';
import { refuse } from '../failure-report';
import { releaseTargetLockSignal, targetLock } from '../target-lock';

import { patchedBeforeCompact } from './compact-history';
import type { RestoreRun } from './run';

/** Restores recorded before the lock existed took none; replaying them must not start one. */
export const TARGET_LOCK_PATCH = 'per-account-target-lock';

export interface HeldTargetLock {
  workflowId: string;
  handle: ChildWorkflowHandle<typeof targetLock>;
  /** Signals the lock to end: from an activity in a compact history, as a workflow command before. */
  release: () => Promise<unknown>;
}

/** Takes the target's lock, or refuses the restore when another restore of the same cluster holds it. */
export async function lockTarget(run: RestoreRun): Promise<HeldTargetLock | undefined> {
  if (!patchedBeforeCompact(TARGET_LOCK_PATCH)) return undefined;
  const { target } = run.request;
  const { accountId } = await run.calls.resolveTargetAccount({ target: run.targetLoc });
  const workflowId = targetLockWorkflowId({ accountId, region: target.region, clusterId: target.clusterId });
  try {
    // Started outside the restore's cancellation scope: a cancelled restore still holds the lock through its cleanup,
    // and the handle's result stays the lock's real end. (In a cancelled scope the SDK settles an abandoned child's
    // result at once; the restore then closed while the released lock was completing, the server refused that close
    // as an unhandled command, and the retried task ran the restore's ending a second time, counted twice.)
    const handle = await CancellationScope.nonCancellable(() =>
      startChild(targetLock, {
        workflowId,
        args: [{ holderWorkflowId: workflowInfo().workflowId, operationId: run.request.operationId }],
        cancellationType: ChildWorkflowCancellationType.ABANDON,
        // Gone with the restore however it ends.
        parentClosePolicy: ParentClosePolicy.TERMINATE,
      })
    );
    const release = run.compact
      ? () => run.calls.releaseTargetLock({ lockWorkflowId: workflowId, lockRunId: handle.firstExecutionRunId })
      : () => handle.signal(releaseTargetLockSignal);
    return { workflowId, handle, release };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    run.progress.setStatus('failed');
    throw refuse(
      'RestoreAlreadyRunning',
      `Another restore of cluster ${target.clusterId} in account ${accountId}, ${target.region} is running (it holds ` +
        `the lock ${workflowId}; its query "holder" names it). One restore per cluster runs at a time, however the ` +
        'request names the account. Wait for it to end, or cancel it, then start this one again. Nothing was changed.'
    );
  }
}

/** Runs `work` to its end, then releases the lock (also after a failure or a cancellation). */
export async function releasing<T>(lock: HeldTargetLock | undefined, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } finally {
    if (lock) {
      await CancellationScope.nonCancellable(async () => {
        await lock.release();
        await lock.handle.result();
      }).catch(() => undefined); // already gone (terminated by hand): nothing left to release
    }
  }
}
