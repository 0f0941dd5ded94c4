/**
 * Turns whatever ended a restore (an activity failure, a timeout, a cancellation, a refusal raised by the workflow)
 * into one catalogue entry: type, ARP code and a message that says what happened, to what, and what to do.
 */
import { RetryState } from '@temporalio/common';
import { ActivityFailure, ApplicationFailure, isCancellation, TimeoutFailure } from '@temporalio/workflow';

import { formatDuration } from '../domain/durations';
import { Failures, failureKindOf } from '../domain/errors';
import type { FailureName } from '../domain/errors';
import type { AwsObservation } from '../domain/observation';
import type { FailureReport } from '../domain/restore-report';

/** A non-retryable catalogue failure raised by the workflow itself (preflight refusals). */
export function refuse(failure: FailureName, message: string): ApplicationFailure {
  const kind = Failures[failure];
  return ApplicationFailure.create({ type: kind.type, message, nonRetryable: true, details: [{ code: kind.code }] });
}

export function reportFailure(
  err: unknown,
  step: string | undefined,
  context: { waitTimeoutMs?: number; lastObservation?: AwsObservation }
): FailureReport {
  if (isCancellation(err)) {
    return {
      step,
      type: Failures.Cancelled.type,
      code: Failures.Cancelled.code,
      message: `The restore was cancelled${step ? ` during ${step}` : ''}; resources this run created were cleaned up.`,
    };
  }
  // A wait that ran out of time ends either with a TimeoutFailure or, when the next retry would pass the
  // schedule-to-close deadline, with its last NotReady failure and retry state TIMEOUT.
  if (
    err instanceof ActivityFailure &&
    (err.cause instanceof TimeoutFailure || err.retryState === RetryState.TIMEOUT)
  ) {
    // The wait's own last observation (its NotReady failure's details) names the resource waited for; the
    // progress view's may be an earlier step's, since waits no longer signal each status (lean history).
    const seen = observationOf(err.cause) ?? context.lastObservation;
    const last = seen ? ` Last observed: ${seen.resource} ${seen.id} ${describeObservation(seen)}.` : '';
    const limit = context.waitTimeoutMs ? ` within ${formatDuration(context.waitTimeoutMs)}` : '';
    return {
      step,
      type: Failures.WaitTimedOut.type,
      code: Failures.WaitTimedOut.code,
      message:
        `${step ?? 'A wait'} did not finish${limit}.${last} Check the resource in the AWS console; raise the ` +
        `matching timing.*Timeout (or timing.deadline) for large snapshots.`,
    };
  }
  const app = err instanceof ActivityFailure ? err.cause : err;
  if (app instanceof ApplicationFailure) {
    const kind = failureKindOf(app.type);
    const detailCode = codeFromDetails(app.details);
    return {
      step,
      type: app.type ?? 'UnexpectedError',
      code: detailCode ?? kind?.code ?? Failures.AwsServiceError.code,
      message: app.message,
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { step, type: 'UnexpectedError', code: 'ARP-GENERAL-010', message };
}

/** The observation a wait's last NotReady attempt carried (its last failure, or the timeout's last one). */
function observationOf(cause: unknown): AwsObservation | undefined {
  const failure = cause instanceof TimeoutFailure && cause.cause instanceof ApplicationFailure ? cause.cause : cause;
  if (!(failure instanceof ApplicationFailure) || failure.type !== Failures.NotReady.type) return undefined;
  const first = failure.details?.[0];
  if (typeof first !== 'object' || first === null) return undefined;
  const o = first as Partial<AwsObservation>;
  return typeof o.resource === 'string' && typeof o.id === 'string' && typeof o.status === 'string'
    ? (first as AwsObservation)
    : undefined;
}

function codeFromDetails(details: unknown[] | undefined | null): string | undefined {
  const first = details?.[0];
  if (typeof first === 'object' && first !== null && 'code' in first && typeof first.code === 'string') {
    return first.code;
  }
  return undefined;
}

function describeObservation(o: AwsObservation): string {
  return o.percentProgress !== undefined ? `${o.status} (${o.percentProgress}%)` : o.status;
}
