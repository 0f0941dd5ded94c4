/**
 * Live cluster sources in the request (source.pointInTime, source.clone): the schema, the clock rule, the
 * normalized reference, and their acceptance by schedules and batches. Pure; no server needed.
 */
import assert from 'node:assert/strict';

import { describeSource } from '../../src/client/schedule-format';
import { validateScheduledRequest } from '../../src/client/schedules';
import { validateBatchRequest } from '../../src/domain/batch';
import { snapshotSourceLabel } from '../../src/domain/naming';
import type { RestoreRequest } from '../../src/domain/request';
import { RequestValidationError, validateRestoreRequest } from '../../src/domain/validate';

import { FIXED_NOW, validateOptions } from './fixtures';

const pointInTime = (pit: Record<string, unknown>, target: Record<string, unknown> = {}): RestoreRequest =>
  ({
    source: { region: 'us-east-1', pointInTime: { clusterId: 'orders-prod', ...pit } },
    target: { region: 'us-east-1', clusterId: 'orders-investigation', ...target },
  }) as RestoreRequest;

const clone = (source: Record<string, unknown> = {}, target: Record<string, unknown> = {}): RestoreRequest =>
  ({
    source: { region: 'us-east-1', clone: { clusterId: 'orders-prod' }, ...source },
    target: { region: 'us-east-1', clusterId: 'orders-staging', ...target },
  }) as RestoreRequest;

function problemsOf(request: unknown): string[] {
  try {
    validateRestoreRequest(request, validateOptions());
  } catch (err) {
    if (err instanceof RequestValidationError) return err.problems;
    throw err;
  }
  return [];
}

describe('live cluster sources in the request', () => {
  it('normalizes a point in time to UTC and names the source cluster, so the guards protect it', () => {
    const out = validateRestoreRequest(pointInTime({ time: '2026-03-15T01:30:00+01:00' }), validateOptions());
    assert.deepEqual(out.source.clusterRef, {
      kind: 'point-in-time',
      clusterId: 'orders-prod',
      time: '2026-03-15T00:30:00.000Z',
    });
    assert.equal(out.source.clusterId, 'orders-prod');
    assert.equal(out.source.snapshotRef, undefined);
    assert.equal(snapshotSourceLabel(out.source), 'us-east-1/pit:orders-prod@2026-03-15T00:30:00.000Z');
  });

  it('normalizes latest: true and a clone', () => {
    const latest = validateRestoreRequest(pointInTime({ latest: true }), validateOptions());
    assert.deepEqual(latest.source.clusterRef, { kind: 'point-in-time', clusterId: 'orders-prod', latest: true });
    const cloned = validateRestoreRequest(clone(), validateOptions());
    assert.deepEqual(cloned.source.clusterRef, { kind: 'clone', clusterId: 'orders-prod' });
    assert.equal(snapshotSourceLabel(cloned.source), 'us-east-1/clone:orders-prod');
  });

  it('refuses a time in the future, before any side effect, saying what to do', () => {
    const future = new Date(FIXED_NOW.getTime() + 60_000).toISOString();
    const problems = problemsOf(pointInTime({ time: future }));
    assert.equal(problems.length, 1);
    assert.match(problems[0], /^source\.pointInTime\.time: .* is in the future .*latest: true/);
  });

  it('refuses a time without a zone, both time and latest, and neither', () => {
    assert.match(problemsOf(pointInTime({ time: '2026-03-14 23:00' }))[0], /not an instant: use ISO 8601 with a zone/);
    assert.match(
      problemsOf(pointInTime({ time: '2026-03-14T23:00:00Z', latest: true }))[0],
      /has both time and latest/
    );
    assert.match(problemsOf(pointInTime({}))[0], /says no instant/);
    assert.match(problemsOf(pointInTime({ latest: false }))[0], /latest: must be true/);
  });

  it('refuses more than one way to name the source', () => {
    const both = clone({ snapshot: 'orders-prod-snap' });
    assert.match(problemsOf(both)[0], /^source: has both snapshot and clone: give only one/);
    const three = clone({ snapshot: 'orders-prod-snap', pointInTime: { clusterId: 'x', latest: true } });
    assert.match(problemsOf(three)[0], /^source: has snapshot and pointInTime and clone: give only one/);
  });

  it('refuses another region, another account, a role, source.clusterId and target.engineVersion', () => {
    assert.match(
      problemsOf(clone({}, { region: 'us-west-2' })).join('\n'),
      /source\.clone: a clone is made in the source cluster's own region \(us-east-1\), but target\.region is us-west-2/
    );
    const crossAccount = problemsOf(clone({ accountId: '111111111111' }, { accountId: '222222222222' })).join('\n');
    assert.match(crossAccount, /cross-account clones need an AWS RAM share/);
    assert.match(
      problemsOf(pointInTime({ latest: true }, { accountId: '222222222222' })).join('\n') +
        problemsOf({
          ...pointInTime({ latest: true }, { accountId: '222222222222' }),
          source: { region: 'us-east-1', accountId: '111111111111', pointInTime: { clusterId: 'a', latest: true } },
        }).join('\n'),
      /a point-in-time restore is made in the source cluster's own account \(111111111111\)/
    );
    assert.match(
      problemsOf(clone({ roleArn: 'arn:aws:iam::111111111111:role/r' })).join('\n'),
      /source\.roleArn: is not used with source\.clone/
    );
    assert.match(problemsOf(clone({ clusterId: 'orders-prod' })).join('\n'), /source\.clusterId: is not used/);
    assert.match(
      problemsOf(clone({}, { engineVersion: '15.4' })).join('\n'),
      /target\.engineVersion: is not used with source\.clone/
    );
    assert.match(
      problemsOf(clone({ clone: { clusterId: 'orders-prod', region: 'eu-west-1' } })).join('\n'),
      /source\.clone\.region: "eu-west-1" differs from source\.region/
    );
  });

  it('refuses the source cluster as the target', () => {
    assert.match(
      problemsOf(clone({}, { clusterId: 'orders-prod' })).join('\n'),
      /target\.clusterId: "orders-prod" is the source cluster/
    );
  });

  it('is accepted by schedules (latest and clone), and described per run', () => {
    const scheduled = validateScheduledRequest('create', pointInTime({ latest: true }), FIXED_NOW);
    assert.equal(scheduled.source.clusterRef?.kind, 'point-in-time');
    assert.equal(
      describeSource(pointInTime({ latest: true })),
      'cluster orders-prod in us-east-1 as of its latest restorable time (at each run)'
    );
    assert.equal(validateScheduledRequest('create', clone(), FIXED_NOW).source.clusterRef?.kind, 'clone');
    assert.match(describeSource(clone()), /^a copy-on-write clone of cluster orders-prod in us-east-1/);
  });

  it('is accepted by batches, one target per kind, and a bad one is named by its place', () => {
    const batch = {
      targets: [
        { name: 'pit', request: pointInTime({ latest: true }) },
        { name: 'clone', request: clone(), after: ['pit'] },
      ],
    };
    const out = validateBatchRequest(batch, validateOptions());
    assert.deepEqual(
      out.targets.map((t) => t.name),
      ['pit', 'clone']
    );
    const broken = { targets: [{ name: 'pit', request: pointInTime({ latest: true }, { region: 'eu-west-1' }) }] };
    assert.throws(
      () => validateBatchRequest(broken, validateOptions()),
      (err: Error) => /targets\[0\]\.request\.source\.pointInTime: a point-in-time restore is made/.test(err.message)
    );
  });
});
