/**
 * Cluster statuses that follow a ModifyDBCluster, StopDBCluster or StartDBCluster, which moto applies at once and
 * never reports (moto-notes: its ModifyDBCluster answers with the cluster's current status, its StopDBCluster says
 * `stopped` at once). Each is an episode on one cluster, from the call's AWS time for a given duration:
 *
 *  - `resetting-master-credentials` after MasterUserPassword or ManageMasterUserPassword. ModifyDBCluster,
 *    https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBCluster.html: the change "is
 *    asynchronously applied as soon as possible" (master password changes are applied immediately whatever
 *    ApplyImmediately says), and until it is, `PendingModifiedValues.MasterUserPassword` is set
 *    (ClusterPendingModifiedValues,
 *    https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ClusterPendingModifiedValues.html). The status
 *    name and meaning ("The master credentials for the DB cluster are being reset") come from "Viewing DB cluster
 *    status", https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/accessing-monitoring.html#Aurora.Status.
 *    The member instances report the same status (the instance list of that page has it too). The new password
 *    takes effect in the database when the reset ends: listeners (`onMasterPasswordApplied`) run then, before any
 *    caller can see the cluster `available` again.
 *  - `modifying` after other settings that RDS applies to the running cluster ("The DB cluster is being modified
 *    because of a customer request to modify the DB cluster", same status page). Changes that RDS applies as a flag
 *    (DeletionProtection, CopyTagsToSnapshot) start no episode, and a rename is `renaming`, not modelled here.
 *  - `stopping`, then `stopped` until StartDBCluster, then `starting`, then `available`. "Stopping and starting an
 *    Amazon Aurora DB cluster",
 *    https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-cluster-stop-start.html: only an
 *    `available` cluster can be stopped and only a `stopped` one started; a stopped cluster cannot be modified and
 *    no instance can be added to it. AWS refuses each with InvalidDBClusterStateFault.
 */
import type { DBCluster } from '@aws-sdk/client-rds';

import type { PersistentPart, ResourceRef } from './timeline';

export type ClusterEpisodeStatus = 'resetting-master-credentials' | 'modifying' | 'stopping' | 'stopped' | 'starting';

export interface ClusterEpisode {
  status: ClusterEpisodeStatus;
  startMs: number;
  /** `Infinity` for `stopped`: it lasts until StartDBCluster. */
  endMs: number;
}

/** A cluster whose master password change took effect. */
export interface MasterPasswordApplied {
  account: string;
  region: string;
  clusterId: string;
  /** AWS time at which the reset ended. */
  atMs: number;
}

export type MasterPasswordListener = (applied: MasterPasswordApplied) => void | Promise<void>;

/** The ModifyDBCluster parameters the simulator tells apart. */
export interface ModifyClusterInput {
  MasterUserPassword?: string;
  ManageMasterUserPassword?: boolean;
  RotateMasterUserPassword?: boolean;
  NewDBClusterIdentifier?: string;
  [parameter: string]: unknown;
}

/** Parameters that change no running setting: no `modifying` episode. */
const FLAG_PARAMETERS = new Set([
  'DBClusterIdentifier',
  'ApplyImmediately',
  'DeletionProtection',
  'CopyTagsToSnapshot',
  'NewDBClusterIdentifier',
  'MasterUserPassword',
  'ManageMasterUserPassword',
  'RotateMasterUserPassword',
  'MasterUserSecretKmsKeyId',
  'AllowMajorVersionUpgrade',
]);

/** Statuses in which a cluster accepts no modification and no new instance. */
export const STOPPED_STATUSES: ReadonlySet<string> = new Set(['stopping', 'stopped', 'starting']);

function keyOf(ref: Pick<ResourceRef, 'account' | 'region' | 'id'>): string {
  return [ref.account, ref.region, ref.id.toLowerCase()].join('|');
}

interface Entry {
  ref: Pick<ResourceRef, 'account' | 'region' | 'id'>;
  episode: ClusterEpisode;
  /** For a reset: whether its listeners ran. */
  applied?: boolean;
}

/** An entry as the state file holds it: JSON has no Infinity, so a `stopped` episode's open end is null. */
type StoredEntry = Omit<Entry, 'episode'> & { episode: Omit<ClusterEpisode, 'endMs'> & { endMs: number | null } };

/**
 * Kept in the timeline's state file with whether each reset was announced, so that a restarted worker still sees a
 * cluster stopped, resetting or modifying (moto shows it `available` at once). Listeners belong to the process.
 */
export class ClusterStates implements PersistentPart {
  private entries = new Map<string, Entry>();
  private listeners: MasterPasswordListener[] = [];
  private changed: () => void = () => undefined;

  toState(): [string, StoredEntry][] {
    return [...this.entries].map(([k, e]) => [
      k,
      { ...e, episode: { ...e.episode, endMs: Number.isFinite(e.episode.endMs) ? e.episode.endMs : null } },
    ]);
  }

  fromState(state: unknown): void {
    this.entries.clear();
    for (const [k, e] of state as [string, StoredEntry][]) {
      this.entries.set(k, { ...e, episode: { ...e.episode, endMs: e.episode.endMs ?? Infinity } });
    }
  }

  onChange(changed: () => void): void {
    this.changed = changed;
  }

  onMasterPasswordApplied(listener: MasterPasswordListener): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** The episode a successful ModifyDBCluster starts, if any (reset wins over modifying: RDS reports one status). */
  modified(
    ref: Pick<ResourceRef, 'account' | 'region' | 'id'>,
    input: ModifyClusterInput,
    now: number,
    durations: { reset: number; modify: number }
  ): ClusterEpisode | undefined {
    const resetsCredentials =
      typeof input.MasterUserPassword === 'string' ||
      input.ManageMasterUserPassword !== undefined ||
      input.RotateMasterUserPassword === true;
    if (resetsCredentials) {
      return this.begin(ref, { status: 'resetting-master-credentials', startMs: now, endMs: now + durations.reset });
    }
    const changesSettings = Object.entries(input).some(([k, v]) => v !== undefined && !FLAG_PARAMETERS.has(k));
    if (changesSettings) return this.begin(ref, { status: 'modifying', startMs: now, endMs: now + durations.modify });
    return undefined;
  }

  stopped(ref: Pick<ResourceRef, 'account' | 'region' | 'id'>, now: number, stopMs: number): void {
    this.begin(ref, { status: 'stopping', startMs: now, endMs: now + stopMs });
  }

  started(ref: Pick<ResourceRef, 'account' | 'region' | 'id'>, now: number, startMs: number): void {
    this.begin(ref, { status: 'starting', startMs: now, endMs: now + startMs });
  }

  /** The status the cluster's episode imposes at `now`, if any. */
  statusAt(ref: Pick<ResourceRef, 'account' | 'region' | 'id'>, now: number): ClusterEpisodeStatus | undefined {
    const entry = this.entries.get(keyOf(ref));
    if (!entry) return undefined;
    const { episode } = entry;
    if (now < episode.endMs) return episode.status;
    // A stop's `stopping` ends in `stopped`, which lasts until StartDBCluster.
    return episode.status === 'stopping' ? 'stopped' : undefined;
  }

  /**
   * Runs the listeners of every reset that has ended by `now` and not been announced yet, in the order the resets
   * ended. Called before answering a call that could show the cluster: once a caller sees the reset over, the new
   * password works.
   */
  async settle(now: number): Promise<void> {
    const due = [...this.entries.values()]
      .filter((e) => e.episode.status === 'resetting-master-credentials' && !e.applied && now >= e.episode.endMs)
      .sort((a, b) => a.episode.endMs - b.episode.endMs);
    for (const entry of due) {
      entry.applied = true;
      this.changed();
      const applied = {
        account: entry.ref.account,
        region: entry.ref.region,
        clusterId: entry.ref.id,
        atMs: entry.episode.endMs,
      };
      for (const listener of this.listeners) await listener(applied);
    }
  }

  /** The cluster as AWS shows it during its episode: status, and the pending master password while it resets. */
  view(cluster: DBCluster, ref: Pick<ResourceRef, 'account' | 'region' | 'id'>, now: number): DBCluster {
    const status = this.statusAt(ref, now);
    if (!status) return cluster;
    const view: DBCluster = { ...cluster, Status: status };
    if (status === 'resetting-master-credentials') {
      // RDS never returns the password itself: the pending value is masked.
      view.PendingModifiedValues = { ...(cluster.PendingModifiedValues ?? {}), MasterUserPassword: '****' };
    }
    return view;
  }

  /** Forgets a cluster (deleted, or re-created by a fixture). */
  forget(ref: Pick<ResourceRef, 'account' | 'region' | 'id'>): void {
    if (this.entries.delete(keyOf(ref))) this.changed();
  }

  clear(): void {
    this.entries.clear();
    this.changed();
  }

  private begin(ref: Pick<ResourceRef, 'account' | 'region' | 'id'>, episode: ClusterEpisode): ClusterEpisode {
    this.entries.set(keyOf(ref), { ref: { ...ref }, episode });
    this.changed();
    return episode;
  }
}
