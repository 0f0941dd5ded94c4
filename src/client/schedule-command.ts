/**
 * `aurora-restore schedule <create|update|describe|list|pause|resume|trigger|backfill|delete>`: restore schedules
 * such as a nightly staging refresh. Options and the request are validated before anything is created or changed.
 */
import { parseArgs } from 'node:util';

import { formatDuration, parseDuration } from '../domain/durations';
import type { RestoreRequest } from '../domain/request';
import { TASK_QUEUE } from '../workflows/messages';

import type { ClientConnection } from './connection';
import { formatTime } from './format';
import { loadRequestFile } from './request-file';
import type { LoadRequestOptions } from './request-file';
import {
  backfillSchedule,
  createSchedule,
  DEFAULT_RUN_TIMEOUT,
  deleteSchedule,
  describeSchedule,
  listSchedules,
  OVERLAP_POLICIES,
  parseBackfill,
  parseScheduleOptions,
  pauseSchedule,
  resolveScheduleArgument,
  resumeSchedule,
  ScheduleOptionsError,
  SCHEDULE_ID_PREFIX,
  triggerSchedule,
  updateSchedule,
  validateScheduledRequest,
} from './schedules';
import type { ScheduleListEntry, ScheduleReport, ScheduleSettings } from './schedules';

export const SCHEDULE_USAGE = `Schedules (e.g. a nightly staging refresh):
  schedule create <file>   Create a schedule that runs the restore request in <file> (JSON or YAML, like start)
      --cron <expr>           five-field cron, e.g. "0 3 * * *" (03:00 every day)   } one of the two
      --calendar <json>       e.g. '{"hour":"3","minute":"0","dayOfWeek":"MON-FRI"}' }
      --timezone <tz>         IANA zone for the spec (default UTC), e.g. Europe/Berlin
      --jitter <d>            random delay up to d per run, e.g. 5m
      --overlap <p>           when a run is still going: ${Object.keys(OVERLAP_POLICIES).join(', ')} (default skip)
      --catchup-window <d>    how late a missed run may still start after an outage (Temporal default 1 year)
      --pause-on-failure      pause the schedule when a run fails
      --run-timeout <d>       a run still going after d is cancelled (its restore cleans up) (default ${DEFAULT_RUN_TIMEOUT})
      --note <text>           shown by describe
      --id <id>               schedule id (default ${SCHEDULE_ID_PREFIX}/<region>/<cluster>)
      --paused                create it paused
      --task-queue <name>     task queue of the workers (default: $AURORA_RESTORE_TASK_QUEUE or ${TASK_QUEUE})
  schedule update <schedule> [--request <file>] [any create option; --no-pause-on-failure]
  schedule describe <schedule>       state, spec, policies, request, next runs, recent runs and their status
  schedule list                      schedules that run restores
  schedule pause <schedule> [--note <text>]    schedule resume <schedule> [--note <text>]
  schedule trigger <schedule> [--overlap <p>]  run now, under the schedule's overlap policy unless --overlap
  schedule backfill <schedule> --start <time> --end <time> [--overlap <p>]   runs for times in the past
  schedule delete <schedule>         running runs keep running

<schedule> is a schedule id, or region/cluster (account/region/cluster) for the default id.`;

/** What the schedule commands print through (the CLI's output). */
export interface ScheduleCommandOutput {
  json: boolean;
  line: (text?: string) => void;
  err: (text?: string) => void;
  document: (value: unknown) => void;
}

export interface ScheduleCommandContext {
  out: ScheduleCommandOutput;
  env: Record<string, string | undefined>;
  now: () => Date;
  readStdin?: LoadRequestOptions['readStdin'];
  connect: () => Promise<ClientConnection>;
}

const SPEC_OPTIONS = {
  cron: { type: 'string' },
  calendar: { type: 'string' },
  timezone: { type: 'string' },
  jitter: { type: 'string' },
  overlap: { type: 'string' },
  'catchup-window': { type: 'string' },
  'pause-on-failure': { type: 'boolean' },
  'run-timeout': { type: 'string' },
  note: { type: 'string' },
  'task-queue': { type: 'string' },
} as const;

const COMMON = { json: { type: 'boolean' }, debug: { type: 'boolean' } } as const;

type OptionSpec = Record<string, { type: 'string' | 'boolean' }>;

function parse<O extends OptionSpec>(command: string, args: string[], options: O, positionals: [number, string]) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...COMMON, ...options }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new ScheduleOptionsError(command, [(err as Error).message.replace(/\. To specify a positional.*$/s, '.')]);
  }
  const [count, names] = positionals;
  if (parsed.positionals.length < count) throw new ScheduleOptionsError(command, [`missing ${names}.`]);
  if (parsed.positionals.length > count) {
    throw new ScheduleOptionsError(command, [`unexpected argument "${parsed.positionals[count]}".`]);
  }
  return parsed;
}

function settingsFrom(command: string, values: Record<string, unknown>, requireSpec: boolean): ScheduleSettings {
  const str = (key: string) => values[key] as string | undefined;
  return parseScheduleOptions(
    command,
    {
      cron: str('cron'),
      calendar: str('calendar'),
      timezone: str('timezone'),
      jitter: str('jitter'),
      overlap: str('overlap'),
      catchupWindow: str('catchup-window'),
      pauseOnFailure: values['pause-on-failure'] === true,
      noPauseOnFailure: values['no-pause-on-failure'] === true,
      runTimeout: str('run-timeout'),
      note: str('note'),
    },
    { requireSpec }
  );
}

function taskQueueFrom(command: string, values: Record<string, unknown>): string | undefined {
  const given = values['task-queue'] as string | undefined;
  if (given !== undefined && given.trim() === '') throw new ScheduleOptionsError(command, ['--task-queue is empty.']);
  return given;
}

export async function scheduleCommand(args: string[], ctx: ScheduleCommandContext): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'create':
      return createCommand(rest, ctx);
    case 'update':
      return updateCommand(rest, ctx);
    case 'describe':
      return describeCommand(rest, ctx);
    case 'list':
      return listCommand(rest, ctx);
    case 'pause':
    case 'resume':
      return pauseResumeCommand(sub, rest, ctx);
    case 'trigger':
      return triggerCommand(rest, ctx);
    case 'backfill':
      return backfillCommand(rest, ctx);
    case 'delete':
      return deleteCommand(rest, ctx);
    case undefined:
      ctx.out.err(SCHEDULE_USAGE);
      return 2;
    case 'help':
    case '--help':
      ctx.out.line(SCHEDULE_USAGE);
      return 0;
    default:
      throw new ScheduleOptionsError(sub, [
        `unknown schedule command; use create, update, describe, list, pause, resume, trigger, backfill or delete.`,
      ]);
  }
}

async function createCommand(args: string[], ctx: ScheduleCommandContext): Promise<number> {
  const { values, positionals } = parse(
    'create',
    args,
    { ...SPEC_OPTIONS, id: { type: 'string' }, paused: { type: 'boolean' } },
    [1, 'the request file (a .json/.yaml file, or - for stdin)']
  );
  // Everything is checked before connecting: options, the request file, the request itself.
  const settings = settingsFrom('create', values, true);
  const taskQueue = taskQueueFrom('create', values) ?? ctx.env.AURORA_RESTORE_TASK_QUEUE ?? TASK_QUEUE;
  if (values.id !== undefined && values.id.trim() === '') throw new ScheduleOptionsError('create', ['--id is empty.']);
  const loaded = await loadRequestFile(positionals[0], { readStdin: ctx.readStdin });
  const now = ctx.now();
  const normalized = validateScheduledRequest('create', loaded.request, now);

  const { client, namespace, uiBaseUrl } = await ctx.connect();
  const { scheduleId } = await createSchedule(client, {
    request: loaded.request as RestoreRequest,
    settings,
    scheduleId: values.id?.trim(),
    taskQueue,
    paused: values.paused ?? false,
    now,
  });
  const url = scheduleUrl(uiBaseUrl, namespace, scheduleId);
  if (ctx.out.json) {
    ctx.out.document({ scheduleId, created: true, paused: values.paused ?? false, taskQueue, url });
  } else {
    ctx.out.line(
      `Created schedule ${scheduleId}: restores ${normalized.target.clusterId} in ${normalized.target.region} ` +
        `from ${describeSource(loaded.request as RestoreRequest)}.`
    );
    ctx.out.line(`  When:    ${describeWhen(settings)}`);
    ctx.out.line(
      `  Overlap: ${(settings.overlap ?? 'SKIP').toLowerCase().replace(/_/g, '-')}; run timeout ${formatDuration(settings.runTimeoutMs ?? parseDuration(DEFAULT_RUN_TIMEOUT))}`
    );
    if (values.paused) ctx.out.line('  State:   paused (resume it with `aurora-restore schedule resume`)');
    ctx.out.line(`  Web UI:  ${url}`);
    ctx.out.line(`See it with: aurora-restore schedule describe ${scheduleId}`);
  }
  return 0;
}

function describeWhen(settings: ScheduleSettings): string {
  const what = settings.cron ? `cron "${settings.cron}"` : `calendar ${JSON.stringify(settings.calendar)}`;
  const zone = ` (${settings.timezone ?? 'UTC'})`;
  const jitter = settings.jitterMs ? `, jitter up to ${formatDuration(settings.jitterMs)}` : '';
  return `${what}${zone}${jitter}`;
}

async function updateCommand(args: string[], ctx: ScheduleCommandContext): Promise<number> {
  const { values, positionals } = parse(
    'update',
    args,
    { ...SPEC_OPTIONS, request: { type: 'string' }, 'no-pause-on-failure': { type: 'boolean' } },
    [1, 'the schedule (its id, or region/cluster)']
  );
  const settings = settingsFrom('update', values, false);
  const taskQueue = taskQueueFrom('update', values);
  const scheduleId = resolveScheduleArgument(positionals[0]);
  let request: RestoreRequest | undefined;
  if (values.request !== undefined) {
    const loaded = await loadRequestFile(values.request, { readStdin: ctx.readStdin });
    validateScheduledRequest('update', loaded.request, ctx.now());
    request = loaded.request as RestoreRequest;
  }
  if (request === undefined && taskQueue === undefined && Object.keys(settings).length === 0) {
    throw new ScheduleOptionsError('update', ['nothing to change: give --request <file> or a schedule option.']);
  }
  const { client } = await ctx.connect();
  await updateSchedule(client, scheduleId, { request, settings, taskQueue, now: ctx.now() });
  if (ctx.out.json) ctx.out.document({ scheduleId, updated: true });
  else ctx.out.line(`Updated schedule ${scheduleId}. See it with: aurora-restore schedule describe ${scheduleId}`);
  return 0;
}

async function describeCommand(args: string[], ctx: ScheduleCommandContext): Promise<number> {
  const { positionals } = parse('describe', args, {}, [1, 'the schedule (its id, or region/cluster)']);
  const scheduleId = resolveScheduleArgument(positionals[0]);
  const { client, namespace, uiBaseUrl } = await ctx.connect();
  const report = await describeSchedule(client, scheduleId);
  const url = scheduleUrl(uiBaseUrl, namespace, scheduleId);
  if (ctx.out.json) ctx.out.document({ ...report, url });
  else formatScheduleReport(report, ctx.now(), url).forEach((l) => ctx.out.line(l));
  return 0;
}

async function listCommand(args: string[], ctx: ScheduleCommandContext): Promise<number> {
  parse('list', args, {}, [0, '']);
  const { client } = await ctx.connect();
  const schedules = await listSchedules(client);
  if (ctx.out.json) ctx.out.document({ schedules });
  else formatScheduleList(schedules, ctx.now()).forEach((l) => ctx.out.line(l));
  return 0;
}

async function pauseResumeCommand(
  command: 'pause' | 'resume',
  args: string[],
  ctx: ScheduleCommandContext
): Promise<number> {
  const { values, positionals } = parse(command, args, { note: { type: 'string' } }, [
    1,
    'the schedule (its id, or region/cluster)',
  ]);
  const scheduleId = resolveScheduleArgument(positionals[0]);
  const who = ctx.env.USER ?? 'an operator';
  const note = values.note?.trim() || `${command === 'pause' ? 'paused' : 'resumed'} with aurora-restore by ${who}`;
  const { client } = await ctx.connect();
  if (command === 'pause') await pauseSchedule(client, scheduleId, note);
  else await resumeSchedule(client, scheduleId, note);
  if (ctx.out.json) ctx.out.document({ scheduleId, paused: command === 'pause', note });
  else ctx.out.line(`${command === 'pause' ? 'Paused' : 'Resumed'} schedule ${scheduleId} (note: ${note}).`);
  return 0;
}

async function triggerCommand(args: string[], ctx: ScheduleCommandContext): Promise<number> {
  const { values, positionals } = parse('trigger', args, { overlap: { type: 'string' } }, [
    1,
    'the schedule (its id, or region/cluster)',
  ]);
  const overlap =
    values.overlap !== undefined ? settingsFrom('trigger', { overlap: values.overlap }, false).overlap : undefined;
  const scheduleId = resolveScheduleArgument(positionals[0]);
  const { client, namespace, uiBaseUrl } = await ctx.connect();
  const outcome = await triggerSchedule(client, scheduleId, { overlap });
  if (ctx.out.json) {
    ctx.out.document({ scheduleId, triggered: true, ...outcome });
  } else if (outcome.started) {
    ctx.out.line(`Triggered schedule ${scheduleId}: run ${outcome.workflowId} started.`);
    ctx.out.line(
      `  Web UI: ${uiBaseUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(outcome.workflowId)}`
    );
    ctx.out.line(
      `Its restore: aurora-restore status <region>/<cluster>; the schedule: aurora-restore schedule describe ${scheduleId}`
    );
  } else if (outcome.reason === 'skipped-overlap') {
    ctx.out.line(
      `Triggered schedule ${scheduleId}, but the run was skipped: a run is still going and the overlap policy skips. ` +
        `Use --overlap cancel-other to replace it; allow-all starts a run that fails while a restore of the target runs.`
    );
  } else {
    ctx.out.line(
      `Triggered schedule ${scheduleId}; the run has not shown up yet. Check: aurora-restore schedule describe ${scheduleId}`
    );
  }
  return 0;
}

async function backfillCommand(args: string[], ctx: ScheduleCommandContext): Promise<number> {
  const { values, positionals } = parse(
    'backfill',
    args,
    { start: { type: 'string' }, end: { type: 'string' }, overlap: { type: 'string' } },
    [1, 'the schedule (its id, or region/cluster)']
  );
  const backfill = parseBackfill(values, ctx.now());
  const scheduleId = resolveScheduleArgument(positionals[0]);
  const { client } = await ctx.connect();
  await backfillSchedule(client, scheduleId, backfill);
  if (ctx.out.json) {
    ctx.out.document({ scheduleId, backfill: { start: backfill.start, end: backfill.end, overlap: backfill.overlap } });
  } else {
    ctx.out.line(
      `Backfill requested for ${scheduleId}: the times it would have run from ${backfill.start.toISOString()} to ` +
        `${backfill.end.toISOString()} run now (overlap policy: ${backfill.overlap?.toLowerCase().replace(/_/g, '-') ?? "the schedule's"}).`
    );
  }
  return 0;
}

async function deleteCommand(args: string[], ctx: ScheduleCommandContext): Promise<number> {
  const { positionals } = parse('delete', args, {}, [1, 'the schedule (its id, or region/cluster)']);
  const scheduleId = resolveScheduleArgument(positionals[0]);
  const { client } = await ctx.connect();
  await deleteSchedule(client, scheduleId);
  if (ctx.out.json) ctx.out.document({ scheduleId, deleted: true });
  else ctx.out.line(`Deleted schedule ${scheduleId}. Runs already started keep running.`);
  return 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Formatting

export function scheduleUrl(uiBaseUrl: string, namespace: string, scheduleId: string): string {
  return `${uiBaseUrl}/namespaces/${encodeURIComponent(namespace)}/schedules/${encodeURIComponent(scheduleId)}`;
}

const WEEKDAY_NAMES = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'];

/** `hour=3 minute=0 dayOfWeek=MONDAY-FRIDAY`: the fields that are not "every value". */
export function formatCalendar(calendar: ScheduleReport['spec']['calendars'][number]): string {
  const full: Record<string, [unknown, unknown]> = {
    second: [0, 59],
    minute: [0, 59],
    hour: [0, 23],
    dayOfMonth: [1, 31],
    month: ['JANUARY', 'DECEMBER'],
    dayOfWeek: ['SUNDAY', 'SATURDAY'],
  };
  const parts: string[] = [];
  for (const key of ['second', 'minute', 'hour', 'dayOfMonth', 'month', 'dayOfWeek', 'year'] as const) {
    const ranges = (calendar[key] ?? []) as { start: unknown; end: unknown; step: number }[];
    if (ranges.length === 0) continue;
    const only = ranges[0];
    const every =
      ranges.length === 1 && only.step === 1 && full[key] && only.start === full[key][0] && only.end === full[key][1];
    const allWeek =
      key === 'dayOfWeek' &&
      ranges.length === 1 &&
      only.step === 1 &&
      only.start === WEEKDAY_NAMES[0] &&
      only.end === WEEKDAY_NAMES[6];
    if (every || allWeek) continue;
    if (key === 'second' && ranges.length === 1 && only.start === 0 && only.end === 0) continue;
    const text = ranges
      .map(
        (r) =>
          (r.start === r.end ? String(r.start) : `${String(r.start)}-${String(r.end)}`) +
          (r.step > 1 ? `/${r.step}` : '')
      )
      .join(',');
    parts.push(`${key}=${text}`);
  }
  return parts.length > 0 ? parts.join(' ') : 'every second';
}

export function formatScheduleReport(report: ScheduleReport, now: Date, url: string): string[] {
  const lines = [`Schedule ${report.scheduleId}`];
  lines.push(`  State:       ${report.paused ? 'PAUSED' : 'active'}${report.note ? ` (note: ${report.note})` : ''}`);
  const request = report.request;
  if (request?.target) {
    lines.push(
      `  Restores:    ${request.target.clusterId} in ${request.target.region} from ${describeSource(request)}`
    );
  }
  const when = report.spec.calendars.map(formatCalendar).join('; ') || 'no calendar';
  lines.push(
    `  When:        ${when} (${report.spec.timezone ?? 'UTC'})${report.spec.jitterMs ? `, jitter up to ${formatDuration(report.spec.jitterMs)}` : ''}`
  );
  lines.push(
    `  Policies:    overlap ${(report.policies.overlap ?? 'SKIP').toLowerCase().replace(/_/g, '-')}, catch-up window ` +
      `${formatDuration(report.policies.catchupWindowMs)}, pause on failure ${report.policies.pauseOnFailure ? 'yes' : 'no'}`
  );
  lines.push(
    `  Runs:        ${report.workflowType} on task queue ${report.taskQueue}` +
      `${report.runTimeoutMs ? `, run timeout ${formatDuration(report.runTimeoutMs)}` : ''}`
  );
  lines.push(
    `  Next runs:   ${report.paused ? '(paused) ' : ''}${
      report.nextRuns
        .slice(0, 3)
        .map((d) => formatTime(d))
        .join(', ') || 'none'
    }`
  );
  lines.push(
    `  Counts:      ${report.counts.taken} run(s) started, ${report.counts.skippedOverlap} skipped (overlap), ` +
      `${report.counts.missedCatchupWindow} missed (catch-up window)`
  );
  if (report.recentRuns.length === 0) {
    lines.push('  Recent runs: none yet');
  } else {
    lines.push('  Recent runs:');
    for (const run of [...report.recentRuns].reverse()) {
      lines.push(`    ${formatTime(run.startedAt, now)}  ${run.status ?? 'UNKNOWN'}  ${run.workflowId}`);
    }
  }
  lines.push(`  Web UI:      ${url}`);
  return lines;
}

/** The snapshot a scheduled request restores, in words; templates are resolved per run. */
function describeSource(request: RestoreRequest): string {
  if (request.source?.snapshot) return `snapshot ${request.source.snapshot} in ${request.source.region}`;
  const selection = request.source?.selection;
  if (!selection) return request.source?.region ?? '?';
  if (selection.strategy === 'latest') {
    return `the latest ${selection.snapshotType ?? 'any'} snapshot of ${request.source.clusterId ?? '?'} in ${request.source.region}`;
  }
  const date = selection.date ?? 'yesterday';
  const when = /^\d{4}-/.test(date) ? date : `${date} (resolved when each run starts)`;
  return `${selection.template} in ${request.source.region} for ${when}, cluster ${request.source.clusterId ?? '?'}`;
}

export function formatScheduleList(schedules: ScheduleListEntry[], now: Date): string[] {
  if (schedules.length === 0) {
    return [
      'No restore schedules in this namespace. Create one with `aurora-restore schedule create <file> --cron ...`.',
    ];
  }
  return schedules.map((s) => {
    const next = s.nextRun && !s.paused ? `next ${formatTime(s.nextRun)}` : s.paused ? 'PAUSED' : 'no next run';
    const last = s.lastRun ? `, last ${formatTime(s.lastRun.scheduledAt, now)}` : '';
    return `${s.scheduleId}  ${next}${last}${s.note ? `  (${s.note})` : ''}`;
  });
}
