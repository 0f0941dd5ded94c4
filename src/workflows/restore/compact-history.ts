/**
 * A compact history (about half of what the lean history, lean-history.ts, grew to with the target lock and the
 * copy-slot queue): what a restore writes besides its waits. Restores started with this patch (all new ones):
 * - record one patch marker (and its search-attribute upsert) instead of one per older change: a compact run has
 *   every change recorded before it, so it asks for none of their markers;
 * - make their short calls after the first lookup (checks, the calls that start a copy, a restore or instances,
 *   the deletion of the copy, the copy slot's request and release, the target lock's account and release, the
 *   previous expiry's stand-down, the notifications) as local activities: each records one marker in the workflow
 *   task that asked for it instead of three events and a workflow task of its own. They are the same idempotent
 *   activities (describe before acting, adopt what this run created), retried the same way; the first lookup, the
 *   waits that poll AWS and the database steps stay regular activities;
 * - release the copy slot and the target lock from an activity (signals sent by the worker's client) instead of an
 *   external signal command and its workflow task.
 * Restores recorded before the patch replay with the shape they were recorded with.
 */
import { patched } from '@temporalio/workflow';

export const COMPACT_HISTORY_PATCH = 'compact-history';

/** This run's shape, decided once at its start (module state is per workflow run). */
let compact: boolean | undefined;

/** Decides whether this run writes the compact history; call once, first thing in the restore. */
export function beginCompactHistory(): boolean {
  compact = patched(COMPACT_HISTORY_PATCH);
  return compact;
}

/** Whether this run writes the compact history (false before `beginCompactHistory` and in other workflows). */
export function compactHistory(): boolean {
  return compact === true;
}

/**
 * `patched(id)` for a change older than the compact history: true without a marker in a compact run, which has
 * every such change; the recorded marker decides in runs recorded before it.
 */
export function patchedBeforeCompact(id: string): boolean {
  return compact === true || patched(id);
}
