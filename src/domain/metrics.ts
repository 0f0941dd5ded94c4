/**
 * The metrics the pipeline exports, in one place: the workflow interceptor, the activities and the worker create
 * them from these names, and the tests check that the dashboard and the alert rules use only these (plus the
 * SDK's own). Pure data: imported by workflow code too.
 *
 * Durations are in seconds (Prometheus convention). Counters end in `_total`. Label values are bounded sets (step
 * names, failure types, AWS operation names), never identifiers of clusters or operations.
 */

export type MetricKind = 'counter' | 'histogram' | 'gauge';

export interface MetricDefinition {
  name: string;
  kind: MetricKind;
  help: string;
  /** Labels we set (the SDK adds `namespace`, `taskQueue` and `workflowType` or `activityType` where it knows them). */
  labels: readonly string[];
  /** Histogram bucket boundaries, in the metric's unit. */
  buckets?: readonly number[];
}

/** Restores and steps last minutes to hours: buckets from 10 s to 12 h. */
const LONG_SECONDS = [10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14_400, 28_800, 43_200];
/** Waits for a token of the call budget: milliseconds to the 30 s limit. */
const SHORT_SECONDS = [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export const METRICS = {
  restoresStarted: {
    name: 'aurora_restore_restores_started_total',
    kind: 'counter',
    help: 'Restores started (auroraRestore workflow executions, batch and scheduled children included)',
    labels: [],
  },
  restoresSucceeded: {
    name: 'aurora_restore_restores_succeeded_total',
    kind: 'counter',
    help: 'Restores that ended succeeded',
    labels: [],
  },
  restoresFailed: {
    name: 'aurora_restore_restores_failed_total',
    kind: 'counter',
    help: 'Restores that ended failed, by failure type (e.g. InvalidRequest, SnapshotNotFound, RestoreCancelled) and step',
    labels: ['failure_type', 'step'],
  },
  restoreDuration: {
    name: 'aurora_restore_restore_duration_seconds',
    kind: 'histogram',
    help: 'Duration of restores from start to end, by outcome (succeeded, failed)',
    labels: ['outcome'],
    buckets: LONG_SECONDS,
  },
  stepDuration: {
    name: 'aurora_restore_step_duration_seconds',
    kind: 'histogram',
    help: 'Duration of the steps that call AWS or the database (from their first activity to their end, all attempts included), by step and outcome',
    labels: ['step', 'outcome'],
    buckets: LONG_SECONDS,
  },
  rtoBreaches: {
    name: 'aurora_restore_rto_breaches_total',
    kind: 'counter',
    help: 'Restores whose RTO passed while they ran, by the step running at that moment',
    labels: ['step'],
  },
  awsCalls: {
    name: 'aurora_restore_aws_calls_total',
    kind: 'counter',
    help: 'AWS API calls (SDK retries included), by service, operation and outcome (ok, throttled, client-error, server-error, network-error)',
    labels: ['service', 'operation', 'outcome'],
  },
  callBudgetWait: {
    name: 'aurora_restore_rds_call_budget_wait_seconds',
    kind: 'histogram',
    help: 'How long RDS call attempts waited for a token of the RDS call budget',
    labels: ['region'],
    buckets: SHORT_SECONDS,
  },
  copySlotBusy: {
    name: 'aurora_restore_copy_slot_busy_total',
    kind: 'counter',
    help: 'Attempts to start a snapshot copy that found no free copy slot in the destination region (the copy waits)',
    labels: ['region'],
  },
  copySlotWait: {
    name: 'aurora_restore_copy_slot_wait_seconds',
    kind: 'histogram',
    help: 'How long snapshot copies waited for a copy slot, from the request for a slot (the queue included) to the copy request',
    labels: ['region'],
    buckets: LONG_SECONDS,
  },
  clustersExpiringSoon: {
    name: 'aurora_restore_clusters_expiring_soon',
    kind: 'gauge',
    help: 'Restored clusters whose expiry deletes them within the next 24 hours (running clusterExpiry workflows)',
    labels: [],
  },
} as const satisfies Record<string, MetricDefinition>;

export type MetricId = keyof typeof METRICS;

/** The horizon of `aurora_restore_clusters_expiring_soon`. */
export const EXPIRING_SOON_MS = 24 * 60 * 60 * 1000;

/** Outcome label of `aurora_restore_aws_calls_total`. */
export type AwsCallOutcome = 'ok' | 'throttled' | 'client-error' | 'server-error' | 'network-error';

/** Histogram bucket overrides for the SDK's Prometheus exporter, by metric name. */
export function histogramBuckets(): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const metric of Object.values(METRICS) as MetricDefinition[]) {
    if (metric.buckets) out[metric.name] = [...metric.buckets];
  }
  return out;
}

/**
 * The series names a Prometheus scrape shows for our metrics: histograms as `_bucket`, `_sum` and `_count`.
 */
export function exportedSeriesNames(): string[] {
  return (Object.values(METRICS) as MetricDefinition[]).flatMap((m) =>
    m.kind === 'histogram' ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name]
  );
}

/**
 * The SDK's own metrics (Temporal Core, prefix `temporal_`) the dashboard and the alert rules use; the monitoring
 * end-to-end test checks that the worker exports each of them.
 */
export const SDK_METRICS_USED: readonly string[] = [
  'temporal_num_pollers',
  'temporal_worker_task_slots_available',
  'temporal_workflow_completed',
  'temporal_workflow_failed',
  'temporal_activity_execution_failed',
  'temporal_activity_schedule_to_start_latency_bucket',
  'temporal_workflow_task_schedule_to_start_latency_bucket',
];
