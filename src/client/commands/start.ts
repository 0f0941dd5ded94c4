/** `aurora-restore start <file|->`: start a restore from a request file and follow it (or return at once). */
import { Command } from '@commander-js/extra-typings';

import { validateRestoreRequest } from '../../domain/validate';
import { TASK_QUEUE } from '../../workflows/messages';
import type { CommandContext } from '../cli/context';
import { EXIT, taskQueueOf } from '../cli/context';
import { load } from '../cli/lazy';
import { formatFailure, formatResult } from '../format';

import { debugTrace, showProgress } from './shared';

export const REQUEST_FILE_ARGUMENT = 'the request file (a .json/.yaml file, or - for stdin)';
export const TASK_QUEUE_HELP = `task queue of the workers (default: $AURORA_RESTORE_TASK_QUEUE or ${TASK_QUEUE})`;

export function startCommand(ctx: CommandContext) {
  return new Command('start')
    .description('Start a restore from a JSON or YAML request file (- reads stdin) and follow it')
    .argument('<file|->', REQUEST_FILE_ARGUMENT)
    .option('--detach', 'print the workflow id, run id and Web UI link, and return at once')
    .option('--task-queue <name>', TASK_QUEUE_HELP)
    .addHelpText(
      'after',
      `
Examples:
  aurora-restore start examples/nightly-staging-refresh.json     follow with per-step progress
  aurora-restore start request.yaml --detach                     print ids and Web UI link
  cat request.json | aurora-restore start -                      read the request from stdin`
    )
    .action(async (file, options) => {
      ctx.exitCode = await start(ctx, file, { detach: options.detach === true, taskQueue: options.taskQueue });
    });
}

async function start(
  { io, out, connect }: CommandContext,
  file: string,
  options: { detach: boolean; taskQueue?: string }
): Promise<number> {
  const taskQueue = taskQueueOf('start', options.taskQueue, io, TASK_QUEUE);
  const { loadRequestFile } = load.requestFile();
  const { newOperationId, startRestore, watchRestore, describeFailure } = load.restoreClient();
  const { workflowUrl } = load.connection();

  // Everything that can be wrong with the request is reported before connecting, let alone starting.
  const loaded = await loadRequestFile(file, { readStdin: io.readStdin });
  const now = io.now();
  const operationId = newOperationId(now);
  validateRestoreRequest(loaded.request, { now, newOperationId: () => operationId });

  const { client, namespace, uiBaseUrl } = await connect();
  const started = await startRestore(client, loaded.request, {
    taskQueue,
    now: () => now,
    newOperationId: () => operationId,
  });
  const url = workflowUrl(uiBaseUrl, namespace, started.workflowId, started.runId);
  const startedDoc = {
    workflowId: started.workflowId,
    runId: started.runId,
    operationId: started.operationId,
    target: started.target,
    namespace,
    taskQueue,
    url,
  };

  if (options.detach) {
    if (out.json) {
      out.document(startedDoc);
    } else {
      out.line(`Started restore of ${started.target.clusterId} in ${started.target.region}.`);
      out.line(`  Workflow id: ${started.workflowId}`);
      out.line(`  Run id:      ${started.runId}`);
      out.line(`  Operation:   ${started.operationId}`);
      out.line(`  Web UI:      ${url}`);
      out.line(`Follow it with: aurora-restore status ${started.short}`);
    }
    return EXIT.OK;
  }

  out.progress(
    `Started restore of ${started.target.clusterId} in ${started.target.region} ` +
      `(operation ${started.operationId}, workflow ${started.workflowId}).`
  );
  out.progress(`Web UI: ${url}`);
  try {
    const result = await watchRestore(client, started.workflowId, (event) => showProgress(out, event), {
      runId: started.runId,
      signal: io.signal,
      pollIntervalMs: io.watchIntervalMs,
    });
    if (out.json) out.document({ ...startedDoc, status: 'succeeded', result });
    else formatResult(result, url).forEach((l) => out.line(l));
    return EXIT.OK;
  } catch (err) {
    if (io.signal?.aborted) {
      out.err(
        `Stopped following ${started.workflowId}; the restore keeps running in Temporal.\n` +
          `  Follow it: aurora-restore status ${started.short}\n  Cancel it: aurora-restore cancel ${started.short}`
      );
      return EXIT.INTERRUPTED;
    }
    if (err instanceof load.temporalClient().WorkflowFailedError) {
      const failure = describeFailure(err, started.operationId);
      if (out.json) out.document({ ...startedDoc, status: 'failed', failure });
      else formatFailure(failure, url).forEach((l) => out.err(l));
      debugTrace(err, out);
      return EXIT.FAILED;
    }
    throw err;
  }
}
