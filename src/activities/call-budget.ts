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
 */
import type { AwsLocation } from '../domain/aws-shapes';

/** How long a call may expect to wait for its token before it is refused with `RdsCallBudgetBusy`. */
export const MAX_BUDGET_WAIT_MS = 30_000;

/** A call the budget could not serve soon; the SDK does not retry it (not an AWS error), the activity does. */
export class RdsCallBudgetBusy extends Error {
  constructor(readonly expectedWaitMs: number) {
    super(
      `The RDS call budget of this worker has about ${Math.round(expectedWaitMs / 1000)} s of calls queued; the call was not sent`
    );
    this.name = 'RdsCallBudgetBusy';
  }
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

  /**
   * Waits for a token and takes it. Resolves with how long the caller waited, in ms; rejects at once with
   * `RdsCallBudgetBusy` when the calls queued ahead would make it wait longer than `maxWaitMs`.
   */
  take(maxWaitMs = Number.POSITIVE_INFINITY): Promise<number> {
    this.refill();
    const expectedWaitMs = Math.max(0, ((this.queued + 1 - this.tokens) / this.rate) * 1000);
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

function assertRate(rate: number): void {
  if (!Number.isFinite(rate) || rate <= 0) throw new RangeError(`a call rate must be a positive number, got ${rate}`);
}

/** The fleet-wide budget as this worker applies it: its share, one bucket per account and region. */
export class CallBudget {
  private readonly buckets = new Map<string, TokenBucket>();
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

  /** The bucket of one account and region (an unknown account shares the bucket of the credentials' default). */
  bucketFor(loc: AwsLocation): TokenBucket {
    const key = `${loc.accountId ?? loc.roleArn ?? 'default'}|${loc.region}`;
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
      const waitedMs = await budget.take(loc);
      onWait?.(waitedMs);
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'auroraRestoreCallBudget', override: true }
  );
}
