/**
 * The fleet-wide queue for snapshot copy slots: RDS runs at most a few snapshot copies at once per destination
 * account and region and refuses one more. One coordinating workflow per account and region (`copySlotCoordinator`)
 * keeps this state; restores ask it for a slot, it grants slots in order of arrival as they free, and each restore
 * gives its slot back when its copy is done (or when it fails or is cancelled).
 *
 * Pure functions over a plain state object, so the coordinator stays deterministic and carries the state across
 * continue-as-new, and so the rules are tested without a server.
 */

import { classifySnapshotStatus } from './aws-status';
import type { AwsObservation } from './observation';
import { nextPollDelayMs, POLL_BOUNDS, addProgressSample } from './poll-schedule';
import type { ProgressSample } from './poll-schedule';

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
export const COPY_CHECKED_SIGNAL = 'copySnapshotChecked';
export const COPY_SLOTS_QUERY = 'copySlots';

/** A restore run: slots are tied to it, so another run of the same workflow id never inherits one. */
export interface SlotHolderRef {
  workflowId: string;
  runId: string;
}

/**
 * Sent by restores that want the coordinator to watch their copy and tell them when it ends (restores from before
 * the watch poll their copy themselves and send none).
 */
export interface CopyWatchRequest {
  /** How long the copy is expected to take, from earlier restores of the same source (ms), when known. */
  expectedMs?: number;
  /** The restore's poll interval (ms): how often to look when nothing tells when the copy may end. */
  pollEveryMs: number;
}

/** What a restore sends to ask for a slot. */
export interface CopySlotRequest extends SlotHolderRef {
  /** The copy it will start: while in progress it is the holder's, not an outside copy. */
  copyIdentifier: string;
  watch?: CopyWatchRequest;
}

/** A granted copy the coordinator watches: when it was granted, when to look next, and its progress so far. */
export interface WatchedCopy {
  grantedAtMs: number;
  nextCheckAtMs: number;
  samples: ProgressSample[];
  /** Looks that did not find the copy before it was first seen. */
  misses?: number;
  /**
   * The copy's status at the last check that found it, and when (epoch ms). Unset until a check has found it: before,
   * it may simply not be started yet.
   */
  status?: string;
  checkedAtMs?: number;
}

/** A restore holding a slot; `watching` is set when the coordinator tells it when its copy ends. */
export interface CopySlotHolder extends CopySlotRequest {
  watching?: WatchedCopy;
}

/** What one check found of a watched copy: its status and progress, or nothing when it is not (or no longer) there. */
export interface CheckedCopy {
  identifier: string;
  status?: string;
  percentProgress?: number;
}

/** What the coordinator tells a restore whose copy ended: available, failed, or gone after it had been seen. */
export interface CopyCheckReport {
  coordinatorId: string;
  copyIdentifier: string;
  /** The copy's RDS status, or `not-found` when a copy seen before has disappeared. */
  status: string;
  percentProgress?: number;
  /** When the check saw it (ISO 8601). */
  observedAt: string;
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
  /**
   * The coordinator watches the copy and will tell the restore when it ends. Absent in grants recorded before the
   * watch (and from a coordinator run by such a build): the restore then waits for its copy itself.
   */
  watching?: boolean;
}

export interface CopySlotState {
  slots: number;
  /** Restores holding a slot, in grant order. */
  holders: CopySlotHolder[];
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

/**
 * Moves waiting restores to the holders, first come first served, while slots are free. A holder that asked for a
 * watch is watched from `nowMs` on.
 */
export function grantSlots(state: CopySlotState, nowMs = 0): { state: CopySlotState; granted: CopySlotRequest[] } {
  const count = Math.min(freeSlots(state), state.queue.length);
  if (count === 0) return { state, granted: [] };
  const granted = state.queue.slice(0, count);
  const holders = granted.map((request): CopySlotHolder => {
    if (!request.watch) return request;
    const watching: WatchedCopy = { grantedAtMs: nowMs, nextCheckAtMs: nowMs, samples: [] };
    return { ...request, watching: { ...watching, nextCheckAtMs: nextCheckAtMs(request.watch, watching, nowMs) } };
  });
  return {
    state: { ...state, holders: [...state.holders, ...holders], queue: state.queue.slice(count) },
    granted,
  };
}

/**
 * When to look at a watched copy next (epoch ms): the poll schedule of every wait (poll-schedule.ts) from its
 * progress and expected duration, or the restore's poll interval when neither says anything.
 */
function nextCheckAtMs(watch: CopyWatchRequest, watching: WatchedCopy, nowMs: number): number {
  const bounds = POLL_BOUNDS['snapshot-copy'];
  const planned = nextPollDelayMs({
    nowMs,
    startedAtMs: watching.grantedAtMs,
    samples: watching.samples,
    expectedDurationMs: watch.expectedMs,
    bounds,
  });
  const fixed = Math.min(bounds.ceilingMs, Math.max(bounds.floorMs, watch.pollEveryMs));
  return nowMs + (planned ?? fixed);
}

/** When the next watched copy is due for a check (epoch ms), or undefined when no copy is watched. */
export function nextWatchCheckAtMs(state: CopySlotState): number | undefined {
  const due = state.holders.flatMap((h) => (h.watching ? [h.watching.nextCheckAtMs] : []));
  return due.length ? Math.min(...due) : undefined;
}

/** The watched copies to look at now: those due by `nowMs` (all watched ones are looked at in the same call). */
export function watchedCopiesDue(state: CopySlotState, nowMs: number): string[] {
  const watched = state.holders.filter((h) => h.watching);
  return watched.some((h) => h.watching!.nextCheckAtMs <= nowMs) ? watched.map((h) => h.copyIdentifier) : [];
}

/** Plans the next look at `copies` a ceiling from `nowMs`: the look at them failed. */
export function postponeWatch(state: CopySlotState, copies: string[], nowMs: number): CopySlotState {
  const nextCheckAtMs = nowMs + POLL_BOUNDS['snapshot-copy'].ceilingMs;
  return {
    ...state,
    holders: state.holders.map((h) =>
      h.watching && copies.includes(h.copyIdentifier) ? { ...h, watching: { ...h.watching, nextCheckAtMs } } : h
    ),
  };
}

/**
 * Applies one check of the watched copies: a copy that ended (available, or any status but in progress) and a copy
 * that disappeared after it had been seen free their slot, and their restores are told; the others get their next
 * check planned from the progress seen. Copies left out of `checked` were not part of the check.
 */
export function applyCopyChecks(
  state: CopySlotState,
  checked: { copies: CheckedCopy[]; lookedFor: string[] },
  nowMs: number
): { state: CopySlotState; ended: { holder: CopySlotHolder; found: CheckedCopy }[] } {
  const ended: { holder: CopySlotHolder; found: CheckedCopy }[] = [];
  const holders: CopySlotHolder[] = [];
  for (const holder of state.holders) {
    const { watching, watch } = holder;
    if (!watching || !watch || !checked.lookedFor.includes(holder.copyIdentifier)) {
      holders.push(holder);
      continue;
    }
    const found = checked.copies.find((c) => c.identifier === holder.copyIdentifier);
    if (!found?.status) {
      if (watching.status !== undefined) {
        ended.push({ holder, found: { identifier: holder.copyIdentifier, status: 'not-found' } });
        continue;
      }
      // Not started yet, normally for moments. Looked for less and less often: a copy deleted before any look saw it
      // is left to its restore, which checks by itself when the coordinator stays silent.
      const misses = (watching.misses ?? 0) + 1;
      const { floorMs, ceilingMs } = POLL_BOUNDS['snapshot-copy'];
      const delayMs = Math.min(ceilingMs, floorMs * 2 ** (misses - 1));
      holders.push({ ...holder, watching: { ...watching, misses, nextCheckAtMs: nowMs + delayMs } });
      continue;
    }
    if (classifySnapshotStatus(found.status) !== 'in-progress') {
      ended.push({ holder, found });
      continue;
    }
    const samples =
      typeof found.percentProgress === 'number'
        ? addProgressSample(watching.samples, { atMs: nowMs, percent: found.percentProgress })
        : watching.samples;
    const next: WatchedCopy = { ...watching, samples, status: found.status, checkedAtMs: nowMs };
    holders.push({ ...holder, watching: { ...next, nextCheckAtMs: nextCheckAtMs(watch, next, nowMs) } });
  }
  return { state: { ...state, holders }, ended };
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

/**
 * What the region's copy-slot coordinator last saw of a copy it watches (its `copySlots` query): the restore itself
 * hears only when the copy ends, so its status and progress meanwhile live with the coordinator.
 */
export function watchedCopyObservation(state: CopySlotState, copyIdentifier: string): AwsObservation | undefined {
  const watching = state.holders.find((h) => h.copyIdentifier === copyIdentifier)?.watching;
  if (!watching?.status || watching.checkedAtMs === undefined) return undefined;
  const percent = watching.samples.at(-1);
  return {
    resource: 'snapshot-copy',
    id: copyIdentifier,
    status: watching.status,
    ...(percent && percent.atMs === watching.checkedAtMs ? { percentProgress: percent.percent } : {}),
    observedAt: new Date(watching.checkedAtMs).toISOString(),
  };
}
