/**
 * Every `npx aurora-restore ...` command the README shows is one the CLI accepts as written: it parses, its files
 * load and validate, and it gets as far as connecting to Temporal (stubbed here, so nothing runs). A README command
 * that lost an option or names a command that no longer exists fails here.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';

import { runCli } from '../support/cli';
import { readmeSection, shellCommands } from '../support/readme';

const ROOT = path.resolve(__dirname, '../..');
const SECTIONS = ['With our CLI', 'Plan (dry run)', 'Schedules', 'Batches'];
/** After the README's backfill range, so its times are in the past. */
const NOW = new Date('2026-12-01T00:00:00.000Z');

describe('client CLI: the README’s aurora-restore commands (no server needed)', () => {
  const commands = SECTIONS.flatMap((title) => shellCommands(readmeSection(title))).filter(
    (argv) => argv[0] === 'npx' && argv[1] === 'aurora-restore'
  );

  it('shows the CLI through its installed bin', () => {
    assert.ok(commands.length >= 15, `only ${commands.length} npx aurora-restore commands in the README`);
  });

  it('accepts each command as written, up to connecting', async () => {
    assert.equal(process.cwd(), ROOT, 'README paths are relative to the repository root');
    for (const argv of commands) {
      const command = argv.slice(2);
      const result = await runCli(command, { now: () => NOW, env: { USER: 'readme' } });
      const line = `npx aurora-restore ${command.join(' ')}`;
      if (result.connects === 1) continue;
      // A placeholder file name (request.yaml) is the only thing allowed to stop a command before connecting.
      const file = command[1];
      assert.ok(file && !existsSync(file), `${line} did not get to connecting:\n${result.stderr}`);
      assert.match(result.stderr, /RequestFileError[\s\S]*not found/, line);
    }
  });
});
