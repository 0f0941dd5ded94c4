/**
 * What the simulator remembers about renames, to fill moto's gap: moto re-keys a renamed cluster, but its member
 * instances keep the old cluster identifier, so the renamed cluster loses its members and a cluster that later takes
 * the old name inherits them. On AWS an instance belongs to its cluster whatever either is called (membership follows
 * the immutable resource ids).
 *
 * The ledger records, at each cluster rename, which instances belong to the renamed cluster (by its immutable
 * DbClusterResourceId) and the cluster's current identifier; describe results are corrected from it. Instances are
 * keyed by identifier, moved on each instance rename and forgotten when deleted or re-created through the simulator
 * (moto gives every instance the same DbiResourceId, so it cannot serve as their key). Kept in the timeline's state
 * file (a restarted worker still sees a renamed cluster's members).
 */

import type { PersistentPart } from './timeline';

export interface Membership {
  clusterResourceId: string;
  isWriter: boolean;
}

function key(account: string, region: string, id: string): string {
  return `${account}|${region}|${id}`;
}

interface RenameLedgerState {
  clusterIds: [string, string][];
  members: [string, Membership][];
  scopes: string[];
}

export class RenameLedger implements PersistentPart {
  /** DbClusterResourceId -> current DBClusterIdentifier, for clusters renamed at least once. */
  private readonly clusterIds = new Map<string, string>();
  /** Instance identifier -> the cluster it belongs to, for instances of renamed clusters. */
  private readonly members = new Map<string, Membership>();
  /** Account|region pairs where a cluster was renamed (only there are moto's memberships corrected). */
  private readonly scopes = new Set<string>();
  private changed: () => void = () => undefined;

  toState(): RenameLedgerState {
    return { clusterIds: [...this.clusterIds], members: [...this.members], scopes: [...this.scopes] };
  }

  fromState(state: unknown): void {
    const { clusterIds, members, scopes } = state as RenameLedgerState;
    this.clusterIds.clear();
    this.members.clear();
    this.scopes.clear();
    for (const [k, v] of clusterIds) this.clusterIds.set(k, v);
    for (const [k, v] of members) this.members.set(k, v);
    for (const scope of scopes) this.scopes.add(scope);
  }

  onChange(changed: () => void): void {
    this.changed = changed;
  }

  active(account: string, region: string): boolean {
    return this.scopes.has(`${account}|${region}`);
  }

  /** Records a cluster's rename and the instances that are its members at that moment. */
  recordClusterRename(
    account: string,
    region: string,
    clusterResourceId: string,
    newId: string,
    members: { instanceId: string; isWriter: boolean }[]
  ): void {
    this.scopes.add(`${account}|${region}`);
    this.clusterIds.set(key(account, region, clusterResourceId), newId.toLowerCase());
    for (const m of members) {
      this.members.set(key(account, region, m.instanceId.toLowerCase()), { clusterResourceId, isWriter: m.isWriter });
    }
    this.changed();
  }

  /** The current identifier of the cluster an instance belongs to, when the ledger knows better than moto. */
  clusterOf(
    account: string,
    region: string,
    instanceId: string | undefined
  ): { clusterId: string; isWriter: boolean } | undefined {
    if (!instanceId) return undefined;
    const membership = this.members.get(key(account, region, instanceId.toLowerCase()));
    if (!membership) return undefined;
    const clusterId = this.clusterIds.get(key(account, region, membership.clusterResourceId));
    return clusterId ? { clusterId, isWriter: membership.isWriter } : undefined;
  }

  /** An instance renamed: its membership moves with it. */
  recordInstanceRename(account: string, region: string, from: string, to: string): void {
    const membership = this.members.get(key(account, region, from.toLowerCase()));
    if (!membership) return;
    this.members.delete(key(account, region, from.toLowerCase()));
    this.members.set(key(account, region, to.toLowerCase()), membership);
    this.changed();
  }

  /** An instance deleted or created: whatever the ledger knew under that name no longer applies. */
  forgetInstance(account: string, region: string, instanceId: string): void {
    if (this.members.delete(key(account, region, instanceId.toLowerCase()))) this.changed();
  }

  clear(): void {
    this.clusterIds.clear();
    this.members.clear();
    this.scopes.clear();
    this.changed();
  }
}
