import assert from 'node:assert/strict';

import { buildListQuery, ListFilterError, visibilityString } from '../../src/client/list-query';

describe('client list queries', () => {
  it('always restricts to the restore workflow type', () => {
    assert.deepEqual(buildListQuery(), { query: "WorkflowType = 'auroraRestore'" });
  });

  it('escapes quotes and backslashes in string literals', () => {
    assert.equal(visibilityString('plain'), "'plain'");
    assert.equal(visibilityString("it's"), "'it\\'s'");
    assert.equal(visibilityString('a\\b'), "'a\\\\b'");
    // A value cannot close the literal and append a clause.
    assert.equal(visibilityString("x' OR WorkflowType != '"), "'x\\' OR WorkflowType != \\''");
    assert.equal(visibilityString("\\'"), "'\\\\\\''");
  });

  it('maps statuses to ExecutionStatus (and the restore status attribute for cleaning-up)', () => {
    const expected: [string, string][] = [
      ['running', "ExecutionStatus = 'Running'"],
      ['FAILED', "ExecutionStatus = 'Failed'"],
      ['succeeded', "ExecutionStatus = 'Completed'"],
      ['timed-out', "ExecutionStatus = 'TimedOut'"],
      ['cleaning-up', "ExecutionStatus = 'Running' AND AuroraRestoreStatus = 'cleaning-up'"],
    ];
    for (const [status, filter] of expected) {
      assert.equal(buildListQuery({ status }).query, `WorkflowType = 'auroraRestore' AND ${filter}`, status);
    }
  });

  it('refuses unknown statuses, listing the accepted ones', () => {
    assert.throws(
      () => buildListQuery({ status: "running' OR 1=1" }),
      (err: unknown) =>
        err instanceof ListFilterError && /use one of running, cleaning-up, completed, failed/.test(err.message)
    );
  });

  it('filters region/cluster on the target attribute (any account)', () => {
    assert.equal(
      buildListQuery({ target: 'us-west-2/orders-staging' }).query,
      "WorkflowType = 'auroraRestore' AND AuroraRestoreTarget = 'us-west-2/orders-staging'"
    );
  });

  it('filters account/region/cluster and workflow ids on the exact workflow id', () => {
    assert.equal(
      buildListQuery({ target: '222222222222/us-west-2/orders' }).query,
      "WorkflowType = 'auroraRestore' AND WorkflowId = 'aurora-restore/222222222222/us-west-2/orders'"
    );
    assert.equal(
      buildListQuery({ target: 'aurora-restore/us-west-2/orders', status: 'running' }).query,
      "WorkflowType = 'auroraRestore' AND ExecutionStatus = 'Running' AND WorkflowId = 'aurora-restore/us-west-2/orders'"
    );
  });

  it('leaves a bare cluster id to a client-side filter (keywords have no suffix match)', () => {
    assert.deepEqual(buildListQuery({ target: 'orders-staging' }), {
      query: "WorkflowType = 'auroraRestore'",
      clusterId: 'orders-staging',
    });
  });

  it('refuses targets that are not identifiers, so nothing unescaped can reach the query', () => {
    for (const target of ["orders' OR '1'='1", 'us-east-1/bad_name', 'a/b/c/d/e']) {
      assert.throws(() => buildListQuery({ target }), ListFilterError, target);
    }
  });
});
