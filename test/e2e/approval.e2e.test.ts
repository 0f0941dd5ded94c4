/**
 * End to end: the production worker process on the dev server approves through the README's
 * `temporal workflow update execute --name approve` command (read from README.md, run with only the workflow id the
 * test's own), and the restore then replaces the target in moto.
 */
import assert from 'node:assert/strict';

import { DescribeDBClustersCommand } from '@aws-sdk/client-rds';

import { restoreWorkflowId, TAG_OPERATION_ID } from '../../src/domain/naming';
import type { RestoreRequest } from '../../src/domain/request';
import { auroraRestore } from '../../src/workflows';
import { progressQuery } from '../../src/workflows/messages';
import { useWorkerProcessEnvironment } from '../support/fixtures/worker-process';
import { motoClients, seedReplaceableCluster, seedSourceSnapshot, uniqueName } from '../support/moto';
import { readmeCommand, runTemporalCli, withOptionValues } from '../support/readme';

describe('end to end: approval with the Temporal CLI (dev server + worker process + moto)', function () {
  this.timeout(180_000);
  const e2e = useWorkerProcessEnvironment('approval-e2e');

  it('waits in await-approval until `temporal workflow update execute --name approve`, then replaces', async () => {
    const source = await seedSourceSnapshot({ region: 'us-east-1', prefix: 'e2e-appr-src' });
    const targetId = uniqueName('e2e-appr');
    await seedReplaceableCluster('us-west-2', targetId);
    const request: RestoreRequest = {
      source: { region: 'us-east-1', clusterId: source.clusterId, snapshot: source.snapshotId },
      target: { region: 'us-west-2', clusterId: targetId },
      copy: { kmsKeyId: 'alias/aws/rds' },
      replace: { existing: true, strategy: 'delete-first' },
      approval: { required: true, timeout: '1h' },
      timing: { pollInterval: '5s' },
    };
    const workflowId = restoreWorkflowId(request.target);
    const handle = await e2e.client.workflow.start(auroraRestore, {
      taskQueue: e2e.taskQueue,
      workflowId,
      args: [request],
    });

    const deadline = Date.now() + 120_000;
    for (;;) {
      const progress = await handle.query(progressQuery).catch(() => undefined);
      if (progress?.approval?.pending) break;
      assert.ok(Date.now() < deadline, `no approval became pending\nworker:\n${e2e.worker.log()}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const describe = await handle.describe();
    assert.equal(describe.status.name, 'RUNNING');

    // The command as the README shows it, for this test's restore.
    const command = readmeCommand(
      'Approvals and restore tests with an RTO',
      'temporal workflow update execute',
      'approve'
    );
    const input = JSON.parse(command[command.indexOf('--input') + 1]) as { by: string; reason: string };
    const stdout = await runTemporalCli(withOptionValues(command, { '--workflow-id': workflowId }));
    assert.match(stdout, /approved/);

    const result = await handle.result();
    assert.equal(result.replacedExistingCluster, true);
    assert.equal(result.approval?.decision?.by, input.by);
    assert.equal(result.approval?.decision?.reason, input.reason);
    const { rds } = motoClients('us-west-2');
    const cluster = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: targetId }))).DBClusters?.[0];
    assert.equal(cluster?.Status, 'available');
    assert.ok(
      cluster?.TagList?.some((t) => t.Key === TAG_OPERATION_ID && t.Value === result.operationId),
      'the target is the one this restore created'
    );
  });
});
