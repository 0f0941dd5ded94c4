/**
 * AWS SDK clients for the activities: one cached client per service, region and account (role).
 *
 * Endpoints come only from the SDK's standard settings (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_RDS`, profile config)
 * or from `clientConfig` injected by the process that builds the factory; there is no endpoint logic here.
 * Tests and the bench attach their middleware (simulation, moto account header) through `decorate`.
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import { KMSClient } from '@aws-sdk/client-kms';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { STSClient } from '@aws-sdk/client-sts';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { Logger, MetricMeter } from '@temporalio/common';

import type { AwsLocation } from '../domain/aws-shapes';
import { METRICS } from '../domain/metrics';

import { applyAwsTelemetry } from './aws-telemetry';
import { applyCallBudget } from './call-budget';
import type { CallBudget } from './call-budget';
import { applyEndpointReachability, EndpointReachability } from './endpoint-reachability';

export type AwsServiceName = 'rds' | 'sns' | 'secretsmanager' | 's3' | 'ec2' | 'kms' | 'sts';
export type AwsClient = RDSClient | SNSClient | SecretsManagerClient | S3Client | EC2Client | KMSClient | STSClient;

/** Session name of every role assumed by the pipeline: lets CloudTrail readers find our calls. */
export const ROLE_SESSION_NAME = 'aurora-restore';

export interface AwsClientFactory {
  rds(loc: AwsLocation): RDSClient;
  sns(loc: AwsLocation): SNSClient;
  secretsManager(loc: AwsLocation): SecretsManagerClient;
  /** S3, for sanitization scripts stored there (path-style addressing also works with emulators). */
  s3(loc: AwsLocation): S3Client;
  /** EC2, read-only: the plan checks that the target's VPC security groups exist. */
  ec2(loc: AwsLocation): EC2Client;
  /** KMS, read-only: the plan checks that the target can use the copy and cluster keys. */
  kms(loc: AwsLocation): KMSClient;
  /** STS, for GetCallerIdentity: which account the worker's own credentials act in (the per-target lock). */
  sts(loc: AwsLocation): STSClient;
  /** Closes every cached client (sockets); the factory must not be used afterwards. */
  destroy(): void;
}

export interface AwsClientFactoryOptions {
  /**
   * Extra SDK client configuration applied to every client (e.g. `credentials`, `maxAttempts`, `retryMode`,
   * `requestHandler`). With a role, `credentials` become the master credentials used to call STS.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  clientConfig?: Record<string, any>;
  /** The fleet-wide RDS call budget (call-budget.ts): every RDS request attempt waits for a token of it. */
  rdsCallBudget?: CallBudget;
  /**
   * Where AWS call metrics go (`aurora_restore_aws_calls_total`, the call-budget wait): the worker passes its
   * Runtime's meter, exported by its Prometheus endpoint. Without one, nothing is recorded.
   */
  meter?: MetricMeter;
  /** Logs mutating calls made outside an activity (inside one, the activity's logger is used). */
  logger?: Logger;
  /** Called once for every new client, before first use: the hook for middleware (simulation, tracing). */
  decorate?: (client: AwsClient, loc: AwsLocation, service: AwsServiceName) => void;
}

export function createAwsClientFactory(options: AwsClientFactoryOptions = {}): AwsClientFactory {
  const { clientConfig = {}, decorate, rdsCallBudget, meter, logger } = options;
  const budgetWait = meter?.createHistogram(METRICS.callBudgetWait.name, 'float', 's', METRICS.callBudgetWait.help);
  const cache = new Map<string, AwsClient>();
  const reachability = new EndpointReachability();
  let destroyed = false;

  function credentialsFor(loc: AwsLocation): unknown {
    if (!loc.roleArn) return clientConfig.credentials; // undefined -> the SDK's default chain
    // STS in the caller's region: regional endpoints work inside VPCs without internet and keep failures local.

    const { credentials: masterCredentials, ...stsConfig } = clientConfig;
    return fromTemporaryCredentials({
      params: { RoleArn: loc.roleArn, RoleSessionName: ROLE_SESSION_NAME },
      masterCredentials,
      clientConfig: { ...stsConfig, region: loc.region },
    });
  }

  function get<C extends AwsClient>(service: AwsServiceName, loc: AwsLocation, build: (config: object) => C): C {
    if (destroyed) throw new Error('AWS client factory used after destroy()');
    if (!loc.region) throw new Error(`No AWS region given for a ${service} client`);
    // accountId is part of the key too: without a role it is informational, but middleware added by `decorate`
    // (e.g. moto's per-account header) may depend on it, and one client per account is the SDK's own guidance.
    const key = [service, loc.region, loc.accountId ?? '', loc.roleArn ?? ''].join('|');
    const cached = cache.get(key);
    if (cached) return cached as C;
    const credentials = credentialsFor(loc);
    const client = build({ ...clientConfig, region: loc.region, ...(credentials ? { credentials } : {}) });
    // The budget first: added before `decorate`, it also paces attempts that a simulator later fails.
    if (service === 'rds' && rdsCallBudget) {
      applyCallBudget(client, rdsCallBudget, loc, (ms) => budgetWait?.record(ms / 1000, { region: loc.region }));
    }
    // After the budget, so only attempts that are sent count; before `decorate`, so a simulator's failures count.
    applyAwsTelemetry(client, service, { meter, logger });
    // Outermost (initialize step): it sees each call once, after the SDK's retries, whatever `decorate` adds.
    applyEndpointReachability(client, service, loc.region, reachability);
    decorate?.(client, loc, service);
    cache.set(key, client);
    return client;
  }

  return {
    rds: (loc) => get('rds', loc, (config) => new RDSClient(config)),
    sns: (loc) => get('sns', loc, (config) => new SNSClient(config)),
    secretsManager: (loc) => get('secretsmanager', loc, (config) => new SecretsManagerClient(config)),
    // A custom endpoint (an emulator, a VPC interface endpoint) cannot serve bucket subdomains: use path style there.
    s3: (loc) =>
      get('s3', loc, (config: S3ClientConfig) => {
        const custom = Boolean(config.endpoint || process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL);
        return new S3Client({ ...config, forcePathStyle: config.forcePathStyle ?? custom });
      }),
    ec2: (loc) => get('ec2', loc, (config) => new EC2Client(config)),
    kms: (loc) => get('kms', loc, (config) => new KMSClient(config)),
    sts: (loc) => get('sts', loc, (config) => new STSClient(config)),
    destroy() {
      destroyed = true;
      for (const client of cache.values()) client.destroy();
      cache.clear();
    },
  };
}
