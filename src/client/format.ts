/**
 * Human output of the CLI: progress lines, the result, failures, status, list and cancel. Pure functions returning
 * lines, so the CLI stays thin and the formats are unit-tested.
 */
import { formatDuration } from '../domain/durations';
import { TAG_OPERATION_ID } from '../domain/naming';
import type { AwsObservation } from '../domain/observation';
import type { StepTiming } from '../domain/restore-report';
import type { ApprovalState, RecoveryReport, RestoreProgress, RestoreResult } from '../workflows/messages';

import type { FailureSummary, ProgressEvent, RestoreStatusReport, RestoreSummary } from './restore-client';

/** Width of the step-name column: the longest step name (`delete-snapshot-copy`). */
export const STEP_NAME_WIDTH = 20;
const DURATION_WIDTH = 7;

const STEP_MARK: Record<StepTiming['status'], string> = {
  completed: '✓',
  failed: '✗',
  skipped: '-',
  running: '…',
};

/** Elapsed time for people: `0.4s`, `12s`, `3m 05s`, `2h 07m`, `1d 03h`. */
export function formatElapsed(ms: number): string {
  const safe = Math.max(0, ms);
  if (safe < 10_000) return `${(Math.floor(safe / 100) / 10).toFixed(1)}s`;
  const totalSeconds = Math.floor(safe / 1000);
  if (totalSeconds < 60) return `${totalSeconds}s`;
  const totalMinutes = Math.floor(totalSeconds / 60);
  if (totalMinutes < 60) return `${totalMinutes}m ${pad2(totalSeconds % 60)}s`;
  const totalHours = Math.floor(totalMinutes / 60);
  if (totalHours < 24) return `${totalHours}h ${pad2(totalMinutes % 60)}m`;
  return `${Math.floor(totalHours / 24)}d ${pad2(totalHours % 24)}h`;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/**
 * One step as a line: `✓ find-snapshot           1.2s  rds:prod-2026-11-25-03-00`. A running step shows how long
 * it has run so far when `now` is given.
 */
export function formatStepLine(step: StepTiming, now?: Date): string {
  const name = step.name.padEnd(STEP_NAME_WIDTH);
  let duration = '';
  if (step.status === 'skipped') duration = 'skipped';
  else if (step.durationMs !== undefined) duration = formatElapsed(step.durationMs);
  else if (step.status === 'running' && now) duration = formatElapsed(now.getTime() - Date.parse(step.startedAt));
  const detail = step.detail ? `  ${step.detail}` : step.status === 'running' ? '  running' : '';
  return `${STEP_MARK[step.status]} ${name} ${duration.padStart(DURATION_WIDTH)}${detail}`.trimEnd();
}

/** The AWS status a wait observed: `  cluster orders-staging: creating (42%)`. */
export function formatObservation(observation: AwsObservation): string {
  const percent = observation.percentProgress !== undefined ? ` (${observation.percentProgress}%)` : '';
  return `    AWS: ${observation.resource} ${observation.id} is ${observation.status}${percent}`;
}

/** The line for one progress event while following a restore (none for the end states: the outcome follows). */
export function formatProgressEvent(event: ProgressEvent): string | undefined {
  switch (event.kind) {
    case 'step-started':
      return `${STEP_MARK.running} ${event.step.name}`;
    case 'step-ended':
      return formatStepLine(event.step);
    case 'observation':
      return formatObservation(event.observation);
    case 'status':
      return event.status === 'cleaning-up' ? '  Cleaning up what this run created...' : undefined;
    case 'approval-pending':
      return formatApproval(event.approval, event.workflowId).join('\n');
    case 'rto-breached':
      return formatRecovery(event.recovery).join('\n');
  }
}

/** The summary printed when a restore succeeds. */
export function formatResult(result: RestoreResult, url?: string): string[] {
  const t = result.target;
  const engine = `${t.engine}${t.engineVersion ? ` ${t.engineVersion}` : ''}`;
  const lines = [
    `✓ Restore succeeded in ${formatElapsed(result.durationMs)}`,
    `  Cluster:    ${t.clusterId} (${engine}) in ${t.region}${t.accountId ? `, account ${t.accountId}` : ''}` +
      (result.replacedExistingCluster ? ' (replaced the existing cluster)' : ''),
  ];
  const e = result.endpoints;
  if (e.writerEndpoint) lines.push(`  Writer:     ${e.writerEndpoint}`);
  if (e.readerEndpoint) lines.push(`  Reader:     ${e.readerEndpoint}`);
  if (e.port !== undefined) lines.push(`  Port:       ${e.port}`);
  if (e.instances.length > 0) {
    lines.push(
      `  Instances:  ${e.instances.map((i) => `${i.instanceId} (${i.role}, ${i.instanceClass}, ${i.status})`).join(', ')}`
    );
  }
  const copy = result.snapshotCopy
    ? `; copy ${result.snapshotCopy.identifier} ${result.snapshotCopy.kept ? 'kept' : 'deleted'}`
    : '';
  if (result.snapshot) lines.push(`  Snapshot:   ${result.snapshot.identifier}${copy}`);
  const sc = result.sourceCluster;
  if (sc) {
    const at =
      sc.kind === 'clone' ? 'copy-on-write clone' : `as of ${sc.restoreToTime ?? 'its latest restorable time'}`;
    lines.push(`  Source:     cluster ${sc.identifier} (${at})`);
  }
  if (result.masterPassword) {
    lines.push(
      result.masterPassword.mode === 'managed'
        ? `  Password:   managed by RDS in Secrets Manager${result.masterPassword.managedSecretArn ? `: ${result.masterPassword.managedSecretArn}` : ''}`
        : '  Password:   set from the Secrets Manager secret in the request'
    );
  }
  lines.push(...formatDatabaseOutcome(result.database));
  lines.push(...formatApproval(result.approval), ...formatRecovery(result.recovery));
  lines.push(`  Operation:  ${result.operationId}`);
  if (url) lines.push(`  Web UI:     ${url}`);
  return lines;
}

/** What the database steps did: users, scripts with rows changed, verification with each check. */
export function formatDatabaseOutcome(outcome: RestoreResult['database']): string[] {
  if (!outcome) return [];
  const lines: string[] = [];
  if (outcome.users?.length) {
    lines.push(`  Users:      ${outcome.users.map((u) => `${u.name} ${u.action} (${u.role})`).join(', ')}`);
  }
  for (const s of outcome.sanitization ?? []) {
    lines.push(`  Sanitized:  ${s.name}: ${s.statements} statement(s), ${s.rowsAffected} row(s) changed`);
  }
  const v = outcome.verification;
  if (v) {
    const estimated = v.tables.reduce((n, t) => n + (t.rowEstimate ?? 0), 0);
    lines.push(
      `  Verified:   ${v.serverVersion.split(' ').slice(0, 2).join(' ')}; ${v.schemas.length} schema(s), ` +
        `${v.tables.length}${v.tablesTruncated ? '+' : ''} table(s), ~${estimated} row(s) estimated`
    );
    for (const c of v.checks) lines.push(`              ${c.passed ? '✓' : '✗'} ${c.name}: ${c.detail}`);
  }
  return lines;
}

/** A failed restore (or refused command): type, ARP code, step, message, cleanup and what to do. */
export function formatFailure(failure: FailureSummary, url?: string, heading = 'Restore failed'): string[] {
  const code = failure.code ? ` (${failure.code})` : '';
  const step = failure.step ? ` during ${failure.step}` : '';
  const lines = [`✗ ${heading}: ${failure.type}${code}${step}`, ...indent(failure.message)];
  failure.problems?.forEach((p, i) => lines.push(`  ${i + 1}) ${p}`));
  if (failure.cleanup) {
    const { removed, leftInPlace } = failure.cleanup;
    lines.push(
      `  Cleanup removed: ${removed.length > 0 ? removed.join(', ') : 'nothing (this run had created nothing)'}`
    );
    if (leftInPlace.length > 0) lines.push(`  Left in place:   ${leftInPlace.join(', ')}`);
  }
  lines.push(`  What to do: ${failure.hint}`);
  if (url) lines.push(`  Web UI: ${url}`);
  return lines;
}

function indent(text: string): string[] {
  return text.split('\n').map((l) => `  ${l}`);
}

/** `2026-11-25 03:00:12 UTC (5m 02s ago)` */
export function formatTime(date: Date, now?: Date): string {
  const text = `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
  return now ? `${text} (${formatElapsed(now.getTime() - date.getTime())} ago)` : text;
}

/** What this run has created so far (what cleanup would look at). */
export function formatResources(progress: RestoreProgress): string {
  const r = progress.resources;
  const items = [
    r.cluster ? `cluster ${r.cluster}` : undefined,
    r.instances.length > 0 && r.cluster ? `instances ${r.instances.join(', ')}` : undefined,
    r.snapshotCopy ? `snapshot copy ${r.snapshotCopy}` : undefined,
    r.sharedSnapshot ? `share of ${r.sharedSnapshot}` : undefined,
  ].filter((x): x is string => x !== undefined);
  return items.length > 0 ? items.join('; ') : 'nothing yet';
}

export function formatStatusReport(report: RestoreStatusReport, now: Date, url?: string): string[] {
  const sa = report.searchAttributes;
  const progress = report.progress;
  const restoreStatus = progress?.status ?? sa.status;
  const current = progress?.currentStep ?? (report.executionStatus === 'RUNNING' ? sa.step : undefined);
  const detail = [restoreStatus ? `restore: ${restoreStatus}` : undefined, current ? `step: ${current}` : undefined]
    .filter(Boolean)
    .join(', ');
  const lines = [
    `Restore ${report.workflowId}`,
    `  Status:     ${report.executionStatus}${detail ? ` (${detail})` : ''}`,
    `  Run:        ${report.runId}`,
  ];
  if (report.operationId) lines.push(`  Operation:  ${report.operationId}`);
  if (sa.source) lines.push(`  Source:     ${sa.source}`);
  if (progress?.snapshot) lines.push(`  Snapshot:   ${progress.snapshot.identifier} (${progress.snapshot.region})`);
  lines.push(`  Started:    ${formatTime(report.startTime, now)}`);
  if (report.closeTime) {
    lines.push(
      `  Closed:     ${formatTime(report.closeTime)} after ${formatElapsed(report.closeTime.getTime() - report.startTime.getTime())}`
    );
  }
  lines.push(`  Task queue: ${report.taskQueue}`);
  if (url) lines.push(`  Web UI:     ${url}`);

  if (progress) {
    lines.push('', 'Steps:', ...progress.steps.map((s) => `  ${formatStepLine(s, now)}`));
    if (progress.lastObservation) {
      const o = progress.lastObservation;
      lines.push(
        `  Last AWS status: ${o.resource} ${o.id} is ${o.status}${o.percentProgress !== undefined ? ` (${o.percentProgress}%)` : ''}` +
          ` (seen ${formatTime(new Date(o.observedAt), now)})`
      );
    }
    lines.push(`  Created by this run: ${formatResources(progress)}`);
    const decided = [...formatApproval(progress.approval, report.workflowId), ...formatRecovery(progress.recovery)];
    if (decided.length > 0) lines.push('', ...decided.map((l) => l.slice(2)));
    const database = formatDatabaseOutcome(progress.database);
    if (database.length > 0) lines.push('', 'Database:', ...database);
  } else if (report.progressError) {
    lines.push('', `Progress unavailable: ${report.progressError}`, '  (the progress query needs a running worker)');
  }

  for (const a of report.pendingActivities) {
    const next = a.nextAttemptTime ? `, next check ${formatTime(a.nextAttemptTime, undefined)}` : '';
    lines.push('', `Pending activity: ${a.activityType} (${a.state}, attempt ${a.attempt}${next})`);
    if (a.lastFailure) lines.push(`  Last result: ${a.lastFailure}`);
  }

  if (report.outcome?.ok === true) {
    lines.push('', ...formatResult(report.outcome.result));
  } else if (report.outcome?.ok === false) {
    lines.push('', ...formatFailure(report.outcome.failure));
  }
  return lines;
}

/** The approval before replacing the target: pending (with how to decide) or the decision. */
export function formatApproval(approval: ApprovalState | undefined, workflowId?: string): string[] {
  if (!approval) return [];
  const r = approval.replaces;
  const what = `cluster ${r.clusterId} in ${r.region}${r.accountId ? `, account ${r.accountId}` : ''}`;
  const d = approval.decision;
  if (approval.pending || !d) {
    const ref = workflowId ?? `${r.region}/${r.clusterId}`;
    return [
      `  Approval:   PENDING to replace ${what}${r.status ? ` (${r.status})` : ''}, since ${approval.since}, ` +
        `times out ${approval.deadline}`,
      `              aurora-restore approve ${ref} --by <you> --reason <why>   (or reject)`,
    ];
  }
  if (d.decision === 'timed-out') return [`  Approval:   timed out at ${d.at}: nobody decided to replace ${what}`];
  return [`  Approval:   ${d.decision} by ${d.by} at ${d.at} to replace ${what}${d.reason ? `: ${d.reason}` : ''}`];
}

/** Measured recovery time and the RTO verdict. */
export function formatRecovery(recovery: RecoveryReport | undefined): string[] {
  if (!recovery) return [];
  let verdict = '';
  if (recovery.rtoMs !== undefined) {
    const rto = formatDuration(recovery.rtoMs);
    if (recovery.rtoMet === true) verdict = ` (RTO ${rto}: met)`;
    else if (recovery.rtoMet === false) {
      const when = recovery.breachedAt
        ? `, passed at ${recovery.breachedAt}${recovery.breachedDuring ? ` during ${recovery.breachedDuring}` : ''}`
        : '';
      verdict = ` (RTO ${rto}: MISSED${when})`;
    } else verdict = ` (RTO ${rto})`;
  }
  return [`  Recovery:   ${formatElapsed(recovery.totalMs)}${verdict}`];
}

/** `list` as a table. */
export function formatRestoreList(restores: RestoreSummary[], now: Date): string[] {
  if (restores.length === 0) return ['No restores found.'];
  const rows = restores.map((r) => {
    const end = r.closeTime ?? now;
    const restoreState =
      r.executionStatus === 'RUNNING' ? [r.restoreStatus, r.step].filter(Boolean).join(': ') : (r.restoreStatus ?? '');
    return [
      r.workflowId,
      r.executionStatus,
      restoreState,
      formatTime(r.startTime),
      formatElapsed(end.getTime() - r.startTime.getTime()),
      r.source ?? '',
    ];
  });
  const header = ['WORKFLOW ID', 'STATUS', 'RESTORE', 'STARTED', 'DURATION', 'SOURCE'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const render = (row: string[]) =>
    row
      .map((cell, i) => cell.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [render(header), ...rows.map(render)];
}

/** What `cancel` tells the operator will happen. */
export function formatCancelNotice(
  workflowId: string,
  runId: string,
  reason: string,
  progress?: RestoreProgress
): string[] {
  const lines = [
    `Cancellation requested for ${workflowId} (run ${runId}).`,
    `  Reason: ${reason}`,
    '  The restore stops its current step and then removes what this run created, tagged with its operation id',
    `  (${TAG_OPERATION_ID}). It never touches the source cluster or snapshot, nor anything it did not create.`,
  ];
  if (progress) {
    lines.push(`  Created by this run so far: ${formatResources(progress)}`);
    const deleted = progress.steps.find((s) => s.name === 'delete-target' && s.status === 'completed');
    if (deleted)
      lines.push('  Note: the cluster this restore replaced was already deleted; cancelling does not bring it back.');
    if (progress.resources.snapshotCopy)
      lines.push('  The snapshot copy this run made is deleted unless copy.keep was set.');
  } else {
    lines.push('  (No worker answered the progress query, so what this run created could not be listed.)');
  }
  return lines;
}
