/**
 * Snapshot activities against a running moto server over real HTTP (AWS_ENDPOINT_URL, default 127.0.0.1:5055).
 * Names are unique per test, so the suite needs no reset and can share the server with other suites.
 */
import assert from 'node:assert/strict';

import {
  CreateDBClusterSnapshotCommand,
  DescribeDBClusterSnapshotAttributesCommand,
  DescribeDBClusterSnapshotsCommand,
} from '@aws-sdk/client-rds';
import type { DBClusterSnapshot } from '@aws-sdk/client-rds';
import type { Info } from '@temporalio/activity';
import { ApplicationFailureCategory } from '@temporalio/common';
import type { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';

import { AwsSimulator } from '../../sim/aws-simulator';
import { createSnapshotActivities } from '../../src/activities/snapshots';
import type { StartSnapshotCopyInput } from '../../src/activities/types';
import type { SnapshotInfo } from '../../src/domain/aws-shapes';
import { Failures } from '../../src/domain/errors';
import { pipelineTags, snapshotCopyId, TAG_MANAGED_BY, TAG_OPERATION_ID } from '../../src/domain/naming';
import type { AwsObservation } from '../../src/domain/observation';
import { expectFailure } from '../support/assertions';
import { useMoto } from '../support/fixtures/moto';
import {
  createKmsKey,
  interceptRds,
  MOTO_DEFAULT_ACCOUNT,
  motoClientFactory,
  motoClients,
  motoRoleArn,
  seedSourceCluster,
  seedSourceInAccount,
  uniqueName,
} from '../support/moto';
import type { SeededCluster } from '../support/moto';

const SRC = 'us-east-1';
const DST = 'us-west-2';
const OTHER_ACCOUNT = '111111111111';

async function describeIn(region: string, id: string): Promise<DBClusterSnapshot | undefined> {
  const { rds } = motoClients(region);
  try {
    const out = await rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: id }));
    return out.DBClusterSnapshots?.[0];
  } catch (err) {
    if (err instanceof Error && err.name === 'DBClusterSnapshotNotFoundFault') return undefined;
    throw err;
  } finally {
    rds.destroy();
  }
}

describe('snapshot activities (moto)', function () {
  this.timeout(30_000);

  const observed: AwsObservation[] = [];
  // Expected failures are logged by the mock worker at WARN; keep the test output readable.
  const quiet = new DefaultLogger('ERROR');
  const clients = useMoto().factory;
  const acts = createSnapshotActivities({
    clients,
    reportObservation: async (obs) => {
      observed.push(obs);
    },
  });
  /** Runs an activity inside a mock activity context (activityInfo, heartbeat, cancellation signal). */
  const inActivity = <R>(fn: () => Promise<R>, info: Partial<Info> = {}): Promise<R> =>
    new MockActivityEnvironment(
      { scheduledTimestampMs: Date.now(), currentAttemptScheduledTimestampMs: Date.now(), ...info },
      { logger: quiet }
    ).run(fn);

  let source: SeededCluster & { snapshot: { identifier: string; arn: string } };

  before(async function () {
    const clusterId = uniqueName('snap-src');
    const seeded = await seedSourceCluster({ region: SRC, clusterId, withSnapshot: `${clusterId}-manual` });
    assert.ok(seeded.snapshot);
    source = { ...seeded, snapshot: seeded.snapshot };
  });

  describe('findSnapshot', function () {
    it('finds a snapshot by identifier', async function () {
      const found = await inActivity(() =>
        acts.findSnapshot({
          source: { region: SRC },
          ref: { kind: 'identifier', identifier: source.snapshot.identifier },
        })
      );
      assert.equal(found.identifier, source.snapshot.identifier);
      assert.equal(found.arn, source.snapshot.arn);
      assert.equal(found.region, SRC);
      assert.equal(found.accountId, MOTO_DEFAULT_ACCOUNT);
      assert.equal(found.clusterId, source.clusterId);
      assert.equal(found.engine, 'aurora-postgresql');
      assert.equal(found.status, 'available');
      assert.equal(found.snapshotType, 'manual');
      assert.equal(found.encrypted, false);
      assert.ok(found.createdAt && !Number.isNaN(Date.parse(found.createdAt)));
    });

    it("finds a snapshot by ARN, in the ARN's region", async function () {
      const ref = {
        kind: 'arn' as const,
        arn: source.snapshot.arn,
        region: SRC,
        accountId: MOTO_DEFAULT_ACCOUNT,
        identifier: source.snapshot.identifier,
      };
      // The request's source region is wrong on purpose: the ARN decides where to look.
      const found = await inActivity(() =>
        acts.findSnapshot({ source: { region: DST, accountId: MOTO_DEFAULT_ACCOUNT }, ref })
      );
      assert.equal(found.arn, source.snapshot.arn);
      assert.equal(found.region, SRC);
    });

    it('finds a snapshot shared by another account by ARN, and not once the share is removed', async function () {
      const seeded = await seedSourceInAccount({ region: SRC, accountId: OTHER_ACCOUNT, prefix: 'snap-xacct' });
      assert.ok(seeded.snapshot);
      assert.match(seeded.snapshot.arn, new RegExp(`:${OTHER_ACCOUNT}:cluster-snapshot:`));
      // The source account (reached through its role, moto STS) shares with the worker's account.
      const owner = { region: SRC, accountId: OTHER_ACCOUNT, roleArn: motoRoleArn(OTHER_ACCOUNT) };
      const share = {
        source: owner,
        snapshotIdentifier: seeded.snapshot.identifier,
        targetAccountId: MOTO_DEFAULT_ACCOUNT,
      };
      assert.deepEqual(await inActivity(() => acts.shareSnapshot(share)), { alreadyShared: false });

      const ref = {
        kind: 'arn' as const,
        arn: seeded.snapshot.arn,
        region: SRC,
        accountId: OTHER_ACCOUNT,
        identifier: seeded.snapshot.identifier,
      };
      const input = { source: { region: SRC, accountId: OTHER_ACCOUNT }, ref, targetAccountId: MOTO_DEFAULT_ACCOUNT };
      const found = await inActivity(() => acts.findSnapshot(input));
      assert.equal(found.arn, seeded.snapshot.arn);
      assert.equal(found.accountId, OTHER_ACCOUNT);

      assert.deepEqual(await inActivity(() => acts.unshareSnapshot(share)), { removed: true });
      const err = await expectFailure(
        inActivity(() => acts.findSnapshot(input)),
        Failures.SnapshotNotFound
      );
      assert.equal(err.nonRetryable, true);
      assert.match(err.message, new RegExp(seeded.snapshot.arn));
      assert.match(err.message, /shared/);
    });

    it('selects the latest snapshot by type (automated vs manual vs any)', async function () {
      const clusterId = uniqueName('snap-latest');
      // Creating a cluster makes one automated snapshot in moto; then two manual ones, the second newer.
      await seedSourceCluster({ region: SRC, clusterId, withSnapshot: `${clusterId}-older` });
      const { rds } = motoClients(SRC);
      await new Promise((r) => setTimeout(r, 20)); // distinct creation times (moto has millisecond resolution)
      await rds.send(
        new CreateDBClusterSnapshotCommand({
          DBClusterIdentifier: clusterId,
          DBClusterSnapshotIdentifier: `${clusterId}-newer`,
        })
      );
      rds.destroy();
      const latest = (snapshotType: 'automated' | 'manual' | 'any'): Promise<SnapshotInfo> =>
        inActivity(() =>
          acts.findSnapshot({ source: { region: SRC }, ref: { kind: 'latest', clusterId, snapshotType } })
        );

      const automated = await latest('automated');
      assert.equal(automated.snapshotType, 'automated');
      assert.ok(automated.identifier.startsWith(`rds:${clusterId}-`), automated.identifier);
      assert.equal((await latest('manual')).identifier, `${clusterId}-newer`);
      assert.equal((await latest('any')).identifier, `${clusterId}-newer`);
    });

    it('explains why no latest snapshot matched', async function () {
      const clusterId = uniqueName('snap-onlyauto');
      await seedSourceCluster({ region: SRC, clusterId }); // only moto's automated snapshot
      const err = await expectFailure(
        inActivity(() =>
          acts.findSnapshot({ source: { region: SRC }, ref: { kind: 'latest', clusterId, snapshotType: 'manual' } })
        ),
        Failures.SnapshotNotFound
      );
      assert.equal(err.nonRetryable, true);
      assert.match(err.message, new RegExp(clusterId));
      assert.match(err.message, new RegExp(SRC));
      assert.match(err.message, /manual/);
    });

    it('finds a snapshot by name template', async function () {
      const clusterId = uniqueName('snap-tmpl');
      await seedSourceCluster({ region: SRC, clusterId, withSnapshot: `${clusterId}-nightly-20261125` });
      const found = await inActivity(() =>
        acts.findSnapshot({
          source: { region: SRC },
          ref: { kind: 'name-template', clusterId, template: '{cluster}-nightly-{yyyymmdd}', date: '2026-11-25' },
        })
      );
      assert.equal(found.identifier, `${clusterId}-nightly-20261125`);

      const err = await expectFailure(
        inActivity(() =>
          acts.findSnapshot({
            source: { region: SRC },
            ref: { kind: 'name-template', clusterId, template: '{cluster}-nightly-{yyyymmdd}', date: '2026-11-24' },
          })
        ),
        Failures.SnapshotNotFound
      );
      assert.match(err.message, new RegExp(`${clusterId}-nightly-20261124`));
      assert.match(err.message, /2026-11-24/);
    });

    it('fails with a typed, non-retryable SnapshotNotFound naming the id, region and account', async function () {
      const missing = uniqueName('no-such-snapshot');
      const err = await expectFailure(
        inActivity(() =>
          acts.findSnapshot({
            source: { region: SRC, accountId: MOTO_DEFAULT_ACCOUNT },
            ref: { kind: 'identifier', identifier: missing },
          })
        ),
        Failures.SnapshotNotFound
      );
      assert.equal(err.nonRetryable, true);
      assert.match(err.message, new RegExp(missing));
      assert.match(err.message, new RegExp(SRC));
      assert.match(err.message, new RegExp(MOTO_DEFAULT_ACCOUNT));
      assert.deepEqual((err.details?.[0] as { code: string }).code, Failures.SnapshotNotFound.code);
    });
  });

  describe('shareSnapshot / unshareSnapshot', function () {
    const target = '222222222222';
    const attributeValues = async (id: string): Promise<string[]> => {
      const { rds } = motoClients(SRC);
      const out = await rds.send(new DescribeDBClusterSnapshotAttributesCommand({ DBClusterSnapshotIdentifier: id }));
      rds.destroy();
      return (
        out.DBClusterSnapshotAttributesResult?.DBClusterSnapshotAttributes?.find((a) => a.AttributeName === 'restore')
          ?.AttributeValues ?? []
      );
    };

    it('shares once, reports an existing share, and unshares idempotently', async function () {
      const clusterId = uniqueName('snap-share');
      const seeded = await seedSourceCluster({ region: SRC, clusterId, withSnapshot: `${clusterId}-manual` });
      const input = { source: { region: SRC }, snapshotIdentifier: `${clusterId}-manual`, targetAccountId: target };
      assert.ok(seeded.snapshot);

      assert.deepEqual(await inActivity(() => acts.shareSnapshot(input)), { alreadyShared: false });
      assert.deepEqual(await attributeValues(input.snapshotIdentifier), [target]);
      assert.deepEqual(await inActivity(() => acts.shareSnapshot(input)), { alreadyShared: true });
      assert.deepEqual(await attributeValues(input.snapshotIdentifier), [target]);

      assert.deepEqual(await inActivity(() => acts.unshareSnapshot(input)), { removed: true });
      assert.deepEqual(await attributeValues(input.snapshotIdentifier), []);
      assert.deepEqual(await inActivity(() => acts.unshareSnapshot(input)), { removed: false });
    });

    it('refuses to share an automated snapshot, with what to do', async function () {
      const clusterId = uniqueName('snap-share-auto');
      await seedSourceCluster({ region: SRC, clusterId });
      const automated = await inActivity(() =>
        acts.findSnapshot({ source: { region: SRC }, ref: { kind: 'latest', clusterId, snapshotType: 'automated' } })
      );
      const err = await expectFailure(
        inActivity(() =>
          acts.shareSnapshot({
            source: { region: SRC },
            snapshotIdentifier: automated.identifier,
            targetAccountId: target,
          })
        ),
        Failures.SnapshotNotShareable
      );
      assert.equal(err.nonRetryable, true);
      assert.match(err.message, /automated snapshots cannot be shared/);
      assert.match(err.message, /manual/);
      assert.deepEqual(await attributeValues(automated.identifier).catch(() => []), []);
    });

    it('rejects a malformed target account before any call', async function () {
      const err = await expectFailure(
        inActivity(() =>
          acts.shareSnapshot({
            source: { region: SRC },
            snapshotIdentifier: source.snapshot.identifier,
            targetAccountId: '12',
          })
        ),
        Failures.InvalidRequest
      );
      assert.equal(err.nonRetryable, true);
      assert.deepEqual(await attributeValues(source.snapshot.identifier), []);
    });
  });

  describe('snapshot copy', function () {
    const copyInput = (operationId: string, copyIdentifier: string): StartSnapshotCopyInput => ({
      target: { region: DST },
      sourceSnapshotArn: source.snapshot.arn,
      copyIdentifier,
      kmsKeyId: createKmsKey(DST),
      operationId,
      tags: pipelineTags(operationId, source.snapshot.arn, { team: 'dba' }),
    });

    it('copies cross-region under a KMS key with our tags, and adopts the copy on a second call', async function () {
      const operationId = uniqueName('op');
      const copyId = snapshotCopyId(uniqueName('target'), operationId);
      const first = await inActivity(() => acts.startSnapshotCopy(copyInput(operationId, copyId)));
      assert.equal(first.adopted, false);
      assert.equal(first.identifier, copyId);
      assert.match(first.arn, new RegExp(`^arn:aws:rds:${DST}:${MOTO_DEFAULT_ACCOUNT}:cluster-snapshot:${copyId}$`));

      const copy = await describeIn(DST, copyId);
      assert.ok(copy, 'the copy exists in the target region');
      assert.equal(copy.StorageEncrypted, true);
      const tags = Object.fromEntries((copy.TagList ?? []).map((t) => [t.Key, t.Value]));
      assert.equal(tags[TAG_OPERATION_ID], operationId);
      assert.equal(tags[TAG_MANAGED_BY], 'aurora-restore');
      assert.equal(tags.team, 'dba');
      assert.equal(await describeIn(SRC, copyId), undefined, 'nothing is created in the source region');

      const second = await inActivity(() => acts.startSnapshotCopy(copyInput(operationId, copyId)));
      assert.deepEqual(second, { identifier: copyId, arn: first.arn, adopted: true });
      const { rds } = motoClients(DST);
      const all = await rds.send(new DescribeDBClusterSnapshotsCommand({ SnapshotType: 'manual' }));
      rds.destroy();
      assert.equal(all.DBClusterSnapshots?.filter((s) => s.DBClusterSnapshotIdentifier === copyId).length, 1);

      const available = await inActivity(() =>
        acts.awaitSnapshotAvailable({ target: { region: DST }, snapshotIdentifier: copyId })
      );
      assert.equal(available.status, 'available');
      assert.equal(available.identifier, copyId);
      assert.equal(available.region, DST);
      assert.equal(available.encrypted, true);
      // moto copies instantly: the first poll sees it available and returns it without signalling.
      assert.deepEqual(
        observed.filter((o) => o.id === copyId),
        []
      );
    });

    it('refuses a copy id taken by a foreign snapshot or by another operation', async function () {
      const clusterId = uniqueName('snap-foreign');
      const foreignId = `${clusterId}-taken`;
      await seedSourceCluster({ region: DST, clusterId, withSnapshot: foreignId });
      const operationId = uniqueName('op');
      const err = await expectFailure(
        inActivity(() => acts.startSnapshotCopy(copyInput(operationId, foreignId))),
        Failures.SnapshotCopyConflict
      );
      assert.equal(err.nonRetryable, true);
      assert.match(err.message, new RegExp(foreignId));
      assert.match(err.message, /not tagged by this pipeline/);

      const otherOp = uniqueName('op-other');
      const otherCopy = snapshotCopyId(uniqueName('target'), otherOp);
      await inActivity(() => acts.startSnapshotCopy(copyInput(otherOp, otherCopy)));
      const conflict = await expectFailure(
        inActivity(() => acts.startSnapshotCopy(copyInput(operationId, otherCopy))),
        Failures.SnapshotCopyConflict
      );
      assert.match(conflict.message, new RegExp(otherOp));
    });

    it('rejects a copy request whose tags would not mark the copy as ours, before copying', async function () {
      const operationId = uniqueName('op');
      const copyId = snapshotCopyId(uniqueName('target'), operationId);
      const err = await expectFailure(
        inActivity(() =>
          acts.startSnapshotCopy({ ...copyInput(operationId, copyId), tags: [{ Key: 'team', Value: 'dba' }] })
        ),
        Failures.InvalidRequest
      );
      assert.equal(err.nonRetryable, true);
      assert.equal(await describeIn(DST, copyId), undefined);
    });

    it('turns a KMS key RDS cannot use into a typed KmsKeyNotAccessible failure', async function () {
      const operationId = uniqueName('op');
      const copyId = snapshotCopyId(uniqueName('target'), operationId);
      const badKey = `arn:aws:kms:${DST}:${MOTO_DEFAULT_ACCOUNT}:key/00000000-0000-0000-0000-000000000000`;
      const err = await expectFailure(
        inActivity(() => acts.startSnapshotCopy({ ...copyInput(operationId, copyId), kmsKeyId: badKey })),
        Failures.KmsKeyNotAccessible
      );
      assert.equal(err.nonRetryable, true);
      assert.match(
        err.message,
        new RegExp(`copying snapshot .* to snapshot ${copyId} in ${DST}: KMSKeyNotAccessibleFault`)
      );
      assert.deepEqual(err.details?.[0], {
        code: Failures.KmsKeyNotAccessible.code,
        awsError: 'KMSKeyNotAccessibleFault',
      });
      assert.equal(await describeIn(DST, copyId), undefined);
    });

    describe('copy slots (simulated AWS time)', function () {
      let clock = Date.UTC(2030, 0, 1);
      const sim = new AwsSimulator({ clock: () => clock, timings: { snapshotCopy: 10 * 60_000 } });
      const simClients = motoClientFactory({ decorate: sim.decorate });
      const slotReports: AwsObservation[] = [];
      const withSlots = (maxConcurrentCopies: number) =>
        createSnapshotActivities({
          clients: simClients,
          maxConcurrentCopies,
          reportObservation: async (obs) => {
            slotReports.push(obs);
          },
        });
      const newCopy = () => {
        const operationId = uniqueName('op');
        return { operationId, copyId: snapshotCopyId(uniqueName('target'), operationId) };
      };
      /** `acts.startSnapshotCopy` of `copy` in an activity context. */
      const startCopy = (acts: ReturnType<typeof createSnapshotActivities>, copy: ReturnType<typeof newCopy>) =>
        inActivity(() => acts.startSnapshotCopy(copyInput(copy.operationId, copy.copyId)));

      after(() => {
        simClients.destroy();
        sim.destroy();
      });

      it('waits for a free slot when the limit is reached, reports it, then copies', async function () {
        const acts1 = withSlots(1);
        const first = newCopy();
        await startCopy(acts1, first);

        const second = newCopy();
        const waiting = await expectFailure(startCopy(acts1, second), Failures.NotReady);
        assert.equal(waiting.nonRetryable, false);
        assert.match(
          waiting.message,
          new RegExp(
            `Waiting for a snapshot copy slot in ${DST}: 1 copy is in progress \\(${first.copyId}\\) and the limit is 1`
          )
        );
        assert.deepEqual(
          slotReports.filter((o) => o.id === second.copyId).map((o) => o.status),
          ['waiting-for-copy-slot']
        );
        assert.equal(await describeIn(DST, second.copyId), undefined, 'nothing was copied while waiting');

        clock += sim.timings.snapshotCopy; // the first copy finishes
        const started = await startCopy(acts1, second);
        assert.equal(started.adopted, false);
        assert.ok(await describeIn(DST, second.copyId));
      });

      it('waits while its own cancelled copy is still being deleted instead of adopting it', async function () {
        const c = newCopy();
        await startCopy(withSlots(5), c);
        await sim.forceStatus({ kind: 'snapshot', id: c.copyId, status: 'deleting' });
        const waiting = await expectFailure(startCopy(withSlots(5), c), Failures.NotReady);
        assert.match(waiting.message, /is still being deleted \(an earlier attempt cancelled it\)/);
      });

      it('in a granted slot, copies without a Describe first, then adopts, refuses or waits on the conflict', async function () {
        clock += sim.timings.snapshotCopy; // earlier tests' copies are done
        const granted = (copy: ReturnType<typeof newCopy>) =>
          inActivity(() =>
            withSlots(5).startSnapshotCopy({ ...copyInput(copy.operationId, copy.copyId), slotGranted: true })
          );
        const before = sim.calls();
        const delta = (command: string) => (sim.calls()[command] ?? 0) - (before[command] ?? 0);
        const c = newCopy();
        const first = await granted(c);
        assert.equal(first.adopted, false);
        assert.deepEqual(
          [delta('CopyDBClusterSnapshotCommand'), delta('DescribeDBClusterSnapshotsCommand')],
          [1, 0],
          'RDS refusing a taken identifier is the check: no Describe before the copy'
        );

        // A retry after the copy call succeeded (say the worker died before completing): RDS refuses, the copy is ours.
        const retry = await granted(c);
        assert.deepEqual(retry, { identifier: c.copyId, arn: first.arn, adopted: true });
        assert.equal(delta('DescribeDBClusterSnapshotsCommand'), 1, 'one Describe, on the conflict only');

        // Another operation's copy under the identifier is refused, never adopted.
        const conflict = await expectFailure(
          granted({ ...newCopy(), copyId: c.copyId }),
          Failures.SnapshotCopyConflict
        );
        assert.match(conflict.message, new RegExp(c.operationId));

        // Its own copy still being deleted (an earlier run's cleanup): wait until it is gone, then copy anew.
        await sim.forceStatus({ kind: 'snapshot', id: c.copyId, status: 'deleting' });
        const waiting = await expectFailure(granted(c), Failures.NotReady);
        assert.match(waiting.message, /is still being deleted/);
      });

      it('lets exactly one of two workers racing for the last slot keep its copy', async function () {
        clock += sim.timings.snapshotCopy; // earlier tests' copies are done
        const before = sim.calls();
        // Two workers (separate activity instances) that both count the free slot before either copies: their
        // first listings of the copies in progress wait for each other.
        let arrived = 0;
        let release: () => void = () => undefined;
        const bothCounted = new Promise<void>((resolve) => (release = resolve));
        const racingClients = motoClientFactory({
          decorate: interceptRds(
            'raceBarrier',
            async (commandName, input, send) => {
              const listing =
                commandName === 'DescribeDBClusterSnapshotsCommand' &&
                (input as { SnapshotType?: string }).SnapshotType;
              if (listing && arrived < 2) {
                arrived += 1;
                if (arrived === 2) release();
                await bothCounted;
              }
              return send();
            },
            sim.decorate
          ),
        });
        const worker = () => createSnapshotActivities({ clients: racingClients, maxConcurrentCopies: 1 });
        const [a, b] = [newCopy(), newCopy()];
        const results = await Promise.allSettled([startCopy(worker(), a), startCopy(worker(), b)]).finally(() =>
          racingClients.destroy()
        );
        assert.equal(arrived, 2);
        const kept = results.filter((r) => r.status === 'fulfilled');
        const waiting = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        assert.equal(kept.length, 1, 'one copy keeps the slot');
        assert.equal(waiting.length, 1);
        const failure = waiting[0].reason as ApplicationFailure;
        assert.equal(failure.type, Failures.NotReady.type);
        assert.match(failure.message, /Waiting for a snapshot copy slot/);
        const loser = results[0] === waiting[0] ? a : b;
        const winner = loser === a ? b : a;
        assert.equal(await describeIn(DST, loser.copyId), undefined, 'the copy past the limit was cancelled');
        assert.ok(await describeIn(DST, winner.copyId));
        const delta = (command: string) => (sim.calls()[command] ?? 0) - (before[command] ?? 0);
        assert.deepEqual(
          [delta('CopyDBClusterSnapshotCommand'), delta('DeleteDBClusterSnapshotCommand')],
          [2, 1],
          'both copies were started, and one of them deleted again'
        );
      });

      it('waits when RDS refuses one more copy, and fails for good when no copy is running', async function () {
        clock += sim.timings.snapshotCopy; // earlier tests' copies are done
        const acts10 = withSlots(10); // above the RDS quota of 5: RDS itself refuses the sixth
        for (let i = 0; i < 5; i += 1) {
          const c = newCopy();
          await startCopy(acts10, c);
        }
        const sixth = newCopy();
        const refused = await expectFailure(startCopy(acts10, sixth), Failures.NotReady);
        assert.match(refused.message, /5 copies are in progress .* and RDS refused one more copy/);

        clock += sim.timings.snapshotCopy;
        // The manual snapshot quota (not a busy slot): waiting would not help, so the failure is final.
        sim.injectFault({ command: 'CopyDBClusterSnapshotCommand', error: 'SnapshotQuotaExceededFault' });
        const quota = await expectFailure(startCopy(acts10, sixth), Failures.QuotaExceeded);
        assert.equal(quota.nonRetryable, true);
        assert.equal(await describeIn(DST, sixth.copyId), undefined);
      });
    });

    it('waits for a copy that is not visible yet, then gives up after the grace period', async function () {
      const missing = uniqueName('copy-missing');
      const input = { target: { region: DST }, snapshotIdentifier: missing };
      const early = await expectFailure(
        inActivity(() => acts.awaitSnapshotAvailable(input)),
        Failures.NotReady
      );
      assert.equal(early.nonRetryable, false);
      assert.equal(early.category, ApplicationFailureCategory.BENIGN);

      const late = await expectFailure(
        inActivity(() => acts.awaitSnapshotAvailable(input), { scheduledTimestampMs: Date.now() - 6 * 60_000 }),
        Failures.SnapshotCopyFailed
      );
      assert.equal(late.nonRetryable, true);
      assert.match(late.message, /disappeared/);
      assert.match(late.message, new RegExp(missing));
    });
  });

  describe('deleteSnapshotCopy', function () {
    it("deletes this operation's copy only, and is a no-op when it is gone", async function () {
      const operationId = uniqueName('op');
      const copyId = snapshotCopyId(uniqueName('target'), operationId);
      await inActivity(() =>
        acts.startSnapshotCopy({
          target: { region: DST },
          sourceSnapshotArn: source.snapshot.arn,
          copyIdentifier: copyId,
          operationId,
          tags: pipelineTags(operationId, source.snapshot.arn),
        })
      );
      const input = { target: { region: DST }, snapshotIdentifier: copyId };

      // Another operation may not delete it.
      const err = await expectFailure(
        inActivity(() => acts.deleteSnapshotCopy({ ...input, operationId: uniqueName('op-other') })),
        Failures.NotManagedByPipeline
      );
      assert.equal(err.nonRetryable, true);
      assert.ok(await describeIn(DST, copyId), 'the copy survives a foreign delete request');

      assert.deepEqual(await inActivity(() => acts.deleteSnapshotCopy({ ...input, operationId })), { deleted: true });
      assert.equal(await describeIn(DST, copyId), undefined);
      assert.deepEqual(await inActivity(() => acts.deleteSnapshotCopy({ ...input, operationId })), { deleted: false });
    });

    it('refuses to delete an untagged (source) snapshot', async function () {
      const err = await expectFailure(
        inActivity(() =>
          acts.deleteSnapshotCopy({
            target: { region: SRC },
            snapshotIdentifier: source.snapshot.identifier,
            operationId: uniqueName('op'),
          })
        ),
        Failures.NotManagedByPipeline
      );
      assert.equal(err.nonRetryable, true);
      assert.match(err.message, /never deletes source snapshots/);
      assert.ok(await describeIn(SRC, source.snapshot.identifier), 'the source snapshot still exists');
    });
  });
});
