/**
 * An AWS region whose endpoint refuses connections, for the tests of unreachable endpoints: moto answers for every
 * region, so the requests of one region are sent to a local port that nothing listens on instead.
 */
import { createServer } from 'node:net';

import type { AwsClientFactoryOptions } from '../../src/activities/aws-clients';

/** A local TCP port that was free a moment ago and is closed now (connections to it are refused). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface BuildArgs {
  request?: { hostname?: string; port?: number; protocol?: string };
}

/** A client factory `decorate` that sends every call of `region` to `port` on 127.0.0.1. */
export function unreachableRegion(region: string, port: number): NonNullable<AwsClientFactoryOptions['decorate']> {
  return (client, loc) => {
    if (loc.region !== region) return;
    (
      client as unknown as {
        middlewareStack: {
          add(
            mw: (next: (args: BuildArgs) => Promise<unknown>) => (args: BuildArgs) => Promise<unknown>,
            o: { step: 'build'; name: string }
          ): void;
        };
      }
    ).middlewareStack.add(
      (next) => (args) => {
        if (args.request) Object.assign(args.request, { hostname: '127.0.0.1', port, protocol: 'http:' });
        return next(args);
      },
      { step: 'build', name: 'testUnreachableRegion' }
    );
  };
}
