import assert from 'node:assert/strict';

import type { WorkflowExecutionDescription } from '@temporalio/client';
import type { LoadedDataConverter } from '@temporalio/common';
import { defaultPayloadConverter } from '@temporalio/common';
import { defaultFailureConverter } from '@temporalio/common';

import { isObservation, newest, pendingObservation } from '../../src/client/pending-observation';
import type { AwsObservation } from '../../src/domain/observation';

const converter: LoadedDataConverter = {
  payloadConverter: defaultPayloadConverter,
  failureConverter: defaultFailureConverter,
  payloadCodecs: [],
};

const copying = (percent: number, at: string): AwsObservation => ({
  resource: 'snapshot-copy',
  id: 'orders-staging-op-1-copy',
  status: 'copying',
  percentProgress: percent,
  observedAt: at,
});

function description(pending: object[]): Pick<WorkflowExecutionDescription, 'raw'> {
  return { raw: { pendingActivities: pending } } as unknown as Pick<WorkflowExecutionDescription, 'raw'>;
}

describe('client: the last AWS status of a pending wait (describe)', () => {
  it("reads the poll's NotReady failure details and the heartbeat details, and keeps the newer", async () => {
    const older = copying(40, '2026-11-28T10:00:00.000Z');
    const newer = copying(50, '2026-11-28T10:00:30.000Z');
    const seen = await pendingObservation(
      converter,
      description([
        {
          activityType: { name: 'awaitSnapshotAvailable' },
          lastFailure: {
            applicationFailureInfo: { details: { payloads: [defaultPayloadConverter.toPayload(newer)] } },
          },
          heartbeatDetails: { payloads: [defaultPayloadConverter.toPayload({ observation: older })] },
        },
      ])
    );
    assert.deepEqual(seen, newer);
  });

  it('ignores details that are not observations, and pending activities without any', async () => {
    const seen = await pendingObservation(
      converter,
      description([
        { activityType: { name: 'startSnapshotCopy' } },
        {
          activityType: { name: 'awaitClusterAvailable' },
          heartbeatDetails: { payloads: [defaultPayloadConverter.toPayload({ reported: {} })] },
          lastFailure: {
            applicationFailureInfo: { details: { payloads: [defaultPayloadConverter.toPayload({ code: 'x' })] } },
          },
        },
      ])
    );
    assert.equal(seen, undefined);
    assert.equal(isObservation({ ...copying(1, '2026-11-28T10:00:00.000Z'), resource: 'database' }), false);
    assert.equal(newest([undefined, undefined]), undefined);
  });
});
