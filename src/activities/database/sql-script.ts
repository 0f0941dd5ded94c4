/**
 * Splits a SQL script into statements, so each one can be run, counted and named in errors. Semicolons inside
 * strings, quoted identifiers, comments and PostgreSQL dollar-quoted bodies (functions, DO blocks) do not split.
 * MySQL `DELIMITER` lines are a client-program feature, not SQL: they are refused with a clear message.
 */
export type SqlDialect = 'postgresql' | 'mysql';

export class SqlScriptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SqlScriptError';
  }
}

/** Statements of `script`, trimmed, without empty ones (comments alone are dropped too). */
export function splitSqlStatements(script: string, dialect: SqlDialect): string[] {
  const statements: string[] = [];
  let start = 0;
  let i = 0;
  let hasCode = false;
  const n = script.length;
  const push = (end: number) => {
    const text = script.slice(start, end).trim();
    if (hasCode && text) statements.push(text);
    hasCode = false;
  };
  while (i < n) {
    const c = script[i];
    const next = script[i + 1];
    if (c === '-' && next === '-') {
      i = lineEnd(script, i);
      continue;
    }
    if (c === '#' && dialect === 'mysql') {
      i = lineEnd(script, i);
      continue;
    }
    if (c === '/' && next === '*') {
      i = blockCommentEnd(script, i, dialect);
      continue;
    }
    if (!/\s/.test(c)) hasCode = true;
    if (c === "'" || c === '"' || (c === '`' && dialect === 'mysql')) {
      // PostgreSQL standard strings: backslash is literal except in E'...' strings; MySQL: backslash escapes.
      const backslashEscapes = dialect === 'mysql' || (c === "'" && /[eE]$/.test(script.slice(Math.max(0, i - 1), i)));
      i = quotedEnd(script, i, c, backslashEscapes);
      continue;
    }
    if (c === '$' && dialect === 'postgresql') {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(script.slice(i));
      if (tag && !/[A-Za-z0-9_]/.test(script[i - 1] ?? '')) {
        const close = script.indexOf(tag[0], i + tag[0].length);
        if (close < 0) throw new SqlScriptError(`unterminated dollar-quoted string ${tag[0]}`);
        i = close + tag[0].length;
        continue;
      }
    }
    if (c === ';') {
      push(i);
      start = i + 1;
      i++;
      continue;
    }
    if (dialect === 'mysql' && atLineStart(script, i) && /^delimiter\s/i.test(script.slice(i, i + 10))) {
      throw new SqlScriptError(
        'DELIMITER is a mysql client command, not SQL: remove it and end each statement (including CREATE PROCEDURE ' +
          'bodies) with a single ";" outside the body, or run procedures from a separate script per statement'
      );
    }
    i++;
  }
  push(n);
  return statements;
}

function lineEnd(s: string, i: number): number {
  const nl = s.indexOf('\n', i);
  return nl < 0 ? s.length : nl + 1;
}

function blockCommentEnd(s: string, i: number, dialect: SqlDialect): number {
  // PostgreSQL block comments nest; MySQL's do not.
  let depth = 0;
  let j = i;
  while (j < s.length) {
    if (s[j] === '/' && s[j + 1] === '*') {
      depth = dialect === 'postgresql' ? depth + 1 : 1;
      j += 2;
    } else if (s[j] === '*' && s[j + 1] === '/') {
      depth--;
      j += 2;
      if (depth === 0) return j;
    } else {
      j++;
    }
  }
  throw new SqlScriptError('unterminated /* comment');
}

function quotedEnd(s: string, i: number, quote: string, backslashEscapes: boolean): number {
  let j = i + 1;
  while (j < s.length) {
    const c = s[j];
    if (backslashEscapes && c === '\\') {
      j += 2;
      continue;
    }
    if (c === quote) {
      if (s[j + 1] === quote) {
        j += 2; // doubled quote inside the string
        continue;
      }
      return j + 1;
    }
    j++;
  }
  const what = quote === "'" ? 'string' : 'quoted identifier';
  throw new SqlScriptError(`unterminated ${what} starting at character ${i + 1}: ${s.slice(i, i + 30)}...`);
}

function atLineStart(s: string, i: number): boolean {
  for (let j = i - 1; j >= 0; j--) {
    if (s[j] === '\n') return true;
    if (!/\s/.test(s[j])) return false;
  }
  return true;
}

/** The statement shortened for reports and errors: one line, at most `max` characters. */
export function statementPreview(statement: string, max = 120): string {
  const one = statement.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 3)}...` : one;
}
