/**
 * Shell completion generated from the command tree, so it knows every command and option the CLI has and no list is
 * kept by hand. Bash gets a completion function; zsh loads the same function through its bash compatibility layer
 * (bashcompinit), which is the usual way to share one script between both.
 */
import type { CommandUnknownOpts } from '@commander-js/extra-typings';

export const COMPLETION_SHELLS = ['bash', 'zsh'] as const;
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

interface Level {
  /** Command names from the program down, e.g. ["schedule", "create"]; [] for the program itself. */
  path: string[];
  commands: string[];
  options: string[];
}

function longFlags(cmd: CommandUnknownOpts): string[] {
  const help = cmd.createHelp();
  return help
    .visibleOptions(cmd)
    .map((option) => option.long)
    .filter((flag): flag is string => flag !== undefined);
}

function levels(cmd: CommandUnknownOpts, globals: string[], path: string[] = []): Level[] {
  const help = cmd.createHelp();
  const commands = help.visibleCommands(cmd).map((sub) => sub.name());
  const options = [...new Set([...longFlags(cmd), ...globals])];
  const own: Level = { path, commands, options };
  return [own, ...cmd.commands.flatMap((sub) => levels(sub, globals, [...path, sub.name()]))];
}

/** Every option that takes a value (its value is never a command name, and completes as a file). */
function valueOptions(cmd: CommandUnknownOpts): string[] {
  const own = cmd.options.filter((o) => (o.required || o.optional) && o.long).map((o) => o.long as string);
  return [...new Set([...own, ...cmd.commands.flatMap(valueOptions)])].sort();
}

/** The completion script for `shell`, completing `program`'s commands and options. */
export function completionScript(program: CommandUnknownOpts, shell: CompletionShell): string {
  const name = program.name();
  const fn = `_${name.replace(/[^A-Za-z0-9]/g, '_')}_complete`;
  const globals = longFlags(program);
  const cases = levels(program, globals)
    .map(
      (level) =>
        `    '${level.path.join(' ')}') commands='${level.commands.join(' ')}'; options='${level.options.join(' ')}' ;;`
    )
    .join('\n');
  const takesValue = valueOptions(program).join('|');
  const body = `# ${name} ${shell} completion, generated from the CLI's commands and options.
# Load it in this shell:  source <(${name} completion ${shell})
# Or for every shell:     ${name} completion ${shell} > <a directory your shell loads completions from>
${shell === 'zsh' ? 'autoload -U +X bashcompinit && bashcompinit\n' : ''}${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" path='' word i commands options
  # The command path so far: the words that name commands, skipping options and their values.
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    case "$word" in
      ${takesValue}) ((i++)); continue ;;
      -*) continue ;;
    esac
    case "\${path:+$path }$word" in
${levels(program, globals)
  .filter((level) => level.path.length > 0)
  .map((level) => `      '${level.path.join(' ')}') path='${level.path.join(' ')}' ;;`)
  .join('\n')}
      *) break ;;
    esac
  done
  case "$prev" in
    ${takesValue}) COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  case "$path" in
${cases}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$options" -- "$cur"))
  elif [[ -n "$commands" ]]; then
    COMPREPLY=($(compgen -W "$commands" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -F ${fn} ${name}
`;
  return body;
}
