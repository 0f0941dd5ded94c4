/**
 * Deploying a new worker version with Worker Deployment Versioning, end to end on the dev server with two
 * production worker processes and moto: a restore started on version 1 (held in await-approval) keeps running on
 * version 1 after version 2 is made current with the README's `temporal worker deployment set-current-version`
 * ("Deploying"), and finishes there; a restore started afterwards runs on version 2; an expiry started on version 1
 * moves to version 2 (auto-upgrade) at its next workflow task.
 */
import assert from 'node:assert/strict';

import { DescribeDBClustersCommand } from '@aws-sdk/client-rds';
import type { WorkflowHandle } from '@temporalio/client';

import { expiryWorkflowId, restoreWorkflowId, TAG_OPERATION_ID } from '../../src/domain/naming';
import type { RestoreRequest } from '../../src/domain/request';
import { auroraRestore, clusterExpiry } from '../../src/workflows';
import { expiryQuery, extendExpiryUpdate } from '../../src/workflows/expiry-messages';
import { approveUpdate, progressQuery } from '../../src/workflows/messages';
import { useDevServerClient } from '../support/fixtures/worker-process';
import {
  assertMotoReachable,
  motoClients,
  seedManagedCluster,
  seedReplaceableCluster,
  seedSourceCluster,
  uniqueName,
} from '../support/moto';
import { readmeCommand, runTemporalCli, withOptionValues } from '../support/readme';
import { startWorkerProcess } from '../support/worker-process';
import type { WorkerProcess } from '../support/worker-process';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('deploying a new worker version (Worker Deployment Versioning, dev server + 2 worker processes + moto)', function () {
  this.timeout(240_000);
  // Its own task queue and deployment: nothing else on the shared dev server routes through them.
  const taskQueue = uniqueName('deploy-e2e');
  const deploymentName = uniqueName('e2e-deploy');
  const v1 = `${deploymentName}-v1`;
  const v2 = `${deploymentName}-v2`;
  const workers: WorkerProcess[] = [];
  const server = useDevServerClient();

  before(() => assertMotoReachable());
  // Registered after the client's hook, so it runs after the workflows are terminated.
  after(async () => {
    for (const worker of workers) await worker.stop();
  });

  function startVersion(buildId: string): WorkerProcess {
    const worker = startWorkerProcess({
      AURORA_RESTORE_TASK_QUEUE: taskQueue,
      AURORA_RESTORE_WORKER_ROLES: 'restore',
      AURORA_RESTORE_WORKER_VERSIONING: '1',
      AURORA_RESTORE_DEPLOYMENT_NAME: deploymentName,
      AURORA_RESTORE_BUILD_ID: buildId,
    });
    workers.push(worker);
    return worker;
  }

  const logs = () => workers.map((w, i) => `--- worker ${i + 1} ---\n${w.log()}`).join('\n');

  /** The deployment as the server sees it: the current build id and the build ids that have polled. */
  async function deployment(): Promise<{ current?: string; versions: string[] }> {
    const response = await server.client.connection.workflowService
      .describeWorkerDeployment({ namespace: 'default', deploymentName })
      .catch((err: { code?: number }) => (err.code === 5 ? undefined : Promise.reject(err)));
    const info = response?.workerDeploymentInfo;
    return {
      current: info?.routingConfig?.currentDeploymentVersion?.buildId ?? undefined,
      versions: (info?.versionSummaries ?? []).map((s) => s.deploymentVersion?.buildId ?? ''),
    };
  }

  async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      assert.ok(Date.now() < deadline, `${what} did not happen within ${timeoutMs / 1000}s\n${logs()}`);
      await sleep(500);
    }
  }

  /** The worker deployment version and behavior the server records for a workflow. */
  async function versioning(handle: WorkflowHandle): Promise<{ buildId?: string; behavior?: string }> {
    const info = (await handle.describe()).raw.workflowExecutionInfo?.versioningInfo;
    const behavior = info?.behavior;
    return {
      buildId: info?.deploymentVersion?.buildId ?? undefined,
      behavior: behavior === 1 ? 'PINNED' : behavior === 2 ? 'AUTO_UPGRADE' : String(behavior),
    };
  }

  /** A source with a snapshot in us-east-1, restored to `targetId` in us-west-2 (replacing it if it exists). */
  async function restoreRequest(targetId: string, approval: boolean): Promise<RestoreRequest> {
    const sourceId = uniqueName('e2e-dep-src');
    await seedSourceCluster({ region: 'us-east-1', clusterId: sourceId, withSnapshot: `${sourceId}-snap` });
    return {
      source: { region: 'us-east-1', clusterId: sourceId, snapshot: `${sourceId}-snap` },
      target: { region: 'us-west-2', clusterId: targetId },
      copy: { kmsKeyId: 'alias/aws/rds' },
      ...(approval
        ? { replace: { existing: true, strategy: 'delete-first' }, approval: { required: true, timeout: '1h' } }
        : {}),
      timing: { pollInterval: '5s' },
    };
  }

  it('keeps a running restore on version 1 after version 2 becomes current; new restores run on version 2', async () => {
    // Version 1: the deployment's first version makes itself current.
    startVersion(v1);
    await waitFor(`${v1} becoming current`, async () => (await deployment()).current === v1);

    // A restore on version 1, held before it replaces its (managed) target until it is approved.
    const heldTarget = uniqueName('e2e-dep-held');
    await seedReplaceableCluster('us-west-2', heldTarget);
    const heldRequest = await restoreRequest(heldTarget, true);
    const held = await server.client.workflow.start(auroraRestore, {
      taskQueue,
      workflowId: restoreWorkflowId(heldRequest.target),
      args: [heldRequest],
    });
    server.terminateAtEnd(held.workflowId);
    await waitFor('the approval becoming pending', async () => {
      const progress = await held.query(progressQuery).catch(() => undefined);
      return progress?.approval?.pending === true;
    });
    assert.deepEqual(await versioning(held), { buildId: v1, behavior: 'PINNED' });

    // An expiry on version 1 (a cluster "created" by an operation of this test), waiting a day.
    const expiryTarget = { region: 'us-west-2', clusterId: uniqueName('e2e-dep-exp') };
    const operationId = uniqueName('op-e2e-dep');
    await seedManagedCluster(expiryTarget.region, expiryTarget.clusterId, operationId);
    const expiry = await server.client.workflow.start(clusterExpiry, {
      taskQueue,
      workflowId: expiryWorkflowId(expiryTarget),
      args: [
        {
          operationId,
          restoreWorkflowId: restoreWorkflowId(expiryTarget),
          target: expiryTarget,
          source: { region: 'us-east-1' },
          expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
          remindBeforeMs: 3_600_000,
          disableDeletionProtection: false,
          pollIntervalMs: 5_000,
          deleteTimeoutMs: 600_000,
        },
      ],
    });
    server.terminateAtEnd(expiry.workflowId);
    await expiry.query(expiryQuery);
    assert.deepEqual(await versioning(expiry), { buildId: v1, behavior: 'AUTO_UPGRADE' });

    // Version 2 starts next to version 1 and is not current until the README's command makes it so.
    const worker2 = startVersion(v2);
    await waitFor(`${v2} polling`, async () => (await deployment()).versions.includes(v2));
    await waitFor(`${v2} saying it is not current`, async () => /is not current/.test(worker2.log()));
    assert.equal((await deployment()).current, v1, 'a later version does not make itself current');
    const setCurrent = withOptionValues(readmeCommand('Deploying', 'temporal worker deployment set-current-version'), {
      '--deployment-name': deploymentName,
      '--build-id': v2,
    });
    await runTemporalCli(setCurrent);
    assert.equal((await deployment()).current, v2);

    // A new restore starts on version 2 and finishes there.
    const fresh = await restoreRequest(uniqueName('e2e-dep-new'), false);
    const freshHandle = await server.client.workflow.start(auroraRestore, {
      taskQueue,
      workflowId: restoreWorkflowId(fresh.target),
      args: [fresh],
    });
    const freshResult = await freshHandle.result();
    assert.equal(freshResult.status, 'succeeded', logs());
    assert.deepEqual(await versioning(freshHandle), { buildId: v2, behavior: 'PINNED' });

    // The held restore is approved now and finishes on version 1, where it started.
    await held.executeUpdate(approveUpdate, { args: [{ by: 'e2e', reason: 'deploy test' }] });
    const heldResult = await held.result();
    assert.equal(heldResult.status, 'succeeded', logs());
    assert.equal(heldResult.replacedExistingCluster, true);
    assert.deepEqual(await versioning(held), { buildId: v1, behavior: 'PINNED' });
    const history = await held.fetchHistory();
    const completedOn = new Set(
      (history.events ?? [])
        .map((e) => e.workflowTaskCompletedEventAttributes?.deploymentVersion?.buildId)
        .filter((b): b is string => typeof b === 'string')
    );
    assert.deepEqual([...completedOn], [v1], 'every workflow task of the held restore ran on version 1');
    const { rds } = motoClients('us-west-2');
    const cluster = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: heldTarget })))
      .DBClusters?.[0];
    assert.ok(cluster?.TagList?.some((t) => t.Key === TAG_OPERATION_ID && t.Value === heldResult.operationId));

    // The expiry follows the current version at its next workflow task (here: an update).
    await expiry.executeUpdate(extendExpiryUpdate, { args: [{ duration: '1d', identity: 'e2e' }] });
    assert.deepEqual(await versioning(expiry), { buildId: v2, behavior: 'AUTO_UPGRADE' });
  });
});
