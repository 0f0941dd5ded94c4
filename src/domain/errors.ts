/**
 * The failure catalogue. Every failure a restore can end with has a stable `type` (the Temporal
 * ApplicationFailure type, matched by retry policies and shown in the Web UI) and an ARP-* code in the spirit of
 * the original pipeline's error reference, carried in notifications.
 *
 * Pure data: imported by workflow and activity code alike.
 */

export interface FailureKind {
  /** ApplicationFailure type. */
  type: string;
  /** ARP-* code for notifications, dashboards and runbooks. */
  code: string;
  /** Whether retrying the same call can help. */
  retryable: boolean;
}

function kind(type: string, code: string, retryable = false): FailureKind {
  return { type, code, retryable };
}

export const Failures = {
  // Request and configuration
  InvalidRequest: kind('InvalidRestoreRequest', 'ARP-GENERAL-002'),
  WrongWorkflowId: kind('WrongWorkflowId', 'ARP-GENERAL-003'),
  /** A scheduled run found a restore of its target already running (one restore per target at a time). */
  RestoreAlreadyRunning: kind('RestoreAlreadyRunning', 'ARP-GENERAL-004'),
  // Snapshot lookup
  SnapshotNotFound: kind('SnapshotNotFound', 'ARP-SNAP-CHECK-001'),
  SnapshotNotAvailable: kind('SnapshotNotAvailable', 'ARP-SNAP-CHECK-002'),
  AccessDenied: kind('AccessDenied', 'ARP-SNAP-CHECK-003'),
  // Live cluster sources (source.pointInTime, source.clone)
  /** The cluster to restore to a point in time, or to clone, does not exist in the target's region and account. */
  SourceClusterNotFound: kind('SourceClusterNotFound', 'ARP-SOURCE-001'),
  /** source.pointInTime.time is outside the source cluster's restorable window. */
  PointInTimeOutsideWindow: kind('PointInTimeOutsideWindow', 'ARP-SOURCE-002'),
  /** AWS would refuse the clone: source not available, without an instance, or its clone chain is full. */
  CloneRefused: kind('CloneRefused', 'ARP-SOURCE-003'),
  // Sharing and copy
  SnapshotNotShareable: kind('SnapshotNotShareable', 'ARP-SNAP-COPY-001'),
  SnapshotCopyConflict: kind('SnapshotCopyConflict', 'ARP-SNAP-COPY-003'),
  KmsKeyNotAccessible: kind('KmsKeyNotAccessible', 'ARP-SNAP-COPY-004'),
  QuotaExceeded: kind('QuotaExceeded', 'ARP-SNAP-COPY-005'),
  SnapshotCopyFailed: kind('SnapshotCopyFailed', 'ARP-COPY-STATUS-001'),
  // Replacing the target
  TargetExists: kind('TargetClusterExists', 'ARP-DELETE-001'),
  DeletionProtected: kind('DeletionProtected', 'ARP-DELETE-002'),
  NotManagedByPipeline: kind('ClusterNotManagedByPipeline', 'ARP-DELETE-003'),
  RefusedSourceCluster: kind('RefusedToTouchSourceCluster', 'ARP-DELETE-005'),
  /** The target cluster has a member instance this pipeline did not create (a person added it). */
  UnmanagedInstance: kind('InstanceNotManagedByPipeline', 'ARP-DELETE-006'),
  /** A swap refresh's rename could not be made: the name is held by a cluster or instance that is not part of it. */
  SwapFailed: kind('SwapFailed', 'ARP-SWAP-001'),
  /** A person rejected the replacement of the existing target (approval.required). */
  ApprovalRejected: kind('ApprovalRejected', 'ARP-APPROVAL-001'),
  /** Nobody approved or rejected within approval.timeout. */
  ApprovalTimedOut: kind('ApprovalTimedOut', 'ARP-APPROVAL-002'),
  // Restore and instances
  InvalidRestoreParameter: kind('InvalidRestoreParameter', 'ARP-RESTORE-003'),
  ClusterFailed: kind('ClusterRestoreFailed', 'ARP-RESTORE-STATUS-001'),
  InstanceFailed: kind('InstanceCreationFailed', 'ARP-RESTORE-STATUS-002'),
  // Password
  SecretUnreadable: kind('MasterSecretUnreadable', 'ARP-DBUSER-004'),
  // Database steps (users, sanitization, verification)
  DatabaseUnreachable: kind('DatabaseUnreachable', 'ARP-DBUSER-001', true),
  DatabaseAuthFailed: kind('DatabaseAuthenticationFailed', 'ARP-DBUSER-002'),
  DatabaseUserFailed: kind('DatabaseUserSetupFailed', 'ARP-DBUSER-003'),
  DatabaseSecretUnreadable: kind('DatabaseSecretUnreadable', 'ARP-DBUSER-004'),
  DatabaseTlsFailed: kind('DatabaseTlsFailed', 'ARP-DBUSER-006'),
  /**
   * The request asks the database worker for something its own configuration does not allow: a weaker TLS mode, a
   * `connectVia` tunnel, or a file outside the directories it reads from.
   */
  NotAllowedByDatabaseWorker: kind('NotAllowedByDatabaseWorker', 'ARP-DBUSER-007'),
  SanitizationFailed: kind('SanitizationFailed', 'ARP-SANITIZE-001'),
  VerificationFailed: kind('VerificationFailed', 'ARP-VERIFY-001'),
  // Batches
  InvalidBatch: kind('InvalidBatchRequest', 'ARP-BATCH-002'),
  BatchFailed: kind('BatchRestoreFailed', 'ARP-BATCH-001'),
  // Notifications
  NotificationFailed: kind('NotificationFailed', 'ARP-NOTIFY-001'),
  // Expiring clusters
  InvalidExpiryChange: kind('InvalidExpiryChange', 'ARP-EXPIRY-001'),
  ExpiryDeletionFailed: kind('ExpiryDeletionFailed', 'ARP-EXPIRY-002'),
  /** A `clusterExpiry` input the restore never produces (a hand-started or test run with a bad setting). */
  InvalidExpiryInput: kind('InvalidExpiryInput', 'ARP-EXPIRY-003'),
  // Waiting and generic
  WaitTimedOut: kind('WaitTimedOut', 'ARP-GENERAL-005'),
  Throttled: kind('Throttled', 'ARP-GENERAL-006', true),
  AwsServiceError: kind('AwsServiceError', 'ARP-GENERAL-010', true),
  AwsClientError: kind('AwsClientError', 'ARP-GENERAL-009'),
  /**
   * An AWS endpoint that never answered this worker refused or could not resolve several calls in a row: a region
   * with no endpoint (one that does not exist) or a wrong endpoint setting, which retrying for minutes cannot fix.
   */
  EndpointUnreachable: kind('AwsEndpointUnreachable', 'ARP-GENERAL-011'),
  /**
   * A local activity's RDS call would have waited for the call budget inside its workflow task: the workflow makes
   * the same call as a regular activity instead (activity-options.ts), so users never see it as an outcome.
   */
  BudgetBusyInWorkflowTask: kind('RdsCallBudgetBusyInWorkflowTask', 'ARP-GENERAL-012'),
  Cancelled: kind('RestoreCancelled', 'ARP-GENERAL-008'),
  /** A status poll that found the resource still in progress; retried by the poll's retry policy. */
  NotReady: kind('NotReady', 'ARP-GENERAL-000', true),
} as const;

export type FailureName = keyof typeof Failures;

/** Types that no retry policy should ever retry: used as `nonRetryableErrorTypes` on every activity. */
export const NON_RETRYABLE_TYPES: string[] = Object.values(Failures)
  .filter((f) => !f.retryable)
  .map((f) => f.type);

/** Looks up the catalogue entry for an ApplicationFailure type (undefined for foreign types). */
export function failureKindOf(type: string | undefined | null): FailureKind | undefined {
  return Object.values(Failures).find((f) => f.type === type);
}
