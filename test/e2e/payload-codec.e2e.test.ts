/**
 * Payloads at rest, end to end: the production worker process and our CLI with the payload codec on (keys from a key
 * file), a restore with database steps on the dev server, then the history as the server keeps it and as
 * `temporal workflow show` exports it: no request field in plain text. The codec server (`npm run codec-server`'s
 * src/codec/main.ts, as a child process) decodes it for the `temporal` CLI (`--codec-endpoint`, `--codec-auth`), and
 * refuses without the token. Keys rotate: a worker with a new first key still reads what the old key wrote.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

import { main as cli } from '../../src/client/main';
import { dataConverterFromEnv } from '../../src/codec';
import { restoreWorkflowId, targetLockWorkflowId } from '../../src/domain/naming';
import { OPERATION_CONTEXT_HEADER } from '../../src/domain/operation-context';
import type { RestoreRequest } from '../../src/domain/request';
import type { RestoreResult } from '../../src/workflows/messages';
import { createDatabase, dbServer, masterPassword, masterUser, testCaFile } from '../support/databases';
import { useWorkerProcessEnvironment } from '../support/fixtures/worker-process';
import { motoClients, seedSourceCluster, uniqueName } from '../support/moto';
import { runTemporalCli } from '../support/readme';
import { temporalAddress } from '../support/servers';

const ROOT = path.resolve(__dirname, '../..');
const newKey = () => randomBytes(32).toString('base64');

/** The codec server as `npm run codec-server` runs it, on a free loopback port; resolves with its base URL. */
async function startCodecServer(
  env: Record<string, string>
): Promise<{ url: string; child: ChildProcess; log: () => string }> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/codec/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, AURORA_RESTORE_CODEC_SERVER_ADDRESS: '127.0.0.1:0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(output);
      if (m?.[1]) resolve(m[1]);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`codec server exited ${code}:\n${output}`)));
  });
  return { url, child, log: () => output };
}

/** Payloads without a codec: patch markers and the operation-context activity header. */
const PLAIN_BY_DESIGN = new RegExp(
  `\\.markerRecordedEventAttributes\\.details\\.(patch-data|data)\\.|\\.header\\.fields\\.${OPERATION_CONTEXT_HEADER}$`
);

interface ExportedPayload {
  path: string;
  encoding: string;
  keyId: string | undefined;
  /** The payload's data as text. */
  data: string;
}

/** Every payload in a `temporal workflow show --output json` export, search attributes left out. */
function payloadsOf(value: unknown, at = ''): ExportedPayload[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => payloadsOf(v, `${at}[${i}]`));
  if (typeof value !== 'object' || value === null) return [];
  const record = value as Record<string, unknown>;
  const metadata = record.metadata as Record<string, string> | undefined;
  if (metadata && typeof metadata.encoding === 'string') {
    const text = (b64: string | undefined) => (b64 === undefined ? undefined : Buffer.from(b64, 'base64').toString());
    return [
      {
        path: at,
        encoding: text(metadata.encoding) ?? '',
        keyId: text(metadata['encryption-key-id']),
        data: text(typeof record.data === 'string' ? record.data : '') ?? '',
      },
    ];
  }
  return Object.entries(record)
    .filter(([key]) => key !== 'searchAttributes')
    .flatMap(([key, v]) => payloadsOf(v, `${at}.${key}`));
}

describe('payloads at rest: the payload codec on the worker, the CLI and the codec server', function () {
  this.timeout(180_000);
  const dir = mkdtempSync(path.join(tmpdir(), 'aurora-restore-codec-'));
  const keysFile = path.join(dir, 'codec-keys');
  // The old key first encrypts; the rotation test below puts a new key in front of it.
  const oldKey = `old-2026-05:${newKey()}`;
  writeFileSync(keysFile, `${oldKey}\n`, { mode: 0o600 });
  const codecEnv = { AURORA_RESTORE_CODEC_KEYS_FILE: keysFile };
  const token = randomBytes(24).toString('hex');

  const e2e = useWorkerProcessEnvironment('codec-e2e', () => ({
    ...codecEnv,
    AURORA_RESTORE_DB_TLS_MODES: 'verify-ca',
    AURORA_RESTORE_DB_TUNNELS: `127.0.0.1:${dbServer('aurora-mysql').port}`,
    AURORA_RESTORE_DB_CA_DIR: path.dirname(testCaFile()),
  }));
  let codecServer: Awaited<ReturnType<typeof startCodecServer>> | undefined;
  let workflowId = '';
  /** The restore's source, reused by the batch below. */
  let source: RestoreRequest['source'] | undefined;
  /** Request fields that must not be readable anywhere in the stored history. */
  const secrets: Record<string, string> = {};

  before(async () => {
    codecServer = await startCodecServer({
      ...codecEnv,
      AURORA_RESTORE_CODEC_AUTH_TOKENS: token,
      AURORA_RESTORE_CODEC_CORS_ORIGINS: 'http://localhost:8233',
    });
  });

  after(async () => {
    const child = codecServer?.child;
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });

  /** A client of the dev server whose data converter is this process's codec settings (`env`). */
  async function withClient<T>(env: Record<string, string>, use: (client: Client) => Promise<T>): Promise<T> {
    const connection = await Connection.connect({ address: temporalAddress() });
    try {
      return await use(new Client({ connection, dataConverter: dataConverterFromEnv(env) }));
    } finally {
      await connection.close();
    }
  }

  it('restores with database steps, and the stored history holds no request field in plain text', async () => {
    const sourceId = uniqueName('codec-src');
    const snapshotId = `${sourceId}-snap`;
    await seedSourceCluster({
      region: 'us-east-1',
      clusterId: sourceId,
      engine: 'aurora-mysql',
      withSnapshot: snapshotId,
    });
    const database = await createDatabase('aurora-mysql', 'codecdb', [
      'CREATE TABLE patients (id int PRIMARY KEY, email varchar(200))',
      "INSERT INTO patients VALUES (1, 'ann@corp.example')",
    ]);
    const { secretsManager } = motoClients('us-west-2');
    const masterSecretArn = (
      await secretsManager.send(
        new CreateSecretCommand({
          Name: uniqueName('codec/db'),
          SecretString: JSON.stringify({ username: masterUser(), password: masterPassword() }),
        })
      )
    ).ARN as string;
    const targetId = uniqueName('codec-tgt');
    const sql = "UPDATE patients SET email = CONCAT('masked-', id, '@example.invalid');";
    const request: RestoreRequest = {
      source: { region: 'us-east-1', clusterId: sourceId, snapshot: snapshotId },
      target: { region: 'us-west-2', clusterId: targetId, tags: { 'cost-center': 'codec-tag-value-7f3a' } },
      timing: { pollInterval: '5s' },
      database: {
        masterSecretArn,
        name: database,
        connectVia: { host: '127.0.0.1', port: dbServer('aurora-mysql').port },
        tls: { mode: 'verify-ca', caFile: testCaFile() },
        sanitize: [{ name: 'mask-patient-emails', sql }],
        verify: { checks: [{ table: 'patients', minRows: 1 }] },
      },
    };
    Object.assign(secrets, {
      'source cluster id': sourceId,
      'SQL text': 'UPDATE patients',
      'secret ARN': masterSecretArn,
      'account id (in the secret ARN)': masterSecretArn.split(':')[4] ?? '',
      'tag value': 'codec-tag-value-7f3a',
      'database name': database,
      'script name': 'mask-patient-emails',
    });
    const file = path.join(dir, 'request.json');
    writeFileSync(file, JSON.stringify(request));
    let out = '';
    const code = await cli(['start', file], {
      stdout: (t) => (out += t),
      stderr: (t) => (out += t),
      env: { ...process.env, ...codecEnv, AURORA_RESTORE_TASK_QUEUE: e2e.taskQueue },
      watchIntervalMs: 500,
    });
    assert.equal(code, 0, `CLI exited ${code}\n${out}\nworker:\n${e2e.worker.log()}`);
    assert.match(out, /Sanitized: +mask-patient-emails: 1 statement\(s\), 1 row\(s\) changed/);
    workflowId = restoreWorkflowId(request.target);
    source = request.source;

    // The history as the server stores it, every byte but the search attributes: nothing of the request is readable.
    // Search attributes stay plain by design (the server indexes them for `aurora-restore list`): the target and the
    // source label, as the README's "Payloads at rest" says.
    const history = await withClient({}, (client) => client.workflow.getHandle(workflowId).fetchHistory());
    const indexed = new Map<string, string>();
    for (const event of history.events ?? []) {
      const attributes =
        event.workflowExecutionStartedEventAttributes ?? event.upsertWorkflowSearchAttributesEventAttributes;
      for (const [name, payload] of Object.entries(attributes?.searchAttributes?.indexedFields ?? {})) {
        indexed.set(name, Buffer.from(payload.data ?? []).toString('utf8'));
      }
      if (attributes) attributes.searchAttributes = null;
    }
    assert.equal(indexed.get('AuroraRestoreSource'), JSON.stringify(`us-east-1/${snapshotId}`));
    assert.equal(indexed.get('AuroraRestoreTarget'), JSON.stringify(`us-west-2/${targetId}`));
    const encoded = Buffer.from(temporal.api.history.v1.History.encode(history).finish()).toString('latin1');
    // Workflow ids stay plain too: the target lock's id names the account the target lives in, which the worker
    // resolves when the request names none (here the secret's own account), so that every spelling of one cluster
    // takes the same lock. The id itself is no payload; the account id must appear nowhere else.
    const accountId = masterSecretArn.split(':')[4] ?? '';
    const lockId = targetLockWorkflowId({ accountId, region: 'us-west-2', clusterId: targetId });
    assert.ok(encoded.includes(lockId), `the restore took no lock ${lockId}`);
    const stored = encoded.split(lockId).join('');
    for (const [what, value] of Object.entries(secrets)) {
      assert.ok(value && !stored.includes(value), `the ${what} (${value}) is readable in the stored history`);
    }
    // As `temporal workflow show` exports it without the codec: every payload besides the search attributes is
    // ciphertext under the old key, and no payload decodes to a request field.
    const exported = JSON.parse(
      await runTemporalCli(['temporal', 'workflow', 'show', '--workflow-id', workflowId, '--output', 'json'])
    ) as unknown;
    const payloads = payloadsOf(exported);
    assert.ok(payloads.length > 20, `only ${payloads.length} payloads in the exported history`);
    for (const payload of payloads) {
      // Two kinds stay plain, no codec applies to them: patched() markers (the patch id, written by the SDK's core)
      // and our activity header (operation id and step, src/domain/operation-context.ts). Checked for secrets above.
      for (const [what, value] of Object.entries(secrets)) {
        assert.ok(!payload.data.includes(value), `the ${what} is readable in ${payload.path}`);
      }
      if (PLAIN_BY_DESIGN.test(payload.path)) continue;
      assert.equal(payload.encoding, 'binary/encrypted', `a plain payload: ${payload.path}`);
      assert.equal(payload.keyId, 'old-2026-05', payload.path);
    }
  });

  it('encrypts what the CLI’s schedules and a batch’s child restores carry', async () => {
    assert.ok(source, 'the restore above did not run');
    const cliEnv = { ...process.env, ...codecEnv, AURORA_RESTORE_TASK_QUEUE: e2e.taskQueue };
    const run = async (argv: string[]) => {
      let out = '';
      const code = await cli(argv, {
        stdout: (t) => (out += t),
        stderr: (t) => (out += t),
        env: cliEnv,
        watchIntervalMs: 300,
      });
      assert.equal(code, 0, `aurora-restore ${argv.join(' ')} exited ${code}\n${out}\nworker:\n${e2e.worker.log()}`);
    };
    const request = (clusterId: string): RestoreRequest => ({
      source: source as RestoreRequest['source'],
      target: { region: 'us-west-2', clusterId, tags: { 'cost-center': secrets['tag value'] ?? '' } },
      timing: { pollInterval: '5s' },
    });

    // A schedule as the server keeps it: its workflow arguments are ciphertext.
    const scheduleFile = path.join(dir, 'scheduled.json');
    writeFileSync(scheduleFile, JSON.stringify(request(uniqueName('codec-sched'))));
    const scheduleId = uniqueName('codec-schedule');
    await run([
      'schedule',
      'create',
      scheduleFile,
      '--cron',
      '0 3 * * *',
      '--id',
      scheduleId,
      '--task-queue',
      e2e.taskQueue,
    ]);
    try {
      const described = await withClient({}, (client) =>
        client.workflowService.describeSchedule({ namespace: 'default', scheduleId })
      );
      const args = described.schedule?.action?.startWorkflow?.input?.payloads ?? [];
      assert.equal(args.length, 1);
      assert.equal(Buffer.from(args[0]?.metadata?.encoding ?? []).toString(), 'binary/encrypted');
      const stored = Buffer.from(temporal.api.workflowservice.v1.DescribeScheduleResponse.encode(described).finish());
      assert.ok(!stored.toString('latin1').includes(secrets['tag value'] ?? '?'), 'the tag value is readable');
    } finally {
      await withClient({}, (client) => client.schedule.getHandle(scheduleId).delete());
    }

    // A batch of one: the child restore the batch workflow started (on the worker) has an encrypted input.
    const batchFile = path.join(dir, 'batch.json');
    const childTarget = uniqueName('codec-batch');
    writeFileSync(
      batchFile,
      JSON.stringify({ name: uniqueName('codec-batch'), targets: [{ name: 'one', request: request(childTarget) }] })
    );
    await run(['batch', batchFile]);
    const child = await withClient({}, (client) =>
      client.workflow.getHandle(restoreWorkflowId({ region: 'us-west-2', clusterId: childTarget })).fetchHistory()
    );
    const input = child.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    assert.equal(Buffer.from(input?.metadata?.encoding ?? []).toString(), 'binary/encrypted');
    assert.equal(Buffer.from(input?.metadata?.['encryption-key-id'] ?? []).toString(), 'old-2026-05');
    assert.ok(
      !Buffer.from(input?.data ?? [])
        .toString('latin1')
        .includes(childTarget)
    );
  });

  it('shows the decoded history with `temporal workflow show --codec-endpoint --codec-auth`', async () => {
    assert.ok(workflowId, 'the restore above did not run');
    const base = ['temporal', 'workflow', 'show', '--workflow-id', workflowId, '--output', 'json'];
    const decoded = await runTemporalCli([
      ...base,
      '--codec-endpoint',
      codecServer?.url ?? '',
      '--codec-auth',
      `Bearer ${token}`,
    ]);
    const payloads = payloadsOf(JSON.parse(decoded) as unknown);
    assert.ok(payloads.length > 20, `only ${payloads.length} payloads in the decoded history`);
    const encrypted = payloads.filter((p) => p.encoding === 'binary/encrypted').map((p) => p.path);
    assert.deepEqual(encrypted, [], 'payloads left encrypted');
    const readable = payloads.map((p) => p.data).join('\n');
    for (const what of ['source cluster id', 'SQL text', 'tag value', 'secret ARN', 'database name']) {
      const value = secrets[what] ?? '';
      assert.ok(value && readable.includes(value), `the ${what} (${value}) is not in the decoded history`);
    }
    // Without the token the codec server refuses (the CLI itself reports only that it gave up).
    await assert.rejects(
      runTemporalCli([...base, '--codec-endpoint', codecServer?.url ?? '', '--command-timeout', '5s'])
    );
    assert.match(codecServer?.log() ?? '', /^POST \/decode 401 namespace=default .*Authorization: Bearer/m);
  });

  it('decodes through the codec server’s HTTP protocol what the server stored', async () => {
    const result = await withClient({}, async (client) => {
      const history = await client.workflow.getHandle(workflowId).fetchHistory();
      const completed = history.events?.find((e) => e.workflowExecutionCompletedEventAttributes);
      return completed?.workflowExecutionCompletedEventAttributes?.result?.payloads ?? [];
    });
    assert.equal(result.length, 1);
    const payloads = result.map((p) => ({
      metadata: Object.fromEntries(
        Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])
      ),
      data: Buffer.from(p.data ?? []).toString('base64'),
    }));
    const res = await fetch(`${codecServer?.url ?? ''}/decode`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Namespace': 'default', Authorization: `Bearer ${token}` },
      body: JSON.stringify({ payloads }),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    const decoded = JSON.parse(Buffer.from(body.payloads[0]?.data ?? '', 'base64').toString('utf8')) as RestoreResult;
    assert.equal(decoded.status, 'succeeded');
    const refused = await fetch(`${codecServer?.url}/decode`, { method: 'POST', body: JSON.stringify({ payloads }) });
    assert.equal(refused.status, 401);
  });

  it('rotates keys: a new first key encrypts, the old key still decrypts; without the old key, a clear error', async () => {
    const rotated = { AURORA_RESTORE_CODEC_KEYS: `new-2026-11:${newKey()},${oldKey}` };
    const result = await withClient(rotated, (client) => client.workflow.getHandle(workflowId).result());
    assert.equal((result as RestoreResult).status, 'succeeded');
    // What the rotated configuration writes is under the new key: a start on a queue nobody polls, read back raw.
    const probeId = uniqueName('codec-rotation-probe');
    e2e.terminateAtEnd(probeId);
    await withClient(rotated, (client) =>
      client.workflow.start('restore', { taskQueue: uniqueName('codec-unpolled'), workflowId: probeId, args: [{}] })
    );
    const started = await withClient({}, async (client) => {
      const history = await client.workflow.getHandle(probeId).fetchHistory();
      return history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    });
    assert.equal(Buffer.from(started?.metadata?.['encryption-key-id'] ?? []).toString(), 'new-2026-11');
    const withoutOld = { AURORA_RESTORE_CODEC_KEYS: `new-2026-11:${newKey()}` };
    await assert.rejects(
      withClient(withoutOld, (client) => client.workflow.getHandle(workflowId).result()),
      /needs key "old-2026-05", which this process does not have/
    );
  });
});
