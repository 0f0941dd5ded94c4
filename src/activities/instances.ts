/**
 * Instance activities: create the writer and readers of the restored cluster and wait until they are available.
 *
 * The first identifier is the writer (promotion tier 0, created first so RDS makes it the writer); the others are
 * readers (tier 1). An instance that already exists is adopted only when it belongs to this cluster and carries
 * this operation's tag; any other is a conflict that stops the restore before anything is created.
 */
import { CreateDBInstanceCommand, DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import type { DBInstance, RDSClient } from '@aws-sdk/client-rds';

import type { ClusterEndpoints, InstanceInfo } from '../domain/aws-shapes';
import { classifyInstanceStatus, statusHint } from '../domain/aws-status';
import { isCreatedByOperation, TAG_OPERATION_ID, TAG_ROLE } from '../domain/naming';
import { POLL_BOUNDS } from '../domain/poll-schedule';

import { describeWhere, findCluster, listClusterInstances, ownershipTags } from './clusters';
import { failure, isAwsError, toActivityFailure } from './failures';
import {
  msSinceFirstScheduled,
  notReady,
  observation,
  reportAndPlanPoll,
  reportObservation,
  skipCheckOfJustStarted,
} from './polling';
import type { AwaitInstancesInput, CreateInstancesInput, CreateInstancesOutput } from './types';

import type { ActivityDeps } from './index';

/**
 * How long a just-created instance may be missing from DescribeDBInstances before the wait fails: RDS's describe
 * calls are eventually consistent right after a create.
 */
export const INSTANCE_VISIBILITY_GRACE_MS = 5 * 60_000;

const RDS_ID = /^[a-zA-Z][a-zA-Z0-9-]{0,62}$/;

/** The instance under `instanceId` (identifiers are case-insensitive), or undefined when RDS has none. */
export async function findInstance(
  rds: RDSClient,
  instanceId: string,
  context: string
): Promise<DBInstance | undefined> {
  try {
    const out = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: instanceId }));
    return out.DBInstances?.find((i) => i.DBInstanceIdentifier?.toLowerCase() === instanceId.toLowerCase());
  } catch (err) {
    if (isAwsError(err, 'DBInstanceNotFoundFault')) return undefined;
    throw toActivityFailure(err, context);
  }
}

function validateCreate(input: CreateInstancesInput): string[] {
  const problems: string[] = [];
  if (!input.clusterId) problems.push('clusterId is empty');
  if (!input.engine) problems.push('engine is empty');
  if (!input.instanceClass) problems.push('instanceClass is empty');
  if (!input.operationId) problems.push('operationId is empty');
  const ids = input.instanceIds ?? [];
  if (ids.length === 0) problems.push('instanceIds is empty (at least the writer is needed)');
  const bad = ids.filter((id) => !RDS_ID.test(id) || id.endsWith('-') || id.includes('--'));
  if (bad.length > 0) problems.push(`invalid instance identifiers: ${bad.join(', ')}`);
  const lower = ids.map((id) => id.toLowerCase());
  if (new Set(lower).size !== lower.length) problems.push('instanceIds contains duplicates');
  return problems;
}

export function createInstanceActivities(deps: ActivityDeps) {
  return {
    /** Creates (or adopts) the writer and the readers of the cluster. */
    async createInstances(input: CreateInstancesInput): Promise<CreateInstancesOutput> {
      const { target, clusterId, operationId } = input;
      const cluster = describeWhere('cluster', clusterId, target);
      const problems = validateCreate(input);
      if (problems.length > 0) {
        throw failure('InvalidRequest', `Cannot create the instances of ${cluster}: ${problems.join('; ')}.`);
      }
      const rds = deps.clients.rds(target);
      const ours = (i: DBInstance) =>
        i.DBClusterIdentifier?.toLowerCase() === clusterId.toLowerCase() &&
        isCreatedByOperation(i.TagList, operationId);
      const conflict = (id: string, i: DBInstance) => {
        const owner = i.TagList?.find((t) => t.Key === TAG_OPERATION_ID)?.Value;
        const member = i.DBClusterIdentifier ? `a member of cluster ${i.DBClusterIdentifier}` : 'not in any cluster';
        return failure(
          'TargetExists',
          `Cannot create instance ${id} for ${cluster}: an instance with this identifier already exists ` +
            `(${member}, ${owner ? `created by operation ${owner}` : 'not created by this pipeline'}), and it is not ` +
            `one operation ${operationId} created. It was not touched. Delete or rename it, or choose another ` +
            'target.clusterId (instance ids derive from it).',
          { clusterId, instanceId: id }
        );
      };

      // Check every id before creating any, so a conflict stops the step with nothing half-created.
      const existing = new Map<string, DBInstance>();
      for (const id of input.instanceIds) {
        const found = await findInstance(rds, id, `checking whether instance ${id} of ${cluster} exists`);
        if (!found) continue;
        if (!ours(found)) throw conflict(id, found);
        existing.set(id, found);
      }

      const created: string[] = [];
      const adopted: string[] = [];
      for (const [index, id] of input.instanceIds.entries()) {
        if (existing.has(id)) {
          adopted.push(id);
          continue;
        }
        const role = index === 0 ? 'writer' : 'reader';
        try {
          await rds.send(
            new CreateDBInstanceCommand({
              DBInstanceIdentifier: id,
              DBClusterIdentifier: clusterId,
              Engine: input.engine,
              DBInstanceClass: input.instanceClass,
              PromotionTier: index === 0 ? 0 : 1,
              ...(input.dbParameterGroupName ? { DBParameterGroupName: input.dbParameterGroupName } : {}),
              Tags: [
                ...ownershipTags(input.tags ?? [], operationId).filter((t) => t.Key !== TAG_ROLE),
                { Key: TAG_ROLE, Value: role },
              ],
            })
          );
          created.push(id);
        } catch (err) {
          if (isAwsError(err, 'DBInstanceAlreadyExistsFault')) {
            // An earlier attempt's request landed after all, or someone raced us: adopt only if it is ours.
            const raced = await findInstance(rds, id, `re-checking instance ${id} of ${cluster}`);
            if (raced && ours(raced)) {
              adopted.push(id);
              continue;
            }
            if (raced) throw conflict(id, raced);
          }
          throw toActivityFailure(err, `creating ${role} instance ${id} (${input.instanceClass}) in ${cluster}`);
        }
      }
      return { created, adopted };
    },

    /** One status check of the instances: returns the endpoints when all are available, NotReady otherwise. */
    async awaitInstancesAvailable(input: AwaitInstancesInput): Promise<ClusterEndpoints> {
      const { target, clusterId, instanceIds } = input;
      const cluster = describeWhere('cluster', clusterId, target);
      await skipCheckOfJustStarted(
        input.justStarted,
        `the instances of ${cluster}`,
        observation('instances', clusterId, `0/${instanceIds.length} available`),
        { resource: 'instances', expectedDurationMs: input.expectedDurationMs },
        deps.reportObservation
      );
      const rds = deps.clients.rds(target);
      const listed = await listClusterInstances(rds, clusterId, `listing the instances of ${cluster}`);
      const byId = new Map(listed.map((i) => [i.DBInstanceIdentifier?.toLowerCase() ?? '', i]));

      const statuses = instanceIds.map((id) => ({ id, instance: byId.get(id.toLowerCase()) }));
      const missing = statuses.filter((s) => !s.instance).map((s) => s.id);
      if (missing.length > 0 && msSinceFirstScheduled() > INSTANCE_VISIBILITY_GRACE_MS) {
        throw failure(
          'InstanceFailed',
          `Instance(s) ${missing.join(', ')} of ${cluster} do not exist: deleted outside this restore or never ` +
            'created (check CloudTrail DeleteDBInstance/CreateDBInstance events). Restore again.',
          { clusterId, instanceIds: missing }
        );
      }
      for (const { id, instance } of statuses) {
        const status = instance?.DBInstanceStatus ?? '';
        if (instance && classifyInstanceStatus(status) === 'terminal') {
          throw failure(
            'InstanceFailed',
            `Instance ${id} of ${cluster} is ${status} and will not become available. ` +
              `${statusHint(status) ?? 'Check its RDS events.'}`,
            { clusterId, instanceId: id, status }
          );
        }
      }

      const ready = statuses.filter(
        (s) => s.instance && classifyInstanceStatus(s.instance.DBInstanceStatus) === 'ready'
      );
      if (ready.length < instanceIds.length) {
        const waiting = statuses
          .filter((s) => !ready.includes(s))
          .map((s) => `${s.id}: ${s.instance?.DBInstanceStatus ?? 'not visible yet'}`);
        const obs = observation('instances', clusterId, `${ready.length}/${instanceIds.length} available`);
        const delayMs = await reportAndPlanPoll(
          obs,
          { resource: 'instances', expectedDurationMs: input.expectedDurationMs },
          deps.reportObservation
        );
        notReady(obs, `instances of ${cluster} not available yet (${waiting.join(', ')})`, delayMs);
      }

      const found = await findCluster(rds, clusterId, `reading the endpoints of ${cluster}`);
      if (!found) {
        throw failure(
          'ClusterFailed',
          `${cluster} no longer exists while its instances are available: it was deleted outside this restore. ` +
            'Restore again.',
          { clusterId }
        );
      }
      const writers = new Set(
        (found.DBClusterMembers ?? [])
          .filter((m) => m.IsClusterWriter && m.DBInstanceIdentifier)
          .map((m) => (m.DBInstanceIdentifier as string).toLowerCase())
      );
      if (writers.size === 0) {
        // Instances can read `available` a moment before RDS records the writer in the cluster's membership.
        const obs = observation('instances', clusterId, 'electing writer');
        await reportObservation(obs, deps.reportObservation);
        // A matter of seconds: look again after the floor, not after a whole poll interval.
        notReady(
          obs,
          `instances of ${cluster} are available but RDS has not recorded a writer yet`,
          POLL_BOUNDS.instances.floorMs
        );
      }
      const instances: InstanceInfo[] = ready.map(({ id, instance }) => ({
        instanceId: id,
        role: writers.has(id.toLowerCase()) ? 'writer' : 'reader',
        status: instance?.DBInstanceStatus ?? 'available',
        instanceClass: instance?.DBInstanceClass ?? '',
        ...(instance?.Endpoint?.Address ? { endpoint: instance.Endpoint.Address } : {}),
      }));
      return {
        ...(found.Endpoint ? { writerEndpoint: found.Endpoint } : {}),
        ...(found.ReaderEndpoint ? { readerEndpoint: found.ReaderEndpoint } : {}),
        ...(found.Port !== undefined ? { port: found.Port } : {}),
        instances,
      };
    },
  };
}
