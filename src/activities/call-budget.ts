/**
 * The RDS call budget: at most `callsPerSecond` RDS API calls per AWS account and region across the whole fleet of
 * restore workers, so a big batch or many schedules slow down instead of turning into a throttling storm (RDS
 * throttles per account and region, and a throttled control plane also fails other teams' calls).
 *
 * Each worker process keeps one token bucket per account and region and refills it at `callsPerSecond / workers`,
 * where `workers` is the number of restore workers polling the task queue (src/worker/fleet.ts keeps it current).
 * Every HTTP attempt takes a token, SDK retries included: the middleware sits after the SDK's retry middleware.
 * A call waits for its token (first come, first served). When the queue ahead is longer than `maxWaitMs` (30 s)
 * the call fails at once with `RdsCallBudgetBusy` instead (a throttling failure: the activity is retried with
 * backoff), so a long queue never outlives the activities waiting in it.
 *
 * Budget waits do not hold the worker's slots: when the first call of an activity attempt would wait more than
 * `MAX_IN_SLOT_WAIT_MS`, the budget reserves that call's token for the activity's next attempt and the attempt ends at
 * once with `RdsCallBudgetBusy` carrying the wait as its retry delay; the slot serves other activities meanwhile, and
 * the retry's first call uses the reserved token without queueing again. Later calls of an attempt already under
 * way go ahead of first calls and reservations, so they wait in place only behind other calls under way.
 *
 * A local activity never waits more than `MAX_IN_WORKFLOW_TASK_WAIT_MS` for any of its calls: it runs inside its
 * workflow task, which holds one of the worker's workflow-task slots until the local activity ends, so waiting there
 * would stall every restore on the worker (measured with bench:drill: 200 restores under a budget of 2 calls/s waited
 * up to 2 minutes for a workflow task with an idle CPU). It fails at once with `RdsCallBudgetBusy` marked `local`
 * (non-retryable `RdsCallBudgetBusyInWorkflowTask`), and the workflow makes the same call as a regular activity,
 * which waits as above (src/workflows/activity-options.ts).
 */
import { Context } from '@temporalio/activity';

import type { AwsLocation } from '../domain/aws-shapes';
import { MAX_IN_SLOT_WAIT_MS, MAX_IN_WORKFLOW_TASK_WAIT_MS } from '../domain/call-budget-limits';

/** How long a call may expect to wait for its token before it is refused with `RdsCallBudgetBusy`. */
export const MAX_BUDGET_WAIT_MS = 30_000;

export { MAX_IN_SLOT_WAIT_MS, MAX_IN_WORKFLOW_TASK_WAIT_MS };

/** How long a reserved token waits for the retry that redeems it, past its grant time, before it is dropped. */
const RESERVATION_GRACE_MS = 60_000;

/** A call the budget could not serve soon; the SDK does not retry it (not an AWS error), the activity does. */
export class RdsCallBudgetBusy extends Error {
  /**
   * @param expectedWaitMs the wait the call would have had
   * @param retryAfterMs when set, the activity's next attempt should start this much later (its token is reserved)
   */
  constructor(
    readonly expectedWaitMs: number,
    readonly retryAfterMs?: number,
    /** A local activity's call: the workflow makes it again as a regular activity. */
    readonly local = false
  ) {
    super(
      `The RDS call budget of this worker has about ${Math.round(expectedWaitMs / 1000)} s of calls queued; the call was not sent` +
        (retryAfterMs === undefined ? '' : ' (its token is reserved for the next attempt)') +
        (local ? ' (a local activity does not wait inside its workflow task: it runs again as an activity)' : '')
    );
    this.name = 'RdsCallBudgetBusy';
  }
}

/** The activity attempt a call is made by: `key` names the activity (workflow run and activity id). */
export interface BudgetCaller {
  key: string;
  attempt: number;
  /** The attempt's first RDS call: the only one that gives its slot back instead of waiting. */
  firstCall: boolean;
  /** A local activity: it runs inside a workflow task, so it never waits long for a token. */
  local?: boolean;
}

/** Time source of the buckets; a test passes a fake one. */
export interface BudgetClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: BudgetClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** A local activity's refusal: marked so that the workflow makes the call as a regular activity. */
function asLocal(err: unknown): never {
  if (err instanceof RdsCallBudgetBusy) throw new RdsCallBudgetBusy(err.expectedWaitMs, undefined, true);
  throw err;
}

/** A token taken for an activity's next attempt, from the bucket of one account and region. */
interface Reservation {
  bucket: string;
  turn: Promise<number>;
}

interface Waiter {
  since: number;
  grant: (waitedMs: number) => void;
}

/**
 * A token bucket refilled at `rate` tokens per second, holding at most one second's worth (at least one token), so
 * a burst after a quiet period never exceeds what one second allows. Waiters are served in arrival order, those
 * that take a token `ahead` (calls of an activity attempt already under way) before the others.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  /** Waiters: when each came, and how to hand it its token with its wait in ms. */
  private readonly ahead: Waiter[] = [];
  private readonly behind: Waiter[] = [];
  private serving = false;

  constructor(
    private rate: number,
    private readonly clock: BudgetClock = systemClock
  ) {
    assertRate(rate);
    this.tokens = this.capacity();
    this.updatedAt = clock.now();
  }

  /** Changes the refill rate from now on (tokens already earned are kept, up to the new capacity). */
  setRate(rate: number): void {
    assertRate(rate);
    this.refill();
    this.rate = rate;
    this.tokens = Math.min(this.tokens, this.capacity());
  }

  currentRate(): number {
    return this.rate;
  }

  /** How long a call arriving now would wait for its token (nothing is taken); `ahead` waits behind `ahead` only. */
  expectedWaitMs(ahead = false): number {
    this.refill();
    const queued = this.ahead.length + (ahead ? 0 : this.behind.length);
    return Math.max(0, ((queued + 1 - this.tokens) / this.rate) * 1000);
  }

  /**
   * Waits for a token and takes it. Resolves with how long the caller waited, in ms; rejects at once with
   * `RdsCallBudgetBusy` when the calls queued ahead would make it wait longer than `maxWaitMs`.
   */
  take(maxWaitMs = Number.POSITIVE_INFINITY, ahead = false): Promise<number> {
    const expectedWaitMs = this.expectedWaitMs(ahead);
    if (expectedWaitMs > maxWaitMs) return Promise.reject(new RdsCallBudgetBusy(expectedWaitMs));
    const since = this.clock.now();
    const granted = new Promise<number>((grant) => (ahead ? this.ahead : this.behind).push({ since, grant }));
    // Served from the next microtask: calls arriving together all count the same queue (and a test clock's sleep,
    // which moves time at once, cannot run between them).
    queueMicrotask(() => void this.serve());
    return granted;
  }

  /** Hands out tokens as they come, `ahead` waiters first; one loop at a time. */
  private async serve(): Promise<void> {
    if (this.serving) return;
    this.serving = true;
    try {
      while (this.ahead.length + this.behind.length > 0) {
        this.refill();
        if (this.tokens >= 1) {
          this.tokens -= 1;
          const next = this.ahead.shift() ?? this.behind.shift();
          next?.grant(this.clock.now() - next.since);
          continue;
        }
        await this.clock.sleep(Math.ceil(((1 - this.tokens) / this.rate) * 1000));
      }
    } finally {
      this.serving = false;
    }
  }

  private capacity(): number {
    return Math.max(1, this.rate);
  }

  private refill(): void {
    const now = this.clock.now();
    const earned = (Math.max(0, now - this.updatedAt) / 1000) * this.rate;
    this.tokens = Math.min(this.capacity(), this.tokens + earned);
    this.updatedAt = now;
  }
}

function bucketKey(loc: AwsLocation): string {
  return `${loc.accountId ?? loc.roleArn ?? 'default'}|${loc.region}`;
}

/** Calls made so far by each running activity attempt (its `Context`), to tell its first call from later ones. */
const callsByAttempt = new WeakMap<Context, number>();

/** The activity attempt (local or not) making the current call; undefined outside activities. */
export function currentCaller(): BudgetCaller | undefined {
  let context: Context;
  try {
    context = Context.current();
  } catch {
    return undefined; // not inside an activity (e.g. the simulator's own calls, a CLI preflight)
  }
  const { info } = context;
  const made = callsByAttempt.get(context) ?? 0;
  callsByAttempt.set(context, made + 1);
  const run = info.workflowExecution;
  return {
    key: `${run?.workflowId ?? '-'}/${run?.runId ?? '-'}/${info.activityId}`,
    attempt: info.attempt,
    firstCall: made === 0,
    ...(info.isLocal ? { local: true } : {}),
  };
}

function assertRate(rate: number): void {
  if (!Number.isFinite(rate) || rate <= 0) throw new RangeError(`a call rate must be a positive number, got ${rate}`);
}

/** The fleet-wide budget as this worker applies it: its share, one bucket per account and region. */
export class CallBudget {
  private readonly buckets = new Map<string, TokenBucket>();
  /** Tokens taken for an activity's next attempt, by `<caller key>#<attempt>`, with the bucket they came from. */
  private readonly reservations = new Map<string, Reservation>();
  private workers = 1;

  constructor(
    readonly callsPerSecond: number,
    private readonly clock: BudgetClock = systemClock
  ) {
    assertRate(callsPerSecond);
  }

  /** This worker's share of the budget, in calls per second per account and region. */
  share(): number {
    return this.callsPerSecond / this.workers;
  }

  /** How many restore workers share the budget; every bucket follows at once. */
  setWorkers(count: number): void {
    const workers = Number.isInteger(count) && count >= 1 ? count : 1;
    if (workers === this.workers) return;
    this.workers = workers;
    for (const bucket of this.buckets.values()) bucket.setRate(this.share());
  }

  workerCount(): number {
    return this.workers;
  }

  /** Waits for a token of the budget of `loc`'s account and region; resolves with the wait in ms. */
  take(loc: AwsLocation): Promise<number> {
    return this.bucketFor(loc).take(MAX_BUDGET_WAIT_MS);
  }

  /**
   * A call of `caller` (an activity attempt, local or not; none outside activities): uses the token reserved for
   * this attempt, or waits in place (later calls of an attempt, ahead of first calls; short waits), or reserves a
   * token for the next attempt and throws `RdsCallBudgetBusy` with the retry delay, giving the slot back.
   */
  async admit(loc: AwsLocation, caller?: BudgetCaller): Promise<number> {
    if (!caller) return this.take(loc);
    if (caller.local) return this.bucketFor(loc).take(MAX_IN_WORKFLOW_TASK_WAIT_MS, !caller.firstCall).catch(asLocal);
    const id = `${caller.key}#${caller.attempt}`;
    const reserved = this.reservations.get(id);
    if (reserved && caller.firstCall && reserved.bucket === bucketKey(loc)) {
      this.reservations.delete(id);
      return reserved.turn;
    }
    if (!caller.firstCall) return this.bucketFor(loc).take(MAX_BUDGET_WAIT_MS, true);
    const expected = this.bucketFor(loc).expectedWaitMs();
    if (expected <= MAX_IN_SLOT_WAIT_MS || expected > MAX_BUDGET_WAIT_MS) return this.take(loc);
    const turn = this.take(loc);
    turn.catch(() => undefined); // redeemed (or dropped) later
    const next = `${caller.key}#${caller.attempt + 1}`;
    this.reservations.set(next, { bucket: bucketKey(loc), turn });
    // A retry that never comes (the restore was cancelled) leaves its token unused; forget it after a while.
    const drop = setTimeout(() => this.reservations.delete(next), expected + RESERVATION_GRACE_MS);
    drop.unref();
    throw new RdsCallBudgetBusy(expected, Math.ceil(expected));
  }

  /** Reserved tokens not redeemed yet (for tests and metrics). */
  reservedCount(): number {
    return this.reservations.size;
  }

  /** The bucket of one account and region (an unknown account shares the bucket of the credentials' default). */
  bucketFor(loc: AwsLocation): TokenBucket {
    const key = bucketKey(loc);
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(this.share(), this.clock);
      this.buckets.set(key, bucket);
    }
    return bucket;
  }
}

/** The part of an SDK v3 client the budget needs: its middleware stack. */
interface MiddlewareClient {
  middlewareStack: {
    add(
      middleware: (next: (args: unknown) => Promise<unknown>) => (args: unknown) => Promise<unknown>,
      options: { step: 'finalizeRequest'; priority: 'low'; name: string; override: boolean }
    ): void;
  };
}

/**
 * Makes every attempt of `client` take a token from the budget of `loc` first. `finalizeRequest` at low priority runs
 * after the SDK's retry middleware, so each retry of a throttled call also waits for a token. `onWait` hears how long
 * each attempt waited (the call-budget wait metric).
 */
export function applyCallBudget(
  client: unknown,
  budget: CallBudget,
  loc: AwsLocation,
  onWait?: (waitedMs: number) => void
): void {
  (client as MiddlewareClient).middlewareStack.add(
    (next) => async (args) => {
      const waitedMs = await budget.admit(loc, currentCaller());
      onWait?.(waitedMs);
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'auroraRestoreCallBudget', override: true }
  );
}
