/**
 * Live cluster sources in the simulator: the restorable window RDS reports for a cluster, the copy-on-write chains
 * clones form, and the AWS Backup snapshot type. moto reports EarliestRestorableTime = creation and
 * LatestRestorableTime = now, ignores RestoreType, RestoreToTime and UseLatestRestorableTime, has no
 * CloneGroupId, and files every snapshot as `manual`; the rules below follow the AWS documentation named on each.
 * Pure bookkeeping; rds-behaviour.ts applies it to the calls.
 */
import { randomUUID } from 'node:crypto';

import type { DBCluster, DBClusterSnapshot } from '@aws-sdk/client-rds';

import type { PersistentPart } from './timeline';

const MINUTE = 60_000;
const DAY = 86_400_000;

/**
 * "LatestRestorableTime ... typically within the last 5 minutes"
 * (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-pitr.html).
 */
export const LATEST_RESTORABLE_LAG_MS = 5 * MINUTE;

/**
 * Clones per copy-on-write chain: "up to 15 clones based on a copy, including clones based on other clones. After
 * that, only copies can be created"
 * (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.Managing.Clone.html#Aurora.Managing.Clone.Limitations).
 */
export const CLONES_PER_CHAIN = 15;

/** AWS Backup names the Aurora snapshots it makes `awsbackup:job-<id>`. */
export function isAwsBackupSnapshotId(id: string | undefined): boolean {
  return (id ?? '').startsWith('awsbackup:');
}

/** The snapshot as AWS reports one made by AWS Backup: SnapshotType `awsbackup` (moto says `manual`). */
export function awsBackupView(snapshot: DBClusterSnapshot): DBClusterSnapshot {
  return isAwsBackupSnapshotId(snapshot.DBClusterSnapshotIdentifier)
    ? { ...snapshot, SnapshotType: 'awsbackup' }
    : snapshot;
}

export interface RestorableWindow {
  earliest: number;
  latest: number;
}

/**
 * A cluster's restorable window at `now`: from its creation, or the start of the backup retention period when that
 * is later ("you can restore to any point in time within your backup retention period",
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.Managing.Backups.html), to about 5 minutes
 * ago; a cluster younger than that lag can be restored only to its creation.
 */
export function restorableWindow(cluster: DBCluster, now: number): RestorableWindow {
  const created = cluster.ClusterCreateTime ? new Date(cluster.ClusterCreateTime).getTime() : now;
  const retentionDays = cluster.BackupRetentionPeriod ?? 1;
  const earliest = Math.min(now, Math.max(created, now - retentionDays * DAY));
  return { earliest, latest: Math.max(earliest, now - LATEST_RESTORABLE_LAG_MS) };
}

/**
 * Copy-on-write chains: which clusters share their storage (AWS reports them under one CloneGroupId). Kept in the
 * timeline's state file (a restarted worker still sees the same CloneGroupId and counts the same clones per chain).
 */
export class CloneChains implements PersistentPart {
  private readonly groupOf = new Map<string, string>();
  private changed: () => void = () => undefined;

  toState(): [string, string][] {
    return [...this.groupOf];
  }

  fromState(state: unknown): void {
    this.groupOf.clear();
    for (const [k, v] of state as [string, string][]) this.groupOf.set(k, v);
  }

  onChange(changed: () => void): void {
    this.changed = changed;
  }

  private static key(account: string, region: string, clusterId: string): string {
    return `${account}/${region}/${clusterId.toLowerCase()}`;
  }

  group(account: string, region: string, clusterId: string): string | undefined {
    return this.groupOf.get(CloneChains.key(account, region, clusterId));
  }

  /** Clones in the chain of `clusterId` (its members but the first). */
  clones(account: string, region: string, clusterId: string): number {
    const group = this.group(account, region, clusterId);
    if (!group) return 0;
    return [...this.groupOf.values()].filter((g) => g === group).length - 1;
  }

  /**
   * Records a copy-on-write clone of `sourceId` as `cloneId`; returns false when the chain is full, in which case
   * AWS makes a full copy instead (a cluster in no chain).
   */
  addClone(account: string, region: string, sourceId: string, cloneId: string): boolean {
    if (this.clones(account, region, sourceId) >= CLONES_PER_CHAIN) return false;
    const group = this.group(account, region, sourceId) ?? `cg-${randomUUID()}`;
    this.groupOf.set(CloneChains.key(account, region, sourceId), group);
    this.groupOf.set(CloneChains.key(account, region, cloneId), group);
    this.changed();
    return true;
  }

  /** A deleted (or re-created) cluster leaves its chain. */
  forget(account: string, region: string, clusterId: string): void {
    if (this.groupOf.delete(CloneChains.key(account, region, clusterId))) this.changed();
  }
}
