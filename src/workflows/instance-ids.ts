/**
 * The instance identifiers a restore (or a plan) derives for its target, kept stable on replay: targets whose ids
 * never needed truncation get the same ids as ever and record no marker; a long target gets the hashed ids
 * (`naming.instanceId`) unless it is a run that began with the old cut, which replays with the ids it used.
 */

import { instanceIds, legacyInstanceIds } from '../domain/naming';

import { patchedBeforeCompact } from './restore/compact-history';

export const UNIQUE_INSTANCE_IDS_PATCH = 'unique-instance-ids';

export function targetInstanceIds(clusterId: string, count: number): string[] {
  const ids = instanceIds(clusterId, count);
  const legacy = legacyInstanceIds(clusterId, count);
  if (ids.every((id, i) => id === legacy[i])) return ids;
  return patchedBeforeCompact(UNIQUE_INSTANCE_IDS_PATCH) ? ids : legacy;
}
