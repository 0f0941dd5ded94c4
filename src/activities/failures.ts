/**
 * Turning errors into the failure catalogue's typed ApplicationFailures.
 *
 * Activity errors end up in workflow history, the Web UI and notifications, so messages carry only what we were
 * doing, to which resource, AWS's error name and message, and what to do: never request parameters (which may hold
 * passwords or secret values).
 */
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';

import { awsErrorFields, classifyAwsError } from '../domain/aws-errors';
import { Failures } from '../domain/errors';
import type { FailureName } from '../domain/errors';

import { RdsCallBudgetBusy } from './call-budget';
import { unreachableEndpointOf } from './endpoint-reachability';

/** Shape of an AWS SDK v3 service error (also what moto's errors become in the SDK). */
export interface AwsSdkError extends Error {
  name: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

/** Details attached to every catalogue failure, as the first entry of `ApplicationFailure.details`. */
export interface FailureDetails {
  code: string;
  awsError?: string;
  [key: string]: unknown;
}

/** Longest AWS message copied into a failure: emulators and proxies can answer 5xx with whole HTML pages. */
const MAX_AWS_MESSAGE = 500;

/** True when `err` is an AWS SDK error, and (when names are given) one of those error names. */
export function isAwsError(err: unknown, ...names: string[]): err is AwsSdkError {
  if (!(err instanceof Error) || err instanceof ApplicationFailure) return false;
  // Checked by name, as the SDK recommends; the SDK's `$metadata`/`$fault` only matter when no name is asked for.
  if (names.length > 0) return names.includes(err.name);
  return '$metadata' in err || '$fault' in err;
}

/** A catalogue failure: type, retryability and ARP code from `Failures[kindName]`. Throw the result. */
export function failure(kindName: FailureName, message: string, details?: Record<string, unknown>): ApplicationFailure {
  const kind = Failures[kindName];
  return ApplicationFailure.create({
    type: kind.type,
    message,
    nonRetryable: !kind.retryable,
    details: [{ ...details, code: kind.code } satisfies FailureDetails],
  });
}

function isCancellation(err: unknown): boolean {
  return err instanceof CancelledFailure || (err instanceof Error && err.name === 'AbortError');
}

function sentence(text: string): string {
  const trimmed = text.trim();
  return trimmed === '' || /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/**
 * Turns an error thrown by an AWS call into a typed ApplicationFailure via `classifyAwsError`.
 *
 * `context` says what we were doing to which resource, e.g. `copying snapshot X to us-west-2`.
 * ApplicationFailures (already typed) and cancellation errors (the worker must see them unchanged to report the
 * activity as cancelled) are returned as they are. Usage: `throw toActivityFailure(err, 'describing cluster X')`.
 */
export function toActivityFailure(err: unknown, context: string): Error {
  if (err instanceof ApplicationFailure || isCancellation(err)) return err as Error;
  const unreachable = unreachableEndpointOf(err);
  if (unreachable) {
    const { service, region, endpoint, code, calls } = unreachable;
    return failure(
      'EndpointUnreachable',
      `${context}: the AWS ${service} endpoint ${endpoint} for region ${region} could not be reached (${code}) in ` +
        `${calls} calls in a row, and it has not answered this worker once. A region that does not exist has no ` +
        'endpoint (its name does not resolve: ENOTFOUND): check the region of the request. Otherwise check the ' +
        "worker's endpoint settings (AWS_ENDPOINT_URL*, VPC endpoints, proxy) and DNS, then start again.",
      { awsError: code, endpoint, region, service }
    );
  }
  if (err instanceof RdsCallBudgetBusy) return budgetBusyFailure(err, context);
  const fields = awsErrorFields(err);
  const name = fields.name || 'Error';
  const awsMessage = (fields.message || fields.code || '(no message)').replace(/\s+/g, ' ').slice(0, MAX_AWS_MESSAGE);
  const { kind, hint } = classifyAwsError({ ...fields, name, message: awsMessage });
  const message = [`${context}: ${name}: ${sentence(awsMessage)}`, hint ? sentence(hint) : '']
    .filter(Boolean)
    .join(' ');
  const details: FailureDetails = { code: kind.code, awsError: name };
  // No `cause`: the SDK error object references the request (and its parameters), which must not be serialized.
  return ApplicationFailure.create({ type: kind.type, message, nonRetryable: !kind.retryable, details: [details] });
}

/**
 * The budget had no token soon for the attempt's first call: the attempt ends (its activity slot serves others) and
 * the next one starts when the token it reserved is due (`nextRetryDelay`), or with the retry policy's backoff.
 */
function budgetBusyFailure(err: RdsCallBudgetBusy, context: string): ApplicationFailure {
  // A local activity's refusal is not an outcome: the workflow makes the same call as a regular activity
  // (src/workflows/activity-options.ts), so it ends the local attempt for good.
  const { kind, hint } = err.local
    ? { kind: Failures.BudgetBusyInWorkflowTask, hint: undefined }
    : classifyAwsError({ name: err.name, message: err.message });
  return ApplicationFailure.create({
    type: kind.type,
    message: `${context}: ${err.name}: ${sentence(err.message)}` + (hint ? ` ${sentence(hint)}` : ''),
    nonRetryable: err.local,
    details: [{ code: kind.code, awsError: err.name } satisfies FailureDetails],
    ...(err.retryAfterMs === undefined ? {} : { nextRetryDelay: err.retryAfterMs }),
  });
}
