import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';

import { DescribeDBClustersCommand, ModifyDBClusterCommand } from '@aws-sdk/client-rds';
import { CreateSecretCommand, DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';

import { createMasterPasswordActivities } from '../../src/activities/master-password';
import type { SetMasterPasswordInput, SetMasterPasswordOutput } from '../../src/activities/types';
import { useMoto } from '../support/fixtures/moto';
import { interceptRds, seedSourceCluster, uniqueName } from '../support/moto';
import type { MotoClients } from '../support/moto';

const CLUSTER_REGION = 'eu-west-1';
/** Secrets live in another region than the cluster: the activity must read them in the ARN's region. */
const SECRET_REGION = 'us-east-1';

interface SentModify {
  clusterId?: string;
  password?: string;
  manage?: boolean;
}

describe('setMasterPassword activity (moto RDS + Secrets Manager)', function () {
  let rdsAws: MotoClients;
  let secretsAws: MotoClients;
  /** ModifyDBCluster requests as the SDK sent them to moto (the wire-level proof the password was used). */
  const sentModifies: SentModify[] = [];
  const moto = useMoto({
    decorate: interceptRds('recordModify', (commandName, input, send) => {
      if (commandName === 'ModifyDBClusterCommand') {
        const modify = input as {
          DBClusterIdentifier?: string;
          MasterUserPassword?: string;
          ManageMasterUserPassword?: boolean;
        };
        sentModifies.push({
          clusterId: modify.DBClusterIdentifier,
          password: modify.MasterUserPassword,
          manage: modify.ManageMasterUserPassword,
        });
      }
      return send();
    }),
  });
  const activities = createMasterPasswordActivities({ clients: moto.factory });

  before(() => {
    rdsAws = moto.clients(CLUSTER_REGION);
    secretsAws = moto.clients(SECRET_REGION);
  });

  async function newCluster(): Promise<string> {
    const clusterId = uniqueName('pw-target');
    await seedSourceCluster({ region: CLUSTER_REGION, clusterId });
    return clusterId;
  }

  async function newSecret(value: string): Promise<string> {
    const out = await secretsAws.secretsManager.send(
      new CreateSecretCommand({ Name: uniqueName('restore/master'), SecretString: value })
    );
    assert.ok(out.ARN);
    return out.ARN;
  }

  async function clusterState(clusterId: string) {
    const out = await rdsAws.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: clusterId }));
    return out.DBClusters![0];
  }

  function input(clusterId: string, spec: SetMasterPasswordInput['spec']): SetMasterPasswordInput {
    return { target: { region: CLUSTER_REGION }, clusterId, spec };
  }

  /** Runs the activity in an activity context, capturing its logs, heartbeats and console output. */
  async function run(
    args: SetMasterPasswordInput
  ): Promise<{ result?: SetMasterPasswordOutput; error?: unknown; captured: string }> {
    const lines: string[] = [];
    const logger = new DefaultLogger('TRACE', (entry) =>
      lines.push(`${entry.message} ${JSON.stringify(entry.meta ?? {})}`)
    );
    const env = new MockActivityEnvironment(
      { scheduledTimestampMs: Date.now(), currentAttemptScheduledTimestampMs: Date.now() },
      { logger }
    );
    env.on('heartbeat', (d: unknown) => lines.push(`heartbeat ${JSON.stringify(d)}`));
    const originals = {
      log: console.log,
      info: console.info,
      warn: console.warn,
      error: console.error,
      debug: console.debug,
      stdout: process.stdout.write.bind(process.stdout),
      stderr: process.stderr.write.bind(process.stderr),
    };
    const capture = (...parts: unknown[]) => lines.push(parts.map(String).join(' '));
    console.log = console.info = console.warn = console.error = console.debug = capture;
    process.stdout.write = ((chunk: unknown) => (lines.push(String(chunk)), true)) as typeof process.stdout.write;
    process.stderr.write = ((chunk: unknown) => (lines.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      const result: SetMasterPasswordOutput = await env.run(activities.setMasterPassword, args);
      return { result, captured: lines.join('\n') };
    } catch (error) {
      return { error, captured: lines.join('\n') };
    } finally {
      Object.assign(console, {
        log: originals.log,
        info: originals.info,
        warn: originals.warn,
        error: originals.error,
        debug: originals.debug,
      });
      process.stdout.write = originals.stdout;
      process.stderr.write = originals.stderr;
    }
  }

  function everythingAbout(outcome: { result?: unknown; error?: unknown; captured: string }): string {
    const err = outcome.error as (Error & { details?: unknown; cause?: unknown }) | undefined;
    return [
      JSON.stringify(outcome.result ?? null),
      err ? `${err.name} ${err.message} ${err.stack} ${JSON.stringify(err.details ?? null)} ${String(err.cause)}` : '',
      outcome.captured,
    ].join('\n');
  }

  it('sets the password from a plain-string secret in another region', async () => {
    const clusterId = await newCluster();
    const password = `Plain-${randomBytes(8).toString('hex')}`;
    const secretArn = await newSecret(password);
    const outcome = await run(input(clusterId, { secretArn }));
    assert.equal(outcome.error, undefined, String(outcome.error));
    assert.deepEqual(outcome.result, { mode: 'secret' });
    const sent = sentModifies.filter((m) => m.clusterId === clusterId);
    assert.deepEqual(sent, [{ clusterId, password, manage: undefined }]);
    assert.equal((await clusterState(clusterId)).Status, 'available');
  });

  it('sets the password from a JSON secret (password or MasterUserPassword field)', async () => {
    const clusterId = await newCluster();
    const p1 = `Json-${randomBytes(8).toString('hex')}`;
    const p2 = `Mup-${randomBytes(8).toString('hex')}`;
    await run(input(clusterId, { secretArn: await newSecret(JSON.stringify({ username: 'admin', password: p1 })) }));
    await run(input(clusterId, { secretArn: await newSecret(JSON.stringify({ MasterUserPassword: p2 })) }));
    const sent = sentModifies.filter((m) => m.clusterId === clusterId).map((m) => m.password);
    assert.deepEqual(sent, [p1, p2]);
  });

  it('never lets the secret value reach the result, errors, logs, heartbeats or console', async () => {
    const clusterId = await newCluster();
    const marker = `Mark${randomBytes(12).toString('hex')}`;

    const ok = await run(input(clusterId, { secretArn: await newSecret(JSON.stringify({ password: marker })) }));
    assert.equal(ok.error, undefined, String(ok.error));
    assert.ok(
      sentModifies.some((m) => m.password === marker),
      'the marker must have been sent to RDS'
    );
    assert.ok(!everythingAbout(ok).includes(marker), 'marker leaked on success');

    // An unusable value (forbidden '@'): the error explains why without quoting any of it.
    const bad = await run(input(clusterId, { secretArn: await newSecret(`${marker}@x`) }));
    assert.ok(bad.error instanceof ApplicationFailure);
    assert.equal(bad.error.type, 'MasterSecretUnreadable');
    assert.equal(bad.error.nonRetryable, true);
    assert.match(bad.error.message, /character RDS does not accept/);
    assert.ok(!everythingAbout(bad).includes(marker), 'marker leaked on validation failure');

    // Too short: refused before ModifyDBCluster, so moto (which drops a cluster on a failed modify) keeps it.
    const before = sentModifies.length;
    const short = await run(input(clusterId, { secretArn: await newSecret('Ab1') }));
    assert.ok(short.error instanceof ApplicationFailure);
    assert.match(short.error.message, /shorter than 8 characters/);
    assert.ok(!everythingAbout(short).includes('Ab1'));
    assert.equal(sentModifies.length, before, 'no ModifyDBCluster for an invalid password');
    assert.equal((await clusterState(clusterId)).Status, 'available');
  });

  it('refuses JSON secrets without a password field', async () => {
    const clusterId = await newCluster();
    const outcome = await run(input(clusterId, { secretArn: await newSecret(JSON.stringify({ user: 'admin' })) }));
    assert.ok(outcome.error instanceof ApplicationFailure);
    assert.equal(outcome.error.type, 'MasterSecretUnreadable');
    assert.match(outcome.error.message, /without a string "password"/);
  });

  it('fails with MasterSecretUnreadable, naming the ARN, when the secret does not exist', async () => {
    const clusterId = await newCluster();
    const secretArn = `arn:aws:secretsmanager:${SECRET_REGION}:123456789012:secret:${uniqueName('nope')}-AbCdEf`;
    const outcome = await run(input(clusterId, { secretArn }));
    assert.ok(outcome.error instanceof ApplicationFailure);
    assert.equal(outcome.error.type, 'MasterSecretUnreadable');
    assert.equal(outcome.error.nonRetryable, true);
    assert.ok(outcome.error.message.includes(secretArn));
    assert.match(outcome.error.message, /does not exist.*Check the ARN, region and account/);
    assert.equal(sentModifies.filter((m) => m.clusterId === clusterId).length, 0);
  });

  it('rejects a malformed secret ARN and a missing cluster as typed non-retryable failures', async () => {
    const clusterId = await newCluster();
    const malformed = await run(input(clusterId, { secretArn: 'my-secret' }));
    assert.ok(malformed.error instanceof ApplicationFailure);
    assert.equal(malformed.error.type, 'InvalidRestoreRequest');

    const missing = await run(input(uniqueName('no-such-cluster'), { manage: true }));
    assert.ok(missing.error instanceof ApplicationFailure);
    assert.equal(missing.error.type, 'ClusterRestoreFailed');
    assert.equal(missing.error.nonRetryable, true);
  });

  it('managed mode creates the RDS-managed secret, returns its ARN, and is idempotent', async () => {
    const clusterId = await newCluster();
    const first = await run(input(clusterId, { manage: true }));
    assert.equal(first.error, undefined, String(first.error));
    const arn = first.result?.managedSecretArn;
    assert.equal(first.result?.mode, 'managed');
    assert.match(arn ?? '', new RegExp(`^arn:aws:secretsmanager:${CLUSTER_REGION}:\\d{12}:secret:rds!cluster`));
    assert.equal((await clusterState(clusterId)).MasterUserSecret?.SecretArn, arn);
    const secret = await rdsAws.secretsManager.send(new DescribeSecretCommand({ SecretId: arn }));
    assert.equal(secret.ARN, arn);

    const modifiesBefore = sentModifies.length;
    const second = await run(input(clusterId, { manage: true }));
    assert.deepEqual(second.result, { mode: 'managed', managedSecretArn: arn });
    assert.equal(sentModifies.length, modifiesBefore, 'an already managed cluster is not modified again');
  });

  it('switches a managed cluster back to a password from a secret in one call', async () => {
    const clusterId = await newCluster();
    await rdsAws.rds.send(
      new ModifyDBClusterCommand({
        DBClusterIdentifier: clusterId,
        ManageMasterUserPassword: true,
        ApplyImmediately: true,
      })
    );
    assert.ok((await clusterState(clusterId)).MasterUserSecret?.SecretArn);
    const password = `Back-${randomBytes(8).toString('hex')}`;
    const outcome = await run(input(clusterId, { secretArn: await newSecret(password) }));
    assert.equal(outcome.error, undefined, String(outcome.error));
    assert.deepEqual(
      sentModifies.filter((m) => m.clusterId === clusterId),
      [{ clusterId, password, manage: false }]
    );
    const after = await clusterState(clusterId);
    assert.equal(after.MasterUserSecret, undefined);
  });
});
