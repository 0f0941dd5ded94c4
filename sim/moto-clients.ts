/**
 * The simulator's own SDK clients for the calls it makes behind the caller's back (looking at a source account,
 * materializing an emulated copy, fixing moto's restore defaults). They are plain clients: never decorated, so the
 * simulator's internal calls are neither counted nor faulted. They reach the same moto server as the intercepted
 * request and pick the account with moto's `x-moto-account-id` header, which moto honours before credentials.
 */
import { RDSClient } from '@aws-sdk/client-rds';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';

/** The endpoint an intercepted request is going to, e.g. `http://127.0.0.1:5055`. */
export function endpointOfRequest(request: unknown): string | undefined {
  const r = request as { protocol?: string; hostname?: string; port?: number } | undefined;
  if (!r?.hostname) return undefined;
  const protocol = r.protocol ? r.protocol.replace(/:?$/, ':') : 'https:';
  return `${protocol}//${r.hostname}${r.port ? `:${r.port}` : ''}`;
}

/** Account moto will act in for the request: its `x-moto-account-id` header, if any. */
export function motoAccountHeader(request: unknown): string | undefined {
  const headers = (request as { headers?: Record<string, string> } | undefined)?.headers ?? {};
  for (const [name, value] of Object.entries(headers)) if (name.toLowerCase() === 'x-moto-account-id') return value;
  return undefined;
}

const INTERNAL_CREDENTIALS = { accessKeyId: 'aws-simulator', secretAccessKey: 'aws-simulator' };

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export class InternalClients {
  private rdsClients = new Map<string, RDSClient>();
  private identities = new Map<string, Promise<string>>();

  /** An RDS client acting in `account` and `region` of the moto server at `endpoint`. */
  rds(endpoint: string, account: string, region: string): RDSClient {
    const key = [endpoint, account, region].join('|');
    let client = this.rdsClients.get(key);
    if (!client) {
      client = new RDSClient({ region, endpoint, credentials: INTERNAL_CREDENTIALS, maxAttempts: 2 });
      client.middlewareStack.add(
        (next) => async (args) => {
          const request = args.request as { headers?: Record<string, string> };
          if (request.headers) request.headers['x-moto-account-id'] = account;
          return next(args);
        },
        { step: 'build', name: 'awsSimulatorAccount' }
      );
      this.rdsClients.set(key, client);
    }
    return client;
  }

  /**
   * The account that credentials act in, as moto's STS reports it (an assumed role's account, or moto's default
   * account for any other keys). Cached per access key.
   */
  callerAccount(endpoint: string, region: string, credentials: Credentials): Promise<string> {
    const key = [endpoint, credentials.accessKeyId].join('|');
    let identity = this.identities.get(key);
    if (!identity) {
      const sts = new STSClient({ region, endpoint, credentials, maxAttempts: 2 });
      identity = sts
        .send(new GetCallerIdentityCommand({}))
        .then((out) => {
          if (!out.Account) throw new Error(`STS GetCallerIdentity at ${endpoint} returned no account`);
          return out.Account;
        })
        .finally(() => sts.destroy());
      // A failed lookup is not cached: the next request asks again.
      void identity.catch(() => this.identities.delete(key));
      this.identities.set(key, identity);
    }
    return identity;
  }

  destroy(): void {
    for (const client of this.rdsClients.values()) client.destroy();
    this.rdsClients.clear();
    this.identities.clear();
  }
}
