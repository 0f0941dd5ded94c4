/** `aurora-restore plan <file|->`: dry run, reading AWS only; exit 3 when problems are found. */
import { Command } from '@commander-js/extra-typings';

import type { RestoreRequest } from '../../domain/request';
import { TASK_QUEUE } from '../../workflows/messages';
import type { CommandContext } from '../cli/context';
import { EXIT, taskQueueOf } from '../cli/context';
import { load } from '../cli/lazy';

import { REQUEST_FILE_ARGUMENT, TASK_QUEUE_HELP } from './start';

export function planCommand(ctx: CommandContext) {
  return new Command('plan')
    .description('Dry run: what the restore would do and every problem found, reading AWS only')
    .argument('<file|->', REQUEST_FILE_ARGUMENT)
    .option('--task-queue <name>', TASK_QUEUE_HELP)
    .addHelpText(
      'after',
      `
Exit code 3 when the plan found problems (it lists them; nothing was changed).

Examples:
  aurora-restore plan examples/nightly-staging-refresh.json          human-readable
  aurora-restore plan examples/nightly-staging-refresh.json --json   one JSON document`
    )
    .action(async (file, options) => {
      ctx.exitCode = await plan(ctx, file, options.taskQueue);
    });
}

async function plan({ io, out, connect }: CommandContext, file: string, taskQueueOption?: string): Promise<number> {
  const taskQueue = taskQueueOf('plan', taskQueueOption, io, TASK_QUEUE);
  const loaded = await load.requestFile().loadRequestFile(file, { readStdin: io.readStdin });
  const now = io.now();
  const { formatPlan, planInvalidRequest, runPlan } = load.plan();
  // An invalid request is planned here: the workflow would report exactly these problems.
  let result = planInvalidRequest(loaded.request, now);
  let workflowId: string | undefined;
  if (!result) {
    const { client } = await connect();
    ({ plan: result, workflowId } = await runPlan(client, loaded.request as RestoreRequest, { taskQueue, now }));
  }
  if (out.json) out.document({ ...(workflowId ? { workflowId } : {}), ...result });
  else formatPlan(result, file === '-' ? undefined : file).forEach((l) => out.line(l));
  return result.ok ? EXIT.OK : EXIT.PROBLEMS;
}
