/** `aurora-restore completion [bash|zsh]`: print the shell completion script for this CLI. */
import { Argument, Command } from '@commander-js/extra-typings';

import { COMPLETION_SHELLS, completionScript } from '../cli/completion';
import type { CommandContext } from '../cli/context';
import { EXIT } from '../cli/context';

export function completionCommand(ctx: CommandContext) {
  const command = new Command('completion')
    .description('Print the shell completion script (bash or zsh) for aurora-restore')
    .addArgument(new Argument('[shell]', 'bash or zsh (default: bash)').choices(COMPLETION_SHELLS).default('bash'))
    .addHelpText(
      'after',
      `
Examples:
  source <(aurora-restore completion bash)        completion in this bash session
  aurora-restore completion zsh > ~/.zsh/_aurora-restore   then source it from ~/.zshrc`
    );
  command.action((shell) => {
    const program = command.parent ?? command;
    ctx.io.stdout(completionScript(program, shell));
    ctx.exitCode = EXIT.OK;
  });
  return command;
}
