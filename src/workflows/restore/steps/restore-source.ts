/** What step 1 resolved, a snapshot or a live cluster, and what the later steps read of either. */
import type { SnapshotInfo, SourceClusterInfo } from '../../../domain/aws-shapes';

import type { SourceSnapshot } from './snapshot';

/** The live cluster to restore from, and the engine of the new cluster (the source's). */
export interface SourceCluster {
  cluster: SourceClusterInfo;
  engine: string;
}

/** What step 1 resolved: a snapshot, or a live cluster. */
export type RestoreSource = SourceSnapshot | SourceCluster;

export function isClusterSource(source: RestoreSource): source is SourceCluster {
  return 'cluster' in source;
}

/** The ARN the new cluster's source tag names: the snapshot's or the source cluster's. */
export function sourceArnOf(source: RestoreSource): string {
  return isClusterSource(source) ? source.cluster.arn : source.snapshot.arn;
}

/** The snapshot restored from, if any (the target guards also protect a snapshot's own cluster). */
export function snapshotOf(source: RestoreSource): SnapshotInfo | undefined {
  return isClusterSource(source) ? undefined : source.snapshot;
}
