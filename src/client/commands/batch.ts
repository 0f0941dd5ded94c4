/** `aurora-restore batch <file|->`: restore many targets from one batch file and follow them. */
import { Command } from '@commander-js/extra-typings';

import { TASK_QUEUE } from '../../workflows/messages';
import type { CommandContext } from '../cli/context';
import { taskQueueOf } from '../cli/context';
import { load } from '../cli/lazy';

import { TASK_QUEUE_HELP } from './start';

export function batchCommand(ctx: CommandContext) {
  return new Command('batch')
    .description('Restore many targets from one batch file and follow them')
    .argument('<file|->', 'the batch file (a .json/.yaml file, or - for stdin)')
    .option('--detach', 'print the workflow id and return at once')
    .option('--task-queue <name>', TASK_QUEUE_HELP)
    .addHelpText(
      'after',
      `
The batch file (JSON or YAML):
  name?, concurrency? (default 2), retries? (default 0), onFailure? (continue | stop),
  targets: [{name?, request: <restore request>, after?: [<target names>]}]

Exit code 1 when a target failed. The batch's progress, from the Temporal CLI:
  temporal workflow query --workflow-id <id> --type batchProgress

Example:
  aurora-restore batch examples/batch-staging-refresh.json`
    )
    .action(async (file, options) => {
      const { io, out, connect } = ctx;
      const taskQueue = taskQueueOf('batch', options.taskQueue, io, TASK_QUEUE);
      ctx.exitCode = await load.batchClient().runBatch(
        file,
        { detach: options.detach === true, taskQueue },
        {
          out,
          progress: out.progress,
          now: io.now,
          readStdin: io.readStdin,
          connect,
          watchIntervalMs: io.watchIntervalMs,
          signal: io.signal,
        }
      );
    });
}
