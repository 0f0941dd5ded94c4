/**
 * The `aurora-restore` command tree on commander: every command declares its arguments and options once (in
 * src/client/commands), and parsing, help, errors and completion come from those declarations. This file holds what
 * all commands share: how help is laid out, and how a command line that cannot be run becomes a usage error (exit 2)
 * that names the command and what is wrong.
 */
import { Command, CommanderError, Help } from '@commander-js/extra-typings';
import type { Argument, CommandUnknownOpts, HelpConfiguration } from '@commander-js/extra-typings';

import type { CliIo } from './context';
import { UsageError } from './context';

/** Help is laid out for this width whatever the terminal, so the text is the same everywhere (and in tests). */
export const HELP_WIDTH = 120;

/** Makes the error for a bad command line under a command group (e.g. schedule's ScheduleOptionsError). */
export type UsageErrorFactory = (command: string, problem: string) => Error;
const usageErrorFactories = new WeakMap<CommandUnknownOpts, UsageErrorFactory>();

/** Commands under `group` report bad command lines with `factory` instead of a plain UsageError. */
export function reportUsageErrorsWith(group: CommandUnknownOpts, factory: UsageErrorFactory): void {
  usageErrorFactories.set(group, factory);
}

/** `schedule create`: the command's names below the program. */
export function commandPath(cmd: CommandUnknownOpts): string {
  const names: string[] = [];
  for (let c: CommandUnknownOpts | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

function argumentTerm(arg: Argument): string {
  const name = `${arg.name()}${arg.variadic ? '...' : ''}`;
  return arg.required ? `<${name}>` : `[${name}]`;
}

/** `schedule create <file>`, `expiry <command>`: how a command is written, as listed in help. */
export function commandTerm(cmd: CommandUnknownOpts): string {
  const args = cmd.commands.length > 0 ? ['<command>'] : cmd.registeredArguments.map(argumentTerm);
  // Commander's own `help` command is not attached to a parent: it is named alone.
  return [cmd.parent ? commandPath(cmd) : cmd.name(), ...args].join(' ');
}

/** The descriptions of a command's arguments, for "missing ..." errors: "the restore (region/cluster)". */
function argumentsNeeded(cmd: CommandUnknownOpts): string {
  return cmd.registeredArguments
    .filter((arg) => arg.required)
    .map((arg) => arg.description || arg.name())
    .join(' and ');
}

/** Commander's message as a sentence: "error: unknown option '--x'\n(Did you mean --y?)" -> "Unknown option '--x' (did you mean --y?)." */
function sentence(message: string): string {
  const text = message
    .replace(/^error: /, '')
    .replace(/\n\(Did you mean (.*)\?\)$/, ' (did you mean $1?)')
    .replace(/\.$/, '');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

/** The error for a command line that `cmd` cannot run: what is wrong, said for this command. */
function usageError(cmd: CommandUnknownOpts, err: CommanderError): Error {
  let problem: string;
  switch (err.code) {
    case 'commander.missingArgument':
      problem = `missing ${argumentsNeeded(cmd)}.`;
      break;
    case 'commander.excessArguments':
      problem = `unexpected argument "${cmd.args[cmd.registeredArguments.length]}".`;
      break;
    default:
      problem = sentence(err.message);
  }
  for (let group: CommandUnknownOpts | null = cmd; group; group = group.parent) {
    const factory = usageErrorFactories.get(group);
    if (factory) return factory(cmd === group ? '' : cmd.name(), problem);
  }
  const path = commandPath(cmd);
  return new UsageError(path ? `${path}: ${problem}` : problem);
}

/** What `--help` and `help <command>` show for a command below the program (the program's own is in main.ts). */
const COMMAND_HELP: HelpConfiguration = {
  helpWidth: HELP_WIDTH,
  showGlobalOptions: true,
  sortSubcommands: false,
  subcommandTerm: commandTerm,
};

/**
 * Applies the shared settings to `cmd` and everything below it: help layout, output to `io`, and commander's
 * parse errors thrown (not printed, not exiting) as the CLI's usage errors. Help requests are rethrown as
 * CommanderError ("commander.help*") for the caller to turn into an exit code.
 */
export function applySettings(cmd: CommandUnknownOpts, io: Pick<CliIo, 'stdout' | 'stderr'>): void {
  if (cmd.parent) cmd.configureHelp(COMMAND_HELP);
  cmd.configureOutput({
    writeOut: (text) => io.stdout(text),
    writeErr: (text) => io.stderr(text),
    // Errors are reported by main() like every other error (text or --json); commander prints none itself.
    outputError: () => undefined,
  });
  cmd.exitOverride((err) => {
    if (err.code.startsWith('commander.help') || err.code === 'commander.version') throw err;
    throw usageError(cmd, err);
  });
  for (const sub of cmd.commands) applySettings(sub, io);
}

/** True for commander's "help was shown" signal; `exitCode` 0 for a help request, 1 for help shown on an error. */
export function isHelpShown(err: unknown): err is CommanderError {
  return err instanceof CommanderError && err.code.startsWith('commander.help');
}

/**
 * A command group (`schedule`, `expiry`): `help` lists its commands, and a missing or unknown subcommand goes to
 * `onMissingOrUnknown`, which says what to use instead.
 */
export function commandGroup(
  name: string,
  description: string,
  onMissingOrUnknown: (group: CommandUnknownOpts, given: string | undefined) => Promise<void> | void
) {
  const group = new Command(name)
    .description(description)
    .usage('<command> [options]')
    .helpCommand(true)
    .argument('[command]')
    .allowExcessArguments()
    // An unknown subcommand is the better error than an option that subcommand would have had.
    .allowUnknownOption();
  group.action(async (given) => onMissingOrUnknown(group, given));
  return group;
}

/** Commander's Help, for laying out the program's own help in main.ts. */
export function newHelp(): Help {
  return new Help();
}
