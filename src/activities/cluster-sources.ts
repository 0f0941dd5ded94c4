/**
 * Live cluster sources: restore a cluster as it was at a point in time (source.pointInTime), or clone it
 * copy-on-write (source.clone), with RestoreDBClusterToPointInTime in the target's region and account.
 *
 * `resolveSourceCluster` only reads: it finds the source cluster and refuses, before any change, what AWS would
 * refuse (a time outside the restorable window; a clone of a cluster that is not available, has no instance, or
 * whose copy-on-write chain is full). `restoreClusterToPointInTime` describes first, adopts the cluster its own
 * operation started and refuses any other. The source cluster itself is only ever described.
 */
import { paginateDescribeDBClusters, RestoreDBClusterToPointInTimeCommand } from '@aws-sdk/client-rds';
import type { DBCluster, RDSClient, RestoreDBClusterToPointInTimeCommandInput } from '@aws-sdk/client-rds';

import type { SourceClusterInfo } from '../domain/aws-shapes';

import { adoptOrRefuseCluster, describeWhere, findCluster, ownershipTags, restoreSettingsParams } from './clusters';
import { failure, isAwsError, toActivityFailure } from './failures';
import type { RestoreClusterOutput, RestoreClusterToPointInTimeInput, ResolveSourceClusterInput } from './types';

import type { ActivityDeps } from './index';

/**
 * Copy-on-write clones per chain: "you are limited to up to 15 clones based on a copy, including clones based on
 * other clones. After that, only copies can be created"
 * (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.Managing.Clone.html#Aurora.Managing.Clone.Limitations).
 */
export const MAX_CLONES_PER_CHAIN = 15;

function iso(value: Date | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** The clusters of the region that share a copy-on-write chain (CloneGroupId), across pages. */
async function clusterChain(rds: RDSClient, cloneGroupId: string, context: string): Promise<string[]> {
  const members: string[] = [];
  try {
    for await (const page of paginateDescribeDBClusters({ client: rds, pageSize: 100 }, {})) {
      for (const c of page.DBClusters ?? []) {
        if (c.CloneGroupId === cloneGroupId && c.DBClusterIdentifier) members.push(c.DBClusterIdentifier);
      }
    }
  } catch (err) {
    throw toActivityFailure(err, context);
  }
  return members;
}

export function createClusterSourceActivities(deps: ActivityDeps) {
  return {
    /**
     * The live cluster to restore from, checked as AWS would check it: refuses (non-retryable) a missing cluster, a
     * point in time outside its restorable window, and a clone AWS would not make.
     */
    async resolveSourceCluster(input: ResolveSourceClusterInput): Promise<SourceClusterInfo> {
      const { target, ref } = input;
      const field = ref.kind === 'clone' ? 'source.clone.clusterId' : 'source.pointInTime.clusterId';
      const where = describeWhere('cluster', ref.clusterId, target);
      const rds = deps.clients.rds(target);
      const cluster = await findCluster(rds, ref.clusterId, `describing the source ${where}`);
      if (!cluster) {
        throw failure(
          'SourceClusterNotFound',
          `No ${where}: ${field} must name a live cluster in the target's region and account, because ` +
            `${ref.kind === 'clone' ? 'a clone' : 'a point-in-time restore'} starts from the running cluster. Check the ` +
            'identifier and source.region; for a deleted cluster restore one of its snapshots (source.snapshot or ' +
            'source.selection) instead.',
          { clusterId: ref.clusterId, region: target.region }
        );
      }
      const info: SourceClusterInfo = {
        kind: ref.kind,
        identifier: cluster.DBClusterIdentifier ?? ref.clusterId,
        arn: cluster.DBClusterArn ?? '',
        region: target.region,
        engine: cluster.Engine ?? '',
        ...(cluster.EngineVersion ? { engineVersion: cluster.EngineVersion } : {}),
        status: cluster.Status ?? 'unknown',
        ...(iso(cluster.EarliestRestorableTime) ? { earliestRestorableTime: iso(cluster.EarliestRestorableTime) } : {}),
        ...(iso(cluster.LatestRestorableTime) ? { latestRestorableTime: iso(cluster.LatestRestorableTime) } : {}),
        ...(ref.kind === 'point-in-time' && ref.time ? { restoreToTime: ref.time } : {}),
        useLatestRestorableTime: ref.kind === 'clone' || ref.latest === true,
        instanceCount: (cluster.DBClusterMembers ?? []).length,
        ...(cluster.CloneGroupId ? { cloneGroupId: cluster.CloneGroupId } : {}),
      };
      if (ref.kind === 'point-in-time' && ref.time) checkRestorableWindow(info, ref.time, where);
      if (ref.kind === 'clone') await checkCloneAllowed(rds, info, where);
      return info;
    },

    /**
     * Starts RestoreDBClusterToPointInTime of the source into the target cluster, with the request's settings and
     * this operation's tags. Adopts the cluster this operation already started; refuses any other.
     */
    async restoreClusterToPointInTime(input: RestoreClusterToPointInTimeInput): Promise<RestoreClusterOutput> {
      const { target, clusterId, settings, operationId } = input;
      const where = describeWhere('cluster', clusterId, target);
      if (!clusterId || !input.sourceClusterId || !operationId) {
        throw failure(
          'InvalidRequest',
          `Cannot restore ${where}: clusterId, sourceClusterId and operationId are required.`
        );
      }
      if (clusterId.toLowerCase() === input.sourceClusterId.toLowerCase()) {
        throw failure(
          'RefusedSourceCluster',
          `Cannot restore ${where} from itself: the target must be another cluster than the source.`,
          { clusterId }
        );
      }
      const rds = deps.clients.rds(target);
      const adoptOrRefuse = (existing: DBCluster) => adoptOrRefuseCluster(existing, where, operationId);
      const existing = await findCluster(rds, clusterId, `checking whether ${where} already exists`);
      if (existing) return adoptOrRefuse(existing);

      const command: RestoreDBClusterToPointInTimeCommandInput = {
        DBClusterIdentifier: clusterId,
        SourceDBClusterIdentifier: input.sourceClusterId,
        RestoreType: input.restoreType,
        ...(input.restoreToTime ? { RestoreToTime: new Date(input.restoreToTime) } : { UseLatestRestorableTime: true }),
        DeletionProtection: settings.deletionProtection,
        CopyTagsToSnapshot: true,
        Tags: ownershipTags(input.tags ?? [], operationId),
        ...restoreSettingsParams(settings),
      };
      const what =
        input.restoreType === 'copy-on-write'
          ? `cloning ${input.sourceClusterId} into ${where}`
          : `restoring ${input.sourceClusterId} to ${input.restoreToTime ?? 'its latest restorable time'} into ${where}`;
      try {
        const out = await rds.send(new RestoreDBClusterToPointInTimeCommand(command));
        return { clusterArn: out.DBCluster?.DBClusterArn ?? '', adopted: false };
      } catch (err) {
        if (isAwsError(err, 'DBClusterAlreadyExistsFault')) {
          // Lost a race (or an earlier attempt's request succeeded after all): adopt only if it is ours.
          const raced = await findCluster(rds, clusterId, `re-checking ${where} after DBClusterAlreadyExistsFault`);
          if (raced) return adoptOrRefuse(raced);
        }
        throw toActivityFailure(err, what);
      }
    },
  };
}

/**
 * RDS restores only to an instant between the cluster's EarliestRestorableTime and LatestRestorableTime
 * (DescribeDBClusters); the latter trails the present by about 5 minutes
 * (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-pitr.html).
 */
function checkRestorableWindow(info: SourceClusterInfo, time: string, where: string): void {
  const earliest = info.earliestRestorableTime;
  const latest = info.latestRestorableTime;
  if (!earliest || !latest) {
    throw failure(
      'PointInTimeOutsideWindow',
      `Cannot restore the source ${where} to ${time}: it reports no restorable window yet (no EarliestRestorableTime ` +
        'or LatestRestorableTime; automated backups may be off or still starting). Use latest: true, or restore a snapshot.',
      { clusterId: info.identifier, time }
    );
  }
  const t = Date.parse(time);
  if (t >= Date.parse(earliest) && t <= Date.parse(latest)) return;
  const side = t < Date.parse(earliest) ? 'before its earliest restorable time' : 'after its latest restorable time';
  throw failure(
    'PointInTimeOutsideWindow',
    `Cannot restore the source ${where} to ${time}: that is ${side}. The valid window is ${earliest} to ${latest} ` +
      '(EarliestRestorableTime to LatestRestorableTime; the latest trails the present by about 5 minutes and the ' +
      'earliest is bounded by the backup retention period). Set source.pointInTime.time inside it, or latest: true.',
    { clusterId: info.identifier, time, earliestRestorableTime: earliest, latestRestorableTime: latest }
  );
}

/**
 * What AWS requires of a clone's source: available, with at least one DB instance, and room in its copy-on-write
 * chain (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.Managing.Clone.html). Same region and
 * account are guaranteed by the request's validation.
 */
async function checkCloneAllowed(rds: RDSClient, info: SourceClusterInfo, where: string): Promise<void> {
  if (info.status !== 'available') {
    throw failure(
      'CloneRefused',
      `Cannot clone the source ${where}: it is "${info.status}", and a clone is made only of an available cluster. ` +
        'Wait until it is available (start it if stopped: aws rds start-db-cluster) and restore again.',
      { clusterId: info.identifier, status: info.status }
    );
  }
  if (info.instanceCount === 0) {
    throw failure(
      'CloneRefused',
      `Cannot clone the source ${where}: it has no DB instance, and a clone needs a source with at least one. ` +
        'Add an instance to it, or use source.pointInTime with latest: true (a full copy).',
      { clusterId: info.identifier }
    );
  }
  if (!info.cloneGroupId) return;
  const chain = await clusterChain(rds, info.cloneGroupId, `listing the clones of the source ${where}`);
  const clones = chain.length - 1;
  if (clones >= MAX_CLONES_PER_CHAIN) {
    throw failure(
      'CloneRefused',
      `Cannot clone the source ${where}: its copy-on-write chain already has ${clones} clones (${chain.join(', ')}), ` +
        `and AWS allows ${MAX_CLONES_PER_CHAIN}. Delete a clone you no longer need, or use source.pointInTime with ` +
        'latest: true (a full copy, which starts a new chain).',
      { clusterId: info.identifier, cloneGroupId: info.cloneGroupId, clones }
    );
  }
}
