/**
 * The restore workflow's database steps end to end: the time-skipping server, the real restore worker (moto behind
 * the AWS simulator) and a database worker on its own task queue that reaches the real PostgreSQL or MariaDB server
 * through `database.connectVia`, as it would reach a restored cluster through a tunnel.
 */
import assert from 'node:assert/strict';

import { DescribeDBClustersCommand } from '@aws-sdk/client-rds';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { WorkflowFailedError } from '@temporalio/client';
import type { WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Worker } from '@temporalio/worker';

import type { DatabaseSpec, RestoreRequest } from '../../src/domain/request';
import { progressQuery } from '../../src/workflows/messages';
import type { RestoreProgress, RestoreResult } from '../../src/workflows/messages';
import {
  asMaster,
  connectDirect,
  createDatabase,
  dbServer,
  localDatabaseWorkerPolicy,
  masterPassword,
  masterUser,
  testCaFile,
} from '../support/databases';
import type { TestEngine } from '../support/databases';
import { useWorkflowEnvironment } from '../support/fixtures/workflow';
import { recordHistory } from '../support/histories';
import { motoClients, seedSourceCluster, uniqueName } from '../support/moto';
import { restoreEventTopic } from '../support/sqs';
import { createDatabaseWorker } from '../support/workflow-env';

const REGION = 'eu-west-1';
const TIMINGS = { clusterRestore: 20 * 60_000, instanceCreate: 10 * 60_000 };

describe('auroraRestore database steps (time-skipping server, real PostgreSQL and MariaDB)', function () {
  this.timeout(120_000);
  // A worker runs once (runUntil shuts it down), so each test gets its own pair.
  const fixture = useWorkflowEnvironment({ workerPerTest: { timings: TIMINGS } });
  let db: { worker: Worker; taskQueue: string };
  beforeEach(async () => {
    // Its operator allows the local servers: as tunnels, with verify-ca, and their CA's directory.
    db = await createDatabaseWorker(fixture.env, localDatabaseWorkerPolicy());
  });

  async function secret(value: object): Promise<string> {
    const { secretsManager } = motoClients(REGION);
    const out = await secretsManager.send(
      new CreateSecretCommand({ Name: uniqueName('wf/db'), SecretString: JSON.stringify(value) })
    );
    assert.ok(out.ARN);
    return out.ARN;
  }

  /** A source cluster and snapshot of `engine`, and a database with 3 customers on the matching local server. */
  async function seed(engine: TestEngine): Promise<{ request: RestoreRequest; database: string }> {
    const clusterId = uniqueName('dbsrc');
    await seedSourceCluster({ region: REGION, clusterId, engine, withSnapshot: `${clusterId}-snap` });
    const database = await createDatabase(engine, 'wfdb', [
      'CREATE TABLE customers (id int PRIMARY KEY, email varchar(200) NOT NULL)',
      "INSERT INTO customers VALUES (1, 'ann@corp.example'), (2, 'bob@corp.example'), (3, 'cy@x.io')",
    ]);
    const spec: DatabaseSpec = {
      masterSecretArn: await secret({ username: masterUser(), password: masterPassword() }),
      name: database,
      // The restored cluster's endpoint exists only in moto: reach the local server as a tunnel would.
      connectVia: { host: '127.0.0.1', port: dbServer(engine).port },
      tls: { mode: 'verify-ca', caFile: testCaFile() },
      taskQueue: db.taskQueue,
    };
    return {
      database,
      request: {
        source: { region: REGION, clusterId, snapshot: `${clusterId}-snap` },
        target: { region: REGION, clusterId: uniqueName('dbtgt'), instanceCount: 1 },
        timing: { pollInterval: '30s' },
        database: spec,
      },
    };
  }

  type Outcome = { result?: RestoreResult; error?: WorkflowFailedError; progress: RestoreProgress };

  async function run(request: RestoreRequest): Promise<{ handle: WorkflowHandle; outcome: Outcome }> {
    return fixture.worker.worker.runUntil(
      db.worker.runUntil(async () => {
        const handle = await fixture.startRestore(request);
        const settled = await handle.result().then(
          (result) => ({ result }),
          (error: unknown) => {
            if (error instanceof WorkflowFailedError) return { error };
            throw error;
          }
        );
        return { handle, outcome: { ...settled, progress: await handle.query(progressQuery) } };
      })
    );
  }

  const notificationTopic = () => restoreEventTopic(REGION, 'aurora-restore-db-events');

  it('sets up users, sanitizes and verifies a restored Aurora PostgreSQL cluster', async () => {
    const { request, database } = await seed('aurora-postgresql');
    const topic = await notificationTopic();
    request.notifications = { topicArn: topic.topicArn };
    const reader = uniqueName('reader').replace(/-/g, '_');
    request.database = {
      ...request.database,
      users: [{ name: reader, passwordSecretArn: await secret({ password: 'Reader-pass-7' }), role: 'read-only' }],
      sanitize: [{ name: 'mask-emails', sql: "UPDATE customers SET email = 'user' || id || '@example.invalid';" }],
      verify: {
        checks: [
          { table: 'public.customers', minRows: 3 },
          {
            name: 'no real emails',
            sql: "SELECT count(*) = 0 FROM customers WHERE email NOT LIKE '%@example.invalid'",
          },
        ],
      },
    };
    const { handle, outcome } = await run(request);
    assert.ok(outcome.result, `restore failed: ${outcome.error?.cause?.message}`);
    const names = outcome.result.steps.map((s) => s.name);
    assert.deepEqual(names.slice(names.indexOf('wait-for-instances')), [
      'wait-for-instances',
      'setup-users',
      'sanitize-data',
      'verify-database',
    ]);
    const outcomeDb = outcome.result.database;
    assert.deepEqual(
      outcomeDb?.users?.map((u) => [u.name, u.action, u.role]),
      [[reader, 'created', 'read-only']]
    );
    assert.deepEqual(
      outcomeDb?.sanitization?.map((s) => [s.name, s.rowsAffected]),
      [['mask-emails', 3]]
    );
    assert.match(outcomeDb?.verification?.serverVersion ?? '', /PostgreSQL/);
    assert.deepEqual(
      outcomeDb?.verification?.checks.map((c) => c.passed),
      [true, true]
    );
    assert.deepEqual(outcome.progress.database, outcomeDb, 'the progress query shows the same report');

    // The database really changed: the new user logs in and reads masked data.
    const login = await connectDirect('aurora-postgresql', reader, 'Reader-pass-7', database);
    try {
      const rows = await login.query('SELECT email FROM customers ORDER BY id');
      assert.deepEqual(
        rows.map((r) => r.email),
        ['user1@example.invalid', 'user2@example.invalid', 'user3@example.invalid']
      );
    } finally {
      await login.close();
    }
    // The success notification carries the summary: users, scripts and every check, without per-table detail.
    const success = (await topic.read()).find((e) => e.kind === 'succeeded');
    assert.deepEqual(success?.database?.users, [{ name: reader, action: 'created', role: 'read-only' }]);
    assert.deepEqual(success?.database?.sanitization, [{ name: 'mask-emails', statements: 1, rowsAffected: 3 }]);
    assert.deepEqual(
      success?.database?.verification?.checks.map((c) => c.passed),
      [true, true]
    );
    await recordHistory('database-steps-postgresql', handle);
  });

  it('stops the restore at a failing sanitization script, names it, and deletes the cluster', async () => {
    const { request, database } = await seed('aurora-postgresql');
    request.database = {
      ...request.database,
      sanitize: [
        { name: 'mask', sql: "UPDATE customers SET email = 'x@example.invalid';" },
        {
          name: 'typo',
          sql: "UPDATE customers SET email = 'y@example.invalid' WHERE id = 1;\nUPDATE custmers SET id = 0;",
        },
      ],
    };
    const { outcome } = await run(request);
    const cause = outcome.error?.cause;
    assert.ok(cause instanceof ApplicationFailure, 'the restore must fail');
    assert.equal(cause.type, 'SanitizationFailed');
    assert.match(cause.message, /"typo" failed at statement 2 of 2 \(UPDATE custmers SET id = 0\)/);
    assert.equal(outcome.progress.failure?.step, 'sanitize-data');
    // The failed script was rolled back; the one before it stays applied (it committed).
    const rows = await asMaster(
      'aurora-postgresql',
      (c) => c.query('SELECT email FROM customers ORDER BY id'),
      database
    );
    assert.deepEqual(
      rows.map((r) => r.email),
      ['x@example.invalid', 'x@example.invalid', 'x@example.invalid']
    );
    const { rds } = motoClients(REGION);
    await assert.rejects(
      rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: request.target.clusterId })),
      (err: Error) => err.name === 'DBClusterNotFoundFault'
    );
  });

  it('fails an Aurora MySQL restore whose verification fails, and deletes the cluster it restored', async () => {
    const { request } = await seed('aurora-mysql');
    request.database = { ...request.database, verify: { checks: [{ table: 'customers', minRows: 1000 }] } };
    const { outcome } = await run(request);
    assert.ok(outcome.error, 'the restore must fail');
    const cause = outcome.error.cause;
    assert.ok(cause instanceof ApplicationFailure);
    assert.equal(cause.type, 'VerificationFailed');
    assert.match(cause.message, /"customers has at least 1000 rows" \(3 rows\)/);
    assert.equal(outcome.progress.failure?.step, 'verify-database');
    assert.match(outcome.progress.database?.verification?.serverVersion ?? '', /MariaDB/);
    const { rds } = motoClients(REGION);
    await assert.rejects(
      rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: request.target.clusterId })),
      (err: Error) => err.name === 'DBClusterNotFoundFault'
    );
  });
});
