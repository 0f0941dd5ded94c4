/**
 * The restore's backstop while its region's coordinator watches its copy (`awaitCopyUnlessWatched`): no AWS call
 * while a running coordinator watches this run's copy, and the restore's own check once nobody does.
 */
import assert from 'node:assert/strict';

import type { WorkflowClient } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';

import type { AwsClientFactory } from '../../src/activities/aws-clients';
import { createCopySlotActivities, WATCHED_COPY_BACKSTOP_MS } from '../../src/activities/copy-slots';
import type { AwaitSnapshotInput } from '../../src/activities/types';
import type { SnapshotInfo } from '../../src/domain/aws-shapes';
import { COPY_SLOTS_QUERY, type CopySlotState } from '../../src/domain/copy-slots';

const RUN = { workflowId: 'aurora-restore/us-west-2/db', runId: 'run-1' };
const COORDINATOR = 'copy-slots:self:us-west-2';
const INPUT = {
  target: { region: 'us-west-2' },
  snapshotIdentifier: 'db-1a2b3c4d-copy',
  coordinatorId: COORDINATOR,
  expectedDurationMs: 600_000,
};
const CHECKED_AT = Date.parse('2026-11-29T01:00:00Z');

function watchedState(copyIdentifier = INPUT.snapshotIdentifier, runId = RUN.runId): CopySlotState {
  return {
    slots: 5,
    queue: [],
    external: [],
    holders: [
      {
        ...RUN,
        runId,
        copyIdentifier,
        watch: { pollEveryMs: 30_000 },
        watching: {
          grantedAtMs: CHECKED_AT - 60_000,
          nextCheckAtMs: CHECKED_AT + 60_000,
          samples: [{ atMs: CHECKED_AT, percent: 40 }],
          seen: true,
          status: 'copying',
          checkedAtMs: CHECKED_AT,
        },
      },
    ],
  };
}

/** A client whose coordinator is running (or not) with `state`, or not found at all. */
function coordinator(found: { status: string; state: CopySlotState } | 'not-found'): () => WorkflowClient {
  const client = {
    getHandle: (workflowId: string) => {
      assert.equal(workflowId, COORDINATOR);
      if (found === 'not-found') {
        const gone = () => Promise.reject(new WorkflowNotFoundError('not found', workflowId, undefined));
        return { describe: gone, query: gone };
      }
      return {
        describe: () => Promise.resolve({ status: { name: found.status } }),
        query: (name: string) => {
          assert.equal(name, COPY_SLOTS_QUERY);
          return Promise.resolve(found.state);
        },
      };
    },
  };
  return () => client as unknown as WorkflowClient;
}

function backstop(client: () => WorkflowClient, attempt = 1) {
  const checks: AwaitSnapshotInput[] = [];
  const available = { identifier: INPUT.snapshotIdentifier, status: 'available' } as SnapshotInfo;
  const { awaitCopyUnlessWatched } = createCopySlotActivities({
    clients: {} as AwsClientFactory,
    workflowClient: client,
    awaitSnapshot: (input) => {
      checks.push(input);
      return Promise.resolve(available);
    },
  });
  const env = new MockActivityEnvironment({ workflowExecution: RUN, attempt });
  return { checks, run: () => env.run(awaitCopyUnlessWatched, INPUT) };
}

describe('the backstop of a watched copy', () => {
  it('makes no AWS call while the running coordinator watches the copy, and looks again a ceiling later', async () => {
    const { checks, run } = backstop(coordinator({ status: 'RUNNING', state: watchedState() }));
    const err = await run().then(
      () => assert.fail('expected NotReady'),
      (e: unknown) => e
    );
    assert.ok(err instanceof ApplicationFailure, String(err));
    assert.equal(err.type, 'NotReady');
    assert.equal(err.nonRetryable, false);
    assert.equal(err.nextRetryDelay, WATCHED_COPY_BACKSTOP_MS);
    assert.deepEqual(err.details?.[0], {
      resource: 'snapshot-copy',
      id: INPUT.snapshotIdentifier,
      status: 'copying',
      percentProgress: 40,
      observedAt: new Date(CHECKED_AT).toISOString(),
    });
    assert.deepEqual(checks, []);
  });

  for (const [why, client] of [
    ['the coordinator was terminated', coordinator({ status: 'TERMINATED', state: watchedState() })],
    ['the coordinator is gone', coordinator('not-found')],
    [
      'a new coordinator does not know this run',
      coordinator({ status: 'RUNNING', state: watchedState(undefined, 'other') }),
    ],
    [
      'the coordinator does not watch (a build from before the watch)',
      coordinator({
        status: 'RUNNING',
        state: { ...watchedState(), holders: [{ ...RUN, copyIdentifier: INPUT.snapshotIdentifier }] },
      }),
    ],
  ] as const) {
    it(`checks the copy itself when ${why}`, async () => {
      const { checks, run } = backstop(client);
      const info = (await run()) as SnapshotInfo;
      assert.equal(info.status, 'available');
      const { coordinatorId: _unused, ...check } = INPUT;
      assert.deepEqual(checks, [check]);
    });
  }

  it('waits once for a copy the coordinator has not found yet, then looks itself (it may have been deleted)', async () => {
    const state = watchedState();
    const unseen = {
      ...state,
      holders: [{ ...state.holders[0], watching: { ...state.holders[0].watching!, seen: false } }],
    };
    const first = backstop(coordinator({ status: 'RUNNING', state: unseen }));
    await assert.rejects(first.run(), (err: unknown) => err instanceof ApplicationFailure && err.type === 'NotReady');
    assert.deepEqual(first.checks, []);
    const later = backstop(coordinator({ status: 'RUNNING', state: unseen }), 2);
    assert.equal(((await later.run()) as SnapshotInfo).status, 'available');
    assert.equal(later.checks.length, 1);
  });
});
