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
 * Budget waits do not hold the worker's activity slots: when the first call of an activity attempt would wait more
 * than `MAX_IN_SLOT_WAIT_MS`, the budget reserves that call's token for the activity's next attempt and the attempt
 * ends at once with `RdsCallBudgetBusy` carrying the wait as its retry delay; the slot serves other activities
 * meanwhile, and the retry's first call uses the reserved token without queueing again. Later calls of an attempt
 * (already under way) wait in place, as do local activities (they run inside a workflow task).
 */
import { Context } from '@temporalio/activity';

import type { AwsLocation } from '../domain/aws-shapes';

/** How long a call may expect to wait for its token before it is refused with `RdsCallBudgetBusy`. */
export const MAX_BUDGET_WAIT_MS = 30_000;

/** How long the first call of an activity attempt may wait for its token while holding an activity slot. */
export const MAX_IN_SLOT_WAIT_MS = 1_000;

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
    readonly retryAfterMs?: number
  ) {
    super(
      `The RDS call budget of this worker has about ${Math.round(expectedWaitMs / 1000)} s of calls queued; the call was not sent` +
        (retryAfterMs === undefined ? '' : ' (its token is reserved for the next attempt)')
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

/**
 * A token bucket refilled at `rate` tokens per second, holding at most one second's worth (at least one token), so
 * a burst after a quiet period never exceeds what one second allows. Waiters are served in arrival order.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  private tail: Promise<void> = Promise.resolve();
  private queued = 0;

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

  /** How long a call arriving now would wait for its token (nothing is taken). */
  expectedWaitMs(): number {
    this.refill();
    return Math.max(0, ((this.queued + 1 - this.tokens) / this.rate) * 1000);
  }

  /**
   * Waits for a token and takes it. Resolves with how long the caller waited, in ms; rejects at once with
   * `RdsCallBudgetBusy` when the calls queued ahead would make it wait longer than `maxWaitMs`.
   */
  take(maxWaitMs = Number.POSITIVE_INFINITY): Promise<number> {
    const expectedWaitMs = this.expectedWaitMs();
    if (expectedWaitMs > maxWaitMs) return Promise.reject(new RdsCallBudgetBusy(expectedWaitMs));
    this.queued += 1;
    const start = this.clock.now();
    const turn = this.tail
      .then(() => this.waitForToken())
      .finally(() => (this.queued -= 1))
      .then(() => this.clock.now() - start);
    this.tail = turn.then(
      () => undefined,
      () => undefined
    );
    return turn;
  }

  private async waitForToken(): Promise<void> {
    for (;;) {
      this.refill();
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await this.clock.sleep(Math.ceil(((1 - this.tokens) / this.rate) * 1000));
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

/** The activity attempt making the current call; undefined outside activities and in local activities. */
export function currentCaller(): BudgetCaller | undefined {
  let context: Context;
  try {
    context = Context.current();
  } catch {
    return undefined; // not inside an activity (e.g. the simulator's own calls, a CLI preflight)
  }
  const { info } = context;
  if (info.isLocal) return undefined;
  const made = callsByAttempt.get(context) ?? 0;
  callsByAttempt.set(context, made + 1);
  const run = info.workflowExecution;
  return {
    key: `${run?.workflowId ?? '-'}/${run?.runId ?? '-'}/${info.activityId}`,
    attempt: info.attempt,
    firstCall: made === 0,
  };
}

function assertRate(rate: number): void {
  if (!Number.isFinite(rate) || rate <= 0) throw new RangeError(`a call rate must be a positive number, got ${rate}`);
}

/** The fleet-wide budget as this worker applies it: its share, one bucket per account and region. */
export class CallBudget {
  private readonly buckets = new Map<string, TokenBucket>();
  /** Tokens taken for an activity's next attempt, by `<caller key>#<attempt>`, with the bucket they came from. */
  private readonly reservations = new Map<string, { bucket: string; turn: Promise<number> }>();
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
   * A call of `caller` (an activity attempt; none outside activities and in local activities): uses the token
   * reserved for this attempt, or waits in place (later calls of an attempt, short waits), or reserves a token for
   * the next attempt and throws `RdsCallBudgetBusy` with the retry delay, giving the activity slot back.
   */
  async admit(loc: AwsLocation, caller?: BudgetCaller): Promise<number> {
    if (!caller) return this.take(loc);
    const id = `${caller.key}#${caller.attempt}`;
    const reserved = this.reservations.get(id);
    if (reserved && caller.firstCall && reserved.bucket === bucketKey(loc)) {
      this.reservations.delete(id);
      return reserved.turn;
    }
    if (!caller.firstCall) return this.take(loc);
    const expected = this.bucketFor(loc).expectedWaitMs();
    if (expected <= MAX_IN_SLOT_WAIT_MS || expected > MAX_BUDGET_WAIT_MS) return this.take(loc);
    const turn = this.take(loc);
    turn.catch(() => undefined); // redeemed (or dropped) later
    const next = `${caller.key}#${caller.attempt + 1}`;
    this.reservations.set(next, { bucket: bucketKey(loc), turn });
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
