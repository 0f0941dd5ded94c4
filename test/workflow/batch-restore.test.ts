/**
 * `batchRestore` on the time-skipping server with the real restore worker (moto behind the AWS simulator): six
 * targets, at most two at a time, an order, a failing target with a retry, and a dependent that is skipped.
 */
import assert from 'node:assert/strict';

import { CreateDBClusterSnapshotCommand } from '@aws-sdk/client-rds';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';

import type { BatchRestoreRequest } from '../../src/domain/batch';
import type { RestoreRequest } from '../../src/domain/request';
import type { auroraRestore } from '../../src/workflows';
import { batchRestore } from '../../src/workflows';
import { batchProgressQuery } from '../../src/workflows/batch-restore';
import type { BatchReport } from '../../src/workflows/batch-restore';
import type { RestoreResult } from '../../src/workflows/messages';
import { useWorkflowEnvironment } from '../support/fixtures/workflow';
import { recordHistory } from '../support/histories';
import {
  addMemberInstance,
  clusterExists as motoClusterExists,
  motoClients,
  seedManagedCluster,
  seedSourceCluster,
  seedSourceSnapshot,
  uniqueName,
} from '../support/moto';

const REGION = 'eu-central-1';
/** Destination of the cross-Region targets. */
const COPY_REGION = 'eu-west-1';
const TIMINGS = { clusterRestore: 20 * 60_000, instanceCreate: 10 * 60_000 };

describe('batchRestore (time-skipping server, real restore worker, simulated AWS timing)', function () {
  this.timeout(240_000);
  const fixture = useWorkflowEnvironment();

  /** Most targets restored at the same time, from the report's start and end times. */
  function maxOverlap(report: BatchReport): number {
    const edges = report.targets
      .filter((t) => t.startedAt && t.endedAt)
      .flatMap((t) => [
        { at: Date.parse(t.startedAt as string), delta: 1 },
        { at: Date.parse(t.endedAt as string), delta: -1 },
      ])
      .sort((a, b) => a.at - b.at || a.delta - b.delta);
    let now = 0;
    let max = 0;
    for (const e of edges) max = Math.max(max, (now += e.delta));
    return max;
  }

  it('restores 6 targets 2 at a time, in order, retries a failure, skips its dependent and reports', async () => {
    const { clusterId: sourceId } = await seedSourceSnapshot({ region: REGION, prefix: 'batch-src' });
    const w = await fixture.createWorker({ timings: TIMINGS });
    const prefix = uniqueName('b');
    const request = (name: string): RestoreRequest => ({
      source: { region: REGION, clusterId: sourceId, snapshot: `${sourceId}-snap` },
      target: { region: REGION, clusterId: `${prefix}-${name}` },
      timing: { pollInterval: '30s' },
    });
    const batch: BatchRestoreRequest = {
      name: `${prefix}-nightly`,
      concurrency: 2,
      retries: 1,
      targets: [
        { name: 'auth', request: request('auth') },
        { name: 'app', request: request('app'), after: ['auth'] },
        { name: 'reports', request: request('reports') },
        { name: 'broken', request: request('broken') },
        { name: 'broken-child', request: request('broken-child'), after: ['broken'] },
        { name: 'search', request: request('search') },
      ],
    };
    // RDS gives up on one target's restore after 5 minutes, on every attempt.
    await w.sim.forceStatus({
      kind: 'cluster',
      id: `${prefix}-broken`,
      status: 'incompatible-restore',
      after: 5 * 60_000,
    });

    const { error, progress, handle } = await w.worker.runUntil(async () => {
      const h = await fixture.env.client.workflow.start(batchRestore, {
        taskQueue: w.taskQueue,
        workflowId: `aurora-restore-batch/${batch.name}`,
        args: [batch],
      });
      const err = await h.result().then(
        () => undefined,
        (e: unknown) => e
      );
      return { error: err, progress: await h.query(batchProgressQuery), handle: h };
    });

    assert.ok(error instanceof WorkflowFailedError, 'a batch with a failed target fails');
    const cause = error.cause;
    assert.ok(cause instanceof ApplicationFailure);
    assert.equal(cause.type, 'BatchRestoreFailed');
    assert.match(cause.message, /4 of 6 target\(s\) succeeded/);
    const report = (cause.details?.[0] as { report: BatchReport }).report;
    assert.equal(report.status, 'partial');
    const byName = Object.fromEntries(report.targets.map((t) => [t.name, t]));
    assert.deepEqual(
      report.targets.map((t) => [t.name, t.status]),
      [
        ['auth', 'succeeded'],
        ['app', 'succeeded'],
        ['reports', 'succeeded'],
        ['broken', 'failed'],
        ['broken-child', 'skipped'],
        ['search', 'succeeded'],
      ]
    );
    assert.equal(byName.broken.attempts, 2, 'the failed target was retried once');
    assert.equal(byName.broken.failure?.type, 'ClusterRestoreFailed');
    assert.match(byName['broken-child'].reason ?? '', /"broken" did not succeed/);
    assert.ok(Date.parse(byName.app.startedAt ?? '') >= Date.parse(byName.auth.endedAt ?? ''), 'app waits for auth');
    assert.equal(maxOverlap(report), 2, 'two at a time, never more');
    assert.ok(byName.auth.writerEndpoint?.includes(`${prefix}-auth`));
    assert.deepEqual(progress, report, 'the batchProgress query shows the same report');

    // Each target was its own restore: the succeeded ones exist, the failed one was cleaned up, the skipped never made.
    const exists = (id: string) => motoClusterExists(REGION, id);
    for (const name of ['auth', 'app', 'reports', 'search'])
      assert.equal(await exists(`${prefix}-${name}`), true, name);
    assert.equal(await exists(`${prefix}-broken`), false);
    assert.equal(await exists(`${prefix}-broken-child`), false);
    await recordHistory('batch-restore-partial', handle);
  });

  it('shares the copy slots of the destination Region: three cross-Region targets copy one at a time', async () => {
    const { clusterId: sourceId } = await seedSourceSnapshot({ region: REGION, prefix: 'batch-xr' });
    // One slot, as if four of the five RDS allows were taken by other copies in that Region.
    const w = await fixture.createWorker({ timings: TIMINGS, maxConcurrentCopies: 1 });
    const prefix = uniqueName('xr');
    const targets = ['orders', 'billing', 'users'].map((name) => ({
      name,
      request: {
        source: { region: REGION, clusterId: sourceId, snapshot: `${sourceId}-snap` },
        target: { region: COPY_REGION, clusterId: `${prefix}-${name}` },
        timing: { pollInterval: '30s' },
      } satisfies RestoreRequest,
    }));
    const report = await w.worker.runUntil(
      fixture.env.client.workflow.execute(batchRestore, {
        taskQueue: w.taskQueue,
        workflowId: `aurora-restore-batch/${prefix}`,
        args: [{ name: prefix, concurrency: 3, targets }],
      })
    );
    assert.deepEqual(
      report.targets.map((t) => t.status),
      ['succeeded', 'succeeded', 'succeeded']
    );
    assert.equal(maxOverlap(report), 3, 'the three restores ran at the same time');
    const copies = w.sim.operations({ kind: 'snapshot', op: 'copy', region: COPY_REGION });
    // The region's copy-slot queue grants the one slot to one restore at a time: no copy is cancelled after a race.
    assert.equal(copies.length, 3, 'three copies started');
    assert.ok(
      copies.every((c) => c.endMs - c.startMs >= w.sim.timings.snapshotCopy),
      'each ran to the end'
    );
    copies.sort((a, b) => a.startMs - b.startMs);
    for (let i = 1; i < copies.length; i += 1) {
      assert.ok(
        copies[i].startMs >= copies[i - 1].endMs,
        `copy ${copies[i].id} started before ${copies[i - 1].id} had finished`
      );
    }
    assert.equal(w.sim.calls().CopyDBClusterSnapshotCommand, 3, 'no copy call was refused');
    assert.equal(w.sim.calls().DeleteDBClusterSnapshotCommand, 3, 'only the cleanup deleted the copies');
  });

  it('refuses a batch with a bad target, a cycle and a duplicate before starting anything', async () => {
    const w = await fixture.createWorker();
    const good: RestoreRequest = {
      source: { region: REGION, snapshot: 'snap-1' },
      target: { region: REGION, clusterId: 'batch-a' },
    };
    const batch = {
      targets: [
        { name: 'a', request: good, after: ['b'] },
        { name: 'b', request: { ...good, target: { region: REGION, clusterId: 'batch-b' } }, after: ['a'] },
        { name: 'c', request: good },
        { name: 'd', request: { ...good, target: { region: 'nowhere', clusterId: 'batch-d' } } },
      ],
    };
    const error = await w.worker.runUntil(
      fixture.env.client.workflow
        .execute(batchRestore, { taskQueue: w.taskQueue, workflowId: uniqueName('batch-bad'), args: [batch] })
        .then(
          () => undefined,
          (e: unknown) => e
        )
    );
    assert.ok(error instanceof WorkflowFailedError);
    const cause = error.cause as ApplicationFailure;
    assert.equal(cause.type, 'InvalidBatchRequest');
    assert.match(cause.message, /targets\[3\]\.request\.target\.region/);
    assert.match(cause.message, /"a" and "c" restore the same cluster/);
    assert.match(cause.message, /the order has a cycle \(a -> b -> a\)/);
    assert.equal(w.sim.callCount(), 0, 'no AWS call');
  });

  it('restores every kind of source in one batch, replacing by swap and by delete-first, and into a new target', async () => {
    // A live source with an instance (a clone needs one) and an AWS Backup recovery point of it.
    const sourceId = uniqueName('live');
    await seedSourceCluster({ region: REGION, clusterId: sourceId });
    await addMemberInstance(REGION, sourceId, `${sourceId}-1`, { managed: false });
    const backupId = `awsbackup:job-${uniqueName('9f8e')}`;
    const backup = await motoClients(REGION).rds.send(
      new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: sourceId, DBClusterSnapshotIdentifier: backupId })
    );
    const prefix = uniqueName('kinds');
    for (const existing of ['pitr', 'clone']) await seedManagedCluster(REGION, `${prefix}-${existing}`);
    const w = await fixture.createWorker({ timings: TIMINGS });
    const target = (name: string) => ({ region: REGION, clusterId: `${prefix}-${name}` });
    const batch: BatchRestoreRequest = {
      name: `${prefix}-kinds`,
      concurrency: 3,
      targets: [
        {
          name: 'pitr',
          request: {
            source: { region: REGION, pointInTime: { clusterId: sourceId, latest: true } },
            target: target('pitr'),
            replace: { existing: true, strategy: 'delete-first' },
          },
        },
        {
          name: 'clone',
          request: {
            source: { region: REGION, clone: { clusterId: sourceId } },
            target: target('clone'),
            replace: { existing: true, strategy: 'swap' },
          },
        },
        {
          name: 'backup',
          request: {
            source: { region: REGION, snapshot: backup.DBClusterSnapshot!.DBClusterSnapshotArn! },
            target: target('backup'),
          },
        },
      ],
    };
    const { report, results } = await w.worker.runUntil(async () => {
      const h = await fixture.env.client.workflow.start(batchRestore, {
        taskQueue: w.taskQueue,
        workflowId: `aurora-restore-batch/${batch.name}`,
        args: [batch],
      });
      const done = await h.result();
      // Each target is a restore of its own: its result says how it ran.
      const byName: Record<string, RestoreResult> = {};
      for (const t of done.targets) {
        byName[t.name] = await fixture.env.client.workflow.getHandle<typeof auroraRestore>(t.workflowId).result();
      }
      return { report: done, results: byName };
    });
    assert.equal(report.status, 'succeeded', JSON.stringify(report.targets));
    const steps = (name: string) => results[name].steps.filter((s) => s.status === 'completed').map((s) => s.name);
    assert.ok(
      steps('pitr').includes('delete-target') && !steps('pitr').includes('rename-into-target'),
      steps('pitr').join()
    );
    assert.ok(
      steps('clone').includes('rename-into-target') && !steps('clone').includes('delete-target'),
      steps('clone').join()
    );
    assert.equal(w.sim.calls().RestoreDBClusterToPointInTimeCommand, 2, 'the point in time and the clone');
    assert.equal(results.pitr.sourceCluster?.kind, 'point-in-time');
    assert.equal(results.clone.sourceCluster?.kind, 'clone');
    assert.equal(results.backup.snapshot?.snapshotType, 'awsbackup');
    for (const name of ['pitr', 'clone', 'backup'])
      assert.equal(await motoClusterExists(REGION, `${prefix}-${name}`), true);
    assert.equal(await motoClusterExists(REGION, sourceId), true, 'the source is untouched');
  });
});
