/**
 * The plan (dry run) of a restore: what the same request would do and every problem found up front, from read-only
 * AWS calls. Problems are data, not errors: a plan with problems is still a successful plan.
 *
 * Pure types and helpers: imported by the planRestore workflow, its activities and the CLI.
 */
import type { ClusterRef, RestoreClusterSettings, SnapshotInfo, SourceClusterInfo } from './aws-shapes';
import type { FailureName } from './errors';
import type { AuroraEngine } from './request';
import type { ReplaceStrategy } from './restore-plan';
import { unknownRegionWarning } from './schema/regions';

/** Problem codes: the failure the restore would end with (catalogue name), or a missing target resource. */
export type PlanProblemCode =
  | FailureName
  | 'SubnetGroupNotFound'
  | 'SecurityGroupNotFound'
  | 'SecurityGroupInOtherVpc'
  | 'ClusterParameterGroupNotFound'
  | 'ParameterGroupNotFound'
  | 'KmsKeyNotUsable'
  | 'DefaultKmsKeyNotShareable';

export interface PlanProblem {
  code: PlanProblemCode;
  /** The request field to change (dotted path), e.g. `target.dbSubnetGroupName`. */
  field: string;
  /** What is wrong, with which resource, and what to do. */
  message: string;
}

/** Something the restore would not fail on, but a person should look at (e.g. a region the SDK does not know yet). */
export interface PlanWarning {
  field: string;
  message: string;
}

/** The snapshot a plan found, without its tags and progress. */
export type PlannedSnapshot = Pick<
  SnapshotInfo,
  | 'identifier'
  | 'arn'
  | 'region'
  | 'accountId'
  | 'engine'
  | 'engineVersion'
  | 'status'
  | 'snapshotType'
  | 'encrypted'
  | 'kmsKeyId'
  | 'createdAt'
>;

export interface RestorePlan {
  /** True when no problem was found: the restore would start its first change with nothing known against it. */
  ok: boolean;
  /** Every problem found, in request order (validation first, then snapshot, target, network, keys). */
  problems: PlanProblem[];
  /** What is not a problem but may be a mistake; absent when there is nothing to say. */
  warnings?: PlanWarning[];
  /** The operation id the plan used (the request's, or one generated for the plan only). */
  operationId?: string;
  target?: ClusterRef;
  /** What the request restores from: a snapshot, a point in time of a live cluster, or a clone of one. */
  sourceKind?: 'snapshot' | 'point-in-time' | 'clone';
  /** The snapshot the restore would use; absent when it could not be found. */
  snapshot?: PlannedSnapshot;
  /** The live cluster a point-in-time restore or clone would start from, with its restorable window. */
  sourceCluster?: SourceClusterInfo;
  /** The engine the cluster would be restored with. */
  engine?: string;
  /** Sharing from the source account with the target account (cross-account restores). */
  share?: { needed: boolean; withAccount?: string };
  copy?: { needed: boolean; reason: string; identifier?: string; kmsKeyId?: string; keep: boolean };
  /** The existing target cluster that would be replaced (null: none exists, a new cluster is created). */
  replace?: {
    existing: {
      identifier: string;
      status: string;
      deletionProtection: boolean;
      managedByPipeline: boolean;
      /** Member instances this pipeline did not create (a person added them); present when there are any. */
      unmanagedInstances?: string[];
    } | null;
    /** Whether replacing it is allowed by the request and the guards (true when nothing exists). */
    allowed: boolean;
    /** How an existing target would be replaced (present when one exists). */
    strategy?: ReplaceStrategy;
    /**
     * Present when the target is the restore's own source (the cluster the snapshot was taken from, a rollback, or
     * source.clusterId): whether the strategy may replace it without losing anything before the new one is verified.
     */
    rollback?: { kind: 'rollback' | 'declared-source'; allowed: boolean; reason: string };
    disablesDeletionProtection: boolean;
    /**
     * With the swap strategy: the temporary names the new cluster and its instances are restored under, the name the
     * old cluster moves to, what then becomes of it, and the room it needs: two clusters exist at once until the swap.
     */
    swap?: {
      incomingClusterId: string;
      incomingInstanceIds: string[];
      outgoingClusterId: string;
      previous: 'delete' | 'keep' | 'stop';
      keepForMs?: number;
      /** Clusters and instances in the account and region at the peak (the old target's plus the new ones). */
      quota: { clusters: number; instances: number; note: string };
    };
    /** Present when the replacement waits for a person's approve/reject update (`approval.required`). */
    approval?: { timeoutMs: number; notify: boolean };
  };
  restore?: Pick<
    RestoreClusterSettings,
    | 'engineVersion'
    | 'port'
    | 'dbSubnetGroupName'
    | 'vpcSecurityGroupIds'
    | 'dbClusterParameterGroupName'
    | 'kmsKeyId'
    | 'deletionProtection'
  >;
  instances?: { ids: string[]; instanceClass: string; dbParameterGroupName?: string };
  /** `snapshot`: the restored cluster keeps the snapshot's master password. */
  masterPassword?: { mode: 'snapshot' | 'secret' | 'managed'; secretArn?: string; kmsKeyId?: string };
  /** The database steps the request asks for, listed (a plan never connects to a database). */
  database?: { taskQueue: string; steps: { step: string; detail: string }[] };
}

/** Workflow id of a plan: never the restore's per-target id, so a plan never waits for or blocks a restore. */
export function planWorkflowId(target: { region: string; clusterId: string }, suffix: string): string {
  return `aurora-restore-plan/${target.region}/${target.clusterId}/${suffix}`;
}

/** Validation problems (`path: text`, as RequestValidationError lists them) as plan problems. */
export function validationProblems(problems: readonly string[]): PlanProblem[] {
  return problems.map((text) => {
    const at = text.indexOf(': ');
    const field = at > 0 ? text.slice(0, at) : 'request';
    return { code: 'InvalidRequest', field, message: at > 0 ? text.slice(at + 2) : text };
  });
}

/** Warnings about the request's regions: a region the AWS SDK's partition data does not list. */
export function regionWarnings(request: { source: { region: string }; target: { region: string } }): PlanWarning[] {
  const warnings: PlanWarning[] = [];
  for (const [field, region] of [
    ['source.region', request.source.region],
    ['target.region', request.target.region],
  ] as const) {
    const message = unknownRegionWarning(region);
    if (message) warnings.push({ field, message });
  }
  return warnings;
}

export type { AuroraEngine };
