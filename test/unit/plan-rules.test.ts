/**
 * The pure parts of the plan: every refusal to replace an existing target (the restore stops at the first, the plan
 * lists them all, in the same order), plan workflow ids, and validation problems split into field and message.
 */
import assert from 'node:assert/strict';

import type { ClusterInfo } from '../../src/domain/aws-shapes';
import { TAG_MANAGED_BY, TAG_MANAGED_BY_VALUE } from '../../src/domain/naming';
import { planWorkflowId, validationProblems } from '../../src/domain/plan';
import { checkReplaceAllowed, replaceRefusals } from '../../src/domain/restore-plan';
import { RequestValidationError, validateRestoreRequest } from '../../src/domain/validate';

import { minimalRequest, validateOptions } from './fixtures';

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
