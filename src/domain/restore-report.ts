/**
 * The pieces of a restore's report that the `progress` query, the result and the notifications share: step timings,
 * the failure and its cleanup, the measured recovery time and the approval. Defined once here and named by each.
 */
import type { ClusterRef } from './aws-shapes';

export interface StepTiming {
  name: string;
  status: 'running' | 'completed' | 'skipped' | 'failed';
  startedAt: string;
  endedAt?: string;
  durationMs?: number;
  detail?: string;
}

/** Which source a restore came from: the snapshot (ARN or label) and the cluster it was taken of. */
export interface RestoreSourceRef {
  region: string;
  accountId?: string;
  clusterId?: string;
  snapshot?: string;
}

/** Why a restore ended failed: the failure catalogue's type and code, and a message saying what to do. */
export interface FailureReport {
  step?: string;
  type: string;
  code: string;
  message: string;
}

/** What the cleanup after a failure removed, and what it had to leave (with why). */
export interface CleanupReport {
  removed: string[];
  leftInPlace: string[];
}

/** Recovery time: from the start of the restore to its end (or to now while it runs). */
export interface RecoveryReport {
  /** The request's RTO, when given. */
  rtoMs?: number;
  /** Total measured so far; final once the restore has ended. */
  totalMs: number;
  /** Per step (each run of a step), in order. */
  steps: { name: string; durationMs: number }[];
  /** Whether the RTO was met (set when the restore ends or the RTO passes). */
  rtoMet?: boolean;
  /** When the RTO passed while the restore was still running. */
  breachedAt?: string;
  /** The step running when the RTO passed. */
  breachedDuring?: string;
}

export interface ApprovalDecision {
  decision: 'approved' | 'rejected' | 'timed-out';
  /** Who decided (absent when the wait timed out). */
  by?: string;
  at: string;
  reason?: string;
}

/** The approval before the existing target is replaced, as notifications carry it. */
export interface ApprovalSummary {
  /** What the approval guards: the existing cluster the restore will delete and restore over. */
  replaces: ClusterRef & { status?: string };
  /**
   * With replace.strategy: swap: the verified new cluster that takes the target's name, and the name the old cluster
   * gets (then deleted, kept or stopped as replace.previous says).
   */
  swap?: { incomingClusterId: string; outgoingClusterId: string; previous: 'delete' | 'keep' | 'stop' };
  /** When the wait started and when it times out (ISO 8601). */
  since: string;
  deadline: string;
  decision?: ApprovalDecision;
}

/** The approval as the `progress` query and the result show it: the summary, and whether it is still pending. */
export interface ApprovalState extends ApprovalSummary {
  pending: boolean;
}

/**
 * A swap refresh (replace.strategy: swap), as the progress query, the result and the success notification show it.
 */
export interface SwapReport {
  /** The new cluster's name until the swap. */
  incomingClusterId: string;
  /** The old cluster's name after the swap. */
  outgoingClusterId: string;
  /**
   * The target's downtime: from the old cluster's rename away to the new cluster's availability under the target
   * name (ISO 8601; `endedAt` and `durationMs` once it is over).
   */
  window?: { startedAt: string; endedAt?: string; durationMs?: number };
  /** What became of the old cluster (replace.previous). */
  previous?: {
    action: 'deleted' | 'kept' | 'stopped';
    clusterId: string;
    /** keep: when its expiry deletes it. */
    expiresAt?: string;
    expiryWorkflowId?: string;
    /** Set when the action could not be carried out: the old cluster is then left as it is. */
    problem?: string;
  };
  /** After a failed swap: the renames undone so that the target name holds a working cluster. */
  renamedBack?: string[];
}
