import assert from 'node:assert/strict';

import {
  instanceId,
  instanceIds,
  isCreatedByOperation,
  isManagedByPipeline,
  legacyInstanceId,
  legacyInstanceIds,
  pipelineTags,
  restoreWorkflowId,
  snapshotCopyId,
  TAG_MANAGED_BY,
  TAG_MANAGED_BY_VALUE,
  TAG_OPERATION_ID,
  TAG_SOURCE_SNAPSHOT,
} from '../../src/domain/naming';
import { rdsIdentifierProblem } from '../../src/domain/validate';

describe('naming', () => {
  describe('restoreWorkflowId', () => {
    it('is derived from the target, with the account when given', () => {
      assert.equal(restoreWorkflowId({ region: 'eu-west-1', clusterId: 'orders' }), 'aurora-restore/eu-west-1/orders');
      assert.equal(
        restoreWorkflowId({
          region: 'eu-west-1',
          clusterId: 'orders',
          accountId: '222222222222',
        }),
        'aurora-restore/222222222222/eu-west-1/orders'
      );
    });

    it('differs per target, so one restore runs per target', () => {
      const ids = new Set([
        restoreWorkflowId({ region: 'eu-west-1', clusterId: 'a' }),
        restoreWorkflowId({ region: 'eu-west-2', clusterId: 'a' }),
        restoreWorkflowId({ region: 'eu-west-1', clusterId: 'b' }),
      ]);
      assert.equal(ids.size, 3);
    });

    it('is the same for cluster ids that differ only in case, as RDS treats them as one cluster', () => {
      assert.equal(
        restoreWorkflowId({ region: 'eu-west-1', clusterId: 'Orders-Staging' }),
        restoreWorkflowId({ region: 'eu-west-1', clusterId: 'orders-staging' })
      );
    });
  });

  describe('snapshotCopyId', () => {
    it('is the target cluster, a fingerprint of the operation and -copy', () => {
      assert.match(snapshotCopyId('orders-staging', 'op-1-abc'), /^orders-staging-[0-9a-f]{8}-copy$/);
    });

    it('is a valid RDS identifier of at most 63 characters whatever the operation id holds', () => {
      for (const [cluster, op] of [
        ['orders-staging', 'op-1773568800000-0a1b2c3d'],
        ['a'.repeat(63), 'b'.repeat(64)],
        [`${'c'.repeat(48)}-tail`, 'op.with_dots--and__underscores'],
      ]) {
        const id = snapshotCopyId(cluster, op);
        assert.ok(id.length <= 63, `${id} is ${id.length} characters`);
        assert.equal(rdsIdentifierProblem(id), undefined, id);
      }
    });

    it('is deterministic and unique per operation', () => {
      assert.equal(snapshotCopyId('t', 'op-1'), snapshotCopyId('t', 'op-1'));
      assert.notEqual(snapshotCopyId('t', 'op-1'), snapshotCopyId('t', 'op-2'));
    });
  });

  describe('instanceId', () => {
    it('numbers the writer 1 and readers 2..N', () => {
      assert.deepEqual(instanceIds('orders', 3), ['orders-1', 'orders-2', 'orders-3']);
      assert.equal(instanceId('orders', 15), 'orders-16');
    });

    it('caps ids at 63 characters, keeping the suffix', () => {
      const cluster = 'a'.repeat(63);
      const ids = instanceIds(cluster, 16);
      for (const id of ids) assert.ok(id.length <= 63, `${id.length}`);
      assert.match(ids[0], /^a{52}-[0-9a-f]{8}-1$/);
      assert.match(ids[15], /^a{51}-[0-9a-f]{8}-16$/);
      assert.equal(new Set(ids).size, 16, 'ids stay distinct after truncation');
      for (const id of ids) assert.equal(rdsIdentifierProblem(id), undefined);
    });

    it('never leaves a double hyphen when truncation cuts at a hyphen', () => {
      const id = instanceId(`${'a'.repeat(51)}-bcdefghijk`, 0);
      assert.match(id, /^a{51}-[0-9a-f]{8}-1$/);
      assert.equal(rdsIdentifierProblem(id), undefined);
    });

    it('gives two long targets with the same prefix different ids (61 and 63 characters)', () => {
      const prefix = `orders-staging-${'x'.repeat(44)}`;
      const short = `${prefix}-a`; // 61 characters: "-1" fits, "-10" does not
      const long = `${prefix}-abc`; // 63 characters
      assert.equal(short.length, 61);
      assert.equal(long.length, 63);
      assert.equal(rdsIdentifierProblem(short), undefined);
      assert.equal(rdsIdentifierProblem(long), undefined);
      const a = instanceIds(short, 15);
      const b = instanceIds(long, 15);
      const shared = a.filter((id) => b.includes(id));
      assert.deepEqual(shared, [], `both targets would own ${shared.join(', ')}`);
      for (const id of [...a, ...b]) {
        assert.ok(id.length <= 63, id);
        assert.equal(rdsIdentifierProblem(id), undefined, id);
      }
      // The same cluster spelled in another case is the same cluster: same ids.
      assert.deepEqual(
        instanceIds(long.toUpperCase(), 2).map((id) => id.toLowerCase()),
        b.slice(0, 2)
      );
    });

    it('keeps the ids of every target that needed no truncation (recorded restores use them)', () => {
      for (const cluster of ['orders', 'a'.repeat(61), `${'b'.repeat(60)}`]) {
        assert.deepEqual(instanceIds(cluster, 9), legacyInstanceIds(cluster, 9), cluster);
      }
      assert.equal(instanceId('a'.repeat(61), 0), `${'a'.repeat(61)}-1`);
      assert.equal(instanceId('a'.repeat(60), 9), `${'a'.repeat(60)}-10`);
      // The old cut, kept for replay, is what collided.
      assert.equal(legacyInstanceId(`${'c'.repeat(60)}-x`, 0), legacyInstanceId(`${'c'.repeat(60)}-yz`, 0));
    });

    it('returns no ids for a count of 0', () => {
      assert.deepEqual(instanceIds('orders', 0), []);
    });
  });

  describe('tags', () => {
    it('adds the pipeline tags and lets them win over user tags', () => {
      const tags = pipelineTags('op-1', 'snap-1', {
        team: 'dba',
        [TAG_MANAGED_BY]: 'someone-else',
      });
      const map = Object.fromEntries(tags.map((t) => [t.Key, t.Value]));
      assert.deepEqual(map, {
        team: 'dba',
        [TAG_MANAGED_BY]: TAG_MANAGED_BY_VALUE,
        [TAG_OPERATION_ID]: 'op-1',
        [TAG_SOURCE_SNAPSHOT]: 'snap-1',
      });
      assert.equal(tags.filter((t) => t.Key === TAG_MANAGED_BY).length, 1);
    });

    it('truncates the source snapshot tag value to 256 characters', () => {
      const arn = `arn:aws:rds:us-east-1:111111111111:cluster-snapshot:${'s'.repeat(300)}`;
      const value = pipelineTags('op', arn).find((t) => t.Key === TAG_SOURCE_SNAPSHOT)?.Value;
      assert.equal(value?.length, 256);
    });

    it('recognizes resources the pipeline created', () => {
      const tags = pipelineTags('op-1', 'snap');
      assert.equal(isManagedByPipeline(tags), true);
      assert.equal(isCreatedByOperation(tags, 'op-1'), true);
      assert.equal(isCreatedByOperation(tags, 'op-2'), false);
    });

    it('refuses untagged or foreign resources', () => {
      assert.equal(isManagedByPipeline(undefined), false);
      assert.equal(isManagedByPipeline([]), false);
      assert.equal(isManagedByPipeline([{ Key: TAG_MANAGED_BY, Value: 'terraform' }]), false);
      assert.equal(isManagedByPipeline([{ Key: 'managed-by', Value: TAG_MANAGED_BY_VALUE }]), false);
      // An operation tag alone is not enough: the managed-by tag must be there too.
      assert.equal(isCreatedByOperation([{ Key: TAG_OPERATION_ID, Value: 'op-1' }], 'op-1'), false);
    });
  });
});
