/**
 * `aurora-restore approve <restore>` and `reject <restore>`: decide the pending replacement of an existing target
 * (requests with approval.required). Both are recorded and notified.
 */
import { Command } from '@commander-js/extra-typings';

import type { CommandContext } from '../cli/context';
import { defaultIdentity, EXIT, UsageError } from '../cli/context';
import { load } from '../cli/lazy';
import { resolveTargetArgument } from '../targets';

import { RESTORE_ARGUMENT } from './shared';

export function approveCommand(ctx: CommandContext) {
  return new Command('approve')
    .description('Approve the pending replacement of the existing target (request approval.required)')
    .argument('<restore>', RESTORE_ARGUMENT)
    .option('--by <identity>', 'who approves (default: the OS user name); recorded and notified')
    .option('--reason <text>', 'why (e.g. a change ticket)')
    .addHelpText(
      'after',
      `
Example:
  aurora-restore approve us-west-2/orders-staging --reason CHG-1234`
    )
    .action(async (restore, options) => {
      ctx.exitCode = await decide(ctx, 'approve', restore, options);
    });
}

export function rejectCommand(ctx: CommandContext) {
  return new Command('reject')
    .description('Reject it: the restore cleans up what it created and fails (ApprovalRejected)')
    .argument('<restore>', RESTORE_ARGUMENT)
    .option('--by <identity>', 'who rejects (default: the OS user name)')
    .option('--reason <text>', 'why (required)')
    .addHelpText(
      'after',
      `
Example:
  aurora-restore reject us-west-2/orders-staging --reason "QA is still using this cluster"`
    )
    .action(async (restore, options) => {
      ctx.exitCode = await decide(ctx, 'reject', restore, options);
    });
}

async function decide(
  { io, out, connect }: CommandContext,
  kind: 'approve' | 'reject',
  restore: string,
  options: { by?: string; reason?: string }
): Promise<number> {
  const target = resolveTargetArgument(restore);
  const by = (options.by ?? defaultIdentity(io.env)).trim();
  if (!by) throw new UsageError(`${kind}: --by must name who decides (it is recorded and notified).`);
  const reason = options.reason?.trim();
  if (kind === 'reject' && !reason) {
    throw new UsageError('reject: --reason is required: it goes into the failure and its notification.');
  }
  const { client, namespace, uiBaseUrl } = await connect();
  const outcome = await load
    .restoreClient()
    .decideApproval(client, target.workflowId, kind, { by, ...(reason ? { reason } : {}) });
  const url = load.connection().workflowUrl(uiBaseUrl, namespace, outcome.workflowId, outcome.runId);
  if (out.json) {
    out.document({ ...outcome, url });
    return EXIT.OK;
  }
  const replaces = outcome.approval?.replaces;
  const what = replaces ? `cluster ${replaces.clusterId} in ${replaces.region}` : `the target of ${target.short}`;
  const why = outcome.decision.reason ? `: ${outcome.decision.reason}` : '';
  if (kind === 'approve') {
    out.line(`✓ Approved replacing ${what} (by ${outcome.decision.by} at ${outcome.decision.at})${why}`);
    out.line('  The restore continues: it deletes the existing cluster and restores over it.');
  } else {
    out.line(`✗ Rejected replacing ${what} (by ${outcome.decision.by} at ${outcome.decision.at})${why}`);
    out.line(
      '  The restore cleans up what it created and ends failed (ApprovalRejected); the cluster is left as it is.'
    );
  }
  out.line(`  Web UI: ${url}`);
  out.line(`Follow it with: aurora-restore status ${target.short}`);
  return EXIT.OK;
}
