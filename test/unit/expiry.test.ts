/**
 * Expiring clusters, pure rules: the request's `expiry` section and the changes operators make (extend, set,
 * cancel, expire now) as the workflow's update validators apply them.
 */
import assert from 'node:assert/strict';

import {
  checkFinalChange,
  defaultRemindBefore,
  ExpiryChangeError,
  parseExpiryTime,
  planExtend,
  planSet,
} from '../../src/domain/expiry';
import { expiryWorkflowId } from '../../src/domain/naming';
import type { RestoreRequest } from '../../src/domain/request';
import { RequestValidationError, validateRestoreRequest } from '../../src/domain/validate';

import { FIXED_NOW, minimalRequest, TOPIC_ARN, validateOptions } from './fixtures';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function validate(expiry: unknown, extra: Partial<RestoreRequest> = {}) {
  return validateRestoreRequest({ ...minimalRequest(), ...extra, expiry }, validateOptions());
}

function problems(expiry: unknown, extra: Partial<RestoreRequest> = {}): string[] {
  try {
    validate(expiry, extra);
  } catch (err) {
    assert.ok(err instanceof RequestValidationError, String(err));
    return err.problems;
  }
  assert.fail('expected the request to be refused');
}

function refused(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    assert.ok(err instanceof ExpiryChangeError, String(err));
    return err.message;
  }
  assert.fail('expected the change to be refused');
}

describe('expiry in the restore request', () => {
  it('is absent by default, and normalizes after/at with the default reminder', () => {
    assert.equal(validateRestoreRequest(minimalRequest(), validateOptions()).expiry, undefined);
    assert.deepEqual(validate({ after: '7d' }).expiry, {
      afterMs: 7 * DAY,
      remindBeforeMs: DAY,
      disableDeletionProtection: false,
    });
    const at = new Date(FIXED_NOW.getTime() + 3 * DAY).toISOString().replace('.000Z', '+00:00');
    assert.deepEqual(validate({ at }).expiry, {
      at: new Date(FIXED_NOW.getTime() + 3 * DAY).toISOString(),
      remindBeforeMs: DAY,
      disableDeletionProtection: false,
    });
    // A lifetime of a day or less is reminded at half-time unless remindBefore says otherwise.
    assert.equal(validate({ after: '12h' }).expiry?.remindBeforeMs, 6 * HOUR);
    assert.equal(defaultRemindBefore(2 * DAY), DAY);
    const withTopic = validate(
      { after: '2d', remindBefore: '6h', disableDeletionProtection: true },
      { notifications: { topicArn: TOPIC_ARN } }
    );
    assert.deepEqual(withTopic.expiry, { afterMs: 2 * DAY, remindBeforeMs: 6 * HOUR, disableDeletionProtection: true });
  });

  it('refuses bad expiries with one clear problem each', () => {
    const cases: [unknown, RegExp][] = [
      [{}, /needs after .* or at/],
      [{ after: '7d', at: '2030-01-01T00:00:00Z' }, /either after .* or at .* not both/],
      [{ after: 7 }, /expiry\.after: must be a duration string/],
      [{ after: '-1d' }, /expiry\.after: "-1d" is negative/],
      [{ after: '1w' }, /expiry\.after: "1w" is not a duration/],
      [{ after: '1m' }, /expiry\.after: "1m" is out of range: .* between 5m and 365d/],
      [{ after: '400d' }, /out of range/],
      [{ at: '2020-01-01T00:00:00Z' }, /expiry\.at: .* is in the past/],
      [{ at: '2026-12-01' }, /expiry\.at: .* not an ISO 8601 date-time with a time zone/],
      [{ at: '2026-02-30T00:00:00Z' }, /expiry\.at/],
      [{ after: '1d', remindBefore: '1d' }, /expiry\.remindBefore: "1d" is not shorter than the cluster's lifetime/],
      [{ after: '1d', remindBefore: '0h' }, /expiry\.remindBefore: "0h" is zero/],
      [{ after: '7d', ttl: '7d' }, /expiry\.ttl: unknown field/],
      ['7d', /expiry: must be an object/],
    ];
    for (const [expiry, pattern] of cases) {
      const list = problems(expiry, { notifications: { topicArn: TOPIC_ARN } });
      assert.ok(
        list.some((p) => pattern.test(p)),
        `${JSON.stringify(expiry)}: ${list.join(' | ')}`
      );
    }
  });

  it('needs a topic for an explicit reminder and permission to delete a protected cluster', () => {
    assert.ok(
      problems({ after: '7d', remindBefore: '1d' }).some((p) => /remindBefore: needs notifications.topicArn/.test(p))
    );
    const target = { ...minimalRequest().target, deletionProtection: true };
    assert.ok(
      problems({ after: '7d' }, { target }).some((p) =>
        /expiry\.disableDeletionProtection: must be true when target\.deletionProtection is true/.test(p)
      )
    );
    assert.equal(
      validate({ after: '7d', disableDeletionProtection: true }, { target }).expiry?.disableDeletionProtection,
      true
    );
  });

  it('names the expiry workflow after the target, like the restore', () => {
    assert.equal(
      expiryWorkflowId({ region: 'us-west-2', clusterId: 'Orders-Stg' }),
      'aurora-restore-expiry/us-west-2/orders-stg'
    );
    assert.equal(
      expiryWorkflowId({ region: 'us-west-2', clusterId: 'x', accountId: '111111111111' }),
      'aurora-restore-expiry/111111111111/us-west-2/x'
    );
  });
});

describe('expiry changes (update validators)', () => {
  const now = Date.parse('2026-11-27T00:00:00Z');
  const waiting = { status: 'waiting' as const, expiresAtMs: now + 7 * DAY };

  it('extends by a positive duration', () => {
    assert.equal(planExtend(waiting, { duration: '2d', identity: 'alice', reason: 'demo' }, now), now + 9 * DAY);
  });

  it('refuses zero, negative, malformed and too long extensions, and a missing identity', () => {
    assert.match(
      refused(() => planExtend(waiting, { duration: '0d', identity: 'a' }, now)),
      /zero/
    );
    assert.match(
      refused(() => planExtend(waiting, { duration: '-2d', identity: 'a' }, now)),
      /negative/
    );
    assert.match(
      refused(() => planExtend(waiting, { duration: '2 days', identity: 'a' }, now)),
      /not a duration/
    );
    assert.match(
      refused(() => planExtend(waiting, { duration: '360d', identity: 'a' }, now)),
      /more than 365d/
    );
    assert.match(
      refused(() => planExtend(waiting, { duration: '1d', identity: '' }, now)),
      /identity is required/
    );
    assert.match(
      refused(() => planExtend(waiting, { duration: '1d', identity: 'a', reason: 'x'.repeat(501) }, now)),
      /reason is 501 characters/
    );
  });

  it('sets a future date and refuses past, too-near and malformed ones', () => {
    assert.equal(planSet(waiting, { expiresAt: '2026-11-28T12:00:00Z', identity: 'bob' }, now), now + 36 * HOUR);
    assert.equal(planSet(waiting, { expiresAt: '2026-11-28T13:00:00+01:00', identity: 'bob' }, now), now + 36 * HOUR);
    assert.match(
      refused(() => planSet(waiting, { expiresAt: '2026-11-26T00:00:00Z', identity: 'b' }, now)),
      /in the past/
    );
    assert.match(
      refused(() => planSet(waiting, { expiresAt: '2026-11-27T00:01:00Z', identity: 'b' }, now)),
      /less than 5m/
    );
    assert.match(
      refused(() => planSet(waiting, { expiresAt: 'tomorrow', identity: 'b' }, now)),
      /ISO 8601/
    );
    assert.equal(typeof parseExpiryTime('2026-11-28T00:00:00.123Z'), 'number');
  });

  it('refuses every change once the expiry stopped waiting', () => {
    for (const status of ['cancelled', 'deleting', 'deleted', 'superseded'] as const) {
      const state = { status, expiresAtMs: now + DAY };
      assert.match(
        refused(() => planExtend(state, { duration: '1d', identity: 'a' }, now)),
        /nothing can be changed/
      );
      assert.match(
        refused(() => planSet(state, { expiresAt: '2026-12-01T00:00:00Z', identity: 'a' }, now)),
        /nothing/
      );
      assert.match(
        refused(() => checkFinalChange(state, { identity: 'a' })),
        /nothing can be changed/
      );
    }
    assert.doesNotThrow(() => checkFinalChange(waiting, { identity: 'a' }));
  });
});
