/**
 * Worker settings from the environment, checked before anything connects. The Temporal connection itself is not
 * here: it comes from the standard TEMPORAL_* variables and config profiles (`@temporalio/envconfig`).
 */
import { statSync } from 'node:fs';
import path from 'node:path';

import type { DataConverter } from '@temporalio/common';
import type { LogLevel } from '@temporalio/worker';

import { DB_WORKER_ENV, TLS_MODES } from '../activities/database/policy';
import type { DatabaseWorkerPolicy, TlsMode, Tunnel } from '../activities/database/policy';
import { CODEC_ENV, CodecConfigError, dataConverterFromEnv } from '../codec';
import { TASK_QUEUE } from '../workflows/messages';

import { readDeploymentVersion } from './deployment';
import type { DeploymentVersion } from './deployment';
import { DEFAULT_MAX_CACHED_WORKFLOWS } from './tuning';

export const LOG_LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

/**
 * Activity slots per worker. Waits for AWS and for RDS budget tokens end their attempt instead of holding a slot, so
 * more slots do not carry more restores: with 100 (the SDK's default), 500 restores on a busy CPU made workflow tasks
 * wait 8 s instead of 2 s (p99) and took longer in all (bench:drill section 4, README "Big drills").
 */
export const DEFAULT_MAX_CONCURRENT_ACTIVITIES = 20;
/** Upper bound for concurrent activities: far above what one worker's RDS API budget allows. */
export const MAX_CONCURRENT_ACTIVITIES_LIMIT = 1000;
/** Fleet-wide RDS calls per second per account and region when AURORA_RESTORE_RDS_CALLS_PER_SECOND is unset. */
export const DEFAULT_RDS_CALLS_PER_SECOND = 10;
/**
 * Concurrent snapshot copies per destination account and region: RDS refuses a sixth copy while five are in progress
 * (https://github.com/pbudzon/aws-maintenance/issues/19).
 */
export const DEFAULT_MAX_CONCURRENT_COPIES = 5;
/** Running activities get this long to finish when the worker stops (the SDK default, 0, cancels them at once). */
export const SHUTDOWN_GRACE_TIME = '30s';

/**
 * Written by `npm run build` (build-bundle.ts) next to the compiled worker (lib/workflow-bundle.js); when present
 * the worker runs it instead of bundling the workflow sources at startup.
 */
export const WORKFLOW_BUNDLE_PATH = path.resolve(__dirname, '..', 'workflow-bundle.js');

/** Environment variables the worker reads (besides TEMPORAL_*, AWS_* and LOG_LEVEL). */
export const WORKER_ENV = {
  taskQueue: 'AURORA_RESTORE_TASK_QUEUE',
  roles: 'AURORA_RESTORE_WORKER_ROLES',
  maxConcurrentActivities: 'AURORA_RESTORE_MAX_CONCURRENT_ACTIVITIES',
  maxActivitiesPerSecond: 'AURORA_RESTORE_MAX_ACTIVITIES_PER_SECOND',
  rdsCallsPerSecond: 'AURORA_RESTORE_RDS_CALLS_PER_SECOND',
  maxConcurrentCopies: 'AURORA_RESTORE_MAX_CONCURRENT_COPIES',
  maxCachedWorkflows: 'AURORA_RESTORE_MAX_CACHED_WORKFLOWS',
  skipSearchAttributeCheck: 'AURORA_RESTORE_SKIP_SEARCH_ATTRIBUTE_CHECK',
  ...DB_WORKER_ENV,
  ...CODEC_ENV,
  logLevel: 'LOG_LEVEL',
} as const;

/**
 * What a worker process serves: `restore` (the workflows and their AWS activities, task queue `aurora-restore`) and
 * `database` (users, sanitization, verification, task queue `aurora-restore-db`, which must reach the cluster).
 */
export type WorkerRole = 'restore' | 'database';
export const WORKER_ROLES: readonly WorkerRole[] = ['restore', 'database'];

export interface WorkerConfig {
  roles: WorkerRole[];
  taskQueue: string;
  logLevel: LogLevel;
  maxConcurrentActivityTaskExecutions: number;
  /** Server-side limit for the whole task queue (all workers); undefined = no limit. */
  maxTaskQueueActivitiesPerSecond?: number;
  /** RDS calls per second per account and region for all restore workers together (their shares add up to it). */
  rdsCallsPerSecond: number;
  /** Snapshot copies this pipeline lets run at once per destination account and region (all copies count). */
  maxConcurrentCopies: number;
  /** Restores kept in the worker's sticky cache (others are replayed from history when their task comes). */
  maxCachedWorkflows: number;
  skipSearchAttributeCheck: boolean;
  shutdownGraceTime: string;
  /** The restore worker's Worker Deployment Version; undefined = unversioned (deployment.ts). */
  deploymentVersion?: DeploymentVersion;
  /** What requests may ask of the database worker: weaker TLS modes, tunnels, file directories. */
  database: DatabaseWorkerPolicy;
  /** Payload encryption (src/codec) when codec keys are configured, else the SDK's plain JSON payloads. */
  dataConverter: DataConverter;
}

/** Every problem in the worker's environment at once, each naming the variable, the value and what to do. */
export class WorkerConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`Invalid worker configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'WorkerConfigError';
    this.problems = problems;
  }
}

type Env = Record<string, string | undefined>;

/** Reads and checks the worker settings; throws `WorkerConfigError` listing every problem. */
export function parseWorkerConfig(env: Env): WorkerConfig {
  const problems: string[] = [];

  const logLevel = readLogLevel(env, problems);

  const taskQueueRaw = env[WORKER_ENV.taskQueue];
  let taskQueue = TASK_QUEUE;
  if (taskQueueRaw !== undefined && taskQueueRaw !== '') {
    const trimmed = taskQueueRaw.trim();
    if (trimmed !== taskQueueRaw || /\s/.test(trimmed) || trimmed.length > 1000) {
      problems.push(
        `${WORKER_ENV.taskQueue}=${JSON.stringify(taskQueueRaw)} is not a usable task queue name: use 1-1000 characters without spaces, or unset it to use "${TASK_QUEUE}"`
      );
    } else {
      taskQueue = trimmed;
    }
  }

  const maxConcurrent = readNumber(env, WORKER_ENV.maxConcurrentActivities, problems, {
    integer: true,
    min: 1,
    max: MAX_CONCURRENT_ACTIVITIES_LIMIT,
    hint: `a whole number of concurrent activities from 1 to ${MAX_CONCURRENT_ACTIVITIES_LIMIT} (default ${DEFAULT_MAX_CONCURRENT_ACTIVITIES})`,
  });

  const perSecond = readNumber(env, WORKER_ENV.maxActivitiesPerSecond, problems, {
    integer: false,
    min: Number.MIN_VALUE,
    max: 10_000,
    hint: 'a positive number of activities per second for the whole task queue, e.g. 5 or 0.5 (unset = no limit)',
  });

  const rdsCallsPerSecond = readNumber(env, WORKER_ENV.rdsCallsPerSecond, problems, {
    integer: false,
    min: Number.MIN_VALUE,
    max: 10_000,
    hint: `a positive number of RDS calls per second per account and region, shared by all restore workers (default ${DEFAULT_RDS_CALLS_PER_SECOND})`,
  });

  const maxConcurrentCopies = readNumber(env, WORKER_ENV.maxConcurrentCopies, problems, {
    integer: true,
    min: 1,
    max: 100,
    hint: `a whole number of snapshot copies per destination region from 1 to 100 (default ${DEFAULT_MAX_CONCURRENT_COPIES}, the RDS quota; raise it only with the quota)`,
  });

  const maxCachedWorkflows = readNumber(env, WORKER_ENV.maxCachedWorkflows, problems, {
    integer: true,
    min: 0,
    max: 100_000,
    hint: `a whole number of restores kept in the worker's cache, 0 to 100000 (default ${DEFAULT_MAX_CACHED_WORKFLOWS})`,
  });

  const skipSearchAttributeCheck = readFlag(env, WORKER_ENV.skipSearchAttributeCheck, problems);
  const roles = readRoles(env, problems);
  const deploymentVersion = readDeploymentVersion(env, problems);
  const database = readDatabasePolicy(env, problems);
  let dataConverter: DataConverter = {};
  try {
    dataConverter = dataConverterFromEnv(env);
  } catch (err) {
    if (!(err instanceof CodecConfigError)) throw err;
    problems.push(...err.problems);
  }

  if (problems.length > 0) throw new WorkerConfigError(problems);
  return {
    roles,
    taskQueue,
    logLevel,
    maxConcurrentActivityTaskExecutions: maxConcurrent ?? DEFAULT_MAX_CONCURRENT_ACTIVITIES,
    maxTaskQueueActivitiesPerSecond: perSecond,
    rdsCallsPerSecond: rdsCallsPerSecond ?? DEFAULT_RDS_CALLS_PER_SECOND,
    maxConcurrentCopies: maxConcurrentCopies ?? DEFAULT_MAX_CONCURRENT_COPIES,
    maxCachedWorkflows: maxCachedWorkflows ?? DEFAULT_MAX_CACHED_WORKFLOWS,
    skipSearchAttributeCheck,
    shutdownGraceTime: SHUTDOWN_GRACE_TIME,
    ...(deploymentVersion ? { deploymentVersion } : {}),
    database,
    dataConverter,
  };
}

/**
 * The database worker's allowances. Unset, it is as strict as it gets: TLS `verify-full` only, no `connectVia`
 * tunnel, no sanitization script files, no CA files (the bundled RDS CAs only).
 */
function readDatabasePolicy(env: Env, problems: string[]): DatabaseWorkerPolicy {
  const policy: DatabaseWorkerPolicy = {};
  const list = (name: string) =>
    (env[name] ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x !== '');

  const modes = list(WORKER_ENV.tlsModes);
  const badModes = modes.filter((m) => !(TLS_MODES as readonly string[]).includes(m));
  if (badModes.length > 0) {
    problems.push(
      `${WORKER_ENV.tlsModes}=${JSON.stringify(env[WORKER_ENV.tlsModes])} is invalid: use a comma-separated list of ` +
        `${TLS_MODES.slice(1).join(', ')} (the TLS modes requests may use besides verify-full), or unset it for ` +
        'verify-full only'
    );
  } else if (modes.length > 0) {
    policy.tlsModes = [...new Set(modes)] as TlsMode[];
  }

  const tunnels: Tunnel[] = [];
  for (const entry of list(WORKER_ENV.tunnels)) {
    const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(entry);
    const port = m ? Number(m[3]) : 0;
    if (!m || port < 1 || port > 65535) {
      problems.push(
        `${WORKER_ENV.tunnels} has ${JSON.stringify(entry)}: use a comma-separated list of host:port (IPv6 as ` +
          '[::1]:5432), the connectVia tunnels requests may use, or unset it to allow none'
      );
      continue;
    }
    tunnels.push({ host: m[1] ?? m[2], port });
  }
  if (tunnels.length > 0) policy.tunnels = tunnels;

  for (const [key, what] of [
    ['sqlDir', 'sanitization script files'],
    ['caDir', 'CA files (database.tls.caFile)'],
  ] as const) {
    const name = WORKER_ENV[key];
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') continue;
    let isDir = false;
    try {
      isDir = statSync(raw).isDirectory();
    } catch {
      isDir = false;
    }
    if (!path.isAbsolute(raw) || !isDir) {
      problems.push(
        `${name}=${JSON.stringify(raw)} is not an existing directory given by its absolute path: set it to the ` +
          `directory the database worker reads ${what} from, or unset it to refuse them`
      );
      continue;
    }
    policy[key] = path.resolve(raw);
  }
  return policy;
}

function readRoles(env: Env, problems: string[]): WorkerRole[] {
  const raw = env[WORKER_ENV.roles];
  if (raw === undefined || raw.trim() === '') return [...WORKER_ROLES];
  const roles = raw.split(',').map((r) => r.trim().toLowerCase());
  const unknown = roles.filter((r) => !(WORKER_ROLES as readonly string[]).includes(r));
  if (unknown.length > 0 || roles.length === 0) {
    problems.push(
      `${WORKER_ENV.roles}=${JSON.stringify(raw)} is invalid: use a comma-separated list of ${WORKER_ROLES.join(', ')} ` +
        '(e.g. "database" for a worker inside the VPC), or unset it for both'
    );
    return [...WORKER_ROLES];
  }
  return [...new Set(roles)] as WorkerRole[];
}

function readLogLevel(env: Env, problems: string[]): LogLevel {
  const raw = env[WORKER_ENV.logLevel];
  if (raw === undefined || raw.trim() === '') return 'INFO';
  const level = raw.trim().toUpperCase();
  if ((LOG_LEVELS as readonly string[]).includes(level)) return level as LogLevel;
  problems.push(
    `${WORKER_ENV.logLevel}=${JSON.stringify(raw)} is not a log level: use one of ${LOG_LEVELS.join(', ')}`
  );
  return 'INFO';
}

function readNumber(
  env: Env,
  name: string,
  problems: string[],
  rule: { integer: boolean; min: number; max: number; hint: string }
): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  // Number('') and Number('0x10') are accepted by JS; only plain decimal numbers are meant here.
  const text = raw.trim();
  const value = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
  const ok =
    Number.isFinite(value) && value >= rule.min && value <= rule.max && (!rule.integer || Number.isInteger(value));
  if (!ok) {
    problems.push(`${name}=${JSON.stringify(raw)} is invalid: use ${rule.hint}`);
    return undefined;
  }
  return value;
}

function readFlag(env: Env, name: string, problems: string[]): boolean {
  const raw = env[name];
  if (raw === undefined) return false;
  const text = raw.trim().toLowerCase();
  if (['1', 'true', 'yes'].includes(text)) return true;
  if (['', '0', 'false', 'no'].includes(text)) return false;
  problems.push(
    `${name}=${JSON.stringify(raw)} is not a flag: use 1 (or true) to turn it on, 0 or unset to leave it off`
  );
  return false;
}
