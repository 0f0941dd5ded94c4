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
import { ALWAYS, addProblem, rules, section, text, valid, wrongType } from './fields';
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

/** The source cluster: given, or read from an automated snapshot identifier (or ARN). */
export function sourceClusterOf(source: Record<string, unknown>): string | undefined {
  const given = valid(SourceClusterId, source.clusterId);
  if (given !== undefined) return given;
  const snapshot = valid(Snapshot, source.snapshot);
  if (snapshot === undefined) return undefined;
  const identifier = snapshot.startsWith('arn:') ? parseSnapshotArn(snapshot)?.identifier : snapshot;
  return identifier === undefined ? undefined : clusterOfAutomatedSnapshot(identifier);
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
  },
  'with region and snapshot (or clusterId and selection)',
  { required: 'give {region, snapshot} or {region, clusterId, selection} to say which snapshot to restore' }
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

  if (src.snapshot !== undefined && src.selection !== undefined) {
    problem(
      [],
      'has both snapshot and selection: give only one (snapshot names one snapshot; selection picks one by rule)'
    );
    return;
  }
  if (src.snapshot === undefined && src.selection === undefined) {
    problem(
      [],
      'says no snapshot to restore: set source.snapshot to a snapshot identifier or ARN, or set source.selection to ' +
        '{"strategy": "latest"} (newest available snapshot of source.clusterId) or ' +
        '{"strategy": "name-template", "template": "nightly-{date}"} (a snapshot named after a date, yesterday by default)'
    );
    return;
  }
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
