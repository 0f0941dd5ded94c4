/**
 * Monitoring end to end: the production worker process started with the README's "Monitoring" settings (Prometheus
 * endpoint, JSON logs), four restores on the dev server + moto (a new target, the same target again, which
 * replaces it, one whose snapshot does not exist, and one held in its approval past its 1-minute RTO, then
 * cancelled), then the endpoint scraped and the log lines read: the series and their values, the operation context
 * on every line of an operation, the deletes with their AWS request ids, and no secret anywhere.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';

import { main as cli } from '../../src/client/main';
import { METRICS, SDK_METRICS_USED } from '../../src/domain/metrics';
import { expiryWorkflowId, restoreWorkflowId } from '../../src/domain/naming';
import type { RestoreRequest } from '../../src/domain/request';
import { useWorkerProcessEnvironment } from '../support/fixtures/worker-process';
import {
  dropAutomatedSnapshots,
  motoClients,
  seedReplaceableCluster,
  seedSourceCluster,
  uniqueName,
} from '../support/moto';
import { readmeSection, shellWords } from '../support/readme';
import { startWorkerProcess } from '../support/worker-process';

const SOURCE_REGION = 'us-east-1';
const TARGET_REGION = 'us-west-2';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Samples of a Prometheus text exposition (comments skipped). */
function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    assert.ok(match, `not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key] = value;
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of the samples named `name` whose labels include `labels`. */
function total(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

/** A free port in 19400-19499 on 127.0.0.1 (the range this suite may use). */
async function freePort(): Promise<number> {
  for (let port = 19400; port < 19500; port++) {
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port in 19400-19499');
}

/** The environment the README's "Monitoring" section sets on `npm run worker` (its leading VAR=value words). */
function readmeWorkerEnv(): Record<string, string> {
  const section = readmeSection('Monitoring');
  for (const block of section.matchAll(/^```sh\n([\s\S]*?)^```$/gm)) {
    for (const line of block[1].replace(/\\\n/g, ' ').split('\n')) {
      if (!line.includes('npm run worker')) continue;
      const words = shellWords(line);
      const env: Record<string, string> = {};
      for (const word of words) {
        const assignment = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(word);
        if (!assignment) break;
        env[assignment[1]] = assignment[2];
      }
      return env;
    }
  }
  throw new Error('README.md "Monitoring" shows no `npm run worker` command');
}

describe('monitoring end to end: metrics endpoint and JSON logs of the worker process', function () {
  this.timeout(240_000);
  const sourceId = uniqueName('mon-src');
  const targetId = uniqueName('mon-target');
  const missingSnapshotTarget = uniqueName('mon-missing');
  const heldTarget = uniqueName('mon-held');
  const masterPassword = `Mon-${uniqueName('pw').replace(/-/g, '')}`;
  let readmeEnv: Record<string, string>;
  let port: number;
  let scrape: string;
  let samples: Sample[];
  let lines: Record<string, unknown>[];
  const operations: Record<string, string> = {};

  // Before the worker starts: the README's settings, and a free port for the metrics endpoint.
  before(async () => {
    readmeEnv = readmeWorkerEnv();
    assert.equal(readmeEnv.AURORA_RESTORE_LOG_FORMAT, 'json', 'the README turns JSON logs on');
    assert.ok(readmeEnv.AURORA_RESTORE_METRICS_ADDRESS, 'the README sets the metrics address');
    port = await freePort();
  });
  const e2e = useWorkerProcessEnvironment('restore-monitoring', () => ({
    ...readmeEnv,
    AURORA_RESTORE_METRICS_ADDRESS: `127.0.0.1:${port}`,
    LOG_LEVEL: 'INFO',
    // Node's own process warnings (e.g. the AWS SDK's Node version notice) are not log lines of the worker.
    NODE_NO_WARNINGS: '1',
  }));
  // The expiry would delete the cluster in two hours; end it instead (the cluster stays in moto).
  e2e.terminateAtEnd(expiryWorkflowId({ region: TARGET_REGION, clusterId: targetId }));

  async function restore(name: string, request: RestoreRequest, expectCode: number): Promise<void> {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'aurora-restore-mon-')), 'request.json');
    writeFileSync(file, JSON.stringify(request));
    let out = '';
    const code = await cli(['start', file], {
      stdout: (text) => (out += text),
      stderr: (text) => (out += text),
      env: { ...process.env, AURORA_RESTORE_TASK_QUEUE: e2e.taskQueue },
      watchIntervalMs: 500,
    });
    assert.equal(code, expectCode, `${name}: CLI exited ${code}\n${out}\nworker:\n${e2e.worker.log()}`);
    const operationId = /op-[\w-]+/.exec(out)?.[0] ?? request.operationId;
    assert.ok(operationId, `${name}: no operation id printed:\n${out}`);
    operations[name] = operationId;
  }

  before(async () => {
    await seedSourceCluster({ region: SOURCE_REGION, clusterId: sourceId, withSnapshot: `${sourceId}-snap` });
    const { secretsManager } = motoClients(TARGET_REGION);
    const secret = await secretsManager.send(
      new CreateSecretCommand({
        Name: uniqueName('mon/master'),
        SecretString: JSON.stringify({ password: masterPassword }),
      })
    );

    // Held in await-approval (it replaces a managed cluster) until its RTO passes; started first, it waits meanwhile.
    await seedReplaceableCluster(TARGET_REGION, heldTarget);
    operations.held = uniqueName('op-held');
    const held = await e2e.client.workflow.start('auroraRestore', {
      taskQueue: e2e.taskQueue,
      workflowId: restoreWorkflowId({ region: TARGET_REGION, clusterId: heldTarget }),
      args: [
        {
          operationId: operations.held,
          source: { region: SOURCE_REGION, clusterId: sourceId, snapshot: `${sourceId}-snap` },
          target: { region: TARGET_REGION, clusterId: heldTarget, instanceCount: 1 },
          copy: { kmsKeyId: 'alias/aws/rds' },
          replace: { existing: true, strategy: 'delete-first' },
          approval: { required: true, timeout: '1h' },
          rto: '1m',
        } satisfies RestoreRequest,
      ],
    });

    const request = (clusterId: string, snapshot: string): RestoreRequest => ({
      source: { region: SOURCE_REGION, clusterId: sourceId, snapshot },
      target: { region: TARGET_REGION, clusterId, instanceCount: 1 },
      copy: { kmsKeyId: 'alias/aws/rds' },
      replace: { existing: true, strategy: 'delete-first' },
      masterPassword: { secretArn: secret.ARN as string },
      timing: { pollInterval: '5s' },
      // Within a day: counted by aurora_restore_clusters_expiring_soon.
      expiry: { after: '2h' },
    });
    await restore('first', request(targetId, `${sourceId}-snap`), 0);
    // moto names a cluster's automated snapshot by the minute: the replacement would collide with the first's.
    await dropAutomatedSnapshots(TARGET_REGION, targetId);
    await restore('replacing', request(targetId, `${sourceId}-snap`), 0);
    await restore('missing-snapshot', request(missingSnapshotTarget, `${sourceId}-does-not-exist`), 1);

    // The held restore's RTO passes a minute after its start; the expiring-clusters gauge is recounted from
    // visibility every 30 s. Wait for both, then cancel the held restore.
    const metrics = async () => {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`);
      assert.equal(response.status, 200);
      return response.text();
    };
    for (let i = 0; i < 120; i++) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 1000));
      const seen = parsePrometheus(await metrics());
      if (total(seen, METRICS.clustersExpiringSoon.name) > 0 && total(seen, METRICS.rtoBreaches.name) > 0) break;
    }
    await held.cancel();
    const ended = await held.result().then(
      () => 'completed',
      (err: Error & { cause?: { type?: string } }) => err.cause?.type ?? err.name
    );
    assert.equal(ended, 'RestoreCancelled');
    scrape = await metrics();
    samples = parsePrometheus(scrape);
    await e2e.worker.stop();
    lines = e2e.worker
      .log()
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        try {
          return JSON.parse(line) as Record<string, unknown>;
        } catch {
          assert.fail(`a worker output line is not JSON: ${line}`);
        }
      });
  });

  it('counts restores started, succeeded and failed by failure type, with their durations', () => {
    const restoreType = { workflowType: 'auroraRestore' };
    assert.equal(total(samples, METRICS.restoresStarted.name, restoreType), 4);
    assert.equal(total(samples, METRICS.restoresSucceeded.name, restoreType), 2);
    const failed = (labels: Record<string, string>) =>
      total(samples, METRICS.restoresFailed.name, { ...restoreType, ...labels });
    assert.equal(failed({ failure_type: 'SnapshotNotFound', step: 'find-snapshot' }), 1, scrape);
    assert.equal(failed({ failure_type: 'RestoreCancelled', step: 'await-approval' }), 1, scrape);
    assert.equal(total(samples, METRICS.restoresFailed.name), 2);
    const duration = `${METRICS.restoreDuration.name}_count`;
    assert.equal(total(samples, duration, { outcome: 'succeeded' }), 2);
    assert.equal(total(samples, duration, { outcome: 'failed' }), 2);
    assert.ok(total(samples, `${METRICS.restoreDuration.name}_sum`, { outcome: 'succeeded' }) > 0);
  });

  it('measures every step that ran, the replacement of the target and the cleanup included', () => {
    const count = `${METRICS.stepDuration.name}_count`;
    const steps = (step: string, outcome = 'completed') => total(samples, count, { step, outcome });
    // Four restores looked for their snapshot; one found none. Three copied it; the held one stopped at its approval.
    assert.equal(steps('find-snapshot'), 3);
    assert.equal(steps('find-snapshot', 'failed'), 1);
    for (const step of ['check-target', 'copy-snapshot', 'wait-for-copy']) assert.equal(steps(step), 3, step);
    const twice = ['restore-cluster', 'wait-for-cluster', 'create-instances', 'wait-for-instances'];
    for (const step of [...twice, 'set-master-password', 'delete-snapshot-copy']) assert.equal(steps(step), 2, step);
    assert.equal(steps('delete-target'), 1, 'the second restore replaced the first one’s cluster');
    assert.equal(steps('cleanup'), 1, 'the cancelled restore deleted its snapshot copy');
    assert.equal(total(samples, count, { step: 'notify' }), 0, 'no topic, so no notification activity');
  });

  it('counts AWS calls by service, operation and outcome, and the call-budget and copy-slot waits', () => {
    const calls = METRICS.awsCalls.name;
    const rds = (operation: string, outcome = 'ok') => total(samples, calls, { service: 'rds', operation, outcome });
    assert.equal(rds('RestoreDBClusterFromSnapshot'), 2);
    assert.equal(rds('CopyDBClusterSnapshot'), 3);
    assert.equal(rds('DeleteDBClusterSnapshot'), 3, 'two deleted after their restore, one by the cleanup');
    assert.equal(rds('DeleteDBCluster'), 1);
    assert.equal(rds('CreateDBInstance'), 2);
    assert.equal(rds('DeleteDBInstance'), 1);
    assert.equal(rds('ModifyDBCluster'), 2, 'the master password, set twice');
    assert.ok(rds('DescribeDBClusters') > 2);
    assert.ok(total(samples, calls, { service: 'secretsmanager', operation: 'GetSecretValue', outcome: 'ok' }) >= 2);
    assert.ok(rds('DescribeDBClusterSnapshots', 'client-error') >= 1, 'the missing snapshot: a 4xx answer');
    assert.equal(total(samples, calls, { outcome: 'throttled' }), 0);
    assert.equal(total(samples, calls, { outcome: 'server-error' }), 0);

    const budget = `${METRICS.callBudgetWait.name}_count`;
    assert.equal(
      total(samples, budget),
      total(samples, calls, { service: 'rds' }),
      'every RDS attempt took a budget token'
    );
    assert.equal(total(samples, `${METRICS.copySlotWait.name}_count`, { region: TARGET_REGION }), 3);
    assert.equal(total(samples, METRICS.copySlotBusy.name), 0);
  });

  it('counts the RTO breach of the restore held past its RTO, with the step it happened in', () => {
    assert.equal(
      total(samples, METRICS.rtoBreaches.name, { workflowType: 'auroraRestore', step: 'await-approval' }),
      1
    );
    assert.equal(total(samples, METRICS.rtoBreaches.name), 1);
  });

  it('counts the clusters whose expiry comes within a day', () => {
    // Two restores of the target, each with a 2h expiry: the second took the first's over, so one remains.
    assert.equal(total(samples, METRICS.clustersExpiringSoon.name), 1, scrape);
  });

  it("exports the SDK's own metrics the dashboard and the alerts use", () => {
    const names = new Set(samples.map((s) => s.name));
    const missing = SDK_METRICS_USED.filter((name) => !names.has(name));
    assert.deepEqual(missing, [], `SDK metrics missing from the scrape:\n${[...names].sort().join('\n')}`);
  });

  it('writes JSON lines carrying the operation id, workflow id and step on every line of an operation', () => {
    for (const [name, operationId] of Object.entries(operations)) {
      const clusterId = { 'missing-snapshot': missingSnapshotTarget, held: heldTarget }[name] ?? targetId;
      const target = { region: TARGET_REGION, clusterId };
      // An operation's lines come from its restore and, once it succeeded, from its cluster's expiry.
      const workflowIds = [restoreWorkflowId(target), expiryWorkflowId(target)];
      const ofOperation = lines.filter((l) => l.operationId === operationId);
      assert.ok(ofOperation.length > 0, `no line of operation ${name}`);
      for (const line of ofOperation) {
        assert.ok(workflowIds.includes(String(line.workflowId)), JSON.stringify(line));
        assert.equal(typeof line.step, 'string', JSON.stringify(line));
        assert.match(String(line.time), /^\d{4}-\d\d-\d\dT/);
        assert.ok(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'].includes(String(line.level)));
      }
      assert.ok(
        ofOperation.some((l) => l.workflowId === restoreWorkflowId(target)),
        `no line of the restore of operation ${name}`
      );
      // Every line of these workflows and their activities carries an operation id.
      const without = lines.filter((l) => workflowIds.includes(String(l.workflowId)) && l.operationId === undefined);
      assert.deepEqual(without, [], 'lines of the restore without an operation id');
    }
    const expiryLines = lines.filter((l) => l.workflowType === 'clusterExpiry');
    assert.ok(expiryLines.length > 0, 'the expiry logs too');
    assert.ok(expiryLines.every((l) => l.step === 'clusterExpiry'));
  });

  it('logs every mutating AWS call with its target and request id, and the deletes', () => {
    const awsLine = (operation: string, operationId: string) =>
      lines.filter(
        (l) => (l.aws as { operation?: string } | undefined)?.operation === operation && l.operationId === operationId
      );
    const replacing = operations.replacing;
    const [deleteCopy] = awsLine('DeleteDBClusterSnapshot', replacing);
    assert.ok(deleteCopy, 'the delete of the snapshot copy is logged');
    const aws = deleteCopy.aws as { requestId?: string; target?: Record<string, string> };
    assert.ok(aws.requestId, `no request id: ${JSON.stringify(deleteCopy)}`);
    assert.match(aws.target?.DBClusterSnapshotIdentifier ?? '', new RegExp(`^${targetId}`));
    assert.equal(deleteCopy.step, 'delete-snapshot-copy');

    const [deleteCluster] = awsLine('DeleteDBCluster', replacing);
    assert.ok(deleteCluster, 'the delete of the replaced cluster is logged');
    assert.equal((deleteCluster.aws as { target?: Record<string, string> }).target?.DBClusterIdentifier, targetId);
    assert.ok((deleteCluster.aws as { requestId?: string }).requestId);
    assert.equal(deleteCluster.step, 'delete-target');
    const clusterDeleted = lines.find((l) => l.message === 'Deleting the cluster' && l.operationId === replacing);
    assert.equal(clusterDeleted?.cluster, targetId);
    assert.equal(clusterDeleted?.createdByOperation, operations.first, 'the replaced cluster came from the first');
    assert.ok(clusterDeleted?.requestId);
    const instanceDeleted = lines.find(
      (l) => l.message === 'Deleting an instance of the cluster' && l.operationId === replacing
    );
    assert.equal(instanceDeleted?.cluster, targetId);
    assert.ok(instanceDeleted?.requestId);

    for (const operation of [
      'RestoreDBClusterFromSnapshot',
      'CopyDBClusterSnapshot',
      'CreateDBInstance',
      'ModifyDBCluster',
    ]) {
      const [line] = awsLine(operation, operations.first);
      assert.ok(line, `${operation} is logged`);
      assert.ok((line.aws as { requestId?: string }).requestId, `${operation} carries its request id`);
    }
    assert.deepEqual(awsLine('DescribeDBClusters', operations.first), [], 'reads are not logged');
  });

  it('puts no secret in a log line or a metric', () => {
    const all = lines.map((l) => JSON.stringify(l)).join('\n');
    assert.ok(!all.includes(masterPassword), 'the master password appeared in the logs');
    assert.ok(!scrape.includes(masterPassword), 'the master password appeared in the metrics');
    const modify = lines.find((l) => (l.aws as { operation?: string } | undefined)?.operation === 'ModifyDBCluster');
    assert.deepEqual(Object.keys((modify?.aws as { target?: object } | undefined)?.target ?? {}), [
      'DBClusterIdentifier',
    ]);
    // Operation ids and cluster names are log content, never metric labels (unbounded series).
    assert.ok(!scrape.includes(targetId), 'a cluster name appeared in a metric label');
    assert.ok(!scrape.includes(operations.first), 'an operation id appeared in a metric label');
  });

  it('refuses to start when the metrics address cannot be bound, naming the variable', async () => {
    const busy = net.createServer();
    const busyPort = await freePort();
    await new Promise<void>((resolve) => busy.listen(busyPort, '127.0.0.1', resolve));
    const refused = startWorkerProcess({
      AURORA_RESTORE_METRICS_ADDRESS: `127.0.0.1:${busyPort}`,
      AURORA_RESTORE_TASK_QUEUE: uniqueName('restore-monitoring-busy'),
      NODE_NO_WARNINGS: '1',
    });
    try {
      for (let i = 0; i < 100 && !refused.log().includes('Could not serve metrics'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      assert.match(
        refused.log(),
        new RegExp(
          `aurora-restore worker: Could not serve metrics on 127\\.0\\.0\\.1:${busyPort} \\(AURORA_RESTORE_METRICS_ADDRESS\\)`
        )
      );
    } finally {
      await refused.stop();
      busy.close();
    }
  });
});
