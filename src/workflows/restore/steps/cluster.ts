/**
 * The cluster steps: restore the cluster from the snapshot (6), create its writer and readers (7), and set its
 * master password (8), each waiting until AWS reports the result available.
 */

import type { SetMasterPasswordOutput } from '../../../activities/types';
import type { ClusterEndpoints, ClusterInfo, RestoreClusterSettings, Tag } from '../../../domain/aws-shapes';
import { pipelineTags } from '../../../domain/naming';
import { creates } from '../../activity-options';
import { targetInstanceIds } from '../../instance-ids';
import { patchedBeforeCompact } from '../compact-history';
import { buildClusterId } from '../run';
import type { RestoreRun } from '../run';
import { expecting, startedNow } from '../wait-hints';

import { sourceArnOf } from './restore-source';
import type { RestoreSource } from './restore-source';
import type { SourceSnapshot } from './snapshot';

export interface RestoredCluster {
  clusterArn: string;
  /** The cluster as AWS reported it once available (engine, endpoint, master user). */
  cluster: ClusterInfo;
}

/** The tags every resource of this run carries: the pipeline's, this operation's and the request's own. */
export function runTags(run: RestoreRun, sourceArn: string): Tag[] {
  return pipelineTags(run.request.operationId, sourceArn, run.request.target.tags);
}

/** Every requested setting of the new cluster, whatever it is restored from. */
export function restoreSettings(run: RestoreRun, engine: string): RestoreClusterSettings {
  const { target } = run.request;
  return {
    engine,
    engineVersion: target.engineVersion,
    port: target.port,
    dbSubnetGroupName: target.dbSubnetGroupName,
    vpcSecurityGroupIds: target.vpcSecurityGroupIds,
    dbClusterParameterGroupName: target.dbClusterParameterGroupName,
    kmsKeyId: target.kmsKeyId,
    deletionProtection: target.deletionProtection,
    serverlessV2: target.serverlessV2,
    enableIamDatabaseAuthentication: target.enableIamDatabaseAuthentication,
    enableCloudwatchLogsExports: target.enableCloudwatchLogsExports,
    backupRetentionPeriod: target.backupRetentionPeriod,
  };
}

/** 6. Restore the cluster with every requested setting and the pipeline's tags; wait until available. */
export async function restoreCluster(
  run: RestoreRun,
  { snapshot, engine }: SourceSnapshot,
  restoreFrom: string
): Promise<RestoredCluster> {
  const { request, progress } = run;
  const clusterId = buildClusterId(run);
  run.created.cluster = clusterId;
  progress.resources().cluster = clusterId;
  const restored = await run.steps.step(
    'restore-cluster',
    () =>
      creates().restoreCluster({
        target: run.targetLoc,
        clusterId,
        snapshotIdentifier: restoreFrom,
        settings: restoreSettings(run, engine),
        operationId: request.operationId,
        tags: runTags(run, snapshot.arn),
      }),
    (r) => (r.adopted ? 'adopted the cluster this operation had started' : restoreFrom)
  );
  return { clusterArn: restored.clusterArn, cluster: await waitForCluster(run, !restored.adopted) };
}

/** The wait half of step 6: until the new cluster is available (`justStarted`: this run's call started it). */
export async function waitForCluster(run: RestoreRun, justStarted: boolean): Promise<ClusterInfo> {
  const { request, progress } = run;
  const clusterId = buildClusterId(run);
  const cluster = await run.steps.step('wait-for-cluster', () =>
    run.steps.wait(request.timing.restoreTimeoutMs).awaitClusterAvailable({
      target: run.targetLoc,
      clusterId,
      ...expecting(run.waitHints.clusterMs),
      ...startedNow(justStarted),
    })
  );
  progress.observeReady('cluster', clusterId, cluster.status, Date.now());
  return cluster;
}

/** 7. Writer and readers; wait until available and record the endpoints. */
export async function createInstances(run: RestoreRun, source: RestoreSource): Promise<ClusterEndpoints> {
  const { request, progress } = run;
  const { target } = request;
  const clusterId = buildClusterId(run);
  const ids = run.swap?.incomingInstanceIds ?? targetInstanceIds(target.clusterId, target.instanceCount);
  progress.resources().instances = ids;
  const created = await run.steps.step('create-instances', () =>
    creates().createInstances({
      target: run.targetLoc,
      clusterId,
      engine: source.engine,
      instanceClass: target.instanceClass,
      instanceIds: ids,
      dbParameterGroupName: target.dbParameterGroupName,
      operationId: request.operationId,
      tags: runTags(run, sourceArnOf(source)),
    })
  );
  const endpoints = await run.steps.step('wait-for-instances', () =>
    run.steps.wait(request.timing.instancesTimeoutMs).awaitInstancesAvailable({
      target: run.targetLoc,
      clusterId,
      instanceIds: ids,
      ...expecting(run.waitHints.instancesMs),
      ...startedNow(created.adopted.length === 0),
    })
  );
  progress.setEndpoints(endpoints);
  progress.observeReady('instances', clusterId, `${ids.length}/${ids.length} available`, Date.now());
  return endpoints;
}

/**
 * Restores recorded before the step waited for RDS to apply the password went straight on from ModifyDBCluster;
 * replaying them must schedule no wait.
 */
export const MASTER_PASSWORD_APPLIED_PATCH = 'await-master-password-applied';

/**
 * 8. Master password from a Secrets Manager secret (read inside the activity) or RDS-managed, when requested. The
 * step ends once RDS has applied it (`resetting-master-credentials` over): the database steps log in with it next.
 */
export async function setMasterPassword(run: RestoreRun): Promise<SetMasterPasswordOutput | undefined> {
  const { request } = run;
  const spec = request.masterPassword;
  if (!spec) return undefined;
  const cluster = { target: run.targetLoc, clusterId: buildClusterId(run) };
  return await run.steps.step('set-master-password', async () => {
    // A wait, because the cluster may still be settling (e.g. `modifying`) right after the instances.
    const result = await run.steps.wait(request.timing.instancesTimeoutMs).setMasterPassword({ ...cluster, spec });
    if (patchedBeforeCompact(MASTER_PASSWORD_APPLIED_PATCH)) {
      await run.steps.wait(request.timing.instancesTimeoutMs).awaitMasterPasswordApplied(cluster);
    }
    return result;
  });
}
