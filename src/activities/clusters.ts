/**
 * Cluster activities: describe, replace (delete) and restore the target cluster, and wait for it.
 *
 * Every mutating activity describes first and acts only on what the request allows: a cluster is deleted only when
 * it and every member instance carry the pipeline's managed-by tag, it is neither the source cluster nor the
 * snapshot's own cluster and (for compensation) it was created by the same operation; a restore adopts the cluster
 * its own operation started and refuses any other.
 */
import {
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  ModifyDBClusterCommand,
  RestoreDBClusterFromSnapshotCommand,
} from '@aws-sdk/client-rds';
import type { DBCluster, DBInstance, RDSClient, RestoreDBClusterFromSnapshotCommandInput } from '@aws-sdk/client-rds';
import { activityInfo, log } from '@temporalio/activity';

import type { AwsLocation, ClusterInfo, RestoreClusterSettings, Tag } from '../domain/aws-shapes';
import { classifyClusterStatus, statusHint } from '../domain/aws-status';
import {
  isCreatedByOperation,
  isManagedByPipeline,
  TAG_MANAGED_BY,
  TAG_MANAGED_BY_VALUE,
  TAG_OPERATION_ID,
} from '../domain/naming';
import { accountOfArn, isSameCluster, unmanagedInstancesMessage } from '../domain/restore-plan';

import { failure, isAwsError, toActivityFailure } from './failures';
import { notReady, observation, reportAndPlanPoll, reportObservation, skipCheckOfJustStarted } from './polling';
import type {
  AwaitClusterInput,
  DeleteClusterInput,
  DescribeClusterInput,
  RestoreClusterInput,
  RestoreClusterOutput,
} from './types';

import type { ActivityDeps } from './index';

/**
 * What `deleteCluster` reports once the cluster is gone: `already-gone` when it did not exist at the first attempt,
 * else `deleted`. A result the Web UI shows as JSON (a void result reads as a bare `binary/null` payload).
 */
export interface DeleteClusterOutput {
  clusterId: string;
  region: string;
  outcome: 'deleted' | 'already-gone';
}

// ---------------------------------------------------------------------------------------------------------------
// Shared helpers (also used by the instance and master-password activities)

/** `cluster X in us-east-1 (account 1234...)`: how messages name a cluster. */
export function describeWhere(kind: string, id: string, loc: AwsLocation): string {
  return `${kind} ${id} in ${loc.region}${loc.accountId ? ` (account ${loc.accountId})` : ''}`;
}

function tagsOf(list: { Key?: string; Value?: string }[] | undefined): Tag[] {
  return (list ?? [])
    .filter((t): t is Tag => typeof t.Key === 'string')
    .map((t) => ({ Key: t.Key, Value: t.Value ?? '' }));
}

/** The cluster with this identifier, or undefined when it does not exist. Other errors become typed failures. */
export async function findCluster(rds: RDSClient, clusterId: string, context: string): Promise<DBCluster | undefined> {
  try {
    const out = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: clusterId }));
    // Identifiers are case-insensitive in RDS (stored lowercase); match exactly one cluster.
    return out.DBClusters?.find((c) => c.DBClusterIdentifier?.toLowerCase() === clusterId.toLowerCase());
  } catch (err) {
    if (isAwsError(err, 'DBClusterNotFoundFault')) return undefined;
    throw toActivityFailure(err, context);
  }
}

/** Every DB instance of a cluster (DescribeDBInstances filtered by cluster, all pages). */
export async function listClusterInstances(rds: RDSClient, clusterId: string, context: string): Promise<DBInstance[]> {
  const instances: DBInstance[] = [];
  let marker: string | undefined;
  try {
    do {
      const out = await rds.send(
        new DescribeDBInstancesCommand({
          Filters: [{ Name: 'db-cluster-id', Values: [clusterId] }],
          ...(marker ? { Marker: marker } : {}),
        })
      );
      instances.push(...(out.DBInstances ?? []));
      marker = out.Marker || undefined;
    } while (marker);
  } catch (err) {
    throw toActivityFailure(err, context);
  }
  return instances;
}

export function toClusterInfo(c: DBCluster): ClusterInfo {
  return {
    identifier: c.DBClusterIdentifier ?? '',
    arn: c.DBClusterArn ?? '',
    ...(c.DbClusterResourceId ? { resourceId: c.DbClusterResourceId } : {}),
    status: c.Status ?? 'unknown',
    engine: c.Engine ?? '',
    ...(c.EngineVersion ? { engineVersion: c.EngineVersion } : {}),
    ...(c.Port !== undefined ? { port: c.Port } : {}),
    ...(c.Endpoint ? { endpoint: c.Endpoint } : {}),
    ...(c.ReaderEndpoint ? { readerEndpoint: c.ReaderEndpoint } : {}),
    deletionProtection: c.DeletionProtection === true,
    ...(c.MasterUsername ? { masterUsername: c.MasterUsername } : {}),
    tags: tagsOf(c.TagList),
    members: (c.DBClusterMembers ?? [])
      .filter((m) => m.DBInstanceIdentifier)
      .map((m) => ({ instanceId: m.DBInstanceIdentifier as string, isWriter: m.IsClusterWriter === true })),
  };
}

/**
 * The run's tags with the ownership tags forced to this operation: adoption and deletion guards depend on them, so
 * they must be present whatever the caller passed.
 */
export function ownershipTags(tags: Tag[], operationId: string): Tag[] {
  const forced: Tag[] = [
    { Key: TAG_MANAGED_BY, Value: TAG_MANAGED_BY_VALUE },
    { Key: TAG_OPERATION_ID, Value: operationId },
  ];
  const forcedKeys = new Set(forced.map((t) => t.Key));
  return [...tags.filter((t) => !forcedKeys.has(t.Key)), ...forced];
}

function operationOf(tags: Tag[]): string | undefined {
  return tags.find((t) => t.Key === TAG_OPERATION_ID)?.Value;
}

/**
 * A cluster already under the identifier a restore creates: this operation's own (an earlier attempt made it) is
 * adopted; anything else is refused as TargetExists and left untouched.
 */
export function adoptOrRefuseCluster(existing: DBCluster, where: string, operationId: string): RestoreClusterOutput {
  const tags = tagsOf(existing.TagList);
  if (isCreatedByOperation(tags, operationId)) return { clusterArn: existing.DBClusterArn ?? '', adopted: true };
  const owner = isManagedByPipeline(tags) ? `operation ${operationOf(tags) ?? '(unknown)'}` : 'someone else';
  throw failure(
    'TargetExists',
    `Cannot restore ${where}: a cluster with this identifier already exists (status ${existing.Status}), ` +
      `created by ${owner}, not by operation ${operationId}. It was not touched. Delete it, set ` +
      'replace.existing: true on a new restore, or choose another target.clusterId.',
    { clusterId: existing.DBClusterIdentifier }
  );
}

/**
 * The request's cluster settings as the parameters RestoreDBClusterFromSnapshot and RestoreDBClusterToPointInTime
 * share (only the snapshot restore also takes Engine and EngineVersion).
 */
export function restoreSettingsParams(
  settings: RestoreClusterSettings
): Omit<RestoreDBClusterFromSnapshotCommandInput, 'DBClusterIdentifier' | 'SnapshotIdentifier' | 'Engine'> {
  const sv2 = settings.serverlessV2;
  return {
    ...(settings.port !== undefined ? { Port: settings.port } : {}),
    ...(settings.dbSubnetGroupName ? { DBSubnetGroupName: settings.dbSubnetGroupName } : {}),
    ...(settings.vpcSecurityGroupIds?.length ? { VpcSecurityGroupIds: settings.vpcSecurityGroupIds } : {}),
    ...(settings.dbClusterParameterGroupName
      ? { DBClusterParameterGroupName: settings.dbClusterParameterGroupName }
      : {}),
    ...(settings.kmsKeyId ? { KmsKeyId: settings.kmsKeyId } : {}),
    ...(sv2
      ? {
          ServerlessV2ScalingConfiguration: {
            MinCapacity: sv2.minCapacity,
            MaxCapacity: sv2.maxCapacity,
            ...(sv2.secondsUntilAutoPause !== undefined ? { SecondsUntilAutoPause: sv2.secondsUntilAutoPause } : {}),
          },
        }
      : {}),
    ...(settings.enableIamDatabaseAuthentication !== undefined
      ? { EnableIAMDatabaseAuthentication: settings.enableIamDatabaseAuthentication }
      : {}),
    ...(settings.enableCloudwatchLogsExports?.length
      ? { EnableCloudwatchLogsExports: settings.enableCloudwatchLogsExports }
      : {}),
    ...(settings.backupRetentionPeriod !== undefined ? { BackupRetentionPeriod: settings.backupRetentionPeriod } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Deletion guards

/** Instances without this pipeline's managed-by tag (already deleting ones excepted: nothing more can be lost). */
function unmanagedInstanceIds(instances: DBInstance[]): string[] {
  return instances
    .filter(
      (i) => i.DBInstanceIdentifier && i.DBInstanceStatus !== 'deleting' && !isManagedByPipeline(tagsOf(i.TagList))
    )
    .map((i) => i.DBInstanceIdentifier as string);
}

/** Throws the non-retryable refusal when `cluster` may not be deleted under `input.guard`; returns otherwise. */
function checkDeleteGuards(input: DeleteClusterInput, cluster: DBCluster): void {
  const { target, clusterId, guard } = input;
  const where = describeWhere('cluster', clusterId, target);
  // Same id and region: the same cluster unless both accounts are known and differ. The cluster's ARN names the
  // account it really lives in; an unknown source account means "the target account".
  const self = { clusterId, region: target.region, accountId: accountOfArn(cluster.DBClusterArn) ?? target.accountId };
  const source = guard.source;
  if (source?.clusterId && isSameCluster({ ...source, clusterId: source.clusterId }, self)) {
    throw failure(
      'RefusedSourceCluster',
      `Refusing to delete ${where}: it is the source cluster of this restore. ` +
        'Choose a different target.clusterId (or another region or account) for the restored cluster.',
      { clusterId }
    );
  }
  if (guard.snapshotSource && isSameCluster(guard.snapshotSource, self)) {
    throw failure(
      'RefusedSourceCluster',
      `Refusing to delete ${where}: it is the cluster the snapshot being restored was taken from, and deleting it ` +
        'first would also drop its automated backups and point-in-time window. Nothing was changed. Restore into a ' +
        'new target.clusterId, or use replace.strategy: swap, which keeps it until the new one is verified.',
      { clusterId }
    );
  }
  const tags = tagsOf(cluster.TagList);
  if (!isManagedByPipeline(tags)) {
    throw failure(
      'NotManagedByPipeline',
      `Refusing to delete ${where}: it is not tagged ${TAG_MANAGED_BY}=${TAG_MANAGED_BY_VALUE}, so this pipeline ` +
        'did not create it. Nothing was changed. Delete or rename it yourself, or choose another target.clusterId.',
      { clusterId }
    );
  }
  if (guard.operationId && !isCreatedByOperation(tags, guard.operationId)) {
    const owner = operationOf(tags);
    throw failure(
      'NotManagedByPipeline',
      `Refusing to delete ${where} during cleanup of operation ${guard.operationId}: its ${TAG_OPERATION_ID} tag ` +
        `is ${owner ? `"${owner}"` : 'missing'}, so another operation created it. It was left in place.`,
      { clusterId, ownerOperationId: owner }
    );
  }
}

// ---------------------------------------------------------------------------------------------------------------

export function createClusterActivities(deps: ActivityDeps) {
  async function report(resource: 'cluster' | 'deletion', id: string, status: string) {
    const obs = observation(resource, id, status);
    await reportObservation(obs, deps.reportObservation);
    return obs;
  }

  return {
    /** The cluster, or null when it does not exist. */
    async describeCluster(input: DescribeClusterInput): Promise<ClusterInfo | null> {
      const rds = deps.clients.rds(input.target);
      const where = describeWhere('cluster', input.clusterId, input.target);
      const cluster = await findCluster(rds, input.clusterId, `describing ${where}`);
      if (!cluster) return null;
      const info = toClusterInfo(cluster);
      if (!input.includeInstances) return info;
      const instances = await listClusterInstances(rds, input.clusterId, `listing the instances of ${where}`);
      return { ...info, unmanagedInstances: unmanagedInstanceIds(instances) };
    },

    /**
     * Converging deletion, one pass per attempt: returns once the cluster is gone, otherwise moves it one step
     * closer (disable protection if allowed, delete member instances, delete the cluster) and throws NotReady.
     * Guards are checked on every pass before any change. A cluster AWS calls busy is NotReady, never "done".
     */
    async deleteCluster(input: DeleteClusterInput): Promise<DeleteClusterOutput> {
      const { target, clusterId } = input;
      const where = describeWhere('cluster', clusterId, target);
      const gone = (outcome: DeleteClusterOutput['outcome']): DeleteClusterOutput => ({
        clusterId,
        region: target.region,
        outcome,
      });
      const rds = deps.clients.rds(target);
      const cluster = await findCluster(rds, clusterId, `describing ${where} before deleting it`);
      if (!cluster) return gone(activityInfo().attempt === 1 ? 'already-gone' : 'deleted');

      checkDeleteGuards(input, cluster);

      const status = cluster.Status ?? 'unknown';
      if (status === 'deleting') {
        notReady(await report('deletion', clusterId, 'deleting'), `${where} is being deleted`);
      }

      // Checked before any change: an instance a person added (since the check-target step, too) is never deleted.
      const instances = (await listClusterInstances(rds, clusterId, `listing the instances of ${where}`)).filter(
        (i) => i.DBInstanceIdentifier
      );
      const unmanaged = unmanagedInstanceIds(instances);
      if (unmanaged.length > 0) {
        throw failure('UnmanagedInstance', unmanagedInstancesMessage(clusterId, target.region, unmanaged), {
          clusterId,
          instanceIds: unmanaged,
        });
      }

      let isProtected = cluster.DeletionProtection === true;
      if (isProtected) {
        if (!input.disableDeletionProtection) {
          throw failure(
            'DeletionProtected',
            `Cannot replace ${where}: deletion protection is on. Set replace.disableDeletionProtection: true to let ` +
              'the pipeline turn it off, or turn it off yourself (aws rds modify-db-cluster --db-cluster-identifier ' +
              `${clusterId} --no-deletion-protection --apply-immediately) and restore again.`,
            { clusterId }
          );
        }
        try {
          const out = await rds.send(
            new ModifyDBClusterCommand({
              DBClusterIdentifier: clusterId,
              DeletionProtection: false,
              ApplyImmediately: true,
            })
          );
          isProtected = out.DBCluster?.DeletionProtection === true;
        } catch (err) {
          if (isAwsError(err, 'InvalidDBClusterStateFault')) {
            notReady(
              await report('deletion', clusterId, status),
              `${where} is ${status}: deletion protection can be turned off once it is available`
            );
          }
          throw toActivityFailure(err, `turning off deletion protection of ${where}`);
        }
      }

      // Member instances first: RDS refuses to delete a cluster that has instances not yet deleting.
      const deleting: string[] = [];
      const busy: string[] = [];
      for (const instance of instances) {
        const id = instance.DBInstanceIdentifier as string;
        if (instance.DBInstanceStatus === 'deleting') {
          deleting.push(id);
          continue;
        }
        try {
          const out = await rds.send(
            new DeleteDBInstanceCommand({ DBInstanceIdentifier: id, SkipFinalSnapshot: true })
          );
          log.info('Deleting an instance of the cluster', {
            instance: id,
            cluster: clusterId,
            region: target.region,
            createdByOperation: operationOf(tagsOf(cluster.TagList)),
            requestId: out.$metadata.requestId,
          });
          deleting.push(id);
        } catch (err) {
          if (isAwsError(err, 'DBInstanceNotFoundFault')) continue; // already gone
          if (isAwsError(err, 'InvalidDBInstanceStateFault')) {
            busy.push(`${id} (${instance.DBInstanceStatus ?? 'unknown'})`);
            continue;
          }
          throw toActivityFailure(err, `deleting instance ${id} of ${where}`);
        }
      }
      if (busy.length > 0) {
        notReady(
          await report('deletion', clusterId, `waiting for ${busy.length} busy instance(s)`),
          `instances of ${where} cannot be deleted in their current state yet: ${busy.join(', ')}`
        );
      }
      if (isProtected) {
        notReady(
          await report('deletion', clusterId, 'disabling deletion protection'),
          `${where} still reports deletion protection on; waiting for the change to apply`
        );
      }

      try {
        const out = await rds.send(
          new DeleteDBClusterCommand({ DBClusterIdentifier: clusterId, SkipFinalSnapshot: true })
        );
        log.info('Deleting the cluster', {
          cluster: clusterId,
          region: target.region,
          createdByOperation: operationOf(tagsOf(cluster.TagList)),
          requestId: out.$metadata.requestId,
        });
      } catch (err) {
        if (isAwsError(err, 'DBClusterNotFoundFault')) return gone('deleted');
        if (isAwsError(err, 'InvalidDBClusterStateFault')) {
          // The original pipeline took this for "nothing to delete" and lost track of the cluster; it means "not yet".
          const pending = deleting.length > 0 ? `, ${deleting.length} instance(s) deleting` : '';
          notReady(
            await report('deletion', clusterId, `${status}${pending}`),
            `${where} cannot be deleted yet (${err.message.slice(0, 200)}); status ${status}${pending}. ` +
              'If it is stopped, start it (aws rds start-db-cluster) so it can be deleted.'
          );
        }
        throw toActivityFailure(err, `deleting ${where}`);
      }
      const left = deleting.length > 0 ? ` after deleting ${deleting.length} instance(s)` : '';
      notReady(await report('deletion', clusterId, 'deleting'), `deletion of ${where} started${left}`);
    },

    /**
     * Starts the restore of the target cluster from a snapshot in the target region/account, with every requested
     * setting and this operation's tags. Adopts the cluster this operation already started; refuses any other.
     */
    async restoreCluster(input: RestoreClusterInput): Promise<RestoreClusterOutput> {
      const { target, clusterId, settings, operationId } = input;
      const where = describeWhere('cluster', clusterId, target);
      const problems: string[] = [];
      if (!clusterId) problems.push('clusterId is empty');
      if (!input.snapshotIdentifier) problems.push('snapshotIdentifier is empty');
      if (!settings?.engine) problems.push('settings.engine is empty');
      if (!operationId) problems.push('operationId is empty');
      const sv2 = settings?.serverlessV2;
      if (sv2 && !(sv2.minCapacity >= 0 && sv2.maxCapacity >= sv2.minCapacity)) {
        problems.push('settings.serverlessV2 needs 0 <= minCapacity <= maxCapacity');
      }
      if (problems.length > 0) {
        throw failure('InvalidRequest', `Cannot restore ${where}: ${problems.join('; ')}.`);
      }

      const rds = deps.clients.rds(target);
      const adoptOrRefuse = (existing: DBCluster) => adoptOrRefuseCluster(existing, where, operationId);

      const existing = await findCluster(rds, clusterId, `checking whether ${where} already exists`);
      if (existing) return adoptOrRefuse(existing);

      const command: RestoreDBClusterFromSnapshotCommandInput = {
        DBClusterIdentifier: clusterId,
        SnapshotIdentifier: input.snapshotIdentifier,
        Engine: settings.engine,
        DeletionProtection: settings.deletionProtection,
        CopyTagsToSnapshot: true,
        Tags: ownershipTags(input.tags ?? [], operationId),
        ...(settings.engineVersion ? { EngineVersion: settings.engineVersion } : {}),
        ...restoreSettingsParams(settings),
      };
      try {
        const out = await rds.send(new RestoreDBClusterFromSnapshotCommand(command));
        return { clusterArn: out.DBCluster?.DBClusterArn ?? '', adopted: false };
      } catch (err) {
        if (isAwsError(err, 'DBClusterAlreadyExistsFault')) {
          // Lost a race (or an earlier attempt's request succeeded after all): adopt only if it is ours.
          const raced = await findCluster(rds, clusterId, `re-checking ${where} after DBClusterAlreadyExistsFault`);
          if (raced) return adoptOrRefuse(raced);
        }
        throw toActivityFailure(err, `restoring ${where} from snapshot ${input.snapshotIdentifier}`);
      }
    },

    /** One status check of the restored cluster: returns it when available, NotReady while in progress. */
    async awaitClusterAvailable(input: AwaitClusterInput): Promise<ClusterInfo> {
      const { target, clusterId } = input;
      const where = describeWhere('cluster', clusterId, target);
      await skipCheckOfJustStarted(
        input.justStarted,
        where,
        observation('cluster', clusterId, 'creating'),
        { resource: 'cluster', expectedDurationMs: input.expectedDurationMs },
        deps.reportObservation
      );
      const rds = deps.clients.rds(target);
      const cluster = await findCluster(rds, clusterId, `checking the status of ${where}`);
      if (!cluster) {
        throw failure(
          'ClusterFailed',
          `${where} no longer exists while waiting for it to become available: it was deleted outside this ` +
            'restore (check CloudTrail DeleteDBCluster events), or the restore failed. Restore again.',
          { clusterId }
        );
      }
      const status = cluster.Status ?? 'unknown';
      switch (classifyClusterStatus(status)) {
        case 'ready':
          return toClusterInfo(cluster);
        case 'terminal':
          throw failure(
            'ClusterFailed',
            `${where} is ${status} and will not become available. ${statusHint(status) ?? 'Check its RDS events.'}`,
            { clusterId, status }
          );
        default: {
          const obs = observation('cluster', clusterId, status);
          const delayMs = await reportAndPlanPoll(
            obs,
            { resource: 'cluster', expectedDurationMs: input.expectedDurationMs },
            deps.reportObservation
          );
          notReady(obs, `${where} is ${status}`, delayMs);
        }
      }
    },
  };
}
