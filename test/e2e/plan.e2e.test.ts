/**
 * The plan (dry run) end to end with the README's `temporal workflow execute --type planRestore` command, read from
 * README.md and run as written (only the task queue, workflow id and request file are the test's own), against the
 * production worker process on the dev server and sources seeded in moto.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { DescribeDBClustersCommand } from '@aws-sdk/client-rds';

import { planWorkflowId } from '../../src/domain/plan';
import type { RestorePlan } from '../../src/domain/plan';
import type { RestoreRequest } from '../../src/domain/request';
import { useWorkerProcessEnvironment } from '../support/fixtures/worker-process';
import { motoClients, seedSourceCluster, seedSourceSnapshot, uniqueName } from '../support/moto';
import { readmeCommand, runTemporalCli, withOptionValues } from '../support/readme';

const ROOT = path.resolve(__dirname, '../..');
const EXAMPLE = path.join(ROOT, 'examples/nightly-staging-refresh.json');

describe('plan (dry run) with the README’s `temporal workflow execute` (dev server + worker process + moto)', function () {
  this.timeout(120_000);
  const e2e = useWorkerProcessEnvironment('plan-e2e');
  const command = readmeCommand('Plan (dry run)', 'temporal workflow execute');

  /** The README's example request with the test's own source and target clusters, written to a file. */
  function requestFile(sourceId: string, targetId: string): { file: string; request: RestoreRequest } {
    const example = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as RestoreRequest;
    const request = {
      ...example,
      source: { ...example.source, clusterId: sourceId },
      target: { ...example.target, clusterId: targetId },
    };
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'aurora-restore-plan-')), 'request.json');
    writeFileSync(file, JSON.stringify(request));
    return { file, request };
  }

  /** Runs the README's command for `request` and returns the plan it prints. */
  async function planWithReadmeCommand(file: string, request: RestoreRequest): Promise<RestorePlan> {
    const workflowId = planWorkflowId(request.target, uniqueName('e2e'));
    const stdout = await runTemporalCli(
      withOptionValues(command, { '--task-queue': e2e.taskQueue, '--workflow-id': workflowId, '--input-file': file })
    ).catch((err: Error) => Promise.reject(new Error(`${err.message}\nworker:\n${e2e.worker.log()}`)));
    // The CLI prints the run's events, then "Results:" with the status and the result as one line of JSON.
    assert.match(stdout, /^\s*Status\s+COMPLETED$/m, stdout);
    const json = /^\s*Result\s+(\{.*\})$/m.exec(stdout)?.[1];
    assert.ok(json, `no result in:\n${stdout}`);
    return JSON.parse(json) as RestorePlan;
  }

  it('prints an ok plan for a new target: the latest manual snapshot, copied to the target region', async () => {
    const { clusterId: sourceId } = await seedSourceSnapshot({ region: 'us-east-1', prefix: 'e2e-plan-src' });
    const targetId = uniqueName('e2e-plan-new');
    const { file, request } = requestFile(sourceId, targetId);

    const plan = await planWithReadmeCommand(file, request);
    assert.equal(plan.ok, true, JSON.stringify(plan.problems));
    // The workflow returns `problems: []`; the Temporal CLI prints an empty list as null (the README says so).
    assert.deepEqual(plan.problems ?? [], [], JSON.stringify(plan));
    assert.equal(plan.snapshot?.identifier, `${sourceId}-snap`);
    assert.equal(plan.copy?.needed, true, 'a cross-region restore copies the snapshot');
    assert.equal(plan.replace?.existing, null, 'nothing to replace: a new cluster is created');
    assert.deepEqual(plan.target, { clusterId: targetId, region: 'us-west-2' });
  });

  it('lists a target without this pipeline’s tag as a problem, and changes nothing', async () => {
    const { clusterId: sourceId } = await seedSourceSnapshot({ region: 'us-east-1', prefix: 'e2e-plan-src' });
    // A cluster someone else made: replacing it would be refused, and the plan must say so up front.
    const targetId = uniqueName('e2e-plan-foreign');
    await seedSourceCluster({ region: 'us-west-2', clusterId: targetId });
    const { file, request } = requestFile(sourceId, targetId);

    const plan = await planWithReadmeCommand(file, request);
    assert.equal(plan.ok, false);
    assert.equal(plan.replace?.existing?.identifier, targetId);
    assert.equal(plan.replace?.existing?.managedByPipeline, false);
    assert.equal(plan.replace?.allowed, false);
    assert.deepEqual(
      plan.problems.map((p) => [p.code, p.field]),
      [['NotManagedByPipeline', 'target.clusterId']],
      JSON.stringify(plan.problems)
    );
    const { rds } = motoClients('us-west-2');
    const cluster = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: targetId }))).DBClusters?.[0];
    assert.equal(cluster?.Status, 'available', 'the plan left the target as it was');
  });
});
