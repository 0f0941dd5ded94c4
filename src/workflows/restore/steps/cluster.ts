/**
 * The cluster steps: restore the cluster from the snapshot (6), create its writer and readers (7), and set its
 * master password (8), each waiting until AWS reports the result available.
 */
import type { SetMasterPasswordOutput } from '../../../activities/types';
import type { ClusterEndpoints, ClusterInfo, Tag } from '../../../domain/aws-shapes';
import { instanceIds, pipelineTags } from '../../../domain/naming';
import { calls } from '../../activity-options';
import type { RestoreRun } from '../run';
import { expecting } from '../wait-hints';

import type { SourceSnapshot } from './snapshot';

export interface RestoredCluster {
  clusterArn: string;
  /** The cluster as AWS reported it once available (engine, endpoint, master user). */
  cluster: ClusterInfo;
}

/** The tags every resource of this run carries: the pipeline's, this operation's and the request's own. */
function runTags(run: RestoreRun, snapshotArn: string): Tag[] {
  return pipelineTags(run.request.operationId, snapshotArn, run.request.target.tags);
}

/** 6. Restore the cluster with every requested setting and the pipeline's tags; wait until available. */
export async function restoreCluster(
  run: RestoreRun,
  { snapshot, engine }: SourceSnapshot,
  restoreFrom: string
): Promise<RestoredCluster> {
  const { request, progress } = run;
  const { target } = request;
  run.created.cluster = target.clusterId;
  progress.resources().cluster = target.clusterId;
  const restored = await run.steps.step(
    'restore-cluster',
    () =>
      calls.restoreCluster({
        target: run.targetLoc,
        clusterId: target.clusterId,
        snapshotIdentifier: restoreFrom,
        settings: {
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
        },
        operationId: request.operationId,
        tags: runTags(run, snapshot.arn),
      }),
    (r) => (r.adopted ? 'adopted the cluster this operation had started' : restoreFrom)
  );
  const cluster = await run.steps.step('wait-for-cluster', () =>
    run.steps.wait(request.timing.restoreTimeoutMs).awaitClusterAvailable({
      target: run.targetLoc,
      clusterId: target.clusterId,
      ...expecting(run.waitHints.clusterMs),
    })
  );
  progress.observeReady('cluster', target.clusterId, cluster.status, Date.now());
  return { clusterArn: restored.clusterArn, cluster };
}

/** 7. Writer and readers; wait until available and record the endpoints. */
export async function createInstances(
  run: RestoreRun,
  { snapshot, engine }: SourceSnapshot
): Promise<ClusterEndpoints> {
  const { request, progress } = run;
  const { target } = request;
  const ids = instanceIds(target.clusterId, target.instanceCount);
  progress.resources().instances = ids;
  await run.steps.step('create-instances', () =>
    calls.createInstances({
      target: run.targetLoc,
      clusterId: target.clusterId,
      engine,
      instanceClass: target.instanceClass,
      instanceIds: ids,
      dbParameterGroupName: target.dbParameterGroupName,
      operationId: request.operationId,
      tags: runTags(run, snapshot.arn),
    })
  );
  const endpoints = await run.steps.step('wait-for-instances', () =>
    run.steps.wait(request.timing.instancesTimeoutMs).awaitInstancesAvailable({
      target: run.targetLoc,
      clusterId: target.clusterId,
      instanceIds: ids,
      ...expecting(run.waitHints.instancesMs),
    })
  );
  progress.setEndpoints(endpoints);
  progress.observeReady('instances', target.clusterId, `${ids.length}/${ids.length} available`, Date.now());
  return endpoints;
}

/** 8. Master password from a Secrets Manager secret (read inside the activity) or RDS-managed, when requested. */
export async function setMasterPassword(run: RestoreRun): Promise<SetMasterPasswordOutput | undefined> {
  const { request } = run;
  const spec = request.masterPassword;
  if (!spec) return undefined;
  // A wait, because the cluster may still be settling (e.g. `modifying`) right after the instances.
  return await run.steps.step('set-master-password', () =>
    run.steps.wait(request.timing.instancesTimeoutMs).setMasterPassword({
      target: run.targetLoc,
      clusterId: request.target.clusterId,
      spec,
    })
  );
}
