import assert from 'node:assert/strict';

import { resolveUiBaseUrl, workflowUrl } from '../../src/client/connection';
import {
  formatCancelNotice,
  formatElapsed,
  formatFailure,
  formatObservation,
  formatProgressEvent,
  formatRestoreList,
  formatDatabaseOutcome,
  formatResult,
  formatStepLine,
  STEP_NAME_WIDTH,
} from '../../src/client/format';
import type { RestoreProgress, RestoreResult } from '../../src/workflows/messages';

describe('client output formatting', () => {
  it('formats elapsed times for people', () => {
    assert.equal(formatElapsed(0), '0.0s');
    assert.equal(formatElapsed(1234), '1.2s');
    assert.equal(formatElapsed(9999), '9.9s');
    assert.equal(formatElapsed(12_300), '12s');
    assert.equal(formatElapsed(185_000), '3m 05s');
    assert.equal(formatElapsed(2 * 3600_000 + 7 * 60_000), '2h 07m');
    assert.equal(formatElapsed(27 * 3600_000), '1d 03h');
    assert.equal(formatElapsed(-5), '0.0s');
  });

  it('formats a completed step as mark, aligned name, duration and detail', () => {
    const line = formatStepLine({
      name: 'find-snapshot',
      status: 'completed',
      startedAt: '2026-11-25T03:00:00.000Z',
      endedAt: '2026-11-25T03:00:01.200Z',
      durationMs: 1200,
      detail: 'rds:prod-2026-11-25-03-00',
    });
    assert.equal(line, `✓ ${'find-snapshot'.padEnd(STEP_NAME_WIDTH)}    1.2s  rds:prod-2026-11-25-03-00`);
    assert.ok(line.startsWith('✓ find-snapshot '));
    assert.ok(line.endsWith('1.2s  rds:prod-2026-11-25-03-00'));
  });

  it('formats failed, skipped and running steps', () => {
    assert.equal(
      formatStepLine({ name: 'wait-for-cluster', status: 'failed', startedAt: 'x', durationMs: 723_000 }),
      `✗ ${'wait-for-cluster'.padEnd(STEP_NAME_WIDTH)} 12m 03s`
    );
    assert.equal(
      formatStepLine({
        name: 'copy-snapshot',
        status: 'skipped',
        startedAt: 'x',
        durationMs: 0,
        detail: 'same region',
      }),
      `- ${'copy-snapshot'.padEnd(STEP_NAME_WIDTH)} skipped  same region`
    );
    assert.equal(
      formatStepLine(
        { name: 'restore-cluster', status: 'running', startedAt: '2026-11-25T03:00:00.000Z' },
        new Date('2026-11-25T03:01:05.000Z')
      ),
      `… ${'restore-cluster'.padEnd(STEP_NAME_WIDTH)} ${'1m 05s'.padStart(7)}  running`
    );
  });

  it('aligns the duration column for every step name', () => {
    const names = ['validate-request', 'delete-snapshot-copy', 'check-target'];
    const lines = names.map((name) => formatStepLine({ name, status: 'completed', startedAt: 'x', durationMs: 300 }));
    const columns = new Set(lines.map((l) => l.indexOf('0.3s')));
    assert.equal(columns.size, 1);
  });

  it('formats observations and progress events', () => {
    const obs = {
      resource: 'snapshot-copy' as const,
      id: 'c-1-copy',
      status: 'creating',
      percentProgress: 42,
      observedAt: 'x',
    };
    assert.equal(formatObservation(obs), '    AWS: snapshot-copy c-1-copy is creating (42%)');
    assert.equal(
      formatProgressEvent({ kind: 'observation', observation: { ...obs, percentProgress: undefined } }),
      '    AWS: snapshot-copy c-1-copy is creating'
    );
    assert.equal(
      formatProgressEvent({ kind: 'step-started', step: { name: 'wait-for-copy', status: 'running', startedAt: 'x' } }),
      '… wait-for-copy'
    );
    assert.match(formatProgressEvent({ kind: 'status', status: 'cleaning-up' }) ?? '', /Cleaning up/);
    assert.equal(formatProgressEvent({ kind: 'status', status: 'succeeded' }), undefined);
  });

  it('prints endpoints, port and the Web UI link after a success', () => {
    const result: RestoreResult = {
      operationId: 'op-1-abcdef01',
      workflowId: 'aurora-restore/us-west-2/orders-staging',
      status: 'succeeded',
      snapshot: {
        identifier: 'rds:orders-2026-11-25-03-00',
        arn: 'arn',
        region: 'us-east-1',
        accountId: '111111111111',
        engine: 'aurora-postgresql',
        status: 'available',
        snapshotType: 'automated',
        encrypted: true,
      },
      target: {
        clusterId: 'orders-staging',
        region: 'us-west-2',
        clusterArn: 'arn:c',
        engine: 'aurora-postgresql',
        engineVersion: '16.4',
      },
      endpoints: {
        writerEndpoint: 'orders-staging.cluster-abc.us-west-2.rds.amazonaws.com',
        readerEndpoint: 'orders-staging.cluster-ro-abc.us-west-2.rds.amazonaws.com',
        port: 5432,
        instances: [
          { instanceId: 'orders-staging-1', role: 'writer', status: 'available', instanceClass: 'db.r6g.large' },
        ],
      },
      snapshotCopy: { identifier: 'orders-staging-0a1b2c3d-copy', kept: false },
      masterPassword: { mode: 'managed', managedSecretArn: 'arn:aws:secretsmanager:us-west-2:1:secret:rds!cluster' },
      replacedExistingCluster: true,
      steps: [],
      durationMs: 1_392_000,
    };
    const lines = formatResult(result, 'http://ui/x');
    assert.equal(lines[0], '✓ Restore succeeded in 23m 12s');
    assert.ok(lines.includes('  Writer:     orders-staging.cluster-abc.us-west-2.rds.amazonaws.com'));
    assert.ok(lines.includes('  Reader:     orders-staging.cluster-ro-abc.us-west-2.rds.amazonaws.com'));
    assert.ok(lines.includes('  Port:       5432'));
    assert.ok(lines.some((l) => l.includes('orders-staging-1 (writer, db.r6g.large, available)')));
    assert.ok(lines.some((l) => l.includes('copy orders-staging-0a1b2c3d-copy deleted')));
    assert.ok(lines.some((l) => l.includes('(replaced the existing cluster)')));
    assert.equal(lines[lines.length - 1], '  Web UI:     http://ui/x');
  });

  it('prints what the database steps did and each verification check', () => {
    const lines = formatDatabaseOutcome({
      users: [{ name: 'orders_app', action: 'created', role: 'read-write', privileges: ['SELECT'], scope: ['public'] }],
      sanitization: [
        {
          name: 'mask',
          source: 'sql',
          statements: 2,
          rowsAffected: 6,
          perStatement: [],
          transactional: true,
          durationMs: 3,
        },
      ],
      verification: {
        serverVersion: 'PostgreSQL 15.18 (Debian)',
        schemas: ['public'],
        tables: [{ schema: 'public', name: 'customers', rowEstimate: 3 }],
        tablesTruncated: false,
        checks: [
          { name: 'customers has at least 3 rows', passed: true, detail: '3 rows' },
          { name: 'no real emails', passed: false, detail: 'returned false' },
        ],
      },
    });
    assert.deepEqual(lines, [
      '  Users:      orders_app created (read-write)',
      '  Sanitized:  mask: 2 statement(s), 6 row(s) changed',
      '  Verified:   PostgreSQL 15.18; 1 schema(s), 1 table(s), ~3 row(s) estimated',
      '              ✓ customers has at least 3 rows: 3 rows',
      '              ✗ no real emails: returned false',
    ]);
    assert.deepEqual(formatDatabaseOutcome(undefined), []);
  });

  it('prints a failure with type, ARP code, step, cleanup and what to do', () => {
    const lines = formatFailure(
      {
        type: 'ClusterRestoreFailed',
        code: 'ARP-RESTORE-STATUS-001',
        step: 'wait-for-cluster',
        message: 'Cluster orders-staging went to incompatible-parameters.',
        cleanup: { removed: ['cluster orders-staging'], leftInPlace: [] },
        hint: 'Fix the cause described above, then start the restore again.',
      },
      'http://ui/y'
    );
    assert.deepEqual(lines, [
      '✗ Restore failed: ClusterRestoreFailed (ARP-RESTORE-STATUS-001) during wait-for-cluster',
      '  Cluster orders-staging went to incompatible-parameters.',
      '  Cleanup removed: cluster orders-staging',
      '  What to do: Fix the cause described above, then start the restore again.',
      '  Web UI: http://ui/y',
    ]);
  });

  it('lists restores as an aligned table', () => {
    const now = new Date('2026-11-25T04:00:00.000Z');
    const lines = formatRestoreList(
      [
        {
          workflowId: 'aurora-restore/us-west-2/orders-staging',
          runId: 'r1',
          executionStatus: 'RUNNING',
          startTime: new Date('2026-11-25T03:30:00.000Z'),
          taskQueue: 'aurora-restore',
          restoreStatus: 'running',
          step: 'wait-for-cluster',
          source: 'us-east-1/latest:orders',
        },
        {
          workflowId: 'aurora-restore/us-west-2/a',
          runId: 'r2',
          executionStatus: 'FAILED',
          startTime: new Date('2026-11-25T01:00:00.000Z'),
          closeTime: new Date('2026-11-25T01:00:05.000Z'),
          taskQueue: 'aurora-restore',
          restoreStatus: 'failed',
        },
      ],
      now
    );
    assert.equal(lines.length, 3);
    assert.match(lines[0], /^WORKFLOW ID +STATUS +RESTORE +STARTED +DURATION +SOURCE$/);
    assert.match(
      lines[1],
      /RUNNING +running: wait-for-cluster +2026-11-25 03:30:00 UTC +30m 00s +us-east-1\/latest:orders$/
    );
    assert.match(lines[2], /FAILED +failed +2026-11-25 01:00:00 UTC +5\.0s$/);
    assert.equal(lines[1].indexOf('RUNNING'), lines[2].indexOf('FAILED'));
    assert.deepEqual(formatRestoreList([], now), ['No restores found.']);
  });

  it('tells what a cancellation will do with what this run created', () => {
    const progress: RestoreProgress = {
      workflowId: 'w',
      status: 'running',
      steps: [{ name: 'delete-target', status: 'completed', startedAt: 'x', durationMs: 1 }],
      resources: { cluster: 'orders-staging', instances: [], snapshotCopy: 'orders-staging-1234abcd-copy' },
    };
    const lines = formatCancelNotice('w', 'r', 'wrong snapshot', progress);
    assert.equal(lines[0], 'Cancellation requested for w (run r).');
    assert.ok(lines.includes('  Reason: wrong snapshot'));
    assert.ok(lines.some((l) => l.includes('cluster orders-staging; snapshot copy orders-staging-1234abcd-copy')));
    assert.ok(lines.some((l) => l.includes('already deleted; cancelling does not bring it back')));
    assert.ok(formatCancelNotice('w', 'r', 'x').some((l) => l.includes('could not be listed')));
  });

  it('links runs in the Web UI and picks the UI for the address', () => {
    assert.equal(
      workflowUrl('http://localhost:8233', 'default', 'aurora-restore/us-west-2/orders', 'run-1'),
      'http://localhost:8233/namespaces/default/workflows/aurora-restore%2Fus-west-2%2Forders/run-1/history'
    );
    assert.equal(workflowUrl('https://x', 'ns', 'a/b'), 'https://x/namespaces/ns/workflows/a%2Fb');
    assert.equal(resolveUiBaseUrl({}, 'localhost:7233'), 'http://localhost:8233');
    assert.equal(resolveUiBaseUrl({}, 'prod.a2b3c.tmprl.cloud:7233'), 'https://cloud.temporal.io');
    assert.equal(resolveUiBaseUrl({}, 'us-east-1.aws.api.temporal.io:7233'), 'https://cloud.temporal.io');
    assert.equal(
      resolveUiBaseUrl({ TEMPORAL_UI_URL: 'https://temporal.example.com/' }, 'localhost:7233'),
      'https://temporal.example.com'
    );
  });
});
