/**
 * The activities around the fleet-wide copy-slot queue (src/domain/copy-slots.ts): a restore's request for a slot,
 * delivered to its region's coordinator with signal-with-start (a workflow cannot start another workflow it does not
 * own), and the coordinator's reconciliation with RDS and with the runs holding slots.
 */
import { activityInfo, getClient } from '@temporalio/activity';
import type { WorkflowClient } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';

import {
  COPY_SLOT_ACQUIRE_SIGNAL,
  COPY_SLOT_COORDINATOR_TYPE,
  COPY_SLOT_RELEASE_SIGNAL,
  copySlotCoordinatorId,
  type CheckedCopy,
  type CopySlotReconciliation,
  type CopySlotRelease,
  type CopySlotRequest,
  type SlotHolderRef,
} from '../domain/copy-slots';

import type { AwsClientFactory } from './aws-clients';
import { copiesInProgress, DEFAULT_COPY_SLOTS, snapshotStatuses } from './snapshots';
import type { CheckCopiesInput, ReconcileCopySlotsInput, ReleaseCopySlotInput, RequestCopySlotInput } from './types';

export interface CopySlotActivityDeps {
  clients: AwsClientFactory;
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
    async checkCopies(input: CheckCopiesInput): Promise<{ copies: CheckedCopy[] }> {
      const rds = deps.clients.rds(input.location);
      const context = `checking the snapshot copies in progress in ${input.location.region}`;
      return { copies: await snapshotStatuses(rds, input.copyIdentifiers, context) };
    },
  };
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
