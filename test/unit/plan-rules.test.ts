/**
 * The pure parts of the plan: every refusal to replace an existing target (the restore stops at the first, the plan
 * lists them all, in the same order), plan workflow ids, and validation problems split into field and message.
 */
import assert from 'node:assert/strict';

import type { ClusterInfo } from '../../src/domain/aws-shapes';
import { TAG_MANAGED_BY, TAG_MANAGED_BY_VALUE } from '../../src/domain/naming';
import { planWorkflowId, validationProblems } from '../../src/domain/plan';
import type { RestoreRequest } from '../../src/domain/request';
import { checkReplaceAllowed, replaceRefusals, sourceClusterVerdict } from '../../src/domain/restore-plan';
import { RequestValidationError, validateRestoreRequest } from '../../src/domain/validate';

import { minimalRequest, snapshotInfo, validateOptions } from './fixtures';

function existing(overrides: Partial<ClusterInfo> = {}): ClusterInfo {
  return {
    identifier: 'orders-restore',
    arn: 'arn:aws:rds:us-east-1:123456789012:cluster:orders-restore',
    status: 'available',
    engine: 'aurora-postgresql',
    deletionProtection: false,
    tags: [{ Key: TAG_MANAGED_BY, Value: TAG_MANAGED_BY_VALUE }],
    members: [],
    ...overrides,
  };
}

describe('plan rules', () => {
  it('lists every reason an existing target may not be replaced; the restore refuses with the first', () => {
    const request = validateRestoreRequest(minimalRequest(), validateOptions());
    const cluster = existing({ tags: [], deletionProtection: true });
    const refusals = replaceRefusals(request, cluster);
    assert.deepEqual(
      refusals.map((r) => r.failure),
      ['TargetExists', 'NotManagedByPipeline', 'DeletionProtected']
    );
    assert.deepEqual(checkReplaceAllowed(request, cluster), refusals[0]);
  });

  it('allows replacing a managed, unprotected target when replace.existing is set', () => {
    const request = validateRestoreRequest({ ...minimalRequest(), replace: { existing: true } }, validateOptions());
    assert.deepEqual(replaceRefusals(request, existing()), []);
    assert.equal(checkReplaceAllowed(request, existing()), null);
    const protectedOk = validateRestoreRequest(
      { ...minimalRequest(), replace: { existing: true, disableDeletionProtection: true } },
      validateOptions()
    );
    assert.deepEqual(replaceRefusals(protectedOk, existing({ deletionProtection: true })), []);
  });

  it("refuses a delete-first replace of the snapshot's own cluster however the snapshot was named", () => {
    // The same rollback named by id and by ARN is refused like the one named by source.clusterId (which the
    // request validation already refuses: target.clusterId may not be the declared source cluster).
    const snapshot = snapshotInfo({
      identifier: 'orders-restore-snap',
      clusterId: 'orders-restore',
      region: 'us-east-1',
      accountId: '123456789012',
    });
    const target = { region: 'us-east-1', clusterId: 'orders-restore' };
    const requests = [
      { source: { region: 'us-east-1', snapshot: 'orders-restore-snap' }, target },
      { source: { region: 'us-east-1', snapshot: snapshot.arn }, target },
    ].map((r) =>
      validateRestoreRequest(
        { ...r, replace: { existing: true, strategy: 'delete-first' } } as RestoreRequest,
        validateOptions()
      )
    );
    for (const request of requests) {
      const refusals = replaceRefusals(request, existing(), snapshot);
      assert.deepEqual(
        refusals.map((r) => r.failure),
        ['RefusedSourceCluster'],
        JSON.stringify(request.source)
      );
      assert.match(refusals[0].message, /is not replaced: .*(taken from|source\.clusterId).*replace\.strategy: swap/);
    }
    assert.throws(
      () =>
        validateRestoreRequest(
          {
            source: { region: 'us-east-1', clusterId: 'orders-restore', selection: { strategy: 'latest' } },
            target,
            replace: { existing: true, strategy: 'delete-first' },
          },
          validateOptions()
        ),
      /target\.clusterId: "orders-restore" is the source cluster/
    );
    // Another cluster's snapshot, the same id in another region or account: a different cluster, replaced as usual.
    const request = requests[0];
    assert.deepEqual(replaceRefusals(request, existing(), snapshotInfo({ clusterId: 'orders-prod' })), []);
    assert.deepEqual(replaceRefusals(request, existing(), { ...snapshot, region: 'us-west-2' }), []);
    assert.deepEqual(replaceRefusals(request, existing(), { ...snapshot, accountId: '210987654321' }), []);
    // Identifiers are case-insensitive in RDS.
    assert.equal(
      checkReplaceAllowed(request, existing(), { ...snapshot, clusterId: 'ORDERS-RESTORE' })?.failure,
      'RefusedSourceCluster'
    );
  });

  it('allows a rollback only under a strategy that keeps the old cluster until the new one is verified', () => {
    const snapshot = snapshotInfo({ identifier: 's1', clusterId: 'orders-restore', accountId: '123456789012' });
    const target = { clusterId: 'orders-restore', region: 'us-east-1', accountId: '123456789012' };
    const deleteFirst = sourceClusterVerdict(target, { snapshot }, 'delete-first');
    assert.equal(deleteFirst?.kind, 'rollback');
    assert.equal(deleteFirst?.allowed, false);
    assert.match(deleteFirst?.reason ?? '', /automated backups and point-in-time window/);
    const swap = sourceClusterVerdict(target, { snapshot }, 'swap');
    assert.equal(swap?.allowed, true);
    assert.match(swap?.reason ?? '', /keeps it until the restored cluster is verified/);
    assert.equal(sourceClusterVerdict({ ...target, clusterId: 'other' }, { snapshot }, 'delete-first'), undefined);
    assert.equal(
      sourceClusterVerdict(target, { declared: { clusterId: 'orders-restore', region: 'us-east-1' } }, 'delete-first')
        ?.kind,
      'declared-source'
    );
  });

  it('refuses to replace a target with instances this pipeline did not create, naming them', () => {
    const request = validateRestoreRequest({ ...minimalRequest(), replace: { existing: true } }, validateOptions());
    const refusal = checkReplaceAllowed(request, existing({ unmanagedInstances: ['orders-restore-analytics'] }));
    assert.equal(refusal?.failure, 'UnmanagedInstance');
    assert.match(refusal?.message ?? '', /orders-restore-analytics\. Replacing the cluster would delete them/);
    assert.match(
      refusal?.message ?? '',
      /Delete them yourself .* or tag them aurora-restore:managed-by=aurora-restore/
    );
    assert.equal(checkReplaceAllowed(request, existing({ unmanagedInstances: [] })), null);
  });

  it('names plan workflows apart from the restore lock', () => {
    assert.equal(
      planWorkflowId({ region: 'us-west-2', clusterId: 'orders-staging' }, 'abc'),
      'aurora-restore-plan/us-west-2/orders-staging/abc'
    );
  });

  it('turns validation problems into field + message', () => {
    let problems: string[] = [];
    try {
      validateRestoreRequest({ source: { region: 'nowhere', snapshot: 's1' }, target: {} }, validateOptions());
    } catch (err) {
      assert.ok(err instanceof RequestValidationError);
      problems = err.problems;
    }
    const plan = validationProblems(problems);
    assert.ok(plan.length >= 3, JSON.stringify(plan));
    assert.ok(plan.every((p) => p.code === 'InvalidRequest'));
    const region = plan.find((p) => p.field === 'source.region');
    assert.match(region?.message ?? '', /^"nowhere" is not an AWS region code/);
    assert.deepEqual(validationProblems(['no field here']), [
      { code: 'InvalidRequest', field: 'request', message: 'no field here' },
    ]);
  });
});
