/**
 * Infrequent polling: NotReady failures, terminal statuses and de-duplicated observation reports, using the
 * snapshot-copy wait against moto. moto copies are `available` at once, so a response middleware (attached through
 * the client factory's `decorate` hook, like the sim layer) rewrites the copy's Status/PercentProgress per attempt;
 * the describe itself still goes to moto over HTTP.
 *
 * Attempts are simulated with one MockActivityEnvironment each, carrying the previous attempt's last heartbeat in
 * `heartbeatDetails`: what Temporal does between retries (verified against a real worker, see the report in
 * src/activities/polling.ts's header).
 */
import assert from 'node:assert/strict';

import type { Info } from '@temporalio/activity';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import type { LogEntry } from '@temporalio/worker';

import { notReady, observation, reportObservation } from '../../src/activities/polling';
import type { PollHeartbeat } from '../../src/activities/polling';
import { createSnapshotActivities } from '../../src/activities/snapshots';
import { statusHint } from '../../src/domain/aws-status';
import { Failures, NON_RETRYABLE_TYPES } from '../../src/domain/errors';
import { pipelineTags, snapshotCopyId } from '../../src/domain/naming';
import type { AwsObservation } from '../../src/domain/observation';
import { expectFailure } from '../support/assertions';
import { useMoto } from '../support/fixtures/moto';
import { interceptRds, seedSourceCluster, uniqueName } from '../support/moto';

const SRC = 'us-east-1';
const DST = 'us-west-2';

type StatusOverride = { Status: string; PercentProgress?: number };

describe('infrequent polling', function () {
  this.timeout(30_000);

  const logs: LogEntry[] = [];
  const logger = new DefaultLogger('DEBUG', (entry) => void logs.push(entry));

  /** One poll attempt: a fresh activity context that sees `heartbeatDetails` from the previous attempt. */
  async function attempt<R>(
    fn: () => Promise<R>,
    previous: unknown,
    info: Partial<Info> = {}
  ): Promise<{ result?: R; error?: unknown; heartbeat: unknown }> {
    const env = new MockActivityEnvironment(
      {
        heartbeatDetails: previous,
        scheduledTimestampMs: Date.now(),
        currentAttemptScheduledTimestampMs: Date.now(),
        ...info,
      },
      { logger }
    );
    let heartbeat: unknown = previous; // no heartbeat in an attempt leaves the server's details unchanged
    env.on('heartbeat', (d: unknown) => {
      heartbeat = d;
    });
    try {
      return { result: await env.run(fn), heartbeat };
    } catch (error) {
      return { error, heartbeat };
    }
  }

  describe('notReady', function () {
    it('throws a retryable, BENIGN NotReady failure carrying the observation', function () {
      const obs = observation('cluster', 'c1', 'creating');
      assert.ok(!NON_RETRYABLE_TYPES.includes(Failures.NotReady.type), 'no retry policy may stop on NotReady');
      let thrown: unknown;
      try {
        notReady(obs, 'cluster c1 is creating');
      } catch (err) {
        thrown = err;
      }
      assert.ok(thrown instanceof ApplicationFailure);
      assert.equal(thrown.type, Failures.NotReady.type);
      assert.equal(thrown.nonRetryable, false);
      assert.equal(thrown.category, ApplicationFailureCategory.BENIGN);
      assert.equal(thrown.message, 'cluster c1 is creating');
      assert.deepEqual(thrown.details, [obs]);
    });
  });

  describe('reportObservation', function () {
    it('reports only status changes and 10% progress buckets, remembering them across attempts', async function () {
      const sent: AwsObservation[] = [];
      const reporter = async (obs: AwsObservation): Promise<void> => void sent.push(obs);
      const sequence: [string, number | undefined][] = [
        ['creating', undefined],
        ['creating', undefined],
        ['copying', 0],
        ['copying', 9],
        ['copying', 10],
        ['copying', 19.5],
        ['copying', 42],
        ['available', 100],
      ];
      let details: unknown;
      for (const [status, percent] of sequence) {
        const out = await attempt(
          () => reportObservation(observation('snapshot-copy', 'cp', status, percent), reporter),
          details
        );
        details = out.heartbeat;
      }
      assert.deepEqual(
        sent.map((o) => [o.status, o.percentProgress]),
        [
          ['creating', undefined],
          ['copying', 0],
          ['copying', 10],
          ['copying', 42],
          ['available', 100],
        ]
      );
      const kept = details as PollHeartbeat;
      assert.deepEqual(kept.reported, { 'snapshot-copy:cp': { status: 'available', bucket: 10 } });
      // The progress samples that time the next poll: the first above 0 % and the latest.
      assert.deepEqual(
        kept.samples?.['snapshot-copy:cp']?.map((s) => s.percent),
        [9, 42, 100]
      );
    });

    it('keeps resources apart and never fails the poll when reporting fails', async function () {
      const sent: AwsObservation[] = [];
      let failNext = true;
      const flaky = async (obs: AwsObservation): Promise<void> => {
        if (failNext) {
          failNext = false;
          throw new Error('workflow unreachable');
        }
        sent.push(obs);
      };
      const a = observation('instances', 'db-1', 'creating');
      const b = observation('instances', 'db-2', 'creating');
      logs.length = 0;
      const first = await attempt(() => reportObservation([a, b], flaky), undefined);
      assert.equal(first.error, undefined, 'a failed report does not fail the attempt');
      assert.deepEqual(first.result, [b]);
      assert.ok(logs.some((l) => l.level === 'WARN' && /Could not report/.test(l.message) && l.meta?.id === 'db-1'));

      // The next attempt retries the report that failed, and only that one.
      const second = await attempt(() => reportObservation([a, b], flaky), first.heartbeat);
      assert.deepEqual(second.result, [a]);
      assert.deepEqual(
        sent.map((o) => o.id),
        ['db-2', 'db-1']
      );
    });

    it("ignores heartbeat details that are not a poll's", async function () {
      const sent: AwsObservation[] = [];
      const out = await attempt(
        () => reportObservation(observation('cluster', 'c1', 'creating'), async (o) => void sent.push(o)),
        'something else'
      );
      assert.equal(out.error, undefined);
      assert.equal(sent.length, 1);
    });

    it('the default reporter failing outside a workflow is only a warning', async function () {
      logs.length = 0;
      const out = await attempt(() => reportObservation(observation('cluster', 'c1', 'creating')), undefined);
      assert.equal(out.error, undefined);
      assert.deepEqual(out.result, []);
      assert.ok(logs.some((l) => l.level === 'WARN' && /Could not report/.test(l.message)));
    });
  });

  describe('awaitSnapshotAvailable on a moto copy', function () {
    const overrides = new Map<string, StatusOverride>();
    let describes = 0;
    const sent: AwsObservation[] = [];
    const clients = useMoto({
      decorate: interceptRds('testStatusOverride', async (commandName, _input, send) => {
        const result = await send();
        if (commandName === 'DescribeDBClusterSnapshotsCommand') {
          describes += 1;
          const output = result.output as { DBClusterSnapshots?: { DBClusterSnapshotIdentifier?: string }[] };
          for (const s of output.DBClusterSnapshots ?? []) {
            const override = overrides.get(s.DBClusterSnapshotIdentifier ?? '');
            if (override) Object.assign(s, override);
          }
        }
        return result;
      }),
    }).factory;
    const acts = createSnapshotActivities({ clients, reportObservation: async (o) => void sent.push(o) });
    let copyId: string;

    before(async function () {
      const clusterId = uniqueName('poll-src');
      const seeded = await seedSourceCluster({ region: SRC, clusterId, withSnapshot: `${clusterId}-manual` });
      assert.ok(seeded.snapshot);
      const operationId = uniqueName('op');
      copyId = snapshotCopyId(uniqueName('poll-target'), operationId);
      await attempt(
        () =>
          acts.startSnapshotCopy({
            target: { region: DST },
            sourceSnapshotArn: seeded.snapshot?.arn ?? '',
            copyIdentifier: copyId,
            operationId,
            tags: pipelineTags(operationId, seeded.snapshot?.arn ?? ''),
          }),
        undefined
      );
    });

    const poll = (previous: unknown) =>
      attempt(() => acts.awaitSnapshotAvailable({ target: { region: DST }, snapshotIdentifier: copyId }), previous);

    it('fails in-progress attempts with NotReady, reports changes once, and returns when available', async function () {
      sent.length = 0;
      const script: StatusOverride[] = [
        { Status: 'creating', PercentProgress: 0 },
        { Status: 'copying', PercentProgress: 3 },
        { Status: 'copying', PercentProgress: 7 },
        { Status: 'copying', PercentProgress: 42 },
        { Status: 'copying', PercentProgress: 48 },
      ];
      let details: unknown;
      for (const step of script) {
        overrides.set(copyId, step);
        const out = await poll(details);
        details = out.heartbeat;
        assert.ok(out.error instanceof ApplicationFailure, `attempt at ${step.Status} should fail`);
        assert.equal(out.error.type, Failures.NotReady.type);
        assert.equal(out.error.nonRetryable, false);
        assert.equal(out.error.category, ApplicationFailureCategory.BENIGN);
        assert.match(
          out.error.message,
          new RegExp(`${copyId} in ${DST} is ${step.Status} \\(${step.PercentProgress}%\\)`)
        );
        assert.equal((out.error.details?.[0] as AwsObservation).status, step.Status);
      }
      overrides.delete(copyId); // moto's own answer: available, 100%
      const done = await poll(details);
      assert.equal(done.error, undefined);
      assert.equal(done.result?.status, 'available');
      // The final status travels in the result, not in a signal that would race the completion.
      assert.deepEqual(
        sent.map((o) => `${o.status}:${o.percentProgress}`),
        ['creating:0', 'copying:3', 'copying:42']
      );
      assert.ok(sent.every((o) => o.resource === 'snapshot-copy' && o.id === copyId));
    });

    it('spends no describe on the first attempt for a copy the workflow just started, and checks from then on', async function () {
      const MIN = 60_000;
      const t0 = Date.now();
      const pollJustStarted = (previous: unknown, attemptNumber: number, expectedDurationMs?: number) =>
        attempt(
          () =>
            acts.awaitSnapshotAvailable({
              target: { region: DST },
              snapshotIdentifier: copyId,
              justStarted: true,
              ...(expectedDurationMs ? { expectedDurationMs } : {}),
            }),
          previous,
          {
            attempt: attemptNumber,
            scheduledTimestampMs: t0,
            scheduleToCloseTimeoutMs: 12 * 60 * MIN,
            currentAttemptScheduledTimestampMs: t0,
          }
        );
      try {
        overrides.set(copyId, { Status: 'copying', PercentProgress: 30 });
        sent.length = 0;
        describes = 0;
        const first = await pollJustStarted(undefined, 1, 20 * MIN);
        assert.equal(describes, 0, 'no describe on the first attempt');
        assert.ok(first.error instanceof ApplicationFailure);
        assert.equal(first.error.type, Failures.NotReady.type);
        assert.match(first.error.message, /was started a moment ago/);
        // Planned from the expected duration: half of the 20 minutes.
        assert.equal(Number(first.error.nextRetryDelay), 10 * MIN);
        assert.deepEqual(
          sent.map((o) => o.status),
          ['creating']
        );
        // Without an expected duration the retry policy's poll interval applies.
        const unplanned = await pollJustStarted(undefined, 1);
        assert.ok(unplanned.error instanceof ApplicationFailure);
        assert.equal(unplanned.error.nextRetryDelay ?? undefined, undefined);
        assert.equal(describes, 0);

        const second = await pollJustStarted(first.heartbeat, 2, 20 * MIN);
        assert.equal(describes, 1, 'the second attempt checks');
        assert.ok(second.error instanceof ApplicationFailure);
        assert.match(second.error.message, /is copying \(30%\)/);
        overrides.delete(copyId);
        const done = await pollJustStarted(second.heartbeat, 3, 20 * MIN);
        assert.equal(done.result?.status, 'available');
        // Without `justStarted` (an adopted copy) the first attempt checks at once.
        describes = 0;
        const adopted = await attempt(
          () => acts.awaitSnapshotAvailable({ target: { region: DST }, snapshotIdentifier: copyId }),
          undefined,
          { attempt: 1 }
        );
        assert.equal(adopted.result?.status, 'available');
        assert.equal(describes, 1);
      } finally {
        overrides.delete(copyId);
      }
    });

    it("times a retry from the previous attempt's plan when the server stamps it one delay early", async function () {
      const MIN = 60_000;
      const t0 = Date.now();
      // 10 min into a wait expected to take 20 min: the first attempt asks for the next one in 5 min (half the rest).
      const pollAt = (previous: unknown, nowMs: number) =>
        attempt(
          () =>
            acts.awaitSnapshotAvailable({
              target: { region: DST },
              snapshotIdentifier: copyId,
              expectedDurationMs: 20 * MIN,
            }),
          previous,
          {
            scheduledTimestampMs: t0 - 10 * MIN,
            scheduleToCloseTimeoutMs: 12 * 60 * MIN,
            currentAttemptScheduledTimestampMs: nowMs,
          }
        );
      const delayOf = (out: { error?: unknown }): number => {
        assert.ok(out.error instanceof ApplicationFailure);
        return Number(out.error.nextRetryDelay);
      };
      try {
        overrides.set(copyId, { Status: 'creating', PercentProgress: 0 });
        const first = await pollAt(undefined, t0);
        assert.ok(Math.abs(delayOf(first) - 5 * MIN) < 5_000, `${delayOf(first)} ms`);
        assert.equal((first.heartbeat as PollHeartbeat).attemptAtMs, t0);
        assert.equal((first.heartbeat as PollHeartbeat).nextAttemptAtMs, t0 + delayOf(first));
        // The time-skipping test server stamps the retry with the failure time (t0), though it runs 5 min later:
        // the plan says 5 min are left, so the next check comes in 2.5 min, not in another 5 (one delay late).
        const early = await pollAt(first.heartbeat, t0);
        assert.ok(Math.abs(delayOf(early) - 2.5 * MIN) < 5_000, `${delayOf(early)} ms`);
        // A real server stamps the retry with when it runs (here a little after the plan): that time counts.
        const late = await pollAt(first.heartbeat, t0 + 6 * MIN);
        assert.ok(Math.abs(delayOf(late) - 2 * MIN) < 5_000, `${delayOf(late)} ms`);
        // A worker that died after recording its plan gets its retry sooner (after the attempt's timeout, here
        // 90 s): the stamp counts, not the plan, so the wait does not run ahead of AWS from then on.
        const sooner = await pollAt(first.heartbeat, t0 + 90_000);
        assert.ok(Math.abs(delayOf(sooner) - 4.25 * MIN) < 5_000, `${delayOf(sooner)} ms`);
      } finally {
        overrides.delete(copyId);
      }
    });

    it("times the next poll from the copy's progress, else from the expected duration, else leaves it to the policy", async function () {
      const MIN = 60_000;
      // Scheduled 10 min ago with a 12 h deadline: 50 % done means about 10 min left; the next poll comes in half.
      const info = { scheduledTimestampMs: Date.now() - 10 * MIN, scheduleToCloseTimeoutMs: 12 * 60 * MIN };
      const pollWith = (expectedDurationMs?: number) =>
        attempt(
          () =>
            acts.awaitSnapshotAvailable({
              target: { region: DST },
              snapshotIdentifier: copyId,
              ...(expectedDurationMs ? { expectedDurationMs } : {}),
            }),
          undefined,
          info
        );
      const delayOf = (out: { error?: unknown }): number | undefined => {
        assert.ok(out.error instanceof ApplicationFailure);
        assert.equal(out.error.type, Failures.NotReady.type);
        return out.error.nextRetryDelay === undefined || out.error.nextRetryDelay === null
          ? undefined
          : Number(out.error.nextRetryDelay);
      };
      try {
        overrides.set(copyId, { Status: 'copying', PercentProgress: 50 });
        const fromProgress = delayOf(await pollWith(40 * MIN));
        assert.ok(fromProgress !== undefined && Math.abs(fromProgress - 5 * MIN) < 5_000, `${fromProgress} ms`);

        overrides.set(copyId, { Status: 'creating', PercentProgress: 0 });
        const fromHint = delayOf(await pollWith(20 * MIN));
        assert.ok(fromHint !== undefined && Math.abs(fromHint - 5 * MIN) < 5_000, `${fromHint} ms`);
        assert.equal(delayOf(await pollWith()), undefined);
      } finally {
        overrides.delete(copyId);
      }
    });

    for (const status of ['failed', 'error', 'incompatible-restore', 'deleting']) {
      it(`fails a copy in terminal status "${status}" with a non-retryable SnapshotCopyFailed`, async function () {
        overrides.set(copyId, { Status: status });
        try {
          const err = await expectFailure(
            poll(undefined).then((o) => {
              if (o.error) throw o.error;
              return o.result;
            }),
            Failures.SnapshotCopyFailed
          );
          assert.equal(err.nonRetryable, true);
          assert.match(err.message, new RegExp(`${copyId} in ${DST} is "${status}"`));
          const hint = statusHint(status);
          assert.ok(hint && err.message.includes(hint), 'the message says what to do');
          assert.deepEqual(err.details?.[0], { code: Failures.SnapshotCopyFailed.code, snapshot: copyId, status });
        } finally {
          overrides.delete(copyId);
        }
      });
    }
  });
});
