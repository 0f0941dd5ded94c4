import assert from 'node:assert/strict';

import { resolveTargetArgument, shortTargetName, TargetArgumentError } from '../../src/client/targets';
import { restoreWorkflowId } from '../../src/domain/naming';

describe('client target arguments', () => {
  it('maps region/cluster to the workflow id naming derives', () => {
    const resolved = resolveTargetArgument('us-west-2/orders-staging');
    assert.equal(resolved.workflowId, 'aurora-restore/us-west-2/orders-staging');
    assert.equal(resolved.workflowId, restoreWorkflowId({ region: 'us-west-2', clusterId: 'orders-staging' }));
    assert.deepEqual(resolved.target, { region: 'us-west-2', clusterId: 'orders-staging' });
    assert.equal(resolved.short, 'us-west-2/orders-staging');
  });

  it('maps account/region/cluster, keeping the account in the id', () => {
    const resolved = resolveTargetArgument('222222222222/eu-west-1/orders');
    assert.equal(resolved.workflowId, 'aurora-restore/222222222222/eu-west-1/orders');
    assert.deepEqual(resolved.target, { accountId: '222222222222', region: 'eu-west-1', clusterId: 'orders' });
    assert.equal(resolved.short, '222222222222/eu-west-1/orders');
  });

  it('accepts full workflow ids, with or without account, and returns them unchanged', () => {
    for (const id of ['aurora-restore/us-east-1/orders', 'aurora-restore/123456789012/us-gov-west-1/orders-2']) {
      const resolved = resolveTargetArgument(id);
      assert.equal(resolved.workflowId, id);
    }
    assert.equal(resolveTargetArgument('  aurora-restore/us-east-1/a  ').workflowId, 'aurora-restore/us-east-1/a');
  });

  it('rejects shapes that are neither a target nor a workflow id, naming the accepted forms', () => {
    for (const bad of ['orders', 'a/b/c/d', 'aurora-restore/orders', '', 'aurora-restore/1/2/3/4']) {
      assert.throws(
        () => resolveTargetArgument(bad),
        (err: unknown) => {
          assert.ok(err instanceof TargetArgumentError, `${bad}: ${String(err)}`);
          assert.match(err.message, /<region>\/<cluster>/);
          return true;
        }
      );
    }
  });

  it('rejects bad parts with the reason for each', () => {
    assert.throws(() => resolveTargetArgument('useast1/orders'), /"useast1" is not an AWS region/);
    assert.throws(
      () => resolveTargetArgument('us-east-1/1orders'),
      /"1orders" is not a DB cluster identifier: it must start with a letter/
    );
    assert.throws(() => resolveTargetArgument('12345/us-east-1/orders'), /"12345" is not an AWS account id/);
    // Quotes can never reach a visibility query through a target.
    assert.throws(() => resolveTargetArgument("us-east-1/a'b"), /not a DB cluster identifier/);
  });

  it('formats the short name', () => {
    assert.equal(shortTargetName({ region: 'us-east-1', clusterId: 'a' }), 'us-east-1/a');
    assert.equal(
      shortTargetName({ region: 'us-east-1', clusterId: 'a', accountId: '111111111111' }),
      '111111111111/us-east-1/a'
    );
  });
});
