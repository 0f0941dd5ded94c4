/**
 * The KMS keys of a request that the target must be able to use, as the plan and the restore check them before
 * anything is changed: the copy's key (only when a copy is made), the cluster's key and the managed secret's key.
 */
import type { PreflightKmsKey } from '../activities/types';
import type { NormalizedRestoreRequest } from '../domain/request';
import { isRefusal } from '../domain/restore-plan';
import type { Refusal, TransferPlan } from '../domain/restore-plan';

export function kmsKeysToCheck(
  request: NormalizedRestoreRequest,
  transfer: TransferPlan | Refusal | undefined
): PreflightKmsKey[] {
  const { target } = request;
  const crossAccount = !!transfer && !isRefusal(transfer) && transfer.share && !!target.accountId;
  const keys: PreflightKmsKey[] = [];
  if (request.copy.kmsKeyId && (!transfer || isRefusal(transfer) || transfer.copy)) {
    keys.push({
      field: 'copy.kmsKeyId',
      keyId: request.copy.kmsKeyId,
      purpose: 'encrypt the snapshot copy',
      ...(crossAccount ? { customerManagedInAccount: target.accountId } : {}),
    });
  }
  if (target.kmsKeyId) {
    keys.push({ field: 'target.kmsKeyId', keyId: target.kmsKeyId, purpose: 'encrypt the restored cluster' });
  }
  const mp = request.masterPassword;
  if (mp && 'manage' in mp && mp.kmsKeyId) {
    keys.push({ field: 'masterPassword.kmsKeyId', keyId: mp.kmsKeyId, purpose: 'encrypt the managed secret' });
  }
  return keys;
}
