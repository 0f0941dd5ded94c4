/**
 * Swap refresh activities (replace.strategy: swap): rename a cluster or an instance, and stop the old cluster.
 *
 * Each rename is a converging wait, one describe per attempt, safe to repeat after a crash at any point: it first
 * looks at the name it renames TO. Holding the expected resource (the cluster by its immutable DbClusterResourceId,
 * the instance by its membership in the expected cluster), the rename is done once that resource is available. Only
 * when the resource still sits under the name it comes FROM is ModifyDB*Identifier called; then the attempt ends
 * NotReady and the next one watches the `renaming` status. A name held by anything else is never taken over: the
 * swap fails (SwapFailed) and the workflow renames back what it moved.
 */
import { ModifyDBClusterCommand, ModifyDBInstanceCommand, StopDBClusterCommand } from '@aws-sdk/client-rds';
import type { DBCluster, DBInstance } from '@aws-sdk/client-rds';

import type { ClusterInfo } from '../domain/aws-shapes';
import { classifyClusterStatus, classifyInstanceStatus, statusHint } from '../domain/aws-status';
import { isManagedByPipeline, TAG_MANAGED_BY, TAG_MANAGED_BY_VALUE } from '../domain/naming';

import { describeWhere, findCluster, toClusterInfo } from './clusters';
import { failure, isAwsError, toActivityFailure } from './failures';
import { findInstance } from './instances';
import { notReady, observation, reportObservation } from './polling';
import type {
  RenameClusterInput,
  RenameInstanceInput,
  RenameInstanceOutput,
  StopClusterInput,
  StopClusterOutput,
} from './types';

import type { ActivityDeps } from './index';

const sameId = (a: string | undefined, b: string): boolean => a?.toLowerCase() === b.toLowerCase();

export function createSwapActivities(deps: ActivityDeps) {
  async function waiting(
    resource: 'cluster' | 'instances',
    id: string,
    status: string,
    message: string
  ): Promise<never> {
    const obs = observation(resource, id, status);
    await reportObservation(obs, deps.reportObservation);
    notReady(obs, message);
  }

  return {
    /**
     * Renames the cluster `resourceId` from `from` to `to` and returns it once available under `to`. Converges from
     * any state: already renamed (returns when available), still under `from` (renames when available), renaming.
     * Refuses a cluster without this pipeline's managed-by tag.
     */
    async renameCluster(input: RenameClusterInput): Promise<ClusterInfo> {
      const { target, from, to, resourceId } = input;
      const rds = deps.clients.rds(target);
      const whereTo = describeWhere('cluster', to, target);
      const whereFrom = describeWhere('cluster', from, target);
      const isIt = (c: DBCluster | undefined): boolean => c !== undefined && c.DbClusterResourceId === resourceId;

      const atTo = await findCluster(rds, to, `describing ${whereTo} before renaming ${from} to it`);
      if (atTo && isIt(atTo)) {
        const status = atTo.Status ?? 'unknown';
        if (classifyClusterStatus(status) === 'ready') return toClusterInfo(atTo);
        if (classifyClusterStatus(status) === 'terminal') {
          throw failure(
            'SwapFailed',
            `${whereTo} (renamed from ${from}) is ${status}. ${statusHint(status) ?? ''}`.trim(),
            {
              clusterId: to,
              status,
            }
          );
        }
        return waiting('cluster', to, status, `${whereTo} (renamed from ${from}) is ${status}`);
      }
      if (atTo) {
        throw failure(
          'SwapFailed',
          `Cannot rename ${whereFrom} to ${to}: another cluster holds that name (resource id ` +
            `${atTo.DbClusterResourceId ?? 'unknown'}, status ${atTo.Status ?? 'unknown'}). It was not touched. ` +
            'Rename or delete it, then restore again.',
          { clusterId: to }
        );
      }
      const atFrom = await findCluster(rds, from, `describing ${whereFrom} before renaming it to ${to}`);
      if (!atFrom || !isIt(atFrom)) {
        throw failure(
          'SwapFailed',
          `Cannot rename cluster ${resourceId} from ${from} to ${to} in ${target.region}: neither name holds it ` +
            '(renamed or deleted outside this restore). Check the RDS console and CloudTrail ModifyDBCluster events.',
          { clusterId: from, resourceId }
        );
      }
      if (!isManagedByPipeline(atFrom.TagList)) {
        throw failure(
          'NotManagedByPipeline',
          `Refusing to rename ${whereFrom}: it is not tagged ${TAG_MANAGED_BY}=${TAG_MANAGED_BY_VALUE}. Nothing was changed.`,
          { clusterId: from }
        );
      }
      const status = atFrom.Status ?? 'unknown';
      if (classifyClusterStatus(status) !== 'ready') {
        return waiting('cluster', from, status, `${whereFrom} is ${status}: it can be renamed to ${to} once available`);
      }
      try {
        await rds.send(
          new ModifyDBClusterCommand({ DBClusterIdentifier: from, NewDBClusterIdentifier: to, ApplyImmediately: true })
        );
      } catch (err) {
        if (isAwsError(err, 'InvalidDBClusterStateFault')) {
          return waiting('cluster', from, status, `${whereFrom} cannot be renamed yet: ${err.message.slice(0, 200)}`);
        }
        // Another cluster took the name between the describe and the rename: the next attempt reports which.
        if (isAwsError(err, 'DBClusterAlreadyExistsFault')) {
          return waiting('cluster', from, status, `${to} is taken: ${err.message.slice(0, 200)}`);
        }
        throw toActivityFailure(err, `renaming ${whereFrom} to ${to}`);
      }
      return waiting('cluster', to, 'renaming', `renaming ${whereFrom} to ${to}`);
    },

    /**
     * Renames the instance of cluster `clusterId` named `from` to `to` and returns once it is available under `to`.
     * Converges from any state like renameCluster; an instance of another cluster under either name is never touched.
     */
    async renameInstance(input: RenameInstanceInput): Promise<RenameInstanceOutput> {
      const { target, clusterId, from, to } = input;
      const rds = deps.clients.rds(target);
      const where = (id: string) => `instance ${id} of ${describeWhere('cluster', clusterId, target)}`;
      const isMember = (i: DBInstance | undefined): boolean =>
        i !== undefined && sameId(i.DBClusterIdentifier, clusterId);

      const atTo = await findInstance(rds, to, `describing ${where(to)}`);
      if (atTo && isMember(atTo)) {
        const status = atTo.DBInstanceStatus ?? 'unknown';
        if (classifyInstanceStatus(status) === 'ready') {
          return { instanceId: to, ...(atTo.Endpoint?.Address ? { endpoint: atTo.Endpoint.Address } : {}) };
        }
        if (classifyInstanceStatus(status) === 'terminal') {
          throw failure('SwapFailed', `${where(to)} (renamed from ${from}) is ${status}.`, { instanceId: to, status });
        }
        return waiting('instances', clusterId, `${to}: ${status}`, `${where(to)} is ${status}`);
      }
      if (atTo) {
        throw failure(
          'SwapFailed',
          `Cannot rename ${where(from)} to ${to}: instance ${to} exists and belongs to ` +
            `${atTo.DBClusterIdentifier ? `cluster ${atTo.DBClusterIdentifier}` : 'no cluster'}. It was not touched.`,
          { instanceId: to }
        );
      }
      const atFrom = await findInstance(rds, from, `describing ${where(from)}`);
      if (!atFrom || !isMember(atFrom)) {
        throw failure(
          'SwapFailed',
          `Cannot rename ${where(from)} to ${to}: neither name holds an instance of the cluster (renamed or deleted ` +
            'outside this restore).',
          { instanceId: from }
        );
      }
      if (!isManagedByPipeline(atFrom.TagList)) {
        throw failure(
          'UnmanagedInstance',
          `Refusing to rename ${where(from)}: it is not tagged ${TAG_MANAGED_BY}=${TAG_MANAGED_BY_VALUE}.`,
          { instanceId: from }
        );
      }
      const status = atFrom.DBInstanceStatus ?? 'unknown';
      if (classifyInstanceStatus(status) !== 'ready') {
        return waiting('instances', clusterId, `${from}: ${status}`, `${where(from)} is ${status}`);
      }
      try {
        await rds.send(
          new ModifyDBInstanceCommand({
            DBInstanceIdentifier: from,
            NewDBInstanceIdentifier: to,
            ApplyImmediately: true,
          })
        );
      } catch (err) {
        if (isAwsError(err, 'InvalidDBInstanceStateFault', 'DBInstanceAlreadyExistsFault')) {
          return waiting('instances', clusterId, `${from}: ${status}`, `${where(from)}: ${err.message.slice(0, 200)}`);
        }
        throw toActivityFailure(err, `renaming ${where(from)} to ${to}`);
      }
      return waiting('instances', clusterId, `${to}: renaming`, `renaming ${where(from)} to ${to}`);
    },

    /** Stops the old cluster after a swap (replace.previous: stop). Idempotent: stopping or stopped is done. */
    async stopCluster(input: StopClusterInput): Promise<StopClusterOutput> {
      const { target, clusterId, resourceId } = input;
      const where = describeWhere('cluster', clusterId, target);
      const rds = deps.clients.rds(target);
      const cluster = await findCluster(rds, clusterId, `describing ${where} before stopping it`);
      if (!cluster || cluster.DbClusterResourceId !== resourceId) {
        throw failure('ClusterFailed', `${where} is not the cluster this restore renamed aside: it was not stopped.`, {
          clusterId,
        });
      }
      if (!isManagedByPipeline(cluster.TagList)) {
        throw failure('NotManagedByPipeline', `Refusing to stop ${where}: it is not tagged ${TAG_MANAGED_BY}.`, {
          clusterId,
        });
      }
      const status = cluster.Status ?? 'unknown';
      if (status === 'stopped' || status === 'stopping') return { clusterId, status };
      try {
        const out = await rds.send(new StopDBClusterCommand({ DBClusterIdentifier: clusterId }));
        return { clusterId, status: out.DBCluster?.Status ?? 'stopping' };
      } catch (err) {
        if (isAwsError(err, 'InvalidDBClusterStateFault')) {
          return waiting('cluster', clusterId, status, `${where} is ${status}: it can be stopped once available`);
        }
        throw toActivityFailure(err, `stopping ${where}`);
      }
    },
  };
}
