/**
 * The payload codec's keys, from the configuration of the process that uses them (worker, CLI, codec server), never
 * from a request: AURORA_RESTORE_CODEC_KEYS (a comma-separated list of `keyId:base64key`) or
 * AURORA_RESTORE_CODEC_KEYS_FILE (a file of the operator's with one `keyId:base64key` a line; `#` starts a comment).
 * Each key is 32 random bytes (AES-256), e.g. `openssl rand -base64 32`. The first key, or the one named by
 * AURORA_RESTORE_CODEC_ENCRYPT_KEY_ID, encrypts; every key decrypts, so keys rotate: add the new key first, keep the
 * old ones while histories encrypted with them are kept.
 */
import { readFileSync } from 'node:fs';

export const CODEC_ENV = {
  keys: 'AURORA_RESTORE_CODEC_KEYS',
  keysFile: 'AURORA_RESTORE_CODEC_KEYS_FILE',
  encryptKeyId: 'AURORA_RESTORE_CODEC_ENCRYPT_KEY_ID',
} as const;

/** AES-256 keys are 32 bytes. */
export const KEY_BYTES = 32;
/** Key ids travel in payload metadata and in messages: short, printable, no separators of the list syntax. */
const KEY_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export interface CodecKeyring {
  /** The key id new payloads are encrypted with. */
  encryptKeyId: string;
  /** Every key this process can decrypt with, by id. */
  keys: ReadonlyMap<string, Buffer>;
  /** Where the keys came from (the variable or file), for messages. */
  origin: string;
}

/** Every problem with the codec settings at once, each naming the setting and what to do. */
export class CodecConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[], what = 'payload codec') {
    super(`Invalid ${what} configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'CodecConfigError';
    this.problems = problems;
  }
}

type Env = Record<string, string | undefined>;

/**
 * The keyring the settings describe, undefined when no codec is configured (payloads stay plain JSON). Throws
 * `CodecConfigError` listing every problem; key material never appears in a message.
 */
export function readCodecKeyring(env: Env): CodecKeyring | undefined {
  const inline = env[CODEC_ENV.keys]?.trim() ?? '';
  const file = env[CODEC_ENV.keysFile]?.trim() ?? '';
  const encryptKeyId = env[CODEC_ENV.encryptKeyId]?.trim() ?? '';
  const problems: string[] = [];

  if (inline && file) {
    throw new CodecConfigError([
      `both ${CODEC_ENV.keys} and ${CODEC_ENV.keysFile} are set: set only one (the file keeps keys out of the ` +
        'process environment)',
    ]);
  }
  if (!inline && !file) {
    if (encryptKeyId) {
      throw new CodecConfigError([
        `${CODEC_ENV.encryptKeyId}=${JSON.stringify(encryptKeyId)} names a key, but no keys are configured: set ` +
          `${CODEC_ENV.keys} or ${CODEC_ENV.keysFile}, or unset it`,
      ]);
    }
    return undefined;
  }

  let entries: { text: string; where: string }[];
  let origin: string;
  if (inline) {
    origin = CODEC_ENV.keys;
    entries = inline
      .split(',')
      .map((text, i) => ({ text: text.trim(), where: `${CODEC_ENV.keys} entry ${i + 1}` }))
      .filter((e) => e.text !== '');
  } else {
    origin = `${CODEC_ENV.keysFile} (${file})`;
    let content: string;
    try {
      content = readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      throw new CodecConfigError([
        `${CODEC_ENV.keysFile}=${JSON.stringify(file)} cannot be read (${code}): point it at a readable file with ` +
          'one keyId:base64key a line',
      ]);
    }
    entries = content
      .split(/\r?\n/)
      .map((line, i) => ({ text: line.replace(/#.*$/, '').trim(), where: `${file} line ${i + 1}` }))
      .filter((e) => e.text !== '');
  }

  const keys = new Map<string, Buffer>();
  for (const { text, where } of entries) {
    const colon = text.indexOf(':');
    const id = colon > 0 ? text.slice(0, colon).trim() : '';
    const encoded = colon > 0 ? text.slice(colon + 1).trim() : '';
    if (!KEY_ID.test(id)) {
      problems.push(
        `${where}: expected keyId:base64key with a key id of letters, digits, ".", "_" or "-" (at most 64 ` +
          'characters, e.g. "2026-11:...")'
      );
      continue;
    }
    const key = BASE64.test(encoded) ? Buffer.from(encoded, 'base64') : undefined;
    if (!key || key.length !== KEY_BYTES) {
      problems.push(
        `${where}: key "${id}" is not ${KEY_BYTES} bytes of base64 (AES-256); make one with \`openssl rand -base64 32\``
      );
      continue;
    }
    if (keys.has(id)) {
      problems.push(`${where}: key id "${id}" appears twice: give every key its own id`);
      continue;
    }
    keys.set(id, key);
  }
  if (entries.length === 0) problems.push(`${origin} holds no key: add one keyId:base64key, or unset it`);

  const chosen = encryptKeyId || [...keys.keys()][0] || '';
  if (encryptKeyId && !keys.has(encryptKeyId) && problems.length === 0) {
    problems.push(
      `${CODEC_ENV.encryptKeyId}=${JSON.stringify(encryptKeyId)} is not among the configured keys ` +
        `(${[...keys.keys()].join(', ')}): name one of them, or unset it to encrypt with the first`
    );
  }
  if (problems.length > 0) throw new CodecConfigError(problems);
  return { encryptKeyId: chosen, keys, origin };
}
