/**
 * The JSON body of every notification (restore and expiry), published by the notification activity and built by
 * the workflows. Consumers parse it, so fields are only ever added.
 */
import type { ClusterEndpoints, ClusterRef } from './aws-shapes';
import type { DatabaseSummary } from './database-reports';
import type {
  ApprovalSummary,
  CleanupReport,
  FailureReport,
  RecoveryReport,
  RestoreSourceRef,
  StepTiming,
  SwapReport,
} from './restore-report';

export type NotificationKind =
  | 'started'
  | 'succeeded'
  | 'failed'
  | 'expiry-reminder'
  | 'expired'
  | 'expiry-failed'
  | 'approval-required'
  | 'rto-breached';

/** `eventId` is stable across retries so consumers can de-duplicate. */
export interface RestoreEvent {
  eventId: string;
  kind: NotificationKind;
  operationId: string;
  workflowId: string;
  timestamp: string;
  source: RestoreSourceRef;
  target: ClusterRef;
  endpoints?: ClusterEndpoints;
  steps: StepTiming[];
  failure?: FailureReport;
  cleanup?: CleanupReport;
  /** Expiry notifications (`expiry-reminder`, `expired`, `expiry-failed`): when and how to change it. */
  expiry?: {
    workflowId: string;
    expiresAt: string;
    timeLeftMs?: number;
    deletedAt?: string;
    /** What went wrong (`expiry-failed`). */
    problem?: string;
    /** The commands that keep the cluster longer or keep it for good. */
    extendWith?: string;
    cancelWith?: string;
  };
  /** approval-required: what will be replaced and until when the approval is awaited; later events: the decision. */
  approval?: ApprovalSummary;
  /** Measured recovery time and the RTO verdict (rto-breached, succeeded, failed). */
  recovery?: RecoveryReport;
  /** A swap refresh: the swap window (the target's downtime) and what became of the old cluster. */
  swap?: SwapReport;
  /** What the database steps did and found, summarized (the `progress` query has the full report). */
  database?: DatabaseSummary;
}
