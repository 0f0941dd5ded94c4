/**
 * The restore's live state, as the `progress` query shows it: steps with their start and end times, the last AWS
 * status a wait observed, and the resources this run created. Plain data mutated by the workflow only.
 */
import type { AwsObservation, ClusterEndpoints, SnapshotInfo, StepTiming } from '../activities/types';

import type { RestoreProgress, RestoreStatus } from './messages';

export type StepName =
  | 'validate-request'
  | 'find-snapshot'
  | 'check-target'
  | 'share-snapshot'
  | 'copy-snapshot'
  | 'wait-for-copy'
  | 'unshare-snapshot'
  | 'delete-target'
  | 'restore-cluster'
  | 'wait-for-cluster'
  | 'create-instances'
  | 'wait-for-instances'
  | 'set-master-password'
  | 'setup-users'
  | 'sanitize-data'
  | 'verify-database'
  | 'delete-snapshot-copy'
  | 'schedule-expiry';

export class ProgressTracker {
  private readonly state: RestoreProgress;

  constructor(workflowId: string) {
    this.state = { workflowId, status: 'running', steps: [], resources: { instances: [] } };
  }

  view(): RestoreProgress {
    return this.state;
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

  setCleanup(cleanup: NonNullable<RestoreProgress['cleanup']>): void {
    this.state.cleanup = cleanup;
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
