/**
 * The activities around the fleet-wide copy-slot queue (src/domain/copy-slots.ts): a restore's request for a slot,
 * delivered to its region's coordinator with signal-with-start (a workflow cannot start another workflow it does not
 * own), and the coordinator's reconciliation with RDS and with the runs holding slots.
 */
import { activityInfo, getClient } from '@temporalio/activity';
import type { WorkflowClient } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';

import type { SnapshotInfo } from '../domain/aws-shapes';
import {
  COPY_SLOTS_QUERY,
  COPY_SLOT_ACQUIRE_SIGNAL,
  COPY_SLOT_COORDINATOR_TYPE,
  COPY_SLOT_RELEASE_SIGNAL,
  copySlotCoordinatorId,
  type CheckedCopy,
  type CopySlotReconciliation,
  type CopySlotRelease,
  type CopySlotRequest,
  type CopySlotState,
  type SlotHolderRef,
  watchedCopyObservation,
} from '../domain/copy-slots';
import { POLL_BOUNDS } from '../domain/poll-schedule';

import type { AwsClientFactory } from './aws-clients';
import { notReady, observation } from './polling';
import { copiesInProgress, DEFAULT_COPY_SLOTS, snapshotStatuses } from './snapshots';
import type {
  AwaitSnapshotInput,
  AwaitWatchedCopyInput,
  CheckCopiesInput,
  ReconcileCopySlotsInput,
  ReleaseCopySlotInput,
  RequestCopySlotInput,
} from './types';

export interface CopySlotActivityDeps {
  clients: AwsClientFactory;
  /** One status check of a snapshot copy (the snapshot activities' `awaitSnapshotAvailable`). */
  awaitSnapshot: (input: AwaitSnapshotInput) => Promise<SnapshotInfo>;
  /** Snapshot copies allowed at once per destination account and region; default DEFAULT_COPY_SLOTS. */
  maxConcurrentCopies?: number;
  /** The Temporal client to reach workflows with; default: the worker's own (`getClient()`). */
  workflowClient?: () => WorkflowClient;
}

/** The input of the coordinator when a request starts it. */
export interface CopySlotCoordinatorStart {
  location: RequestCopySlotInput['target'];
  slots: number;
}

export function createCopySlotActivities(deps: CopySlotActivityDeps) {
  const workflows = deps.workflowClient ?? (() => getClient().workflow);
  return {
    /**
     * Asks the destination region's coordinator for a slot for the calling restore run, starting the coordinator if
     * none runs. Idempotent: the coordinator ignores a second request from the same run.
     */
    async requestCopySlot(input: RequestCopySlotInput): Promise<{ coordinatorId: string }> {
      const info = activityInfo();
      const run = info.workflowExecution;
      if (!run) throw new Error('requestCopySlot must be scheduled by a restore workflow');
      const coordinatorId = copySlotCoordinatorId(input.target.region, input.target.accountId, info.taskQueue);
      const request: CopySlotRequest = {
        workflowId: run.workflowId,
        runId: run.runId,
        copyIdentifier: input.copyIdentifier,
        ...(input.watch ? { watch: input.watch } : {}),
      };
      const start: CopySlotCoordinatorStart = {
        location: input.target,
        slots: deps.maxConcurrentCopies ?? DEFAULT_COPY_SLOTS,
      };
      await workflows().signalWithStart(COPY_SLOT_COORDINATOR_TYPE, {
        workflowId: coordinatorId,
        taskQueue: info.taskQueue,
        args: [start],
        signal: COPY_SLOT_ACQUIRE_SIGNAL,
        signalArgs: [request],
        staticSummary: `Snapshot copy slots of ${input.target.accountId ?? "the worker's account"} in ${input.target.region}`,
      });
      return { coordinatorId };
    },

    /**
     * Gives the calling restore run's slot back, or takes it out of the queue (a compact history sends this signal
     * from here rather than as a workflow command). A coordinator that has closed holds nothing of this run: there
     * is nothing to give back. Idempotent: the coordinator ignores a release of a slot it does not hold.
     */
    async releaseCopySlot(input: ReleaseCopySlotInput): Promise<{ released: boolean }> {
      const run = activityInfo().workflowExecution;
      if (!run) throw new Error('releaseCopySlot must be scheduled by a restore workflow');
      const release: CopySlotRelease = {
        workflowId: run.workflowId,
        runId: run.runId,
        ...(input.copyStillRunning ? { copyStillRunning: input.copyStillRunning } : {}),
      };
      try {
        await workflows().getHandle(input.coordinatorId).signal(COPY_SLOT_RELEASE_SIGNAL, release);
        return { released: true };
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return { released: false };
        throw err;
      }
    },

    /**
     * What the coordinator cannot see by itself: the copies in progress in its account and region (one listing,
     * ours and anyone else's), and which of the runs it knows have ended without giving their slot back.
     */
    async reconcileCopySlots(input: ReconcileCopySlotsInput): Promise<CopySlotReconciliation> {
      const rds = deps.clients.rds(input.location);
      const copies = await copiesInProgress(rds, `listing the snapshot copies in progress in ${input.location.region}`);
      const closedRuns: SlotHolderRef[] = [];
      for (const run of input.runs) {
        if (!(await isRunning(workflows(), run))) closedRuns.push(run);
      }
      return { copiesInProgress: copies, closedRuns };
    },

    /**
     * One look at every copy the coordinator watches in its account and region: a single DescribeDBClusterSnapshots
     * for all of them. Copies that do not exist (not started yet, or deleted) are left out.
     */
    /**
     * The restore's backstop while its region's coordinator watches its copy (the restore cancels it when the
     * coordinator's word arrives). While the coordinator runs and watches this run's copy, an attempt ends NotReady
     * without any AWS call, with the coordinator's last look at the copy as its observation, and the next attempt
     * comes WATCHED_COPY_BACKSTOP_MS later; retries leave no trace in history. Once nobody watches it (the
     * coordinator was terminated by hand, or runs a build from before the watch), or the coordinator has still not
     * found it after the first delay, each attempt checks the copy itself, as `awaitSnapshotAvailable` does.
     */
    async awaitCopyUnlessWatched(input: AwaitWatchedCopyInput): Promise<SnapshotInfo> {
      const run = activityInfo().workflowExecution;
      if (!run) throw new Error('awaitCopyUnlessWatched must be scheduled by a restore workflow');
      const id = input.snapshotIdentifier;
      const state = await watchingCoordinatorState(workflows(), input.coordinatorId);
      const holder = state?.holders.find(
        (h) => h.workflowId === run.workflowId && h.runId === run.runId && h.copyIdentifier === id
      );
      // A copy the coordinator has not found yet is normal at first; still unseen a backstop delay later, it may have
      // been deleted before any look: the restore then looks itself (and fails once it stays invisible).
      if (holder?.watching && (holder.watching.seen || activityInfo().attempt === 1)) {
        const seen = watchedCopyObservation(state!, id) ?? observation('snapshot-copy', id, 'creating');
        notReady(
          seen,
          `${id} is watched by ${input.coordinatorId}, which tells the restore when it ends`,
          WATCHED_COPY_BACKSTOP_MS
        );
      }
      const { coordinatorId: _coordinator, ...check } = input;
      return deps.awaitSnapshot(check);
    },

    async checkCopies(input: CheckCopiesInput): Promise<{ copies: CheckedCopy[] }> {
      const rds = deps.clients.rds(input.location);
      const context = `checking the snapshot copies in progress in ${input.location.region}`;
      return { copies: await snapshotStatuses(rds, input.copyIdentifiers, context) };
    },
  };
}

/** How often a restore makes sure that its copy is still watched: the copy's longest delay between two looks. */
export const WATCHED_COPY_BACKSTOP_MS = POLL_BOUNDS['snapshot-copy'].ceilingMs;

/** The coordinator's state when it is running; undefined when it has ended or never ran. */
async function watchingCoordinatorState(
  client: WorkflowClient,
  coordinatorId: string
): Promise<CopySlotState | undefined> {
  const handle = client.getHandle(coordinatorId);
  try {
    // A closed coordinator still answers queries (by replay), with what it held when it ended.
    if ((await handle.describe()).status.name !== 'RUNNING') return undefined;
    return await handle.query<CopySlotState>(COPY_SLOTS_QUERY);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

async function isRunning(client: WorkflowClient, run: SlotHolderRef): Promise<boolean> {
  try {
    const description = await client.getHandle(run.workflowId, run.runId).describe();
    return description.status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

export type CopySlotActivities = ReturnType<typeof createCopySlotActivities>;
