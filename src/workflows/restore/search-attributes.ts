/**
 * The search attributes that make a restore findable in the Web UI and `temporal workflow list --query`: its
 * target and source once, then the step it is in and its status as they change (in a lean history: only the
 * changes users filter on, see lean-history.ts).
 */
import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';

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

/**
 * Lean history: the start (the CLI's `startRestore`) usually sets target, source and status already; upserts only
 * when one is missing or differs (a start by the Temporal CLI or a schedule without them).
 */
export function announceRestoreUnlessSet(request: NormalizedRestoreRequest): void {
  const { typedSearchAttributes: set } = workflowInfo();
  const known =
    set.get(SA_TARGET) === `${request.target.region}/${request.target.clusterId}` &&
    set.get(SA_SOURCE) === snapshotSourceLabel(request.source) &&
    set.get(SA_STATUS) === 'running';
  if (!known) announceRestore(request);
}

/** Lean history: the final status and the last step that ran, in one upsert. */
export function announceOutcome(status: Exclude<RestoreStatus, 'running'>, lastStep: string | undefined): void {
  upsertSearchAttributes([{ key: SA_STATUS, value: status }, ...(lastStep ? [{ key: SA_STEP, value: lastStep }] : [])]);
}

export function announceStep(name: string): void {
  upsertSearchAttributes([{ key: SA_STEP, value: name }]);
}

export function announceStatus(status: Exclude<RestoreStatus, 'running'>): void {
  upsertSearchAttributes([{ key: SA_STATUS, value: status }]);
}
