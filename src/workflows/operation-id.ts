/**
 * Operation ids made inside a workflow: from the workflow's clock and its seeded random source, so a replay makes
 * the same id. Every resource and notification of a run carries it (see domain/naming).
 */
import { uuid4 } from '@temporalio/workflow';

/** `op-<epoch seconds>-<8 hex>` for a restore; a plan uses the prefix `plan` so its id is never taken for a run's. */
export function newOperationId(prefix: 'op' | 'plan' = 'op'): string {
  return `${prefix}-${Math.floor(Date.now() / 1000)}-${uuid4().replace(/-/g, '').slice(0, 8)}`;
}
