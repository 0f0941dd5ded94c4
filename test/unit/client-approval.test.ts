import assert from 'node:assert/strict';

import { formatApproval, formatProgressEvent, formatRecovery } from '../../src/client/format';
import { EXIT, USAGE } from '../../src/client/main';
import { diffProgress } from '../../src/client/restore-client';
import type { ApprovalState, RestoreProgress } from '../../src/workflows/messages';
import { runCli } from '../support/cli';

const run = (argv: string[]) => runCli(argv, { env: { USER: 'ops' }, now: () => new Date('2026-03-15T10:00:00.000Z') });

const PENDING: ApprovalState = {
  replaces: { clusterId: 'orders-staging', region: 'us-west-2', status: 'available' },
  since: '2026-03-15T09:00:00.000Z',
  deadline: '2026-03-15T13:00:00.000Z',
  pending: true,
};

describe('client CLI: approve and reject (no server needed)', () => {
  it('documents both commands in the usage', () => {
    assert.match(USAGE, /approve <restore> .*\n\s+--by <identity>/);
    assert.match(USAGE, /reject <restore> .*ApprovalRejected/);
  });

  it('refuses a reject without a reason and an empty --by before connecting', async () => {
    const noReason = await run(['reject', 'us-west-2/orders-staging']);
    assert.equal(noReason.code, EXIT.USAGE);
    assert.match(noReason.stderr, /reject: --reason is required/);
    const blank = await run(['approve', 'us-west-2/orders-staging', '--by', '  ']);
    assert.equal(blank.code, EXIT.USAGE);
    assert.match(blank.stderr, /approve: --by must name who decides/);
    const badTarget = await run(['approve', 'nowhere', '--json']);
    assert.equal(badTarget.code, EXIT.USAGE);
    assert.equal((JSON.parse(badTarget.stdout) as { error: { type: string } }).error.type, 'TargetArgumentError');
    assert.equal(noReason.connects + blank.connects + badTarget.connects, 0);
  });

  it('connects for a valid approve (and reports a connection failure with exit 1)', async () => {
    const result = await run(['approve', 'us-west-2/orders-staging', '--reason', 'CHG-1']);
    assert.equal(result.connects, 1);
    assert.equal(result.code, EXIT.FAILED);
  });

  it('shows a pending approval with the command to decide, and each kind of decision', () => {
    const pending = formatApproval(PENDING, 'aurora-restore/us-west-2/orders-staging');
    assert.match(pending[0], /Approval: +PENDING to replace cluster orders-staging in us-west-2 \(available\)/);
    assert.match(pending[0], /times out 2026-03-15T13:00:00.000Z/);
    assert.match(pending[1], /aurora-restore approve aurora-restore\/us-west-2\/orders-staging --by <you>/);
    const approved = formatApproval({
      ...PENDING,
      pending: false,
      decision: { decision: 'approved', by: 'jane', at: '2026-03-15T09:30:00.000Z', reason: 'CHG-1' },
    });
    assert.deepEqual(approved, [
      '  Approval:   approved by jane at 2026-03-15T09:30:00.000Z to replace cluster orders-staging in us-west-2: CHG-1',
    ]);
    const timedOut = formatApproval({
      ...PENDING,
      pending: false,
      decision: { decision: 'timed-out', at: '2026-03-15T13:00:00.000Z' },
    });
    assert.match(timedOut[0], /timed out at 2026-03-15T13:00:00.000Z: nobody decided/);
    assert.deepEqual(formatApproval(undefined), []);
  });

  it('shows the recovery time with the RTO verdict', () => {
    assert.match(formatRecovery({ totalMs: 5_400_000, steps: [], rtoMs: 7_200_000, rtoMet: true })[0], /met\)$/);
    const missed = formatRecovery({
      totalMs: 5_400_000,
      steps: [],
      rtoMs: 1_800_000,
      rtoMet: false,
      breachedAt: '2026-03-15T10:30:00.000Z',
      breachedDuring: 'wait-for-cluster',
    })[0];
    assert.match(missed, /MISSED, passed at 2026-03-15T10:30:00.000Z during wait-for-cluster\)$/);
    assert.doesNotMatch(formatRecovery({ totalMs: 60_000, steps: [] })[0], /RTO/);
  });

  it('tells a follower once when an approval becomes pending and when the RTO passes', () => {
    const base: RestoreProgress = {
      workflowId: 'aurora-restore/us-west-2/orders-staging',
      status: 'running',
      steps: [],
      resources: { instances: [] },
    };
    const waiting = { ...base, approval: PENDING };
    const events = diffProgress(base, waiting);
    assert.deepEqual(
      events.map((e) => e.kind),
      ['approval-pending']
    );
    assert.match(formatProgressEvent(events[0]) ?? '', /PENDING to replace cluster orders-staging[\s\S]*approve/);
    assert.deepEqual(diffProgress(waiting, waiting), []);
    const breached = {
      ...waiting,
      recovery: { totalMs: 1_900_000, steps: [], rtoMs: 1_800_000, rtoMet: false, breachedAt: '2026-03-15T10:30:00Z' },
    };
    const next = diffProgress(waiting, breached);
    assert.deepEqual(
      next.map((e) => e.kind),
      ['rto-breached']
    );
    assert.match(formatProgressEvent(next[0]) ?? '', /RTO 30m: MISSED/);
    assert.deepEqual(diffProgress(breached, breached), []);
  });
});
