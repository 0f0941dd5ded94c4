/** `aurora-restore list`: recent restores, newest first, filtered by status and target. */
import { Command } from '@commander-js/extra-typings';

import type { CommandContext } from '../cli/context';
import { EXIT, UsageError } from '../cli/context';
import { load } from '../cli/lazy';
import { formatRestoreList } from '../format';
import { buildListQuery, DEFAULT_LIST_LIMIT, LIST_STATUSES, MAX_LIST_LIMIT } from '../list-query';

function parseLimit(text: string): number {
  const limit = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(limit >= 1 && limit <= MAX_LIST_LIMIT)) {
    throw new UsageError(`list: --limit "${text}" must be a whole number from 1 to ${MAX_LIST_LIMIT}.`);
  }
  return limit;
}

export function listCommand(ctx: CommandContext) {
  return new Command('list')
    .description('Recent restores, newest first')
    .option('--status <s>', `${LIST_STATUSES.join(' | ')} (succeeded = completed)`)
    .option('--target <t>', 'cluster, region/cluster, account/region/cluster or workflow id')
    .option('--limit <n>', `at most n restores (default ${DEFAULT_LIST_LIMIT}, max ${MAX_LIST_LIMIT})`, parseLimit)
    .addHelpText(
      'after',
      `
Examples:
  aurora-restore list --status running
  aurora-restore list --target us-west-2/orders-staging --limit 5`
    )
    .action(async (options) => {
      ctx.exitCode = await list(ctx, options);
    });
}

async function list(
  { io, out, connect }: CommandContext,
  options: { status?: string; target?: string; limit?: number }
): Promise<number> {
  const filter = { status: options.status, target: options.target };
  // Filters are checked before connecting (listRestores builds the same query again).
  buildListQuery(filter);
  const { client } = await connect();
  const restores = await load
    .restoreClient()
    .listRestores(client, { ...filter, limit: options.limit ?? DEFAULT_LIST_LIMIT });
  if (out.json) out.document({ restores });
  else formatRestoreList(restores, io.now()).forEach((l) => out.line(l));
  return EXIT.OK;
}
