/**
 * Picking the snapshot to restore when the request names a rule instead of an identifier: name templates
 * (`nightly-{date}`), the date they refer to, and "the newest available snapshot of a cluster".
 *
 * Pure: imported by workflow code and by the find-snapshot activity.
 */
import type { SnapshotInfo } from './aws-shapes';

export type SnapshotTypeFilter = 'automated' | 'manual' | 'any';

/** Placeholders a name template may use. */
export const TEMPLATE_PLACEHOLDERS = ['date', 'yyyymmdd', 'cluster'] as const;
export type TemplatePlaceholder = (typeof TEMPLATE_PLACEHOLDERS)[number];

/** Placeholders that carry the date; a template needs one, or every run would look for the same snapshot. */
export const DATE_PLACEHOLDERS: readonly TemplatePlaceholder[] = ['date', 'yyyymmdd'];

export interface ParsedTemplate {
  /** Placeholders found, in order of appearance (repeats included). */
  placeholders: TemplatePlaceholder[];
  /** Names inside braces that are not placeholders, e.g. `dat` in `nightly-{dat}`. */
  unknown: string[];
  /** True when a `{` or `}` is left over that is not part of a `{name}` placeholder. */
  strayBraces: boolean;
}

const PLACEHOLDER_RE = /\{([^{}]*)\}/g;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

export function parseTemplate(template: string): ParsedTemplate {
  const placeholders: TemplatePlaceholder[] = [];
  const unknown: string[] = [];
  for (const match of template.matchAll(PLACEHOLDER_RE)) {
    const name = match[1];
    if ((TEMPLATE_PLACEHOLDERS as readonly string[]).includes(name)) {
      placeholders.push(name as TemplatePlaceholder);
    } else {
      unknown.push(name);
    }
  }
  const strayBraces = /[{}]/.test(template.replace(PLACEHOLDER_RE, ''));
  return { placeholders, unknown, strayBraces };
}

/** True for a `YYYY-MM-DD` string that names a real calendar day (no 2026-02-30). */
export function isCalendarDate(text: string): boolean {
  const m = DATE_RE.exec(text);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1) return false;
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/** The UTC calendar date of an instant, as `YYYY-MM-DD`. */
export function utcDate(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}

export type DateResolution = { ok: true; date: string } | { ok: false; reason: string };

/**
 * Resolves a selection date (`yesterday` (default), `today` or `YYYY-MM-DD`) against `now`, in UTC. An explicit
 * date must be a real day and not after today: a future snapshot cannot exist yet.
 */
export function resolveSnapshotDate(spec: string | undefined, now: Date): DateResolution {
  const today = utcDate(now);
  const value = spec ?? 'yesterday';
  if (value === 'today') return { ok: true, date: today };
  if (value === 'yesterday') return { ok: true, date: utcDate(new Date(now.getTime() - DAY_MS)) };
  if (!DATE_RE.test(value)) {
    return {
      ok: false,
      reason: 'use "yesterday", "today" or a date in YYYY-MM-DD form',
    };
  }
  if (!isCalendarDate(value)) {
    return {
      ok: false,
      reason: 'that day does not exist in the calendar; check the month and day',
    };
  }
  if (value > today) {
    return {
      ok: false,
      reason: `it is in the future (today is ${today} UTC); a snapshot for it cannot exist yet`,
    };
  }
  return { ok: true, date: value };
}

/**
 * Builds a snapshot identifier from a template: `{date}` -> `2026-11-25`, `{yyyymmdd}` -> `20261125`,
 * `{cluster}` -> the source cluster id. Throws on unknown placeholders, a bad date or a missing cluster id
 * (validation refuses such requests first, so a throw here is a programming error).
 */
export function buildSnapshotName(template: string, vars: { date: string; clusterId?: string }): string {
  if (!isCalendarDate(vars.date)) {
    throw new Error(`buildSnapshotName: date must be a real YYYY-MM-DD day, got "${vars.date}"`);
  }
  const parsed = parseTemplate(template);
  if (parsed.unknown.length > 0 || parsed.strayBraces) {
    throw new Error(
      `buildSnapshotName: template "${template}" has unknown placeholders or stray braces; ` +
        `known placeholders: ${TEMPLATE_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`
    );
  }
  return template.replace(PLACEHOLDER_RE, (_, name: TemplatePlaceholder) => {
    switch (name) {
      case 'date':
        return vars.date;
      case 'yyyymmdd':
        return vars.date.replace(/-/g, '');
      case 'cluster':
        if (!vars.clusterId) {
          throw new Error(`buildSnapshotName: template "${template}" uses {cluster} but no cluster id was given`);
        }
        return vars.clusterId;
    }
  });
}

/**
 * Whether a snapshot's RDS type counts for a filter. `manual` also matches `shared`: that is how another
 * account's manual snapshot looks from the account it was shared with (automated snapshots cannot be shared).
 * `any` matches every type, including `awsbackup`.
 */
export function matchesSnapshotType(snapshotType: string, filter: SnapshotTypeFilter): boolean {
  switch (filter) {
    case 'any':
      return true;
    case 'automated':
      return snapshotType === 'automated';
    case 'manual':
      return snapshotType === 'manual' || snapshotType === 'shared';
  }
}

function createdAtMs(s: SnapshotInfo): number | undefined {
  if (!s.createdAt) return undefined;
  const t = Date.parse(s.createdAt);
  return Number.isNaN(t) ? undefined : t;
}

/**
 * The newest `available` snapshot of the wanted type, by creation time, or undefined. Snapshots in any other
 * status (creating, copying, failed...) are ignored: restoring them would fail. A snapshot without a readable
 * creation time ranks below every dated one; ties break on the identifier so the choice is deterministic.
 */
export function pickLatestSnapshot(
  snapshots: readonly SnapshotInfo[],
  snapshotType: SnapshotTypeFilter = 'any'
): SnapshotInfo | undefined {
  let best: SnapshotInfo | undefined;
  let bestTime = -Infinity;
  for (const s of snapshots) {
    if (s.status !== 'available' || !matchesSnapshotType(s.snapshotType, snapshotType)) continue;
    const t = createdAtMs(s) ?? -Infinity;
    if (!best || t > bestTime || (t === bestTime && s.identifier > best.identifier)) {
      best = s;
      bestTime = t;
    }
  }
  return best;
}

export interface SnapshotCounts {
  total: number;
  /** Snapshots of the wanted type, counted by status. */
  byStatus: Record<string, number>;
  /** Snapshots of other types, counted by type. */
  otherTypes: Record<string, number>;
}

function sortedRecord(counts: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

export function countSnapshots(snapshots: readonly SnapshotInfo[], snapshotType: SnapshotTypeFilter): SnapshotCounts {
  const byStatus = new Map<string, number>();
  const otherTypes = new Map<string, number>();
  for (const s of snapshots) {
    if (matchesSnapshotType(s.snapshotType, snapshotType)) {
      byStatus.set(s.status, (byStatus.get(s.status) ?? 0) + 1);
    } else {
      otherTypes.set(s.snapshotType, (otherTypes.get(s.snapshotType) ?? 0) + 1);
    }
  }
  return {
    total: snapshots.length,
    byStatus: sortedRecord(byStatus),
    otherTypes: sortedRecord(otherTypes),
  };
}

function list(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
}

const IN_PROGRESS_SNAPSHOT = new Set(['creating', 'copying', 'pending']);

/**
 * Why `pickLatestSnapshot` found nothing, for the SnapshotNotFound message: how many snapshots there were, by
 * status and by type, and what to do. `subject` names where we looked, e.g. `cluster "orders" in eu-west-1`.
 */
export function explainNoSnapshotMatch(
  snapshots: readonly SnapshotInfo[],
  snapshotType: SnapshotTypeFilter,
  subject = 'the source cluster'
): string {
  const wanted = snapshotType === 'any' ? 'available snapshot' : `available ${snapshotType} snapshot`;
  if (snapshots.length === 0) {
    return (
      `no ${wanted} of ${subject}: it has no snapshots at all. ` +
      'Check source.clusterId, source.region and source.accountId, and that the cluster has automated backups ' +
      'or manual snapshots.'
    );
  }
  const counts = countSnapshots(snapshots, snapshotType);
  const parts: string[] = [];
  const matching = Object.values(counts.byStatus).reduce((a, b) => a + b, 0);
  if (matching > 0) {
    const kind = snapshotType === 'any' ? '' : `${snapshotType} `;
    parts.push(`${matching} ${kind}snapshot(s) not available (${list(counts.byStatus)})`);
  }
  const other = Object.values(counts.otherTypes).reduce((a, b) => a + b, 0);
  if (other > 0) parts.push(`${other} of another type ignored (${list(counts.otherTypes)})`);
  const hints: string[] = [];
  if (Object.keys(counts.byStatus).some((s) => IN_PROGRESS_SNAPSHOT.has(s))) {
    hints.push('wait for the snapshot in progress to become available and start the restore again');
  }
  if (other > 0) hints.push('set source.selection.snapshotType to "any" to consider them');
  if (hints.length === 0) hints.push('take a new snapshot of the source cluster or name a snapshot in source.snapshot');
  return `no ${wanted} of ${subject} among ${snapshots.length} snapshot(s): ${parts.join('; ')}. To fix: ${hints.join(
    ', or '
  )}.`;
}
