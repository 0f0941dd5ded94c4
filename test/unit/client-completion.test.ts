/**
 * `aurora-restore completion`: the script is generated from the command tree, and bash completes commands,
 * subcommands and each command's own options with it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

import { EXIT } from '../../src/client/main';
import { runCli } from '../support/cli';

/** What bash offers for the command line `words` (the last word is the one being completed). */
function complete(script: string, words: string[]): string[] {
  const quoted = words.map((w) => `'${w}'`).join(' ');
  const out = execFileSync(
    'bash',
    [
      '-c',
      `${script}\nCOMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _aurora_restore_complete; ` +
        `printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    { encoding: 'utf8' }
  );
  return out.split('\n').filter(Boolean).sort();
}

describe('client CLI: shell completion (no server needed)', () => {
  let bash: string;

  before(async () => {
    const result = await runCli(['completion', 'bash']);
    assert.equal(result.code, EXIT.OK, result.stderr);
    assert.equal(result.connects, 0);
    bash = result.stdout;
  });

  it('completes commands, subcommands and their options in bash', () => {
    assert.deepEqual(complete(bash, ['aurora-restore', 'sch']), ['schedule']);
    assert.deepEqual(complete(bash, ['aurora-restore', 'schedule', 'b']), ['backfill']);
    assert.deepEqual(complete(bash, ['aurora-restore', 'expiry', '']), [
      'cancel',
      'extend',
      'help',
      'now',
      'set',
      'show',
    ]);
    assert.deepEqual(complete(bash, ['aurora-restore', 'start', '--d']), ['--debug', '--detach']);
    // An option's value is skipped when finding the command: "--note list" does not make this `schedule list`.
    assert.deepEqual(complete(bash, ['aurora-restore', 'schedule', 'pause', 'x', '--note', 'list', '--no']), [
      '--note',
    ]);
    assert.deepEqual(complete(bash, ['aurora-restore', 'schedule', 'update', 'x', '--pause']), ['--pause-on-failure']);
    assert.ok(complete(bash, ['aurora-restore', '--']).includes('--json'));
  });

  it('prints a zsh script that loads the same completion, and refuses other shells', async () => {
    const zsh = await runCli(['completion', 'zsh']);
    assert.equal(zsh.code, EXIT.OK);
    assert.match(zsh.stdout, /bashcompinit/);
    assert.match(zsh.stdout, /complete -F _aurora_restore_complete aurora-restore/);
    const fish = await runCli(['completion', 'fish']);
    assert.equal(fish.code, EXIT.USAGE);
    assert.match(
      fish.stderr,
      /completion: Command-argument value 'fish' is invalid for argument 'shell'\. Allowed choices are bash, zsh\./
    );
  });
});
