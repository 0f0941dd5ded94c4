/**
 * The simulator's pure parts: timings, operation phases, forced statuses, fault rules and the SDK errors it builds.
 * The middleware against a real moto server is covered in test/moto/sim.test.ts.
 */
import assert from 'node:assert/strict';

import {
  DBClusterNotFoundFault,
  DBInstanceNotFoundFault,
  InvalidDBClusterStateFault,
  RDSServiceException,
} from '@aws-sdk/client-rds';
import { ResourceNotFoundException, SecretsManagerServiceException } from '@aws-sdk/client-secrets-manager';
import { SNSServiceException } from '@aws-sdk/client-sns';

import { AwsSimulator, DEFAULT_SIM_TIMINGS, scaled } from '../../sim/aws-simulator';
import { simError } from '../../sim/errors';
import { FaultRegistry } from '../../sim/faults';
import { Timeline, copyPercent, progressOf } from '../../sim/timeline';
import type { Activity } from '../../sim/timeline';
import { resolveTimings } from '../../sim/timings';

const MIN = 60_000;

describe('sim timings', () => {
  it('defaults to typical Aurora durations', () => {
    assert.deepEqual(resolveTimings(), {
      snapshotCopy: 20 * MIN,
      clusterRestore: 40 * MIN,
      clusterClone: 5 * MIN,
      instanceCreate: 10 * MIN,
      instanceDelete: 5 * MIN,
      clusterDelete: 5 * MIN,
      masterCredentialsReset: 2 * MIN,
      clusterModify: 3 * MIN,
      clusterStop: 5 * MIN,
      clusterStart: 5 * MIN,
      clusterRename: 2 * MIN,
      instanceRename: 10 * MIN,
    });
    assert.equal(resolveTimings({ snapshotCopy: 1000 }).snapshotCopy, 1000);
    assert.equal(resolveTimings({ snapshotCopy: 1000 }).clusterRestore, DEFAULT_SIM_TIMINGS.clusterRestore);
  });

  it('scales every duration', () => {
    const fast = scaled(1 / 600);
    assert.equal(fast.clusterRestore, 4000);
    assert.equal(fast.snapshotCopy, 2000);
    assert.equal(scaled(2, { instanceCreate: 1000 }).instanceCreate, 2000);
  });

  it('rejects negative or unknown timings', () => {
    assert.throws(() => resolveTimings({ snapshotCopy: -1 }), RangeError);
    assert.throws(() => scaled(Number.NaN), RangeError);
    assert.throws(() => resolveTimings({ nope: 1 } as never), /Unknown simulator timing 'nope'/);
    assert.throws(() => new AwsSimulator({ clock: () => 0, timings: { clusterDelete: -5 } }), RangeError);
  });
});

describe('sim timeline', () => {
  const copy: Activity = {
    kind: 'snapshot',
    account: '1',
    region: 'r',
    id: 'c',
    op: 'copy',
    startMs: 1000,
    endMs: 1000 + 100 * MIN,
  };

  it('copies go creating -> copying with linear percent -> available', () => {
    const at = (min: number) => progressOf(copy, 1000 + min * MIN);
    assert.deepEqual([at(0).status, copyPercent(at(0))], ['creating', 0]);
    assert.deepEqual([at(4).status, copyPercent(at(4))], ['creating', 0]);
    assert.deepEqual([at(5).status, copyPercent(at(5))], ['copying', 5]);
    assert.deepEqual([at(50).status, copyPercent(at(50))], ['copying', 50]);
    assert.deepEqual([at(99.9).status, copyPercent(at(99.9))], ['copying', 99]);
    assert.deepEqual([at(100).status, copyPercent(at(100)), at(100).done], ['available', 100, true]);
  });

  it('restores, instance creations and deletions follow the AWS status sequences', () => {
    const restore: Activity = { ...copy, kind: 'cluster', op: 'restore' };
    const create: Activity = { ...copy, kind: 'instance', op: 'create' };
    const del: Activity = { ...copy, kind: 'instance', op: 'delete' };
    const statuses = (a: Activity) => [0, 50, 80, 89, 90, 99, 100].map((m) => progressOf(a, 1000 + m * MIN).status);
    assert.deepEqual(statuses(restore), [
      'creating',
      'creating',
      'creating',
      'creating',
      'backing-up',
      'backing-up',
      'available',
    ]);
    assert.deepEqual(statuses(create), [
      'creating',
      'creating',
      'backing-up',
      'configuring-enhanced-monitoring',
      'configuring-enhanced-monitoring',
      'configuring-enhanced-monitoring',
      'available',
    ]);
    assert.deepEqual(statuses(del).slice(0, 6), Array(6).fill('deleting'));
    assert.equal(progressOf(del, 1000 + 100 * MIN).done, true);
  });

  it('a zero duration completes at once', () => {
    assert.equal(progressOf({ ...copy, endMs: copy.startMs }, copy.startMs).done, true);
  });

  it('forced statuses count `after` from the operation start, or from registration without one', () => {
    const timeline = new Timeline();
    timeline.start(copy);
    timeline.force({ kind: 'snapshot', id: 'C', status: 'failed', after: 10 * MIN }, 0);
    assert.equal(timeline.forcedStatus(copy, 1000 + 9 * MIN), undefined);
    assert.equal(timeline.forcedStatus(copy, 1000 + 10 * MIN), 'failed');
    timeline.force({ kind: 'cluster', id: 'x', status: 'inaccessible-encryption-credentials', region: 'r' }, 500);
    const cluster = { kind: 'cluster' as const, account: '1', region: 'r', id: 'x' };
    assert.equal(timeline.forcedStatus(cluster, 499), undefined);
    assert.equal(timeline.forcedStatus(cluster, 500), 'inaccessible-encryption-credentials');
    assert.equal(timeline.forcedStatus({ ...cluster, region: 'other' }, 500), undefined);
  });

  it('tracks deletions in progress only', () => {
    const timeline = new Timeline();
    const del: Activity = { ...copy, kind: 'cluster', op: 'delete', endMs: copy.startMs + MIN };
    timeline.start(del);
    assert.equal(timeline.deleting(del, copy.startMs + 1)?.id, 'c');
    assert.deepEqual(
      timeline.allDeleting('cluster', '1', 'r', copy.startMs).map((a) => a.id),
      ['c']
    );
    assert.equal(timeline.deleting(del, copy.startMs + MIN), undefined);
    assert.deepEqual(timeline.allDeleting('cluster', '1', 'r', copy.startMs + MIN), []);
  });
});

describe('sim faults', () => {
  it('fails the given number of matching attempts, in rule order', () => {
    const faults = new FaultRegistry();
    const a = faults.add({ command: 'CopyDBClusterSnapshotCommand', error: 'Throttling', times: 2 });
    const b = faults.add({ command: '*', error: 'InternalFailure', match: (input) => input.Id === 'x' });
    assert.equal(faults.take('DescribeDBClustersCommand', {}), undefined);
    assert.equal(faults.take('CopyDBClusterSnapshotCommand', {})?.error, 'Throttling');
    assert.equal(faults.take('CopyDBClusterSnapshotCommand', { Id: 'x' })?.error, 'Throttling');
    assert.equal(faults.take('CopyDBClusterSnapshotCommand', { Id: 'x' })?.error, 'InternalFailure');
    assert.equal(faults.take('CopyDBClusterSnapshotCommand', { Id: 'x' }), undefined);
    assert.deepEqual([a.triggered, a.remaining, b.triggered, b.remaining], [2, 0, 1, 0]);
  });

  it('rejects malformed rules', () => {
    const faults = new FaultRegistry();
    assert.throws(() => faults.add({ command: 'X', error: 'Throttling', times: 0 }), RangeError);
    assert.throws(() => faults.add({ command: '', error: 'Throttling' }), /command is required/);
  });
});

describe('sim errors', () => {
  it('builds modeled RDS exceptions by class name or wire code, with the modeled status', () => {
    const notFound = simError('rds', 'DBClusterNotFoundFault', { message: 'DBCluster x not found.' });
    assert.ok(notFound instanceof DBClusterNotFoundFault);
    assert.ok(notFound instanceof RDSServiceException);
    assert.equal(notFound.name, 'DBClusterNotFoundFault');
    assert.equal(notFound.message, 'DBCluster x not found.');
    assert.equal(notFound.$fault, 'client');
    assert.equal(notFound.$metadata.httpStatusCode, 404);

    const byWire = simError('rds', 'DBInstanceNotFound');
    assert.ok(byWire instanceof DBInstanceNotFoundFault);
    assert.equal(byWire.name, 'DBInstanceNotFoundFault');

    const state = simError('rds', 'InvalidDBClusterStateFault');
    assert.ok(state instanceof InvalidDBClusterStateFault);
    assert.equal(state.$metadata.httpStatusCode, 400);
  });

  it('builds throttling and server errors as the SDK does for unmodeled codes', () => {
    const throttle = simError('rds', 'Throttling');
    assert.ok(throttle instanceof RDSServiceException);
    assert.equal(throttle.name, 'Throttling');
    assert.equal(throttle.message, 'Rate exceeded');
    assert.equal(throttle.$metadata.httpStatusCode, 400);
    assert.deepEqual(throttle.$retryable, { throttling: true });
    assert.equal(throttle.$fault, 'client');

    const internal = simError('rds', 'InternalFailure');
    assert.equal(internal.name, 'InternalFailure');
    assert.equal(internal.$metadata.httpStatusCode, 500);
    assert.equal(internal.$fault, 'server');
    assert.equal(internal.$retryable, undefined);

    assert.equal(simError('rds', 'InternalFailure', { httpStatus: 503 }).$metadata.httpStatusCode, 503);
  });

  it('uses the right service base class', () => {
    assert.ok(simError('sns', 'Throttling') instanceof SNSServiceException);
    const missing = simError('secretsmanager', 'ResourceNotFoundException');
    assert.ok(missing instanceof ResourceNotFoundException);
    assert.ok(missing instanceof SecretsManagerServiceException);
  });
});

describe('AwsSimulator (no server)', () => {
  it('needs a clock returning numbers', async () => {
    assert.throws(() => new AwsSimulator({} as never), /needs a clock/);
    const sim = new AwsSimulator({ clock: () => Number.NaN });
    await assert.rejects(sim.now(), /clock returned NaN/);
    const asyncSim = new AwsSimulator({ clock: () => Promise.resolve(42) });
    assert.equal(await asyncSim.now(), 42);
  });
});
