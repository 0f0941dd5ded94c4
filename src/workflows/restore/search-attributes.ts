/**
 * The search attributes that make a restore findable in the Web UI and `temporal workflow list --query`: its
 * target and source once, then the step it is in and its status as they change.
 */
import { upsertSearchAttributes } from '@temporalio/workflow';

import { snapshotSourceLabel } from '../../domain/naming';
import type { NormalizedRestoreRequest } from '../../domain/request';
import { SA_SOURCE, SA_STATUS, SA_STEP, SA_TARGET } from '../messages';
import type { RestoreStatus } from '../messages';

/** Once, right after validation: which target, from which source, running. */
export function announceRestore(request: NormalizedRestoreRequest): void {
  upsertSearchAttributes([
    { key: SA_TARGET, value: `${request.target.region}/${request.target.clusterId}` },
    { key: SA_SOURCE, value: snapshotSourceLabel(request.source) },
    { key: SA_STATUS, value: 'running' },
  ]);
}

export function announceStep(name: string): void {
  upsertSearchAttributes([{ key: SA_STEP, value: name }]);
}

export function announceStatus(status: Exclude<RestoreStatus, 'running'>): void {
  upsertSearchAttributes([{ key: SA_STATUS, value: status }]);
}
