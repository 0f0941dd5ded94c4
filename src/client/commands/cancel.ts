/** `aurora-restore cancel <restore>`: cancel a running restore; it cleans up what it created. */
import { Command } from '@commander-js/extra-typings';

import type { CommandContext } from '../cli/context';
import { EXIT } from '../cli/context';
import { load } from '../cli/lazy';
import { formatCancelNotice, formatFailure } from '../format';
import type { FailureSummary } from '../restore-client';
import { resolveTargetArgument } from '../targets';

import { RESTORE_ARGUMENT, showProgress } from './shared';

export function cancelCommand(ctx: CommandContext) {
  return new Command('cancel')
    .description('Cancel a running restore; it cleans up what it created')
    .argument('<restore>', RESTORE_ARGUMENT)
    .option('--reason <text>', 'recorded in the workflow history')
    .option('--wait', 'wait until the cleanup has finished and show what it removed')
    .addHelpText(
      'after',
      `
Example:
  aurora-restore cancel us-west-2/orders-staging --reason "wrong snapshot" --wait`
    )
    .action(async (restore, options) => {
      ctx.exitCode = await cancel(ctx, restore, { reason: options.reason, wait: options.wait === true });
    });
}

async function cancel(
  { io, out, connect }: CommandContext,
  restore: string,
  options: { reason?: string; wait: boolean }
): Promise<number> {
  const target = resolveTargetArgument(restore);
  const reason = options.reason?.trim() || `cancelled with aurora-restore cancel by ${io.env.USER ?? 'an operator'}`;
  const { client, namespace, uiBaseUrl } = await connect();
  const { cancelRestore, describeFailure, watchRestore } = load.restoreClient();
  const cancelled = await cancelRestore(client, target.workflowId, reason, { timeoutMs: 5_000 });
  const url = load.connection().workflowUrl(uiBaseUrl, namespace, cancelled.workflowId, cancelled.runId);
  if (!out.json) {
    formatCancelNotice(cancelled.workflowId, cancelled.runId, reason, cancelled.progress).forEach((l) => out.line(l));
    out.line(`  Web UI: ${url}`);
  }
  if (!options.wait) {
    if (out.json) out.document({ ...cancelled, reason, cancelRequested: true, url });
    else out.line(`Follow the cleanup with: aurora-restore status ${target.short}`);
    return EXIT.OK;
  }

  if (!out.json) out.line('Waiting for the cleanup to finish...');
  let failure: FailureSummary | undefined;
  try {
    await watchRestore(client, cancelled.workflowId, (event) => showProgress(out, event), {
      runId: cancelled.runId,
      signal: io.signal,
      pollIntervalMs: io.watchIntervalMs,
    });
  } catch (err) {
    if (io.signal?.aborted) {
      out.err(`Stopped waiting; the cleanup continues. Follow it: aurora-restore status ${target.short}`);
      return EXIT.INTERRUPTED;
    }
    if (!(err instanceof load.temporalClient().WorkflowFailedError)) throw err;
    failure = describeFailure(err, cancelled.progress?.operationId);
  }
  if (out.json) {
    out.document({ ...cancelled, reason, cancelRequested: true, url, outcome: failure ?? { type: 'Completed' } });
  } else if (failure) {
    formatFailure(failure, undefined, 'Restore ended').forEach((l) => out.line(l));
  } else {
    out.line('The restore had already finished its last step: it completed and nothing was cleaned up.');
  }
  return EXIT.OK;
}
