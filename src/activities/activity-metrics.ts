/**
 * Metrics recorded by activities through the SDK's activity meter (it adds `namespace`, `taskQueue` and
 * `activityType`). Outside an activity (e.g. a test calling the function directly) nothing is recorded.
 */
import { Context } from '@temporalio/activity';
import { noopMetricMeter } from '@temporalio/common';
import type { MetricMeter } from '@temporalio/common';

import { METRICS } from '../domain/metrics';

function meter(): MetricMeter {
  try {
    return Context.current().metricMeter;
  } catch {
    return noopMetricMeter;
  }
}

/** A snapshot copy found no free copy slot in its destination region: it waits (the attempt ends not-ready). */
export function countCopySlotBusy(region: string): void {
  const { name, help } = METRICS.copySlotBusy;
  meter().createCounter(name, undefined, help).add(1, { region });
}

/** A snapshot copy was requested after waiting `waitedMs` for a copy slot (0 when one was free at once). */
export function recordCopySlotWait(region: string, waitedMs: number): void {
  const { name, help } = METRICS.copySlotWait;
  meter()
    .createHistogram(name, 'float', 's', help)
    .record(Math.max(0, waitedMs) / 1000, { region });
}
