/**
 * The workflow a Temporal Schedule starts: a thin parent that runs `auroraRestore` as a child under the target's
 * canonical workflow id. Schedules append a timestamp to the ids of the workflows they start, and the restore
 * refuses any id but `aurora-restore/<region>/<cluster>` (its per-target lock), so the schedule cannot start the
 * restore directly.
 *
 * The request reaches the child as the schedule stored it, so rules such as `date: yesterday` are resolved when
 * each run starts (the child validates it with the run's clock), never when the schedule was created.
 */
import { CancelledFailure, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  ParentClosePolicy,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';

import { restoreWorkflowId, snapshotSourceLabel } from '../domain/naming';
import { waitHintsFromSteps } from '../domain/poll-schedule';
import type { WaitHints } from '../domain/poll-schedule';
import type { NormalizedRestoreRequest, RestoreRequest } from '../domain/request';
import { RequestValidationError, validateRestoreRequest } from '../domain/validate';

import { refuse } from './failure-report';
import { SA_SOURCE, SA_STATUS, SA_STEP, SA_TARGET } from './messages';
import type { RestoreResult } from './messages';
import { newOperationId } from './operation-id';
import { auroraRestore } from './restore';

export async function scheduledRestore(input: RestoreRequest): Promise<RestoreResult> {
  const request = validateScheduled(input);
  const { target } = request;
  const restoreId = restoreWorkflowId(target);
  const where = `${target.clusterId} in ${target.region}${target.accountId ? ` (account ${target.accountId})` : ''}`;

  let child;
  try {
    child = await startChild(auroraRestore, {
      workflowId: restoreId,
      // The run as written plus this run's own operation id; defaults and dates are resolved by the child.
      // Plus the durations of the schedule's last successful run (Temporal hands each scheduled run the last
      // completion result), so the restore's status checks land when AWS is likely done.
      args: [{ ...input, operationId: request.operationId }, lastRunWaitHints()],
      // A run timeout (or a terminated run) cancels the restore, so its cleanup runs instead of being cut off.
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      typedSearchAttributes: [
        { key: SA_TARGET, value: `${target.region}/${target.clusterId}` },
        { key: SA_SOURCE, value: snapshotSourceLabel(request.source) },
        { key: SA_STEP, value: 'validate-request' },
        { key: SA_STATUS, value: 'running' },
      ],
      memo: { operationId: request.operationId, scheduledBy: workflowInfo().workflowId },
      staticSummary: `Scheduled restore of ${target.clusterId} in ${target.region} from ${snapshotSourceLabel(request.source)}`,
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      throw refuse(
        'RestoreAlreadyRunning',
        `A restore of ${where} is already running as workflow ${restoreId}, so this scheduled run ` +
          `(${workflowInfo().workflowId}) started nothing: one restore per target runs at a time. Let it finish, or ` +
          `cancel it (\`aurora-restore cancel ${restoreId}\`) and trigger the schedule again.`
      );
    }
    throw err;
  }

  try {
    return await child.result();
  } catch (err) {
    // This run was cancelled (e.g. overlap policy cancel-other): the restore was cancelled with it and cleaned up.
    // End cancelled, not failed, so pause-on-failure does not pause the schedule for it.
    if (CancellationScope.current().consideredCancelled) {
      const why = err instanceof ChildWorkflowFailure && err.cause ? `: ${err.cause.message}` : '';
      throw new CancelledFailure(`The scheduled run was cancelled, and so was restore ${restoreId}${why}`);
    }
    // Fail with the restore's own type, ARP code, step and cleanup, so the schedule's run reads like the restore.
    if (err instanceof ChildWorkflowFailure && err.cause instanceof ApplicationFailure) {
      const cause = err.cause;
      throw ApplicationFailure.create({
        type: cause.type ?? 'UnexpectedError',
        message: `Restore ${restoreId} (run ${child.firstExecutionRunId}) failed: ${cause.message}`,
        nonRetryable: true,
        details: cause.details ?? undefined,
      });
    }
    throw err;
  }
}

/** Expected wait durations from the last successful run's step timings; none on a schedule's first run. */
function lastRunWaitHints(): WaitHints {
  const last: unknown = workflowInfo().lastResult;
  return waitHintsFromSteps(
    typeof last === 'object' && last !== null ? (last as { steps?: unknown }).steps : undefined
  );
}

/**
 * Validates with the run's clock. Every run gets its own operation id: one shared by all runs would make a run
 * adopt (and clean up) the snapshot copy and cluster an earlier run created under it.
 */
function validateScheduled(input: RestoreRequest): NormalizedRestoreRequest {
  if (typeof input === 'object' && input !== null && input.operationId !== undefined) {
    throw refuse(
      'InvalidRequest',
      `A scheduled restore must not set operationId ("${String(input.operationId)}"): every run gets its own, or ` +
        `a run would adopt what an earlier run created. Remove operationId from the schedule's request. Nothing was changed.`
    );
  }
  try {
    return validateRestoreRequest(input, {
      now: new Date(Date.now()),
      newOperationId: () => newOperationId(),
    });
  } catch (err) {
    if (err instanceof RequestValidationError) throw refuse('InvalidRequest', `${err.message} Nothing was changed.`);
    throw err;
  }
}
