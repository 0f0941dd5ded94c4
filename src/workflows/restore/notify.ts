/**
 * The restore's notifications: one event per kind (started, approval-required, rto-breached, succeeded, failed),
 * sent when a topic is configured. A lost notification is logged and never changes the outcome.
 */
import { log, workflowInfo } from '@temporalio/workflow';

import type { ClusterEndpoints } from '../../domain/aws-shapes';
import type { DatabaseSummary } from '../../domain/database-reports';
import { snapshotSourceLabel } from '../../domain/naming';
import type { NotificationKind, RestoreEvent } from '../../domain/restore-event';
import type { ApprovalSummary, CleanupReport, FailureReport, RecoveryReport } from '../../domain/restore-report';
import { localNotifications, notifications } from '../activity-options';
import type { ApprovalState, RestoreProgress } from '../messages';

import { compactHistory } from './compact-history';
import type { RestoreRun } from './run';

export async function notify(
  { request, progress }: Pick<RestoreRun, 'request' | 'progress'>,
  kind: NotificationKind,
  extra: {
    endpoints?: ClusterEndpoints;
    failure?: FailureReport;
    cleanup?: CleanupReport;
    recovery?: RecoveryReport;
  } = {}
): Promise<void> {
  const topicArn = request.notifications.topicArn;
  if (!topicArn) return;
  const event: RestoreEvent = {
    eventId: `${request.operationId}/${kind}`,
    kind,
    operationId: request.operationId,
    workflowId: workflowInfo().workflowId,
    timestamp: new Date(Date.now()).toISOString(),
    source: {
      region: request.source.region,
      accountId: request.source.accountId,
      snapshot: progress.view().snapshot?.arn ?? snapshotSourceLabel(request.source),
      clusterId: request.source.clusterId,
    },
    target: { region: request.target.region, accountId: request.target.accountId, clusterId: request.target.clusterId },
    endpoints: extra.endpoints,
    steps: progress.steps,
    failure: extra.failure,
    cleanup: extra.cleanup,
    database: databaseSummary(progress.view().database),
    approval: progress.view().approval && approvalSummary(progress.view().approval),
    recovery: extra.recovery,
    ...(progress.view().swap ? { swap: progress.view().swap } : {}),
  };
  try {
    await (compactHistory() ? localNotifications : notifications).publishNotification({ topicArn, event });
  } catch (err) {
    log.warn('Notification could not be sent', {
      kind,
      topicArn,
      error: err instanceof Error ? err.message : String(err),
    });
  }
}

/** The database outcome without per-statement and per-table detail: notifications must stay small. */
function databaseSummary(outcome: RestoreProgress['database']): DatabaseSummary | undefined {
  if (!outcome) return undefined;
  const { users, sanitization, verification } = outcome;
  return {
    users: users?.map(({ name, action, role }) => ({ name, action, role })),
    sanitization: sanitization?.map(({ name, statements, rowsAffected }) => ({ name, statements, rowsAffected })),
    verification: verification && {
      serverVersion: verification.serverVersion,
      tables: verification.tables.length,
      checks: verification.checks,
    },
  };
}

function approvalSummary(state: ApprovalState | undefined): ApprovalSummary | undefined {
  if (!state) return undefined;
  const { replaces, since, deadline, decision, swap } = state;
  return { replaces, since, deadline, ...(swap ? { swap } : {}), ...(decision ? { decision } : {}) };
}
