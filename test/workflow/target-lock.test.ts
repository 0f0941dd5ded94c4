/**
 * One restore per cluster, however the request names its account: a request without `target.accountId` and one
 * with the worker's own account name the same cluster, get two workflow ids, and must still never run together.
 * Time-skipping server, the real restore worker on moto behind the simulator. The first restore is held in its
 * (simulated, one hour) cluster restore by not skipping time until the second has been refused.
 */
import assert from 'node:assert/strict';

import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';

import { restoreWorkflowId, targetLockWorkflowId } from '../../src/domain/naming';
import type { RestoreRequest } from '../../src/domain/request';
import { progressQuery } from '../../src/workflows/messages';
import { targetLockHolderQuery } from '../../src/workflows/target-lock';
import { useWorkflowEnvironment } from '../support/fixtures/workflow';
import { recordHistory } from '../support/histories';
import { MOTO_DEFAULT_ACCOUNT, seedSourceCluster, uniqueName } from '../support/moto';

const REGION = 'eu-west-1';
const TIMINGS = { clusterRestore: 60 * 60_000, instanceCreate: 10 * 60_000 };

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function requests(): Promise<{ plain: RestoreRequest; withAccount: RestoreRequest; lockId: string }> {
  const sourceId = uniqueName('locksrc');
  await seedSourceCluster({ region: REGION, clusterId: sourceId, withSnapshot: `${sourceId}-snap` });
  const targetId = uniqueName('locktgt');
  const plain: RestoreRequest = {
    source: { region: REGION, clusterId: sourceId, snapshot: `${sourceId}-snap` },
    target: { region: REGION, clusterId: targetId, instanceCount: 1 },
    timing: { pollInterval: '30s' },
  };
  // The same cluster: the worker acts in its own account (moto's default) when no role is given.
  const withAccount: RestoreRequest = { ...plain, target: { ...plain.target, accountId: MOTO_DEFAULT_ACCOUNT } };
  const lockId = targetLockWorkflowId({ accountId: MOTO_DEFAULT_ACCOUNT, region: REGION, clusterId: targetId });
  return { plain, withAccount, lockId };
}

describe('auroraRestore per-target lock (time-skipping server, sim)', function () {
  this.timeout(120_000);
  const fixture = useWorkflowEnvironment({ workerPerTest: { timings: TIMINGS } });

  /** The lock's status once it exists (RUNNING, COMPLETED, TERMINATED...). */
  async function lockStatus(lockId: string): Promise<string> {
    return (await fixture.plainClient.workflow.getHandle(lockId).describe()).status.name;
  }

  it('refuses a restore of the same cluster named with its account id while one without it runs', async () => {
    const { plain, withAccount, lockId } = await requests();
    assert.notEqual(restoreWorkflowId(plain.target), restoreWorkflowId(withAccount.target), 'two workflow ids');
    await fixture.worker.worker.runUntil(async () => {
      const first = await fixture.startRestore(plain);
      fixture.terminateAtEnd(first.workflowId);
      await eventually('the first restore to hold the lock', async () =>
        (await lockStatus(lockId)) === 'RUNNING' ? true : undefined
      );
      const holder = await fixture.plainClient.workflow.getHandle(lockId).query(targetLockHolderQuery);
      assert.equal(holder.holderWorkflowId, first.workflowId);

      const second = await fixture.startRestore(withAccount);
      fixture.terminateAtEnd(second.workflowId);
      const refused = await fixture.plainClient.workflow
        .getHandle(second.workflowId)
        .result()
        .then(
          () => assert.fail('the second restore of the same cluster must not run'),
          (err: unknown) => err
        );
      assert.ok(refused instanceof WorkflowFailedError, String(refused));
      assert.ok(refused.cause instanceof ApplicationFailure, String(refused.cause));
      assert.equal(refused.cause.type, 'RestoreAlreadyRunning');
      assert.match(refused.cause.message, new RegExp(`${plain.target.clusterId} in account ${MOTO_DEFAULT_ACCOUNT}`));
      assert.match(refused.cause.message, /Nothing was changed/);
      const secondProgress = await fixture.plainClient.workflow.getHandle(second.workflowId).query(progressQuery);
      assert.deepEqual(secondProgress.resources.cluster, undefined, 'the refused restore created nothing');
      const firstNow = await fixture.plainClient.workflow.getHandle(first.workflowId).describe();
      assert.equal(firstNow.status.name, 'RUNNING', 'the first restore is untouched');

      // The first ends (time now skips) and releases the lock itself before it completes.
      const result = await first.result();
      assert.equal(result.target.clusterId, plain.target.clusterId);
      assert.equal(await lockStatus(lockId), 'COMPLETED');
      await recordHistory('target-lock-held-and-released', first);
    });
  });
});

// The time-skipping test server does not apply parent close policies; the dev server (real Temporal) does.
describe('auroraRestore per-target lock on the dev server (crash safety)', function () {
  this.timeout(120_000);
  const fixture = useWorkflowEnvironment({ server: 'dev', workerPerTest: { timings: TIMINGS } });

  async function lockStatus(lockId: string): Promise<string> {
    return (await fixture.plainClient.workflow.getHandle(lockId).describe()).status.name;
  }

  it('refuses the same pair the other way round, and a terminated holder leaves no lock behind', async () => {
    const { plain, withAccount, lockId } = await requests();
    await fixture.worker.worker.runUntil(async () => {
      const first = await fixture.startRestore(withAccount);
      fixture.terminateAtEnd(first.workflowId);
      await eventually('the first restore to hold the lock', async () =>
        (await lockStatus(lockId)) === 'RUNNING' ? true : undefined
      );
      const second = await fixture.startRestore(plain);
      fixture.terminateAtEnd(second.workflowId);
      const refused = await fixture.plainClient.workflow
        .getHandle(second.workflowId)
        .result()
        .then(
          () => assert.fail('the second restore of the same cluster must not run'),
          (err: unknown) => err
        );
      assert.ok(refused instanceof WorkflowFailedError);
      assert.equal((refused.cause as ApplicationFailure).type, 'RestoreAlreadyRunning');

      // A holder that is terminated (no cleanup, no release) still frees the lock: the server ends it with its parent.
      await fixture.plainClient.workflow.getHandle(first.workflowId).terminate('test: holder killed');
      await eventually('the lock to end with its holder', async () =>
        (await lockStatus(lockId)) === 'TERMINATED' ? true : undefined
      );
    });
  });
});
