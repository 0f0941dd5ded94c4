/**
 * The fleet-wide queue for snapshot copy slots: RDS runs at most a few snapshot copies at once per destination
 * account and region and refuses one more. One coordinating workflow per account and region (`copySlotCoordinator`)
 * keeps this state; restores ask it for a slot, it grants slots in order of arrival as they free, and each restore
 * gives its slot back when its copy is done (or when it fails or is cancelled).
 *
 * Pure functions over a plain state object, so the coordinator stays deterministic and carries the state across
 * continue-as-new, and so the rules are tested without a server.
 */

/** The restore workers' default task queue (the client's TASK_QUEUE). */
export const DEFAULT_FLEET_TASK_QUEUE = 'aurora-restore';

/**
 * The workflow id of the coordinator of one destination account and region, for the fleet of workers on
 * `taskQueue`: `copy-slots:<account>:<region>` for the default queue, with `:<taskQueue>` appended for any other, so
 * that a fleet never queues behind a coordinator that only another fleet's workers run (test workers, a staging
 * fleet). Copies of another fleet in the same account and region still count, as copies started outside.
 */
export function copySlotCoordinatorId(region: string, accountId: string | undefined, taskQueue?: string): string {
  // Without an account in the request the calls run in the worker's own account; every such restore shares it.
  const fleet = taskQueue && taskQueue !== DEFAULT_FLEET_TASK_QUEUE ? `:${taskQueue}` : '';
  return `copy-slots:${accountId ?? 'self'}:${region}${fleet}`;
}

/** Names recorded in histories: they never change. */
export const COPY_SLOT_COORDINATOR_TYPE = 'copySlotCoordinator';
export const COPY_SLOT_ACQUIRE_SIGNAL = 'copySlotAcquire';
export const COPY_SLOT_RELEASE_SIGNAL = 'copySlotRelease';
export const COPY_SLOT_GRANTED_SIGNAL = 'copySlotGranted';

/** A restore run: slots are tied to it, so another run of the same workflow id never inherits one. */
export interface SlotHolderRef {
  workflowId: string;
  runId: string;
}

/** What a restore sends to ask for a slot. */
export interface CopySlotRequest extends SlotHolderRef {
  /** The copy it will start: while in progress it is the holder's, not an outside copy. */
  copyIdentifier: string;
}

/** What a restore sends to give its slot back (or to leave the queue). */
export interface CopySlotRelease extends SlotHolderRef {
  /** Set when the copy may still be running (the restore failed mid-copy): it keeps its slot until it ends. */
  copyStillRunning?: string;
}

/** What the coordinator tells a restore when it grants a slot. */
export interface CopySlotGrant {
  coordinatorId: string;
  /** Copies in progress or granted when this one was granted, this one included. */
  inUse: number;
  slots: number;
}

export interface CopySlotState {
  slots: number;
  /** Restores holding a slot, in grant order. */
  holders: CopySlotRequest[];
  /** Restores waiting for a slot, in order of arrival. */
  queue: CopySlotRequest[];
  /**
   * Copies in progress that no holder accounts for: started outside the pipeline, or left running by a restore that
   * gave its slot back. Refreshed by reconciliation with DescribeDBClusterSnapshots.
   */
  external: string[];
}

export function emptyCopySlotState(slots: number): CopySlotState {
  return { slots, holders: [], queue: [], external: [] };
}

const sameWorkflow = (a: { workflowId: string }) => (b: { workflowId: string }) => a.workflowId === b.workflowId;
const sameRun = (a: SlotHolderRef) => (b: SlotHolderRef) => a.workflowId === b.workflowId && a.runId === b.runId;

/** Slots neither held nor taken by outside copies. */
export function freeSlots(state: CopySlotState): number {
  return Math.max(0, state.slots - state.holders.length - state.external.length);
}

/**
 * Queues a request. Asking again (a retried activity) changes nothing. A request from a new run of a workflow id that
 * holds or waits for a slot replaces the old run, which has ended (one restore per target runs at a time); its copy,
 * if it was holding one, counts as an outside copy until reconciliation sees it end.
 */
export function acquireSlot(state: CopySlotState, request: CopySlotRequest): CopySlotState {
  if (state.holders.some(sameRun(request)) || state.queue.some(sameRun(request))) return state;
  const previous = state.holders.find(sameWorkflow(request));
  return {
    ...state,
    holders: state.holders.filter((h) => !sameWorkflow(request)(h)),
    queue: [...state.queue.filter((q) => !sameWorkflow(request)(q)), request],
    external: previous ? addOnce(state.external, previous.copyIdentifier) : state.external,
  };
}

/** Gives a slot back, or leaves the queue; a release from a run that holds nothing changes nothing. */
export function releaseSlot(state: CopySlotState, release: CopySlotRelease): CopySlotState {
  const held = state.holders.some(sameRun(release));
  return {
    ...state,
    holders: state.holders.filter((h) => !sameRun(release)(h)),
    queue: state.queue.filter((q) => !sameRun(release)(q)),
    external: held && release.copyStillRunning ? addOnce(state.external, release.copyStillRunning) : state.external,
  };
}

/** Moves waiting restores to the holders, first come first served, while slots are free. */
export function grantSlots(state: CopySlotState): { state: CopySlotState; granted: CopySlotRequest[] } {
  const count = Math.min(freeSlots(state), state.queue.length);
  if (count === 0) return { state, granted: [] };
  const granted = state.queue.slice(0, count);
  return {
    state: { ...state, holders: [...state.holders, ...granted], queue: state.queue.slice(count) },
    granted,
  };
}

/** What reconciliation found: the copies in progress in the region, and the holders whose run has ended. */
export interface CopySlotReconciliation {
  copiesInProgress: string[];
  closedRuns: SlotHolderRef[];
  /** Copies given back (finished) while the describe ran: the listing may show them still in progress. */
  releasedMeanwhile?: string[];
}

/**
 * Applies reconciliation: holders and waiters whose run has ended (terminated, so they never gave their slot back)
 * are dropped, and every copy in progress that no holder accounts for counts as an outside copy.
 */
export function reconcileSlots(state: CopySlotState, found: CopySlotReconciliation): CopySlotState {
  const closed = (r: SlotHolderRef) => found.closedRuns.some(sameRun(r));
  const holders = state.holders.filter((h) => !closed(h));
  const ours = new Set(holders.map((h) => h.copyIdentifier));
  const released = new Set(found.releasedMeanwhile ?? []);
  return {
    ...state,
    holders,
    queue: state.queue.filter((q) => !closed(q)),
    external: [...new Set(found.copiesInProgress)].filter((id) => !ours.has(id) && !released.has(id)),
  };
}

function addOnce(list: string[], id: string): string[] {
  return list.includes(id) ? list : [...list, id];
}
