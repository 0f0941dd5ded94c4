/**
 * AwsSimulator: realistic AWS timing, faults and a few moto gaps, layered on the real AWS SDK v3 clients talking to
 * moto. Tests and benchmarks therefore exercise real wire calls (real serialization, real moto state, real SDK
 * error parsing and retries), while the simulator makes them look like AWS: operations take minutes of "AWS time",
 * calls can be throttled or fail, and states moto never produces can be forced.
 *
 * How it attaches: `decorate(client, loc, service)` (the client factory's hook, see src/activities/aws-clients.ts)
 * adds one middleware to the client's stack in the `finalizeRequest` step at low priority, i.e. after the SDK's
 * retry middleware: it sees every attempt, and the faults it throws go through the SDK's retry strategy exactly as
 * AWS errors would. Production code is untouched.
 *
 * Time: the `clock` gives AWS time in ms. In workflow tests on the Temporal time-skipping server use
 * `() => testEnv.currentTimeMs()` (async in @temporalio/testing 1.24) so that simulated minutes pass in skipped
 * time; in a wall-clock demo use `Date.now` with `scaled(...)` timings. Every operation starts when its mutating
 * call succeeds against moto; what Describe calls then report is documented in rds-behaviour.ts.
 *
 * Accounts: the simulator works out the account each request acts in the way moto does: the request's
 * `x-moto-account-id` header when present (how the test support selects a worker account), otherwise the account
 * of the request's credentials as moto's STS GetCallerIdentity reports it (assumed-role credentials map to the
 * role's account, anything else to moto's default account). `loc.accountId` is not trusted for this, since on AWS
 * it does not select anything either. The simulator's own calls use the header.
 *
 * Emulated vs real (honest summary): all state lives in moto and every intercepted call reaches moto, except
 * (a) calls failed by `injectFault`, (b) calls refused by a state rule AWS enforces and moto cannot (listed in
 * rds-behaviour.ts), (c) Describe answers for resources still `deleting` (moto removed them at once; the simulator
 * answers from moto's last description), and (d) cross-account CopyDBClusterSnapshot, which the simulator performs
 * itself with several real moto calls (cross-account.ts). Statuses and PercentProgress are rewritten from the
 * timeline. Only for moto: against real AWS the simulator would misreport state.
 */
import { Context } from '@temporalio/activity';

import type { AwsServiceName } from '../src/activities/aws-clients';
import type { AwsLocation } from '../src/domain/aws-shapes';

import type { MasterPasswordListener } from './cluster-states';
import { simError } from './errors';
import { FaultRegistry } from './faults';
import type { FaultHandle, FaultSpec } from './faults';
import { CallMetrics } from './metrics';
import { InternalClients, endpointOfRequest, motoAccountHeader } from './moto-clients';
import type { Credentials } from './moto-clients';
import { RdsBehaviour } from './rds-behaviour';
import type { HandlerResult, RdsCall } from './rds-behaviour';
import { Timeline } from './timeline';
import type { Activity, ForcedStatus, Operation, ResourceKind } from './timeline';
import { resolveTimings } from './timings';
import type { SimTimings } from './timings';

export { DEFAULT_SIM_TIMINGS, scaled } from './timings';
export type { SimTimings } from './timings';
export type { FaultHandle, FaultSpec } from './faults';
export type { MasterPasswordApplied, MasterPasswordListener } from './cluster-states';
export type { Activity, ForcedStatus, Operation, ResourceKind } from './timeline';

export interface AwsSimulatorOptions {
  /** AWS time in ms; may be async (the Temporal test server's clock is). */
  clock: () => number | Promise<number>;
  /** Durations of simulated operations; defaults in DEFAULT_SIM_TIMINGS. */
  timings?: Partial<SimTimings>;
  /**
   * A JSON file that keeps the simulated operations and forced statuses across restarts of the process (see
   * timeline.ts); with a wall clock, a restarted worker then finds in-flight operations still in progress.
   */
  stateFile?: string;
  /** Multiplier (>= 1) of each new operation's duration: random delays of AWS states (see timeline.ts). */
  stretch?: (activity: Activity) => number;
}

/** Any SDK v3 client: what `decorate` needs of it. */
export interface DecoratableClient {
  middlewareStack: unknown;
  config?: unknown;
}

interface MiddlewareContext {
  commandName?: string;
}

interface FinalizeArgs {
  input?: Record<string, unknown>;
  request?: unknown;
}

type Handler = (args: FinalizeArgs) => Promise<HandlerResult>;

interface MiddlewareStackLike {
  add(
    middleware: (next: Handler, context: MiddlewareContext) => Handler,
    options: { step: string; priority: string; name: string; override: boolean }
  ): void;
}

export class AwsSimulator {
  readonly timings: Readonly<SimTimings>;
  private readonly clock: () => number | Promise<number>;
  private readonly timeline: Timeline;
  private readonly faults = new FaultRegistry();
  private readonly metrics = new CallMetrics();
  private readonly clients = new InternalClients();
  private readonly rds: RdsBehaviour;

  constructor(options: AwsSimulatorOptions) {
    if (typeof options?.clock !== 'function') throw new TypeError('AwsSimulator needs a clock: () => ms');
    this.clock = options.clock;
    this.timings = Object.freeze(resolveTimings(options.timings));
    this.timeline = new Timeline({ stateFile: options.stateFile, stretch: options.stretch });
    this.rds = new RdsBehaviour(this.timeline, () => this.timings, this.clients);
  }

  /**
   * The client factory's `decorate` hook (an arrow property, so `decorate: sim.decorate` works unbound). RDS clients
   * get time simulation, gap filling, faults and counting; SNS and Secrets Manager clients get faults and counting.
   */
  readonly decorate = (client: DecoratableClient, loc: AwsLocation, service: AwsServiceName): void => {
    const stack = client.middlewareStack as MiddlewareStackLike;
    stack.add((next, context) => (args) => this.intercept(client, loc, service, next, context, args), {
      step: 'finalizeRequest',
      priority: 'low',
      name: 'awsSimulator',
      override: true,
    });
  };

  /** Makes the next matching attempts fail with an SDK error (see FaultSpec). Rules apply in the order added. */
  injectFault(spec: FaultSpec): FaultHandle {
    return this.faults.add(spec);
  }

  /**
   * Reports `status` for a cluster, snapshot or instance, from `after` ms past the start of its simulated operation
   * (or past now, for a resource without one): e.g. `failed`, `incompatible-restore`,
   * `inaccessible-encryption-credentials`, which moto never produces. The latest forced status wins.
   */
  async forceStatus(spec: ForcedStatus): Promise<void> {
    this.timeline.force(spec, await this.now());
  }

  /**
   * The simulated operations started so far (copies, restores, creates, deletes), with their AWS-time start and
   * planned end: lets a test check, e.g., that copies into one Region never overlapped.
   */
  operations(filter: { kind?: ResourceKind; op?: Operation; region?: string } = {}): Activity[] {
    return this.timeline
      .started()
      .filter(
        (a) =>
          (!filter.kind || a.kind === filter.kind) &&
          (!filter.op || a.op === filter.op) &&
          (!filter.region || a.region === filter.region)
      )
      .map((a) => ({ ...a }));
  }

  /** Attempts that reached the simulator (faulted ones included, the simulator's own calls excluded). */
  callCount(): number {
    return this.metrics.callCount();
  }

  /** Attempts per SDK command name, e.g. `{ DescribeDBClustersCommand: 12 }`. */
  calls(): Record<string, number> {
    return this.metrics.calls();
  }

  /** The attempts of `command` per activity type that made them (`-`: outside an activity). */
  callsByActivity(command: string): Record<string, number> {
    return this.metrics.callsByCaller(command);
  }

  /** AWS time from the first call through the simulator to the last one. */
  simulatedElapsedMs(): number {
    return this.metrics.simulatedElapsedMs();
  }

  /** Current AWS time. */
  async now(): Promise<number> {
    const value = await this.clock();
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new TypeError(`AwsSimulator clock returned ${String(value)}, expected a number of ms`);
    }
    return value;
  }

  /** Clears metrics only (between benchmark runs that share simulated resources). */
  resetMetrics(): void {
    this.metrics.reset();
  }

  /** Clears metrics, faults, forced statuses and simulated operations (resources in moto report moto's state). */
  reset(): void {
    this.metrics.reset();
    this.faults.clear();
    this.timeline.clear();
    this.rds.clusterStates.clear();
  }

  /**
   * Runs `listener` when a simulated master password reset ends, before any caller can see the cluster available
   * again: the moment the new password starts to work on AWS. A test that stands a real database in for the cluster
   * changes the password there. Returns a function that removes the listener.
   */
  onMasterPasswordApplied(listener: MasterPasswordListener): () => void {
    return this.rds.clusterStates.onMasterPasswordApplied(listener);
  }

  /** Closes the simulator's own SDK clients. Decorated clients keep working, without the internal calls. */
  destroy(): void {
    this.clients.destroy();
  }

  private async intercept(
    client: DecoratableClient,
    loc: AwsLocation,
    service: AwsServiceName,
    next: Handler,
    context: MiddlewareContext,
    args: FinalizeArgs
  ): Promise<HandlerResult> {
    const command = context.commandName ?? 'UnknownCommand';
    const input = args.input ?? {};
    const now = await this.now();
    this.metrics.record(command, now, currentActivityType());
    const fault = this.faults.take(command, input);
    if (fault && service !== 's3' && service !== 'sts')
      throw simError(service, fault.error, { message: fault.message, httpStatus: fault.httpStatus });
    if (service !== 'rds') return next(args);

    const endpoint = endpointOfRequest(args.request);
    if (!endpoint) return next(args);
    let account: Promise<string> | undefined;
    const call: RdsCall = {
      command,
      input,
      region: loc.region,
      endpoint,
      now,
      account: () => (account ??= this.callerAccount(client, args.request, endpoint, loc.region)),
    };
    return this.rds.handle(call, () => next(args));
  }

  private async callerAccount(client: DecoratableClient, request: unknown, endpoint: string, region: string) {
    const header = motoAccountHeader(request);
    if (header) return header;
    const provider = (client.config as { credentials?: () => Promise<Credentials> } | undefined)?.credentials;
    if (typeof provider !== 'function') {
      throw new Error('AwsSimulator: cannot tell which account the request acts in (no moto header, no credentials)');
    }
    return this.clients.callerAccount(endpoint, region, await provider());
  }
}

/** The type of the activity this call runs in (local activities included), or undefined outside one. */
function currentActivityType(): string | undefined {
  try {
    return Context.current().info.activityType;
  } catch {
    return undefined;
  }
}
