/**
 * Workflow instrumentation, registered as a workflow interceptor module (the worker's `workflowModules` and the
 * bundle's `workflowInterceptorModules`): restores started, succeeded and failed (by failure type), restore and step
 * durations, RTO breaches; and the operation context (operation id, step) on every workflow log line and, through an
 * activity header, on every activity's log lines.
 *
 * Metrics go through the SDK's workflow `metricMeter`, which emits nothing while a workflow replays, so a worker that
 * picks up a running restore after a restart does not count it twice. The interceptor adds no command: workflow
 * histories are the same with or without it.
 */
import { ApplicationFailure, defaultPayloadConverter } from '@temporalio/common';
import { metricMeter, workflowInfo } from '@temporalio/workflow';
import type {
  ActivityInput,
  LocalActivityInput,
  Next,
  WorkflowExecuteInput,
  WorkflowInboundCallsInterceptor,
  WorkflowInterceptors,
  WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';

import { METRICS } from '../domain/metrics';
import type { MetricDefinition } from '../domain/metrics';
import { OPERATION_CONTEXT_HEADER } from '../domain/operation-context';
import type { OperationContext } from '../domain/operation-context';

import { ACTIVITY_DESCRIPTIONS } from './activity-summaries';
import { SA_STATUS, SA_STEP } from './messages';

/** The restore workflow's type: the restore counters count only its executions. */
export const RESTORE_WORKFLOW_TYPE = 'auroraRestore';

/** The step label of the cleanup that runs after a failure (see `SA_STATUS` `cleaning-up`). */
export const CLEANUP_STEP = 'cleanup';

/**
 * Which step of the restore an activity runs for (README, "How a restore runs"), from the one table that also gives
 * the Web UI's summaries. During the cleanup every activity is labelled `cleanup` instead.
 */
export const STEP_OF_ACTIVITY: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(ACTIVITY_DESCRIPTIONS).map(([activity, description]) => [activity, description.step])
);

/**
 * The further step an activity carries out in full, by activity type: the lean history's one lookup at a restore's
 * start reads the target for check-target, whose own work then calls nothing, so check-target keeps its histogram.
 */
export const ALSO_STEP_OF_ACTIVITY: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(ACTIVITY_DESCRIPTIONS).flatMap(([activity, description]) =>
    'alsoStep' in description && description.alsoStep ? [[activity, description.alsoStep]] : []
  )
);

/** Activities that give back what a step took (a copy slot, the target lock): bookkeeping, not a step's work. */
const UNTIMED_ACTIVITIES: ReadonlySet<string> = new Set(
  Object.entries(ACTIVITY_DESCRIPTIONS).flatMap(([activity, description]) =>
    'untimed' in description && description.untimed ? [activity] : []
  )
);

/** What one run knows about its operation; keyed by run id (workflow modules may be shared between runs). */
interface RunState {
  operationId?: string;
  /** The step the restore started last (the step search attribute is not upserted per step in a lean history). */
  step?: string;
  /** When the first activity of the step started last ran: that step's histogram sample begins there. */
  timedStep?: { step: string; startedAt: number };
}
const runs = new Map<string, RunState>();

/**
 * Tells the instrumentation the restore's operation id once it is known (the request's, or the one validation
 * generated), so that every later log line and activity carries it. No command: replay-safe.
 */
export function noteOperationId(operationId: string): void {
  const state = runs.get(workflowInfo().runId);
  if (state) state.operationId = operationId;
}

/** Tells the instrumentation which step the restore started. No command: replay-safe. */
export function noteStep(step: string): void {
  const state = runs.get(workflowInfo().runId);
  if (state) {
    state.step = step;
    state.timedStep = undefined;
  }
}

/**
 * Tells the instrumentation that a step ended. A step that ran activities of its own gets one sample of the step
 * histogram, from its first activity's start to its end, however many activities it ran (a copy's slot request and
 * copy, the password change and the wait for it). No command: replay-safe.
 */
export function noteStepEnded(step: string, outcome: 'completed' | 'failed'): void {
  const state = runs.get(workflowInfo().runId);
  const timed = state?.timedStep;
  if (!state || timed?.step !== step) return;
  state.timedStep = undefined;
  seconds(METRICS.stepDuration, timed.startedAt, { step, outcome });
}

/**
 * Tells the instrumentation that the open step waits without an activity of its own (the copy that the region's
 * copy-slot coordinator watches): its histogram sample begins now, unless an activity of the step began it earlier.
 * No command: replay-safe.
 */
export function noteStepWaitStarted(): void {
  const state = runs.get(workflowInfo().runId);
  if (state?.step && state.step !== CLEANUP_STEP) state.timedStep ??= { step: state.step, startedAt: Date.now() };
}

/** Counts an RTO breach of this restore, labelled with the step running when the RTO passed. */
export function noteRtoBreach(): void {
  metric(METRICS.rtoBreaches).add(1, { step: currentStep() });
}

/**
 * Records how long this restore's snapshot copy waited for a copy slot in `region`: from its request for a slot to
 * its copy request, the queue and any slot RDS refused included. No command: replay-safe (nothing is emitted while
 * replaying).
 */
export function noteCopySlotWait(region: string, requestedAt: number): void {
  seconds(METRICS.copySlotWait, requestedAt, { region });
}

export const interceptors = (): WorkflowInterceptors => {
  const info = workflowInfo();
  const state: RunState = { operationId: initialOperationId(info.memo) };
  runs.set(info.runId, state);
  const isRestore = info.workflowType === RESTORE_WORKFLOW_TYPE;

  const inbound: WorkflowInboundCallsInterceptor = {
    async execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>) {
      state.operationId ??= operationIdOf(input.args[0]);
      if (!isRestore) return next(input);
      const startedAt = Date.now();
      metric(METRICS.restoresStarted).add(1);
      try {
        const result = await next(input);
        metric(METRICS.restoresSucceeded).add(1);
        seconds(METRICS.restoreDuration, startedAt, { outcome: 'succeeded' });
        return result;
      } catch (err) {
        metric(METRICS.restoresFailed).add(1, failureLabels(err));
        seconds(METRICS.restoreDuration, startedAt, { outcome: 'failed' });
        throw err;
      }
    },
  };

  /** Runs an activity with the operation context in its headers and records its step duration. */
  async function measured<T extends ActivityInput | LocalActivityInput>(
    input: T,
    next: (input: T) => Promise<unknown>
  ): Promise<unknown> {
    state.operationId ??= operationIdOf(input.args[0]);
    const step = isRestore ? activityStep(input.activityType) : input.activityType;
    // Only while the restore runs its steps: during the cleanup every activity counts for `cleanup` alone.
    const alsoStep = isRestore && step !== CLEANUP_STEP ? ALSO_STEP_OF_ACTIVITY[input.activityType] : undefined;
    const context: OperationContext = { ...(state.operationId ? { operationId: state.operationId } : {}), step };
    const headers = { ...input.headers, [OPERATION_CONTEXT_HEADER]: defaultPayloadConverter.toPayload(context) };
    const startedAt = Date.now();
    // An activity of the restore's open step: the step's end records the sample (noteStepEnded).
    const ofOpenStep = isRestore && step !== CLEANUP_STEP && step === state.step;
    if (ofOpenStep) state.timedStep ??= { step, startedAt };
    const timedAlone = !ofOpenStep && !UNTIMED_ACTIVITIES.has(input.activityType);
    try {
      const result = await next({ ...input, headers });
      if (timedAlone) seconds(METRICS.stepDuration, startedAt, { step, outcome: 'completed' });
      if (alsoStep) seconds(METRICS.stepDuration, startedAt, { step: alsoStep, outcome: 'completed' });
      return result;
    } catch (err) {
      if (timedAlone) seconds(METRICS.stepDuration, startedAt, { step, outcome: 'failed' });
      throw err;
    }
  }

  const outbound: WorkflowOutboundCallsInterceptor = {
    scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>) {
      return measured(input, next);
    },
    // The lean history's lookups run as local activities: the same context header and step metrics.
    scheduleLocalActivity(
      input: LocalActivityInput,
      next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>
    ) {
      return measured(input, next);
    },
    getLogAttributes(input, next) {
      return next({
        ...input,
        ...(state.operationId ? { operationId: state.operationId } : {}),
        step: currentStep(),
      });
    },
  };

  return {
    inbound: [inbound],
    outbound: [outbound],
    internals: [
      {
        dispose(input, next) {
          runs.delete(info.runId);
          next(input);
        },
      },
    ],
  };
};

/**
 * The step for log lines and RTO breaches: in a restore, the cleanup or the last step it started (validation before
 * the first); other workflows of an operation (its expiry, its schedule) have no steps and use their type.
 */
function currentStep(): string {
  const info = workflowInfo();
  if (info.workflowType !== RESTORE_WORKFLOW_TYPE) return info.workflowType;
  const attributes = info.typedSearchAttributes;
  if (attributes.get(SA_STATUS) === 'cleaning-up') return CLEANUP_STEP;
  return runs.get(info.runId)?.step ?? attributes.get(SA_STEP) ?? 'validate-request';
}

function activityStep(activityType: string): string {
  if (workflowInfo().typedSearchAttributes.get(SA_STATUS) === 'cleaning-up') return CLEANUP_STEP;
  return STEP_OF_ACTIVITY[activityType] ?? activityType;
}

/** The operation id a client set: in the memo (our CLI, schedules) or in the request itself. */
function initialOperationId(memo: Record<string, unknown> | undefined): string | undefined {
  const fromMemo = memo?.operationId;
  return typeof fromMemo === 'string' && fromMemo !== '' ? fromMemo : undefined;
}

/** `operationId` of a restore request or an activity input, when it has one. */
function operationIdOf(arg: unknown): string | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  const value = (arg as { operationId?: unknown }).operationId;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function failureLabels(err: unknown): { failure_type: string; step: string } {
  if (err instanceof ApplicationFailure) {
    const details = err.details?.[0] as { step?: unknown } | undefined;
    return {
      failure_type: err.type ?? 'ApplicationFailure',
      step: typeof details?.step === 'string' ? details.step : 'none',
    };
  }
  return { failure_type: err instanceof Error ? err.name : 'Unknown', step: 'none' };
}

type Counter = ReturnType<typeof metricMeter.createCounter>;
type Histogram = ReturnType<typeof metricMeter.createHistogram>;

function metric(definition: MetricDefinition & { kind: 'counter' }): Counter {
  return metricMeter.createCounter(definition.name, undefined, definition.help);
}

function seconds(
  definition: MetricDefinition & { kind: 'histogram' },
  startedAt: number,
  labels: Record<string, string>
): void {
  const histogram: Histogram = metricMeter.createHistogram(definition.name, 'float', 's', definition.help);
  histogram.record(Math.max(0, Date.now() - startedAt) / 1000, labels);
}
