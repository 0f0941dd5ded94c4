/**
 * Events per restore on the dev server: a cross-region, a same-region and a replace restore, each at the simulator's
 * AWS durations and at ten times those, counted from the recorded history (wall-clock time, AWS compressed).
 */
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';

import { scaled } from '../../sim/aws-simulator';
import { startRestore } from '../../src/client/restore-client';
import { OBSERVATION_SIGNAL_NAME } from '../../src/domain/observation';
import type { WaitHints } from '../../src/domain/poll-schedule';
import type { RestoreRequest } from '../../src/domain/request';
import type { auroraRestore } from '../../src/workflows';
import { seedManagedCluster, seedSourceCluster, uniqueName } from '../../test/support/moto';
import { createSimulatedWorker } from '../../test/support/workflow-env';

export type RestoreKind = 'cross-region' | 'same-region' | 'replace';

export const SOURCE_REGION = 'us-east-1';
export const TARGET_REGION = 'us-west-2';

export interface EventCount {
  kind: RestoreKind;
  factor: number;
  events: number;
  signals: number;
  /** Progress signals sent by waiting activities (the lean history sends none). */
  observationSignals: number;
  upserts: number;
  /** Events by type (`ACTIVITY_TASK_SCHEDULED`...), and activity events by activity type (local ones by summary). */
  byEventType: Record<string, number>;
  byActivity: Record<string, number>;
}

export function restoreRequest(
  kind: RestoreKind,
  source: { clusterId: string; snapshotId: string },
  targetId: string,
  pollInterval: string
): RestoreRequest {
  const region = kind === 'cross-region' ? TARGET_REGION : SOURCE_REGION;
  return {
    source: { region: SOURCE_REGION, clusterId: source.clusterId, snapshot: source.snapshotId },
    target: { region, clusterId: targetId, instanceCount: 2, tags: { environment: 'bench' } },
    ...(kind === 'cross-region' ? { copy: { kmsKeyId: 'alias/aws/rds' } } : {}),
    ...(kind === 'replace' ? { replace: { existing: true } } : {}),
    timing: { pollInterval },
  };
}

/** Counts a closed restore's events: all, observation signals, search-attribute upserts. */
export async function countEvents(handle: WorkflowHandle): Promise<Omit<EventCount, 'kind' | 'factor'>> {
  const { EventType } = temporal.api.enums.v1;
  const events = (await handle.fetchHistory()).events ?? [];
  const of = (type: number) => events.filter((e) => e.eventType === type).length;
  const byEventType: Record<string, number> = {};
  const byActivity: Record<string, number> = {};
  const activityOf = new Map<string, string>();
  const add = (counts: Record<string, number>, key: string) => (counts[key] = (counts[key] ?? 0) + 1);
  for (const e of events) {
    add(byEventType, EventType[e.eventType ?? 0].replace(/^EVENT_TYPE_/, ''));
    const scheduled = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (scheduled) activityOf.set(String(e.eventId), scheduled);
    const ref =
      e.activityTaskStartedEventAttributes?.scheduledEventId ??
      e.activityTaskCompletedEventAttributes?.scheduledEventId ??
      e.activityTaskFailedEventAttributes?.scheduledEventId ??
      e.activityTaskTimedOutEventAttributes?.scheduledEventId;
    const activity = scheduled ?? (ref == null ? undefined : activityOf.get(String(ref)));
    if (activity) add(byActivity, activity);
    const marker = e.markerRecordedEventAttributes;
    if (marker?.markerName === 'core_local_activity') {
      // The local activity's marker data names its activity type.
      const data = marker.details?.data?.payloads?.[0];
      const type = data
        ? defaultPayloadConverter.fromPayload<{ activity_type?: string }>(data).activity_type
        : undefined;
      add(byActivity, `${type ?? '?'} (local)`);
    }
  }
  return {
    byEventType,
    byActivity,
    events: events.length,
    signals: of(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED),
    observationSignals: events.filter(
      (e) =>
        e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED &&
        e.workflowExecutionSignaledEventAttributes?.signalName === OBSERVATION_SIGNAL_NAME
    ).length,
    upserts: of(EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES),
  };
}

/** Starts a restore the way the CLI does (validated, search attributes set at start). */
export async function startLikeCli(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  request: RestoreRequest,
  waitHints?: WaitHints
): Promise<WorkflowHandle<typeof auroraRestore>> {
  const started = await startRestore(env.client, request, { taskQueue, ...(waitHints ? { waitHints } : {}) });
  return env.client.workflow.getHandle<typeof auroraRestore>(started.workflowId, started.runId);
}

/**
 * One restore of each kind at `scale` x the default AWS durations and at 10x that, polls every `pollInterval`.
 */
export async function measureEvents(
  env: TestWorkflowEnvironment,
  scale: number,
  pollInterval: string
): Promise<EventCount[]> {
  const rows: EventCount[] = [];
  for (const factor of [1, 10]) {
    const w = await createSimulatedWorker(env, { timings: scaled(scale * factor) });
    try {
      // The three kinds at once: counts do not depend on what else runs, and it saves wall-clock time.
      const kinds: RestoreKind[] = ['cross-region', 'same-region', 'replace'];
      await w.worker.runUntil(async () => {
        const counted = await Promise.all(
          kinds.map(async (kind) => {
            const clusterId = uniqueName('ev-src');
            const snapshotId = `${clusterId}-snap`;
            await seedSourceCluster({ region: SOURCE_REGION, clusterId, withSnapshot: snapshotId, encrypted: true });
            const targetId = uniqueName('ev-tgt');
            const request = restoreRequest(kind, { clusterId, snapshotId }, targetId, pollInterval);
            if (kind === 'replace') await seedManagedCluster(SOURCE_REGION, targetId);
            const handle = await startLikeCli(env, w.taskQueue, request);
            await handle.result();
            return { kind, factor, ...(await countEvents(handle)) };
          })
        );
        rows.push(...counted);
      });
    } finally {
      w.sim.destroy();
    }
  }
  return rows;
}
