/**
 * How many restore workers share the RDS call budget: the distinct identities polling the restore task queue for
 * activities, as the Temporal server reports them (DescribeTaskQueue). The server keeps a poller listed for a few
 * minutes after its last poll, so a worker that just left still counts for a while: the shares err on the low side.
 * A worker that just joined is seen by the others at their next refresh; until then the fleet may exceed the budget
 * by that worker's share.
 */
import { temporal } from '@temporalio/proto';
import type { NativeConnection } from '@temporalio/worker';

import type { CallBudget } from '../activities/call-budget';

import { refreshCount } from './periodic-count';
import type { PeriodicCount } from './periodic-count';

/** How often each worker recounts the fleet. */
export const FLEET_REFRESH_MS = 30_000;

/**
 * Distinct worker identities polling `taskQueue` for activity tasks, counting `self` (this worker's identity) even
 * before its first poll reaches the server.
 */
export async function countActivityWorkers(
  connection: Pick<NativeConnection, 'workflowService'>,
  namespace: string,
  taskQueue: string,
  self: string
): Promise<number> {
  const response = await connection.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
  });
  const identities = new Set((response.pollers ?? []).map((p) => p.identity ?? '').filter((id) => id !== ''));
  identities.add(self);
  return identities.size;
}

export type FleetWatch = PeriodicCount;

/**
 * Keeps `budget` split across the restore workers: counts them now and every `refreshMs`. A failed count keeps the
 * last known number and is reported through `onError` (a budget that is briefly too generous is better than a
 * worker that stops).
 */
export function watchFleet(
  budget: CallBudget,
  count: () => Promise<number>,
  options: { refreshMs?: number; onChange?: (workers: number) => void; onError?: (err: unknown) => void } = {}
): FleetWatch {
  const { refreshMs = FLEET_REFRESH_MS, onChange, onError } = options;
  const use = (workers: number) => {
    if (workers === budget.workerCount()) return;
    budget.setWorkers(workers);
    onChange?.(workers);
  };
  return refreshCount(count, use, refreshMs, onError);
}
