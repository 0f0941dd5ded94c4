#!/usr/bin/env node
/**
 * `aurora-restore`: start, follow, inspect, list and cancel restores.
 *
 * `main(argv, io)` does everything and returns the exit code, so tests drive it with their own stdout/stderr and
 * connection; only the bin wrapper at the bottom touches `process`. The commands live in ./commands, one per file;
 * this file assembles them and lays out the program's help. Nothing heavy is loaded before a command runs (see
 * cli/lazy.ts), so `--help` and usage errors answer at once.
 */
import { Command } from '@commander-js/extra-typings';
import type { CommandUnknownOpts, Help } from '@commander-js/extra-typings';

import type { CliIo, CommandContext } from './cli/context';
import { createOutput, EXIT, UsageError } from './cli/context';
import { load } from './cli/lazy';
import { applySettings, commandTerm, HELP_WIDTH, isHelpShown } from './cli/program';
import { reportError } from './cli/report-error';
import { approveCommand, rejectCommand } from './commands/approval';
import { batchCommand } from './commands/batch';
import { cancelCommand } from './commands/cancel';
import { completionCommand } from './commands/completion';
import { expiryCommand } from './commands/expiry';
import { listCommand } from './commands/list';
import { planCommand } from './commands/plan';
import { scheduleCommand } from './commands/schedule';
import { debugTrace } from './commands/shared';
import { startCommand } from './commands/start';
import { statusCommand } from './commands/status';
import type { ClientConnection } from './connection';

export { EXIT, UsageError } from './cli/context';
export type { CliIo } from './cli/context';

const PROGRAM_NOTES = `<restore> is a target, region/cluster or account/region/cluster (e.g. us-west-2/orders-staging),
or a workflow id (aurora-restore/us-west-2/orders-staging).`;

const EXIT_CODES = `Exit codes:
  0    success
  1    the restore failed (start, or status of a failed restore), or Temporal could not be reached
  2    usage or validation error: bad arguments, invalid request, restore already running, unknown restore
  3    plan: problems found (the plan lists them; nothing was changed)
  130  interrupted while following (the restore keeps running)`;

const CONNECTION = `Connection: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*, TEMPORAL_PROFILE and
TEMPORAL_CONFIG_FILE, as for the temporal CLI. Web UI links use TEMPORAL_UI_URL (default http://localhost:8233,
or https://cloud.temporal.io for Temporal Cloud addresses).`;

/**
 * The program's help: every command with its arguments, the options of each top-level command and the commands of
 * each group, then what every command shares. All generated from the declarations.
 */
function programHelp(program: CommandUnknownOpts, helper: Help): string {
  const items: [string, string][] = [];
  for (const cmd of helper.visibleCommands(program)) {
    items.push([commandTerm(cmd), helper.subcommandDescription(cmd)]);
    if (cmd.commands.length > 0) {
      for (const sub of helper.visibleCommands(cmd)) {
        // Under their group's line, without repeating the group's name.
        const term = commandTerm(sub).slice(cmd.name().length + 1);
        if (sub.name() !== 'help') items.push([`    ${term}`, helper.subcommandDescription(sub)]);
      }
    } else {
      for (const option of helper.visibleOptions(cmd)) {
        if (option.long === '--help') continue;
        items.push([`    ${helper.optionTerm(option)}`, helper.optionDescription(option)]);
      }
    }
  }
  const globals = helper
    .visibleOptions(program)
    .map((o): [string, string] => [helper.optionTerm(o), helper.optionDescription(o)]);
  const width = Math.max(...[...items, ...globals].map(([term]) => term.length));
  const list = (entries: [string, string][]) =>
    entries.map(([term, description]) => helper.formatItem(term, width, description, helper));
  return [
    `Usage: ${helper.commandUsage(program)}`,
    '',
    helper.commandDescription(program),
    '',
    'Commands:',
    ...list(items),
    '',
    PROGRAM_NOTES,
    '',
    'Options for every command:',
    ...list(globals),
    '',
    EXIT_CODES,
    '',
    CONNECTION,
    '',
    'Run `aurora-restore <command> --help` for its options and examples, and `aurora-restore completion` for shell',
    'completion.',
    '',
  ].join('\n');
}

/** The command tree, its actions bound to `ctx`. */
export function buildProgram(ctx: CommandContext) {
  const program = new Command('aurora-restore')
    .description('Restore Amazon Aurora clusters from snapshots as durable Temporal workflows.')
    .usage('<command> [options]')
    .option('--json', 'one JSON document on stdout (progress lines go to stderr)')
    .option('--debug', 'stack traces on errors')
    .helpCommand('help [command]', 'This text, or the help of a command')
    .configureHelp({ helpWidth: HELP_WIDTH, sortSubcommands: false, formatHelp: programHelp });
  for (const command of [
    startCommand,
    planCommand,
    statusCommand,
    listCommand,
    cancelCommand,
    approveCommand,
    rejectCommand,
    scheduleCommand,
    expiryCommand,
    batchCommand,
    completionCommand,
  ]) {
    program.addCommand(command(ctx));
  }
  // No command, or one that does not exist: the usage (on stderr) or a clear error, exit 2.
  program
    .argument('[command]')
    .allowExcessArguments()
    .action((given) => {
      if (given === undefined) {
        program.outputHelp({ error: true });
        ctx.exitCode = EXIT.USAGE;
        return;
      }
      const names = [...program.commands.map((c) => c.name()), 'help'];
      throw new UsageError(`Unknown command "${given}". Commands: ${names.join(', ')}.`);
    });
  // The global options as parsed (--json may come anywhere on the line).
  program.hook('preAction', (_, action) => {
    const { json, debug } = action.optsWithGlobals() as { json?: boolean; debug?: boolean };
    ctx.out.json = json === true;
    ctx.out.debug = debug === true;
  });
  applySettings(program, ctx.io);
  return program;
}

/** The program's help text, as `aurora-restore help` prints it (without the final newline). */
export const USAGE = buildProgram(newContext(withDefaults({}), []))
  .helpInformation()
  .replace(/\n$/, '');

function newContext(io: CliIo, argv: string[]): CommandContext & { close: () => Promise<void> } {
  let connection: ClientConnection | undefined;
  return {
    io,
    // Until parsed (and for errors while parsing), as the command line says.
    out: createOutput(io, argv.includes('--json'), argv.includes('--debug')),
    connect: async () => (connection ??= await io.connect()),
    exitCode: EXIT.OK,
    close: async () => {
      await connection?.close().catch(() => undefined);
    },
  };
}

export async function main(argv: string[], ioOverrides: Partial<CliIo> = {}): Promise<number> {
  const ctx = newContext(withDefaults(ioOverrides), argv);
  try {
    await buildProgram(ctx).parseAsync(argv, { from: 'user' });
    return ctx.exitCode;
  } catch (err) {
    if (isHelpShown(err)) return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    return reportError(err, ctx.out, debugTrace);
  } finally {
    await ctx.close();
  }
}

function withDefaults(io: Partial<CliIo>): CliIo {
  const env = io.env ?? process.env;
  return {
    stdout: io.stdout ?? ((text) => process.stdout.write(text)),
    stderr: io.stderr ?? ((text) => process.stderr.write(text)),
    readStdin: io.readStdin ?? readProcessStdin,
    env,
    now: io.now ?? (() => new Date()),
    signal: io.signal,
    connect: io.connect ?? (() => load.connection().connectClient({ env })),
    watchIntervalMs: io.watchIntervalMs,
  };
}

async function readProcessStdin(): Promise<string> {
  if (process.stdin.isTTY) {
    throw new (load.requestFile().RequestFileError)(
      'stdin',
      'No request on stdin: pipe a JSON or YAML request into `aurora-restore start -`.'
    );
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

// ---------------------------------------------------------------------------------------------------------------
// Bin wrapper: the only place that touches process signals and the exit code.

if (require.main === module) {
  const controller = new AbortController();
  process.once('SIGINT', () => {
    controller.abort();
    // A second Ctrl-C, or a command that does not watch, ends the process without waiting.
    process.once('SIGINT', () => process.exit(EXIT.INTERRUPTED));
    setTimeout(() => process.exit(EXIT.INTERRUPTED), 3000).unref();
  });
  main(process.argv.slice(2), { signal: controller.signal }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`aurora-restore: unexpected error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = EXIT.FAILED;
    }
  );
}
