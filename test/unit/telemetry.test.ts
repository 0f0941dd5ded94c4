/**
 * The worker's telemetry pieces without servers: settings, JSON log lines, the AWS call middleware (on a real SDK
 * client with a scripted HTTP handler), the activity header that carries the operation context, the step map of
 * the workflow interceptor, and the expiring-clusters count.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';

import {
  DeleteDBClusterCommand,
  DescribeDBClustersCommand,
  ModifyDBClusterCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import type { Context } from '@temporalio/activity';
import { defaultPayloadConverter } from '@temporalio/common';
import type { Logger, MetricCounter, MetricMeter, MetricTags } from '@temporalio/common';

import { createActivities } from '../../src/activities';
import type { AwsClientFactory } from '../../src/activities/aws-clients';
import { applyAwsTelemetry, callOutcome, callTarget } from '../../src/activities/aws-telemetry';
import { createDatabaseActivities } from '../../src/activities/database';
import { EXPIRING_SOON_MS, METRICS } from '../../src/domain/metrics';
import { OPERATION_CONTEXT_HEADER } from '../../src/domain/operation-context';
import { WorkerConfigError } from '../../src/worker/config';
import { countClustersExpiringSoon, expiringSoonQuery, watchExpiries } from '../../src/worker/expiry-watch';
import {
  createLogger,
  jsonLogLine,
  operationContextInterceptor,
  parseTelemetryConfig,
  runtimeTelemetryOptions,
  workerInterceptors,
} from '../../src/worker/telemetry';
import { WORKFLOW_INTERCEPTOR_MODULES } from '../../src/worker/workflow-interceptors';
import { STEP_OF_ACTIVITY } from '../../src/workflows/metrics-interceptor';

const ROOT = path.resolve(__dirname, '../..');

/** A meter that records every counter increment, for the middleware. */
function recordingMeter(): { meter: MetricMeter; adds: { name: string; value: number; tags: MetricTags }[] } {
  const adds: { name: string; value: number; tags: MetricTags }[] = [];
  const counter = (name: string): MetricCounter =>
    ({
      name,
      kind: 'counter',
      valueType: 'int',
      add: (value: number, tags: MetricTags = {}) => adds.push({ name, value, tags }),
      withTags: () => counter(name),
    }) as MetricCounter;
  const meter = {
    createCounter: counter,
    createHistogram: () => assert.fail('no histogram expected'),
    createGauge: () => assert.fail('no gauge expected'),
    withTags: () => meter,
  } as unknown as MetricMeter;
  return { meter, adds };
}

function recordingLogger(): { logger: Logger; entries: { level: string; message: string; meta?: unknown }[] } {
  const entries: { level: string; message: string; meta?: unknown }[] = [];
  const at =
    (level: string) =>
    (message: string, meta?: unknown): void => {
      entries.push({ level, message, meta });
    };
  const logger: Logger = {
    log: (level, message, meta) => entries.push({ level, message, meta }),
    trace: at('TRACE'),
    debug: at('DEBUG'),
    info: at('INFO'),
    warn: at('WARN'),
    error: at('ERROR'),
  };
  return { logger, entries };
}

/** An RDS client whose HTTP answers are scripted (status and XML body), counting the requests it sent. */
function scriptedRds(answers: { status: number; body: string; requestId?: string }[]): {
  rds: RDSClient;
  sent: () => number;
} {
  let sent = 0;
  const rds = new RDSClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' },
    maxAttempts: 3,
    requestHandler: {
      handle: async () => {
        const answer = answers[Math.min(sent, answers.length - 1)];
        sent++;
        return {
          response: {
            statusCode: answer.status,
            // AWS sends the request id in this header; the SDK puts it in $metadata.requestId.
            headers: { 'content-type': 'text/xml', 'x-amzn-requestid': answer.requestId ?? 'req-ok' },
            body: Readable.from([Buffer.from(answer.body)]),
          },
        };
      },
    },
  });
  return { rds, sent: () => sent };
}

const THROTTLED = {
  status: 400,
  body: '<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>req-throttled</RequestId></ErrorResponse>',
};
const ok = (action: string, result = '') => ({
  status: 200,
  body: `<${action}Response><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>req-ok</RequestId></ResponseMetadata></${action}Response>`,
});

describe('worker telemetry', () => {
  describe('settings', () => {
    it('has no metrics endpoint and text logs by default', () => {
      assert.deepEqual(parseTelemetryConfig({}), { logFormat: 'text' });
      assert.equal(runtimeTelemetryOptions('INFO', { logFormat: 'text' }).metrics, undefined);
    });

    it('reads the metrics address and the log format', () => {
      const config = parseTelemetryConfig({
        AURORA_RESTORE_METRICS_ADDRESS: '0.0.0.0:9464',
        AURORA_RESTORE_LOG_FORMAT: 'JSON',
      });
      assert.deepEqual(config, { metricsAddress: '0.0.0.0:9464', logFormat: 'json' });
      const metrics = runtimeTelemetryOptions('INFO', config).metrics as {
        prometheus: { bindAddress: string; histogramBucketOverrides: Record<string, number[]> };
      };
      assert.equal(metrics.prometheus.bindAddress, '0.0.0.0:9464');
      assert.deepEqual(metrics.prometheus.histogramBucketOverrides[METRICS.stepDuration.name], [
        ...METRICS.stepDuration.buckets,
      ]);
      assert.equal(parseTelemetryConfig({ AURORA_RESTORE_METRICS_ADDRESS: '[::]:9464' }).metricsAddress, '[::]:9464');
    });

    it('refuses a bad address and a bad format, naming both', () => {
      assert.throws(
        () => parseTelemetryConfig({ AURORA_RESTORE_METRICS_ADDRESS: '9464', AURORA_RESTORE_LOG_FORMAT: 'xml' }),
        (err: unknown) =>
          err instanceof WorkerConfigError &&
          err.problems.length === 2 &&
          /AURORA_RESTORE_METRICS_ADDRESS="9464" is not an address to listen on: use host:port/.test(err.problems[0]) &&
          /AURORA_RESTORE_LOG_FORMAT="xml" is not a log format: use text or json/.test(err.problems[1])
      );
      assert.throws(
        () => parseTelemetryConfig({ AURORA_RESTORE_METRICS_ADDRESS: 'localhost:70000' }),
        WorkerConfigError
      );
    });
  });

  describe('JSON log lines', () => {
    it('writes time, level and message first, then the metadata; errors, bigints and cycles survive', () => {
      const cycle: Record<string, unknown> = { name: 'loop' };
      cycle.self = cycle;
      const line = jsonLogLine(1_795_855_000_123_000_000n, 'WARN', 'Something failed', {
        error: new TypeError('bad input'),
        count: 12n,
        cycle,
        message: 'metadata cannot replace the message',
        operationId: 'op-1',
      });
      const parsed = JSON.parse(line) as Record<string, unknown>;
      assert.deepEqual(Object.keys(parsed).slice(0, 3), ['time', 'level', 'message']);
      assert.equal(parsed.time, '2026-11-28T08:36:40.123Z');
      assert.equal(parsed.level, 'WARN');
      assert.equal(parsed.message, 'Something failed');
      assert.equal(parsed.operationId, 'op-1');
      assert.equal(parsed.count, '12');
      assert.deepEqual((parsed.cycle as Record<string, unknown>).self, '[circular]');
      const error = parsed.error as Record<string, string>;
      assert.equal(error.name, 'TypeError');
      assert.equal(error.message, 'bad input');
      assert.match(error.stack, /TypeError: bad input/);
      assert.ok(!line.includes('\n'), 'one line');
    });

    it('the JSON logger writes one line per entry at or above its level', () => {
      const written: string[] = [];
      const logger = createLogger('INFO', 'json', (line) => written.push(line));
      logger.debug('hidden');
      logger.info('Restore worker started', { taskQueue: 'aurora-restore' });
      assert.equal(written.length, 1);
      assert.ok(written[0].endsWith('\n'));
      assert.deepEqual(JSON.parse(written[0]).taskQueue, 'aurora-restore');
    });
  });

  describe('AWS call middleware', () => {
    it('keeps only identifiers of a call’s input, never a password or a message', () => {
      assert.deepEqual(
        callTarget({
          DBClusterIdentifier: 'orders-staging',
          MasterUserPassword: 'Sup3r-secret',
          ApplyImmediately: true,
          KmsKeyId: 'alias/aws/rds',
        }),
        { DBClusterIdentifier: 'orders-staging', KmsKeyId: 'alias/aws/rds' }
      );
      assert.deepEqual(
        callTarget({ TopicArn: 'arn:aws:sns:us-east-1:1:t', Message: '{"secret":"x"}', Subject: 'restore' }),
        { TopicArn: 'arn:aws:sns:us-east-1:1:t' }
      );
      assert.deepEqual(callTarget({ SecretId: 'arn:secret', SecretString: 'pw', ClientRequestToken: 'tok' }), {
        SecretId: 'arn:secret',
      });
      assert.deepEqual(callTarget({ PasswordSecretName: 'leaky' }), {}, 'a name mentioning a password is dropped');
      assert.deepEqual(callTarget(undefined), {});
    });

    it('classifies outcomes: throttled, client, server and network errors', () => {
      assert.equal(callOutcome({ name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }), 'throttled');
      assert.equal(callOutcome({ name: 'Whatever', $metadata: { httpStatusCode: 429 } }), 'throttled');
      assert.equal(callOutcome({ name: 'DBClusterNotFoundFault', $metadata: { httpStatusCode: 404 } }), 'client-error');
      assert.equal(callOutcome({ name: 'InternalFailure', $metadata: { httpStatusCode: 500 } }), 'server-error');
      assert.equal(callOutcome(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })), 'network-error');
    });

    it('counts every attempt (a throttled one the SDK retried included) and logs mutating calls with request ids', async () => {
      const { meter, adds } = recordingMeter();
      const { logger, entries } = recordingLogger();
      const { rds, sent } = scriptedRds([THROTTLED, ok('DescribeDBClusters', '<DBClusters/>')]);
      applyAwsTelemetry(rds, 'rds', { meter, logger });
      await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'orders-staging' }));
      assert.equal(sent(), 2);
      assert.deepEqual(
        adds.map((a) => [a.name, a.value, a.tags]),
        [
          [METRICS.awsCalls.name, 1, { service: 'rds', operation: 'DescribeDBClusters', outcome: 'throttled' }],
          [METRICS.awsCalls.name, 1, { service: 'rds', operation: 'DescribeDBClusters', outcome: 'ok' }],
        ]
      );
      assert.deepEqual(entries, [], 'reads are not logged');
      rds.destroy();
    });

    it('logs a mutating call with its target and request id, and a failed one at WARN', async () => {
      const { meter, adds } = recordingMeter();
      const { logger, entries } = recordingLogger();
      const failing = {
        status: 404,
        body: '<ErrorResponse><Error><Type>Sender</Type><Code>DBClusterNotFoundFault</Code><Message>gone</Message></Error><RequestId>req-404</RequestId></ErrorResponse>',
        requestId: 'req-404',
      };
      const { rds } = scriptedRds([ok('ModifyDBCluster', '<DBCluster/>'), failing]);
      applyAwsTelemetry(rds, 'rds', { meter, logger });
      await rds.send(
        new ModifyDBClusterCommand({ DBClusterIdentifier: 'orders-staging', MasterUserPassword: 'Sup3r-secret' })
      );
      await assert.rejects(rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: 'orders-staging' })));
      assert.deepEqual(entries, [
        {
          level: 'INFO',
          message: 'AWS rds ModifyDBCluster',
          meta: {
            aws: {
              service: 'rds',
              operation: 'ModifyDBCluster',
              target: { DBClusterIdentifier: 'orders-staging' },
              requestId: 'req-ok',
            },
          },
        },
        {
          level: 'WARN',
          message: 'AWS rds DeleteDBCluster failed',
          meta: {
            aws: {
              service: 'rds',
              operation: 'DeleteDBCluster',
              target: { DBClusterIdentifier: 'orders-staging' },
              requestId: 'req-404',
              outcome: 'client-error',
              error: 'DBClusterNotFoundFault',
            },
          },
        },
      ]);
      assert.ok(!JSON.stringify(entries).includes('Sup3r-secret'));
      assert.deepEqual(
        adds.map((a) => a.tags.outcome),
        ['ok', 'client-error']
      );
      rds.destroy();
    });
  });

  describe('operation context', () => {
    it('carries the operation id and step from the activity header into every log line', async () => {
      const interceptors = operationContextInterceptor({} as Context);
      const header = defaultPayloadConverter.toPayload({ operationId: 'op-7', step: 'restore-cluster' });
      const result = await interceptors.inbound?.execute?.(
        { args: [], headers: { [OPERATION_CONTEXT_HEADER]: header } },
        async () => 'done'
      );
      assert.equal(result, 'done');
      const attributes = interceptors.outbound?.getLogAttributes?.({ workflowId: 'wf' }, (a) => a);
      assert.deepEqual(attributes, { workflowId: 'wf', operationId: 'op-7', step: 'restore-cluster' });

      const bare = operationContextInterceptor({} as Context);
      await bare.inbound?.execute?.({ args: [], headers: {} }, async () => undefined);
      assert.deepEqual(
        bare.outbound?.getLogAttributes?.({ workflowId: 'wf' }, (a) => a),
        { workflowId: 'wf' }
      );
    });

    it('registers the workflow interceptor module only when the worker bundles at startup', () => {
      assert.equal(workerInterceptors({ workflowModules: false }).workflowModules, undefined);
      const modules = workerInterceptors({ workflowModules: true }).workflowModules ?? [];
      assert.deepEqual(modules, WORKFLOW_INTERCEPTOR_MODULES);
      assert.ok(
        modules.map((m) => path.relative(ROOT, m)).includes('src/workflows/metrics-interceptor.ts'),
        `the metrics interceptor is not among ${modules.join(', ')}`
      );
    });

    it('maps every activity the restore workflow runs to a step, and only real activities', () => {
      const fakeClients = {} as AwsClientFactory;
      const activities = new Set([
        ...Object.keys(createActivities({ clients: fakeClients })),
        ...Object.keys(createDatabaseActivities({ clients: fakeClients })),
      ]);
      const unknown = Object.keys(STEP_OF_ACTIVITY).filter((name) => !activities.has(name));
      assert.deepEqual(unknown, [], 'mapped names that are not activities');
      // The restore's steps and cleanup live in restore.ts and the modules beside it (src/workflows/restore/).
      const restoreDir = path.join(ROOT, 'src/workflows/restore');
      const source = [
        path.join(ROOT, 'src/workflows/restore.ts'),
        ...readdirSync(restoreDir, { recursive: true, encoding: 'utf8' })
          .filter((f) => f.endsWith('.ts'))
          .map((f) => path.join(restoreDir, f)),
      ]
        .map((f) => readFileSync(f, 'utf8'))
        .join('\n');
      const called = new Set(
        [
          ...source.matchAll(
            /\b(?:calls|notifications|database|cleanupWaits|wait\([^)]*\)|waits\([^)]*\))\s*\.\s*(\w+)\(/g
          ),
        ].map((m) => m[1])
      );
      assert.ok(called.size >= 10, `found the calls of restore.ts: ${[...called].join(', ')}`);
      const unmapped = [...called].filter((name) => !(name in STEP_OF_ACTIVITY));
      assert.deepEqual(unmapped, [], 'activities of the restore without a step');
    });
  });

  describe('expiring clusters', () => {
    it('asks visibility for the running expiries of the task queue due within a day', async () => {
      const now = new Date('2026-11-28T10:00:00Z');
      assert.equal(
        expiringSoonQuery("q'1", new Date(now.getTime() + EXPIRING_SOON_MS)),
        "WorkflowType = 'clusterExpiry' AND ExecutionStatus = 'Running' AND TaskQueue = 'q\\'1' " +
          "AND AuroraRestoreExpiresAt < '2026-11-29T10:00:00.000Z'"
      );
      const asked: unknown[] = [];
      const connection = {
        workflowService: {
          countWorkflowExecutions: async (request: unknown) => {
            asked.push(request);
            return { count: 3 };
          },
        },
      } as unknown as Parameters<typeof countClustersExpiringSoon>[0];
      assert.equal(await countClustersExpiringSoon(connection, 'default', 'aurora-restore', now), 3);
      assert.deepEqual(asked, [
        { namespace: 'default', query: expiringSoonQuery('aurora-restore', new Date('2026-11-29T10:00:00Z')) },
      ]);
    });

    it('sets the gauge at once, keeps the last value when a count fails, and reports the failure', async () => {
      const values: number[] = [];
      const errors: unknown[] = [];
      let calls = 0;
      const watch = watchExpiries(
        { set: (value: number) => void values.push(value) },
        async () => {
          calls++;
          if (calls === 2) throw new Error('visibility unavailable');
          return calls;
        },
        { refreshMs: 10, onError: (err) => errors.push(err) }
      );
      await new Promise((resolve) => setTimeout(resolve, 45));
      watch.stop();
      const settled = values.length;
      await new Promise((resolve) => setTimeout(resolve, 30));
      assert.equal(values.length, settled, 'no update after stop()');
      assert.equal(values[0], 1);
      assert.ok(!values.includes(2), 'a failed count sets nothing');
      assert.ok(values.includes(3));
      assert.equal((errors[0] as Error).message, 'visibility unavailable');
    });
  });
});
