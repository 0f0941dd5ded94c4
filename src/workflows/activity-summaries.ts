/**
 * One-line summaries of activity calls in the words of the README and the CLI, so the Web UI's event history reads
 * as the restore's steps (`wait-for-copy: orders-staging-op-1-copy in us-west-2`) instead of code names
 * (`awaitSnapshotAvailable`). Pure functions of the activity type and its input: deterministic, and shared by the
 * workflow interceptor (summary-interceptor.ts) and the tests.
 *
 * The table is typed over every activity the workers register, so an activity added without a summary does not
 * compile.
 */
import type { RestoreActivities } from '../activities';
import type { DatabaseActivities } from '../activities/database';

import type { StepName } from './restore/progress';

export type ActivityName = keyof RestoreActivities | keyof DatabaseActivities;

type AllActivities = RestoreActivities & DatabaseActivities;
type InputOf<K extends ActivityName> = Parameters<AllActivities[K]>[0];

/** Which part of which workflow an activity call belongs to: the restore's own steps, or another phase. */
export type SummaryContext = 'restore' | 'cleanup' | 'expiry' | 'plan';

interface Description<K extends ActivityName> {
  /** The restore step (README "How a restore runs") this activity carries out; `notify` for notifications. */
  step: StepName | 'notify' | 'preflight';
  /**
   * A further step this one activity carries out in full (the lean history's lookup at a restore's start reads the
   * target for check-target too): its step histogram counts the activity's duration when the activity completes.
   */
  alsoStep?: StepName;
  /**
   * Bookkeeping after a step's work (giving back a copy slot or the target lock): no step histogram sample, which
   * would count the step a second time.
   */
  untimed?: true;
  /** What the step does, for contexts outside the restore's steps (cleanup, expiry, plan): `delete cluster`. */
  action: string;
  /** The resource and where it is: `orders-staging in us-west-2`. */
  what: (input: InputOf<K>) => string;
}

const where = (resource: string, loc: { region: string; accountId?: string }): string =>
  `${resource} in ${loc.accountId ? `${loc.accountId}/` : ''}${loc.region}`;

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function snapshotRefLabel(ref: InputOf<'findSnapshot'>['ref']): string {
  switch (ref.kind) {
    case 'identifier':
    case 'arn':
      return ref.identifier;
    case 'latest':
      return `latest ${ref.snapshotType === 'any' ? '' : `${ref.snapshotType} `}snapshot of ${ref.clusterId}`;
    case 'name-template':
      return ref.template.replace('{date}', ref.date);
  }
}

/** The last part of an ARN (a topic's or a snapshot's name), or the text itself when it is not an ARN. */
function arnName(arn: string): string {
  return arn.startsWith('arn:') ? (arn.split(':').pop() ?? arn) : arn;
}

function onDatabase(connection: InputOf<'setupDatabaseUsers'>['connection']): string {
  return `on ${where(connection.clusterId, { region: connection.region })}`;
}

/** Every activity, described. Keys are checked against the registered activities by the compiler. */
export const ACTIVITY_DESCRIPTIONS: { [K in ActivityName]: Description<K> } = {
  findSnapshot: {
    step: 'find-snapshot',
    action: 'find snapshot',
    what: (i) => where(snapshotRefLabel(i.ref), i.source),
  },
  resolveSourceCluster: {
    step: 'resolve-source',
    action: 'resolve source cluster',
    what: (i) =>
      where(
        i.ref.kind === 'clone' ? `clone of ${i.ref.clusterId}` : `${i.ref.clusterId} at ${i.ref.time ?? 'latest'}`,
        i.target
      ),
  },
  restoreClusterToPointInTime: {
    step: 'restore-cluster',
    action: 'restore cluster to point in time',
    what: (i) =>
      `${where(i.clusterId, i.target)} from ${i.restoreType === 'copy-on-write' ? 'a clone of ' : ''}${i.sourceClusterId}` +
      (i.restoreType === 'copy-on-write' ? '' : ` at ${i.restoreToTime ?? 'latest'}`),
  },
  lookUpSourceAndTarget: {
    step: 'find-snapshot',
    alsoStep: 'check-target',
    action: 'find snapshot and check target',
    what: (i) =>
      `${where(snapshotRefLabel(i.snapshot.ref), i.snapshot.source)}; ${where(i.target.clusterId, i.target.target)}`,
  },
  describeCluster: {
    step: 'check-target',
    action: 'check cluster',
    what: (i) => where(i.clusterId, i.target),
  },
  // A preflight inside check-target: its own label, so the step metrics count check-target's describe once.
  checkKmsKeys: {
    step: 'preflight',
    action: 'check KMS keys',
    what: (i) => where(i.kmsKeys.map((k) => k.keyId).join(', '), i.target),
  },
  shareSnapshot: {
    step: 'share-snapshot',
    action: 'share snapshot',
    what: (i) => `${where(i.snapshotIdentifier, i.source)} with account ${i.targetAccountId}`,
  },
  startSnapshotCopy: {
    step: 'copy-snapshot',
    action: 'copy snapshot',
    what: (i) => `${arnName(i.sourceSnapshotArn)} to ${where(i.copyIdentifier, i.target)}`,
  },
  requestCopySlot: {
    step: 'copy-snapshot',
    action: 'request copy slot',
    what: (i) => `for ${where(i.copyIdentifier, i.target)}`,
  },
  releaseCopySlot: {
    step: 'copy-snapshot',
    untimed: true,
    action: 'release copy slot',
    what: (i) => `at ${i.coordinatorId}${i.copyStillRunning ? ` (${i.copyStillRunning} may still run)` : ''}`,
  },
  reconcileCopySlots: {
    step: 'copy-snapshot',
    action: 'count copies in progress',
    what: (i) => `in ${i.location.accountId ? `${i.location.accountId}/` : ''}${i.location.region}`,
  },
  checkCopies: {
    step: 'wait-for-copy',
    action: 'check copies',
    what: (i) =>
      `${i.copyIdentifiers.join(', ')} in ${i.location.accountId ? `${i.location.accountId}/` : ''}${i.location.region}`,
  },
  awaitSnapshotAvailable: {
    step: 'wait-for-copy',
    action: 'wait for snapshot',
    what: (i) => where(i.snapshotIdentifier, i.target),
  },
  unshareSnapshot: {
    step: 'unshare-snapshot',
    action: 'unshare snapshot',
    what: (i) => `${where(i.snapshotIdentifier, i.source)} from account ${i.targetAccountId}`,
  },
  deleteCluster: {
    step: 'delete-target',
    action: 'delete cluster',
    what: (i) => where(i.clusterId, i.target),
  },
  restoreCluster: {
    step: 'restore-cluster',
    action: 'restore cluster',
    what: (i) => `${where(i.clusterId, i.target)} from ${i.snapshotIdentifier}`,
  },
  awaitClusterAvailable: {
    step: 'wait-for-cluster',
    action: 'wait for cluster',
    what: (i) => where(i.clusterId, i.target),
  },
  createInstances: {
    step: 'create-instances',
    action: 'create instances',
    what: (i) => `${i.instanceIds.join(', ')} (${i.instanceClass}) of ${where(i.clusterId, i.target)}`,
  },
  awaitInstancesAvailable: {
    step: 'wait-for-instances',
    action: 'wait for instances',
    what: (i) => `${plural(i.instanceIds.length, 'instance')} of ${where(i.clusterId, i.target)}`,
  },
  setMasterPassword: {
    step: 'set-master-password',
    action: 'set master password',
    what: (i) =>
      `${where(i.clusterId, i.target)} (${'secretArn' in i.spec ? `from secret ${arnName(i.spec.secretArn)}` : 'RDS-managed'})`,
  },
  awaitMasterPasswordApplied: {
    step: 'set-master-password',
    action: 'wait for master password',
    what: (i) => where(i.clusterId, i.target),
  },
  resolveTargetAccount: {
    step: 'validate-request',
    action: 'resolve target account',
    what: (i) =>
      where(i.target.roleArn ? `account of role ${arnName(i.target.roleArn)}` : "worker's own account", i.target),
  },
  releaseTargetLock: {
    step: 'validate-request',
    untimed: true,
    action: 'release target lock',
    // The lock's id names the account (target-lock/<account>/<region>/<cluster>); the summary keeps to the target.
    what: (i) => `of ${i.lockWorkflowId.split('/').slice(-2).join('/')}`,
  },
  deleteSnapshotCopy: {
    step: 'delete-snapshot-copy',
    action: 'delete snapshot copy',
    what: (i) => where(i.snapshotIdentifier, i.target),
  },
  supersedeExpiry: {
    step: 'schedule-expiry',
    action: 'hand over expiry',
    what: (i) => `take over from the previous expiry ${i.workflowId}, if one runs`,
  },
  renameCluster: {
    step: 'rename-into-target',
    action: 'rename cluster',
    what: (i) => `${where(i.from, i.target)} to ${i.to}`,
  },
  renameInstance: {
    step: 'rename-instances',
    action: 'rename instance',
    what: (i) => `${where(i.from, i.target)} to ${i.to} (cluster ${i.clusterId})`,
  },
  stopCluster: {
    step: 'handle-previous',
    action: 'stop cluster',
    what: (i) => where(i.clusterId, i.target),
  },
  publishNotification: {
    step: 'notify',
    action: 'notify',
    what: (i) => `${i.event.kind} to ${arnName(i.topicArn)}`,
  },
  preflightTarget: {
    step: 'preflight',
    action: 'check settings',
    what: (i) => where('subnet group, security groups, parameter groups and KMS keys', i.target),
  },
  setupDatabaseUsers: {
    step: 'setup-users',
    action: 'set up users',
    what: (i) =>
      `${i.users.length > 0 ? i.users.map((u) => u.name).join(', ') : 'users from secret'} ${onDatabase(i.connection)}`,
  },
  sanitizeDatabase: {
    step: 'sanitize-data',
    action: 'sanitize data',
    what: (i) => `${plural(i.scripts.length, 'script')} ${onDatabase(i.connection)}`,
  },
  verifyDatabase: {
    step: 'verify-database',
    action: 'verify database',
    what: (i) => `${plural(i.checks.length, 'check')} ${onDatabase(i.connection)}`,
  },
};

/** Longest summary: the Web UI shows one line. */
export const MAX_SUMMARY_LENGTH = 200;

function isDescribed(name: string): name is ActivityName {
  return Object.prototype.hasOwnProperty.call(ACTIVITY_DESCRIPTIONS, name);
}

/**
 * The summary of one activity call, e.g. `delete-target: orders-staging in us-west-2` in a restore's steps or
 * `cleanup: delete cluster orders-staging in us-west-2` outside them; undefined for an activity this table does not
 * know or an input it cannot read (a summary is a label: it must never fail the call it labels).
 */
export function activitySummary(activityType: string, input: unknown, context: SummaryContext): string | undefined {
  if (!isDescribed(activityType) || typeof input !== 'object' || input === null) return undefined;
  const description = ACTIVITY_DESCRIPTIONS[activityType] as Description<ActivityName>;
  let what: string;
  try {
    what = description.what(input as InputOf<ActivityName>);
  } catch {
    return undefined;
  }
  const summary =
    context === 'restore' || description.step === 'notify'
      ? `${description.step}: ${what}`
      : `${context}: ${description.action} ${what}`;
  return oneLine(summary);
}

/** A start summary for the restores and expiries that workflows start as children. */
export function childWorkflowSummary(workflowType: string, input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const target = (input as { target?: { clusterId?: unknown; region?: unknown; accountId?: unknown } }).target;
  if (typeof target?.clusterId !== 'string' || typeof target.region !== 'string') return undefined;
  const loc = { region: target.region, accountId: typeof target.accountId === 'string' ? target.accountId : undefined };
  if (workflowType === 'auroraRestore') return oneLine(`restore ${where(target.clusterId, loc)}`);
  if (workflowType === 'clusterExpiry') {
    const expiresAt = (input as { expiresAt?: unknown }).expiresAt;
    const when = typeof expiresAt === 'string' ? ` at ${expiresAt}` : '';
    return oneLine(`schedule-expiry: delete ${where(target.clusterId, loc)}${when}`);
  }
  return undefined;
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > MAX_SUMMARY_LENGTH ? `${line.slice(0, MAX_SUMMARY_LENGTH - 1)}…` : line;
}
