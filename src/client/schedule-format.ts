/** How schedules read on the terminal: `schedule describe`, `schedule list` and the calendar of a spec. */
import { formatDuration } from '../domain/durations';
import type { RestoreRequest } from '../domain/request';

import { formatTime } from './format';
import type { ScheduleListEntry, ScheduleReport } from './schedules';

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
export function describeSource(request: RestoreRequest): string {
  if (request.source?.snapshot) return `snapshot ${request.source.snapshot} in ${request.source.region}`;
  const pit = request.source?.pointInTime;
  if (pit) {
    const when = pit.latest ? 'its latest restorable time (at each run)' : pit.time;
    return `cluster ${pit.clusterId} in ${request.source.region} as of ${when}`;
  }
  const clone = request.source?.clone;
  if (clone) return `a copy-on-write clone of cluster ${clone.clusterId} in ${request.source.region} (at each run)`;
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
