/**
 * `aurora-restore expiry show|extend|set|cancel|now <restore>`: when a restored cluster expires, and changes to
 * it. Every argument is checked before connecting; the expiry workflow validates each change again.
 */
import { Command } from '@commander-js/extra-typings';

import type { CommandContext } from '../cli/context';
import { defaultIdentity, EXIT, UsageError } from '../cli/context';
import { load } from '../cli/lazy';
import { commandGroup } from '../cli/program';
import type { ExpiryCommand } from '../expiry-client';

const RESTORE = 'the restore (region/cluster)';
const EXAMPLE = 'aurora-restore expiry extend us-west-2/orders-staging 2d';

type ChangeCommand = Exclude<ExpiryCommand, 'show'>;

/** The changes that take a value after <restore>, and which field of the change it is. */
const CHANGES_WITH_A_VALUE: {
  command: ChangeCommand;
  description: string;
  value: { argument: string; help: string; field: 'duration' | 'expiresAt' };
}[] = [
  {
    command: 'extend',
    description: 'Expire later by a duration (e.g. 2d, 12h)',
    value: { argument: '<duration>', help: 'the duration (e.g. 2d)', field: 'duration' },
  },
  {
    command: 'set',
    description: 'Expire at an ISO 8601 date-time (e.g. 2026-12-24T18:00:00Z)',
    value: { argument: '<date>', help: 'the date-time', field: 'expiresAt' },
  },
];

/** The changes that take no value. */
const CHANGES: { command: ChangeCommand; description: string }[] = [
  { command: 'cancel', description: 'Keep the cluster: the expiry ends without deleting anything' },
  { command: 'now', description: "Delete the cluster now (only a cluster this pipeline's restore created)" },
];

export function expiryCommand(ctx: CommandContext) {
  const group = commandGroup('expiry', 'When a restored cluster expires, and changes to its expiry', (cmd, given) => {
    const names = cmd.commands.map((c) => c.name()).filter((name) => name !== 'help');
    throw new UsageError(
      `expiry: ${given === undefined ? 'missing the subcommand' : `unknown subcommand "${given}"`}; use one of ` +
        `${names.join(', ')} (e.g. ${EXAMPLE}).`
    );
  }).addHelpText(
    'after',
    `
<restore> is region/cluster or account/region/cluster (e.g. us-west-2/orders-staging), or a workflow id.

Examples:
  aurora-restore expiry show us-west-2/orders-staging
  ${EXAMPLE} --reason "release slipped"
  aurora-restore expiry set us-west-2/orders-staging 2026-12-24T18:00:00Z`
  );

  group.addCommand(
    new Command('show')
      .description('When the restored cluster expires, its reminder and the history of changes')
      .argument('<restore>', RESTORE)
      .action(async (restore) => {
        ctx.exitCode = await run(ctx, 'show', restore);
      })
  );
  for (const { command, description, value } of CHANGES_WITH_A_VALUE) {
    group.addCommand(
      withChangeOptions(
        new Command(command)
          .description(description)
          .argument('<restore>', RESTORE)
          .argument(value.argument, value.help)
      ).action(async (restore, given, options) => {
        ctx.exitCode = await run(ctx, command, restore, { ...options, [value.field]: given });
      })
    );
  }
  for (const { command, description } of CHANGES) {
    group.addCommand(
      withChangeOptions(new Command(command).description(description).argument('<restore>', RESTORE)).action(
        async (restore, options) => {
          ctx.exitCode = await run(ctx, command, restore, options);
        }
      )
    );
  }
  return group;
}

/** The options of every change: who makes it and why (both recorded in the expiry's history). */
function withChangeOptions<Args extends unknown[]>(cmd: Command<Args>) {
  return cmd
    .option('--by <identity>', 'who makes the change (default: your OS user name)')
    .option('--reason <text>', "why; recorded in the expiry's history of changes");
}

async function run(
  { io, out, connect }: CommandContext,
  command: ExpiryCommand,
  restore: string,
  change: { by?: string; reason?: string; duration?: string; expiresAt?: string } = {}
): Promise<number> {
  const { changeExpiry, checkExtendDuration, checkSetDate, formatExpiry, resolveExpiryTarget, showExpiry } =
    load.expiryClient();
  const target = resolveExpiryTarget(restore);
  // Everything that can be checked without the server is checked before connecting.
  const problem =
    change.duration !== undefined
      ? checkExtendDuration(change.duration)
      : change.expiresAt !== undefined
        ? checkSetDate(change.expiresAt)
        : undefined;
  if (problem) throw new UsageError(`expiry ${command}: ${problem}.`);
  const identity = change.by?.trim() || defaultIdentity(io.env);
  if (command !== 'show' && !identity) {
    throw new UsageError(`expiry ${command}: cannot tell who you are; pass --by <identity>.`);
  }

  const { client } = await connect();
  const view =
    command === 'show'
      ? await showExpiry(client, target)
      : await changeExpiry(client, target, command satisfies ChangeCommand, {
          identity,
          reason: change.reason?.trim() || undefined,
          duration: change.duration,
          expiresAt: change.expiresAt,
        });
  if (out.json) {
    out.document({ ...view, timeLeftMs: Math.max(0, Date.parse(view.expiresAt) - io.now().getTime()) });
  } else {
    formatExpiry(view, io.now()).forEach((l) => out.line(l));
  }
  return EXIT.OK;
}
