/**
 * The visibility query behind `aurora-restore list`: filters checked and turned into a query string. Pure (no
 * Temporal client), so the CLI checks `--status` and `--target` before it connects.
 */
import { WORKFLOW_ID_PREFIX } from '../domain/naming';
import { SA_STATUS, SA_TARGET } from '../workflows/messages';

import type { ResolvedTarget } from './targets';
import { resolveTargetArgument, TargetArgumentError } from './targets';

/** The workflow type registered by the worker (the exported workflow function's name). */
export const WORKFLOW_TYPE = 'auroraRestore';
export const DEFAULT_LIST_LIMIT = 20;
export const MAX_LIST_LIMIT = 1000;

/** A `list` filter that is not understood. */
export class ListFilterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ListFilterError';
  }
}

/** Filters `list --status` understands, mapped to Temporal's ExecutionStatus (and our status attribute). */
export const LIST_STATUSES = ['running', 'cleaning-up', 'completed', 'failed', 'terminated', 'timed-out'] as const;
export type ListStatus = (typeof LIST_STATUSES)[number];
const STATUS_ALIASES: Record<string, ListStatus> = {
  succeeded: 'completed',
  timed_out: 'timed-out',
  timedout: 'timed-out',
};

/** A string literal for a visibility query: single-quoted, with backslashes and quotes escaped. */
export function visibilityString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export interface ListFilter {
  status?: string;
  /** `cluster`, `region/cluster`, `account/region/cluster` or a workflow id. */
  target?: string;
}

export interface ListQuery {
  query: string;
  /** A bare cluster id cannot be matched by the server (keyword attributes have no suffix match): filtered here. */
  clusterId?: string;
}

/** Builds the visibility query for `list`; throws `ListFilterError` for filters it does not understand. */
export function buildListQuery(filter: ListFilter = {}): ListQuery {
  const clauses = [`WorkflowType = ${visibilityString(WORKFLOW_TYPE)}`];
  let clusterId: string | undefined;

  if (filter.status !== undefined) {
    const key = filter.status.trim().toLowerCase();
    const status = (LIST_STATUSES as readonly string[]).includes(key) ? (key as ListStatus) : STATUS_ALIASES[key];
    if (!status) {
      throw new ListFilterError(
        `Unknown status "${filter.status}": use one of ${LIST_STATUSES.join(', ')} (succeeded = completed). ` +
          `A cancelled restore ends failed (RestoreCancelled) after its cleanup.`
      );
    }
    const execution: Record<ListStatus, string> = {
      running: 'Running',
      'cleaning-up': 'Running',
      completed: 'Completed',
      failed: 'Failed',
      terminated: 'Terminated',
      'timed-out': 'TimedOut',
    };
    clauses.push(`ExecutionStatus = ${visibilityString(execution[status])}`);
    if (status === 'cleaning-up') clauses.push(`${SA_STATUS.name} = ${visibilityString('cleaning-up')}`);
  }

  if (filter.target !== undefined) {
    const text = filter.target.trim();
    if (!text.includes('/')) {
      const resolved = safeResolve(`us-east-1/${text}`, filter.target);
      clusterId = resolved.target.clusterId;
    } else {
      const resolved = safeResolve(text, filter.target);
      if (resolved.target.accountId || text.startsWith(`${WORKFLOW_ID_PREFIX}/`)) {
        clauses.push(`WorkflowId = ${visibilityString(resolved.workflowId)}`);
      } else {
        // Any account: the target attribute holds region/cluster.
        clauses.push(
          `${SA_TARGET.name} = ${visibilityString(`${resolved.target.region}/${resolved.target.clusterId}`)}`
        );
      }
    }
  }
  return { query: clauses.join(' AND '), ...(clusterId ? { clusterId } : {}) };
}

function safeResolve(text: string, given: string): ResolvedTarget {
  try {
    return resolveTargetArgument(text);
  } catch (err) {
    if (err instanceof TargetArgumentError) {
      throw new ListFilterError(
        `--target "${given}" is not understood: use a cluster id, region/cluster, account/region/cluster or a workflow id. ${err.message}`
      );
    }
    throw err;
  }
}
