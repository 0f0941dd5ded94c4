/**
 * `aurora-restore plan`: runs the planRestore workflow (read-only dry run) and prints the plan, problems first.
 * A request that fails validation is planned locally, without connecting: the workflow would find the same problems.
 */
import { randomBytes } from 'node:crypto';

import type { Client } from '@temporalio/client';

import { formatDuration } from '../domain/durations';
import { planWorkflowId, validationProblems } from '../domain/plan';
import type { RestorePlan } from '../domain/plan';
import type { RestoreRequest } from '../domain/request';
import { RequestValidationError, validateRestoreRequest } from '../domain/validate';
import type { planRestore } from '../workflows';

export const PLAN_WORKFLOW_TYPE = 'planRestore';

/** The plan of a request that fails validation, or undefined when it is valid (the workflow must plan it). */
export function planInvalidRequest(request: unknown, now: Date): RestorePlan | undefined {
  try {
    validateRestoreRequest(request, { now, newOperationId: () => 'plan' });
    return undefined;
  } catch (err) {
    if (err instanceof RequestValidationError) return { ok: false, problems: validationProblems(err.problems) };
    throw err;
  }
}

/** Runs planRestore for `request` and returns the plan (found problems are in it; errors are infrastructure). */
export async function runPlan(
  client: Client,
  request: RestoreRequest,
  options: { taskQueue: string; now: Date }
): Promise<{ workflowId: string; plan: RestorePlan }> {
  const suffix = `${Math.floor(options.now.getTime() / 1000)}-${randomBytes(4).toString('hex')}`;
  const workflowId = planWorkflowId(request.target, suffix);
  const plan = await client.workflow.execute<typeof planRestore>(PLAN_WORKFLOW_TYPE, {
    args: [request],
    taskQueue: options.taskQueue,
    workflowId,
    // A plan only reads AWS; one that cannot finish in this time is stuck on the infrastructure.
    workflowExecutionTimeout: '15m',
  });
  return { workflowId, plan };
}

function yesNo(value: boolean): string {
  return value ? 'yes' : 'no';
}

/** The plan for people: problems first and numbered, then what the restore would do, step by step. */
export function formatPlan(plan: RestorePlan, requestFile?: string): string[] {
  const lines: string[] = [];
  const target = plan.target ? `${plan.target.region}/${plan.target.clusterId}` : 'the request';
  const n = plan.problems.length;
  if (plan.ok) {
    lines.push(`Plan for ${target}: no problems found. Nothing was changed.`);
  } else {
    lines.push(
      `Plan for ${target}: ${n} problem${n === 1 ? '' : 's'} found; the restore would fail. Nothing was changed.`
    );
    lines.push('');
    lines.push('Problems:');
    plan.problems.forEach((p, i) => {
      lines.push(`  ${i + 1}. ${p.field} [${p.code}]`);
      lines.push(`     ${p.message}`);
    });
  }
  if (plan.warnings?.length) {
    lines.push('');
    lines.push('Warnings:');
    for (const w of plan.warnings) lines.push(`  - ${w.field}: ${w.message}`);
  }
  if (!plan.target) return lines;

  lines.push('');
  lines.push('What the restore would do:');
  const s = plan.snapshot;
  const sc = plan.sourceCluster;
  if (plan.sourceKind === 'point-in-time' || plan.sourceKind === 'clone') {
    if (sc) {
      const how =
        sc.kind === 'clone'
          ? 'copy-on-write clone at its latest restorable time'
          : `as of ${sc.restoreToTime ?? 'its latest restorable time'}`;
      lines.push(`  Source:          cluster ${sc.identifier} (${sc.status}), ${sc.region}: ${how}`);
      lines.push(
        `                   restorable ${sc.earliestRestorableTime ?? '?'} to ${sc.latestRestorableTime ?? '?'}; ` +
          `${sc.engine}${sc.engineVersion ? ` ${sc.engineVersion}` : ''}, ${sc.instanceCount} instance(s)`
      );
    } else {
      lines.push(`  Source:          ${plan.sourceKind} of a live cluster: not usable (see the problems)`);
    }
  } else if (s) {
    const encryption = s.encrypted ? `encrypted with ${s.kmsKeyId ?? 'an unknown KMS key'}` : 'not encrypted';
    lines.push(
      `  Snapshot:        ${s.identifier} (${s.snapshotType}, ${s.status}), ${s.region}, account ${s.accountId}`
    );
    lines.push(`                   ${s.arn}`);
    lines.push(
      `                   ${s.engine}${s.engineVersion ? ` ${s.engineVersion}` : ''}, ${encryption}` +
        (s.createdAt ? `, taken ${s.createdAt}` : '')
    );
  } else {
    lines.push('  Snapshot:        not found (see the problems)');
  }
  if (plan.share) {
    lines.push(
      `  Share:           ${plan.share.needed ? `with account ${plan.share.withAccount}, removed after the copy` : 'not needed'}`
    );
  }
  if (plan.copy) {
    const c = plan.copy;
    lines.push(
      c.needed
        ? `  Copy:            ${c.identifier} in ${plan.target.region} under KMS key ${c.kmsKeyId ?? '(the snapshot is not encrypted)'}` +
            ` (${c.reason}); ${c.keep ? 'kept' : 'deleted'} after the restore`
        : `  Copy:            not needed (${c.reason})`
    );
  }
  const r = plan.replace;
  if (r) {
    if (!r.existing) {
      lines.push(`  Target:          ${plan.target.clusterId} does not exist; a new cluster is created`);
    } else {
      const e = r.existing;
      lines.push(
        `  Target:          ${e.identifier} exists (${e.status}, deletion protection ${e.deletionProtection ? 'on' : 'off'}, ` +
          `created by aurora-restore: ${yesNo(e.managedByPipeline)})`
      );
      if (e.unmanagedInstances?.length) {
        lines.push(`                   instances not created by aurora-restore: ${e.unmanagedInstances.join(', ')}`);
      }
      if (r.rollback) {
        lines.push(
          `                   ${r.rollback.kind === 'rollback' ? 'rollback' : 'source cluster'}: ` +
            `${r.rollback.allowed ? 'allowed' : 'refused'} under the ${r.strategy ?? 'delete-first'} replace (${r.rollback.reason})`
        );
      }
      if (!r.allowed) {
        lines.push('                   it would NOT be replaced (see the problems)');
      } else if (r.swap) {
        const s = r.swap;
        const after =
          s.previous === 'keep'
            ? `kept${s.keepForMs !== undefined ? ` for ${formatDuration(s.keepForMs)}` : ''}, then deleted by its expiry`
            : s.previous === 'stop'
              ? 'stopped'
              : 'deleted';
        lines.push(
          `                   swap: it keeps serving while the new cluster is restored as ${s.incomingClusterId}`,
          `                   (instances ${s.incomingInstanceIds.join(', ')}); then it is renamed ${s.outgoingClusterId} ` +
            `and the new one takes its name (the downtime); afterwards it is ${after}`,
          `                   room needed: ${s.quota.note}`
        );
      } else {
        lines.push(
          `                   delete-first: it would be deleted${r.disablesDeletionProtection ? ' (after turning deletion protection off)' : ''} and restored`
        );
      }
      if (r.approval) {
        lines.push(
          `                   only after an approval (step await-approval, \`aurora-restore approve\`; rejected ` +
            `if nobody decides within ${formatDuration(r.approval.timeoutMs)})`
        );
      }
    }
  }
  const restore = plan.restore;
  if (restore) {
    const settings = [
      plan.engine ? `engine ${plan.engine}${restore.engineVersion ? ` ${restore.engineVersion}` : ''}` : undefined,
      restore.port !== undefined ? `port ${restore.port}` : undefined,
      restore.dbSubnetGroupName ? `subnet group ${restore.dbSubnetGroupName}` : undefined,
      restore.vpcSecurityGroupIds ? `security groups ${restore.vpcSecurityGroupIds.join(', ')}` : undefined,
      restore.dbClusterParameterGroupName
        ? `cluster parameter group ${restore.dbClusterParameterGroupName}`
        : undefined,
      restore.kmsKeyId ? `KMS key ${restore.kmsKeyId}` : undefined,
      `deletion protection ${restore.deletionProtection ? 'on' : 'off'}`,
    ].filter(Boolean);
    lines.push(`  Restore:         ${settings.join(', ')}`);
  }
  const inst = plan.instances;
  if (inst) {
    lines.push(
      `  Instances:       ${inst.ids.length} x ${inst.instanceClass}: ${inst.ids.join(', ')}` +
        (inst.dbParameterGroupName ? ` (parameter group ${inst.dbParameterGroupName})` : '')
    );
  }
  const mp = plan.masterPassword;
  if (mp) {
    const text =
      mp.mode === 'snapshot'
        ? "kept from the snapshot (the source cluster's password)"
        : mp.mode === 'secret'
          ? `set from secret ${mp.secretArn}`
          : `managed by RDS in Secrets Manager${mp.kmsKeyId ? ` (KMS key ${mp.kmsKeyId})` : ''}`;
    lines.push(`  Master password: ${text}`);
  }
  if (plan.database) {
    lines.push(`  Database steps (worker queue ${plan.database.taskQueue}):`);
    for (const step of plan.database.steps) lines.push(`    - ${step.step}: ${step.detail}`);
    if (plan.database.steps.length === 0) lines.push('    (none requested)');
  }
  if (plan.ok) {
    lines.push('');
    lines.push(`Start it with: aurora-restore start ${requestFile ?? '<request file>'}`);
  }
  return lines;
}
