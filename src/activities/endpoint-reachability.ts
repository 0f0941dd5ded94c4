/**
 * Tells an AWS endpoint that does not exist from one that is briefly down. A call that cannot connect (the name does
 * not resolve, or the connection is refused) is retried like any network error, unless the endpoint has never
 * answered this worker and UNREACHABLE_AFTER_CALLS calls to it in a row have failed that way: then it is a region
 * with no endpoint (a region that does not exist) or a wrong endpoint setting, and the error is marked so that it
 * becomes the non-retryable `AwsEndpointUnreachable` instead of being retried for minutes. An endpoint that answered
 * once is retried as before: its outage can end by itself.
 */

/** Failures to connect at all: nothing reached AWS. */
const CONNECT_FAILURES = new Set(['ENOTFOUND', 'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Calls in a row (each after the SDK's own retries) that fail to connect before the endpoint counts as unreachable. */
export const UNREACHABLE_AFTER_CALLS = 3;

/** What an unreachable-endpoint error carries (set on the SDK error as `endpointUnreachable`). */
export interface UnreachableEndpoint {
  service: string;
  region: string;
  /** Host name (or address:port) the SDK tried to connect to. */
  endpoint: string;
  /** The Node error code, e.g. ENOTFOUND. */
  code: string;
  calls: number;
}

interface ConnectError extends Error {
  code?: string;
  hostname?: string;
  address?: string;
  port?: number;
  endpointUnreachable?: UnreachableEndpoint;
}

function connectFailure(err: unknown): ConnectError | undefined {
  const e = err as ConnectError;
  return err instanceof Error && typeof e.code === 'string' && CONNECT_FAILURES.has(e.code) ? e : undefined;
}

/** The endpoint an unreachable-endpoint error names, or undefined for any other error. */
export function unreachableEndpointOf(err: unknown): UnreachableEndpoint | undefined {
  return err instanceof Error ? (err as ConnectError).endpointUnreachable : undefined;
}

/** Per client factory: which endpoints answered, and the failed connection streak of those that never did. */
export class EndpointReachability {
  private readonly answered = new Set<string>();
  private readonly streaks = new Map<string, number>();

  /** Records the outcome of one call to `service` in `region`; marks `err` when the endpoint counts as unreachable. */
  record(service: string, region: string, err?: unknown): void {
    const key = `${service}|${region}`;
    const failure = err === undefined ? undefined : connectFailure(err);
    if (!failure) {
      // Any answer, an AWS error included, proves that the endpoint exists.
      if (err === undefined || (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode) {
        this.answered.add(key);
        this.streaks.delete(key);
      }
      return;
    }
    if (this.answered.has(key)) return;
    const calls = (this.streaks.get(key) ?? 0) + 1;
    this.streaks.set(key, calls);
    if (calls < UNREACHABLE_AFTER_CALLS) return;
    const endpoint =
      failure.hostname ?? (failure.address ? `${failure.address}${failure.port ? `:${failure.port}` : ''}` : '?');
    failure.endpointUnreachable = { service, region, endpoint, code: failure.code ?? 'ECONNREFUSED', calls };
  }
}

/** The part of an SDK v3 client the middleware needs. */
interface MiddlewareClient {
  middlewareStack: {
    add(
      middleware: (next: (args: unknown) => Promise<unknown>) => (args: unknown) => Promise<unknown>,
      options: { step: 'initialize'; name: string; override: boolean }
    ): void;
  };
}

/** Records every call of `client` (after the SDK's own retries) in `reachability`. */
export function applyEndpointReachability(
  client: unknown,
  service: string,
  region: string,
  reachability: EndpointReachability
): void {
  (client as MiddlewareClient).middlewareStack.add(
    (next) => async (args) => {
      try {
        const result = await next(args);
        reachability.record(service, region);
        return result;
      } catch (err) {
        reachability.record(service, region, err);
        throw err;
      }
    },
    { step: 'initialize', name: 'auroraRestoreEndpointReachability', override: true }
  );
}
