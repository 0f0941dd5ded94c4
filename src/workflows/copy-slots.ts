/**
 * `copySlotCoordinator`: one per destination account and region (workflow id `copy-slots:<account>:<region>`), the
 * fleet-wide queue for RDS's few concurrent snapshot copies. Restores ask for a slot through signal-with-start
 * (activity `requestCopySlot`), the coordinator grants slots first come first served by signalling the waiting run,
 * and each restore signals the slot back when its copy is done, failed or cancelled. No restore polls AWS while it
 * waits; the coordinator alone looks at RDS (`reconcileCopySlots`): when it starts, and then every few minutes
 * while restores wait and every slot is taken, so copies started outside the pipeline count and runs that ended
 * without giving their slot back (terminated) lose it.
 *
 * It also watches the copies it granted, for restores that ask (`watch` in their request): one Describe for all of
 * them (`checkCopies`), timed by the poll schedule of any wait (progress rate, expected duration, floor and ceiling),
 * and tells each restore when its copy has ended. So a region's copies cost one status call per look, not one per
 * restore, and a finished copy's slot passes to the next restore without waiting for its holder to give it back.
 *
 * Slots belong to restore runs (workflow id and run id), which Temporal keeps across worker crashes: a crash neither
 * loses nor doubles a slot. The coordinator continues as new with its state to bound its history, and closes as soon
 * as nothing is held or queued (the next request starts it again).
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';

import type { RestoreActivities } from '../activities';
import type { CopySlotCoordinatorStart } from '../activities/copy-slots';
import {
  acquireSlot,
  applyCopyChecks,
  emptyCopySlotState,
  freeSlots,
  grantSlots,
  nextWatchCheckAtMs,
  postponeWatch,
  reconcileSlots,
  releaseSlot,
  watchedCopiesDue,
  type CheckedCopy,
  type CopySlotHolder,
  type CopySlotState,
} from '../domain/copy-slots';
import { NON_RETRYABLE_TYPES } from '../domain/errors';

import {
  copyCheckedSignal,
  copySlotAcquireSignal,
  copySlotGrantedSignal,
  copySlotReleaseSignal,
  copySlotsQuery,
} from './copy-slot-messages';

export interface CopySlotCoordinatorInput extends CopySlotCoordinatorStart {
  /** The state carried over continue-as-new; absent when a request starts the coordinator. */
  state?: CopySlotState;
  /** How often to look at RDS while restores wait and every slot is taken. Default 2 minutes. */
  reconcileEveryMs?: number;
  /** History length at which to continue as new (or earlier, when the server suggests it). Default 2,000 events. */
  continueAsNewAfterEvents?: number;
}

const DEFAULT_RECONCILE_EVERY_MS = 2 * 60_000;
const DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS = 2_000;

const { reconcileCopySlots, checkCopies } = proxyActivities<RestoreActivities>({
  startToCloseTimeout: '2m',
  retry: {
    initialInterval: '5s',
    backoffCoefficient: 2,
    maximumInterval: '1m',
    nonRetryableErrorTypes: NON_RETRYABLE_TYPES,
  },
});

export async function copySlotCoordinator(input: CopySlotCoordinatorInput): Promise<void> {
  const coordinatorId = workflowInfo().workflowId;
  const reconcileEveryMs = input.reconcileEveryMs ?? DEFAULT_RECONCILE_EVERY_MS;
  // The slot count of the latest start wins over the carried state: a worker configuration change applies.
  let state: CopySlotState = { ...(input.state ?? emptyCopySlotState(input.slots)), slots: input.slots };
  let changed = false;
  /** Copies given back while a reconciliation ran, which its listing may still show in progress. */
  let releasedMeanwhile: string[] | undefined;

  setHandler(copySlotsQuery, () => state);
  setHandler(copySlotAcquireSignal, (request) => {
    state = acquireSlot(state, request);
    changed = true;
  });
  setHandler(copySlotReleaseSignal, (release) => {
    const held = state.holders.find((h) => h.workflowId === release.workflowId && h.runId === release.runId);
    if (held && !release.copyStillRunning) releasedMeanwhile?.push(held.copyIdentifier);
    state = releaseSlot(state, release);
    changed = true;
  });

  const reconcile = async (): Promise<void> => {
    releasedMeanwhile = [];
    const found = await reconcileCopySlots({
      location: input.location,
      runs: state.holders.map(({ workflowId, runId }) => ({ workflowId, runId })),
    });
    state = reconcileSlots(state, { ...found, releasedMeanwhile });
    releasedMeanwhile = undefined;
  };

  /** Tells a restore that its watched copy has ended; a restore that has ended meanwhile needs no word. */
  const tell = async (holder: CopySlotHolder, found: CheckedCopy, atMs: number): Promise<void> => {
    try {
      await getExternalWorkflowHandle(holder.workflowId, holder.runId).signal(copyCheckedSignal, {
        coordinatorId,
        copyIdentifier: holder.copyIdentifier,
        status: found.status ?? 'not-found',
        ...(found.percentProgress === undefined ? {} : { percentProgress: found.percentProgress }),
        observedAt: new Date(atMs).toISOString(),
      });
    } catch (err) {
      log.info('A restore whose copy ended has ended too', {
        workflowId: holder.workflowId,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  };

  /** Looks at the watched copies when one is due; those that ended free their slot and their restores are told. */
  const checkWatched = async (): Promise<void> => {
    const lookedFor = watchedCopiesDue(state, Date.now());
    if (lookedFor.length === 0) return;
    let copies: CheckedCopy[];
    try {
      ({ copies } = await checkCopies({ location: input.location, copyIdentifiers: lookedFor }));
    } catch (err) {
      // A refusal retries cannot mend (e.g. the worker's role may no longer describe snapshots) must not end the
      // queue: look again later; restores that hear nothing check their copy themselves after a while.
      log.warn('Could not look at the watched snapshot copies; looking again later', {
        copies: lookedFor,
        error: err instanceof Error ? err.message : String(err),
      });
      state = postponeWatch(state, lookedFor, Date.now());
      return;
    }
    const now = Date.now();
    const { state: next, ended } = applyCopyChecks(state, { copies, lookedFor }, now);
    state = next;
    if (ended.length > 0) changed = true;
    await Promise.all(ended.map(({ holder, found }) => tell(holder, found, now)));
  };

  const grant = async (): Promise<void> => {
    const { state: next, granted } = grantSlots(state, Date.now());
    state = next;
    await Promise.all(
      granted.map(async (request) => {
        const inUse = state.slots - freeSlots(state);
        try {
          await getExternalWorkflowHandle(request.workflowId, request.runId).signal(copySlotGrantedSignal, {
            coordinatorId,
            inUse,
            slots: state.slots,
            ...(request.watch ? { watching: true } : {}),
          });
        } catch (err) {
          // The run ended while it waited: its slot goes to the next in line.
          log.info('A restore that waited for a copy slot has ended; passing its slot on', {
            workflowId: request.workflowId,
            error: err instanceof Error ? err.message : String(err),
          });
          state = releaseSlot(state, request);
          changed = true;
        }
      })
    );
  };

  // A coordinator that starts afresh knows nothing of the copies already running: it looks before granting.
  let reconciledAt: number | undefined = input.state ? Date.now() : undefined;
  for (;;) {
    changed = false;
    const starved = state.queue.length > 0 && freeSlots(state) === 0;
    if (reconciledAt === undefined || (starved && Date.now() - reconciledAt >= reconcileEveryMs)) {
      await reconcile();
      reconciledAt = Date.now();
    }
    await checkWatched();
    await grant();
    if (changed) continue;

    const info = workflowInfo();
    if (
      info.continueAsNewSuggested ||
      info.historyLength >= (input.continueAsNewAfterEvents ?? DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS)
    ) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof copySlotCoordinator>({ ...input, state });
    }
    // Nothing held or queued: close, leaving no timer behind. A request arriving meanwhile makes the server refuse
    // the completion and deliver it to this run; a later one starts a fresh coordinator.
    if (state.holders.length === 0 && state.queue.length === 0) return;
    const watchAt = nextWatchCheckAtMs(state);
    const dueAt = [
      ...(state.queue.length > 0 && freeSlots(state) === 0 ? [reconciledAt + reconcileEveryMs] : []),
      ...(watchAt === undefined ? [] : [watchAt]),
    ];
    if (dueAt.length > 0) {
      await condition(() => changed, Math.max(1, Math.min(...dueAt) - Date.now()));
    } else {
      await condition(() => changed);
    }
  }
}
