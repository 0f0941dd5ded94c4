import assert from 'node:assert/strict';

import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, RetryState, TerminatedFailure } from '@temporalio/common';

import {
  describeFailure,
  diffProgress,
  newOperationId,
  RestoreAlreadyRunningError,
  startSearchAttributes,
} from '../../src/client/restore-client';
import { snapshotSourceLabel } from '../../src/domain/naming';
import { OPERATION_ID_RE, RequestValidationError, validateRestoreRequest } from '../../src/domain/validate';
import { SA_SOURCE, SA_STATUS, SA_STEP, SA_TARGET } from '../../src/workflows/messages';
import type { RestoreProgress } from '../../src/workflows/messages';

import { fullRequest, minimalRequest, validateOptions } from './fixtures';

function progress(partial: Partial<RestoreProgress>): RestoreProgress {
  return { workflowId: 'w', status: 'running', steps: [], resources: { instances: [] }, ...partial };
}

describe('client progress and failures', () => {
  describe('diffProgress', () => {
    it('reports every step of the first view', () => {
      const events = diffProgress(
        undefined,
        progress({
          steps: [
            { name: 'validate-request', status: 'completed', startedAt: 'a', durationMs: 1 },
            { name: 'find-snapshot', status: 'running', startedAt: 'b' },
          ],
        })
      );
      assert.deepEqual(
        events.map((e) => [e.kind, e.kind === 'step-started' || e.kind === 'step-ended' ? e.step.name : '']),
        [
          ['step-ended', 'validate-request'],
          ['step-started', 'find-snapshot'],
        ]
      );
    });

    it('reports steps that ended, new steps, a changed AWS status and a changed restore status, once each', () => {
      const before = progress({
        steps: [{ name: 'wait-for-copy', status: 'running', startedAt: 'a' }],
        lastObservation: {
          resource: 'snapshot-copy',
          id: 'c',
          status: 'creating',
          percentProgress: 40,
          observedAt: '1',
        },
      });
      const after = progress({
        status: 'cleaning-up',
        steps: [
          { name: 'wait-for-copy', status: 'failed', startedAt: 'a', durationMs: 5 },
          { name: 'delete-target', status: 'running', startedAt: 'b' },
        ],
        lastObservation: {
          resource: 'snapshot-copy',
          id: 'c',
          status: 'creating',
          percentProgress: 50,
          observedAt: '2',
        },
      });
      assert.deepEqual(
        diffProgress(before, after).map((e) => e.kind),
        ['step-ended', 'step-started', 'observation', 'status']
      );
      assert.deepEqual(diffProgress(after, after), []);
    });

    it('ignores an observation that only has a newer timestamp', () => {
      const obs = { resource: 'cluster' as const, id: 'c', status: 'creating', observedAt: '1' };
      assert.deepEqual(
        diffProgress(progress({ lastObservation: obs }), progress({ lastObservation: { ...obs, observedAt: '2' } })),
        []
      );
    });
  });

  describe('start inputs', () => {
    it('makes operation ids of the documented form that pass validation', () => {
      const id = newOperationId(new Date('2026-11-25T03:00:00Z'));
      assert.match(id, /^op-1795575600-[0-9a-f]{8}$/);
      assert.match(id, OPERATION_ID_RE);
      assert.notEqual(newOperationId(), newOperationId());
    });

    it('sets the four search attributes at start, in the form the workflow writes', () => {
      const normalized = validateRestoreRequest(fullRequest(), validateOptions());
      const pairs = startSearchAttributes(normalized);
      assert.deepEqual(
        pairs.map((p) => [p.key.name, p.value]),
        [
          [SA_TARGET.name, 'eu-west-1/orders-staging'],
          [SA_SOURCE.name, 'us-east-1/latest:orders'],
          [SA_STEP.name, 'validate-request'],
          [SA_STATUS.name, 'running'],
        ]
      );
      assert.equal(
        snapshotSourceLabel(validateRestoreRequest(minimalRequest(), validateOptions()).source),
        'us-east-1/orders-nightly-2026-03-14'
      );
    });
  });

  describe('describeFailure', () => {
    it('reads type, ARP code, step and cleanup from the workflow failure', () => {
      const cause = ApplicationFailure.create({
        type: 'ClusterRestoreFailed',
        message: 'Cluster c went to incompatible-network.',
        nonRetryable: true,
        details: [
          {
            code: 'ARP-RESTORE-STATUS-001',
            step: 'wait-for-cluster',
            cleanup: { removed: ['cluster c'], leftInPlace: ['snapshot copy x (AccessDenied)'] },
          },
        ],
      });
      const summary = describeFailure(
        new WorkflowFailedError('Workflow execution failed', cause, RetryState.NON_RETRYABLE_FAILURE),
        'op-1'
      );
      assert.equal(summary.type, 'ClusterRestoreFailed');
      assert.equal(summary.code, 'ARP-RESTORE-STATUS-001');
      assert.equal(summary.step, 'wait-for-cluster');
      assert.deepEqual(summary.cleanup, { removed: ['cluster c'], leftInPlace: ['snapshot copy x (AccessDenied)'] });
      assert.match(summary.hint, /aurora-restore:operation-id=op-1/);
    });

    it('falls back to the catalogue code for the type', () => {
      const cause = ApplicationFailure.create({ type: 'TargetClusterExists', message: 'exists', nonRetryable: true });
      const summary = describeFailure(new WorkflowFailedError('failed', cause, RetryState.NON_RETRYABLE_FAILURE));
      assert.equal(summary.code, 'ARP-DELETE-001');
      assert.equal(summary.step, undefined);
    });

    it('explains a terminated restore: no cleanup ran', () => {
      const summary = describeFailure(
        new WorkflowFailedError('terminated', new TerminatedFailure('by operator'), RetryState.NON_RETRYABLE_FAILURE),
        'op-9'
      );
      assert.equal(summary.type, 'Terminated');
      assert.match(summary.hint, /No cleanup ran/);
      assert.match(summary.hint, /op-9/);
    });

    it('lists every validation problem', () => {
      const summary = describeFailure(new RequestValidationError(['a is bad', 'b is bad']));
      assert.equal(summary.type, 'InvalidRestoreRequest');
      assert.equal(summary.code, 'ARP-GENERAL-002');
      assert.deepEqual(summary.problems, ['a is bad', 'b is bad']);
    });

    it('words the already-running refusal with the follow-up commands', () => {
      const err = new RestoreAlreadyRunningError(
        { region: 'us-west-2', clusterId: 'orders' },
        'aurora-restore/us-west-2/orders',
        'run-7'
      );
      assert.equal(
        err.message,
        'A restore of orders in us-west-2 is already running (workflow aurora-restore/us-west-2/orders, run run-7). ' +
          'Wait for it (`aurora-restore status us-west-2/orders`) or cancel it (`aurora-restore cancel us-west-2/orders`).'
      );
    });
  });
});
