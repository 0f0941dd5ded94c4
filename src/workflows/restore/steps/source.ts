/**
 * Live cluster sources (source.pointInTime, source.clone): resolve the source cluster (1) and restore the target
 * from it with RestoreDBClusterToPointInTime (6). Nothing is shared or copied: AWS makes these restores only in
 * the source's own region and account. The source cluster is only described, never changed; it is named in
 * source.clusterId, so the guards of the target steps refuse to replace or delete it.
 */
import { calls, creates } from '../../activity-options';
import { refuse } from '../../failure-report';
import { buildClusterId } from '../run';
import type { RestoreRun } from '../run';

import { restoreSettings, runTags, waitForCluster } from './cluster';
import type { RestoredCluster } from './cluster';
import type { SourceCluster } from './restore-source';

/**
 * 1. Resolve the source cluster; refuses before any change what AWS would refuse (a time outside its restorable
 * window, a clone it would not make) and a target engine that is not the source's.
 */
export async function resolveSourceCluster(run: RestoreRun): Promise<SourceCluster> {
  const { request, progress } = run;
  const ref = request.source.clusterRef!;
  const cluster = await run.steps.step(
    'resolve-source',
    // A regular activity even in a compact history, like the snapshot lookup (snapshot.ts).
    () => calls.resolveSourceCluster({ target: run.targetLoc, ref }),
    (c) =>
      c.kind === 'clone'
        ? `clone of ${c.identifier} (${c.engine})`
        : `${c.identifier} at ${c.restoreToTime ?? `its latest restorable time (${c.latestRestorableTime ?? 'unknown'})`}`
  );
  const wanted = request.target.engine;
  if (wanted && wanted !== cluster.engine) {
    throw refuse(
      'InvalidRestoreParameter',
      `target.engine is ${wanted} but the source cluster ${cluster.identifier} runs ${cluster.engine}: a point-in-time ` +
        'restore or clone keeps the source engine. Remove target.engine or set it to the source engine.'
    );
  }
  const reason = `${ref.kind === 'clone' ? 'a clone' : 'a point-in-time restore'} needs no snapshot share or copy`;
  progress.stepSkipped('copy-snapshot', Date.now(), reason);
  return { cluster, engine: cluster.engine };
}

/** 6. Restore the target from the source cluster with every requested setting; wait until available. */
export async function restoreFromSourceCluster(run: RestoreRun, source: SourceCluster): Promise<RestoredCluster> {
  const { request, progress } = run;
  const { cluster } = source;
  // With a swap, the new cluster is built under its temporary name while the old one keeps serving.
  const clusterId = buildClusterId(run);
  run.created.cluster = clusterId;
  progress.resources().cluster = clusterId;
  const restored = await run.steps.step(
    'restore-cluster',
    () =>
      creates().restoreClusterToPointInTime({
        target: run.targetLoc,
        clusterId,
        sourceClusterId: cluster.identifier,
        restoreType: cluster.kind === 'clone' ? 'copy-on-write' : 'full-copy',
        ...(cluster.restoreToTime ? { restoreToTime: cluster.restoreToTime } : {}),
        settings: restoreSettings(run, source.engine),
        operationId: request.operationId,
        tags: runTags(run, cluster.arn),
      }),
    (r) =>
      r.adopted
        ? 'adopted the cluster this operation had started'
        : `${cluster.kind === 'clone' ? 'clone of' : 'point in time of'} ${cluster.identifier}`
  );
  return { clusterArn: restored.clusterArn, cluster: await waitForCluster(run, !restored.adopted) };
}
