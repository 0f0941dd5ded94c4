/**
 * What the simulator does to RDS calls, on top of moto's answers:
 *
 * Time (moto changes state instantly; AWS takes minutes). Each operation starts when the mutating call succeeds
 * against moto, and Describe results are rewritten from the timeline (see timeline.ts):
 *  - CopyDBClusterSnapshot: the copy reports `creating`, then `copying` with PercentProgress rising linearly, then
 *    `available` (100) after `snapshotCopy`; the call's own response says `creating`.
 *  - RestoreDBClusterFromSnapshot: `creating`, then `backing-up` near the end, then `available` after
 *    `clusterRestore`. A new cluster takes its first automated backup before it is available ("backing-up: The DB
 *    cluster is currently being backed up", Viewing DB cluster status,
 *    https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/accessing-monitoring.html#Aurora.Status).
 *  - ModifyDBCluster: `resetting-master-credentials` for `masterCredentialsReset` after a master password change
 *    (with `PendingModifiedValues.MasterUserPassword` until it is done, and the new password working only then),
 *    `modifying` for `clusterModify` after other running settings. StopDBCluster: `stopping`, `stopped`;
 *    StartDBCluster: `starting`, `available`. Sources and rules in cluster-states.ts.
 *  - CreateDBInstance: `creating` (no Endpoint yet, as on AWS), `backing-up`, `configuring-enhanced-monitoring`,
 *    `available` after `instanceCreate`, and never before its cluster's restore ends.
 *  - DeleteDBInstance / DeleteDBCluster: moto removes the resource at once; the simulator keeps reporting it as
 *    `deleting` (synthesized from moto's last description, in Describe results and as a cluster member) until
 *    `instanceDelete` / `clusterDelete` elapse; then moto's real NotFound faults come through. A cluster's deletion
 *    lasts at least as long as its instances'.
 *  - forceStatus: terminal or odd statuses moto never produces, reported in place of the simulated one.
 *  - Renames (ModifyDBCluster NewDBClusterIdentifier, ModifyDBInstance NewDBInstanceIdentifier): see the renames
 *    section below.
 * State rules AWS enforces and moto cannot (it never sees a resource in progress), raised as the SDK's own
 * exception classes: restoring from or copying a snapshot that is not `available`
 * (InvalidDBClusterSnapshotStateFault); a sixth concurrent copy into one account and Region
 * (SnapshotQuotaExceededFault); restoring or creating a cluster whose identifier exists or is still being
 * deleted (DBClusterAlreadyExistsFault, which moto never raises: it silently replaces the cluster); adding an
 * instance to, modifying or deleting a cluster that is being deleted, or modifying one that is still `creating`
 * (InvalidDBClusterStateFault); deleting an instance twice (InvalidDBInstanceStateFault); ModifyDBCluster of an
 * unknown cluster (DBClusterNotFoundFault; moto answers HTTP 500); modifying, stopping when not available, starting
 * when not stopped, or adding an instance to a stopped, stopping or starting cluster (InvalidDBClusterStateFault);
 * creating an instance under the identifier of one still being deleted (DBInstanceAlreadyExistsFault: identifiers
 * are unique per account and Region, in any cluster).
 * Other moto gaps filled:
 *  - cross-account CopyDBClusterSnapshot (cross-account.ts);
 *  - same-account cross-region copy of an encrypted snapshot without KmsKeyId is refused with
 *    InvalidParameterValue, as AWS does (moto accepts it);
 *  - RestoreDBClusterFromSnapshot ignores a false DeletionProtection / CopyTagsToSnapshot in moto (the snapshot's
 *    cluster's true values win); AWS defaults both to false on restore. When the request does not ask for true and
 *    moto's cluster says true, the simulator issues ModifyDBCluster to set them false before answering;
 *  - copies report SourceDBClusterSnapshotArn, which moto omits.
 * Live cluster sources (cluster-sources.ts has the rules and their AWS sources): DescribeDBClusters reports the
 * restorable window (EarliestRestorableTime, LatestRestorableTime) and CloneGroupId; RestoreDBClusterToPointInTime
 * refuses a RestoreToTime outside the window (InvalidRestoreFault), a source in another region or account
 * (InvalidParameterValue) and a clone of a cluster that is not available or has no instance
 * (InvalidDBClusterStateFault); a clone takes `clusterClone`, a full copy `clusterRestore`, and a clone past the
 * chain's limit is made as a full copy. AWS Backup snapshots (`awsbackup:...`) report SnapshotType `awsbackup` and
 * are listed only when that type is asked for.
 * Pagination: synthesized resources are appended only to the last page (no Marker), so paginators see each once;
 * such a page may hold a few more than MaxRecords. Filters supported for synthesized resources: db-cluster-id,
 * db-instance-id, dbi-resource-id, engine (the ones moto supports).
 */
import { randomUUID } from 'node:crypto';

import {
  DeleteDBClusterSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  ModifyDBClusterCommand,
} from '@aws-sdk/client-rds';
import type {
  CopyDBClusterSnapshotCommandInput,
  DBCluster,
  DBClusterMember,
  DBClusterSnapshot,
  DBInstance,
  Filter,
} from '@aws-sdk/client-rds';

import { identifierOf, parseRdsArn } from './arn';
import { awsBackupView, CloneChains, isAwsBackupSnapshotId, restorableWindow } from './cluster-sources';
import { ClusterStates, STOPPED_STATUSES } from './cluster-states';
import type { ModifyClusterInput } from './cluster-states';
import { emulateCrossAccountCopy } from './cross-account';
import { isErrorNamed, simError } from './errors';
import type { InternalClients } from './moto-clients';
import { RenameLedger } from './renames';
import { copyPercent, progressOf } from './timeline';
import type { Activity, ResourceKind, ResourceRef, Timeline } from './timeline';
import type { SimTimings } from './timings';

/** Concurrent snapshot copies RDS runs per destination account and Region; one more is refused (5, as on AWS). */
export const SNAPSHOT_COPY_QUOTA = 5;

/** The members of RDS command inputs the simulator reads (inputs arrive untyped from the middleware). */
export interface RdsInput {
  SourceDBClusterSnapshotIdentifier?: string;
  TargetDBClusterSnapshotIdentifier?: string;
  DBClusterSnapshotIdentifier?: string;
  SnapshotIdentifier?: string;
  DBClusterIdentifier?: string;
  DBInstanceIdentifier?: string;
  KmsKeyId?: string;
  DeletionProtection?: boolean;
  CopyTagsToSnapshot?: boolean;
  Filters?: Filter[];
  SourceDBClusterIdentifier?: string;
  RestoreType?: string;
  RestoreToTime?: Date | string;
  SnapshotType?: string;
  NewDBClusterIdentifier?: string;
  NewDBInstanceIdentifier?: string;
}

/** The members of RDS command outputs the simulator rewrites. */
export interface RdsOutput {
  DBClusterSnapshot?: DBClusterSnapshot;
  DBClusterSnapshots?: DBClusterSnapshot[];
  DBCluster?: DBCluster;
  DBClusters?: DBCluster[];
  DBInstance?: DBInstance;
  DBInstances?: DBInstance[];
  Marker?: string;
  /** Every SDK output carries it; the retry middleware updates attempts and totalRetryDelay. */
  $metadata?: { httpStatusCode?: number; requestId?: string; attempts?: number; totalRetryDelay?: number };
}

/** What the middleware hands over for one RDS attempt. */
export interface RdsCall {
  command: string;
  input: RdsInput;
  region: string;
  /** Endpoint of the moto server the request goes to. */
  endpoint: string;
  /** AWS time of the attempt. */
  now: number;
  /** The account the request acts in (resolved lazily: it may take an STS call). */
  account: () => Promise<string>;
}

export interface HandlerResult {
  output: RdsOutput;
  response: unknown;
}

export type Next = () => Promise<HandlerResult>;

/** A successful answer the simulator produced itself, shaped as the SDK returns one. */
function synthesized(body: RdsOutput): HandlerResult {
  return {
    response: { statusCode: 200, headers: {} },
    output: { ...body, $metadata: { httpStatusCode: 200, requestId: randomUUID(), attempts: 1, totalRetryDelay: 0 } },
  };
}

export class RdsBehaviour {
  private readonly cloneChains = new CloneChains();
  private readonly renames = new RenameLedger();

  constructor(
    private readonly timeline: Timeline,
    private readonly timings: () => SimTimings,
    private readonly clients: InternalClients,
    /** Statuses after ModifyDBCluster, StopDBCluster and StartDBCluster (cluster-states.ts). */
    readonly clusterStates: ClusterStates = new ClusterStates()
  ) {
    // What a restarted worker must still know: kept in the timeline's state file, when it has one.
    timeline.persist('renames', this.renames);
    timeline.persist('clusterStates', clusterStates);
    timeline.persist('cloneChains', this.cloneChains);
  }

  async handle(call: RdsCall, next: Next): Promise<HandlerResult> {
    switch (call.command) {
      case 'CopyDBClusterSnapshotCommand':
        return this.copySnapshot(call, next);
      case 'DescribeDBClusterSnapshotsCommand':
        return this.describeSnapshots(call, next);
      case 'DeleteDBClusterSnapshotCommand':
        return this.deleteSnapshot(call, next);
      case 'RestoreDBClusterFromSnapshotCommand':
        return this.restoreCluster(call, next);
      case 'RestoreDBClusterToPointInTimeCommand':
        return this.restoreToPointInTime(call, next);
      case 'CreateDBClusterCommand':
        return this.createCluster(call, next);
      case 'DescribeDBClustersCommand':
        return this.describeClusters(call, next);
      case 'ModifyDBClusterCommand':
        return call.input.NewDBClusterIdentifier ? this.renameCluster(call, next) : this.modifyCluster(call, next);
      case 'ModifyDBInstanceCommand':
        return call.input.NewDBInstanceIdentifier ? this.renameInstance(call, next) : next();
      case 'DeleteDBClusterCommand':
        return this.deleteCluster(call, next);
      case 'CreateDBInstanceCommand':
        return this.createInstance(call, next);
      case 'DescribeDBInstancesCommand':
        return this.describeInstances(call, next);
      case 'DeleteDBInstanceCommand':
        return this.deleteInstance(call, next);
      case 'StopDBClusterCommand':
        return this.stopOrStartCluster(call, next, 'stop');
      case 'StartDBClusterCommand':
        return this.stopOrStartCluster(call, next, 'start');
      default:
        return next();
    }
  }

  // ---- snapshots -------------------------------------------------------------------------------------------------

  private async copySnapshot(call: RdsCall, next: Next): Promise<HandlerResult> {
    const account = await call.account();
    const sourceParam = call.input.SourceDBClusterSnapshotIdentifier ?? '';
    const arn = parseRdsArn(sourceParam);
    const source: ResourceRef = {
      kind: 'snapshot',
      account: arn?.account ?? account,
      region: arn?.region ?? call.region,
      id: arn?.id ?? sourceParam,
    };
    const sourceStatus = this.simulatedStatus(source, call.now);
    if (sourceStatus && sourceStatus !== 'available') {
      throw simError('rds', 'InvalidDBClusterSnapshotStateFault', {
        message: `Snapshot ${source.id} is in ${sourceStatus} state; only an available snapshot can be copied.`,
      });
    }
    const copying = this.timeline.inProgress('snapshot', 'copy', account, call.region, call.now).length;
    if (copying >= SNAPSHOT_COPY_QUOTA) {
      throw simError('rds', 'SnapshotQuotaExceededFault', {
        message: `${copying} snapshot copies are already in progress in ${call.region}; the quota is ${SNAPSHOT_COPY_QUOTA} concurrent copies per Region.`,
      });
    }
    const sourceArn = arn ? sourceParam : `arn:aws:rds:${call.region}:${account}:cluster-snapshot:${sourceParam}`;
    let result: HandlerResult;
    let overrides: Record<string, unknown> = { SourceDBClusterSnapshotArn: sourceArn };
    if (arn && arn.account !== account) {
      const copy = await emulateCrossAccountCopy({
        clients: this.clients,
        endpoint: call.endpoint,
        callerAccount: account,
        region: call.region,
        source: arn,
        input: { ...call.input } as CopyDBClusterSnapshotCommandInput,
      });
      overrides = copy.overrides;
      result = synthesized({ DBClusterSnapshot: copy.snapshot });
    } else {
      if (source.region !== call.region && !call.input.KmsKeyId) await this.refuseUnkeyedEncryptedCopy(call, source);
      result = await next();
    }
    const snapshot = result.output.DBClusterSnapshot;
    const id = snapshot?.DBClusterSnapshotIdentifier ?? call.input.TargetDBClusterSnapshotIdentifier;
    if (snapshot && id) {
      const now = call.now;
      this.timeline.start({
        kind: 'snapshot',
        account,
        region: call.region,
        id,
        op: 'copy',
        startMs: now,
        endMs: now + this.timings().snapshotCopy,
        overrides,
      });
      result.output.DBClusterSnapshot = this.snapshotView(snapshot, account, call.region, now);
    }
    return result;
  }

  /** AWS: "To copy an encrypted DB cluster snapshot to another Region, you must set KmsKeyId". moto does not ask. */
  private async refuseUnkeyedEncryptedCopy(call: RdsCall, source: ResourceRef): Promise<void> {
    const client = this.clients.rds(call.endpoint, source.account, source.region);
    const out = await client
      .send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: source.id }))
      .catch((err: unknown) => {
        if (isErrorNamed(err, 'DBClusterSnapshotNotFoundFault')) return undefined; // moto's own answer will say so
        throw err;
      });
    if (out?.DBClusterSnapshots?.[0]?.StorageEncrypted) {
      throw simError('rds', 'InvalidParameterValue', {
        message: 'Must specify new KMS key for cross region encrypted snapshot copy.',
      });
    }
  }

  private async describeSnapshots(call: RdsCall, next: Next): Promise<HandlerResult> {
    if (call.input.SnapshotType === 'awsbackup') return this.describeAwsBackupSnapshots(call);
    const result = await next();
    const snapshots = result.output.DBClusterSnapshots?.filter(
      (s) => !isAwsBackupSnapshotId(s.DBClusterSnapshotIdentifier)
    );
    if (snapshots) {
      const account = await call.account();
      result.output.DBClusterSnapshots = snapshots.map((s) => this.snapshotView(s, account, call.region, call.now));
    }
    return result;
  }

  private async deleteSnapshot(call: RdsCall, next: Next): Promise<HandlerResult> {
    const result = await next();
    const id = identifierOf(call.input.DBClusterSnapshotIdentifier ?? '');
    // Deleting a snapshot that is still being copied is how AWS cancels a copy: its simulated copy ends here.
    this.timeline.remove({ kind: 'snapshot', account: await call.account(), region: call.region, id }, call.now);
    return result;
  }

  private snapshotView(snapshot: DBClusterSnapshot, account: string, region: string, now: number): DBClusterSnapshot {
    const ref = this.refOf(
      'snapshot',
      snapshot.DBClusterSnapshotArn,
      snapshot.DBClusterSnapshotIdentifier,
      account,
      region
    );
    if (!ref) return snapshot;
    const activity = this.timeline.get(ref);
    const view: DBClusterSnapshot = { ...snapshot, ...(activity?.overrides ?? {}) };
    if (activity?.op === 'copy') {
      const progress = progressOf(activity, now);
      view.Status = progress.status;
      view.PercentProgress = copyPercent(progress);
    }
    const forced = this.timeline.forcedStatus(ref, now);
    if (forced) view.Status = forced;
    return view;
  }

  // ---- clusters --------------------------------------------------------------------------------------------------

  private async restoreCluster(call: RdsCall, next: Next): Promise<HandlerResult> {
    const account = await call.account();
    const snapshotId = identifierOf(call.input.SnapshotIdentifier ?? '');
    const snapshotRef: ResourceRef = { kind: 'snapshot', account, region: call.region, id: snapshotId };
    const snapshotStatus = this.simulatedStatus(snapshotRef, call.now);
    if (snapshotStatus && snapshotStatus !== 'available') {
      throw simError('rds', 'InvalidDBClusterSnapshotStateFault', {
        message: `Snapshot ${snapshotId} is in ${snapshotStatus} state; a cluster can be restored only from an available snapshot.`,
      });
    }
    const clusterId = call.input.DBClusterIdentifier ?? '';
    await this.refuseExistingCluster(call, account, clusterId);

    const result = await next();
    const cluster = result.output.DBCluster;
    if (!cluster) return result;
    await this.applyRestoreDefaults(call, account, cluster);
    this.clusterStates.forget({ account, region: call.region, id: cluster.DBClusterIdentifier ?? clusterId });
    this.timeline.start({
      kind: 'cluster',
      account,
      region: call.region,
      id: cluster.DBClusterIdentifier ?? clusterId,
      op: 'restore',
      startMs: call.now,
      endMs: call.now + this.timings().clusterRestore,
    });
    result.output.DBCluster = this.clusterView(cluster, account, call.region, call.now);
    return result;
  }

  private async createCluster(call: RdsCall, next: Next): Promise<HandlerResult> {
    const account = await call.account();
    const clusterId = call.input.DBClusterIdentifier ?? '';
    await this.refuseExistingCluster(call, account, clusterId);
    const result = await next();
    // Created instantly (clusters are created by test fixtures, not by the pipeline): forget an older namesake.
    this.timeline.remove({ kind: 'cluster', account, region: call.region, id: clusterId });
    this.clusterStates.forget({ account, region: call.region, id: clusterId });
    return result;
  }

  /** AWS refuses a cluster identifier that is taken, including by a cluster still being deleted. moto overwrites. */
  private async refuseExistingCluster(call: RdsCall, account: string, clusterId: string): Promise<void> {
    const ref: ResourceRef = { kind: 'cluster', account, region: call.region, id: clusterId };
    const exists =
      this.timeline.deleting(ref, call.now) !== undefined ||
      (await this.describeClusterInternal(call, account, clusterId)) !== undefined;
    if (exists) throw simError('rds', 'DBClusterAlreadyExistsFault', { message: 'DB Cluster already exists' });
  }

  /** moto keeps true DeletionProtection / CopyTagsToSnapshot from the snapshot's cluster; AWS defaults to false. */
  private async applyRestoreDefaults(call: RdsCall, account: string, cluster: DBCluster): Promise<void> {
    const fix: { DeletionProtection?: boolean; CopyTagsToSnapshot?: boolean } = {};
    if (call.input.DeletionProtection !== true && cluster.DeletionProtection === true) fix.DeletionProtection = false;
    if (call.input.CopyTagsToSnapshot !== true && cluster.CopyTagsToSnapshot === true) fix.CopyTagsToSnapshot = false;
    if (Object.keys(fix).length === 0 || !cluster.DBClusterIdentifier) return;
    await this.clients
      .rds(call.endpoint, account, call.region)
      .send(
        new ModifyDBClusterCommand({ DBClusterIdentifier: cluster.DBClusterIdentifier, ApplyImmediately: true, ...fix })
      );
    Object.assign(cluster, fix);
  }

  private async describeClusters(call: RdsCall, next: Next): Promise<HandlerResult> {
    const account = await call.account();
    await this.clusterStates.settle(call.now);
    const requested = call.input.DBClusterIdentifier;
    let result: HandlerResult;
    try {
      result = await next();
    } catch (err) {
      const ref: ResourceRef = { kind: 'cluster', account, region: call.region, id: identifierOf(requested ?? '') };
      const deleting =
        requested && isErrorNamed(err, 'DBClusterNotFoundFault') && this.timeline.deleting(ref, call.now);
      if (deleting) return synthesized({ DBClusters: [this.deletingClusterView(deleting, call.now)] });
      throw err;
    }
    const clusters = result.output.DBClusters ?? [];
    const views = clusters.map((c) =>
      this.withSourceFields(this.clusterView(c, account, call.region, call.now), account, call.region, call.now)
    );
    if (!requested && !result.output.Marker) {
      const present = new Set(views.map((c) => c.DBClusterIdentifier?.toLowerCase()));
      for (const activity of this.timeline.allDeleting('cluster', account, call.region, call.now)) {
        const view = this.deletingClusterView(activity, call.now);
        if (present.has(activity.id.toLowerCase()) || !matchesFilters(view, call.input.Filters, CLUSTER_FILTERS))
          continue;
        views.push(view);
      }
    }
    result.output.DBClusters = await this.withRenamedMembers(call, account, views);
    return result;
  }

  private async modifyCluster(call: RdsCall, next: Next): Promise<HandlerResult> {
    const account = await call.account();
    const id = identifierOf(call.input.DBClusterIdentifier ?? '');
    const ref: ResourceRef = { kind: 'cluster', account, region: call.region, id };
    if (this.timeline.deleting(ref, call.now)) {
      throw simError('rds', 'InvalidDBClusterStateFault', { message: `DB cluster ${id} is being deleted.` });
    }
    if (!(await this.describeClusterInternal(call, account, id))) {
      throw simError('rds', 'DBClusterNotFoundFault', { message: `DBCluster ${id} not found.` });
    }
    const status = this.simulatedStatus(ref, call.now);
    if (status === 'creating') {
      throw simError('rds', 'InvalidDBClusterStateFault', {
        message: `DB cluster ${id} is in ${status} state; it can be modified once it is available.`,
      });
    }
    await this.refuseWhileStopped(call, ref, 'modified');
    const result = await next();
    this.startModifyEpisode(call, ref);
    if (result.output.DBCluster) {
      result.output.DBCluster = this.clusterView(result.output.DBCluster, account, call.region, call.now);
    }
    return result;
  }

  private async deleteCluster(call: RdsCall, next: Next): Promise<HandlerResult> {
    const account = await call.account();
    const id = identifierOf(call.input.DBClusterIdentifier ?? '');
    const ref: ResourceRef = { kind: 'cluster', account, region: call.region, id };
    if (this.timeline.deleting(ref, call.now)) {
      throw simError('rds', 'InvalidDBClusterStateFault', { message: `Cluster ${id} is already being deleted.` });
    }
    const result = await next();
    this.cloneChains.forget(account, call.region, id);
    this.clusterStates.forget(ref);
    await this.dropAutomatedSnapshots(call, account, id);
    const cluster = result.output.DBCluster;
    const members = this.deletingMembers(account, call.region, id, call.now);
    const lastMemberGone = Math.max(0, ...members.map((m) => m.endMs));
    const activity = this.timeline.start({
      ...ref,
      id: cluster?.DBClusterIdentifier ?? id,
      op: 'delete',
      startMs: call.now,
      endMs: Math.max(call.now + this.timings().clusterDelete, lastMemberGone),
      record: { ...(cluster ?? { DBClusterIdentifier: id }) },
    });
    result.output.DBCluster = this.deletingClusterView(activity, call.now);
    return result;
  }

  /**
   * Moto keeps a deleted cluster's automated snapshot `rds:<id>-<UTC minute>` forever, so re-creating the same id
   * within that minute collides with it (DBClusterSnapshotAlreadyExistsFault). AWS removes a deleted cluster's
   * automated backups by default and never collides on these names: drop them as AWS would.
   */
  private async dropAutomatedSnapshots(call: RdsCall, account: string, clusterId: string): Promise<void> {
    const client = this.clients.rds(call.endpoint, account, call.region);
    const out = await client.send(
      new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: clusterId, SnapshotType: 'automated' })
    );
    for (const snapshot of out.DBClusterSnapshots ?? []) {
      if (snapshot.DBClusterIdentifier?.toLowerCase() !== clusterId.toLowerCase()) continue;
      await client.send(
        new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: snapshot.DBClusterSnapshotIdentifier })
      );
    }
  }

  private clusterView(cluster: DBCluster, account: string, region: string, now: number): DBCluster {
    const ref = this.refOf('cluster', cluster.DBClusterArn, cluster.DBClusterIdentifier, account, region);
    if (!ref) return cluster;
    const view: DBCluster = { ...cluster };
    const activity = this.timeline.get(ref);
    if (activity && activity.op !== 'delete' && !renameDone(activity, now))
      view.Status = progressOf(activity, now).status;
    const forced = this.timeline.forcedStatus(ref, now);
    if (forced) view.Status = forced;
    view.DBClusterMembers = this.withDeletingMembers(view.DBClusterMembers ?? [], ref, now);
    const shown = forced ? view : this.clusterStates.view(view, ref, now);
    // Renamed: the old DNS names are deleted at once, the new ones are not effective yet.
    if (shown.Status === 'renaming') {
      delete shown.Endpoint;
      delete shown.ReaderEndpoint;
    }
    return shown;
  }

  private deletingClusterView(activity: Activity, now: number): DBCluster {
    const view = { ...(activity.record as DBCluster), Status: 'deleting' };
    const forced = this.timeline.forcedStatus(activity, now);
    if (forced) view.Status = forced;
    view.DBClusterMembers = this.withDeletingMembers([], activity, now);
    return view;
  }

  private withDeletingMembers(members: DBClusterMember[], cluster: ResourceRef, now: number): DBClusterMember[] {
    const present = new Set(members.map((m) => m.DBInstanceIdentifier?.toLowerCase()));
    const extra = this.deletingMembers(cluster.account, cluster.region, cluster.id, now)
      .filter((a) => !present.has(a.id.toLowerCase()))
      .map((a): DBClusterMember => ({
        DBInstanceIdentifier: (a.record as DBInstance | undefined)?.DBInstanceIdentifier ?? a.id,
        IsClusterWriter: a.isWriter ?? false,
        DBClusterParameterGroupStatus: 'in-sync',
        PromotionTier: (a.record as DBInstance | undefined)?.PromotionTier ?? 1,
      }));
    return [...members, ...extra];
  }

  private deletingMembers(account: string, region: string, clusterId: string, now: number): Activity[] {
    return this.timeline
      .allDeleting('instance', account, region, now)
      .filter((a) => a.clusterId?.toLowerCase() === clusterId.toLowerCase());
  }

  // ---- live cluster sources: point in time, clones, AWS Backup snapshots (rules in cluster-sources.ts) ------------

  /**
   * RestoreDBClusterToPointInTime as AWS runs it: same region and account as the source ("You can't clone across
   * AWS Regions", Aurora.Managing.Clone.html; the API restores "to the same AWS Region"), a RestoreToTime inside the
   * source's restorable window, and a clone only of an available cluster with at least one instance. moto accepts
   * all of these and ignores RestoreType, RestoreToTime and UseLatestRestorableTime.
   */
  private async restoreToPointInTime(call: RdsCall, next: Next): Promise<HandlerResult> {
    const account = await call.account();
    const sourceParam = call.input.SourceDBClusterIdentifier ?? '';
    const arn = parseRdsArn(sourceParam);
    if (arn && (arn.region !== call.region || arn.account !== account)) {
      throw simError('rds', 'InvalidParameterValue', {
        message: `The source cluster ${sourceParam} must be in the same AWS Region and account as the new cluster.`,
      });
    }
    const sourceId = arn?.id ?? sourceParam;
    const targetId = call.input.DBClusterIdentifier ?? '';
    await this.refuseExistingCluster(call, account, targetId);
    const cloning = call.input.RestoreType === 'copy-on-write';
    const source = await this.describeClusterInternal(call, account, sourceId);
    if (source) {
      const ref: ResourceRef = {
        kind: 'cluster',
        account,
        region: call.region,
        id: source.DBClusterIdentifier ?? sourceId,
      };
      const status = this.simulatedStatus(ref, call.now) ?? source.Status ?? 'unknown';
      if (cloning && status !== 'available') {
        throw simError('rds', 'InvalidDBClusterStateFault', {
          message: `DB cluster ${sourceId} is in ${status} state; only an available cluster can be cloned.`,
        });
      }
      if (cloning && (source.DBClusterMembers ?? []).length === 0) {
        throw simError('rds', 'InvalidDBClusterStateFault', {
          message: `DB cluster ${sourceId} has no DB instances; a clone needs a source cluster with at least one.`,
        });
      }
      if (call.input.RestoreToTime !== undefined) {
        const window = restorableWindow(source, call.now);
        const time = new Date(call.input.RestoreToTime).getTime();
        if (time < window.earliest || time > window.latest) {
          throw simError('rds', 'InvalidRestoreFault', {
            message: `The requested restore time ${new Date(time).toISOString()} is outside the restorable window of ${sourceId} (${new Date(window.earliest).toISOString()} to ${new Date(window.latest).toISOString()}).`,
          });
        }
      }
    }
    const result = await next();
    const cluster = result.output.DBCluster;
    if (!cluster) return result;
    await this.applyRestoreDefaults(call, account, cluster);
    const id = cluster.DBClusterIdentifier ?? targetId;
    // A clone past the chain's limit is made as a full copy, which takes as long as a restore.
    const cloned = cloning && !!source && this.cloneChains.addClone(account, call.region, sourceId, id);
    this.timeline.start({
      kind: 'cluster',
      account,
      region: call.region,
      id,
      op: 'restore',
      startMs: call.now,
      endMs: call.now + (cloned ? this.timings().clusterClone : this.timings().clusterRestore),
    });
    result.output.DBCluster = this.withSourceFields(
      this.clusterView(cluster, account, call.region, call.now),
      account,
      call.region,
      call.now
    );
    return result;
  }

  /** The restorable window and copy-on-write chain AWS reports for a cluster (moto reports neither faithfully). */
  private withSourceFields(view: DBCluster, account: string, region: string, now: number): DBCluster {
    const window = restorableWindow(view, now);
    const group = view.DBClusterIdentifier && this.cloneChains.group(account, region, view.DBClusterIdentifier);
    return {
      ...view,
      EarliestRestorableTime: new Date(window.earliest),
      LatestRestorableTime: new Date(window.latest),
      ...(group ? { CloneGroupId: group } : {}),
    };
  }

  /**
   * DescribeDBClusterSnapshots with SnapshotType `awsbackup`: the AWS Backup snapshots (moto knows no such type and
   * would answer nothing), read from moto without the type.
   */
  private async describeAwsBackupSnapshots(call: RdsCall): Promise<HandlerResult> {
    const account = await call.account();
    const client = this.clients.rds(call.endpoint, account, call.region);
    const requested = call.input.DBClusterSnapshotIdentifier;
    const out = await client.send(
      new DescribeDBClusterSnapshotsCommand({
        ...(requested ? { DBClusterSnapshotIdentifier: identifierOf(requested) } : {}),
        ...(call.input.DBClusterIdentifier ? { DBClusterIdentifier: call.input.DBClusterIdentifier } : {}),
      })
    );
    const snapshots = (out.DBClusterSnapshots ?? [])
      .filter((s) => isAwsBackupSnapshotId(s.DBClusterSnapshotIdentifier))
      .map((s) => awsBackupView(this.snapshotView(s, account, call.region, call.now)));
    return synthesized({ DBClusterSnapshots: snapshots });
  }

  // ---- instances -------------------------------------------------------------------------------------------------

  private async createInstance(call: RdsCall, next: Next): Promise<HandlerResult> {
    const account = await call.account();
    const clusterId = call.input.DBClusterIdentifier;
    const clusterRef: ResourceRef | undefined = clusterId
      ? { kind: 'cluster', account, region: call.region, id: identifierOf(clusterId) }
      : undefined;
    if (clusterRef && this.timeline.deleting(clusterRef, call.now)) {
      throw simError('rds', 'InvalidDBClusterStateFault', {
        message: `DB cluster ${clusterRef.id} is being deleted; no instance can be added to it.`,
      });
    }
    if (clusterRef) await this.refuseWhileStopped(call, clusterRef, 'given a new instance');
    this.refuseTakenInstanceId(call, account);
    const result = await next();
    this.renames.forgetInstance(account, call.region, call.input.DBInstanceIdentifier ?? '');
    const instance = result.output.DBInstance;
    const id = instance?.DBInstanceIdentifier ?? call.input.DBInstanceIdentifier ?? '';
    const clusterActivity = clusterRef ? this.timeline.get(clusterRef) : undefined;
    const clusterReady = clusterActivity && clusterActivity.op === 'restore' ? clusterActivity.endMs : 0;
    this.timeline.start({
      kind: 'instance',
      account,
      region: call.region,
      id,
      op: 'create',
      startMs: call.now,
      endMs: Math.max(call.now + this.timings().instanceCreate, clusterReady),
      clusterId: clusterRef?.id,
    });
    if (instance) result.output.DBInstance = this.instanceView(instance, account, call.region, call.now);
    return result;
  }

  private async describeInstances(call: RdsCall, next: Next): Promise<HandlerResult> {
    const account = await call.account();
    const requested = call.input.DBInstanceIdentifier;
    let result: HandlerResult;
    try {
      result = await (this.filtersByRenamedCluster(call, account)
        ? this.instancesOfRenamedClusters(call, account)
        : next());
    } catch (err) {
      const ref: ResourceRef = { kind: 'instance', account, region: call.region, id: identifierOf(requested ?? '') };
      const deleting =
        requested && isErrorNamed(err, 'DBInstanceNotFoundFault') && this.timeline.deleting(ref, call.now);
      if (deleting) return synthesized({ DBInstances: [this.deletingInstanceView(deleting, call.now)] });
      throw err;
    }
    const instances = result.output.DBInstances ?? [];
    const views = instances.map((i) => this.instanceView(i, account, call.region, call.now));
    if (!requested && !result.output.Marker) {
      const present = new Set(views.map((i) => i.DBInstanceIdentifier?.toLowerCase()));
      for (const activity of this.timeline.allDeleting('instance', account, call.region, call.now)) {
        const view = this.deletingInstanceView(activity, call.now);
        if (present.has(activity.id.toLowerCase()) || !matchesFilters(view, call.input.Filters, INSTANCE_FILTERS)) {
          continue;
        }
        views.push(view);
      }
    }
    result.output.DBInstances = views;
    return result;
  }

  private async deleteInstance(call: RdsCall, next: Next): Promise<HandlerResult> {
    const account = await call.account();
    const id = identifierOf(call.input.DBInstanceIdentifier ?? '');
    const ref: ResourceRef = { kind: 'instance', account, region: call.region, id };
    if (this.timeline.deleting(ref, call.now)) {
      throw simError('rds', 'InvalidDBInstanceStateFault', { message: `Instance ${id} is already being deleted.` });
    }
    // Whether it is its cluster's writer: moto forgets the membership with the instance, the deleting member keeps it.
    const membership = await this.membershipOf(call, account, id);
    const result = await next();
    this.renames.forgetInstance(account, call.region, id);
    const instance = result.output.DBInstance;
    const activity = this.timeline.start({
      ...ref,
      id: instance?.DBInstanceIdentifier ?? id,
      op: 'delete',
      startMs: call.now,
      endMs: call.now + this.timings().instanceDelete,
      record: { ...(instance ?? { DBInstanceIdentifier: id }) },
      clusterId: membership?.clusterId ?? instance?.DBClusterIdentifier,
      isWriter: membership?.isWriter ?? false,
    });
    result.output.DBInstance = this.deletingInstanceView(activity, call.now);
    return result;
  }

  private instanceView(instance: DBInstance, account: string, region: string, now: number): DBInstance {
    const ref = this.refOf('instance', instance.DBInstanceArn, instance.DBInstanceIdentifier, account, region);
    if (!ref) return instance;
    const view: DBInstance = { ...instance };
    const activity = this.timeline.get(ref);
    if (activity && activity.op !== 'delete' && !renameDone(activity, now)) {
      view.DBInstanceStatus = progressOf(activity, now).status;
    }
    const forced = this.timeline.forcedStatus(ref, now);
    if (forced) view.DBInstanceStatus = forced;
    else if (view.DBInstanceStatus === 'available') view.DBInstanceStatus = this.memberStatus(view, ref, now);
    // AWS assigns the endpoint when the instance leaves `creating`.
    if (view.DBInstanceStatus === 'creating') delete view.Endpoint;
    this.applyRenamedMembership(view, account, region);
    // Renamed: the old DNS name is deleted at once, the new one is not effective yet.
    if (view.DBInstanceStatus === 'renaming') delete view.Endpoint;
    return view;
  }

  private deletingInstanceView(activity: Activity, now: number): DBInstance {
    const record = activity.record as DBInstance;
    const view: DBInstance = {
      ...record,
      DBInstanceStatus: 'deleting',
      // The cluster it belonged to when its deletion started (moto's record may name a cluster since renamed).
      ...(activity.clusterId ? { DBClusterIdentifier: activity.clusterId } : {}),
    };
    const forced = this.timeline.forcedStatus(activity, now);
    if (forced) view.DBInstanceStatus = forced;
    return view;
  }

  private async membershipOf(
    call: RdsCall,
    account: string,
    instanceId: string
  ): Promise<{ clusterId: string; isWriter: boolean } | undefined> {
    const client = this.clients.rds(call.endpoint, account, call.region);
    const found = await client
      .send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: instanceId }))
      .catch((err: unknown) => {
        if (isErrorNamed(err, 'DBInstanceNotFoundFault')) return undefined; // moto's own answer will say so
        throw err;
      });
    const renamed = this.renames.clusterOf(account, call.region, instanceId);
    if (renamed) return renamed;
    const clusterId = found?.DBInstances?.[0]?.DBClusterIdentifier;
    if (!clusterId) return undefined;
    const cluster = await this.describeClusterInternal(call, account, clusterId);
    const member = cluster?.DBClusterMembers?.find(
      (m) => m.DBInstanceIdentifier?.toLowerCase() === instanceId.toLowerCase()
    );
    return { clusterId, isWriter: member?.IsClusterWriter ?? false };
  }

  // ---- cluster statuses after modify, stop and start (cluster-states.ts) -----------------------------------------

  private startModifyEpisode(call: RdsCall, ref: ResourceRef): void {
    const timings = this.timings();
    this.clusterStates.modified(ref, call.input as ModifyClusterInput, call.now, {
      reset: timings.masterCredentialsReset,
      modify: timings.clusterModify,
    });
  }

  /** The effective status of a cluster now: the simulator's view of moto's description. */
  private async clusterStatusNow(call: RdsCall, ref: ResourceRef): Promise<string | undefined> {
    const cluster = await this.describeClusterInternal(call, ref.account, ref.id);
    return cluster ? this.clusterView(cluster, ref.account, ref.region, call.now).Status : undefined;
  }

  /** Aurora user guide, "Stopping and starting an Amazon Aurora DB cluster": a stopped cluster is not changed. */
  private async refuseWhileStopped(call: RdsCall, ref: ResourceRef, what: string): Promise<void> {
    const status = await this.clusterStatusNow(call, ref);
    if (status && STOPPED_STATUSES.has(status)) {
      throw simError('rds', 'InvalidDBClusterStateFault', {
        message: `DB cluster ${ref.id} is ${status}; it cannot be ${what} until it is started and available.`,
      });
    }
  }

  /**
   * Instance identifiers are unique per account and Region, across every cluster ("DBInstanceIdentifier ... must
   * be unique for each AWS account and Region", CreateDBInstance,
   * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html), and an instance still
   * being deleted keeps its name. moto refuses a live duplicate itself but has already forgotten a deleted one.
   */
  private refuseTakenInstanceId(call: RdsCall, account: string): void {
    const id = identifierOf(call.input.DBInstanceIdentifier ?? '');
    if (!id) return;
    if (this.timeline.deleting({ kind: 'instance', account, region: call.region, id }, call.now)) {
      throw simError('rds', 'DBInstanceAlreadyExistsFault', {
        message: `DB instance ${id} already exists: it is still being deleted.`,
      });
    }
  }

  /**
   * StopDBCluster and StartDBCluster: only an available cluster can be stopped and only a stopped one started
   * (InvalidDBClusterStateFault otherwise); the cluster is then `stopping` or `starting` for a while.
   */
  private async stopOrStartCluster(call: RdsCall, next: Next, action: 'stop' | 'start'): Promise<HandlerResult> {
    const account = await call.account();
    const ref: ResourceRef = {
      kind: 'cluster',
      account,
      region: call.region,
      id: identifierOf(call.input.DBClusterIdentifier ?? ''),
    };
    const required = action === 'stop' ? 'available' : 'stopped';
    const status = await this.clusterStatusNow(call, ref);
    if (status && status !== required) {
      throw simError('rds', 'InvalidDBClusterStateFault', {
        message: `DB cluster ${ref.id} is ${status}; only a${action === 'stop' ? 'n' : ''} ${required} cluster can be ${action === 'stop' ? 'stopped' : 'started'}.`,
      });
    }
    const result = await next();
    if (action === 'stop') this.clusterStates.stopped(ref, call.now, this.timings().clusterStop);
    else this.clusterStates.started(ref, call.now, this.timings().clusterStart);
    if (result.output.DBCluster) {
      result.output.DBCluster = this.clusterView(result.output.DBCluster, account, call.region, call.now);
    }
    return result;
  }

  /** An available member instance of a cluster resetting its master credentials reports that status too. */
  private memberStatus(instance: DBInstance, ref: ResourceRef, now: number): string {
    const clusterId = instance.DBClusterIdentifier;
    if (!clusterId) return 'available';
    const status = this.clusterStates.statusAt({ account: ref.account, region: ref.region, id: clusterId }, now);
    return status === 'resetting-master-credentials' ? status : 'available';
  }

  // ---- renames ---------------------------------------------------------------------------------------------------
  //
  // As AWS documents renames (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/multi-az-db-cluster-rename.html
  // for clusters, https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_RenameInstance.html for instances):
  //  - the resource reads `renaming` and is not available until its new DNS name is effective (clusterRename,
  //    instanceRename); its endpoints follow the identifier, so they change, and none is reported meanwhile;
  //  - an existing name cannot be used: DBClusterAlreadyExistsFault / DBInstanceAlreadyExistsFault (moto silently
  //    overwrites the other resource), also while a resource of that name is still being deleted;
  //  - only a resource that is not busy can be renamed (InvalidDBClusterStateFault / InvalidDBInstanceStateFault);
  //  - tags stay with the resource, and instances stay members of their cluster (moto orphans them: see renames.ts).

  private async renameCluster(call: RdsCall, next: Next): Promise<HandlerResult> {
    const account = await call.account();
    const id = identifierOf(call.input.DBClusterIdentifier ?? '');
    const newId = call.input.NewDBClusterIdentifier ?? '';
    const ref: ResourceRef = { kind: 'cluster', account, region: call.region, id };
    const cluster = this.timeline.deleting(ref, call.now)
      ? undefined
      : await this.describeClusterInternal(call, account, id);
    if (!cluster) throw simError('rds', 'DBClusterNotFoundFault', { message: `DBCluster ${id} not found.` });
    const status = this.simulatedStatus(ref, call.now) ?? cluster.Status ?? 'available';
    if (status !== 'available') {
      throw simError('rds', 'InvalidDBClusterStateFault', {
        message: `DB cluster ${id} is in ${status} state; it can be renamed once it is available.`,
      });
    }
    if (newId.toLowerCase() !== id.toLowerCase()) await this.refuseExistingCluster(call, account, newId);
    const members =
      (await this.withRenamedMembers(call, account, [this.clusterView(cluster, account, call.region, call.now)]))[0]
        ?.DBClusterMembers ?? [];
    const instances = await this.allInstancesInternal(call, account);
    const byId = new Map(instances.map((i) => [i.DBInstanceIdentifier?.toLowerCase(), i]));
    const result = await next();
    this.renames.recordClusterRename(
      account,
      call.region,
      cluster.DbClusterResourceId ?? cluster.DBClusterArn ?? id,
      newId,
      members.flatMap((m) =>
        m.DBInstanceIdentifier && byId.has(m.DBInstanceIdentifier.toLowerCase())
          ? [{ instanceId: m.DBInstanceIdentifier, isWriter: m.IsClusterWriter === true }]
          : []
      )
    );
    this.timeline.start({
      kind: 'cluster',
      account,
      region: call.region,
      id: newId.toLowerCase(),
      op: 'rename',
      startMs: call.now,
      endMs: call.now + this.timings().clusterRename,
    });
    if (result.output.DBCluster) {
      const [view] = await this.withRenamedMembers(call, account, [
        this.clusterView(result.output.DBCluster, account, call.region, call.now),
      ]);
      result.output.DBCluster = view;
    }
    return result;
  }

  private async renameInstance(call: RdsCall, next: Next): Promise<HandlerResult> {
    const account = await call.account();
    const id = identifierOf(call.input.DBInstanceIdentifier ?? '');
    const newId = call.input.NewDBInstanceIdentifier ?? '';
    const ref: ResourceRef = { kind: 'instance', account, region: call.region, id };
    const status = this.timeline.deleting(ref, call.now) ? 'deleting' : this.simulatedStatus(ref, call.now);
    if (status && status !== 'available') {
      throw simError('rds', 'InvalidDBInstanceStateFault', {
        message: `DB instance ${id} is in ${status} state; it can be renamed once it is available.`,
      });
    }
    if (newId.toLowerCase() !== id.toLowerCase()) {
      const newRef: ResourceRef = { kind: 'instance', account, region: call.region, id: newId };
      const taken =
        this.timeline.deleting(newRef, call.now) !== undefined ||
        (await this.instanceExistsInternal(call, account, newId));
      if (taken) {
        throw simError('rds', 'DBInstanceAlreadyExistsFault', { message: `DB instance ${newId} already exists.` });
      }
    }
    const result = await next();
    this.renames.recordInstanceRename(account, call.region, id, newId);
    this.timeline.start({
      kind: 'instance',
      account,
      region: call.region,
      id: newId.toLowerCase(),
      op: 'rename',
      startMs: call.now,
      endMs: call.now + this.timings().instanceRename,
    });
    if (result.output.DBInstance) {
      result.output.DBInstance = this.instanceView(result.output.DBInstance, account, call.region, call.now);
    }
    return result;
  }

  /** Instances of renamed clusters report the cluster they belong to, not the identifier moto kept. */
  private applyRenamedMembership(view: DBInstance, account: string, region: string): void {
    const renamed = this.renames.clusterOf(account, region, view.DBInstanceIdentifier);
    if (renamed) view.DBClusterIdentifier = renamed.clusterId;
  }

  /** A db-cluster-id filter where clusters were renamed: moto's answer would follow its stale memberships. */
  private filtersByRenamedCluster(call: RdsCall, account: string): boolean {
    return (
      this.renames.active(account, call.region) &&
      !call.input.DBInstanceIdentifier &&
      (call.input.Filters ?? []).some((f) => f.Name === 'db-cluster-id')
    );
  }

  /** Every instance in the account and Region, filtered with the corrected memberships (one synthesized page). */
  private async instancesOfRenamedClusters(call: RdsCall, account: string): Promise<HandlerResult> {
    const instances = (await this.allInstancesInternal(call, account)).filter((i) => {
      const view = { ...i };
      this.applyRenamedMembership(view, account, call.region);
      return matchesFilters(view, call.input.Filters, INSTANCE_FILTERS);
    });
    return synthesized({ DBInstances: instances });
  }

  /** DBClusterMembers from the corrected memberships, where clusters were renamed in this account and Region. */
  private async withRenamedMembers(call: RdsCall, account: string, views: DBCluster[]): Promise<DBCluster[]> {
    if (!this.renames.active(account, call.region) || views.length === 0) return views;
    const instances = await this.allInstancesInternal(call, account);
    return views.map((view) => {
      const clusterId = view.DBClusterIdentifier?.toLowerCase();
      const own = new Map((view.DBClusterMembers ?? []).map((m) => [m.DBInstanceIdentifier?.toLowerCase(), m]));
      const members: DBClusterMember[] = [];
      for (const instance of instances) {
        const renamed = this.renames.clusterOf(account, call.region, instance.DBInstanceIdentifier);
        const belongsTo = (renamed?.clusterId ?? instance.DBClusterIdentifier)?.toLowerCase();
        if (!clusterId || belongsTo !== clusterId) continue;
        const id = instance.DBInstanceIdentifier;
        members.push({
          DBInstanceIdentifier: id,
          IsClusterWriter: renamed?.isWriter ?? own.get(id?.toLowerCase())?.IsClusterWriter ?? false,
          DBClusterParameterGroupStatus: 'in-sync',
          PromotionTier: instance.PromotionTier ?? 1,
        });
      }
      // Deleting members are synthesized by the simulator (moto no longer has them): keep them.
      const deleting = (view.DBClusterMembers ?? []).filter(
        (m) => !instances.some((i) => i.DBInstanceIdentifier?.toLowerCase() === m.DBInstanceIdentifier?.toLowerCase())
      );
      return { ...view, DBClusterMembers: [...members, ...deleting] };
    });
  }

  private async allInstancesInternal(call: RdsCall, account: string): Promise<DBInstance[]> {
    const client = this.clients.rds(call.endpoint, account, call.region);
    const instances: DBInstance[] = [];
    let marker: string | undefined;
    do {
      const out = await client.send(new DescribeDBInstancesCommand({ ...(marker ? { Marker: marker } : {}) }));
      instances.push(...(out.DBInstances ?? []));
      marker = out.Marker || undefined;
    } while (marker);
    return instances;
  }

  private async instanceExistsInternal(call: RdsCall, account: string, id: string): Promise<boolean> {
    const out = await this.clients
      .rds(call.endpoint, account, call.region)
      .send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))
      .catch((err: unknown) => {
        if (isErrorNamed(err, 'DBInstanceNotFoundFault')) return undefined;
        throw err;
      });
    return (out?.DBInstances?.length ?? 0) > 0;
  }

  // ---- shared ----------------------------------------------------------------------------------------------------

  /** The status the simulation imposes on a resource now (forced, or an operation in progress); undefined: moto's. */
  private simulatedStatus(ref: ResourceRef, now: number): string | undefined {
    const forced = this.timeline.forcedStatus(ref, now);
    if (forced) return forced;
    const activity = this.timeline.get(ref);
    if (!activity) return undefined;
    const progress = progressOf(activity, now);
    return progress.done ? undefined : progress.status;
  }

  private async describeClusterInternal(call: RdsCall, account: string, id: string): Promise<DBCluster | undefined> {
    if (!id) return undefined;
    const out = await this.clients
      .rds(call.endpoint, account, call.region)
      .send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }))
      .catch((err: unknown) => {
        if (isErrorNamed(err, 'DBClusterNotFoundFault')) return undefined;
        throw err;
      });
    return out?.DBClusters?.[0];
  }

  /** A resource's key: account and region from its ARN when it has one (shared snapshots belong to their owner). */
  private refOf(
    kind: ResourceKind,
    arn: string | undefined,
    id: string | undefined,
    account: string,
    region: string
  ): ResourceRef | undefined {
    const parsed = parseRdsArn(arn);
    const identifier = id ?? parsed?.id;
    if (!identifier) return undefined;
    return { kind, account: parsed?.account ?? account, region: parsed?.region ?? region, id: identifier };
  }
}

/** A finished rename leaves the status to moto (the resource may have been stopped since, for instance). */
function renameDone(activity: Activity, now: number): boolean {
  return activity.op === 'rename' && progressOf(activity, now).done;
}

type FilterGetter<R> = (resource: R) => (string | undefined)[];

const CLUSTER_FILTERS: Record<string, FilterGetter<DBCluster>> = {
  'db-cluster-id': (c: DBCluster) => [c.DBClusterIdentifier, c.DBClusterArn],
  engine: (c: DBCluster) => [c.Engine],
};

const INSTANCE_FILTERS: Record<string, FilterGetter<DBInstance>> = {
  'db-cluster-id': (i: DBInstance) => [i.DBClusterIdentifier],
  'db-instance-id': (i: DBInstance) => [i.DBInstanceIdentifier, i.DBInstanceArn],
  'dbi-resource-id': (i: DBInstance) => [i.DbiResourceId],
  engine: (i: DBInstance) => [i.Engine],
};

/** RDS filter semantics: every filter must match, a filter matches when any of its values does. */
function matchesFilters<R>(
  resource: R,
  filters: Filter[] | undefined,
  getters: Record<string, FilterGetter<R>>
): boolean {
  return (filters ?? []).every((filter) => {
    const getter = filter.Name ? getters[filter.Name] : undefined;
    if (!getter) return false;
    const own = getter(resource)
      .filter((v): v is string => typeof v === 'string')
      .map((v) => v.toLowerCase());
    const wanted = (filter.Values ?? []).map((v) => identifierOrValue(v).toLowerCase());
    return wanted.some((v) => own.includes(v) || own.some((o) => identifierOrValue(o) === v));
  });
}

function identifierOrValue(value: string): string {
  return parseRdsArn(value)?.id ?? value;
}
