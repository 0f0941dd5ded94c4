import assert from 'node:assert/strict';

import {
  buildSnapshotName,
  countSnapshots,
  explainNoSnapshotMatch,
  isCalendarDate,
  matchesSnapshotType,
  parseTemplate,
  pickLatestSnapshot,
  resolveSnapshotDate,
} from '../../src/domain/snapshot-selection';

import { snapshotInfo } from './fixtures';

describe('buildSnapshotName', () => {
  it('substitutes every placeholder', () => {
    assert.equal(
      buildSnapshotName('{cluster}-nightly-{date}-{yyyymmdd}', {
        date: '2026-01-05',
        clusterId: 'orders',
      }),
      'orders-nightly-2026-01-05-20260105'
    );
  });

  it('substitutes repeated placeholders', () => {
    assert.equal(buildSnapshotName('{date}-{date}', { date: '2026-01-05' }), '2026-01-05-2026-01-05');
  });

  it('leaves literal text untouched', () => {
    assert.equal(buildSnapshotName('aurora-snapshot-{date}', { date: '2025-12-31' }), 'aurora-snapshot-2025-12-31');
  });

  it('throws on unknown placeholders, stray braces, bad dates and a missing cluster', () => {
    assert.throws(() => buildSnapshotName('x-{env}-{date}', { date: '2026-01-05' }), /unknown placeholders/);
    assert.throws(() => buildSnapshotName('x-{date', { date: '2026-01-05' }), /stray braces/);
    assert.throws(() => buildSnapshotName('x-{date}', { date: '2026-13-01' }), /real YYYY-MM-DD day/);
    assert.throws(() => buildSnapshotName('{cluster}-{date}', { date: '2026-01-05' }), /uses \{cluster\}/);
  });
});

describe('parseTemplate', () => {
  it('lists known and unknown placeholders and stray braces', () => {
    assert.deepEqual(parseTemplate('{cluster}-{date}'), {
      placeholders: ['cluster', 'date'],
      unknown: [],
      strayBraces: false,
    });
    assert.deepEqual(parseTemplate('n-{Date}-{}'), {
      placeholders: [],
      unknown: ['Date', ''],
      strayBraces: false,
    });
    assert.equal(parseTemplate('n-}{date}').strayBraces, true);
    assert.equal(parseTemplate('plain').placeholders.length, 0);
  });
});

describe('dates', () => {
  it('isCalendarDate knows month lengths and leap years', () => {
    assert.equal(isCalendarDate('2024-02-29'), true);
    assert.equal(isCalendarDate('2025-02-29'), false);
    assert.equal(isCalendarDate('2000-02-29'), true);
    assert.equal(isCalendarDate('1900-02-29'), false);
    assert.equal(isCalendarDate('2026-04-31'), false);
    assert.equal(isCalendarDate('2026-00-10'), false);
    assert.equal(isCalendarDate('2026-1-10'), false);
  });

  it('resolveSnapshotDate resolves in UTC and refuses the future', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    assert.deepEqual(resolveSnapshotDate(undefined, now), {
      ok: true,
      date: '2025-12-31',
    });
    assert.deepEqual(resolveSnapshotDate('today', now), {
      ok: true,
      date: '2026-01-01',
    });
    assert.deepEqual(resolveSnapshotDate('2026-01-01', now), {
      ok: true,
      date: '2026-01-01',
    });
    const future = resolveSnapshotDate('2026-01-02', now);
    assert.equal(future.ok, false);
    assert.match(future.ok ? '' : future.reason, /in the future \(today is 2026-01-01 UTC\)/);
    assert.equal(resolveSnapshotDate('Yesterday', now).ok, false);
  });
});

describe('matchesSnapshotType', () => {
  it('treats shared snapshots as manual and any as everything', () => {
    assert.equal(matchesSnapshotType('manual', 'manual'), true);
    assert.equal(matchesSnapshotType('shared', 'manual'), true);
    assert.equal(matchesSnapshotType('automated', 'manual'), false);
    assert.equal(matchesSnapshotType('automated', 'automated'), true);
    assert.equal(matchesSnapshotType('shared', 'automated'), false);
    assert.equal(matchesSnapshotType('awsbackup', 'any'), true);
  });
});

describe('pickLatestSnapshot', () => {
  const older = snapshotInfo({ identifier: 'older', createdAt: '2026-03-13T03:00:00Z' });
  const newer = snapshotInfo({ identifier: 'newer', createdAt: '2026-03-14T03:00:00Z' });
  const newestCreating = snapshotInfo({
    identifier: 'creating',
    status: 'creating',
    createdAt: '2026-03-15T03:00:00Z',
  });
  const newestAutomated = snapshotInfo({
    identifier: 'rds:orders-2026-03-15-04-00',
    snapshotType: 'automated',
    createdAt: '2026-03-15T04:00:00Z',
  });

  it('returns the newest available snapshot, whatever the input order', () => {
    assert.equal(pickLatestSnapshot([older, newer, newestCreating], 'manual')?.identifier, 'newer');
    assert.equal(pickLatestSnapshot([newestCreating, newer, older], 'manual')?.identifier, 'newer');
  });

  it('filters by type', () => {
    const all = [older, newer, newestAutomated];
    assert.equal(pickLatestSnapshot(all, 'any')?.identifier, 'rds:orders-2026-03-15-04-00');
    assert.equal(pickLatestSnapshot(all, 'manual')?.identifier, 'newer');
    assert.equal(pickLatestSnapshot(all, 'automated')?.identifier, 'rds:orders-2026-03-15-04-00');
    assert.equal(pickLatestSnapshot(all)?.identifier, 'rds:orders-2026-03-15-04-00', 'default is any');
  });

  it('returns undefined when nothing is available', () => {
    assert.equal(pickLatestSnapshot([], 'any'), undefined);
    assert.equal(pickLatestSnapshot([newestCreating, snapshotInfo({ status: 'failed' })], 'any'), undefined);
  });

  it('ranks snapshots without a readable creation time last and breaks ties by identifier', () => {
    const undated = snapshotInfo({ identifier: 'zzz', createdAt: undefined });
    const garbled = snapshotInfo({ identifier: 'yyy', createdAt: 'yesterday-ish' });
    assert.equal(pickLatestSnapshot([undated, garbled, older], 'any')?.identifier, 'older');
    assert.equal(pickLatestSnapshot([undated, garbled], 'any')?.identifier, 'zzz');
    const a = snapshotInfo({ identifier: 'a', createdAt: '2026-03-14T03:00:00Z' });
    const b = snapshotInfo({ identifier: 'b', createdAt: '2026-03-14T03:00:00.000Z' });
    assert.equal(pickLatestSnapshot([b, a], 'any')?.identifier, 'b');
    assert.equal(pickLatestSnapshot([a, b], 'any')?.identifier, 'b');
  });
});

describe('explainNoSnapshotMatch', () => {
  it('says when there are no snapshots at all', () => {
    const text = explainNoSnapshotMatch([], 'any', 'cluster "orders" in us-east-1');
    assert.match(text, /^no available snapshot of cluster "orders" in us-east-1: it has no snapshots at all/);
    assert.match(text, /source\.clusterId/);
  });

  it('counts by status and type and suggests what to do', () => {
    const snapshots = [
      snapshotInfo({ status: 'creating', snapshotType: 'automated' }),
      snapshotInfo({ status: 'failed', snapshotType: 'automated' }),
      snapshotInfo({ status: 'creating', snapshotType: 'automated' }),
      snapshotInfo({ status: 'available', snapshotType: 'manual' }),
      snapshotInfo({ status: 'available', snapshotType: 'shared' }),
    ];
    assert.deepEqual(countSnapshots(snapshots, 'automated'), {
      total: 5,
      byStatus: { creating: 2, failed: 1 },
      otherTypes: { manual: 1, shared: 1 },
    });
    const text = explainNoSnapshotMatch(snapshots, 'automated', 'cluster "orders"');
    assert.ok(text.startsWith('no available automated snapshot of cluster "orders" among 5 snapshot(s): '), text);
    assert.ok(text.includes('3 automated snapshot(s) not available (2 creating, 1 failed)'), text);
    assert.ok(text.includes('2 of another type ignored (1 manual, 1 shared)'), text);
    assert.ok(text.includes('wait for the snapshot in progress'), text);
    assert.ok(text.includes('snapshotType to "any"'), text);
  });

  it('suggests a new snapshot when only failed ones exist', () => {
    const text = explainNoSnapshotMatch([snapshotInfo({ status: 'failed' })], 'any');
    assert.ok(text.includes('1 snapshot(s) not available (1 failed)'), text);
    assert.ok(text.includes('take a new snapshot'), text);
  });
});
