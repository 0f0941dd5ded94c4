/**
 * The restore's live state, as the `progress` query shows it: steps with their start and end times, the last AWS
 * status a wait observed, and the resources this run created. Plain data mutated by the workflow only.
 */
import type { ClusterEndpoints, SnapshotInfo } from '../../domain/aws-shapes';
import type { AwsObservation } from '../../domain/observation';
import type { StepTiming } from '../../domain/restore-report';
import type { ApprovalState, RecoveryReport, RestoreProgress, RestoreStatus, SwapReport } from '../messages';

export type StepName =
  | 'validate-request'
  | 'find-snapshot'
  | 'resolve-source'
  | 'check-target'
  | 'share-snapshot'
  | 'copy-snapshot'
  | 'wait-for-copy'
  | 'unshare-snapshot'
  | 'await-approval'
  | 'delete-target'
  | 'restore-cluster'
  | 'wait-for-cluster'
  | 'create-instances'
  | 'wait-for-instances'
  | 'set-master-password'
  | 'setup-users'
  | 'sanitize-data'
  | 'verify-database'
  | 'rename-target-aside'
  | 'rename-into-target'
  | 'rename-instances'
  | 'handle-previous'
  | 'delete-snapshot-copy'
  | 'schedule-expiry';

export class ProgressTracker {
  private readonly state: RestoreProgress;
  private clock?: { startedAt: number; rtoMs?: number };
  private breach?: { breachedAt: string; breachedDuring?: string };
  private finalRecovery?: RecoveryReport;

  constructor(workflowId: string) {
    this.state = { workflowId, status: 'running', steps: [], resources: { instances: [] } };
  }

  view(): RestoreProgress {
    return this.state;
  }

  /** What the `progress` query returns: the state plus the recovery time measured up to `now` (read-only). */
  queryView(now: number): RestoreProgress {
    const recovery = this.recovery(now);
    return recovery ? { ...this.state, recovery } : this.state;
  }

  get currentStep(): string | undefined {
    return this.state.currentStep;
  }

  get steps(): StepTiming[] {
    return this.state.steps;
  }

  setOperationId(operationId: string): void {
    this.state.operationId = operationId;
  }

  setStatus(status: RestoreStatus): void {
    this.state.status = status;
  }

  stepStarted(name: StepName, now: number): void {
    this.state.currentStep = name;
    this.state.steps.push({ name, status: 'running', startedAt: iso(now) });
  }

  stepEnded(name: StepName, now: number, status: 'completed' | 'failed', detail?: string): void {
    const step = [...this.state.steps].reverse().find((s) => s.name === name && s.status === 'running');
    if (!step) return;
    step.status = status;
    step.endedAt = iso(now);
    step.durationMs = now - Date.parse(step.startedAt);
    if (detail) step.detail = detail;
    if (status === 'completed' && this.state.currentStep === name) this.state.currentStep = undefined;
  }

  stepSkipped(name: StepName, now: number, reason: string): void {
    this.state.steps.push({
      name,
      status: 'skipped',
      startedAt: iso(now),
      endedAt: iso(now),
      durationMs: 0,
      detail: reason,
    });
  }

  observe(observation: AwsObservation): void {
    this.state.lastObservation = observation;
  }

  /** Records the final status a wait returned (waits signal only while a resource is still in progress). */
  observeReady(resource: AwsObservation['resource'], id: string, status: string, now: number, percent?: number): void {
    this.observe({
      resource,
      id,
      status,
      ...(percent === undefined ? {} : { percentProgress: percent }),
      observedAt: iso(now),
    });
  }

  /** The coordinator that watches the copy while it runs; undefined once the wait is over. */
  setCopyWatchedBy(coordinatorId: string | undefined): void {
    if (coordinatorId) this.state.copyWatchedBy = coordinatorId;
    else delete this.state.copyWatchedBy;
  }

  setSnapshot(snapshot: SnapshotInfo): void {
    const { identifier, arn, region, engine, engineVersion, encrypted } = snapshot;
    this.state.snapshot = { identifier, arn, region, engine, engineVersion, encrypted };
  }

  resources(): RestoreProgress['resources'] {
    return this.state.resources;
  }

  database(): NonNullable<RestoreProgress['database']> {
    this.state.database ??= {};
    return this.state.database;
  }

  setEndpoints(endpoints: ClusterEndpoints): void {
    this.state.endpoints = endpoints;
  }

  setFailure(failure: NonNullable<RestoreProgress['failure']>): void {
    this.state.failure = failure;
  }

  /** The swap refresh's state (replace.strategy: swap), shown by the progress query; the workflow updates it. */
  swap(init: () => SwapReport): SwapReport {
    this.state.swap ??= init();
    return this.state.swap;
  }

  setApproval(approval: ApprovalState): void {
    this.state.approval = approval;
  }

  /** Measures recovery time from `startedAt` against `rtoMs` (if any); call once, right after validation. */
  measureRecovery(startedAt: number, rtoMs: number | undefined): void {
    this.clock = { startedAt, rtoMs };
  }

  /** Recovery time at `now`: total, each step's duration (running ones so far), and the RTO verdict when known. */
  recovery(now: number): RecoveryReport | undefined {
    if (this.finalRecovery) return this.finalRecovery;
    if (!this.clock) return undefined;
    const { startedAt, rtoMs } = this.clock;
    const totalMs = now - startedAt;
    const report: RecoveryReport = {
      ...(rtoMs === undefined ? {} : { rtoMs }),
      totalMs,
      steps: this.state.steps
        .filter((s) => s.status !== 'skipped')
        .map((s) => ({ name: s.name, durationMs: s.durationMs ?? now - Date.parse(s.startedAt) })),
    };
    if (this.breach) Object.assign(report, { rtoMet: false }, this.breach);
    else if (rtoMs !== undefined && totalMs > rtoMs) report.rtoMet = false;
    return report;
  }

  /** The RTO passed while the restore runs: remembered (with the step running then) for every later report. */
  rtoBreached(now: number): RecoveryReport | undefined {
    this.breach = {
      breachedAt: iso(now),
      ...(this.state.currentStep ? { breachedDuring: this.state.currentStep } : {}),
    };
    return this.recovery(now);
  }

  /** The final report when the restore ends: rtoMet decided, and frozen for later queries. */
  finishRecovery(now: number): RecoveryReport | undefined {
    const report = this.recovery(now);
    if (report && report.rtoMs !== undefined) report.rtoMet = !this.breach && report.totalMs <= report.rtoMs;
    this.finalRecovery = report;
    return report;
  }

  setCleanup(cleanup: NonNullable<RestoreProgress['cleanup']>): void {
    this.state.cleanup = cleanup;
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
