/**
 * What every AWS call leaves behind: a count in `aurora_restore_aws_calls_total` (service, operation, outcome) and,
 * for calls that change something, a log line with the call's target and the AWS request id (the key to CloudTrail
 * and to AWS Support). Only identifiers are logged (allow-listed parameter names), never other parameters: a
 * password, a secret value or a notification body never reaches the logs.
 *
 * The middleware runs once per HTTP attempt (after the SDK's retry middleware), so throttled attempts that the SDK
 * retried are counted too. In an activity the line goes to the activity's logger, which adds the workflow id, the
 * operation id and the step.
 */
import { Context } from '@temporalio/activity';
import { noopMetricMeter } from '@temporalio/common';
import type { Logger, MetricMeter } from '@temporalio/common';

import { awsErrorFields, classifyAwsError } from '../domain/aws-errors';
import { Failures } from '../domain/errors';
import { METRICS } from '../domain/metrics';
import type { AwsCallOutcome } from '../domain/metrics';

/** Operations that only read; every other operation changes something and is logged. */
const READ_ONLY = /^(Describe|List|Get|Head|Check|Validate|Lookup|Search|Select)/;

/** Parameters whose values name what a call acts on; nothing else of a call's input is ever logged. */
const TARGET_PARAMETER = /(Identifier|Arn|Name|SecretId|KeyId)$/;
/** Never logged even if the name matched above (defence in depth). */
const SECRET_PARAMETER = /password|secretstring|secretbinary|token|credential/i;
const MAX_TARGET_LENGTH = 256;

export interface AwsTelemetryOptions {
  /** Where the call counter goes (the worker passes its Runtime's meter); no meter, no metric. */
  meter?: MetricMeter;
  /** Logger for calls made outside an activity (inside one, the activity's logger is used). */
  logger?: Logger;
}

/** The part of an SDK v3 client the middleware needs. */
interface MiddlewareClient {
  middlewareStack: {
    add(
      middleware: (
        next: (args: { input?: unknown }) => Promise<{ output?: { $metadata?: { requestId?: string } } }>,
        context: { commandName?: string }
      ) => (args: { input?: unknown }) => Promise<unknown>,
      options: { step: 'finalizeRequest'; priority: 'low'; name: string; override: boolean }
    ): void;
  };
}

/** Adds the counting and logging middleware to `client` (a client of AWS service `service`, e.g. `rds`). */
export function applyAwsTelemetry(client: unknown, service: string, options: AwsTelemetryOptions = {}): void {
  const calls = (options.meter ?? noopMetricMeter).createCounter(
    METRICS.awsCalls.name,
    undefined,
    METRICS.awsCalls.help
  );
  (client as MiddlewareClient).middlewareStack.add(
    (next, context) => async (args) => {
      const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      const mutating = !READ_ONLY.test(operation);
      try {
        const result = await next(args);
        calls.add(1, { service, operation, outcome: 'ok' });
        if (mutating) {
          loggerFor(options.logger)?.info(`AWS ${service} ${operation}`, {
            aws: { service, operation, target: callTarget(args.input), requestId: result.output?.$metadata?.requestId },
          });
        }
        return result;
      } catch (err) {
        const outcome = callOutcome(err);
        calls.add(1, { service, operation, outcome });
        if (mutating) {
          loggerFor(options.logger)?.warn(`AWS ${service} ${operation} failed`, {
            aws: {
              service,
              operation,
              target: callTarget(args.input),
              requestId: requestIdOf(err),
              outcome,
              error: err instanceof Error ? err.name : 'Unknown',
            },
          });
        }
        throw err;
      }
    },
    { step: 'finalizeRequest', priority: 'low', name: 'auroraRestoreTelemetry', override: true }
  );
}

/** ok, throttled, client-error (4xx), server-error (5xx) or network-error (no HTTP answer). */
export function callOutcome(err: unknown): AwsCallOutcome {
  const fields = awsErrorFields(err);
  if (classifyAwsError(fields).kind === Failures.Throttled) return 'throttled';
  const status = fields.httpStatusCode;
  if (status === undefined) return 'network-error';
  return status >= 500 ? 'server-error' : 'client-error';
}

/** The identifiers in a call's input (e.g. `{ DBClusterIdentifier: 'orders-staging' }`); nothing else. */
export function callTarget(input: unknown): Record<string, string> {
  const target: Record<string, string> = {};
  if (typeof input !== 'object' || input === null) return target;
  for (const [key, value] of Object.entries(input)) {
    if (typeof value !== 'string' || !TARGET_PARAMETER.test(key) || SECRET_PARAMETER.test(key)) continue;
    target[key] = value.length > MAX_TARGET_LENGTH ? `${value.slice(0, MAX_TARGET_LENGTH)}…` : value;
  }
  return target;
}

function requestIdOf(err: unknown): string | undefined {
  const id = (err as { $metadata?: { requestId?: unknown } } | null)?.$metadata?.requestId;
  return typeof id === 'string' ? id : undefined;
}

/** The current activity's logger (it carries the operation context), else the fallback. */
function loggerFor(fallback: Logger | undefined): Logger | undefined {
  try {
    return Context.current().log;
  } catch {
    return fallback;
  }
}
