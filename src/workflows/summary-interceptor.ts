/**
 * Workflow interceptor that labels every activity call and child workflow with a one-line summary (Temporal user
 * metadata), so the Web UI's event history reads as the restore's steps: `wait-for-copy: orders-staging-op-1-copy
 * in us-west-2`, `cleanup: delete cluster orders-staging in us-west-2`. Registered by the worker
 * (src/worker/workflow-interceptors.ts); the workflows themselves stay free of presentation.
 *
 * User metadata is not part of the determinism check, so histories recorded without summaries replay unchanged
 * (test/replay).
 */
import { workflowInfo } from '@temporalio/workflow';
import type {
  ActivityInput,
  LocalActivityInput,
  Next,
  StartChildWorkflowExecutionInput,
  WorkflowInterceptorsFactory,
  WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';

import { activitySummary, childWorkflowSummary } from './activity-summaries';
import type { SummaryContext } from './activity-summaries';
import { SA_STATUS } from './messages';

/** Which phase of which workflow the current call belongs to. */
function currentContext(): SummaryContext {
  const info = workflowInfo();
  switch (info.workflowType) {
    case 'clusterExpiry':
      return 'expiry';
    case 'planRestore':
      return 'plan';
    default:
      // The restore marks its cleanup in the status search attribute before it starts removing anything.
      return info.typedSearchAttributes.get(SA_STATUS) === 'cleaning-up' ? 'cleanup' : 'restore';
  }
}

/** The activity call with its summary, unless it has one already or its activity is not described. */
function withActivitySummary<T extends ActivityInput | LocalActivityInput>(input: T): T {
  if (input.options.summary !== undefined) return input;
  const summary = activitySummary(input.activityType, input.args[0], currentContext());
  return summary ? { ...input, options: { ...input.options, summary } } : input;
}

class SummaryInterceptor implements WorkflowOutboundCallsInterceptor {
  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>) {
    return next(withActivitySummary(input));
  }

  scheduleLocalActivity(
    input: LocalActivityInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>
  ) {
    return next(withActivitySummary(input));
  }

  startChildWorkflowExecution(
    input: StartChildWorkflowExecutionInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'startChildWorkflowExecution'>
  ) {
    if (input.options.staticSummary !== undefined) return next(input);
    const staticSummary = childWorkflowSummary(input.workflowType, input.options.args?.[0]);
    return next(staticSummary ? { ...input, options: { ...input.options, staticSummary } } : input);
  }
}

export const interceptors: WorkflowInterceptorsFactory = () => ({ outbound: [new SummaryInterceptor()] });
