/** `aurora-restore status <restore>`: steps, AWS status, pending activity and outcome of a restore. */
import { Command } from '@commander-js/extra-typings';

import type { CommandContext } from '../cli/context';
import { EXIT } from '../cli/context';
import { load } from '../cli/lazy';
import { formatStatusReport } from '../format';
import { resolveTargetArgument } from '../targets';

import { RESTORE_ARGUMENT } from './shared';

export function statusCommand(ctx: CommandContext) {
  return new Command('status')
    .description('Steps, current AWS status, pending activity and outcome of a restore')
    .argument('<restore>', RESTORE_ARGUMENT)
    .addHelpText(
      'after',
      `
Exit code 1 when the restore failed.

Example:
  aurora-restore status us-west-2/orders-staging`
    )
    .action(async (restore) => {
      ctx.exitCode = await status(ctx, restore);
    });
}

async function status({ io, out, connect }: CommandContext, restore: string): Promise<number> {
  const target = resolveTargetArgument(restore);
  const { client, namespace, uiBaseUrl } = await connect();
  const report = await load.restoreClient().getRestoreStatus(client, target.workflowId);
  const url = load.connection().workflowUrl(uiBaseUrl, namespace, report.workflowId, report.runId);
  if (out.json) out.document({ ...report, url });
  else formatStatusReport(report, io.now(), url).forEach((l) => out.line(l));
  return report.outcome?.ok === false ? EXIT.FAILED : EXIT.OK;
}
