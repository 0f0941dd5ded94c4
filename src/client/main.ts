#!/usr/bin/env node
/**
 * `aurora-restore`: start, follow, inspect, list and cancel restores.
 *
 * `main(argv, io)` does everything and returns the exit code, so tests drive it with their own stdout/stderr and
 * connection; only the bin wrapper at the bottom touches `process`.
 */
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';

import { WorkflowFailedError } from '@temporalio/client';

import type { RestoreRequest } from '../domain/request';
import { RequestValidationError, validateRestoreRequest } from '../domain/validate';
import { TASK_QUEUE } from '../workflows/messages';

import { batchCommand, BatchFileError, BATCH_USAGE } from './batch-command';
import { connectClient, TemporalConnectionError, workflowUrl } from './connection';
import type { ClientConnection } from './connection';
import {
  changeExpiry,
  checkExtendDuration,
  checkSetDate,
  EXPIRY_COMMANDS,
  ExpiryChangeRefusedError,
  ExpiryNotFoundError,
  formatExpiry,
  resolveExpiryTarget,
  showExpiry,
} from './expiry-client';
import type { ExpiryCommand } from './expiry-client';
import {
  formatCancelNotice,
  formatFailure,
  formatProgressEvent,
  formatRestoreList,
  formatResult,
  formatStatusReport,
} from './format';
import { formatPlan, planInvalidRequest, runPlan } from './plan';
import { loadRequestFile, RequestFileError } from './request-file';
import {
  ApprovalRefusedError,
  buildListQuery,
  cancelRestore,
  decideApproval,
  describeFailure,
  getRestoreStatus,
  ListFilterError,
  listRestores,
  newOperationId,
  RestoreAlreadyRunningError,
  RestoreNotFoundError,
  RestoreNotRunningError,
  startRestore,
  watchRestore,
  DEFAULT_LIST_LIMIT,
  LIST_STATUSES,
  MAX_LIST_LIMIT,
} from './restore-client';
import type { FailureSummary, ProgressEvent } from './restore-client';
import { scheduleCommand, SCHEDULE_USAGE } from './schedule-command';
import { ScheduleExistsError, ScheduleNotFoundError, ScheduleOptionsError } from './schedules';
import { resolveTargetArgument, TargetArgumentError } from './targets';

export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, PROBLEMS: 3, INTERRUPTED: 130 } as const;

export const USAGE = `Usage: aurora-restore <command> [options]

Commands:
  start <file|->        Start a restore from a JSON or YAML request file (- reads stdin) and follow it
      --detach              print the workflow id, run id and Web UI link, and return at once
      --task-queue <name>   task queue of the workers (default: $AURORA_RESTORE_TASK_QUEUE or ${TASK_QUEUE})
  plan <file|->         Dry run: what the restore would do and every problem found, reading AWS only
      --task-queue <name>   task queue of the workers (as for start)
  status <restore>      Steps, current AWS status, pending activity and outcome of a restore
  list                  Recent restores, newest first
      --status <s>          ${LIST_STATUSES.join(' | ')} (succeeded = completed)
      --target <t>          cluster, region/cluster, account/region/cluster or workflow id
      --limit <n>           at most n restores (default ${DEFAULT_LIST_LIMIT}, max ${MAX_LIST_LIMIT})
  cancel <restore>      Cancel a running restore; it cleans up what it created
      --reason <text>       recorded in the workflow history
      --wait                wait until the cleanup has finished and show what it removed
  approve <restore>     Approve the pending replacement of the existing target (request approval.required)
      --by <identity>       who approves (default: the OS user name); recorded and notified
      --reason <text>       why (e.g. a change ticket)
  reject <restore>      Reject it: the restore cleans up what it created and fails with ApprovalRejected
      --by <identity>       who rejects (default: the OS user name)
      --reason <text>       why (required)
  schedule <command>    Restore schedules (nightly refresh): create, update, describe, list, pause, resume,
                        trigger, backfill, delete; see below
  expiry show <restore>             When the restored cluster expires, its reminder and the history of changes
  expiry extend <restore> <duration>  Expire later by a duration (e.g. 2d, 12h)
  expiry set <restore> <date>       Expire at an ISO 8601 date-time (e.g. 2026-12-24T18:00:00Z)
  expiry cancel <restore>           Keep the cluster: the expiry ends without deleting anything
  expiry now <restore>              Delete the cluster now (only a cluster this pipeline's restore created)
      --by <identity>       who makes the change (default: your OS user name)
      --reason <text>       why; recorded in the expiry's history of changes
  batch <file|->        Restore many targets from one batch file; see below
  help                  This text

<restore> is a target, region/cluster or account/region/cluster (e.g. us-west-2/orders-staging),
or a workflow id (aurora-restore/us-west-2/orders-staging).

${SCHEDULE_USAGE}

${BATCH_USAGE}

Options for every command:
  --json                one JSON document on stdout (progress lines go to stderr)
  --debug               stack traces on errors

Exit codes:
  0    success
  1    the restore failed (start, or status of a failed restore), or Temporal could not be reached
  2    usage or validation error: bad arguments, invalid request, restore already running, unknown restore
  3    plan: problems found (the plan lists them; nothing was changed)
  130  interrupted while following (the restore keeps running)

Connection: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*, TEMPORAL_PROFILE and
TEMPORAL_CONFIG_FILE, as for the temporal CLI. Web UI links use TEMPORAL_UI_URL (default http://localhost:8233,
or https://cloud.temporal.io for Temporal Cloud addresses).`;

export interface CliIo {
  /** Receives complete text (lines end with a newline). */
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readStdin?: () => Promise<string>;
  env: Record<string, string | undefined>;
  now: () => Date;
  /** Aborting stops following a restore (the restore keeps running). */
  signal?: AbortSignal;
  /** Opens the Temporal connection; default `connectClient({ env })`. */
  connect: () => Promise<ClientConnection>;
  /** How often `start` queries progress while following. Default 2s. */
  watchIntervalMs?: number;
}

/** A command line that cannot be run as written. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

interface Output {
  json: boolean;
  debug: boolean;
  line: (text?: string) => void;
  err: (text?: string) => void;
  /** Progress lines: stdout in human mode, stderr with --json so stdout stays one JSON document. */
  progress: (text: string) => void;
  document: (value: unknown) => void;
}

export async function main(argv: string[], ioOverrides: Partial<CliIo> = {}): Promise<number> {
  const io = withDefaults(ioOverrides);
  const json = argv.includes('--json');
  const debug = argv.includes('--debug');
  const out: Output = {
    json,
    debug,
    line: (text = '') => io.stdout(`${text}\n`),
    err: (text = '') => io.stderr(`${text}\n`),
    progress: (text) => (json ? io.stderr(`${text}\n`) : io.stdout(`${text}\n`)),
    document: (value) => io.stdout(`${JSON.stringify(value, null, 2)}\n`),
  };

  const [command, ...rest] = argv;
  let connection: ClientConnection | undefined;
  const connect = async () => (connection ??= await io.connect());
  try {
    switch (command) {
      case undefined:
        out.err(USAGE);
        return EXIT.USAGE;
      case 'help':
      case '--help':
      case '-h':
        out.line(USAGE);
        return EXIT.OK;
      case 'start':
        return await startCommand(rest, io, out, connect);
      case 'plan':
        return await planCommand(rest, io, out, connect);
      case 'status':
        return await statusCommand(rest, io, out, connect);
      case 'list':
        return await listCommand(rest, io, out, connect);
      case 'cancel':
        return await cancelCommand(rest, io, out, connect);
      case 'expiry':
        return await expiryCommand(rest, io, out, connect);
      case 'approve':
      case 'reject':
        return await approvalCommand(command, rest, io, out, connect);
      case 'schedule':
        return await scheduleCommand(rest, { out, env: io.env, now: io.now, readStdin: io.readStdin, connect });
      case 'batch': {
        const { values, positionals } = parse(
          'batch',
          rest,
          { detach: { type: 'boolean' }, 'task-queue': { type: 'string' } },
          { min: 1, max: 1, names: 'the batch file (a .json/.yaml file, or - for stdin)' }
        );
        return await batchCommand(positionals[0], values, {
          out,
          progress: out.progress,
          env: io.env,
          now: io.now,
          readStdin: io.readStdin,
          connect,
          watchIntervalMs: io.watchIntervalMs,
          signal: io.signal,
        });
      }
      default:
        throw new UsageError(
          `Unknown command "${command}". Commands: start, plan, status, list, cancel, approve, reject, expiry, schedule, batch, help.`
        );
    }
  } catch (err) {
    return reportError(err, out);
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

function withDefaults(io: Partial<CliIo>): CliIo {
  const env = io.env ?? process.env;
  return {
    stdout: io.stdout ?? ((text) => process.stdout.write(text)),
    stderr: io.stderr ?? ((text) => process.stderr.write(text)),
    readStdin: io.readStdin ?? readProcessStdin,
    env,
    now: io.now ?? (() => new Date()),
    signal: io.signal,
    connect: io.connect ?? (() => connectClient({ env })),
    watchIntervalMs: io.watchIntervalMs,
  };
}

async function readProcessStdin(): Promise<string> {
  if (process.stdin.isTTY) {
    throw new RequestFileError(
      'stdin',
      'No request on stdin: pipe a JSON or YAML request into `aurora-restore start -`.'
    );
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

const COMMON_OPTIONS = {
  json: { type: 'boolean' },
  debug: { type: 'boolean' },
} as const;

function parse<O extends Record<string, { type: 'string' | 'boolean' }>>(
  command: string,
  args: string[],
  options: O,
  positionals: { min: number; max: number; names: string }
) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...COMMON_OPTIONS, ...options }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${command}: ${(err as Error).message.replace(/\. To specify a positional.*$/s, '.')}`);
  }
  const count = parsed.positionals.length;
  if (count < positionals.min) throw new UsageError(`${command}: missing ${positionals.names}.`);
  if (count > positionals.max) {
    throw new UsageError(`${command}: unexpected argument "${parsed.positionals[positionals.max]}".`);
  }
  return parsed;
}

// ---------------------------------------------------------------------------------------------------------------

async function startCommand(
  args: string[],
  io: CliIo,
  out: Output,
  connect: () => Promise<ClientConnection>
): Promise<number> {
  const { values, positionals } = parse(
    'start',
    args,
    { detach: { type: 'boolean' }, 'task-queue': { type: 'string' } },
    { min: 1, max: 1, names: 'the request file (a .json/.yaml file, or - for stdin)' }
  );
  const taskQueue = values['task-queue'] ?? io.env.AURORA_RESTORE_TASK_QUEUE ?? TASK_QUEUE;
  if (taskQueue.trim() === '') throw new UsageError('start: --task-queue must not be empty.');

  // Everything that can be wrong with the request is reported before connecting, let alone starting.
  const loaded = await loadRequestFile(positionals[0], { readStdin: io.readStdin });
  const now = io.now();
  const operationId = newOperationId(now);
  validateRestoreRequest(loaded.request, { now, newOperationId: () => operationId });

  const { client, namespace, uiBaseUrl } = await connect();
  const started = await startRestore(client, loaded.request, {
    taskQueue,
    now: () => now,
    newOperationId: () => operationId,
  });
  const url = workflowUrl(uiBaseUrl, namespace, started.workflowId, started.runId);
  const startedDoc = {
    workflowId: started.workflowId,
    runId: started.runId,
    operationId: started.operationId,
    target: started.target,
    namespace,
    taskQueue,
    url,
  };

  if (values.detach) {
    if (out.json) {
      out.document(startedDoc);
    } else {
      out.line(`Started restore of ${started.target.clusterId} in ${started.target.region}.`);
      out.line(`  Workflow id: ${started.workflowId}`);
      out.line(`  Run id:      ${started.runId}`);
      out.line(`  Operation:   ${started.operationId}`);
      out.line(`  Web UI:      ${url}`);
      out.line(`Follow it with: aurora-restore status ${started.short}`);
    }
    return EXIT.OK;
  }

  out.progress(
    `Started restore of ${started.target.clusterId} in ${started.target.region} ` +
      `(operation ${started.operationId}, workflow ${started.workflowId}).`
  );
  out.progress(`Web UI: ${url}`);
  try {
    const result = await watchRestore(client, started.workflowId, (event) => showProgress(out, event), {
      runId: started.runId,
      signal: io.signal,
      pollIntervalMs: io.watchIntervalMs,
    });
    if (out.json) out.document({ ...startedDoc, status: 'succeeded', result });
    else formatResult(result, url).forEach((l) => out.line(l));
    return EXIT.OK;
  } catch (err) {
    if (io.signal?.aborted) {
      out.err(
        `Stopped following ${started.workflowId}; the restore keeps running in Temporal.\n` +
          `  Follow it: aurora-restore status ${started.short}\n  Cancel it: aurora-restore cancel ${started.short}`
      );
      return EXIT.INTERRUPTED;
    }
    if (err instanceof WorkflowFailedError) {
      const failure = describeFailure(err, started.operationId);
      if (out.json) out.document({ ...startedDoc, status: 'failed', failure });
      else formatFailure(failure, url).forEach((l) => out.err(l));
      debugTrace(err, out);
      return EXIT.FAILED;
    }
    throw err;
  }
}

async function planCommand(
  args: string[],
  io: CliIo,
  out: Output,
  connect: () => Promise<ClientConnection>
): Promise<number> {
  const { values, positionals } = parse(
    'plan',
    args,
    { 'task-queue': { type: 'string' } },
    { min: 1, max: 1, names: 'the request file (a .json/.yaml file, or - for stdin)' }
  );
  const taskQueue = values['task-queue'] ?? io.env.AURORA_RESTORE_TASK_QUEUE ?? TASK_QUEUE;
  if (taskQueue.trim() === '') throw new UsageError('plan: --task-queue must not be empty.');
  const file = positionals[0];
  const loaded = await loadRequestFile(file, { readStdin: io.readStdin });
  const now = io.now();
  // An invalid request is planned here: the workflow would report exactly these problems.
  let plan = planInvalidRequest(loaded.request, now);
  let workflowId: string | undefined;
  if (!plan) {
    const { client } = await connect();
    ({ plan, workflowId } = await runPlan(client, loaded.request as RestoreRequest, { taskQueue, now }));
  }
  if (out.json) out.document({ ...(workflowId ? { workflowId } : {}), ...plan });
  else formatPlan(plan, file === '-' ? undefined : file).forEach((l) => out.line(l));
  return plan.ok ? EXIT.OK : EXIT.PROBLEMS;
}

async function statusCommand(
  args: string[],
  io: CliIo,
  out: Output,
  connect: () => Promise<ClientConnection>
): Promise<number> {
  const { positionals } = parse(
    'status',
    args,
    {},
    { min: 1, max: 1, names: 'the restore (region/cluster or workflow id)' }
  );
  const target = resolveTargetArgument(positionals[0]);
  const { client, namespace, uiBaseUrl } = await connect();
  const report = await getRestoreStatus(client, target.workflowId);
  const url = workflowUrl(uiBaseUrl, namespace, report.workflowId, report.runId);
  if (out.json) out.document({ ...report, url });
  else formatStatusReport(report, io.now(), url).forEach((l) => out.line(l));
  return report.outcome?.ok === false ? EXIT.FAILED : EXIT.OK;
}

async function listCommand(
  args: string[],
  io: CliIo,
  out: Output,
  connect: () => Promise<ClientConnection>
): Promise<number> {
  const { values } = parse(
    'list',
    args,
    { status: { type: 'string' }, target: { type: 'string' }, limit: { type: 'string' } },
    { min: 0, max: 0, names: '' }
  );
  let limit = DEFAULT_LIST_LIMIT;
  if (values.limit !== undefined) {
    limit = /^\d+$/.test(values.limit) ? Number(values.limit) : Number.NaN;
    if (!(limit >= 1 && limit <= MAX_LIST_LIMIT)) {
      throw new UsageError(`list: --limit "${values.limit}" must be a whole number from 1 to ${MAX_LIST_LIMIT}.`);
    }
  }
  // Filters are checked before connecting (listRestores builds the same query again).
  buildListQuery({ status: values.status, target: values.target });
  const { client } = await connect();
  const restores = await listRestores(client, { status: values.status, target: values.target, limit });
  if (out.json) out.document({ restores });
  else formatRestoreList(restores, io.now()).forEach((l) => out.line(l));
  return EXIT.OK;
}

async function cancelCommand(
  args: string[],
  io: CliIo,
  out: Output,
  connect: () => Promise<ClientConnection>
): Promise<number> {
  const { values, positionals } = parse(
    'cancel',
    args,
    { reason: { type: 'string' }, wait: { type: 'boolean' } },
    { min: 1, max: 1, names: 'the restore (region/cluster or workflow id)' }
  );
  const target = resolveTargetArgument(positionals[0]);
  const reason = values.reason?.trim() || `cancelled with aurora-restore cancel by ${io.env.USER ?? 'an operator'}`;
  const { client, namespace, uiBaseUrl } = await connect();
  const cancelled = await cancelRestore(client, target.workflowId, reason, { timeoutMs: 5_000 });
  const url = workflowUrl(uiBaseUrl, namespace, cancelled.workflowId, cancelled.runId);
  if (!out.json) {
    formatCancelNotice(cancelled.workflowId, cancelled.runId, reason, cancelled.progress).forEach((l) => out.line(l));
    out.line(`  Web UI: ${url}`);
  }
  if (!values.wait) {
    if (out.json) out.document({ ...cancelled, reason, cancelRequested: true, url });
    else out.line(`Follow the cleanup with: aurora-restore status ${target.short}`);
    return EXIT.OK;
  }

  if (!out.json) out.line('Waiting for the cleanup to finish...');
  let failure: FailureSummary | undefined;
  try {
    await watchRestore(client, cancelled.workflowId, (event) => showProgress(out, event), {
      runId: cancelled.runId,
      signal: io.signal,
      pollIntervalMs: io.watchIntervalMs,
    });
  } catch (err) {
    if (io.signal?.aborted) {
      out.err(`Stopped waiting; the cleanup continues. Follow it: aurora-restore status ${target.short}`);
      return EXIT.INTERRUPTED;
    }
    if (!(err instanceof WorkflowFailedError)) throw err;
    failure = describeFailure(err, cancelled.progress?.operationId);
  }
  if (out.json) {
    out.document({ ...cancelled, reason, cancelRequested: true, url, outcome: failure ?? { type: 'Completed' } });
  } else if (failure) {
    formatFailure(failure, undefined, 'Restore ended').forEach((l) => out.line(l));
  } else {
    out.line('The restore had already finished its last step: it completed and nothing was cleaned up.');
  }
  return EXIT.OK;
}

async function expiryCommand(
  args: string[],
  io: CliIo,
  out: Output,
  connect: () => Promise<ClientConnection>
): Promise<number> {
  const [sub, ...rest] = args;
  if (!EXPIRY_COMMANDS.includes(sub as ExpiryCommand)) {
    throw new UsageError(
      `expiry: ${sub === undefined ? 'missing the subcommand' : `unknown subcommand "${sub}"`}; use one of ` +
        `${EXPIRY_COMMANDS.join(', ')} (e.g. aurora-restore expiry extend us-west-2/orders-staging 2d).`
    );
  }
  const command = sub as ExpiryCommand;
  const value = command === 'extend' ? 'the duration (e.g. 2d)' : command === 'set' ? 'the date-time' : undefined;
  const positionals = value ? 2 : 1;
  const { values, positionals: given } = parse(
    `expiry ${command}`,
    rest,
    command === 'show' ? {} : { by: { type: 'string' }, reason: { type: 'string' } },
    { min: positionals, max: positionals, names: `the restore (region/cluster)${value ? ` and ${value}` : ''}` }
  );
  const target = resolveExpiryTarget(given[0]);
  // Everything that can be checked without the server is checked before connecting.
  const problem =
    command === 'extend' ? checkExtendDuration(given[1]) : command === 'set' ? checkSetDate(given[1]) : undefined;
  if (problem) throw new UsageError(`expiry ${command}: ${problem}.`);
  const opts = values as { by?: string; reason?: string };
  const identity = opts.by?.trim() || defaultIdentity(io);
  if (command !== 'show' && !identity) {
    throw new UsageError(`expiry ${command}: cannot tell who you are; pass --by <identity>.`);
  }

  const { client } = await connect();
  const view =
    command === 'show'
      ? await showExpiry(client, target)
      : await changeExpiry(client, target, command, {
          identity,
          reason: opts.reason?.trim() || undefined,
          duration: command === 'extend' ? given[1] : undefined,
          expiresAt: command === 'set' ? given[1] : undefined,
        });
  if (out.json) {
    out.document({ ...view, timeLeftMs: Math.max(0, Date.parse(view.expiresAt) - io.now().getTime()) });
  } else {
    formatExpiry(view, io.now()).forEach((l) => out.line(l));
  }
  return EXIT.OK;
}

async function approvalCommand(
  kind: 'approve' | 'reject',
  args: string[],
  io: CliIo,
  out: Output,
  connect: () => Promise<ClientConnection>
): Promise<number> {
  const { values, positionals } = parse(
    kind,
    args,
    { by: { type: 'string' }, reason: { type: 'string' } },
    { min: 1, max: 1, names: 'the restore (region/cluster or workflow id)' }
  );
  const target = resolveTargetArgument(positionals[0]);
  const by = (values.by ?? defaultIdentity(io)).trim();
  if (!by) throw new UsageError(`${kind}: --by must name who decides (it is recorded and notified).`);
  const reason = values.reason?.trim();
  if (kind === 'reject' && !reason) {
    throw new UsageError('reject: --reason is required: it goes into the failure and its notification.');
  }
  const { client, namespace, uiBaseUrl } = await connect();
  const outcome = await decideApproval(client, target.workflowId, kind, { by, ...(reason ? { reason } : {}) });
  const url = workflowUrl(uiBaseUrl, namespace, outcome.workflowId, outcome.runId);
  if (out.json) {
    out.document({ ...outcome, url });
    return EXIT.OK;
  }
  const replaces = outcome.approval?.replaces;
  const what = replaces ? `cluster ${replaces.clusterId} in ${replaces.region}` : `the target of ${target.short}`;
  const why = outcome.decision.reason ? `: ${outcome.decision.reason}` : '';
  if (kind === 'approve') {
    out.line(`✓ Approved replacing ${what} (by ${outcome.decision.by} at ${outcome.decision.at})${why}`);
    out.line('  The restore continues: it deletes the existing cluster and restores over it.');
  } else {
    out.line(`✗ Rejected replacing ${what} (by ${outcome.decision.by} at ${outcome.decision.at})${why}`);
    out.line(
      '  The restore cleans up what it created and ends failed (ApprovalRejected); the cluster is left as it is.'
    );
  }
  out.line(`  Web UI: ${url}`);
  out.line(`Follow it with: aurora-restore status ${target.short}`);
  return EXIT.OK;
}

/** Who runs the CLI, for --by: $USER (or $USERNAME, $LOGNAME), else the OS account name. */
function defaultIdentity(io: CliIo): string {
  const fromEnv = io.env.USER ?? io.env.USERNAME ?? io.env.LOGNAME;
  if (fromEnv) return fromEnv;
  try {
    return userInfo().username;
  } catch {
    return '';
  }
}

function showProgress(out: Output, event: ProgressEvent): void {
  const line = formatProgressEvent(event);
  if (line !== undefined) out.progress(line);
}

// ---------------------------------------------------------------------------------------------------------------

const USAGE_ERRORS = [
  UsageError,
  TargetArgumentError,
  ListFilterError,
  RequestFileError,
  RequestValidationError,
  RestoreAlreadyRunningError,
  RestoreNotFoundError,
  RestoreNotRunningError,
  ApprovalRefusedError,
  ScheduleOptionsError,
  ScheduleNotFoundError,
  ScheduleExistsError,
  BatchFileError,
  ExpiryNotFoundError,
  ExpiryChangeRefusedError,
];

function reportError(err: unknown, out: Output): number {
  const usage = USAGE_ERRORS.some((kind) => err instanceof kind);
  const summary: FailureSummary =
    err instanceof RequestValidationError || err instanceof RestoreAlreadyRunningError
      ? describeFailure(err)
      : {
          type: err instanceof Error ? err.name : 'Error',
          message: err instanceof Error ? err.message : String(err),
          hint: hintFor(err),
        };
  if (out.json) {
    out.document({ error: summary });
  } else if (err instanceof UsageError) {
    out.err(`aurora-restore: ${summary.message}`);
    out.err('Run `aurora-restore help` for usage.');
  } else {
    formatFailure(summary, undefined, 'Error').forEach((l) => out.err(l));
  }
  debugTrace(err, out);
  return usage ? EXIT.USAGE : EXIT.FAILED;
}

function hintFor(err: unknown): string {
  if (err instanceof UsageError || err instanceof TargetArgumentError || err instanceof ListFilterError) {
    return 'Correct the command line; `aurora-restore help` shows the usage.';
  }
  if (err instanceof RequestFileError) return 'Fix the request file and run the command again; nothing was started.';
  if (err instanceof RestoreNotFoundError || err instanceof RestoreNotRunningError) return 'Nothing was changed.';
  if (err instanceof ApprovalRefusedError) {
    return 'Nothing was recorded. `aurora-restore status` shows whether the restore waits in step await-approval.';
  }
  if (err instanceof ScheduleOptionsError) {
    return 'Correct the command line or the request file (`aurora-restore schedule help`); nothing was created or changed.';
  }
  if (err instanceof ScheduleNotFoundError || err instanceof ScheduleExistsError) return 'Nothing was changed.';
  if (err instanceof BatchFileError) return 'Fix the batch file and run the command again; nothing was started.';
  if (err instanceof ExpiryNotFoundError) return 'Check the target with `aurora-restore status <restore>`.';
  if (err instanceof ExpiryChangeRefusedError) return 'Fix the change and run the command again.';
  if (err instanceof TemporalConnectionError) return 'Nothing was started or changed.';
  return 'Nothing more is known; run again with --debug for the stack trace.';
}

function debugTrace(err: unknown, out: Output): void {
  if (!out.debug) return;
  let current: unknown = err;
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    out.err(depth === 0 ? (current.stack ?? String(current)) : `Caused by: ${current.stack ?? String(current)}`);
    current = (current as { cause?: unknown }).cause;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Bin wrapper: the only place that touches process signals and the exit code.

if (require.main === module) {
  const controller = new AbortController();
  process.once('SIGINT', () => {
    controller.abort();
    // A second Ctrl-C, or a command that does not watch, ends the process without waiting.
    process.once('SIGINT', () => process.exit(EXIT.INTERRUPTED));
    setTimeout(() => process.exit(EXIT.INTERRUPTED), 3000).unref();
  });
  main(process.argv.slice(2), { signal: controller.signal }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`aurora-restore: unexpected error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = EXIT.FAILED;
    }
  );
}
