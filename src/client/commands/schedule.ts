/**
 * `aurora-restore schedule <create|update|describe|list|pause|resume|trigger|backfill|delete>`: restore schedules
 * such as a nightly staging refresh. Options and the request are checked before anything is created or changed;
 * the cron expression is checked by the Temporal server (an error names --cron and what to write).
 */
import { Command } from '@commander-js/extra-typings';

import { formatDuration, parseDuration } from '../../domain/durations';
import type { RestoreRequest } from '../../domain/request';
import { TASK_QUEUE } from '../../workflows/messages';
import type { CommandContext } from '../cli/context';
import { EXIT } from '../cli/context';
import { load } from '../cli/lazy';
import { commandGroup, reportUsageErrorsWith } from '../cli/program';
import { describeSource, formatScheduleList, formatScheduleReport, scheduleUrl } from '../schedule-format';
import {
  DEFAULT_RUN_TIMEOUT,
  OVERLAP_POLICIES,
  parseBackfill,
  parseScheduleOptions,
  resolveScheduleArgument,
  SCHEDULE_ID_PREFIX,
  ScheduleOptionsError,
} from '../schedule-options';
import type { ScheduleOptionInput, ScheduleSettings } from '../schedule-options';

import { REQUEST_FILE_ARGUMENT, TASK_QUEUE_HELP } from './start';

const SCHEDULE = 'the schedule (its id, or region/cluster)';
const OVERLAP_HELP = `when a run is still going: ${Object.keys(OVERLAP_POLICIES).join(', ')} (default skip)`;

/** The spec and policy options of create and update, declared once. */
function withSpecOptions<Args extends unknown[]>(cmd: Command<Args>) {
  return cmd
    .option('--cron <expr>', 'cron expression, e.g. "0 3 * * *" (03:00 every day); or --calendar')
    .option('--calendar <json>', `calendar, e.g. '{"hour":"3","minute":"0","dayOfWeek":"MON-FRI"}'; or --cron`)
    .option('--timezone <tz>', 'IANA zone for the spec (default UTC), e.g. Europe/Berlin')
    .option('--jitter <d>', 'random delay up to d per run, e.g. 5m')
    .option('--overlap <p>', OVERLAP_HELP)
    .option('--catchup-window <d>', 'how late a missed run may still start after an outage (Temporal default 1 year)')
    .option('--pause-on-failure', 'pause the schedule when a run fails')
    .option(
      '--run-timeout <d>',
      `a run still going after d is cancelled (its restore cleans up) (default ${DEFAULT_RUN_TIMEOUT})`
    )
    .option('--note <text>', 'shown by describe')
    .option('--task-queue <name>', TASK_QUEUE_HELP);
}

/** What `withSpecOptions` parses: the schedule options (both pause flags are tracked apart) and the task queue. */
interface SpecOptionValues extends Omit<ScheduleOptionInput, 'noPauseOnFailure'> {
  taskQueue?: string;
}

/**
 * `--pause-on-failure` and `--no-pause-on-failure` set one value, the last one winning; giving both is a mistake
 * worth reporting, so which of them were given is recorded as they are parsed.
 */
function pauseOnFailureFlags(cmd: Command<never[]> | Command<[string]>) {
  const given = { pause: false, noPause: false };
  cmd.on('option:pause-on-failure', () => (given.pause = true));
  cmd.on('option:no-pause-on-failure', () => (given.noPause = true));
  return given;
}

function settingsFrom(
  command: string,
  values: SpecOptionValues,
  flags: { pause: boolean; noPause: boolean },
  requireSpec: boolean
): ScheduleSettings {
  return parseScheduleOptions(
    command,
    {
      cron: values.cron,
      calendar: values.calendar,
      timezone: values.timezone,
      jitter: values.jitter,
      overlap: values.overlap,
      catchupWindow: values.catchupWindow,
      pauseOnFailure: flags.pause,
      noPauseOnFailure: flags.noPause,
      runTimeout: values.runTimeout,
      note: values.note,
    },
    { requireSpec }
  );
}

/** A subcommand that acts on one schedule, named by its first argument. */
function scheduleSubcommand(name: string, description: string) {
  return new Command(name).description(description).argument('<schedule>', SCHEDULE);
}

function taskQueueFrom(command: string, given: string | undefined): string | undefined {
  if (given !== undefined && given.trim() === '') throw new ScheduleOptionsError(command, ['--task-queue is empty.']);
  return given;
}

export function scheduleCommand(ctx: CommandContext) {
  const group = commandGroup(
    'schedule',
    'Restore schedules (nightly refresh): create, update, describe, list, pause, resume, trigger, backfill, delete',
    (cmd, given) => {
      if (given === undefined) {
        cmd.outputHelp({ error: true });
        ctx.exitCode = EXIT.USAGE;
        return;
      }
      throw new ScheduleOptionsError(given, [
        'unknown schedule command; use create, update, describe, list, pause, resume, trigger, backfill or delete.',
      ]);
    }
  ).addHelpText(
    'after',
    `
<schedule> is a schedule id, or region/cluster (account/region/cluster) for the default id
(${SCHEDULE_ID_PREFIX}/<region>/<cluster>).

Examples:
  aurora-restore schedule create examples/scheduled-staging-refresh.json --cron "0 3 * * *" --timezone Europe/Berlin
  aurora-restore schedule describe us-west-2/orders-staging
  aurora-restore schedule pause us-west-2/orders-staging --note "release freeze"
  aurora-restore schedule backfill us-west-2/orders-staging --start 2026-11-20T00:00:00Z --end 2026-11-21T00:00:00Z`
  );
  reportUsageErrorsWith(group, (command, problem) => new ScheduleOptionsError(command, [problem]));

  const create = withSpecOptions(
    new Command('create')
      .description('Create a schedule that runs the restore request in <file> (JSON or YAML, like start)')
      .argument('<file>', REQUEST_FILE_ARGUMENT)
  )
    .option('--id <id>', `schedule id (default ${SCHEDULE_ID_PREFIX}/<region>/<cluster>)`)
    .option('--paused', 'create it paused');
  const createFlags = pauseOnFailureFlags(create);
  create.action(async (file, options) => {
    ctx.exitCode = await createSchedule(ctx, file, options, createFlags);
  });
  group.addCommand(create);

  const update = withSpecOptions(
    scheduleSubcommand('update', 'Change a schedule: its request, spec or policies (anything not given stays as it is)')
  )
    .option('--request <file>', 'a new restore request (JSON or YAML)')
    .option('--no-pause-on-failure', 'stop pausing the schedule when a run fails');
  const updateFlags = pauseOnFailureFlags(update);
  update.action(async (schedule, options) => {
    ctx.exitCode = await updateSchedule(ctx, schedule, options, updateFlags);
  });
  group.addCommand(update);

  group.addCommand(
    scheduleSubcommand('describe', 'State, spec, policies, request, next runs, recent runs and their status').action(
      async (schedule) => {
        ctx.exitCode = await describeSchedule(ctx, schedule);
      }
    )
  );
  group.addCommand(
    new Command('list').description('Schedules that run restores').action(async () => {
      ctx.exitCode = await listSchedules(ctx);
    })
  );
  for (const command of ['pause', 'resume'] as const) {
    group.addCommand(
      scheduleSubcommand(
        command,
        command === 'pause' ? 'Pause a schedule (runs already started go on)' : 'Resume a paused schedule'
      )
        .option('--note <text>', 'why; shown by describe')
        .action(async (schedule, options) => {
          ctx.exitCode = await pauseOrResume(ctx, command, schedule, options.note);
        })
    );
  }
  group.addCommand(
    scheduleSubcommand('trigger', "Run now, under the schedule's overlap policy unless --overlap")
      .option('--overlap <p>', `${Object.keys(OVERLAP_POLICIES).join(', ')} (default: the schedule's)`)
      .action(async (schedule, options) => {
        ctx.exitCode = await triggerSchedule(ctx, schedule, options.overlap);
      })
  );
  group.addCommand(
    scheduleSubcommand('backfill', 'Runs for the times in the past the schedule would have run')
      .option('--start <time>', 'ISO 8601 time, e.g. 2026-11-20T00:00:00Z (required)')
      .option('--end <time>', 'ISO 8601 time after --start (required)')
      .option('--overlap <p>', `${Object.keys(OVERLAP_POLICIES).join(', ')} (default: the schedule's)`)
      .action(async (schedule, options) => {
        ctx.exitCode = await backfillSchedule(ctx, schedule, options);
      })
  );
  group.addCommand(
    scheduleSubcommand('delete', 'Delete a schedule; runs already started keep running').action(async (schedule) => {
      ctx.exitCode = await deleteSchedule(ctx, schedule);
    })
  );
  return group;
}

async function createSchedule(
  { io, out, connect }: CommandContext,
  file: string,
  options: SpecOptionValues & { id?: string; paused?: boolean },
  flags: { pause: boolean; noPause: boolean }
): Promise<number> {
  // Everything is checked before connecting: options, the request file, the request itself.
  const settings = settingsFrom('create', options, flags, true);
  const taskQueue = taskQueueFrom('create', options.taskQueue) ?? io.env.AURORA_RESTORE_TASK_QUEUE ?? TASK_QUEUE;
  if (options.id !== undefined && options.id.trim() === '') {
    throw new ScheduleOptionsError('create', ['--id is empty.']);
  }
  const paused = options.paused === true;
  const loaded = await load.requestFile().loadRequestFile(file, { readStdin: io.readStdin });
  const now = io.now();
  const schedules = load.schedules();
  const normalized = schedules.validateScheduledRequest('create', loaded.request, now);

  const { client, namespace, uiBaseUrl } = await connect();
  const { scheduleId } = await schedules.createSchedule(client, {
    request: loaded.request as RestoreRequest,
    settings,
    scheduleId: options.id?.trim(),
    taskQueue,
    paused,
    now,
  });
  const url = scheduleUrl(uiBaseUrl, namespace, scheduleId);
  if (out.json) {
    out.document({ scheduleId, created: true, paused, taskQueue, url });
  } else {
    out.line(
      `Created schedule ${scheduleId}: restores ${normalized.target.clusterId} in ${normalized.target.region} ` +
        `from ${describeSource(loaded.request as RestoreRequest)}.`
    );
    out.line(`  When:    ${describeWhen(settings)}`);
    out.line(
      `  Overlap: ${(settings.overlap ?? 'SKIP').toLowerCase().replace(/_/g, '-')}; run timeout ${formatDuration(settings.runTimeoutMs ?? parseDuration(DEFAULT_RUN_TIMEOUT))}`
    );
    if (paused) out.line('  State:   paused (resume it with `aurora-restore schedule resume`)');
    out.line(`  Web UI:  ${url}`);
    out.line(`See it with: aurora-restore schedule describe ${scheduleId}`);
  }
  return EXIT.OK;
}

function describeWhen(settings: ScheduleSettings): string {
  const what =
    settings.cron !== undefined ? `cron "${settings.cron}"` : `calendar ${JSON.stringify(settings.calendar)}`;
  const zone = ` (${settings.timezone ?? 'UTC'})`;
  const jitter = settings.jitterMs ? `, jitter up to ${formatDuration(settings.jitterMs)}` : '';
  return `${what}${zone}${jitter}`;
}

async function updateSchedule(
  { io, out, connect }: CommandContext,
  schedule: string,
  options: SpecOptionValues & { request?: string },
  flags: { pause: boolean; noPause: boolean }
): Promise<number> {
  const settings = settingsFrom('update', options, flags, false);
  const taskQueue = taskQueueFrom('update', options.taskQueue);
  const scheduleId = resolveScheduleArgument(schedule);
  const schedules = load.schedules();
  let request: RestoreRequest | undefined;
  if (options.request !== undefined) {
    const loaded = await load.requestFile().loadRequestFile(options.request, { readStdin: io.readStdin });
    schedules.validateScheduledRequest('update', loaded.request, io.now());
    request = loaded.request as RestoreRequest;
  }
  if (request === undefined && taskQueue === undefined && Object.keys(settings).length === 0) {
    throw new ScheduleOptionsError('update', ['nothing to change: give --request <file> or a schedule option.']);
  }
  const { client } = await connect();
  await schedules.updateSchedule(client, scheduleId, { request, settings, taskQueue, now: io.now() });
  if (out.json) out.document({ scheduleId, updated: true });
  else out.line(`Updated schedule ${scheduleId}. See it with: aurora-restore schedule describe ${scheduleId}`);
  return EXIT.OK;
}

async function describeSchedule({ io, out, connect }: CommandContext, schedule: string): Promise<number> {
  const scheduleId = resolveScheduleArgument(schedule);
  const { client, namespace, uiBaseUrl } = await connect();
  const report = await load.schedules().describeSchedule(client, scheduleId);
  const url = scheduleUrl(uiBaseUrl, namespace, scheduleId);
  if (out.json) out.document({ ...report, url });
  else formatScheduleReport(report, io.now(), url).forEach((l) => out.line(l));
  return EXIT.OK;
}

async function listSchedules({ io, out, connect }: CommandContext): Promise<number> {
  const { client } = await connect();
  const schedules = await load.schedules().listSchedules(client);
  if (out.json) out.document({ schedules });
  else formatScheduleList(schedules, io.now()).forEach((l) => out.line(l));
  return EXIT.OK;
}

async function pauseOrResume(
  { io, out, connect }: CommandContext,
  command: 'pause' | 'resume',
  schedule: string,
  givenNote: string | undefined
): Promise<number> {
  const scheduleId = resolveScheduleArgument(schedule);
  const who = io.env.USER ?? 'an operator';
  const note = givenNote?.trim() || `${command === 'pause' ? 'paused' : 'resumed'} with aurora-restore by ${who}`;
  const { client } = await connect();
  const schedules = load.schedules();
  if (command === 'pause') await schedules.pauseSchedule(client, scheduleId, note);
  else await schedules.resumeSchedule(client, scheduleId, note);
  if (out.json) out.document({ scheduleId, paused: command === 'pause', note });
  else out.line(`${command === 'pause' ? 'Paused' : 'Resumed'} schedule ${scheduleId} (note: ${note}).`);
  return EXIT.OK;
}

async function triggerSchedule(
  { out, connect }: CommandContext,
  schedule: string,
  overlapOption: string | undefined
): Promise<number> {
  const overlap =
    overlapOption !== undefined
      ? parseScheduleOptions('trigger', { overlap: overlapOption }, { requireSpec: false }).overlap
      : undefined;
  const scheduleId = resolveScheduleArgument(schedule);
  const { client, namespace, uiBaseUrl } = await connect();
  const outcome = await load.schedules().triggerSchedule(client, scheduleId, { overlap });
  if (out.json) {
    out.document({ scheduleId, triggered: true, ...outcome });
  } else if (outcome.started) {
    out.line(`Triggered schedule ${scheduleId}: run ${outcome.workflowId} started.`);
    out.line(
      `  Web UI: ${uiBaseUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(outcome.workflowId)}`
    );
    out.line(
      `Its restore: aurora-restore status <region>/<cluster>; the schedule: aurora-restore schedule describe ${scheduleId}`
    );
  } else if (outcome.reason === 'skipped-overlap') {
    out.line(
      `Triggered schedule ${scheduleId}, but the run was skipped: a run is still going and the overlap policy skips. ` +
        `Use --overlap cancel-other to replace it; allow-all starts a run that fails while a restore of the target runs.`
    );
  } else {
    out.line(
      `Triggered schedule ${scheduleId}; the run has not shown up yet. Check: aurora-restore schedule describe ${scheduleId}`
    );
  }
  return EXIT.OK;
}

async function backfillSchedule(
  { io, out, connect }: CommandContext,
  schedule: string,
  options: { start?: string; end?: string; overlap?: string }
): Promise<number> {
  const backfill = parseBackfill(options, io.now());
  const scheduleId = resolveScheduleArgument(schedule);
  const { client } = await connect();
  await load.schedules().backfillSchedule(client, scheduleId, backfill);
  if (out.json) {
    out.document({ scheduleId, backfill: { start: backfill.start, end: backfill.end, overlap: backfill.overlap } });
  } else {
    out.line(
      `Backfill requested for ${scheduleId}: the times it would have run from ${backfill.start.toISOString()} to ` +
        `${backfill.end.toISOString()} run now (overlap policy: ${backfill.overlap?.toLowerCase().replace(/_/g, '-') ?? "the schedule's"}).`
    );
  }
  return EXIT.OK;
}

async function deleteSchedule({ out, connect }: CommandContext, schedule: string): Promise<number> {
  const scheduleId = resolveScheduleArgument(schedule);
  const { client } = await connect();
  await load.schedules().deleteSchedule(client, scheduleId);
  if (out.json) out.document({ scheduleId, deleted: true });
  else out.line(`Deleted schedule ${scheduleId}. Runs already started keep running.`);
  return EXIT.OK;
}
