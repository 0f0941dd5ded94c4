/**
 * Client side of expiring clusters: read a cluster's expiry (`expiry` query) and change it through the validated
 * updates of the `clusterExpiry` workflow. The CLI's `aurora-restore expiry ...` commands use these.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { Client } from '@temporalio/client';

import { formatDuration, parseDuration } from '../domain/durations';
import type { ExpiryView } from '../domain/expiry';
import { parseExpiryTime } from '../domain/expiry';
import { EXPIRY_WORKFLOW_ID_PREFIX, expiryWorkflowId, WORKFLOW_ID_PREFIX } from '../domain/naming';
import {
  cancelExpiryUpdate,
  expireNowUpdate,
  expiryQuery,
  extendExpiryUpdate,
  setExpiryUpdate,
} from '../workflows/expiry-messages';

import { resolveTargetArgument } from './targets';

export type ExpiryCommand = 'show' | 'extend' | 'set' | 'cancel' | 'now';
export const EXPIRY_COMMANDS: readonly ExpiryCommand[] = ['show', 'extend', 'set', 'cancel', 'now'];

/** No expiry workflow runs for the target. */
export class ExpiryNotFoundError extends Error {
  override readonly name = 'ExpiryNotFoundError';
}

/** The workflow's validator refused the change; nothing was changed. */
export class ExpiryChangeRefusedError extends Error {
  override readonly name = 'ExpiryChangeRefusedError';
}

export interface ResolvedExpiryTarget {
  workflowId: string;
  short: string;
}

/** `region/cluster`, `account/region/cluster`, the restore's workflow id or the expiry's workflow id. */
export function resolveExpiryTarget(arg: string): ResolvedExpiryTarget {
  const text = arg.trim();
  const expiryPrefix = `${EXPIRY_WORKFLOW_ID_PREFIX}/`;
  const resolved = resolveTargetArgument(
    text.startsWith(expiryPrefix) ? `${WORKFLOW_ID_PREFIX}/${text.slice(expiryPrefix.length)}` : text
  );
  return { workflowId: expiryWorkflowId(resolved.target), short: resolved.short };
}

/** Checks an `extend` duration before connecting (the workflow checks it again against the current expiry). */
export function checkExtendDuration(text: string): string | undefined {
  if (text.startsWith('-')) return `"${text}" is negative: extend only moves the expiry later; use set for earlier`;
  try {
    return parseDuration(text) > 0 ? undefined : `"${text}" is zero: give a positive duration such as 1d`;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Checks a `set` date before connecting. */
export function checkSetDate(text: string): string | undefined {
  const parsed = parseExpiryTime(text);
  return typeof parsed === 'string' ? parsed : undefined;
}

export interface ExpiryChangeArgs {
  identity: string;
  reason?: string;
  duration?: string;
  expiresAt?: string;
}

async function mapErrors<T>(target: ResolvedExpiryTarget, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError || (err as { code?: number }).code === 5) {
      throw new ExpiryNotFoundError(
        `No expiry found for ${target.short} (workflow ${target.workflowId}): the restore asked for none, or it ` +
          'ended (deleted, cancelled or taken over by a later restore). Nothing was changed.'
      );
    }
    if (err instanceof WorkflowUpdateFailedError) {
      throw new ExpiryChangeRefusedError(`${err.cause?.message ?? err.message} Nothing was changed.`);
    }
    if (err instanceof Error && /workflow execution already completed/i.test(err.message)) {
      throw new ExpiryNotFoundError(
        `The expiry of ${target.short} (workflow ${target.workflowId}) has already ended. Nothing was changed.`
      );
    }
    throw err;
  }
}

export async function showExpiry(client: Client, target: ResolvedExpiryTarget): Promise<ExpiryView> {
  return mapErrors(target, () => client.workflow.getHandle(target.workflowId).query(expiryQuery));
}

export async function changeExpiry(
  client: Client,
  target: ResolvedExpiryTarget,
  command: Exclude<ExpiryCommand, 'show'>,
  args: ExpiryChangeArgs
): Promise<ExpiryView> {
  const handle = client.workflow.getHandle(target.workflowId);
  const base = { identity: args.identity, ...(args.reason ? { reason: args.reason } : {}) };
  return mapErrors(target, () => {
    switch (command) {
      case 'extend':
        return handle.executeUpdate(extendExpiryUpdate, { args: [{ ...base, duration: args.duration ?? '' }] });
      case 'set':
        return handle.executeUpdate(setExpiryUpdate, { args: [{ ...base, expiresAt: args.expiresAt ?? '' }] });
      case 'cancel':
        return handle.executeUpdate(cancelExpiryUpdate, { args: [base] });
      case 'now':
        return handle.executeUpdate(expireNowUpdate, { args: [base] });
    }
  });
}

/** Human-readable lines for an expiry; time left is recomputed with the caller's clock. */
export function formatExpiry(view: ExpiryView, now: Date): string[] {
  const t = view.target;
  const short = `${t.accountId ? `${t.accountId}/` : ''}${t.region}/${t.clusterId}`;
  const left = Date.parse(view.expiresAt) - now.getTime();
  const when = view.status === 'waiting' ? (left > 0 ? `in ${formatDuration(left)}` : 'due now') : view.status;
  const reminder =
    view.reminder.state === 'not-configured'
      ? 'none (no notifications.topicArn)'
      : `${formatDuration(view.reminder.remindBeforeMs)} before, at ${view.reminder.remindAt}: ${
          view.reminder.state === 'sent' ? `sent ${view.reminder.sentAt ?? ''}`.trim() : 'pending'
        }`;
  const lines = [
    `Expiry of ${short} (workflow ${view.workflowId})`,
    `  Status:     ${view.status}`,
    `  Expires at: ${view.expiresAt} (${when})`,
    `  Reminder:   ${reminder}`,
    `  Operation:  ${view.operationId} (restore ${view.restoreWorkflowId})`,
  ];
  if (view.outcome) lines.push(`  Outcome:    ${view.outcome}`);
  lines.push('  Changes:');
  for (const c of view.changes) {
    const move = c.from && c.to ? `${c.from} -> ${c.to}` : (c.to ?? '');
    lines.push(
      `    ${c.at}  ${c.action.padEnd(10)} by ${c.by}${move ? `  ${move}` : ''}${c.reason ? `  (${c.reason})` : ''}`
    );
  }
  return lines;
}
