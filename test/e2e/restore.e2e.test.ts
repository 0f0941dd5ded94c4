/**
 * End to end on real parts: the Temporal dev server, the production worker process (src/worker/main.ts, as a
 * child process configured only through the standard TEMPORAL_* and AWS_* environment) and moto. Restores are
 * started the two documented ways: with our CLI, and with the README's Temporal CLI commands ("With the Temporal
 * CLI", "Batches"), read from README.md and run as written with only the task queue, ids and files the test's own.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import {
  CreateDBClusterSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
} from '@aws-sdk/client-rds';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { temporal } from '@temporalio/proto';

import { main as cli } from '../../src/client/main';
import { restoreWorkflowId, TAG_OPERATION_ID } from '../../src/domain/naming';
import type { RestoreRequest } from '../../src/domain/request';
import type { BatchReport } from '../../src/workflows/batch-restore';
import type { RestoreProgress, RestoreResult } from '../../src/workflows/messages';
import { connectDirect, createDatabase, dbServer, masterPassword, masterUser, testCaFile } from '../support/databases';
import { useWorkerProcessEnvironment } from '../support/fixtures/worker-process';
import { recordHistory } from '../support/histories';
import { motoClients, seedReplaceableCluster, seedSourceCluster, uniqueName } from '../support/moto';
import { readmeCommand, runTemporalCli, withOptionValues } from '../support/readme';

const ROOT = path.resolve(__dirname, '../..');
const EXAMPLE = path.join(ROOT, 'examples/nightly-staging-refresh.json');
const BATCH_EXAMPLE = path.join(ROOT, 'examples/batch-staging-refresh.json');
const TEMPORAL_CLI = 'With the Temporal CLI';

/** The JSON a `temporal workflow query` / `result` prints on its result line. */
function printedJson<T>(stdout: string, label: 'QueryResult' | 'Result'): T {
  const json = new RegExp(`^\\s*${label}\\s+([[{].*)$`, 'm').exec(stdout)?.[1];
  assert.ok(json, `no ${label} in:\n${stdout}`);
  return JSON.parse(json) as T;
}

describe('end to end: dev server + worker process + moto', function () {
  this.timeout(180_000);
  const example = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as RestoreRequest;
  // The database worker's operator allows what the MariaDB test below needs: the local server as a tunnel, with
  // verify-ca (its certificate names localhost, not the cluster endpoint) against the local CA.
  const e2e = useWorkerProcessEnvironment('restore-e2e', () => ({
    AURORA_RESTORE_DB_TLS_MODES: 'verify-ca',
    AURORA_RESTORE_DB_TUNNELS: `127.0.0.1:${dbServer('aurora-mysql').port}`,
    AURORA_RESTORE_DB_CA_DIR: path.dirname(testCaFile()),
  }));
  const cliEnv = { ...process.env, AURORA_RESTORE_TASK_QUEUE: e2e.taskQueue };

  before(async () => {
    await seedExampleSource(example);
  });

  /** Runs our CLI on the suite's task queue, watching every `watchIntervalMs`; `out` has stdout and stderr in order. */
  async function runCli(argv: string[], watchIntervalMs: number) {
    let out = '';
    let stdout = '';
    let stderr = '';
    const code = await cli(argv, {
      stdout: (text) => {
        stdout += text;
        out += text;
      },
      stderr: (text) => {
        stderr += text;
        out += text;
      },
      env: cliEnv,
      watchIntervalMs,
    });
    return { code, out, stdout, stderr };
  }

  /** The example's source in moto: its cluster and a fresh manual snapshot (the example restores the latest). */
  async function seedExampleSource(request: RestoreRequest): Promise<void> {
    const { rds } = motoClients(request.source.region);
    const clusterId = request.source.clusterId ?? '';
    const existing = await rds
      .send(new DescribeDBClustersCommand({ DBClusterIdentifier: clusterId }))
      .catch((err: Error) => (err.name === 'DBClusterNotFoundFault' ? undefined : Promise.reject(err)));
    if (!existing) await seedSourceCluster({ region: request.source.region, clusterId, encrypted: true });
    await rds.send(
      new CreateDBClusterSnapshotCommand({
        DBClusterIdentifier: clusterId,
        DBClusterSnapshotIdentifier: uniqueName(`${clusterId}-nightly`),
      })
    );
  }

  async function assertRestoredInMoto(clusterId: string, region: string, instances: number): Promise<void> {
    const { rds } = motoClients(region);
    const cluster = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: clusterId }))).DBClusters?.[0];
    assert.equal(cluster?.Status, 'available');
    assert.ok(
      cluster?.TagList?.some((t) => t.Key === 'aurora-restore:managed-by'),
      'restored cluster carries our tag'
    );
    const members = await rds.send(
      new DescribeDBInstancesCommand({ Filters: [{ Name: 'db-cluster-id', Values: [clusterId] }] })
    );
    assert.equal(members.DBInstances?.length, instances);
    const copies = await rds.send(new DescribeDBClusterSnapshotsCommand({ SnapshotType: 'manual' }));
    const leftovers = (copies.DBClusterSnapshots ?? []).filter((s) => s.DBClusterSnapshotIdentifier?.endsWith('-copy'));
    assert.deepEqual(
      leftovers
        .filter((s) => s.DBClusterSnapshotIdentifier?.startsWith(clusterId))
        .map((s) => s.DBClusterSnapshotIdentifier),
      [],
      'no snapshot copy may be left over'
    );
  }

  it('restores cross-region when started with the aurora-restore CLI', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'aurora-restore-e2e-'));
    const file = path.join(dir, 'request.json');
    const targetId = uniqueName('e2e-cli');
    writeFileSync(file, JSON.stringify({ ...example, target: { ...example.target, clusterId: targetId } }));
    const { code, stdout: out, stderr: err } = await runCli(['start', file], 500);
    assert.equal(code, 0, `CLI exited ${code}\nstdout:\n${out}\nstderr:\n${err}\nworker:\n${e2e.worker.log()}`);
    const all = out + err;
    assert.match(all, /wait-for-copy/);
    assert.match(all, /wait-for-instances/);
    assert.match(all, new RegExp(`${targetId}\\.cluster-`), 'prints the writer endpoint');
    // The Web UI that scripts/servers.sh exports (TEMPORAL_UI_URL, from TEMPORAL_UI_PORT), not a default port.
    const ui = process.env.TEMPORAL_UI_URL ?? 'http://localhost:8233';
    assert.ok(all.includes(`${ui}/namespaces/default/workflows/`), `no link into ${ui}:\n${all}`);
    await assertRestoredInMoto(targetId, example.target.region, example.target.instanceCount ?? 1);
    await recordHistory(
      'e2e-cli-cross-region',
      e2e.client.workflow.getHandle(restoreWorkflowId({ ...example.target, clusterId: targetId }))
    );
  });

  it('restores with the README’s `temporal workflow start` and JSON, then `temporal workflow result`', async () => {
    const workflowId = restoreWorkflowId(example.target);
    // The README's own workflow id and file (relative to the repository root); only the task queue is the test's.
    await runTemporalCli(
      withOptionValues(readmeCommand(TEMPORAL_CLI, 'temporal workflow start'), { '--task-queue': e2e.taskQueue })
    );
    const printed = await runTemporalCli(
      withOptionValues(readmeCommand(TEMPORAL_CLI, 'temporal workflow result'), { '--workflow-id': workflowId })
    );
    assert.match(printed, /^\s*Status\s+COMPLETED$/m, `${printed}\nworker:\n${e2e.worker.log()}`);
    const result = printedJson<RestoreResult>(printed, 'Result');
    assert.equal(result.status, 'succeeded');
    assert.equal(result.workflowId, workflowId);
    assert.equal(result.target.clusterId, example.target.clusterId);
    assert.equal(result.endpoints.instances.length, example.target.instanceCount);
    await assertRestoredInMoto(example.target.clusterId, example.target.region, example.target.instanceCount ?? 1);
    await recordHistory('e2e-temporal-cli-cross-region', e2e.client.workflow.getHandle(workflowId));
  });

  it('follows, lists and cancels a restore with the README’s `temporal workflow query|list|cancel`', async () => {
    // A managed target and an approval keep the restore running (waiting in await-approval) until it is cancelled.
    const targetId = uniqueName('e2e-cancel');
    await seedReplaceableCluster(example.target.region, targetId);
    const target = { ...example.target, clusterId: targetId, instanceCount: 1 };
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'aurora-restore-e2e-')), 'request.json');
    writeFileSync(file, JSON.stringify({ ...example, target, approval: { required: true, timeout: '1h' } }));
    const workflowId = restoreWorkflowId(target);
    const own = { '--task-queue': e2e.taskQueue, '--workflow-id': workflowId, '--input-file': file };
    await runTemporalCli(withOptionValues(readmeCommand(TEMPORAL_CLI, 'temporal workflow start'), own));

    // The progress query answers while the copy runs; poll until the restore waits for the approval.
    const query = withOptionValues(readmeCommand(TEMPORAL_CLI, 'temporal workflow query'), {
      '--workflow-id': workflowId,
    });
    let progress: Partial<RestoreProgress> = {};
    for (let i = 0; i < 600 && !progress.approval?.pending; i++) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 200));
      progress = printedJson<typeof progress>(await runTemporalCli(query), 'QueryResult');
    }
    assert.equal(progress.approval?.pending, true, `${JSON.stringify(progress)}\nworker:\n${e2e.worker.log()}`);
    assert.equal(progress.currentStep, 'await-approval');
    assert.equal(progress.workflowId, workflowId);

    // The README's list of running restores (as written) shows it (visibility is eventually consistent: poll).
    const list = readmeCommand(TEMPORAL_CLI, 'temporal workflow list');
    let listed = '';
    for (let i = 0; i < 50 && !listed.includes(workflowId); i++) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 200));
      listed = await runTemporalCli(list);
    }
    assert.ok(listed.includes(workflowId), `not listed as running:\n${listed}`);

    await runTemporalCli(
      withOptionValues(readmeCommand(TEMPORAL_CLI, 'temporal workflow cancel'), { '--workflow-id': workflowId })
    );
    const ended = await e2e.client.workflow
      .getHandle(workflowId)
      .result()
      .then(
        () => 'completed',
        (err: Error & { cause?: Error & { type?: string } }) => err.cause?.type ?? err.cause?.name ?? err.name
      );
    // The restore cleans up and ends failed with its own cancellation type.
    assert.equal(ended, 'RestoreCancelled');
    // It waited for its released target lock to end before it closed: the server took the close at once (a close
    // racing the lock's end is refused as an unhandled command, and the retried task runs the ending twice).
    const { EventType } = temporal.api.enums.v1;
    const events = (await e2e.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    const position = (type: temporal.api.enums.v1.EventType) => events.findIndex((e) => e.eventType === type);
    assert.equal(
      position(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED),
      -1,
      'a workflow task of the cancelled restore failed'
    );
    const lockEnded = position(EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED);
    assert.ok(lockEnded >= 0, 'the target lock did not end released');
    assert.ok(
      lockEnded < position(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED),
      'the restore closed before its lock'
    );
    const { rds } = motoClients(target.region);
    const cluster = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: targetId }))).DBClusters?.[0];
    assert.equal(
      cluster?.TagList?.some((t) => t.Key === TAG_OPERATION_ID),
      false,
      'the target was left as it was'
    );
  });

  it('restores a batch of two targets in order with `aurora-restore batch`', async () => {
    const first = uniqueName('e2e-batch-auth');
    const second = uniqueName('e2e-batch-app');
    const target = (clusterId: string) => ({ ...example, target: { ...example.target, clusterId, instanceCount: 1 } });
    const dir = mkdtempSync(path.join(tmpdir(), 'aurora-restore-e2e-'));
    const file = path.join(dir, 'batch.json');
    const name = uniqueName('e2e-batch');
    writeFileSync(
      file,
      JSON.stringify({
        name,
        concurrency: 1,
        targets: [
          { name: 'app', request: target(second), after: ['auth'] },
          { name: 'auth', request: target(first) },
        ],
      })
    );
    const { code, out } = await runCli(['batch', file], 300);
    assert.equal(code, 0, `CLI exited ${code}\n${out}\nworker:\n${e2e.worker.log()}`);
    assert.match(out, new RegExp(`Batch ${name} succeeded: 2 of 2 target\\(s\\) succeeded`));
    const report = await e2e.client.workflow.getHandle(`aurora-restore-batch/${name}`).result();
    const [app, auth] = (report as { targets: { name: string; startedAt: string; endedAt: string }[] }).targets;
    assert.ok(Date.parse(app.startedAt) >= Date.parse(auth.endedAt), 'app started after auth ended');
    await assertRestoredInMoto(first, example.target.region, 1);
    await assertRestoredInMoto(second, example.target.region, 1);
  });

  it('restores the README’s batch with its `temporal workflow start` and `--type batchProgress` query', async () => {
    // The README's batch file with the test's own target clusters (and name, so reruns get a new batch id).
    const batch = JSON.parse(readFileSync(BATCH_EXAMPLE, 'utf8')) as {
      name: string;
      targets: { name: string; request: RestoreRequest }[];
    };
    batch.name = uniqueName('e2e-readme-batch');
    for (const t of batch.targets) t.request.target.clusterId = uniqueName(`e2e-${t.request.target.clusterId}`);
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'aurora-restore-e2e-')), 'batch.json');
    writeFileSync(file, JSON.stringify(batch));
    const workflowId = `aurora-restore-batch/${batch.name}`;
    await runTemporalCli(
      withOptionValues(readmeCommand('Batches', 'temporal workflow start'), {
        '--task-queue': e2e.taskQueue,
        '--workflow-id': workflowId,
        '--input-file': file,
      })
    );
    const report = (await e2e.client.workflow.getHandle(workflowId).result()) as BatchReport;
    assert.equal(report.status, 'succeeded', `${JSON.stringify(report)}\nworker:\n${e2e.worker.log()}`);

    // Queries are answered for finished runs too: the progress is the final report.
    const printed = await runTemporalCli(
      withOptionValues(readmeCommand('Batches', 'temporal workflow query'), { '--workflow-id': workflowId })
    );
    const progress = printedJson<BatchReport>(printed, 'QueryResult');
    assert.equal(progress.status, 'succeeded');
    assert.deepEqual(
      progress.targets.map((t) => [t.name, t.status, t.attempts]),
      [
        ['auth', 'succeeded', 1],
        ['app', 'succeeded', 1],
      ]
    );
    const [auth, app] = progress.targets;
    assert.ok(
      Date.parse(app.startedAt ?? '') >= Date.parse(auth.endedAt ?? ''),
      'app (after: auth) started after auth'
    );
    for (const t of batch.targets) await assertRestoredInMoto(t.request.target.clusterId, t.request.target.region, 1);
  });

  it("runs the database steps on the production worker's database task queue (Aurora MySQL via connectVia)", async () => {
    // An Aurora MySQL source, and its "restored" data on the local MariaDB, reached as through a tunnel.
    const sourceId = uniqueName('e2e-mysql-src');
    await seedSourceCluster({
      region: 'us-east-1',
      clusterId: sourceId,
      engine: 'aurora-mysql',
      withSnapshot: `${sourceId}-snap`,
    });
    const database = await createDatabase('aurora-mysql', 'e2edb', [
      'CREATE TABLE customers (id int PRIMARY KEY, email varchar(200))',
      "INSERT INTO customers VALUES (1, 'ann@corp.example'), (2, 'bob@corp.example')",
    ]);
    const { secretsManager } = motoClients('us-west-2');
    const secretArn = async (value: object) =>
      (
        await secretsManager.send(
          new CreateSecretCommand({ Name: uniqueName('e2e/db'), SecretString: JSON.stringify(value) })
        )
      ).ARN as string;
    const reader = uniqueName('e2e_reader').replace(/-/g, '_').slice(0, 30);
    const targetId = uniqueName('e2e-mysql');
    const request: RestoreRequest = {
      source: { region: 'us-east-1', clusterId: sourceId, snapshot: `${sourceId}-snap` },
      target: { region: 'us-west-2', clusterId: targetId },
      timing: { pollInterval: '5s' },
      database: {
        masterSecretArn: await secretArn({ username: masterUser(), password: masterPassword() }),
        name: database,
        connectVia: { host: '127.0.0.1', port: dbServer('aurora-mysql').port },
        tls: { mode: 'verify-ca', caFile: testCaFile() },
        users: [{ name: reader, passwordSecretArn: await secretArn({ password: 'E2e-reader-pw' }), role: 'read-only' }],
        sanitize: [{ name: 'mask', sql: "UPDATE customers SET email = CONCAT('c', id, '@example.invalid');" }],
        verify: { checks: [{ table: 'customers', minRows: 2 }] },
      },
    };
    const dir = mkdtempSync(path.join(tmpdir(), 'aurora-restore-e2e-'));
    const file = path.join(dir, 'request.json');
    writeFileSync(file, JSON.stringify(request));
    const { code, out } = await runCli(['start', file], 500);
    assert.equal(code, 0, `CLI exited ${code}\n${out}\nworker:\n${e2e.worker.log()}`);
    assert.match(out, new RegExp(`Users: +${reader} created \\(read-only\\)`));
    assert.match(out, /Sanitized: +mask: 1 statement\(s\), 2 row\(s\) changed/);
    assert.match(out, /✓ customers has at least 2 rows: 2 rows/);
    const login = await connectDirect('aurora-mysql', reader, 'E2e-reader-pw', database);
    try {
      const rows = await login.query('SELECT email FROM customers ORDER BY id');
      assert.deepEqual(
        rows.map((r) => r.email),
        ['c1@example.invalid', 'c2@example.invalid']
      );
    } finally {
      await login.close();
    }
  });
});
