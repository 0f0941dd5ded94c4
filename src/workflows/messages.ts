/**
 * Messages of the restore workflow: the `progress` query, the observation signal the wait activities send, and
 * the search attributes that make restores findable in the Web UI and `temporal workflow list --query`.
 * Imported by the workflow and the client (definitions only); activities signal by the name in domain/observation.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

import type { SetMasterPasswordOutput } from '../activities/types';
import type { ClusterEndpoints, ClusterRef, SnapshotInfo, SourceClusterInfo } from '../domain/aws-shapes';
import type { DatabaseOutcome } from '../domain/database-reports';
import { OBSERVATION_SIGNAL_NAME } from '../domain/observation';
import type { AwsObservation } from '../domain/observation';
import { DEFAULT_DATABASE_TASK_QUEUE } from '../domain/request';
import type {
  ApprovalDecision,
  ApprovalState,
  CleanupReport,
  FailureReport,
  RecoveryReport,
  StepTiming,
  SwapReport,
} from '../domain/restore-report';

// The query, the updates and the result are made of these domain shapes; callers may name them from here.
export type { ApprovalDecision, ApprovalState, DatabaseOutcome, RecoveryReport, SwapReport };

export type RestoreStatus = 'running' | 'cleaning-up' | 'succeeded' | 'failed';

export interface RestoreProgress {
  operationId?: string;
  workflowId: string;
  status: RestoreStatus;
  currentStep?: string;
  steps: StepTiming[];
  lastObservation?: AwsObservation;
  /**
   * While the copy waits: the region's copy-slot coordinator that watches it (its `copySlots` query holds the copy's
   * latest status and progress).
   */
  copyWatchedBy?: string;
  snapshot?: Pick<SnapshotInfo, 'identifier' | 'arn' | 'region' | 'engine' | 'engineVersion' | 'encrypted'>;
  /** What this run created, so operators know what exists and what cleanup will touch. */
  resources: {
    sharedSnapshot?: string;
    snapshotCopy?: string;
    cluster?: string;
    instances: string[];
  };
  endpoints?: ClusterEndpoints;
  /** What the database steps did (users, sanitization) and found (verification). No secrets. */
  database?: DatabaseOutcome;
  failure?: FailureReport;
  cleanup?: CleanupReport;
  /** The approval before the existing target is replaced (approval.required): pending, then the decision. */
  approval?: ApprovalState;
  /** Measured recovery time against the request's RTO (if any), updated as steps end. */
  recovery?: RecoveryReport;
  /** A swap refresh (replace.strategy: swap): temporary names, the swap window (the target's downtime), the old one. */
  swap?: SwapReport;
}

/** What `approve` and `reject` carry: who decides (required) and why (required to reject). */
export interface ApprovalInput {
  by: string;
  reason?: string;
}

export const progressQuery = defineQuery<RestoreProgress>('progress');

/** Approve the pending replacement of the existing target; refused when no approval is pending. */
export const approveUpdate = defineUpdate<ApprovalDecision, [ApprovalInput]>('approve');
/** Reject it: the restore cleans up what it created and fails with ApprovalRejected; the target is left as it is. */
export const rejectUpdate = defineUpdate<ApprovalDecision, [ApprovalInput]>('reject');

/** Sent by the wait activities (by name, see domain/observation) when the observed AWS status or progress changes. */
export const observationSignal = defineSignal<[AwsObservation]>(OBSERVATION_SIGNAL_NAME);

export const SA_TARGET = defineSearchAttributeKey('AuroraRestoreTarget', SearchAttributeType.KEYWORD);
export const SA_SOURCE = defineSearchAttributeKey('AuroraRestoreSource', SearchAttributeType.KEYWORD);
export const SA_STEP = defineSearchAttributeKey('AuroraRestoreStep', SearchAttributeType.KEYWORD);
export const SA_STATUS = defineSearchAttributeKey('AuroraRestoreStatus', SearchAttributeType.KEYWORD);

/** When the cluster's expiry deletes it (`clusterExpiry` workflows; removed when the expiry is cancelled). */
export const SA_EXPIRES_AT = defineSearchAttributeKey('AuroraRestoreExpiresAt', SearchAttributeType.DATETIME);

export const RESTORE_SEARCH_ATTRIBUTES = [SA_TARGET, SA_SOURCE, SA_STEP, SA_STATUS, SA_EXPIRES_AT];

export const TASK_QUEUE = 'aurora-restore';
/** Database activities (users, sanitization, verification): their worker can run inside the cluster's VPC. */
export const DB_TASK_QUEUE = DEFAULT_DATABASE_TASK_QUEUE;

/** What a successful restore returns (and what `aurora-restore start --wait` prints). */
export interface RestoreResult {
  operationId: string;
  workflowId: string;
  status: 'succeeded';
  /** The snapshot restored (snapshot sources); absent for a live cluster source. */
  snapshot?: SnapshotInfo;
  /** The live cluster restored from (source.pointInTime, source.clone), with the instant restored to. */
  sourceCluster?: SourceClusterInfo;
  target: ClusterRef & { clusterArn: string; engine: string; engineVersion?: string };
  endpoints: ClusterEndpoints;
  snapshotCopy?: { identifier: string; kept: boolean };
  masterPassword?: SetMasterPasswordOutput;
  replacedExistingCluster: boolean;
  /** The cluster's expiry, when the request asked for one. */
  expiry?: {
    workflowId: string;
    expiresAt: string;
    /** Set when the expiry could not be started: the cluster is then kept until deleted by hand. */
    problem?: string;
  };
  database?: DatabaseOutcome;
  steps: StepTiming[];
  durationMs: number;
  /** Measured recovery time, per step, and whether the request's RTO was met. */
  recovery?: RecoveryReport;
  /** The approval that allowed the existing target to be replaced (approval.required). */
  approval?: ApprovalState;
  /** A swap refresh: the swap window (the target's downtime) and what became of the old cluster. */
  swap?: SwapReport;
}
