/**
 * How long simulated AWS operations take. Defaults are typical figures for a small Aurora cluster; real durations
 * grow with data size, so tests and benchmarks that care pass their own.
 */

/** Durations in milliseconds of "AWS time" (the simulator's clock). */
export interface SimTimings {
  /** CopyDBClusterSnapshot: creating -> copying (PercentProgress 0..100) -> available. */
  snapshotCopy: number;
  /** RestoreDBClusterFromSnapshot: creating -> backing-up -> available. */
  clusterRestore: number;
  /**
   * RestoreDBClusterToPointInTime with RestoreType copy-on-write (a clone): "minutes" rather than a restore's hour,
   * since no data is copied (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.Managing.Clone.html).
   */
  clusterClone: number;
  /** CreateDBInstance: creating -> backing-up -> configuring-enhanced-monitoring -> available. */
  instanceCreate: number;
  /** DeleteDBInstance: deleting, then gone. */
  instanceDelete: number;
  /** DeleteDBCluster: deleting, then DBClusterNotFoundFault. */
  clusterDelete: number;
  /** ModifyDBCluster MasterUserPassword / ManageMasterUserPassword: resetting-master-credentials -> available. */
  masterCredentialsReset: number;
  /** ModifyDBCluster of other running settings: modifying -> available. */
  clusterModify: number;
  /** StopDBCluster: stopping -> stopped. */
  clusterStop: number;
  /** StartDBCluster: starting -> available. */
  clusterStart: number;
  /**
   * ModifyDBCluster NewDBClusterIdentifier: `renaming` until the new DNS name is effective ("about two minutes", as
   * documented for the same call on Multi-AZ DB clusters:
   * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/multi-az-db-cluster-rename.html).
   */
  clusterRename: number;
  /**
   * ModifyDBInstance NewDBInstanceIdentifier: `renaming` until the new DNS name is effective ("about 10 minutes",
   * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_RenameInstance.html).
   */
  instanceRename: number;
}

const MINUTE = 60_000;

export const DEFAULT_SIM_TIMINGS: Readonly<SimTimings> = Object.freeze({
  snapshotCopy: 20 * MINUTE,
  clusterRestore: 40 * MINUTE,
  clusterClone: 5 * MINUTE,
  instanceCreate: 10 * MINUTE,
  instanceDelete: 5 * MINUTE,
  clusterDelete: 5 * MINUTE,
  masterCredentialsReset: 2 * MINUTE,
  clusterModify: 3 * MINUTE,
  clusterStop: 5 * MINUTE,
  clusterStart: 5 * MINUTE,
  clusterRename: 2 * MINUTE,
  instanceRename: 10 * MINUTE,
});

/**
 * Every duration multiplied by `factor` (e.g. `scaled(1 / 600)` turns 40 minutes into 4 seconds for a wall-clock
 * demo). Scales `base` when given, the defaults otherwise.
 */
export function scaled(factor: number, base: Partial<SimTimings> = {}): SimTimings {
  if (!Number.isFinite(factor) || factor < 0) {
    throw new RangeError(`scaled(): factor must be a finite number >= 0, got ${factor}`);
  }
  const full = resolveTimings(base);
  const out = { ...full };
  for (const key of Object.keys(out) as (keyof SimTimings)[]) out[key] = Math.round(full[key] * factor);
  return out;
}

/** The defaults overlaid with `partial`; every value must be a finite duration >= 0. */
export function resolveTimings(partial: Partial<SimTimings> = {}): SimTimings {
  const out: SimTimings = { ...DEFAULT_SIM_TIMINGS };
  for (const [key, value] of Object.entries(partial) as [keyof SimTimings, number | undefined][]) {
    if (value === undefined) continue;
    if (!(key in DEFAULT_SIM_TIMINGS)) throw new RangeError(`Unknown simulator timing '${key}'`);
    if (!Number.isFinite(value) || value < 0) {
      throw new RangeError(`Simulator timing ${key} must be a finite number of ms >= 0, got ${value}`);
    }
    out[key] = value;
  }
  return out;
}
