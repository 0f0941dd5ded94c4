/**
 * The restore's first step: validate the request before any side effect, reporting every problem at once, and
 * hold the restore to its per-target workflow id (one restore per target at a time).
 */
import { workflowInfo } from '@temporalio/workflow';

import { restoreWorkflowId } from '../../domain/naming';
import type { NormalizedRestoreRequest, RestoreRequest } from '../../domain/request';
import { RequestValidationError, validateRestoreRequest } from '../../domain/validate';
import { refuse } from '../failure-report';
import { newOperationId } from '../operation-id';

import { patchedBeforeCompact } from './compact-history';
import type { ProgressTracker } from './progress';

/**
 * Restores recorded before approvals and RTOs existed refused both fields as unknown; replaying them must do the
 * same. Every new command (the approval wait, the RTO timer) depends on one of the two fields.
 */
const APPROVALS_AND_RTO_PATCH = 'approvals-and-rto';

export function validate(input: RestoreRequest, progress: ProgressTracker): NormalizedRestoreRequest {
  progress.stepStarted('validate-request', Date.now());
  try {
    const request = validateRestoreRequest(input, {
      withoutApprovalAndRto: !patchedBeforeCompact(APPROVALS_AND_RTO_PATCH),
      now: new Date(Date.now()),
      newOperationId: () => newOperationId(),
    });
    const expectedId = restoreWorkflowId(request.target);
    if (workflowInfo().workflowId !== expectedId) {
      throw refuse(
        'WrongWorkflowId',
        `This restore targets ${request.target.clusterId} in ${request.target.region} and must run with workflow id ` +
          `"${expectedId}" (one restore per target at a time), but it was started as "${workflowInfo().workflowId}". ` +
          `Start it again with --workflow-id "${expectedId}". Nothing was changed.`
      );
    }
    progress.stepEnded('validate-request', Date.now(), 'completed');
    return request;
  } catch (err) {
    progress.stepEnded('validate-request', Date.now(), 'failed');
    progress.setStatus('failed');
    if (err instanceof RequestValidationError) {
      throw refuse('InvalidRequest', `${err.message} Nothing was changed.`);
    }
    throw err;
  }
}
