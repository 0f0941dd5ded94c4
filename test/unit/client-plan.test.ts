/**
 * `aurora-restore plan`: the human-readable plan (problems first), --json, exit codes, and how the command starts
 * the planRestore workflow. The Temporal client is a recording double; the workflow itself is tested in
 * test/workflow/plan-restore.test.ts.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import type { ClientConnection } from '../../src/client/connection';
import { EXIT, USAGE } from '../../src/client/main';
import { formatPlan, PLAN_WORKFLOW_TYPE } from '../../src/client/plan';
import type { RestorePlan } from '../../src/domain/plan';
import { runCli } from '../support/cli';

const CLEAN: RestorePlan = {
  ok: true,
  problems: [],
  operationId: 'plan-1',
  target: { clusterId: 'orders-staging', region: 'us-west-2' },
  snapshot: {
    identifier: 'orders-prod-manual',
    arn: 'arn:aws:rds:us-east-1:123456789012:cluster-snapshot:orders-prod-manual',
    region: 'us-east-1',
    accountId: '123456789012',
    engine: 'aurora-postgresql',
    engineVersion: '15.4',
    status: 'available',
    snapshotType: 'manual',
    encrypted: true,
    kmsKeyId: 'alias/aws/rds',
  },
  engine: 'aurora-postgresql',
  share: { needed: false },
  copy: {
    needed: true,
    reason: 'snapshot is in us-east-1, target in us-west-2',
    identifier: 'orders-staging-copy-abc',
    kmsKeyId: 'alias/aws/rds',
    keep: false,
  },
  replace: {
    existing: { identifier: 'orders-staging', status: 'available', deletionProtection: false, managedByPipeline: true },
    allowed: true,
    disablesDeletionProtection: false,
    approval: { timeoutMs: 4 * 3_600_000, notify: true },
  },
  restore: { deletionProtection: false },
  instances: { ids: ['orders-staging-1', 'orders-staging-2'], instanceClass: 'db.r6g.large' },
  masterPassword: { mode: 'snapshot' },
  database: { taskQueue: 'aurora-restore-db', steps: [{ step: 'sanitize-data', detail: '1 script(s): mask-emails' }] },
};

const WITH_PROBLEMS: RestorePlan = {
  ...CLEAN,
  ok: false,
  problems: [
    {
      code: 'SubnetGroupNotFound',
      field: 'target.dbSubnetGroupName',
      message: 'DB subnet group "nope" does not exist in us-west-2: the restore would fail.',
    },
    { code: 'DeletionProtected', field: 'replace.disableDeletionProtection', message: 'Cluster has protection on.' },
  ],
  replace: {
    existing: { identifier: 'orders-staging', status: 'available', deletionProtection: true, managedByPipeline: true },
    allowed: false,
    disablesDeletionProtection: false,
  },
};

interface Started {
  type: string;
  options: { args: unknown[]; taskQueue: string; workflowId: string };
}

/** A connection whose client records the workflow it is asked to execute and answers with `plan`. */
function fakeConnection(plan: RestorePlan, started: Started[]): ClientConnection {
  const client = {
    workflow: {
      execute: async (type: string, options: Started['options']) => {
        started.push({ type, options });
        return plan;
      },
    },
  };
  return {
    client,
    namespace: 'default',
    address: 'localhost:7233',
    uiBaseUrl: 'http://localhost:8233',
    close: async () => undefined,
  } as unknown as ClientConnection;
}

/** The CLI connected to `connection`; without one, connecting fails (and is counted). */
function run(argv: string[], connection?: ClientConnection) {
  return runCli(argv, connection ? { connect: async () => connection } : {});
}

describe('aurora-restore plan (CLI)', () => {
  let dir: string;
  let validFile: string;
  let invalidFile: string;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'aurora-restore-plan-'));
    validFile = path.join(dir, 'request.json');
    await fs.writeFile(
      validFile,
      JSON.stringify({
        source: { region: 'us-east-1', clusterId: 'orders-prod', selection: { strategy: 'latest' } },
        target: { region: 'us-west-2', clusterId: 'orders-staging' },
        copy: { kmsKeyId: 'alias/aws/rds' },
      })
    );
    invalidFile = path.join(dir, 'invalid.yaml');
    await fs.writeFile(invalidFile, 'source:\n  region: nowhere\n  snapshot: s1\ntarget:\n  region: us-west-2\n');
  });

  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('prints the problems first, numbered with their field, then what the restore would do', () => {
    const lines = formatPlan(WITH_PROBLEMS, 'request.json');
    assert.equal(
      lines[0],
      'Plan for us-west-2/orders-staging: 2 problems found; the restore would fail. Nothing was changed.'
    );
    const problems = lines.indexOf('Problems:');
    const would = lines.indexOf('What the restore would do:');
    assert.ok(problems > 0 && would > problems, lines.join('\n'));
    assert.equal(lines[problems + 1], '  1. target.dbSubnetGroupName [SubnetGroupNotFound]');
    assert.match(lines[problems + 2], /^ {5}DB subnet group "nope" does not exist/);
    assert.equal(lines[problems + 3], '  2. replace.disableDeletionProtection [DeletionProtected]');
    const text = lines.join('\n');
    assert.match(text, /deletion protection on, created by aurora-restore: yes\)\n\s+it would NOT be replaced/);
    assert.doesNotMatch(text, /Start it with/);
  });

  it('prints a clean plan: snapshot, copy, replacement, instances, password, database steps and how to start', () => {
    const text = formatPlan(CLEAN, 'request.json').join('\n');
    assert.match(text, /^Plan for us-west-2\/orders-staging: no problems found\. Nothing was changed\./);
    assert.doesNotMatch(text, /Problems:/);
    assert.match(text, /Snapshot: +orders-prod-manual \(manual, available\), us-east-1, account 123456789012/);
    assert.match(text, /aurora-postgresql 15\.4, encrypted with alias\/aws\/rds/);
    assert.match(text, /Share: +not needed/);
    assert.match(
      text,
      /Copy: +orders-staging-copy-abc in us-west-2 under KMS key alias\/aws\/rds \(snapshot is in us-east-1, target in us-west-2\); deleted after the restore/
    );
    assert.match(text, /Target: +orders-staging exists .*\n\s+delete-first: it would be deleted and restored/);
    assert.match(
      text,
      /\n\s+only after an approval \(step await-approval, `aurora-restore approve`; rejected if nobody decides within 4h\)/
    );
    assert.match(text, /Instances: +2 x db\.r6g\.large: orders-staging-1, orders-staging-2/);
    assert.match(text, /Master password: kept from the snapshot/);
    assert.match(
      text,
      /Database steps \(worker queue aurora-restore-db\):\n\s+- sanitize-data: 1 script\(s\): mask-emails/
    );
    assert.match(text, /Start it with: aurora-restore start request\.json$/);
  });

  it('shows a live cluster source with its restorable window instead of a snapshot', () => {
    const text = formatPlan({
      ...CLEAN,
      snapshot: undefined,
      sourceKind: 'point-in-time',
      sourceCluster: {
        kind: 'point-in-time',
        identifier: 'orders-prod',
        arn: 'arn:aws:rds:eu-west-1:222222222222:cluster:orders-prod',
        region: 'eu-west-1',
        engine: 'aurora-postgresql',
        engineVersion: '15.4',
        status: 'available',
        earliestRestorableTime: '2026-03-08T10:00:00.000Z',
        latestRestorableTime: '2026-03-15T09:55:00.000Z',
        restoreToTime: '2026-03-14T23:00:00.000Z',
        useLatestRestorableTime: false,
        instanceCount: 2,
      },
    }).join('\n');
    assert.match(text, /Source: +cluster orders-prod \(available\), eu-west-1: as of 2026-03-14T23:00:00\.000Z\n/);
    assert.match(text, /restorable 2026-03-08T10:00:00\.000Z to 2026-03-15T09:55:00\.000Z; aurora-postgresql 15\.4/);
    assert.doesNotMatch(text, /Snapshot:/);
  });

  it("says when the target is the snapshot's own cluster (a rollback) and names instances it did not create", () => {
    const text = formatPlan({
      ...WITH_PROBLEMS,
      replace: {
        existing: {
          identifier: 'orders-staging',
          status: 'available',
          deletionProtection: false,
          managedByPipeline: true,
          unmanagedInstances: ['orders-staging-analytics'],
        },
        allowed: false,
        strategy: 'delete-first',
        rollback: { kind: 'rollback', allowed: false, reason: 'it is the cluster snapshot s1 was taken from' },
        disablesDeletionProtection: false,
      },
    }).join('\n');
    assert.match(text, /\n\s+instances not created by aurora-restore: orders-staging-analytics\n/);
    assert.match(
      text,
      /\n\s+rollback: refused under the delete-first replace \(it is the cluster snapshot s1 was taken from\)\n\s+it would NOT be replaced/
    );
  });

  it('prints warnings after the problems, with their field', () => {
    const text = formatPlan({
      ...CLEAN,
      warnings: [{ field: 'target.region', message: '"ap-southeast-9" is not a region the AWS SDK knows' }],
    }).join('\n');
    assert.match(text, /\nWarnings:\n {2}- target\.region: "ap-southeast-9" is not a region the AWS SDK knows\n/);
  });

  it('runs planRestore under a plan id (not the restore lock) and exits 0 for a clean plan', async () => {
    const started: Started[] = [];
    const out = await run(['plan', validFile, '--task-queue', 'q1'], fakeConnection(CLEAN, started));
    assert.equal(out.code, EXIT.OK, out.stderr);
    assert.equal(started.length, 1);
    assert.equal(started[0].type, PLAN_WORKFLOW_TYPE);
    assert.equal(started[0].options.taskQueue, 'q1');
    assert.match(started[0].options.workflowId, /^aurora-restore-plan\/us-west-2\/orders-staging\/\d+-[0-9a-f]{8}$/);
    assert.deepEqual((started[0].options.args[0] as { target: unknown }).target, {
      region: 'us-west-2',
      clusterId: 'orders-staging',
    });
    assert.match(out.stdout, /no problems found/);
  });

  it('exits 3 when problems are found; --json prints the plan as one document', async () => {
    const human = await run(['plan', validFile], fakeConnection(WITH_PROBLEMS, []));
    assert.equal(human.code, EXIT.PROBLEMS);
    assert.equal(EXIT.PROBLEMS, 3);
    assert.match(human.stdout, /^Plan for us-west-2\/orders-staging: 2 problems found/);

    const json = await run(['plan', validFile, '--json'], fakeConnection(WITH_PROBLEMS, []));
    assert.equal(json.code, EXIT.PROBLEMS);
    const doc = JSON.parse(json.stdout) as RestorePlan & { workflowId: string };
    assert.equal(doc.ok, false);
    assert.deepEqual(
      doc.problems.map((p) => p.code),
      ['SubnetGroupNotFound', 'DeletionProtected']
    );
    assert.match(doc.workflowId, /^aurora-restore-plan\//);
  });

  it('plans an invalid request without connecting: every validation problem, with its field', async () => {
    const out = await run(['plan', invalidFile]);
    assert.equal(out.code, EXIT.PROBLEMS);
    assert.equal(out.connects, 0);
    assert.match(out.stdout, /^Plan for the request: 2 problems found/);
    assert.match(out.stdout, /1\. source\.region \[InvalidRequest\]\n\s+"nowhere" is not an AWS region code/);
    assert.match(out.stdout, /2\. target\.clusterId \[InvalidRequest\]\n\s+is required/);

    const json = await run(['plan', invalidFile, '--json']);
    const doc = JSON.parse(json.stdout) as RestorePlan;
    assert.deepEqual(
      doc.problems.map((p) => p.field),
      ['source.region', 'target.clusterId']
    );
  });

  it('is listed in the usage, and refuses a missing file argument with exit 2', async () => {
    assert.match(USAGE, /plan <file\|->/);
    assert.match(USAGE, /3 +plan: problems found/);
    const missing = await run(['plan']);
    assert.equal(missing.code, EXIT.USAGE);
    assert.match(missing.stderr, /plan: missing the request file/);
  });
});
