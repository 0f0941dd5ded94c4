import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { DescribeDBClustersCommand } from '@aws-sdk/client-rds';
import { ApplicationFailure } from '@temporalio/common';

import { createAwsClientFactory } from '../../src/activities/aws-clients';
import { UNREACHABLE_AFTER_CALLS } from '../../src/activities/endpoint-reachability';
import { toActivityFailure } from '../../src/activities/failures';
import { Failures } from '../../src/domain/errors';
import { closedPort, unreachableRegion } from '../support/unreachable';

const REGION = 'ap-southeast-9';
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/** The typed failure each of `n` calls to the factory's RDS client in REGION ends with. */
async function failuresOf(
  factory: ReturnType<typeof createAwsClientFactory>,
  n: number
): Promise<ApplicationFailure[]> {
  const failures: ApplicationFailure[] = [];
  for (let i = 0; i < n; i++) {
    try {
      await factory.rds({ region: REGION }).send(new DescribeDBClustersCommand({}));
      assert.fail('the call succeeded');
    } catch (err) {
      const typed = toActivityFailure(err, `describing clusters in ${REGION}`);
      assert.ok(typed instanceof ApplicationFailure, String(err));
      failures.push(typed);
    }
  }
  return failures;
}

describe('unreachable AWS endpoints', () => {
  it('fail as non-retryable AwsEndpointUnreachable after a few calls, naming the endpoint and the region', async () => {
    const port = await closedPort();
    const factory = createAwsClientFactory({
      clientConfig: { credentials: CREDENTIALS, maxAttempts: 1 },
      decorate: unreachableRegion(REGION, port),
    });
    try {
      const failures = await failuresOf(factory, UNREACHABLE_AFTER_CALLS);
      for (const early of failures.slice(0, -1)) {
        assert.equal(early.type, Failures.AwsServiceError.type);
        assert.equal(early.nonRetryable, false);
      }
      const last = failures[failures.length - 1];
      assert.equal(last.type, Failures.EndpointUnreachable.type);
      assert.equal(last.nonRetryable, true);
      assert.match(last.message, new RegExp(`endpoint 127\\.0\\.0\\.1:${port} for region ${REGION}`));
      assert.match(last.message, /ECONNREFUSED.*check the region of the request/);
    } finally {
      factory.destroy();
    }
  });

  it('keep retrying an endpoint that answered before (an outage can end by itself)', async () => {
    // A stand-in endpoint that answers once (with a server error), then goes away.
    const server = createServer((_req, res) => res.writeHead(503).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const factory = createAwsClientFactory({
      clientConfig: { credentials: CREDENTIALS, maxAttempts: 1, endpoint: `http://127.0.0.1:${port}` },
    });
    try {
      const [answered] = await failuresOf(factory, 1);
      assert.equal(answered.type, Failures.AwsServiceError.type);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      const failures = await failuresOf(factory, UNREACHABLE_AFTER_CALLS + 1);
      // The first call after the close may still find the old kept-alive socket (socket hang up).
      assert.match(failures[failures.length - 1].message, /ECONNREFUSED/);
      for (const f of failures) {
        assert.equal(f.type, Failures.AwsServiceError.type);
        assert.equal(f.nonRetryable, false);
      }
    } finally {
      factory.destroy();
    }
  });
});
