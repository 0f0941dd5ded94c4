/**
 * Helpers for tests against a running moto server (real HTTP, real AWS SDK clients).
 *
 * The server is started outside the tests (scripts/servers.sh or `.tools/venv/bin/moto_server -H 127.0.0.1 -p 5055`);
 * its endpoint comes from AWS_ENDPOINT_URL (default http://127.0.0.1:5055). An unreachable server is an error,
 * never a skipped test. One moto server serves every region (taken from the SigV4 scope) and every account (taken
 * from the `x-moto-account-id` header, or from the role of STS AssumeRole credentials), so tests use unique names
 * instead of resetting shared state.
 */
import { randomBytes } from 'node:crypto';

import {
  CreateDBClusterCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBInstanceCommand,
  DeleteDBClusterSnapshotCommand,
  DescribeDBClustersCommand,
  DescribeDBClusterSnapshotsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';

import { createAwsClientFactory } from '../../src/activities/aws-clients';
import type { AwsClient, AwsClientFactory, AwsClientFactoryOptions } from '../../src/activities/aws-clients';
import { TAG_MANAGED_BY, TAG_MANAGED_BY_VALUE, TAG_OPERATION_ID } from '../../src/domain/naming';
import type { AuroraEngine, RestoreRequest } from '../../src/domain/request';
import { utcDate } from '../../src/domain/snapshot-selection';

/** moto's default account: requests without the account header act in it. */
export const MOTO_DEFAULT_ACCOUNT = '123456789012';
/** AWS-managed RDS key alias: resolves in every region and account of moto (and of AWS). */
export const RDS_MANAGED_KMS_ALIAS = 'alias/aws/rds';

export const TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

export function motoEndpoint(): string {
  return (process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:5055').replace(/\/+$/, '');
}

/** SDK client settings for moto: endpoint, dummy credentials, no retries of moto's deterministic answers. */
export function motoClientConfig(): { endpoint: string; credentials: typeof TEST_CREDENTIALS; maxAttempts: number } {
  return { endpoint: motoEndpoint(), credentials: TEST_CREDENTIALS, maxAttempts: 2 };
}

/** Adds the `x-moto-account-id` header to every request of `client`, making moto act in that account. */
export function useMotoAccount(client: AwsClient | SQSClient, accountId: string): void {
  (client as RDSClient).middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string> } | undefined;
      if (request?.headers) request.headers['x-moto-account-id'] = accountId;
      return next(args);
    },
    { step: 'build', name: 'motoAccountHeader', override: true }
  );
}

export interface MotoClients {
  rds: RDSClient;
  sns: SNSClient;
  secretsManager: SecretsManagerClient;
  sqs: SQSClient;
  accountId: string;
  region: string;
}

/** Plain SDK clients against moto in `region`, acting in `accountId` (default moto's default account). */
export function motoClients(region: string, accountId?: string): MotoClients {
  const config = { ...motoClientConfig(), region };
  const clients = {
    rds: new RDSClient(config),
    sns: new SNSClient(config),
    secretsManager: new SecretsManagerClient(config),
    sqs: new SQSClient(config),
  };
  if (accountId) for (const client of Object.values(clients)) useMotoAccount(client, accountId);
  return { ...clients, accountId: accountId ?? MOTO_DEFAULT_ACCOUNT, region };
}

/** Whether a DB cluster exists in moto (in `region`, moto's default account unless `accountId` is given). */
export async function clusterExists(region: string, clusterId: string, accountId?: string): Promise<boolean> {
  const { rds } = motoClients(region, accountId);
  try {
    const out = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: clusterId }));
    return (out.DBClusters ?? []).length > 0;
  } catch (err) {
    if ((err as Error).name === 'DBClusterNotFoundFault') return false;
    throw err;
  } finally {
    rds.destroy();
  }
}

/** A role ARN in `accountId`: moto's STS hands out credentials that act in that account (no IAM checks). */
export function motoRoleArn(accountId: string, name = 'aurora-restore'): string {
  return `arn:aws:iam::${accountId}:role/${name}`;
}

export interface MotoClientFactoryOptions extends Pick<AwsClientFactoryOptions, 'decorate' | 'rdsCallBudget'> {
  /**
   * Account of the worker's own credentials: where calls without a role act (default moto's default account).
   * Locations with a `roleArn` go through the production assume-role path (moto STS), which selects the role's
   * account, just as on AWS; a location's `accountId` alone changes nothing, as on AWS.
   */
  workerAccountId?: string;
}

/** The production client factory, pointed at moto through injected client options (endpoint, test credentials). */
export function motoClientFactory(options: MotoClientFactoryOptions = {}): AwsClientFactory {
  const { workerAccountId } = options;
  return createAwsClientFactory({
    clientConfig: motoClientConfig(),
    rdsCallBudget: options.rdsCallBudget,
    decorate: (client, loc, service) => {
      if (workerAccountId && !loc.roleArn) useMotoAccount(client, workerAccountId);
      options.decorate?.(client, loc, service);
    },
  });
}

/** Sends the command on (towards moto) and resolves to what came back. */
export type RdsSend = () => Promise<{ output: unknown }>;

/**
 * A `decorate` for motoClientFactory that runs `intercept` around every RDS command the factory's clients send, to
 * record, alter or refuse it the way AWS would where moto does not; `also` decorates first (e.g. the AWS simulator).
 */
export function interceptRds(
  name: string,
  intercept: (commandName: string, input: unknown, send: RdsSend) => Promise<{ output: unknown }>,
  also?: AwsClientFactoryOptions['decorate']
): NonNullable<AwsClientFactoryOptions['decorate']> {
  return (client, loc, service) => {
    also?.(client, loc, service);
    if (service !== 'rds') return;
    (client as RDSClient).middlewareStack.add(
      (next, context) => async (args) =>
        (await intercept(context.commandName ?? '', args.input, () => next(args))) as Awaited<ReturnType<typeof next>>,
      { step: 'initialize', name }
    );
  };
}

/** Throws a clear error unless moto answers at the endpoint. Call from a root `before` hook. */
export async function assertMotoReachable(): Promise<void> {
  const url = `${motoEndpoint()}/moto-api/`;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
  } catch (err) {
    throw new Error(
      `moto server not reachable at ${motoEndpoint()} (${err instanceof Error ? err.message : String(err)}). ` +
        'Start it with scripts/servers.sh or `.tools/venv/bin/moto_server -H 127.0.0.1 -p 5055`, ' +
        'or point AWS_ENDPOINT_URL at a running one.'
    );
  }
}

/**
 * Wipes every moto backend (all accounts and regions). Dangerous when tests run in parallel against the same server;
 * mocha runs files serially, but prefer `uniqueName` over resets.
 */
export async function resetMoto(): Promise<void> {
  const response = await fetch(`${motoEndpoint()}/moto-api/reset`, { method: 'POST' });
  if (!response.ok) throw new Error(`moto reset failed: HTTP ${response.status}`);
}

/** A valid, unique RDS identifier: `<prefix>-<time36>-<hex6>`, lowercase, at most 63 characters. */
export function uniqueName(prefix: string): string {
  const suffix = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const head = prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/-+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, 63 - suffix.length - 1)
    .replace(/-+$/, '');
  return `${head || 't'}-${suffix}`;
}

/**
 * moto has no KMS client here (`@aws-sdk/client-kms` is not a dependency): returns the AWS-managed RDS key alias,
 * which moto resolves in every region for CopyDBClusterSnapshot and restores. `region` is where the key will be used.
 */
export function createKmsKey(region: string): string {
  if (!region) throw new Error('createKmsKey needs the region the key is used in');
  return RDS_MANAGED_KMS_ALIAS;
}

export interface SeedSourceClusterOptions {
  region: string;
  clusterId: string;
  engine?: AuroraEngine;
  accountId?: string;
  /** Identifier of a manual snapshot to take of the new cluster. */
  withSnapshot?: string;
  encrypted?: boolean;
  kmsKeyAlias?: string;
  tags?: Record<string, string>;
}

export interface SeededCluster {
  clusterId: string;
  clusterArn: string;
  region: string;
  accountId: string;
  snapshot?: { identifier: string; arn: string };
}

/**
 * Creates a source cluster (moto also makes its one automated snapshot `rds:<id>-<minute>`) and optionally a manual
 * snapshot. Uses MasterUserPassword, never ManageMasterUserPassword: moto answers 500 when restoring from snapshots
 * of managed-password clusters.
 */
export async function seedSourceCluster(options: SeedSourceClusterOptions): Promise<SeededCluster> {
  const { region, clusterId, engine = 'aurora-postgresql', accountId, withSnapshot } = options;
  const { rds, accountId: account } = motoClients(region, accountId);
  try {
    const tags = Object.entries(options.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
    const created = await rds.send(
      new CreateDBClusterCommand({
        DBClusterIdentifier: clusterId,
        Engine: engine,
        EngineVersion: engine === 'aurora-postgresql' ? '15.4' : '8.0.mysql_aurora.3.05.2',
        MasterUsername: 'seed_admin',
        MasterUserPassword: `Seed-${randomBytes(8).toString('hex')}`,
        StorageEncrypted: options.encrypted ?? false,
        ...(options.encrypted || options.kmsKeyAlias ? { KmsKeyId: options.kmsKeyAlias ?? RDS_MANAGED_KMS_ALIAS } : {}),
        ...(tags.length ? { Tags: tags } : {}),
      })
    );
    const clusterArn = created.DBCluster?.DBClusterArn;
    if (!clusterArn) throw new Error(`moto returned no ARN for seeded cluster ${clusterId}`);
    const seeded: SeededCluster = { clusterId, clusterArn, region, accountId: account };
    if (withSnapshot) {
      const snap = await rds.send(
        new CreateDBClusterSnapshotCommand({
          DBClusterIdentifier: clusterId,
          DBClusterSnapshotIdentifier: withSnapshot,
        })
      );
      const arn = snap.DBClusterSnapshot?.DBClusterSnapshotArn;
      if (!arn) throw new Error(`moto returned no ARN for seeded snapshot ${withSnapshot}`);
      seeded.snapshot = { identifier: withSnapshot, arn };
    }
    return seeded;
  } finally {
    rds.destroy();
  }
}

/** A member instance of `clusterId`: tagged as this pipeline's, or untagged as a person would add it by hand. */
export async function addMemberInstance(
  region: string,
  clusterId: string,
  instanceId: string,
  { managed }: { managed: boolean }
): Promise<void> {
  await motoClients(region).rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: instanceId,
      DBClusterIdentifier: clusterId,
      Engine: 'aurora-postgresql',
      DBInstanceClass: 'db.r6g.large',
      Tags: managed ? [{ Key: TAG_MANAGED_BY, Value: TAG_MANAGED_BY_VALUE }] : [],
    })
  );
}

/** A cluster this pipeline created (tagged managed-by, and with its operation when given): one a restore may replace. */
export function seedManagedCluster(region: string, clusterId: string, operationId?: string): Promise<SeededCluster> {
  const tags = { [TAG_MANAGED_BY]: TAG_MANAGED_BY_VALUE, ...(operationId ? { [TAG_OPERATION_ID]: operationId } : {}) };
  return seedSourceCluster({ region, clusterId, tags });
}

/**
 * A managed cluster for the production worker (no simulator) to replace: seeded, with its automated snapshots
 * dropped (see `dropAutomatedSnapshots`).
 */
export async function seedReplaceableCluster(region: string, clusterId: string): Promise<SeededCluster> {
  const seeded = await seedManagedCluster(region, clusterId);
  await dropAutomatedSnapshots(region, clusterId);
  return seeded;
}

/** A restore source: a cluster `<prefix>-<unique>` with one manual snapshot `<cluster>-snap`. */
export async function seedSourceSnapshot(
  options: Omit<SeedSourceClusterOptions, 'clusterId' | 'withSnapshot'> & { prefix: string }
): Promise<{ clusterId: string; snapshotId: string }> {
  const { prefix, ...seed } = options;
  const clusterId = uniqueName(prefix);
  const snapshotId = `${clusterId}-snap`;
  await seedSourceCluster({ ...seed, clusterId, withSnapshot: snapshotId });
  return { clusterId, snapshotId };
}

/** A source cluster `<prefix>-<unique>` in another account, with a manual snapshot `<cluster>-manual` (ARN in that account). */
export async function seedSourceInAccount(
  options: Omit<SeedSourceClusterOptions, 'clusterId' | 'withSnapshot'> & { accountId: string; prefix: string }
): Promise<SeededCluster> {
  const { prefix, ...seed } = options;
  const clusterId = uniqueName(prefix);
  return seedSourceCluster({ ...seed, clusterId, withSnapshot: `${clusterId}-manual` });
}

/** Restores the source account's snapshot into a cluster of the target account, each account reached through its role. */
export function crossAccountRequest(options: {
  source: { region: string; accountId: string; snapshotArn: string };
  target: { region: string; accountId: string; clusterId: string };
  kmsKeyId: string;
}): RestoreRequest {
  const { source, target } = options;
  return {
    source: {
      region: source.region,
      accountId: source.accountId,
      roleArn: motoRoleArn(source.accountId),
      snapshot: source.snapshotArn,
    },
    target: { ...target, roleArn: motoRoleArn(target.accountId) },
    copy: { kmsKeyId: options.kmsKeyId },
  };
}

/**
 * Manual snapshots `<cluster>-<YYYY-MM-DD>` of `clusterId` for the UTC day of `nowMs` and the day before, as a nightly
 * job names them; one that exists already (an earlier night made it) is kept.
 */
export async function seedDailySnapshots(region: string, clusterId: string, nowMs: number): Promise<void> {
  const { rds } = motoClients(region);
  try {
    for (const offset of [-1, 0]) {
      const id = `${clusterId}-${utcDate(new Date(nowMs + offset * 86_400_000))}`;
      await rds
        .send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: clusterId, DBClusterSnapshotIdentifier: id }))
        .catch((err: Error) => (err.name === 'DBClusterSnapshotAlreadyExistsFault' ? undefined : Promise.reject(err)));
    }
  } finally {
    rds.destroy();
  }
}

/** A nightly refresh of `targetId` (replacing it) from the source's snapshot named for yesterday, `<cluster>-<date>`. */
export function nightlyRequest(region: string, sourceClusterId: string, targetId: string): RestoreRequest {
  return {
    source: {
      region,
      clusterId: sourceClusterId,
      selection: { strategy: 'name-template', template: '{cluster}-{date}', date: 'yesterday' },
    },
    target: { region, clusterId: targetId, tags: { environment: 'staging' } },
    replace: { existing: true },
  };
}

/**
 * Removes a cluster's automated snapshots from moto. Moto keeps `rds:<id>-<UTC minute>` after the cluster is
 * deleted, so restoring the same id within that minute collides with it (AWS does not); tests that replace a
 * cluster they seeded, with the production worker and no simulator, drop them as AWS would (sim/ does the same).
 */
export async function dropAutomatedSnapshots(region: string, clusterId: string): Promise<void> {
  const { rds } = motoClients(region);
  const out = await rds.send(
    new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: clusterId, SnapshotType: 'automated' })
  );
  for (const s of out.DBClusterSnapshots ?? []) {
    await rds.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: s.DBClusterSnapshotIdentifier }));
  }
}
