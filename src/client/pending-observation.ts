/**
 * The last AWS status a restore's pending wait observed, read from `describe()`: waits do not signal every status or
 * percentage to the workflow (that would grow its history), so the latest one lives with the pending activity, in
 * its last attempt's failure details (a poll that found the resource not ready yet) or its heartbeat details.
 */
import type { WorkflowExecutionDescription } from '@temporalio/client';
import type { LoadedDataConverter } from '@temporalio/common';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';

import type { AwsObservation } from '../domain/observation';

const RESOURCES: ReadonlySet<string> = new Set(['snapshot-copy', 'cluster', 'instances', 'deletion']);

/** Whether `value` has the shape of an observation (anything else in details is ignored). */
export function isObservation(value: unknown): value is AwsObservation {
  if (typeof value !== 'object' || value === null) return false;
  const o = value as Record<string, unknown>;
  return (
    typeof o.resource === 'string' &&
    RESOURCES.has(o.resource) &&
    typeof o.id === 'string' &&
    typeof o.status === 'string' &&
    typeof o.observedAt === 'string' &&
    (o.percentProgress === undefined || typeof o.percentProgress === 'number')
  );
}

type PendingActivity = NonNullable<WorkflowExecutionDescription['raw']['pendingActivities']>[number];

async function firstPayload(converter: LoadedDataConverter, payloads: unknown): Promise<unknown> {
  const list = (payloads as { payloads?: unknown[] } | null | undefined)?.payloads;
  if (!Array.isArray(list) || list.length === 0) return undefined;
  try {
    return await decodeFromPayloadsAtIndex(converter, 0, list as Parameters<typeof decodeFromPayloadsAtIndex>[2]);
  } catch {
    return undefined; // details this version does not understand: no observation rather than no status
  }
}

/** What one pending activity observed last: its heartbeat details or its last failure's details, the newer. */
async function observationOf(converter: LoadedDataConverter, a: PendingActivity): Promise<AwsObservation | undefined> {
  const found: AwsObservation[] = [];
  const heartbeat = await firstPayload(converter, a.heartbeatDetails);
  if (isObservation(heartbeat)) found.push(heartbeat);
  else if (isObservation((heartbeat as { observation?: unknown } | undefined)?.observation)) {
    found.push((heartbeat as { observation: AwsObservation }).observation);
  }
  const failed = await firstPayload(converter, a.lastFailure?.applicationFailureInfo?.details);
  if (isObservation(failed)) found.push(failed);
  return newest(found);
}

/** The newest of the observations (by `observedAt`); undefined for none. */
export function newest(observations: readonly (AwsObservation | undefined)[]): AwsObservation | undefined {
  let best: AwsObservation | undefined;
  for (const o of observations) {
    if (o && (!best || Date.parse(o.observedAt) > Date.parse(best.observedAt))) best = o;
  }
  return best;
}

/** The newest observation of any pending activity of the described run, if one carries one. */
export async function pendingObservation(
  converter: LoadedDataConverter,
  description: Pick<WorkflowExecutionDescription, 'raw'>
): Promise<AwsObservation | undefined> {
  const pending = description.raw.pendingActivities ?? [];
  return newest(await Promise.all(pending.map((a) => observationOf(converter, a))));
}
