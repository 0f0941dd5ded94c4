/**
 * Infrequent polling, Temporal's pattern for waits of a minute or more
 * (https://github.com/temporalio/samples-typescript/tree/main/polling/infrequent): a wait activity does ONE describe
 * per attempt. When the resource is not ready yet it throws `notReady(...)`, a BENIGN retryable failure, and the
 * workflow's retry policy (initialInterval = poll interval, backoffCoefficient 1, scheduleToClose = the wait's
 * deadline) schedules the next attempt. Retries add no history events, so history stays the same size whether AWS takes
 * two minutes or ten hours.
 *
 * Because failed attempts leave no trace in history, the last observed status is pushed to the workflow with the
 * observation signal (for the `progress` query), but only when it changed: status, or copy progress by 10% bucket,
 * and only on attempts that end NotReady. The final status travels in the activity's result: a signal sent right
 * before completing would race the completion for a workflow task and make the history length vary by run.
 * What was last reported is remembered across attempts in the activity's heartbeat details.
 *
 * Why heartbeat details survive a failed attempt (checked with a real worker, heartbeat then throw at once, on the
 * dev server and on the time-skipping test server): sdk-core attaches the latest heartbeat details to the
 * RespondActivityTaskFailed call when the server advertises `activity_failure_include_heartbeat` (Temporal Server
 * >= 1.16, the dev server, Cloud), and the first heartbeat of an attempt is sent without throttling anyway, which
 * is why it also held on the test server that does not advertise it. Worst case, a lost detail means one duplicate
 * signal, never a missed one.
 */
import { activityInfo, getClient, heartbeat, log } from '@temporalio/activity';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';

import { Failures } from '../domain/errors';
import { OBSERVATION_SIGNAL_NAME } from '../domain/observation';
import type { AwsObservation } from '../domain/observation';
import { addProgressSample, nextPollDelayMs, POLL_BOUNDS } from '../domain/poll-schedule';
import type { PolledResource, ProgressSample } from '../domain/poll-schedule';

/** Delivers an observation to the workflow that scheduled the current activity. */
export type ObservationReporter = (obs: AwsObservation) => Promise<void>;

/** Longest time a report may take: reporting is best effort and must never eat the poll's start-to-close budget. */
export const REPORT_TIMEOUT_MS = 10_000;

/** Heartbeat details of a poll activity: what was last reported, per resource. */
export interface PollHeartbeat {
  reported: Record<string, { status: string; bucket: number | null }>;
  /** Progress samples per resource, for the next poll's timing (poll-schedule.ts). */
  samples?: Record<string, ProgressSample[]>;
  /** This attempt's time and when it asked for the next one to run (server clock, epoch ms): see attemptTimeMs. */
  attemptAtMs?: number;
  nextAttemptAtMs?: number;
}

/**
 * Default reporter: signals the activity's own workflow run through the worker's client (`getClient()`).
 * The signal carries only statuses and percentages, never secrets.
 */
export const signalWorkflowReporter: ObservationReporter = async (obs) => {
  const execution = activityInfo().workflowExecution;
  if (!execution) throw new Error('activity was not scheduled by a workflow');
  // By name: the restore workflow defines its `observationSignal` from the same name and shape (domain/observation).
  await getClient()
    .workflow.getHandle(execution.workflowId, execution.runId)
    .signal<[AwsObservation]>(OBSERVATION_SIGNAL_NAME, obs);
};

/** Makes an observation stamped with the current time. */
export function observation(
  resource: AwsObservation['resource'],
  id: string,
  status: string,
  percentProgress?: number
): AwsObservation {
  return {
    resource,
    id,
    status,
    ...(percentProgress === undefined ? {} : { percentProgress }),
    observedAt: new Date().toISOString(),
  };
}

/**
 * Throws the "still in progress" failure of a poll attempt: type NotReady, retryable, category BENIGN (logged at
 * DEBUG by the worker and kept out of failure metrics), with the observation as details so the last attempt's
 * failure, if the wait times out, says what was seen.
 */
export function notReady(obs: AwsObservation, message: string, nextPollDelayMs?: number): never {
  throw ApplicationFailure.create({
    type: Failures.NotReady.type,
    message,
    nonRetryable: false,
    category: ApplicationFailureCategory.BENIGN,
    details: [obs],
    // Overrides the retry policy's fixed interval for this one retry; no history event either way.
    ...(nextPollDelayMs === undefined ? {} : { nextRetryDelay: nextPollDelayMs }),
  });
}

function keyOf(obs: AwsObservation): string {
  return `${obs.resource}:${obs.id}`;
}

function bucketOf(obs: AwsObservation): number | null {
  return typeof obs.percentProgress === 'number' && Number.isFinite(obs.percentProgress)
    ? Math.floor(obs.percentProgress / 10)
    : null;
}

/** Reads what earlier attempts reported; anything unexpected counts as "nothing reported yet". */
export function lastReported(): PollHeartbeat {
  const details: unknown = activityInfo().heartbeatDetails;
  if (details && typeof details === 'object' && 'reported' in details) {
    const { reported, samples, attemptAtMs, nextAttemptAtMs } = details as PollHeartbeat;
    if (reported && typeof reported === 'object') {
      const plan =
        Number.isFinite(attemptAtMs) && Number.isFinite(nextAttemptAtMs)
          ? { attemptAtMs: attemptAtMs as number, nextAttemptAtMs: nextAttemptAtMs as number }
          : {};
      return {
        reported: { ...reported },
        ...(samples && typeof samples === 'object' ? { samples: { ...samples } } : {}),
        ...plan,
      };
    }
  }
  return { reported: {} };
}

function samplesOf(state: PollHeartbeat, key: string): ProgressSample[] {
  const list = state.samples?.[key];
  return Array.isArray(list) ? list.filter((s) => typeof s?.atMs === 'number' && typeof s?.percent === 'number') : [];
}

/** How close to the previous attempt's time a stamp must be to be its failure time: under the shortest delay. */
const FAILURE_TIME_STAMP_WINDOW_MS = Math.min(...Object.values(POLL_BOUNDS).map((b) => b.floorMs));

/**
 * Now, on the Temporal server's clock: when this attempt was scheduled (an attempt is one quick status check). The
 * progress rate, the wait's start and its deadline are all measured on that one clock, so the estimate holds whatever
 * the worker's own clock says (skewed, or a time-skipping test server's hours passing in seconds).
 *
 * The Temporal server stamps a retry with the time it will run (failure time + retry delay), but the time-skipping
 * test server stamps it with the failure time, one retry delay early (seen in bench:drill: every attempt saw the
 * copy and the cluster one planned delay behind, and the last planned poll came one delay late). That stamp is
 * recognisable: it lies within moments of the previous attempt's own time (kept in the heartbeat details with its
 * plan), where a retry's own time lies at least one delay (5 s or more) or, after a worker died mid-attempt, one
 * timeout later. Then the retry runs at the previous attempt's plan; otherwise the stamp is the time.
 */
function attemptTimeMs(state: PollHeartbeat): number {
  const stamp = activityInfo().currentAttemptScheduledTimestampMs;
  const { attemptAtMs, nextAttemptAtMs } = state;
  if (attemptAtMs === undefined || nextAttemptAtMs === undefined) return stamp;
  return stamp - attemptAtMs < FAILURE_TIME_STAMP_WINDOW_MS ? Math.max(stamp, nextAttemptAtMs) : stamp;
}

/** Adds the observation's progress (if any), seen at `nowMs`, to the samples kept for the next attempt. */
function withSample(state: PollHeartbeat, obs: AwsObservation, nowMs: number): void {
  if (typeof obs.percentProgress !== 'number' || !Number.isFinite(obs.percentProgress)) return;
  const key = keyOf(obs);
  const sample = { atMs: nowMs, percent: obs.percentProgress };
  state.samples = { ...state.samples, [key]: addProgressSample(samplesOf(state, key), sample) };
}

/**
 * When to check `obs`'s resource next (ms), from its progress samples (earlier attempts' and this one's, already in
 * `state`) and the expected duration the workflow passed; undefined when neither says anything (the retry policy's
 * fixed interval applies). Bounded by the resource's floor and ceiling and by the wait's deadline.
 */
function plannedPollDelayMs(
  state: PollHeartbeat,
  obs: AwsObservation,
  nowMs: number,
  resource: PolledResource,
  expectedDurationMs?: number
): number | undefined {
  const info = activityInfo();
  return nextPollDelayMs({
    nowMs,
    startedAtMs: info.scheduledTimestampMs,
    samples: samplesOf(state, keyOf(obs)),
    expectedDurationMs,
    bounds: POLL_BOUNDS[resource],
    ...(info.scheduleToCloseTimeoutMs > 0
      ? { deadlineAtMs: info.scheduledTimestampMs + info.scheduleToCloseTimeoutMs }
      : {}),
  });
}

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Reports observations that changed since the last report (status, or percent bucket floor(percent/10)) and records
 * them in the heartbeat details, which the next attempt reads. Call once per attempt with everything observed (one
 * heartbeat per attempt: heartbeats are throttled, and only the first of an attempt is sent right away).
 * Never throws: a failed report is logged as a warning and retried by the next attempt.
 *
 * @returns the observations that were reported.
 */
export async function reportObservation(
  observed: AwsObservation | AwsObservation[],
  reporter: ObservationReporter = signalWorkflowReporter
): Promise<AwsObservation[]> {
  const state = lastReported();
  const list = Array.isArray(observed) ? observed : [observed];
  const nowMs = attemptTimeMs(state);
  for (const obs of list) withSample(state, obs, nowMs);
  // The next attempt comes after the retry policy's fixed interval, which only the workflow knows.
  delete state.attemptAtMs;
  delete state.nextAttemptAtMs;
  return reportAndRecord(state, list, reporter);
}

/**
 * Reports `obs` like reportObservation and plans the next status check of its resource: returns the delay to pass to
 * `notReady` (undefined: the retry policy's fixed interval), recorded in the same heartbeat for the next attempt.
 */
export async function reportAndPlanPoll(
  obs: AwsObservation,
  plan: { resource: PolledResource; expectedDurationMs?: number | undefined },
  reporter: ObservationReporter = signalWorkflowReporter
): Promise<number | undefined> {
  const state = lastReported();
  // One reading of the attempt's time, before this attempt's plan replaces the previous one in `state`.
  const nowMs = attemptTimeMs(state);
  withSample(state, obs, nowMs);
  const delayMs = plannedPollDelayMs(state, obs, nowMs, plan.resource, plan.expectedDurationMs);
  if (delayMs === undefined) {
    delete state.attemptAtMs;
    delete state.nextAttemptAtMs;
  } else {
    state.attemptAtMs = nowMs;
    state.nextAttemptAtMs = nowMs + delayMs;
  }
  await reportAndRecord(state, [obs], reporter);
  return delayMs;
}

/**
 * The first attempt of a wait for an operation the workflow started a moment ago (`justStarted`) ends NotReady at
 * once, without a describe: AWS cannot have finished it, and an immediate check only costs a call of the account's
 * RDS budget. `obs` is the status the start call left it in; the first check comes after the planned delay (the
 * expected duration, if any) or the retry policy's poll interval. Later attempts, and an adopted operation, check.
 */
export async function skipCheckOfJustStarted(
  justStarted: boolean | undefined,
  what: string,
  obs: AwsObservation,
  plan: { resource: PolledResource; expectedDurationMs?: number | undefined },
  reporter: ObservationReporter = signalWorkflowReporter
): Promise<void> {
  if (!justStarted || activityInfo().attempt !== 1) return;
  const delayMs = await reportAndPlanPoll(obs, plan, reporter);
  notReady(
    obs,
    `${what} was started a moment ago and cannot be ready yet: its first status check comes later`,
    delayMs
  );
}

/** Sends what changed since the last report and records `state` (samples included) in one heartbeat. */
async function reportAndRecord(
  state: PollHeartbeat,
  list: AwsObservation[],
  reporter: ObservationReporter
): Promise<AwsObservation[]> {
  const sent: AwsObservation[] = [];
  for (const obs of list) {
    const previous = state.reported[keyOf(obs)];
    const bucket = bucketOf(obs);
    if (previous && previous.status === obs.status && previous.bucket === bucket) continue;
    try {
      await withTimeout(reporter(obs), REPORT_TIMEOUT_MS);
      state.reported[keyOf(obs)] = { status: obs.status, bucket };
      sent.push(obs);
    } catch (err) {
      log.warn('Could not report an observed AWS status to the workflow; the next poll will try again', {
        resource: obs.resource,
        id: obs.id,
        status: obs.status,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }
  // Heartbeat on every attempt, changed or not: keeps the details the next attempt reads in place either way.
  try {
    heartbeat(state);
  } catch (err) {
    log.warn('Could not record the last reported observation in heartbeat details', {
      error: err instanceof Error ? err.message : String(err),
    });
  }
  return sent;
}

/**
 * Milliseconds since the activity was first scheduled (across all attempts of this poll): the clock for grace
 * periods such as "a copy we just started is not visible yet".
 */
export function msSinceFirstScheduled(): number {
  // The server's stamp alone, without attemptTimeMs's reading of the previous plan: a grace period must never look
  // longer than it has been, and the stamp only errs on the time-skipping server (one delay early), which merely
  // lengthens a grace.
  return Math.max(0, activityInfo().currentAttemptScheduledTimestampMs - activityInfo().scheduledTimestampMs);
}
