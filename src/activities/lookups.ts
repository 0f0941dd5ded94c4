/**
 * The two read-only lookups at a restore's start in one activity (lean history): the snapshot to restore, and what
 * already exists under the target's name. One activity instead of two saves its three events and a workflow task;
 * neither lookup changes anything, so reading both at once changes no outcome.
 */
import type { ClusterInfo, SnapshotInfo } from '../domain/aws-shapes';

import { createClusterActivities } from './clusters';
import { createSnapshotActivities } from './snapshots';
import type { DescribeClusterInput, FindSnapshotInput } from './types';

import type { ActivityDeps } from '.';

export interface LookUpSourceAndTargetInput {
  snapshot: FindSnapshotInput;
  target: DescribeClusterInput;
}

export interface SourceAndTarget {
  snapshot: SnapshotInfo;
  /** The cluster already at the target, or null. */
  existing: ClusterInfo | null;
}

export function createLookupActivities(deps: ActivityDeps) {
  const { findSnapshot } = createSnapshotActivities(deps);
  const { describeCluster } = createClusterActivities(deps);
  return {
    /** findSnapshot, then describeCluster (with its instances) of the target: what the first two steps need. */
    async lookUpSourceAndTarget(input: LookUpSourceAndTargetInput): Promise<SourceAndTarget> {
      const snapshot = await findSnapshot(input.snapshot);
      const existing = await describeCluster(input.target);
      return { snapshot, existing };
    },
  };
}
