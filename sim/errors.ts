/**
 * Builds the errors the simulator throws as the exact objects the AWS SDK would have produced from an AWS error
 * response: the modeled exception class when the service models the error (so `instanceof` and `err.name` checks
 * work), otherwise the service's base exception with the wire code as `name` (what the SDK does for unmodeled codes
 * such as `Throttling`). Status codes and wire codes come from the SDK's own error schemas.
 */
import { randomUUID } from 'node:crypto';

import * as ec2Module from '@aws-sdk/client-ec2';
import * as kmsModule from '@aws-sdk/client-kms';
import * as rdsModule from '@aws-sdk/client-rds';
import * as secretsManagerModule from '@aws-sdk/client-secrets-manager';
import * as snsModule from '@aws-sdk/client-sns';

import type { AwsServiceName } from '../src/activities/aws-clients';

/** Services whose errors the simulator can fake (S3 and STS are passed through to moto untouched). */
export type SimService = Exclude<AwsServiceName, 's3' | 'sts'>;

interface ResponseMetadata {
  httpStatusCode: number;
  requestId: string;
  extendedRequestId?: string;
  cfId?: string;
  attempts: number;
  totalRetryDelay: number;
}

/** The shape every SDK service exception has (ServiceException from @smithy). */
export interface SdkServiceError extends Error {
  $fault: 'client' | 'server';
  $metadata: ResponseMetadata;
  $retryable?: { throttling?: boolean };
}

type ExceptionClass = new (options: Record<string, unknown>) => SdkServiceError;

interface ModeledError {
  className: string;
  wireCode: string;
  httpStatus: number;
  fault: 'client' | 'server';
  cls: ExceptionClass;
}

interface ServiceErrors {
  base: ExceptionClass;
  protocol: 'query' | 'json';
  byName: Map<string, ModeledError>;
}

const SERVICE_MODULES: Record<
  SimService,
  { module: Record<string, unknown>; base: unknown; protocol: 'query' | 'json' }
> = {
  rds: { module: rdsModule, base: rdsModule.RDSServiceException, protocol: 'query' },
  // EC2's own protocol is a query dialect; it models almost no errors, so faults are mostly unmodeled codes.
  ec2: { module: ec2Module, base: ec2Module.EC2ServiceException, protocol: 'query' },
  kms: { module: kmsModule, base: kmsModule.KMSServiceException, protocol: 'json' },
  sns: { module: snsModule, base: snsModule.SNSServiceException, protocol: 'query' },
  secretsmanager: {
    module: secretsManagerModule,
    base: secretsManagerModule.SecretsManagerServiceException,
    protocol: 'json',
  },
};

const registries = new Map<SimService, ServiceErrors>();

/**
 * Indexes a client package's modeled errors by class name and by wire code. The SDK exports a schema `X$` next to
 * every exception class `X`: `[-3, namespace, name, traits, ...]`, traits holding `error`, `httpError` and, for
 * query services, `awsQueryError: [wireCode, status]`.
 */
function errorsOf(service: SimService): ServiceErrors {
  const cached = registries.get(service);
  if (cached) return cached;
  const { module, base, protocol } = SERVICE_MODULES[service];
  const byName = new Map<string, ModeledError>();
  for (const [key, schema] of Object.entries(module)) {
    if (!key.endsWith('$') || !Array.isArray(schema) || schema[0] !== -3) continue;
    const className = key.slice(0, -1);
    const cls = module[className];
    if (typeof cls !== 'function') continue;
    const traits = (schema[3] ?? {}) as { error?: string; httpError?: number; awsQueryError?: [string, number] };
    if (traits.error !== 'client' && traits.error !== 'server') continue;
    const entry: ModeledError = {
      className,
      wireCode: traits.awsQueryError?.[0] ?? className,
      httpStatus: traits.awsQueryError?.[1] ?? traits.httpError ?? (traits.error === 'server' ? 500 : 400),
      fault: traits.error,
      cls: cls as ExceptionClass,
    };
    byName.set(className, entry);
    if (!byName.has(entry.wireCode)) byName.set(entry.wireCode, entry);
  }
  const errors: ServiceErrors = { base: base as ExceptionClass, protocol, byName };
  registries.set(service, errors);
  return errors;
}

/** Error codes the SDK's retry strategies treat as throttling (a subset of @smithy/service-error-classification). */
const THROTTLING_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'SlowDown',
]);

const DEFAULT_MESSAGES: Record<string, string> = {
  Throttling: 'Rate exceeded',
  ThrottlingException: 'Rate exceeded',
  InternalFailure: 'The request processing has failed because of an unknown error, exception or failure.',
  ServiceUnavailable: 'The request has failed due to a temporary failure of the server.',
};

const DEFAULT_STATUSES: Record<string, number> = { InternalFailure: 500, ServiceUnavailable: 503 };

export function isThrottlingCode(name: string): boolean {
  return THROTTLING_CODES.has(name);
}

export interface SimErrorOptions {
  message?: string;
  /** HTTP status the error claims; default from the service model, 500/503 for InternalFailure/ServiceUnavailable. */
  httpStatus?: number;
  requestId?: string;
}

/**
 * An SDK exception for `name` (a modeled class name such as `DBClusterNotFoundFault`, its wire code such as
 * `DBInstanceNotFound`, or an unmodeled code such as `Throttling` / `InternalFailure`).
 */
export function simError(service: SimService, name: string, options: SimErrorOptions = {}): SdkServiceError {
  const errors = errorsOf(service);
  const modeled = errors.byName.get(name);
  const httpStatus = options.httpStatus ?? modeled?.httpStatus ?? DEFAULT_STATUSES[name] ?? 400;
  const fault: 'client' | 'server' = modeled?.fault ?? (httpStatus >= 500 ? 'server' : 'client');
  const requestId = options.requestId ?? randomUUID();
  const $metadata: ResponseMetadata = {
    httpStatusCode: httpStatus,
    requestId,
    extendedRequestId: undefined,
    cfId: undefined,
    attempts: 1,
    totalRetryDelay: 0,
  };
  const message = options.message ?? DEFAULT_MESSAGES[name] ?? `${name} (simulated)`;
  const err = modeled
    ? new modeled.cls({ message, $metadata })
    : new errors.base({ name, $fault: fault, $metadata, message });
  if (isThrottlingCode(name)) err.$retryable = { throttling: true };
  // The query-protocol deserializer also copies the parsed <Error> fields onto the exception; mirror the useful ones.
  if (errors.protocol === 'query') {
    Object.assign(err, { Type: fault === 'server' ? 'Receiver' : 'Sender', Code: modeled?.wireCode ?? name });
  }
  return err;
}

/** True when `err` is an SDK error named `name` (the check production code makes). */
export function isErrorNamed(err: unknown, name: string): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === name;
}
