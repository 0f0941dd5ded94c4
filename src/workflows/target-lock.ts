/**
 * The per-target lock: one `targetLock` workflow per cluster (account, region, identifier), started by the restore
 * that holds it as its child under the id `naming.targetLockWorkflowId`. Temporal refuses a second running workflow
 * with the same id, so a second restore of the same cluster cannot take the lock, however its request spells the
 * account. The holder releases it by signal before it ends; if the holder ends any other way (terminated, timed
 * out, reset), the server terminates the lock with it (parent close policy TERMINATE), so no lock outlives its
 * holder.
 */
import { condition, defineQuery, defineSignal, setHandler } from '@temporalio/workflow';

import { TARGET_LOCK_RELEASE_SIGNAL } from '../domain/naming';

export interface TargetLockInput {
  /** The restore holding the lock: its workflow id and operation id, for whoever finds the lock taken. */
  holderWorkflowId: string;
  operationId: string;
}

export const releaseTargetLockSignal = defineSignal(TARGET_LOCK_RELEASE_SIGNAL);
export const targetLockHolderQuery = defineQuery<TargetLockInput>('holder');

export async function targetLock(input: TargetLockInput): Promise<void> {
  let released = false;
  setHandler(releaseTargetLockSignal, () => {
    released = true;
  });
  setHandler(targetLockHolderQuery, () => input);
  await condition(() => released);
}
