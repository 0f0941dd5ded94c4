/**
 * Messages of the restore workflow: the `progress` query, the observation signal the wait activities send, and
 * the search attributes that make restores findable in the Web UI and `temporal workflow list --query`.
 * Imported by the workflow, the client and the activities (definitions only).
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';

import type {
  AwsObservation,
  ClusterEndpoints,
  DatabaseUserReport,
  SanitizeScriptReport,
  SnapshotInfo,
  StepTiming,
  VerificationReport,
} from '../activities/types';
import { DEFAULT_DATABASE_TASK_QUEUE } from '../domain/request';

export type RestoreStatus = 'running' | 'cleaning-up' | 'succeeded' | 'failed';

export interface RestoreProgress {
  operationId?: string;
  workflowId: string;
  status: RestoreStatus;
  currentStep?: string;
  steps: StepTiming[];
  lastObservation?: AwsObservation;
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
  failure?: { step?: string; type: string; code: string; message: string };
  cleanup?: { removed: string[]; leftInPlace: string[] };
}

export interface DatabaseOutcome {
  users?: DatabaseUserReport[];
  sanitization?: SanitizeScriptReport[];
  verification?: VerificationReport;
}

export const progressQuery = defineQuery<RestoreProgress>('progress');

/** Sent by the wait activities when the observed AWS status (or progress) changes. */
export const observationSignal = defineSignal<[AwsObservation]>('awsObservation');

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
  snapshot: SnapshotInfo;
  target: {
    clusterId: string;
    region: string;
    accountId?: string;
    clusterArn: string;
    engine: string;
    engineVersion?: string;
  };
  endpoints: ClusterEndpoints;
  snapshotCopy?: { identifier: string; kept: boolean };
  masterPassword?: { mode: 'secret' | 'managed'; managedSecretArn?: string };
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
}
