import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { defaultPayloadConverter } from '@temporalio/common';

import { createActivities } from '../../src/activities';
import type { AwsClientFactory } from '../../src/activities';
import { createDatabaseActivities } from '../../src/activities/database';
import {
  ACTIVITY_DESCRIPTIONS,
  activitySummary,
  childWorkflowSummary,
  MAX_SUMMARY_LENGTH,
} from '../../src/workflows/activity-summaries';
import type { SummaryContext } from '../../src/workflows/activity-summaries';
import { HISTORIES_DIR, loadHistory } from '../support/histories';

const README = readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');

/** The activity names the workers really register (not the compiler's view of them). */
function registeredActivities(): string[] {
  // Creating the activities does not touch AWS; a client factory that is never called is enough.
  const clients = {} as AwsClientFactory;
  return [...Object.keys(createActivities({ clients })), ...Object.keys(createDatabaseActivities({ clients }))];
}

const target = { region: 'us-west-2' };

describe('activity summaries (Web UI)', () => {
  it('describes every activity the workers register, and nothing else', () => {
    const registered = registeredActivities().sort();
    assert.ok(registered.length >= 15, `expected the restore and database activities, found ${registered.join(', ')}`);
    assert.deepEqual(Object.keys(ACTIVITY_DESCRIPTIONS).sort(), registered);
  });

  it('names each activity by a step the README documents', () => {
    for (const [activity, { step }] of Object.entries(ACTIVITY_DESCRIPTIONS)) {
      if (step === 'preflight') continue; // the plan's read-only checks, named by their action
      assert.ok(README.includes(`\`${step}\``), `README.md does not name step \`${step}\` (activity ${activity})`);
    }
  });

  it("reads as the restore's steps, with the resource and its region", () => {
    assert.equal(
      activitySummary(
        'awaitSnapshotAvailable',
        { target, snapshotIdentifier: 'orders-staging-1a2b3c4d-copy' },
        'restore'
      ),
      'wait-for-copy: orders-staging-1a2b3c4d-copy in us-west-2'
    );
    assert.equal(
      activitySummary(
        'deleteCluster',
        { target, clusterId: 'orders-staging', guard: {}, disableDeletionProtection: false },
        'restore'
      ),
      'delete-target: orders-staging in us-west-2'
    );
    assert.equal(
      activitySummary(
        'findSnapshot',
        { source: { region: 'us-east-1' }, ref: { kind: 'latest', clusterId: 'orders-prod', snapshotType: 'manual' } },
        'restore'
      ),
      'find-snapshot: latest manual snapshot of orders-prod in us-east-1'
    );
    assert.equal(
      activitySummary(
        'startSnapshotCopy',
        {
          target: { region: 'us-west-2', accountId: '222222222222' },
          sourceSnapshotArn: 'arn:aws:rds:us-east-1:111111111111:cluster-snapshot:orders-nightly',
          copyIdentifier: 'orders-staging-1a2b3c4d-copy',
          operationId: 'op-1',
          tags: [],
        },
        'restore'
      ),
      'copy-snapshot: orders-nightly to orders-staging-1a2b3c4d-copy in 222222222222/us-west-2'
    );
    assert.equal(
      activitySummary(
        'awaitInstancesAvailable',
        { target, clusterId: 'orders-staging', instanceIds: ['orders-staging-1', 'orders-staging-2'] },
        'restore'
      ),
      'wait-for-instances: 2 instances of orders-staging in us-west-2'
    );
    assert.equal(
      activitySummary(
        'publishNotification',
        { topicArn: 'arn:aws:sns:us-west-2:111111111111:restores', event: { kind: 'succeeded' } },
        'cleanup'
      ),
      'notify: succeeded to restores'
    );
  });

  it('says what is done outside the steps: cleanup, expiry and plan', () => {
    const input = {
      target,
      clusterId: 'orders-staging',
      guard: { operationId: 'op-1' },
      disableDeletionProtection: true,
    };
    assert.equal(
      activitySummary('deleteCluster', input, 'cleanup'),
      'cleanup: delete cluster orders-staging in us-west-2'
    );
    assert.equal(
      activitySummary('deleteCluster', input, 'expiry'),
      'expiry: delete cluster orders-staging in us-west-2'
    );
    assert.equal(
      activitySummary('describeCluster', { target, clusterId: 'orders-staging' }, 'plan'),
      'plan: check cluster orders-staging in us-west-2'
    );
  });

  it('labels child restores and expiries', () => {
    assert.equal(
      childWorkflowSummary('auroraRestore', { target: { region: 'us-west-2', clusterId: 'orders-staging' } }),
      'restore orders-staging in us-west-2'
    );
    assert.equal(
      childWorkflowSummary('clusterExpiry', {
        target: { region: 'us-west-2', clusterId: 'orders-staging' },
        expiresAt: '2026-12-24T18:00:00.000Z',
      }),
      'schedule-expiry: delete orders-staging in us-west-2 at 2026-12-24T18:00:00.000Z'
    );
    assert.equal(childWorkflowSummary('auroraRestore', { target: 'not an object' }), undefined);
  });

  it('never fails the call it labels: unknown activities and unreadable inputs get no summary', () => {
    assert.equal(activitySummary('someNewActivity', { target, clusterId: 'x' }, 'restore'), undefined);
    assert.equal(activitySummary('deleteCluster', undefined, 'restore'), undefined);
    assert.equal(activitySummary('createInstances', { target, clusterId: 'x' }, 'restore'), undefined);
  });

  it('keeps a summary on one line of bounded length', () => {
    const summary = activitySummary(
      'restoreCluster',
      { target, clusterId: 'orders-staging', snapshotIdentifier: `a\nb${'c'.repeat(300)}` },
      'restore'
    );
    assert.ok(summary);
    assert.ok(!summary.includes('\n'));
    assert.equal(summary.length, MAX_SUMMARY_LENGTH);
    assert.ok(summary.startsWith('restore-cluster: orders-staging in us-west-2 from a b'));
  });

  describe('every activity call in the recorded histories', () => {
    const contextOf: Record<string, SummaryContext> = {
      auroraRestore: 'restore',
      clusterExpiry: 'expiry',
      planRestore: 'plan',
    };
    const files = readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.history.pb'));

    it('gets a one-line summary naming its resource', () => {
      let checked = 0;
      const seen = new Set<string>();
      for (const file of files) {
        const { history } = loadHistory(file);
        const type = history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? '';
        const context = contextOf[type] ?? 'restore';
        for (const event of history.events ?? []) {
          const scheduled = event.activityTaskScheduledEventAttributes;
          if (!scheduled) continue;
          const activity = scheduled.activityType?.name ?? '';
          const payload = scheduled.input?.payloads?.[0];
          assert.ok(payload, `${file}: ${activity} has no input`);
          const input = defaultPayloadConverter.fromPayload<Record<string, unknown>>(payload);
          const summary = activitySummary(activity, input, context);
          assert.ok(summary, `${file}: no summary for ${activity} ${JSON.stringify(input).slice(0, 200)}`);
          assert.ok(!summary.includes('\n') && summary.length <= MAX_SUMMARY_LENGTH, summary);
          const resource = [input.clusterId, input.snapshotIdentifier, input.copyIdentifier, input.connection].find(
            (v) => v !== undefined
          );
          const named =
            typeof resource === 'string'
              ? resource
              : ((resource as { clusterId?: string } | undefined)?.clusterId ??
                (input.event as { kind?: string } | undefined)?.kind);
          if (named) assert.ok(summary.includes(named), `${file}: "${summary}" does not name ${named}`);
          checked++;
          seen.add(activity);
        }
      }
      assert.ok(checked > 100, `expected many scheduled activities in ${files.length} histories, found ${checked}`);
      assert.ok(seen.size >= 10, `expected most activities in the histories, saw ${[...seen].join(', ')}`);
    });
  });
});
