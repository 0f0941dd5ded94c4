/**
 * The README's commands as test input: tests that check a documented command read it from README.md instead of
 * copying it, so the README and the test cannot drift apart.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import { cliPath, temporalAddress } from './servers';

const ROOT = path.resolve(__dirname, '../..');
const README = path.join(ROOT, 'README.md');
const run = promisify(execFile);

/** The text under the README heading `title` (any level), up to the next heading of the same or a higher level. */
export function readmeSection(title: string): string {
  const lines = readFileSync(README, 'utf8').split('\n');
  const start = lines.findIndex((line) => /^#{1,6} /.test(line) && line.replace(/^#+ /, '') === title);
  if (start < 0) throw new Error(`README.md has no heading "${title}"`);
  const level = /^#+/.exec(lines[start])?.[0].length ?? 1;
  // Lines inside fenced code blocks may start with `#` (shell comments): they are not headings.
  let fenced = false;
  let end = start + 1;
  for (; end < lines.length; end++) {
    if (lines[end].startsWith('```')) fenced = !fenced;
    const heading = !fenced && /^(#+) /.exec(lines[end]);
    if (heading && heading[1].length <= level) break;
  }
  return lines.slice(start + 1, end).join('\n');
}

/** The rows of the Markdown tables in `markdown` (header rows included, separator rows not), as trimmed cells. */
export function markdownTableRows(markdown: string): string[][] {
  return markdown
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|[\s|:-]+\|$/.test(line))
    .map((line) =>
      line
        .slice(1, line.lastIndexOf('|'))
        .split('|')
        .map((cell) => cell.trim())
    );
}

/**
 * The argv of a POSIX shell command line as the README writes them: words split on blanks, `'...'` and `"..."`
 * quoting, backslash escapes, `\`-newline continuations and `#` comments. Variables, globs and operators are refused
 * rather than guessed at.
 */
export function shellWords(command: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (c === ' ' || c === '\t' || c === '\n') {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "'") {
      const close = command.indexOf("'", i + 1);
      if (close < 0) throw new Error(`unterminated ' in: ${command}`);
      word = (word ?? '') + command.slice(i + 1, close);
      i = close;
    } else if (c === '"') {
      let text = '';
      for (i++; i < command.length && command[i] !== '"'; i++) {
        if (command[i] === '\\' && '"\\$`'.includes(command[i + 1])) i++;
        else if (command[i] === '$' || command[i] === '`') throw new Error(`expansion not supported in: ${command}`);
        text += command[i];
      }
      if (i >= command.length) throw new Error(`unterminated " in: ${command}`);
      word = (word ?? '') + text;
    } else if (c === '\\') {
      i++;
      if (command[i] !== '\n') word = (word ?? '') + (command[i] ?? '');
    } else if (c === '#' && word === undefined) {
      // A comment, to the end of the line.
      const eol = command.indexOf('\n', i);
      i = eol < 0 ? command.length : eol - 1;
    } else if ('$`|&;<>*?'.includes(c)) {
      throw new Error(`shell syntax "${c}" not supported in: ${command}`);
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** The commands in the ```sh blocks of `markdown`, as argv (continuation lines joined, comment lines dropped). */
export function shellCommands(markdown: string): string[][] {
  const commands: string[][] = [];
  for (const block of markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)) {
    for (const line of block[1].replace(/\\\n/g, ' ').split('\n')) {
      const argv = shellWords(line);
      if (argv.length > 0) commands.push(argv);
    }
  }
  return commands;
}

/**
 * The README command under heading `title` whose argv starts with `prefix` (e.g. `temporal workflow start`); when
 * the section shows several, `withWord` picks the one containing that word (e.g. a query's type).
 */
export function readmeCommand(title: string, prefix: string, withWord?: string): string[] {
  const words = prefix.split(' ');
  const found = shellCommands(readmeSection(title)).filter(
    (argv) => words.every((word, i) => argv[i] === word) && (withWord === undefined || argv.includes(withWord))
  );
  if (found.length !== 1) {
    throw new Error(
      `README.md "${title}" shows ${found.length} \`${prefix}\` commands${withWord ? ` with ${withWord}` : ''}`
    );
  }
  return found[0];
}

/**
 * `argv` with the values of the given options replaced by the test's own (its workflow id, task queue, file). Every
 * option must be present with a value, so a README command that lost or renamed one fails instead of running as is.
 */
export function withOptionValues(argv: string[], values: Record<string, string>): string[] {
  const out = [...argv];
  for (const [option, value] of Object.entries(values)) {
    const at = out.indexOf(option);
    if (at < 0 || at + 1 >= out.length) throw new Error(`${option} <value> missing in: ${argv.join(' ')}`);
    out[at + 1] = value;
  }
  return out;
}

/**
 * Runs a README `temporal ...` argv with the Temporal CLI against the test dev server, from the repository root (as
 * in a checkout, so relative paths resolve), and returns its stdout; a failure carries the CLI's stderr.
 */
export async function runTemporalCli(argv: string[]): Promise<string> {
  if (argv[0] !== 'temporal') throw new Error(`not a temporal command: ${argv.join(' ')}`);
  try {
    const { stdout } = await run(cliPath(), [...argv.slice(1), '--address', temporalAddress()], { cwd: ROOT });
    return stdout;
  } catch (err) {
    const { stderr } = err as { stderr?: string };
    throw new Error(`${argv.join(' ')} failed: ${stderr || String(err)}`);
  }
}
