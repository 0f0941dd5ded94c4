/**
 * The worker's metrics and logs (README, "Monitoring"):
 * - AURORA_RESTORE_METRICS_ADDRESS=host:port serves Prometheus metrics on http://host:port/metrics through the SDK
 *   runtime's exporter: the SDK's own (`temporal_*`) and ours (`aurora_restore_*`, src/domain/metrics.ts). Unset:
 *   no endpoint.
 * - AURORA_RESTORE_LOG_FORMAT=json writes one JSON object per line to stdout (default `text`: the SDK's lines).
 * - Interceptors put the operation id, workflow id and step on every log line of a restore's workflow and activities.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import type {
  ActivityInterceptorsFactory,
  Logger,
  LogLevel,
  TelemetryOptions,
  WorkerInterceptors,
} from '@temporalio/worker';
import { DefaultLogger, makeTelemetryFilterString, Runtime } from '@temporalio/worker';

import { histogramBuckets } from '../domain/metrics';
import { OPERATION_CONTEXT_HEADER } from '../domain/operation-context';
import type { OperationContext } from '../domain/operation-context';

import { WorkerConfigError } from './config';
import { WORKFLOW_INTERCEPTOR_MODULES } from './workflow-interceptors';

export const TELEMETRY_ENV = {
  metricsAddress: 'AURORA_RESTORE_METRICS_ADDRESS',
  logFormat: 'AURORA_RESTORE_LOG_FORMAT',
} as const;

export type LogFormat = 'text' | 'json';
export const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];

export interface TelemetryConfig {
  /** Where the Prometheus endpoint listens (`host:port`); undefined = no metrics endpoint. */
  metricsAddress?: string;
  logFormat: LogFormat;
}

type Env = Record<string, string | undefined>;

/** Reads the telemetry settings; throws `WorkerConfigError` naming the variable, the value and what to do. */
export function parseTelemetryConfig(env: Env): TelemetryConfig {
  const problems: string[] = [];
  const config: TelemetryConfig = { logFormat: 'text' };

  const address = env[TELEMETRY_ENV.metricsAddress];
  if (address !== undefined && address !== '') {
    if (isBindAddress(address)) config.metricsAddress = address;
    else {
      problems.push(
        `${TELEMETRY_ENV.metricsAddress}=${JSON.stringify(address)} is not an address to listen on: use host:port, ` +
          'e.g. 0.0.0.0:9464 (all interfaces, as in a container) or 127.0.0.1:9464; unset it to serve no metrics'
      );
    }
  }

  const format = env[TELEMETRY_ENV.logFormat];
  if (format !== undefined && format !== '') {
    const normalized = format.trim().toLowerCase();
    if ((LOG_FORMATS as readonly string[]).includes(normalized)) config.logFormat = normalized as LogFormat;
    else {
      problems.push(
        `${TELEMETRY_ENV.logFormat}=${JSON.stringify(format)} is not a log format: use ${LOG_FORMATS.join(' or ')} ` +
          '(default text)'
      );
    }
  }

  if (problems.length > 0) throw new WorkerConfigError(problems);
  return config;
}

function isBindAddress(value: string): boolean {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  if (!match) return false;
  const port = Number(match[2]);
  return port >= 1 && port <= 65_535;
}

/** The worker's logger: the SDK's text lines, or JSON lines on stdout. */
export function createLogger(
  level: LogLevel,
  format: LogFormat,
  write: (line: string) => unknown = (line) => process.stdout.write(line)
): Logger {
  if (format === 'text') return new DefaultLogger(level);
  return new DefaultLogger(level, (entry) => {
    write(`${jsonLogLine(entry.timestampNanos, entry.level, entry.message, entry.meta)}\n`);
  });
}

/** One log entry as a JSON object: time, level and message first, then the metadata (errors as name/message/stack). */
export function jsonLogLine(
  timestampNanos: bigint,
  level: LogLevel,
  message: string,
  meta: Record<string, unknown> | undefined
): string {
  const { time: _time, level: _level, message: _message, ...rest } = meta ?? {};
  const record = {
    time: new Date(Number(timestampNanos / 1_000_000n)).toISOString(),
    level,
    message,
    ...rest,
  };
  const seen = new WeakSet<object>();
  return JSON.stringify(record, (_key, value: unknown) => {
    if (typeof value === 'bigint') return value.toString();
    if (value instanceof Error) {
      return { name: value.name, message: value.message, ...(value.stack ? { stack: value.stack } : {}) };
    }
    if (typeof value === 'object' && value !== null) {
      if (seen.has(value)) return '[circular]';
      seen.add(value);
    }
    return value;
  });
}

/** Runtime telemetry: core's own log filter and forwarding, and the Prometheus exporter when an address is set. */
export function runtimeTelemetryOptions(logLevel: LogLevel, config: TelemetryConfig): TelemetryOptions {
  return {
    logging: {
      // Core's INFO is chatty (every poller); it follows LOG_LEVEL only when debugging.
      filter: makeTelemetryFilterString({
        core: logLevel === 'TRACE' || logLevel === 'DEBUG' ? logLevel : 'WARN',
      }),
      forward: {},
    },
    ...(config.metricsAddress
      ? {
          metrics: {
            prometheus: { bindAddress: config.metricsAddress, histogramBucketOverrides: histogramBuckets() },
          },
        }
      : {}),
  };
}

/**
 * Installs the SDK Runtime with `logger` and the telemetry options. A metrics address that cannot be bound (in use,
 * not local) fails here with a message naming the variable.
 */
export function installRuntime(logger: Logger, logLevel: LogLevel, config: TelemetryConfig): void {
  try {
    Runtime.install({ logger, telemetryOptions: runtimeTelemetryOptions(logLevel, config) });
  } catch (err) {
    if (!config.metricsAddress) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(
      `Could not serve metrics on ${config.metricsAddress} (${TELEMETRY_ENV.metricsAddress}): ${reason}. Use a free ` +
        `port on an address of this host, or unset ${TELEMETRY_ENV.metricsAddress} to serve no metrics.`
    );
  }
}

/**
 * Reads the operation context the workflow interceptor put in the activity's header, and adds it to every log line
 * of the activity (the SDK already adds workflowId, activityType and attempt).
 */
export const operationContextInterceptor: ActivityInterceptorsFactory = () => {
  let context: OperationContext = {};
  return {
    inbound: {
      async execute(input, next) {
        const payload = input.headers[OPERATION_CONTEXT_HEADER];
        if (payload) {
          try {
            context = operationContextOf(defaultPayloadConverter.fromPayload(payload));
          } catch {
            // A malformed header only costs the log attributes, never the activity.
          }
        }
        return next(input);
      },
    },
    outbound: {
      getLogAttributes(input, next) {
        return next({
          ...input,
          ...(context.operationId ? { operationId: context.operationId } : {}),
          ...(context.step ? { step: context.step } : {}),
        });
      },
    },
  };
};

function operationContextOf(value: unknown): OperationContext {
  if (typeof value !== 'object' || value === null) return {};
  const { operationId, step } = value as Record<string, unknown>;
  return {
    ...(typeof operationId === 'string' ? { operationId } : {}),
    ...(typeof step === 'string' ? { step } : {}),
  };
}

/**
 * The interceptors of a worker: the activities' operation context, and the workflow instrumentation when the worker
 * bundles workflow code at startup (a prebuilt bundle has it built in: build-bundle.ts).
 */
export function workerInterceptors(options: { workflowModules: boolean }): WorkerInterceptors {
  return {
    ...(options.workflowModules ? { workflowModules: [...WORKFLOW_INTERCEPTOR_MODULES] } : {}),
    activity: [operationContextInterceptor],
  };
}
