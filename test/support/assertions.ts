/** Assertions shared by the activity tests. */
import assert from 'node:assert/strict';

import { ApplicationFailure } from '@temporalio/common';

/**
 * Awaits `promise`, expects it to reject with an ApplicationFailure of the given type (a catalogue entry such as
 * `Failures.SnapshotNotFound` or the type name) and, when given, the given retryability; returns the failure.
 */
export async function expectFailure(
  promise: Promise<unknown>,
  kind: { type: string } | string,
  nonRetryable?: boolean
): Promise<ApplicationFailure> {
  const type = typeof kind === 'string' ? kind : kind.type;
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(err)}`);
    assert.equal(err.type, type, `unexpected failure type; message: ${err.message}`);
    if (nonRetryable !== undefined) assert.equal(err.nonRetryable, nonRetryable, err.message);
    return err;
  }
  assert.fail(`expected a ${type} failure, but the call succeeded`);
}
