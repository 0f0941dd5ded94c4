/**
 * What a chaos scenario seeds in moto, and the invariants checked once it has ended, against moto's own state (plain
 * clients, no simulator):
 *  - success: the target cluster and exactly the requested instances exist, with the requested class and tags;
 *  - failure: typed (an ApplicationFailure type of our catalogue, or a cancellation when one was sent), and nothing
 *    this operation created remains, except a snapshot copy the request keeps;
 *  - a scenario without a terminal AWS failure or a cancel succeeds (5xx bursts, delays and crashes are all
 *    recoverable; under 50% throttling the restore may also end as `Throttled` once a call's retries ran out),
 *    and one with a terminal failure and no cancel does not;
 *  - the source cluster and snapshot, and every untagged resource (a bystander cluster and instance in the target
 *    Region), are untouched;
 *  - no secret (the master password seeded in Secrets Manager) appears in the workflow's history or the worker's log;
 *  - the outcome our CLI prints (`aurora-restore start` following the restore, or `status` afterwards) is the
 *    workflow's.
 */
import { randomBytes } from 'node:crypto';

import {
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
} from '@aws-sdk/client-rds';
import type { DBCluster, DBInstance, RDSClient, Tag } from '@aws-sdk/client-rds';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

import { Failures } from '../../src/domain/errors';
import {
  instanceIds,
  isCreatedByOperation,
  swapNames,
  TAG_MANAGED_BY,
  TAG_OPERATION_ID,
} from '../../src/domain/naming';
import type { RestoreRequest } from '../../src/domain/request';
import type { RestoreResult } from '../../src/workflows/messages';
import { dropAutomatedSnapshots, motoClients, seedManagedCluster, seedSourceCluster } from '../support/moto';

import type { Scenario } from './plan';

const SOURCE_REGION = 'us-east-1';
const OTHER_REGION = 'us-west-2';

export type Outcome = { ok: true; result: RestoreResult } | { ok: false; type: string; message: string };

export interface Seeded {
  sourceRegion: string;
  targetRegion: string;
  sourceClusterId: string;
  snapshotId: string;
  bystanderClusterId: string;
  bystanderInstanceId: string;
  secretArn?: string;
  /** The master password stored in the secret: must never appear in a history or a log. */
  secretValue?: string;
  /** Fingerprints of what must stay untouched, taken before the restore. */
  untouched: Record<string, string>;
}

const clients = new Map<string, { rds: RDSClient; secretsManager: SecretsManagerClient }>();
function aws(region: string) {
  let c = clients.get(region);
  if (!c) {
    const { rds, secretsManager } = motoClients(region);
    c = { rds, secretsManager };
    clients.set(region, c);
  }
  return c;
}

const TYPED_FAILURES = new Set(Object.values(Failures).map((k) => k.type));

async function cluster(region: string, id: string): Promise<DBCluster | undefined> {
  try {
    const out = await aws(region).rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }));
    return out.DBClusters?.[0];
  } catch (err) {
    if ((err as Error).name === 'DBClusterNotFoundFault') return undefined;
    throw err;
  }
}

async function instancesOf(region: string, clusterId: string): Promise<DBInstance[]> {
  const out = await aws(region).rds.send(
    new DescribeDBInstancesCommand({ Filters: [{ Name: 'db-cluster-id', Values: [clusterId] }] })
  );
  return out.DBInstances ?? [];
}

/**
 * The instances of the restored target as moto lists them. After a swap (the default for replacing an existing
 * target) moto still files the new instances under the temporary name their cluster had when they were created: it
 * re-keys a renamed cluster but not its members (sim/renames.ts corrects that for the worker's view, not for these
 * plain clients). They count as the target's when that temporary cluster name is gone, as it must be after a swap.
 */
async function membersAfterRestore(
  region: string,
  targetId: string,
  operationId: string,
  request: Scenario['request']
): Promise<DBInstance[]> {
  const members = await instancesOf(region, targetId);
  if (!request.replaceExisting) return members;
  const { incomingClusterId } = swapNames(targetId, operationId, request.instanceCount);
  if (await cluster(region, incomingClusterId)) return members;
  const known = new Set(members.map((i) => i.DBInstanceIdentifier));
  return [
    ...members,
    ...(await instancesOf(region, incomingClusterId)).filter((i) => !known.has(i.DBInstanceIdentifier)),
  ];
}

function tagsText(tags: Tag[] | undefined): string {
  return (tags ?? [])
    .map((t) => `${t.Key}=${t.Value}`)
    .sort()
    .join(',');
}

/** What must not change about a cluster (and its instances), as one comparable string. */
async function clusterFingerprint(region: string, id: string): Promise<string> {
  const c = await cluster(region, id);
  if (!c) return 'absent';
  const members = (await instancesOf(region, id))
    .map((i) => `${i.DBInstanceIdentifier}:${i.DBInstanceClass}:${i.DBInstanceStatus}:${tagsText(i.TagList)}`)
    .sort();
  return JSON.stringify([c.Status, c.DeletionProtection, tagsText(c.TagList), members]);
}

async function snapshotFingerprint(region: string, id: string): Promise<string> {
  try {
    const out = await aws(region).rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: id }));
    const s = out.DBClusterSnapshots?.[0];
    return s ? JSON.stringify([s.Status, tagsText(s.TagList)]) : 'absent';
  } catch (err) {
    if ((err as Error).name === 'DBClusterSnapshotNotFoundFault') return 'absent';
    throw err;
  }
}

async function fingerprints(seeded: Omit<Seeded, 'untouched'>): Promise<Record<string, string>> {
  return {
    [`source cluster ${seeded.sourceClusterId}`]: await clusterFingerprint(seeded.sourceRegion, seeded.sourceClusterId),
    [`source snapshot ${seeded.snapshotId}`]: await snapshotFingerprint(seeded.sourceRegion, seeded.snapshotId),
    [`untagged cluster ${seeded.bystanderClusterId}`]: await clusterFingerprint(
      seeded.targetRegion,
      seeded.bystanderClusterId
    ),
  };
}

/** The scenario's resources in moto: source cluster and snapshot, an untagged bystander, the old target, a secret. */
export async function seedScenario(s: Scenario): Promise<Seeded> {
  const targetRegion = s.request.crossRegion ? OTHER_REGION : SOURCE_REGION;
  const sourceClusterId = `${s.tag}-src`;
  const snapshotId = `${s.tag}-snap`;
  await seedSourceCluster({ region: SOURCE_REGION, clusterId: sourceClusterId, withSnapshot: snapshotId });
  // A cluster a person made by hand in the target Region, with an instance: never ours to touch.
  const bystanderClusterId = `${s.tag}-by`;
  const bystanderInstanceId = `${s.tag}-by-1`;
  const { rds, secretsManager } = aws(targetRegion);
  await rds.send(
    new CreateDBClusterCommand({
      DBClusterIdentifier: bystanderClusterId,
      Engine: 'aurora-postgresql',
      EngineVersion: '15.4',
      MasterUsername: 'by_admin',
      MasterUserPassword: `By-${randomBytes(8).toString('hex')}`,
      Tags: [{ Key: 'owner', Value: 'someone-else' }],
    })
  );
  await rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: bystanderInstanceId,
      DBClusterIdentifier: bystanderClusterId,
      DBInstanceClass: 'db.r6g.large',
      Engine: 'aurora-postgresql',
    })
  );
  if (s.request.replaceExisting) {
    await seedManagedCluster(targetRegion, s.aws.targetClusterId);
    await dropAutomatedSnapshots(targetRegion, s.aws.targetClusterId);
  }
  let secretArn: string | undefined;
  let secretValue: string | undefined;
  if (s.request.masterPassword) {
    secretValue = `Chaos${randomBytes(12).toString('hex')}`;
    // Named without the scenario's tag, so that the chaos worker's faults never touch Secrets Manager calls.
    const secret = await secretsManager.send(
      new CreateSecretCommand({
        Name: `chaos-master/${randomBytes(6).toString('hex')}`,
        SecretString: JSON.stringify({ password: secretValue }),
      })
    );
    secretArn = secret.ARN;
  }
  const seeded = {
    sourceRegion: SOURCE_REGION,
    targetRegion,
    sourceClusterId,
    snapshotId,
    bystanderClusterId,
    bystanderInstanceId,
    secretArn,
    secretValue,
  };
  return { ...seeded, untouched: await fingerprints(seeded) };
}

export interface InvariantInput {
  scenario: Scenario;
  seeded: Seeded;
  request: RestoreRequest;
  operationId: string;
  outcome: Outcome;
  cancelSent: boolean;
  /** What `aurora-restore --json start` (following the restore) or `--json status` printed at the end. */
  cli: { command: 'start' | 'status'; code: number; stdout: string; stderr: string };
  history: string;
  workerLog: string;
}

/** Every invariant the scenario broke, each as a sentence (empty: none). */
export async function checkInvariants(input: InvariantInput): Promise<string[]> {
  const { scenario, seeded, outcome, operationId } = input;
  const violations: string[] = [];
  const region = seeded.targetRegion;
  const targetId = scenario.aws.targetClusterId;
  const terminal = scenario.aws.terminal !== undefined;

  if (outcome.ok) {
    if (terminal && !input.cancelSent) {
      violations.push(`succeeded despite a terminal AWS failure (${JSON.stringify(scenario.aws.terminal)})`);
    }
    const c = await cluster(region, targetId);
    if (!c) violations.push(`succeeded, but cluster ${targetId} does not exist`);
    else {
      if (!isCreatedByOperation(c.TagList, operationId)) {
        violations.push(`cluster ${targetId} is not tagged with operation ${operationId}: ${tagsText(c.TagList)}`);
      }
      for (const [key, value] of Object.entries(scenario.request.tags)) {
        if (!c.TagList?.some((t) => t.Key === key && t.Value === value)) {
          violations.push(`cluster ${targetId} lacks the requested tag ${key}=${value}`);
        }
      }
      const members = await membersAfterRestore(region, targetId, operationId, scenario.request);
      const expected = instanceIds(targetId, scenario.request.instanceCount).sort();
      const actual = members.map((i) => i.DBInstanceIdentifier ?? '').sort();
      if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        violations.push(`instances of ${targetId} are [${actual.join(', ')}], expected [${expected.join(', ')}]`);
      }
      for (const i of members) {
        if (i.DBInstanceClass !== scenario.request.instanceClass) {
          violations.push(`${i.DBInstanceIdentifier} is ${i.DBInstanceClass}, not ${scenario.request.instanceClass}`);
        }
        if (!isCreatedByOperation(i.TagList, operationId)) {
          violations.push(`${i.DBInstanceIdentifier} is not tagged with operation ${operationId}`);
        }
      }
    }
    const copy = outcome.result.snapshotCopy;
    if (copy && copy.kept !== scenario.request.keepCopy) {
      violations.push(
        `snapshot copy ${copy.identifier} kept=${copy.kept}, but the request said keep=${scenario.request.keepCopy}`
      );
    }
  } else {
    if (!TYPED_FAILURES.has(outcome.type)) {
      violations.push(`failed with ${outcome.type}, not a type of our catalogue: ${outcome.message}`);
    }
    // Sustained throttling is the one recoverable fault a restore may give up on: a call is retried 10 times over
    // about 10 minutes, then the restore fails as Throttled (typed, retryable, cleaned up). With half the calls
    // throttled, and the SDK's retry quota drained by them, that happens to about 1 scenario in 40.
    const gaveUpOnThrottling = outcome.type === Failures.Throttled.type && scenario.aws.throttle > 0;
    if (!terminal && !input.cancelSent && !gaveUpOnThrottling) {
      violations.push(`failed without a terminal AWS failure or a cancel: ${outcome.type}: ${outcome.message}`);
    }
    const kept = await committedSwap(region, targetId, operationId, scenario.request);
    violations.push(...(await leftovers(region, operationId, scenario.request.keepCopy, kept)));
  }

  const after = await fingerprints(seeded);
  for (const [what, before] of Object.entries(seeded.untouched)) {
    if (after[what] !== before) violations.push(`${what} changed: ${before} -> ${after[what]}`);
  }

  if (seeded.secretValue) {
    if (input.history.includes(seeded.secretValue)) violations.push('the master password appears in the history');
    if (input.workerLog.includes(seeded.secretValue)) violations.push('the master password appears in the worker log');
  }

  violations.push(...cliAgrees(input));
  return violations;
}

/**
 * What a failure may keep: once a swap is committed (the new cluster holds the target's name) the restore keeps it
 * whatever fails next (renaming its instances, the previous cluster's fate, the copy's removal, the expiry), as
 * swap.ts documents. The target name then holds a cluster of this operation, with its members.
 */
async function committedSwap(
  region: string,
  targetId: string,
  operationId: string,
  request: Scenario['request']
): Promise<Set<string>> {
  if (!request.replaceExisting) return new Set();
  const c = await cluster(region, targetId);
  if (!c || !isCreatedByOperation(c.TagList, operationId)) return new Set();
  const members = await membersAfterRestore(region, targetId, operationId, request);
  return new Set([targetId, ...members.map((i) => i.DBInstanceIdentifier ?? '')]);
}

/** Clusters, instances and snapshots in `region` tagged with this operation (a kept copy and `kept` excepted). */
async function leftovers(region: string, operationId: string, keepCopy: boolean, kept: Set<string>): Promise<string[]> {
  const { rds } = aws(region);
  const out: string[] = [];
  const clusters = await rds.send(new DescribeDBClustersCommand({}));
  for (const c of clusters.DBClusters ?? []) {
    if (kept.has(c.DBClusterIdentifier ?? '')) continue;
    if (isCreatedByOperation(c.TagList, operationId)) out.push(`cluster ${c.DBClusterIdentifier} was left behind`);
  }
  const instances = await rds.send(new DescribeDBInstancesCommand({}));
  for (const i of instances.DBInstances ?? []) {
    if (kept.has(i.DBInstanceIdentifier ?? '')) continue;
    if (isCreatedByOperation(i.TagList, operationId)) out.push(`instance ${i.DBInstanceIdentifier} was left behind`);
  }
  if (!keepCopy) {
    const snapshots = await rds.send(new DescribeDBClusterSnapshotsCommand({ SnapshotType: 'manual' }));
    for (const s of snapshots.DBClusterSnapshots ?? []) {
      const ours = s.TagList?.some((t) => t.Key === TAG_OPERATION_ID && t.Value === operationId);
      const managed = s.TagList?.some((t) => t.Key === TAG_MANAGED_BY);
      if (ours && managed) out.push(`snapshot ${s.DBClusterSnapshotIdentifier} was left behind`);
    }
  }
  return out.map((text) => `failed and ${text}`);
}

/** The outcome `aurora-restore --json start` (following) or `--json status` prints must be the workflow's. */
function cliAgrees(input: InvariantInput): string[] {
  const { outcome, cli } = input;
  const name = `aurora-restore ${cli.command}`;
  const expectedCode = outcome.ok ? 0 : 1;
  let printed: { ok: boolean; failureType?: string } | undefined;
  try {
    const doc = JSON.parse(cli.stdout) as {
      status?: string;
      failure?: { type?: string };
      outcome?: { ok: boolean; failure?: { type?: string } };
    };
    if (cli.command === 'status') {
      printed = doc.outcome && { ok: doc.outcome.ok, failureType: doc.outcome.failure?.type };
    } else if (doc.status === 'succeeded' || doc.status === 'failed') {
      printed = { ok: doc.status === 'succeeded', failureType: doc.failure?.type };
    }
  } catch {
    return [`${name} printed no JSON (exit ${cli.code}): ${cli.stdout} ${cli.stderr.slice(-2000)}`];
  }
  if (!printed) return [`${name} printed no outcome (exit ${cli.code}): ${cli.stdout} ${cli.stderr.slice(-2000)}`];
  if (printed.ok !== outcome.ok) return [`${name} says ok=${printed.ok}, the workflow ok=${outcome.ok}`];
  if (cli.code !== expectedCode) return [`${name} exited ${cli.code}, expected ${expectedCode}`];
  if (!outcome.ok && printed.failureType !== outcome.type) {
    return [`${name} says ${printed.failureType}, the workflow failed with ${outcome.type}`];
  }
  return [];
}
