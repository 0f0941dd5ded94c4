/**
 * The activities a compact history releases its copy slot and its target lock with: the right signal to the right
 * run, and a workflow that has already ended counts as nothing left to release (any other error is retried).
 */
import assert from 'node:assert/strict';

import type { WorkflowClient } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';

import type { AwsClientFactory } from '../../src/activities/aws-clients';
import { createCopySlotActivities } from '../../src/activities/copy-slots';
import { createTargetLockActivities } from '../../src/activities/target-lock';
import { COPY_SLOT_RELEASE_SIGNAL } from '../../src/domain/copy-slots';
import { TARGET_LOCK_RELEASE_SIGNAL } from '../../src/domain/naming';

interface Sent {
  workflowId: string;
  runId?: string;
  signal: string;
  args: unknown[];
}

/** A client whose signals are recorded, or fail with `failWith`. */
function fakeClient(sent: Sent[], failWith?: Error): () => WorkflowClient {
  const client = {
    getHandle: (workflowId: string, runId?: string) => ({
      signal: (signal: string, ...args: unknown[]) => {
        if (failWith) return Promise.reject(failWith);
        sent.push({ workflowId, runId, signal, args });
        return Promise.resolve();
      },
    }),
  };
  return () => client as unknown as WorkflowClient;
}

const notFound = () => new WorkflowNotFoundError('workflow not found', 'some-id', undefined);

describe('release activities (compact history)', () => {
  it('releaseTargetLock signals the lock run the restore started, and finds an ended lock nothing to release', async () => {
    const sent: Sent[] = [];
    const { releaseTargetLock } = createTargetLockActivities({ workflowClient: fakeClient(sent) });
    const out = await releaseTargetLock({ lockWorkflowId: 'target-lock/1/us-west-2/db', lockRunId: 'run-7' });
    assert.deepEqual(out, { released: true });
    assert.deepEqual(sent, [
      { workflowId: 'target-lock/1/us-west-2/db', runId: 'run-7', signal: TARGET_LOCK_RELEASE_SIGNAL, args: [] },
    ]);

    const ended = createTargetLockActivities({ workflowClient: fakeClient([], notFound()) });
    assert.deepEqual(await ended.releaseTargetLock({ lockWorkflowId: 'l', lockRunId: 'r' }), { released: false });
    const broken = createTargetLockActivities({ workflowClient: fakeClient([], new Error('unavailable')) });
    await assert.rejects(broken.releaseTargetLock({ lockWorkflowId: 'l', lockRunId: 'r' }), /unavailable/);
  });

  it("releaseCopySlot gives the calling run's slot back, naming a copy that may still run", async () => {
    const sent: Sent[] = [];
    const env = new MockActivityEnvironment({ workflowExecution: { workflowId: 'aurora-restore/x', runId: 'run-1' } });
    const clients = {} as AwsClientFactory;
    const { releaseCopySlot } = createCopySlotActivities({ clients, workflowClient: fakeClient(sent) });
    assert.deepEqual(await env.run(releaseCopySlot, { coordinatorId: 'copy-slots:self:us-west-2' }), {
      released: true,
    });
    await env.run(releaseCopySlot, { coordinatorId: 'copy-slots:self:us-west-2', copyStillRunning: 'db-copy' });
    assert.deepEqual(sent, [
      {
        workflowId: 'copy-slots:self:us-west-2',
        runId: undefined,
        signal: COPY_SLOT_RELEASE_SIGNAL,
        args: [{ workflowId: 'aurora-restore/x', runId: 'run-1' }],
      },
      {
        workflowId: 'copy-slots:self:us-west-2',
        runId: undefined,
        signal: COPY_SLOT_RELEASE_SIGNAL,
        args: [{ workflowId: 'aurora-restore/x', runId: 'run-1', copyStillRunning: 'db-copy' }],
      },
    ]);

    const closed = createCopySlotActivities({ clients, workflowClient: fakeClient([], notFound()) });
    assert.deepEqual(await env.run(closed.releaseCopySlot, { coordinatorId: 'c' }), { released: false });
  });
});
