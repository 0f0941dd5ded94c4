/** The `source` section: where the snapshot is and which one to restore. Pure. */
import { z } from 'zod';

import {
  buildSnapshotName,
  DATE_PLACEHOLDERS,
  parseTemplate,
  resolveSnapshotDate,
  TEMPLATE_PLACEHOLDERS,
} from '../snapshot-selection';

import { AccountId, clusterId, region, RoleArn, roleAccountProblem, Snapshot } from './aws';
import { ALWAYS, addProblem, rule, rules, section, text, valid, wrongType } from './fields';
import { clusterOfAutomatedSnapshot, parseSnapshotArn, RDS_ID_RULE, snapshotIdentifierProblem } from './identifiers';
import { isPlainObject, show, typeOf } from './messages';

const SNAPSHOT_TYPES = ['automated', 'manual', 'any'] as const;

const SnapshotType = z.enum(SNAPSHOT_TYPES, {
  error: (iss) =>
    typeof iss.input === 'string'
      ? `${show(iss.input)} is not a snapshot type: use "automated", "manual" or "any" (default)`
      : wrongType('a string', iss.input),
});

const KNOWN_PLACEHOLDERS = TEMPLATE_PLACEHOLDERS.map((n) => `{${n}}`).join(', ');

/** Problems of a template on its own; whether it builds valid identifiers is checked with the source cluster. */
function templateProblems(template: string): string[] {
  const parsed = parseTemplate(template);
  const problems: string[] = [];
  if (parsed.unknown.length > 0) {
    problems.push(
      `${show(template)} uses unknown placeholder(s) ${parsed.unknown.map((u) => `{${u}}`).join(', ')}: the known placeholders are ${KNOWN_PLACEHOLDERS}`
    );
  } else if (parsed.strayBraces) {
    problems.push(
      `${show(template)} has a "{" or "}" that is not part of a placeholder: the known placeholders are ${KNOWN_PLACEHOLDERS}`
    );
  }
  if (!parsed.placeholders.some((ph) => DATE_PLACEHOLDERS.includes(ph))) {
    problems.push(
      `${show(template)} has no date placeholder: include {date} (YYYY-MM-DD) or {yyyymmdd}, or every run would restore the same snapshot (use source.snapshot for a fixed one)`
    );
  }
  return problems;
}

const Template = text({ required: 'give a snapshot name template such as "nightly-{date}"' })
  .check(rules(templateProblems))
  .meta({ description: 'Snapshot name with {date} (YYYY-MM-DD) or {yyyymmdd}, optionally {cluster}' });

/** The latest instant there is, so only the form of a date is judged here; the restore's clock judges the rest. */
const END_OF_TIME = new Date('9999-12-31T00:00:00Z');

export const SelectionDate = text()
  .check((ctx) => {
    const r = resolveSnapshotDate(ctx.value, END_OF_TIME);
    if (!r.ok)
      ctx.issues.push({
        code: 'custom',
        message: `${show(ctx.value)} is not a usable date: ${r.reason}`,
        input: ctx.value,
      });
  })
  .meta({
    pattern: '^(yesterday|today|\\d{4}-\\d{2}-\\d{2})$',
    default: 'yesterday',
    description: 'yesterday, today or YYYY-MM-DD (UTC), resolved when the restore starts',
  });

const LatestSelection = section({ strategy: z.literal('latest'), snapshotType: SnapshotType.default('any') }, '').meta({
  description: 'The newest available snapshot of source.clusterId',
});

const NameTemplateSelection = section(
  { strategy: z.literal('name-template'), template: Template, date: SelectionDate.optional() },
  ''
).meta({ description: 'A snapshot named from a template and a date' });

export const SnapshotSelectionSchema = z.discriminatedUnion('strategy', [LatestSelection, NameTemplateSelection], {
  error: (iss) => {
    if (iss.code === 'invalid_union' && isPlainObject(iss.input)) {
      const strategy = iss.input.strategy;
      return strategy === undefined
        ? 'is required: use "latest" (newest available snapshot of source.clusterId) or "name-template" (a snapshot named from a template and a date)'
        : `${show(strategy)} is not a strategy: use "latest" or "name-template"`;
    }
    return `must be an object such as {"strategy": "latest"} or {"strategy": "name-template", "template": "nightly-{date}"}, got ${typeOf(iss.input)}`;
  },
});

export const Region = region({ required: 'give the region that holds the snapshot, e.g. "us-east-1"' });
export const SourceClusterId = clusterId();

/** The source cluster: given, the point-in-time or clone source, or read from an automated snapshot identifier. */
export function sourceClusterOf(source: Record<string, unknown>): string | undefined {
  const given = valid(SourceClusterId, source.clusterId);
  if (given !== undefined) return given;
  for (const key of CLUSTER_SOURCE_KEYS) {
    const nested = source[key];
    const id = isPlainObject(nested) ? valid(SourceClusterId, nested.clusterId) : undefined;
    if (id !== undefined) return id;
  }
  const snapshot = valid(Snapshot, source.snapshot);
  if (snapshot === undefined) return undefined;
  const identifier = snapshot.startsWith('arn:') ? parseSnapshotArn(snapshot)?.identifier : snapshot;
  return identifier === undefined ? undefined : clusterOfAutomatedSnapshot(identifier);
}

// ---------------------------------------------------------------------------------------------------------------
// Cluster sources: a point in time of a live cluster, or a copy-on-write clone of it (RestoreDBClusterToPointInTime).

/** The source keys that name a live cluster instead of a snapshot. */
export const CLUSTER_SOURCE_KEYS = ['pointInTime', 'clone'] as const;

/** An instant with a date, a time and a zone (`Z` or `+01:00`): RestoreToTime is an absolute UTC instant. */
const INSTANT_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** The instant of a valid `time`, in ms; undefined when it is not one. */
export function restoreTimeMs(value: string): number | undefined {
  if (!INSTANT_RE.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

export const RestoreTime = text()
  .check(
    rule((v: string) =>
      restoreTimeMs(v) !== undefined
        ? undefined
        : `${show(v)} is not an instant: use ISO 8601 with a zone, e.g. "2026-11-27T23:00:00Z" (UTC) or "2026-11-28T00:00:00+01:00"`
    )
  )
  .meta({
    pattern: INSTANT_RE.source,
    description: "The instant to restore to, ISO 8601 with a zone; within the source cluster's restorable window",
  });

/** The region of a cluster source may be repeated inside it; it must then agree with source.region. */
const NestedRegion = region().optional().meta({ description: 'Same as source.region (may be left out)' });

const PointInTimeSchema = section(
  {
    clusterId: clusterId({ required: 'name the cluster to restore to a point in time' }).meta({
      description: 'The cluster to restore to a point in time (same region and account); never changed',
    }),
    region: NestedRegion,
    time: RestoreTime.optional(),
    latest: z.literal(true, { error: 'must be true (or left out, with time given)' }).optional().meta({
      description: "true: the source cluster's latest restorable time (about 5 minutes ago)",
    }),
  },
  'such as {"clusterId": "orders", "time": "2026-11-27T23:00:00Z"} or {"clusterId": "orders", "latest": true}'
)
  .superRefine((pit, ctx) => {
    if (!isPlainObject(pit)) return;
    if (pit.time !== undefined && pit.latest !== undefined) {
      addProblem(ctx, [], 'has both time and latest: give only one (time for an instant, latest: true for the newest)');
    } else if (pit.time === undefined && pit.latest === undefined) {
      addProblem(
        ctx,
        [],
        'says no instant: set time (ISO 8601, e.g. "2026-11-27T23:00:00Z") or latest: true (the latest restorable time)'
      );
    }
  }, ALWAYS)
  .meta({ description: 'Restore a live cluster as it was at an instant (RestoreDBClusterToPointInTime)' });

const CloneSchema = section(
  {
    clusterId: clusterId({ required: 'name the cluster to clone' }).meta({
      description: 'The cluster to clone (same region and account, with at least one instance); never changed',
    }),
    region: NestedRegion,
  },
  'such as {"clusterId": "orders"}'
).meta({ description: 'A copy-on-write clone of a live cluster at its latest restorable time (same region only)' });

/** How the source names what to restore; exactly one is given. */
const SOURCE_KINDS = ['snapshot', 'selection', 'pointInTime', 'clone'] as const;

/** Problems of the cluster sources (pointInTime, clone) against the rest of the source section. */
function clusterSourceProblems(src: Record<string, unknown>, add: (path: PropertyKey[], message: string) => void) {
  const key = CLUSTER_SOURCE_KEYS.find((k) => src[k] !== undefined);
  if (key === undefined) return;
  const nested = src[key];
  if (!isPlainObject(nested)) return;
  const sourceRegion = valid(Region, src.region);
  const nestedRegion = valid(Region, nested.region);
  if (sourceRegion !== undefined && nestedRegion !== undefined && sourceRegion !== nestedRegion) {
    add(
      [key, 'region'],
      `${show(nestedRegion)} differs from source.region ${show(sourceRegion)}: give the region once, in source.region`
    );
  }
  if (src.clusterId !== undefined) {
    add(['clusterId'], `is not used with source.${key}: name the cluster in source.${key}.clusterId only`);
  }
  if (src.roleArn !== undefined) {
    add(
      ['roleArn'],
      `is not used with source.${key}: the restore runs in the target account, where the source cluster must be (leave roleArn out)`
    );
  }
}

export const SourceSchema = section(
  {
    region: Region,
    accountId: AccountId.optional().meta({
      description: 'Account that owns the snapshot; default: the target account',
    }),
    roleArn: RoleArn.optional(),
    snapshot: Snapshot.optional(),
    clusterId: SourceClusterId.optional().meta({ description: 'Source cluster; never deleted or replaced' }),
    selection: SnapshotSelectionSchema.optional(),
    pointInTime: PointInTimeSchema.optional(),
    clone: CloneSchema.optional(),
  },
  'with region and snapshot (or clusterId and selection, or pointInTime, or clone)',
  {
    required:
      'give {region, snapshot}, {region, clusterId, selection}, {region, pointInTime} or {region, clone} to say what to restore',
  }
).superRefine((src, ctx) => {
  if (!isPlainObject(src)) return;
  const problem = (path: PropertyKey[], message: string): void => addProblem(ctx, path, message);
  const regionValue = valid(Region, src.region);
  const accountId = valid(AccountId, src.accountId);
  const roleProblem = roleAccountProblem(src, 'source');
  if (roleProblem) problem(['roleArn'], roleProblem);
  const snapshot = valid(Snapshot, src.snapshot);
  const arn = snapshot?.startsWith('arn:') ? parseSnapshotArn(snapshot) : undefined;
  if (arn && regionValue !== undefined && arn.region !== regionValue) {
    problem(
      ['snapshot'],
      `the snapshot ARN is in region ${arn.region} but source.region is ${regionValue}: make them agree`
    );
  }
  if (arn && accountId !== undefined && arn.accountId !== accountId) {
    problem(
      ['snapshot'],
      `the snapshot ARN is in account ${arn.accountId} but source.accountId is ${accountId}: make them agree`
    );
  }

  const given = SOURCE_KINDS.filter((k) => src[k] !== undefined);
  if (given.length > 1) {
    problem(
      [],
      `has ${given.length === 2 ? 'both ' : ''}${given.join(' and ')}: give only one (snapshot names one snapshot; selection picks one by rule; ` +
        'pointInTime restores a live cluster as it was at an instant; clone makes a copy-on-write clone of a live cluster)'
    );
    return;
  }
  if (given.length === 0) {
    problem(
      [],
      'says no snapshot to restore: set source.snapshot to a snapshot identifier or ARN, or set source.selection to ' +
        '{"strategy": "latest"} (newest available snapshot of source.clusterId) or ' +
        '{"strategy": "name-template", "template": "nightly-{date}"} (a snapshot named after a date, yesterday by default), ' +
        'or restore a live cluster with source.pointInTime {"clusterId": ..., "time": ... | "latest": true} or source.clone {"clusterId": ...}'
    );
    return;
  }
  clusterSourceProblems(src, problem);
  const selection = src.selection;
  if (!isPlainObject(selection)) return;
  const clusterIdGiven = src.clusterId !== undefined;
  if (selection.strategy === 'latest' && !clusterIdGiven) {
    problem(
      ['clusterId'],
      'is required with source.selection strategy "latest": name the cluster whose newest available snapshot should be restored'
    );
  }
  if (selection.strategy === 'name-template' && typeof selection.template === 'string') {
    const template = selection.template;
    const usesCluster = parseTemplate(template).placeholders.includes('cluster');
    if (usesCluster && !clusterIdGiven) {
      problem(['clusterId'], 'is required because source.selection.template uses {cluster}: name the source cluster');
      return;
    }
    const cluster = valid(SourceClusterId, src.clusterId);
    if (templateProblems(template).length > 0 || (usesCluster && cluster === undefined)) return;
    const sample = buildSnapshotName(template, { date: '2000-01-01', clusterId: cluster });
    const why = snapshotIdentifierProblem(sample);
    if (why) {
      problem(
        ['selection', 'template'],
        `builds snapshot identifiers such as ${show(sample)}, which are not valid: ${why}. Use ${RDS_ID_RULE} around the placeholders (for automated snapshots use strategy "latest" with snapshotType "automated")`
      );
    }
  }
}, ALWAYS);

/**
 * Rules between a cluster source (pointInTime, clone) and the target. AWS restores a cluster to a point in time, or
 * clones it, only in the cluster's own region and account (RestoreDBClusterToPointInTime: "the new DB cluster is
 * created in the same AWS Region as the source"; cross-account clones need an AWS RAM share, which the pipeline
 * does not manage), and the call takes no engine version: the new cluster has the source's.
 */
export function clusterSourceTargetProblems(
  source: Record<string, unknown> | undefined,
  target: Record<string, unknown> | undefined,
  targetRegion: string | undefined,
  add: (path: PropertyKey[], message: string) => void
): void {
  const key = source ? CLUSTER_SOURCE_KEYS.find((k) => source[k] !== undefined) : undefined;
  if (!source || !target || key === undefined) return;
  const what = key === 'clone' ? 'a clone' : 'a point-in-time restore';
  const sourceRegion = valid(Region, source.region);
  if (sourceRegion !== undefined && targetRegion !== undefined && sourceRegion !== targetRegion) {
    add(
      ['source', key],
      `${what} is made in the source cluster's own region (${sourceRegion}), but target.region is ${targetRegion}: ` +
        `restore into ${sourceRegion}, or restore a snapshot with source.snapshot or source.selection (copied across regions for you)`
    );
  }
  const sourceAccount = valid(AccountId, source.accountId);
  const targetAccount = valid(AccountId, target.accountId);
  if (sourceAccount !== undefined && targetAccount !== undefined && sourceAccount !== targetAccount) {
    add(
      ['source', key],
      `${what} is made in the source cluster's own account (${sourceAccount}), but target.accountId is ${targetAccount}` +
        (key === 'clone'
          ? ': cross-account clones need an AWS RAM share of the cluster, which the pipeline does not support yet. '
          : '. ') +
        'Restore into the source account, or restore a snapshot with source.snapshot or source.selection (shared and copied for you)'
    );
  }
  // The live source itself as target: the restore reads the cluster it would replace. Refused for now, whatever
  // the strategy (a point-in-time rollback by swap is conceivable, but not built or tested yet).
  const sourceCluster = sourceClusterOf(source);
  const targetCluster = valid(clusterId(), target.clusterId);
  if (
    sourceCluster !== undefined &&
    targetCluster !== undefined &&
    sourceCluster.toLowerCase() === targetCluster.toLowerCase() &&
    (sourceRegion === undefined || targetRegion === undefined || sourceRegion === targetRegion)
  ) {
    add(
      ['target', 'clusterId'],
      `${show(targetCluster)} is the source cluster of ${what}: the restore reads it, so it never replaces ` +
        `it. Choose another target.clusterId, e.g. "${sourceCluster.slice(0, 55).replace(/-+$/, '')}-restore"`
    );
  }
  if (target.engineVersion !== undefined) {
    add(
      ['target', 'engineVersion'],
      `is not used with source.${key}: the new cluster runs the source cluster's engine version. Leave it out, or upgrade the cluster after the restore`
    );
  }
}
