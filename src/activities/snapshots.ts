/**
 * Snapshot activities: find the snapshot to restore, share it with the target account, copy it into the target
 * region/account, wait for the copy, and delete the copy afterwards.
 *
 * Every mutating activity describes first: a copy this operation already made is adopted (by its operation-id tag),
 * a foreign snapshot under our copy id is never touched, and only copies tagged with this operation are deleted.
 * AWS errors become typed failures via `toActivityFailure`; messages never contain request parameters beyond
 * identifiers, regions and accounts.
 */
import {
  CopyDBClusterSnapshotCommand,
  DeleteDBClusterSnapshotCommand,
  DescribeDBClusterSnapshotAttributesCommand,
  DescribeDBClusterSnapshotsCommand,
  ModifyDBClusterSnapshotAttributeCommand,
  paginateDescribeDBClusterSnapshots,
} from '@aws-sdk/client-rds';
import type { DBClusterSnapshot, DescribeDBClusterSnapshotsCommandInput, RDSClient } from '@aws-sdk/client-rds';
import { cancellationSignal, log } from '@temporalio/activity';

import type { AwsLocation, SnapshotInfo, Tag } from '../domain/aws-shapes';
import { classifySnapshotStatus, snapshotCopyFailureHint, statusHint } from '../domain/aws-status';
import { isCreatedByOperation, TAG_COPY_REQUESTED_AT, TAG_OPERATION_ID } from '../domain/naming';
import { buildSnapshotName, explainNoSnapshotMatch, pickLatestSnapshot } from '../domain/snapshot-selection';

import { countCopySlotBusy, recordCopySlotWait } from './activity-metrics';
import type { AwsClientFactory } from './aws-clients';
import { failure, isAwsError, toActivityFailure } from './failures';
import {
  msSinceFirstScheduled,
  notReady,
  observation,
  reportAndPlanPoll,
  reportObservation,
  skipCheckOfJustStarted,
} from './polling';
import type { ObservationReporter } from './polling';
import type {
  AwaitSnapshotInput,
  DeleteSnapshotCopyInput,
  FindSnapshotInput,
  ShareSnapshotInput,
  StartSnapshotCopyInput,
  StartSnapshotCopyOutput,
} from './types';

export interface SnapshotActivityDeps {
  clients: AwsClientFactory;
  reportObservation?: ObservationReporter;
  /** Snapshot copies allowed at once per destination account and region; default DEFAULT_COPY_SLOTS. */
  maxConcurrentCopies?: number;
}

/**
 * RDS runs at most 5 snapshot copies at once per destination region and refuses one more
 * (https://github.com/pbudzon/aws-maintenance/issues/19).
 */
export const DEFAULT_COPY_SLOTS = 5;

/** Statuses of a snapshot that is still being made; for a copy (it names its source), a copy slot in use. */
const IN_PROGRESS = new Set(['creating', 'copying', 'pending']);

/**
 * How long a copy we started may stay invisible to DescribeDBClusterSnapshots before we call it lost. RDS is
 * eventually consistent right after CopyDBClusterSnapshot; measured from the wait's first scheduling.
 */
export const COPY_VISIBILITY_GRACE_MS = 5 * 60_000;

const ACCOUNT_RE = /^\d{12}$/;

/** How long a copy in a granted slot waits after RDS refused it (an outside copy took the slot) before trying again. */
const GRANTED_SLOT_RETRY_MS = 60_000;

// ---------------------------------------------------------------------------------------------------------------
// Helpers

/**
 * The activity's cancellation signal for read-only calls, so a cancelled wait stops at once. Mutating calls get
 * none on purpose: an aborted request may still have been applied by AWS, and the next describe-first attempt is
 * the only reliable way to learn that. Undefined outside an activity context (cancellationSignal() throws there).
 */
function readSignal(): { abortSignal?: AbortSignal } {
  try {
    return { abortSignal: cancellationSignal() };
  } catch {
    return {};
  }
}

/** `snapshot X in us-east-1 (account 1234...)`: how messages name a snapshot. */
function where(id: string, loc: AwsLocation): string {
  return `snapshot ${id} in ${loc.region}${loc.accountId ? ` (account ${loc.accountId})` : ''}`;
}

interface ParsedArn {
  partition: string;
  region: string;
  accountId: string;
  resourceType: string;
  resource: string;
}

/** Splits an RDS ARN; the resource part may itself contain colons (automated ids `rds:<cluster>-<date>`). */
function parseArn(arn: string | undefined): ParsedArn | undefined {
  const parts = (arn ?? '').split(':');
  if (parts.length < 7 || parts[0] !== 'arn') return undefined;
  return {
    partition: parts[1],
    region: parts[3],
    accountId: parts[4],
    resourceType: parts[5],
    resource: parts.slice(6).join(':'),
  };
}

function tagsOf(list: { Key?: string; Value?: string }[] | undefined): Tag[] {
  return (list ?? [])
    .filter((t): t is { Key: string; Value?: string } => typeof t.Key === 'string')
    .map((t) => ({ Key: t.Key, Value: t.Value ?? '' }));
}

/** Converts an SDK snapshot into the activity contract's SnapshotInfo (region and account from its ARN). */
export function toSnapshotInfo(s: DBClusterSnapshot, loc: AwsLocation): SnapshotInfo {
  const arn = s.DBClusterSnapshotArn ?? '';
  const parsed = parseArn(arn);
  return {
    identifier: s.DBClusterSnapshotIdentifier ?? parsed?.resource ?? '',
    arn,
    region: parsed?.region || loc.region,
    accountId: parsed?.accountId || loc.accountId || '',
    ...(s.DBClusterIdentifier ? { clusterId: s.DBClusterIdentifier } : {}),
    engine: s.Engine ?? 'unknown',
    ...(s.EngineVersion ? { engineVersion: s.EngineVersion } : {}),
    status: s.Status ?? 'unknown',
    snapshotType: s.SnapshotType ?? 'unknown',
    encrypted: s.StorageEncrypted === true,
    ...(s.KmsKeyId ? { kmsKeyId: s.KmsKeyId } : {}),
    ...(s.SnapshotCreateTime ? { createdAt: new Date(s.SnapshotCreateTime).toISOString() } : {}),
    ...(typeof s.PercentProgress === 'number' ? { percentProgress: s.PercentProgress } : {}),
    ...(typeof s.AllocatedStorage === 'number' ? { allocatedStorageGb: s.AllocatedStorage } : {}),
    // DescribeDBClusterSnapshots returns the tags itself (TagList), so no ListTagsForResource call is needed.
    // Snapshots shared from another account come without the owner's tags.
    tags: tagsOf(s.TagList),
  };
}

/**
 * The snapshot with this plain identifier in the client's account and region, or undefined when absent. Snapshots
 * AWS Backup made (`awsbackup:job-...`) are of type `awsbackup`, which a describe without SnapshotType (automated
 * and manual only) may leave out: they are asked for by that type when the plain describe does not find them.
 */
async function describeSnapshot(rds: RDSClient, id: string, context: string): Promise<DBClusterSnapshot | undefined> {
  const found = await describeSnapshotOfType(rds, id, undefined, context);
  if (found || !id.startsWith('awsbackup:')) return found;
  return describeSnapshotOfType(rds, id, 'awsbackup', context);
}

async function describeSnapshotOfType(
  rds: RDSClient,
  id: string,
  snapshotType: 'awsbackup' | undefined,
  context: string
): Promise<DBClusterSnapshot | undefined> {
  try {
    const out = await rds.send(
      new DescribeDBClusterSnapshotsCommand({
        DBClusterSnapshotIdentifier: id,
        ...(snapshotType ? { SnapshotType: snapshotType } : {}),
      }),
      readSignal()
    );
    return out.DBClusterSnapshots?.find((s) => s.DBClusterSnapshotIdentifier === id) ?? out.DBClusterSnapshots?.[0];
  } catch (err) {
    if (isAwsError(err, 'DBClusterSnapshotNotFoundFault')) return undefined;
    throw toActivityFailure(err, context);
  }
}

/** Every snapshot matching `input`, across pages (the SDK paginator follows `Marker`). */
async function listSnapshots(
  rds: RDSClient,
  input: DescribeDBClusterSnapshotsCommandInput,
  context: string
): Promise<DBClusterSnapshot[]> {
  const all: DBClusterSnapshot[] = [];
  try {
    for await (const page of paginateDescribeDBClusterSnapshots({ client: rds, pageSize: 100 }, input)) {
      all.push(...(page.DBClusterSnapshots ?? []));
    }
  } catch (err) {
    throw toActivityFailure(err, context);
  }
  return all;
}

/**
 * The copies in progress in the caller's account and region, in the order they hold the copy slots: manual
 * snapshots being copied (status `copying`, or still `creating` while naming a source snapshot). Every copy counts,
 * ours or not, since the RDS quota is per account. Copies without our request time (someone else's) come first:
 * they were running before we looked. Ours follow by request time, then identifier, so racing workers agree.
 */
export async function copiesInProgress(rds: RDSClient, context: string): Promise<string[]> {
  const manual = await listSnapshots(rds, { SnapshotType: 'manual' }, context);
  const requestedAt = (s: DBClusterSnapshot) =>
    Date.parse(tagsOf(s.TagList).find((t) => t.Key === TAG_COPY_REQUESTED_AT)?.Value ?? '') || 0;
  return manual
    .filter((s) => s.Status === 'copying' || (IN_PROGRESS.has(s.Status ?? '') && !!s.SourceDBClusterSnapshotArn))
    .map((s) => ({ id: s.DBClusterSnapshotIdentifier ?? '', at: requestedAt(s) }))
    .sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((c) => c.id);
}

/**
 * The status and progress of several snapshots of the caller's account and region in ONE call (the
 * `db-cluster-snapshot-id` filter takes a list), for the copy-slot coordinator that watches every copy it granted:
 * one Describe per look for the whole region instead of one per restore. A snapshot that does not exist is left out.
 */
export async function snapshotStatuses(
  rds: RDSClient,
  ids: string[],
  context: string
): Promise<{ identifier: string; status: string; percentProgress?: number }[]> {
  if (ids.length === 0) return [];
  const found = await listSnapshots(
    rds,
    { Filters: [{ Name: 'db-cluster-snapshot-id', Values: [...new Set(ids)] }] },
    context
  );
  return found.map((s) => ({
    identifier: s.DBClusterSnapshotIdentifier ?? '',
    status: s.Status ?? 'unknown',
    ...(typeof s.PercentProgress === 'number' ? { percentProgress: s.PercentProgress } : {}),
  }));
}

/** Snapshots other accounts shared with the caller in this region (manual only: automated ones cannot be shared). */
function listShared(rds: RDSClient, context: string): Promise<DBClusterSnapshot[]> {
  return listSnapshots(rds, { SnapshotType: 'shared', IncludeShared: true }, context);
}

function requireAvailable(info: SnapshotInfo, whereText: string): SnapshotInfo {
  if (info.status === 'available') return info;
  const hint =
    statusHint(info.status) ??
    'Wait until it is available (aws rds describe-db-cluster-snapshots shows its status) and start the restore again, or choose another snapshot.';
  throw failure('SnapshotNotAvailable', `The ${whereText} is "${info.status}", not available: ${hint}`, {
    snapshot: info.identifier,
    status: info.status,
  });
}

/** Identifier of the account the caller acts in for `loc`, when the request says so. */
function callerAccount(input: FindSnapshotInput): string | undefined {
  // With a role the calls run in the role's account (source.accountId); without one, in the worker's own account,
  // which for a cross-account restore is the target account.
  return input.source.roleArn ? input.source.accountId : (input.targetAccountId ?? input.source.accountId);
}

/** True when the request names a source account that is not the one the calls run in: look for shared snapshots. */
function sourceIsForeign(input: FindSnapshotInput): boolean {
  const caller = callerAccount(input);
  return !!input.source.accountId && !!caller && input.source.accountId !== caller;
}

// ---------------------------------------------------------------------------------------------------------------
// Activities

export function createSnapshotActivities(deps: SnapshotActivityDeps) {
  const { clients } = deps;

  async function findByIdentifier(input: FindSnapshotInput, id: string, rule: string): Promise<SnapshotInfo> {
    const loc = input.source;
    const rds = clients.rds(loc);
    const context = `looking up ${where(id, loc)}`;
    if (!sourceIsForeign(input)) {
      const found = await describeSnapshot(rds, id, context);
      if (found) return requireAvailable(toSnapshotInfo(found, loc), where(id, loc));
    } else {
      const suffix = `:${input.source.accountId}:cluster-snapshot:${id}`;
      const shared = (await listShared(rds, context)).find((s) => s.DBClusterSnapshotArn?.endsWith(suffix));
      if (shared) return requireAvailable(toSnapshotInfo(shared, loc), where(id, loc));
    }
    const account = input.source.accountId ? `account ${input.source.accountId}` : "the worker's account";
    throw failure(
      'SnapshotNotFound',
      `No cluster snapshot ${rule} in ${loc.region}, ${account}. Check source.snapshot (or the selection), ` +
        'source.region and source.accountId' +
        (sourceIsForeign(input)
          ? `, and that account ${input.source.accountId} shared it with account ${callerAccount(input)} ` +
            '(or set source.roleArn to look it up in the source account).'
          : ' (automated snapshot identifiers start with "rds:").'),
      { snapshot: id, region: loc.region, accountId: input.source.accountId }
    );
  }

  async function findByArn(
    input: FindSnapshotInput,
    ref: { arn: string; region: string; accountId: string; identifier: string }
  ) {
    // Describe in the ARN's region; moto (and AWS for own snapshots) needs the plain id, shared ones are matched by ARN.
    const loc: AwsLocation = { ...input.source, region: ref.region };
    const rds = clients.rds(loc);
    const context = `looking up snapshot ${ref.arn}`;
    const caller = callerAccount(input);
    if (!caller || caller === ref.accountId) {
      const found = await describeSnapshot(rds, ref.identifier, context);
      if (found && found.DBClusterSnapshotArn === ref.arn) return requireAvailable(toSnapshotInfo(found, loc), ref.arn);
    }
    if (caller !== ref.accountId) {
      const shared = (await listShared(rds, context)).find((s) => s.DBClusterSnapshotArn === ref.arn);
      if (shared) return requireAvailable(toSnapshotInfo(shared, loc), ref.arn);
    }
    throw failure(
      'SnapshotNotFound',
      `No cluster snapshot ${ref.arn} visible in ${ref.region}` +
        (caller ? ` to account ${caller}` : '') +
        `: it does not exist, or account ${ref.accountId} has not shared it with the calling account. Check ` +
        'source.snapshot; for a snapshot of another account, share it (aws rds modify-db-cluster-snapshot-attribute ' +
        '--attribute-name restore --values-to-add <target account>) or set source.roleArn to a role in that account.',
      { snapshot: ref.arn, region: ref.region, accountId: ref.accountId }
    );
  }

  async function findLatest(
    input: FindSnapshotInput,
    ref: { clusterId: string; snapshotType: 'automated' | 'manual' | 'any' }
  ): Promise<SnapshotInfo> {
    const loc = input.source;
    const rds = clients.rds(loc);
    const context = `listing the snapshots of cluster ${ref.clusterId} in ${loc.region}`;
    let candidates: SnapshotInfo[];
    if (sourceIsForeign(input)) {
      // Another account's cluster is only visible through what it shared with us (manual snapshots only).
      const shared = await listShared(rds, context);
      candidates = shared
        .filter(
          (s) =>
            s.DBClusterIdentifier === ref.clusterId &&
            parseArn(s.DBClusterSnapshotArn)?.accountId === input.source.accountId
        )
        .map((s) => toSnapshotInfo(s, loc));
    } else {
      const query: DescribeDBClusterSnapshotsCommandInput = { DBClusterIdentifier: ref.clusterId };
      if (ref.snapshotType !== 'any') query.SnapshotType = ref.snapshotType;
      candidates = (await listSnapshots(rds, query, context)).map((s) => toSnapshotInfo(s, loc));
    }
    const latest = pickLatestSnapshot(candidates, ref.snapshotType);
    if (latest) return latest;
    const subject = `cluster "${ref.clusterId}" in ${loc.region}${input.source.accountId ? ` (account ${input.source.accountId})` : ''}`;
    throw failure(
      'SnapshotNotFound',
      `Cannot select a snapshot: ${explainNoSnapshotMatch(candidates, ref.snapshotType, subject)}`,
      {
        cluster: ref.clusterId,
        region: loc.region,
        accountId: input.source.accountId,
        snapshotType: ref.snapshotType,
      }
    );
  }

  /**
   * The copy call once the region's coordinator granted a slot: no counting, no race check (the coordinator grants
   * each slot to one restore only). RDS refuses only when a copy started outside the pipeline since the coordinator
   * last looked: then this attempt waits a minute, like any wait for a slot.
   */
  async function copyInGrantedSlot(
    input: StartSnapshotCopyInput,
    rds: RDSClient,
    context: string,
    adoptOrRefuse: (existing: DBClusterSnapshot) => StartSnapshotCopyOutput
  ): Promise<StartSnapshotCopyOutput> {
    const { target: loc, copyIdentifier: id } = input;
    try {
      const arn = await sendCopy(rds, input);
      log.info('Started the snapshot copy in a granted slot', { copy: id, region: loc.region });
      return { identifier: id, arn, adopted: false };
    } catch (err) {
      if (isAwsError(err, 'DBClusterSnapshotAlreadyExistsFault')) {
        const raced = await describeSnapshot(rds, id, context);
        if (raced) return adoptOrRefuse(raced);
      }
      if (isAwsError(err, 'SnapshotQuotaExceededFault')) {
        return waitForCopySlot(id, loc, [], 'RDS refused one more copy (a copy started outside the pipeline)', {
          report: deps.reportObservation,
          retryAfterMs: GRANTED_SLOT_RETRY_MS,
        });
      }
      throw toActivityFailure(err, context);
    }
  }

  return {
    /** Finds the snapshot the request names (identifier, ARN or selection rule); it must be `available`. */
    async findSnapshot(input: FindSnapshotInput): Promise<SnapshotInfo> {
      const { ref } = input;
      switch (ref.kind) {
        case 'identifier':
          return findByIdentifier(input, ref.identifier, `"${ref.identifier}"`);
        case 'arn':
          return findByArn(input, ref);
        case 'latest':
          return findLatest(input, ref);
        case 'name-template': {
          let name: string;
          try {
            name = buildSnapshotName(ref.template, { date: ref.date, clusterId: ref.clusterId });
          } catch (err) {
            throw failure(
              'InvalidRequest',
              `source.selection.template: ${err instanceof Error ? err.message : String(err)}`
            );
          }
          return findByIdentifier(input, name, `"${name}" (template "${ref.template}" for ${ref.date})`);
        }
        default: {
          const unknown: never = ref;
          throw failure('InvalidRequest', `Unknown snapshot reference ${JSON.stringify(unknown)}`);
        }
      }
    },

    /** Lets `targetAccountId` restore/copy the snapshot (restore attribute). Idempotent: checks the attribute first. */
    async shareSnapshot(input: ShareSnapshotInput): Promise<{ alreadyShared: boolean }> {
      const { source: loc, snapshotIdentifier: id, targetAccountId } = input;
      if (!ACCOUNT_RE.test(targetAccountId)) {
        throw failure(
          'InvalidRequest',
          `Cannot share ${where(id, loc)}: target account "${targetAccountId}" is not a 12-digit account id.`
        );
      }
      const rds = clients.rds(loc);
      const context = `sharing ${where(id, loc)} with account ${targetAccountId}`;
      const snapshot = await describeSnapshot(rds, id, context);
      if (!snapshot) {
        throw failure(
          'SnapshotNotFound',
          `Cannot share ${where(id, loc)}: it does not exist (any more). Check source.snapshot and source.region.`,
          {
            snapshot: id,
          }
        );
      }
      if (snapshot.SnapshotType === 'automated') {
        throw failure(
          'SnapshotNotShareable',
          `Cannot share ${where(id, loc)} with account ${targetAccountId}: automated snapshots cannot be shared. ` +
            'Copy it to a manual snapshot in the source account (aws rds copy-db-cluster-snapshot) and restore from that ' +
            'copy, or select a manual snapshot (source.selection.snapshotType "manual").',
          { snapshot: id }
        );
      }
      if (await isSharedWith(rds, id, targetAccountId, context)) return { alreadyShared: true };
      try {
        await rds.send(changeRestoreAccess(id, { ValuesToAdd: [targetAccountId] }));
      } catch (err) {
        if (isAwsError(err, 'InvalidDBClusterSnapshotStateFault') && /automated/i.test(err.message)) {
          throw failure(
            'SnapshotNotShareable',
            `Cannot share ${where(id, loc)}: RDS says ${err.message} Select a manual snapshot.`,
            {
              snapshot: id,
            }
          );
        }
        throw toActivityFailure(err, context);
      }
      log.info('Shared snapshot with the target account', { snapshot: id, region: loc.region, targetAccountId });
      return { alreadyShared: false };
    },

    /** Removes `targetAccountId` from the snapshot's restore attribute; a no-op when absent or already removed. */
    async unshareSnapshot(input: ShareSnapshotInput): Promise<{ removed: boolean }> {
      const { source: loc, snapshotIdentifier: id, targetAccountId } = input;
      const rds = clients.rds(loc);
      const context = `removing the share of ${where(id, loc)} with account ${targetAccountId}`;
      if (!(await isSharedWith(rds, id, targetAccountId, context, false))) return { removed: false };
      try {
        await rds.send(changeRestoreAccess(id, { ValuesToRemove: [targetAccountId] }));
      } catch (err) {
        if (isAwsError(err, 'DBClusterSnapshotNotFoundFault')) return { removed: false };
        throw toActivityFailure(err, context);
      }
      log.info('Removed the share of the snapshot with the target account', {
        snapshot: id,
        region: loc.region,
        targetAccountId,
      });
      return { removed: true };
    },

    /**
     * Starts copying `sourceSnapshotArn` into the target region/account as `copyIdentifier`, tagged with the
     * operation. Adopts a copy this operation already started; refuses a foreign snapshot under that identifier.
     */
    async startSnapshotCopy(input: StartSnapshotCopyInput): Promise<StartSnapshotCopyOutput> {
      const { target: loc, copyIdentifier: id, sourceSnapshotArn, operationId } = input;
      const problems: string[] = [];
      if (!id) problems.push('copyIdentifier is empty');
      if (!parseArn(sourceSnapshotArn)) problems.push(`sourceSnapshotArn "${sourceSnapshotArn}" is not an ARN`);
      // Without our tags the copy could never be adopted on retry nor deleted by cleanup.
      if (!isCreatedByOperation(input.tags, operationId))
        problems.push(`tags do not mark the copy as created by operation ${operationId}`);
      if (problems.length)
        throw failure(
          'InvalidRequest',
          `Cannot copy snapshot ${sourceSnapshotArn} to ${loc.region}: ${problems.join('; ')}.`
        );

      const rds = clients.rds(loc);
      const context = `copying snapshot ${sourceSnapshotArn} to ${where(id, loc)}`;
      const adoptOrRefuse = (existing: DBClusterSnapshot): StartSnapshotCopyOutput => {
        const ours = isCreatedByOperation(tagsOf(existing.TagList), operationId);
        if (ours && existing.Status === 'deleting') {
          // Our own copy being deleted: cancelled by an earlier attempt that lost a slot race, or by the cleanup of
          // an earlier run of this operation. Copy anew once it is gone.
          notReady(
            observation('snapshot-copy', id, 'deleting'),
            `${where(id, loc)} is still being deleted (an earlier attempt cancelled it); the copy starts again once it is gone`
          );
        }
        if (ours) {
          log.info('Adopted the snapshot copy this operation already started', {
            copy: id,
            region: loc.region,
            operationId,
          });
          return { identifier: id, arn: existing.DBClusterSnapshotArn ?? '', adopted: true };
        }
        const owner = tagsOf(existing.TagList).find((t) => t.Key === TAG_OPERATION_ID)?.Value;
        throw failure(
          'SnapshotCopyConflict',
          `Cannot copy snapshot ${sourceSnapshotArn}: ${where(id, loc)} already exists and was not created by operation ` +
            `${operationId}${owner ? ` (it belongs to operation ${owner})` : ' (it is not tagged by this pipeline)'}. ` +
            'Delete or rename that snapshot if it is no longer needed, or start the restore with another operationId.',
          { snapshot: id, ...(owner ? { ownerOperationId: owner } : {}) }
        );
      };

      // In a granted slot the copy call itself is the check: RDS refuses a second snapshot under the identifier
      // (DBClusterSnapshotAlreadyExistsFault), atomically, where a describe first would leave a gap. Only then do
      // we describe, to adopt this operation's copy or refuse a foreign one: one snapshot Describe less per copy.
      if (input.slotGranted) return copyInGrantedSlot(input, rds, context, adoptOrRefuse);
      const existing = await describeSnapshot(rds, id, context);
      if (existing) return adoptOrRefuse(existing);
      // Wait for a copy slot rather than ask RDS for a copy it would refuse (the workflow polls this activity).
      const slots = deps.maxConcurrentCopies ?? DEFAULT_COPY_SLOTS;
      const running = await copiesInProgress(rds, context);
      if (running.length >= slots)
        await waitForCopySlot(id, loc, running, `the limit is ${slots}`, { report: deps.reportObservation });
      let arn: string;
      try {
        arn = await sendCopy(rds, input);
      } catch (err) {
        if (isAwsError(err, 'DBClusterSnapshotAlreadyExistsFault')) {
          // Lost a race with an earlier attempt (or another actor): adopt only if it is ours.
          const raced = await describeSnapshot(rds, id, context);
          if (raced) return adoptOrRefuse(raced);
        }
        if (isAwsError(err, 'SnapshotQuotaExceededFault')) {
          // Another worker (or someone else) took the last slot since we counted: wait like for any slot. With no
          // copy in progress before or after, the account is out of manual snapshots, which waiting cannot fix.
          // (Both counts matter: under a tight call budget, copies may have ended by the time the second one runs.)
          const busy = await copiesInProgress(rds, context);
          if (busy.length > 0 || running.length > 0)
            await waitForCopySlot(id, loc, busy, 'RDS refused one more copy', { report: deps.reportObservation });
        }
        throw toActivityFailure(err, context);
      }
      // Another worker may have counted the same free slot at the same time. Every racer sees the same order of the
      // copies in progress; those past the limit cancel their own copy (deleting a copy in progress cancels it) and
      // wait like anyone else.
      const after = await copiesInProgress(rds, context);
      if (after.indexOf(id) >= slots) {
        try {
          await rds.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: id }));
        } catch (err) {
          if (!isAwsError(err, 'DBClusterSnapshotNotFoundFault')) throw toActivityFailure(err, context);
        }
        log.info('Cancelled a snapshot copy started in the same moment as others: over the copy slot limit', {
          copy: id,
          region: loc.region,
          operationId,
        });
        await waitForCopySlot(
          id,
          loc,
          after.filter((c) => c !== id),
          `the limit is ${slots} (another copy took the last slot at the same moment)`,
          { report: deps.reportObservation }
        );
      }
      // From the first attempt: the attempts before this one found no free copy slot.
      recordCopySlotWait(loc.region, msSinceFirstScheduled());
      log.info('Started the snapshot copy', { copy: id, region: loc.region, source: sourceSnapshotArn, operationId });
      return { identifier: id, arn, adopted: false };
    },

    /** One status check of the copy per attempt (infrequent polling); returns it once `available`. */
    async awaitSnapshotAvailable(input: AwaitSnapshotInput): Promise<SnapshotInfo> {
      const { target: loc, snapshotIdentifier: id } = input;
      await skipCheckOfJustStarted(
        input.justStarted,
        where(id, loc),
        observation('snapshot-copy', id, 'creating'),
        { resource: 'snapshot-copy', expectedDurationMs: input.expectedDurationMs },
        deps.reportObservation
      );
      const rds = clients.rds(loc);
      const found = await describeSnapshot(rds, id, `checking the status of ${where(id, loc)}`);
      if (!found) {
        const elapsed = msSinceFirstScheduled();
        if (elapsed < COPY_VISIBILITY_GRACE_MS) {
          notReady(observation('snapshot-copy', id, 'not-visible-yet'), `${where(id, loc)} is not visible yet`);
        }
        throw failure(
          'SnapshotCopyFailed',
          `The ${where(id, loc)} disappeared: it was not found for ${Math.round(elapsed / 1000)} s after the copy started. ` +
            snapshotCopyFailureHint('not-found'),
          { snapshot: id }
        );
      }
      const info = toSnapshotInfo(found, loc);
      // Only a copy still in progress is reported: a signal sent just before this activity completes would race
      // the completion for a workflow task, and the workflow records the final status from the result anyway.
      switch (classifySnapshotStatus(info.status)) {
        case 'ready':
          return info;
        case 'terminal':
          throw failure(
            'SnapshotCopyFailed',
            `The ${where(id, loc)} is "${info.status}": ${snapshotCopyFailureHint(info.status)}`,
            { snapshot: id, status: info.status }
          );
        default: {
          const obs = observation('snapshot-copy', id, info.status, info.percentProgress);
          const delayMs = await reportAndPlanPoll(
            obs,
            { resource: 'snapshot-copy', expectedDurationMs: input.expectedDurationMs },
            deps.reportObservation
          );
          const percent = info.percentProgress === undefined ? '' : ` (${info.percentProgress}%)`;
          return notReady(obs, `${where(id, loc)} is ${info.status}${percent}`, delayMs);
        }
      }
    },

    /** Deletes the copy this operation made. Refuses anything not tagged with the operation (e.g. a source snapshot). */
    async deleteSnapshotCopy(input: DeleteSnapshotCopyInput): Promise<{ deleted: boolean }> {
      const { target: loc, snapshotIdentifier: id, operationId } = input;
      const rds = clients.rds(loc);
      const context = `deleting the snapshot copy ${where(id, loc)}`;
      const existing = await describeSnapshot(rds, id, context);
      if (!existing) return { deleted: false };
      if (existing.SnapshotType === 'automated' || !isCreatedByOperation(tagsOf(existing.TagList), operationId)) {
        throw failure(
          'NotManagedByPipeline',
          `Refusing to delete ${where(id, loc)}: it is not tagged as created by operation ${operationId}, so it is not ` +
            "this restore's copy (the pipeline never deletes source snapshots or snapshots it did not create). " +
            'Delete it yourself if it is no longer needed.',
          { snapshot: id }
        );
      }
      try {
        // A copy still in `copying` can be deleted too: that is how RDS cancels a copy in progress.
        await rds.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: id }));
      } catch (err) {
        if (isAwsError(err, 'DBClusterSnapshotNotFoundFault')) return { deleted: false };
        throw toActivityFailure(err, context);
      }
      log.info('Deleted the snapshot copy', { copy: id, region: loc.region, operationId });
      return { deleted: true };
    },
  };
}

/**
 * Ends this attempt of `startSnapshotCopy` as "not ready": the workflow retries it every poll interval until a slot
 * frees up or the copy timeout passes. The progress query shows `waiting-for-copy-slot`.
 */
async function waitForCopySlot(
  id: string,
  loc: AwsLocation,
  running: string[],
  why: string,
  options: { report?: ObservationReporter; retryAfterMs?: number } = {}
): Promise<never> {
  const obs = observation('snapshot-copy', id, 'waiting-for-copy-slot');
  countCopySlotBusy(loc.region);
  await reportObservation(obs, options.report);
  const shown = running.slice(0, 5).join(', ') + (running.length > 5 ? ', ...' : '');
  const busy =
    running.length === 0
      ? 'copies were in progress a moment ago'
      : `${running.length} cop${running.length === 1 ? 'y is' : 'ies are'} in progress (${shown})`;
  return notReady(
    obs,
    `Waiting for a snapshot copy slot in ${loc.region}${loc.accountId ? ` of account ${loc.accountId}` : ''}: ` +
      `${busy} and ${why}. The copy ${id} starts when one finishes.`,
    options.retryAfterMs
  );
}

/** CopyDBClusterSnapshot with the operation's tags and the time of the request; returns the copy's ARN. */
async function sendCopy(rds: RDSClient, input: StartSnapshotCopyInput): Promise<string> {
  const requestedAt = { Key: TAG_COPY_REQUESTED_AT, Value: new Date().toISOString() };
  const out = await rds.send(
    new CopyDBClusterSnapshotCommand({
      SourceDBClusterSnapshotIdentifier: input.sourceSnapshotArn,
      TargetDBClusterSnapshotIdentifier: input.copyIdentifier,
      ...(input.kmsKeyId ? { KmsKeyId: input.kmsKeyId } : {}),
      Tags: [...input.tags.filter((t) => t.Key !== TAG_COPY_REQUESTED_AT), requestedAt],
      CopyTags: false,
    })
  );
  return out.DBClusterSnapshot?.DBClusterSnapshotArn ?? '';
}

/** Adds accounts to, or removes them from, the snapshot's `restore` attribute: the accounts that may restore it. */
function changeRestoreAccess(
  id: string,
  change: { ValuesToAdd: string[] } | { ValuesToRemove: string[] }
): ModifyDBClusterSnapshotAttributeCommand {
  return new ModifyDBClusterSnapshotAttributeCommand({
    DBClusterSnapshotIdentifier: id,
    AttributeName: 'restore',
    ...change,
  });
}

/**
 * Whether the snapshot's `restore` attribute lists the account explicitly (`all`, a public snapshot, does not count:
 * an explicit entry is what unshare can later remove). An absent snapshot is false when `mustExist` is off.
 */
async function isSharedWith(
  rds: RDSClient,
  id: string,
  accountId: string,
  context: string,
  mustExist = true
): Promise<boolean> {
  try {
    const out = await rds.send(
      new DescribeDBClusterSnapshotAttributesCommand({ DBClusterSnapshotIdentifier: id }),
      readSignal()
    );
    const restore = out.DBClusterSnapshotAttributesResult?.DBClusterSnapshotAttributes?.find(
      (a) => a.AttributeName === 'restore'
    );
    return (restore?.AttributeValues ?? []).includes(accountId);
  } catch (err) {
    if (!mustExist && isAwsError(err, 'DBClusterSnapshotNotFoundFault')) return false;
    throw toActivityFailure(err, context);
  }
}

export type SnapshotActivities = ReturnType<typeof createSnapshotActivities>;
