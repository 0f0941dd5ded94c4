/**
 * The README's commands as test input: tests that check a documented command read it from README.md instead of
 * copying it, so the README and the test cannot drift apart.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

const README = path.resolve(__dirname, '../../README.md');

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
