/**
 * Loads a restore request from a .json, .yaml or .yml file, or from stdin (`-`, JSON or YAML). Errors name the
 * file, the line and column and what to fix. The result is not validated here: `validateRestoreRequest` does that.
 */
import fs from 'node:fs/promises';
import path from 'node:path';

import { isScalar, LineCounter, parseDocument, visit } from 'yaml';

/** A restore request is a few KB; anything this large is the wrong file. */
export const MAX_REQUEST_FILE_BYTES = 1024 * 1024;

export type RequestFormat = 'json' | 'yaml';

/** Why a `__proto__` key is refused (the request's validation refuses it too, without a line and column). */
const UNSAFE_KEY_REASON =
  'JavaScript objects cannot hold it as data (it would be dropped silently or change the object), so rename it';

/** The request file could not be read or parsed. `line`/`column` (1-based) locate a syntax error. */
export class RequestFileError extends Error {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;

  constructor(file: string, message: string, position?: { line: number; column: number }) {
    super(message);
    this.name = 'RequestFileError';
    this.file = file;
    this.line = position?.line;
    this.column = position?.column;
  }
}

export interface LoadedRequest {
  /** The parsed document (not validated). */
  request: unknown;
  /** What was read: the path as given, or `stdin`. */
  source: string;
  format: RequestFormat;
}

export interface LoadRequestOptions {
  /** Reads all of stdin; used for `-`. */
  readStdin?: () => Promise<string>;
}

/** Format by extension; stdin is sniffed (a JSON document starts with `{`). */
export function requestFormatOf(file: string, text?: string): RequestFormat | undefined {
  if (file === '-') return text !== undefined && /^\s*[{[]/.test(stripBom(text)) ? 'json' : 'yaml';
  const ext = path.extname(file).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  return undefined;
}

export async function loadRequestFile(file: string, options: LoadRequestOptions = {}): Promise<LoadedRequest> {
  if (file === '-') {
    if (!options.readStdin)
      throw new RequestFileError('stdin', 'Reading the request from stdin (-) is not available here.');
    const text = await options.readStdin();
    if (Buffer.byteLength(text) > MAX_REQUEST_FILE_BYTES) {
      throw new RequestFileError(
        'stdin',
        `The request on stdin is larger than ${MAX_REQUEST_FILE_BYTES} bytes: pipe the request file itself.`
      );
    }
    const format = requestFormatOf(file, text) ?? 'yaml';
    return { request: parseRequestText(text, format, 'stdin'), source: 'stdin', format };
  }

  const format = requestFormatOf(file);
  if (!format) {
    throw new RequestFileError(
      file,
      `Request file ${file}: unknown extension "${path.extname(file)}". Use a .json, .yaml or .yml file, or pass - to read stdin.`
    );
  }
  let text: string;
  try {
    const stat = await fs.stat(file);
    if (stat.isDirectory())
      throw new RequestFileError(file, `Request file ${file} is a directory: give the path of a .json or .yaml file.`);
    if (stat.size > MAX_REQUEST_FILE_BYTES) {
      throw new RequestFileError(
        file,
        `Request file ${file} is ${stat.size} bytes; a restore request is a few KB (limit ${MAX_REQUEST_FILE_BYTES}). Check the path.`
      );
    }
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof RequestFileError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      const where = path.resolve(file) === file ? '' : ` (looked at ${path.resolve(file)})`;
      throw new RequestFileError(file, `Request file ${file} not found${where}. Check the path.`);
    }
    if (code === 'EACCES' || code === 'EPERM') {
      throw new RequestFileError(
        file,
        `Request file ${file} is not readable by this user (${code}). Check its permissions.`
      );
    }
    throw new RequestFileError(file, `Request file ${file} could not be read: ${(err as Error).message}`);
  }
  return { request: parseRequestText(text, format, file), source: file, format };
}

/** Parses request text; throws `RequestFileError` with line and column for syntax errors. */
export function parseRequestText(text: string, format: RequestFormat, source: string): unknown {
  const body = stripBom(text);
  if (body.trim() === '') {
    throw new RequestFileError(
      source,
      `Request ${describe(source)} is empty: it must hold a restore request (source and target).`
    );
  }
  return format === 'json' ? parseJson(body, source) : parseYaml(body, source);
}

function parseJson(text: string, source: string): unknown {
  // Scanned first: V8's messages do not always carry a position, and JSON.parse lets a duplicate key win silently.
  const located = locateJsonError(text);
  if (!located) {
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new RequestFileError(source, `Request ${describe(source)} is not valid JSON: ${(err as Error).message}`);
    }
  }
  const pos = lineColumn(text, located.offset);
  throw new RequestFileError(
    source,
    `Request ${describe(source)} is not valid JSON: ${located.reason} at line ${pos.line}, column ${pos.column}:\n${excerpt(text, pos)}`,
    pos
  );
}

function parseYaml(text: string, source: string): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const error = doc.errors[0];
  if (error) {
    const pos = error.linePos?.[0];
    // yaml's pretty message already ends with "at line L, column C:" and a code frame.
    throw new RequestFileError(
      source,
      `Request ${describe(source)} is not valid YAML: ${error.message.trimEnd()}`,
      pos ? { line: pos.line, column: pos.col } : undefined
    );
  }
  let unsafeKeyOffset: number | undefined;
  visit(doc, {
    Pair(_, pair) {
      if (!isScalar(pair.key) || pair.key.value !== '__proto__') return undefined;
      unsafeKeyOffset = pair.key.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  if (unsafeKeyOffset !== undefined) {
    const pos = lineColumn(text, unsafeKeyOffset);
    throw new RequestFileError(
      source,
      `Request ${describe(source)} has the key "__proto__" at line ${pos.line}, column ${pos.column}: it is not allowed: ${UNSAFE_KEY_REASON}.\n${excerpt(text, pos)}`,
      pos
    );
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 50 });
  } catch (err) {
    throw new RequestFileError(
      source,
      `Request ${describe(source)} could not be read as YAML: ${(err as Error).message}`
    );
  }
  if (value === null || value === undefined) {
    throw new RequestFileError(
      source,
      `Request ${describe(source)} holds no request (only comments or null): give source and target.`
    );
  }
  return value;
}

function describe(source: string): string {
  return source === 'stdin' ? 'on stdin' : `file ${source}`;
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

function excerpt(text: string, pos: { line: number; column: number }): string {
  const lineText = text.split('\n')[pos.line - 1] ?? '';
  return `  ${lineText.replace(/\r$/, '')}\n  ${' '.repeat(Math.max(0, pos.column - 1))}^`;
}

/** A restore request nests a few levels; anything deeper is the wrong file (and would exhaust a recursive reader). */
export const MAX_JSON_DEPTH = 64;

/** An open object or array while scanning: its path (for messages) and, for an object, the keys seen so far. */
type JsonFrame =
  { path: string; kind: 'object'; keys: Set<string>; key: string } | { path: string; kind: 'array'; index: number };

/**
 * Finds the first syntax error, duplicate key or nesting deeper than MAX_JSON_DEPTH in a JSON text (offset and
 * reason), or undefined if the text is valid JSON a request may be. JSON.parse lets a duplicate key silently win,
 * so every JSON request is scanned with this first. Iterative (an explicit stack), so no input can overflow the call
 * stack.
 */
export function locateJsonError(text: string): { offset: number; reason: string } | undefined {
  let i = 0;
  class Stop {
    constructor(
      readonly offset: number,
      readonly reason: string
    ) {}
  }
  const fail = (reason: string, at = i): never => {
    throw new Stop(at, reason);
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const found = () => (i >= text.length ? 'the end of the text' : JSON.stringify(text[i]));
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail(`unexpected ${found()} (strings need double quotes; true, false and null are lowercase)`);
  };
  const string = () => {
    const start = i;
    i++; // opening quote
    while (i < text.length) {
      const c = text[i];
      if (c === '"') {
        i++;
        return;
      }
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('invalid \\u escape in a string');
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
          i += 2;
        } else {
          fail(`invalid escape "\\${e ?? ''}" in a string (write a backslash as \\\\)`);
        }
        continue;
      }
      if (c === '\n' || c.charCodeAt(0) < 0x20)
        fail('line break or control character inside a string (missing closing quote?)');
      i++;
    }
    fail('unterminated string (missing closing quote)', start);
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) fail(`invalid number starting with ${found()}`);
    else i += m[0].length;
  };
  const scalar = (): void => {
    const c = text[i];
    if (c === '"') return string();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return number();
    if (c === "'") fail('single quotes are not JSON: use double quotes');
    if (c !== undefined && /[A-Za-z_]/.test(c)) {
      fail(`unexpected ${found()} (strings need double quotes; true, false and null are lowercase)`);
    }
    fail(`expected a value but found ${found()}`);
  };

  const stack: JsonFrame[] = [];
  const where = (frame: JsonFrame) => (frame.path ? `in ${frame.path}` : 'at the top level');
  const childPath = (): string => {
    const top = stack[stack.length - 1];
    if (!top) return '';
    const step =
      top.kind === 'array'
        ? `[${top.index}]`
        : /^[A-Za-z_$][\w$]*$/.test(top.key)
          ? `.${top.key}`
          : `[${JSON.stringify(top.key)}]`;
    return `${top.path}${step}`.replace(/^\./, '');
  };
  /** Reads `"name":` of the innermost object, refusing a name it already has. */
  const property = () => {
    const frame = stack[stack.length - 1] as Extract<JsonFrame, { kind: 'object' }>;
    if (text[i] !== '"') fail(`expected a property name in double quotes but found ${found()}`);
    const start = i;
    string();
    const name = JSON.parse(text.slice(start, i)) as string;
    if (name === '__proto__') fail(`the key "__proto__" ${where(frame)} is not allowed: ${UNSAFE_KEY_REASON}`, start);
    if (frame.keys.has(name)) {
      fail(
        `duplicate key ${JSON.stringify(name)} ${where(frame)} (JSON would silently keep the last one; keep only one)`,
        start
      );
    }
    frame.keys.add(name);
    frame.key = name;
    ws();
    if (text[i] !== ':') fail(`expected ":" after the property name but found ${found()}`);
    i++;
  };
  const open = (kind: 'object' | 'array') => {
    if (stack.length >= MAX_JSON_DEPTH) {
      fail(`nested deeper than ${MAX_JSON_DEPTH} levels: a restore request is never this deep (wrong file?)`);
    }
    const path = childPath();
    i++;
    stack.push(kind === 'object' ? { path, kind, keys: new Set(), key: '' } : { path, kind, index: 0 });
  };

  try {
    // Expect a value, then what may follow it in the innermost container, until the document ends.
    let expectValue = true;
    for (;;) {
      ws();
      if (expectValue) {
        const c = text[i];
        if (c === '{' || c === '[') {
          open(c === '{' ? 'object' : 'array');
          ws();
          if (text[i] === (c === '{' ? '}' : ']')) {
            i++;
            stack.pop();
            expectValue = false;
          } else if (c === '{') {
            property();
          }
          continue;
        }
        scalar();
        expectValue = false;
        continue;
      }
      const top = stack[stack.length - 1];
      if (!top) {
        if (i < text.length) fail(`unexpected ${found()} after the end of the document`);
        return undefined;
      }
      const close = top.kind === 'object' ? '}' : ']';
      if (text[i] === ',') {
        i++;
        ws();
        if (text[i] === close) fail(`trailing comma before "${close}" (JSON does not allow it)`);
        if (top.kind === 'object') property();
        else top.index++;
        expectValue = true;
        continue;
      }
      if (text[i] === close) {
        i++;
        stack.pop();
        continue;
      }
      fail(`expected "," or "${close}" but found ${found()} (missing comma?)`);
    }
  } catch (err) {
    if (err instanceof Stop) return { offset: err.offset, reason: err.reason };
    throw err;
  }
}
