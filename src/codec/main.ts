/**
 * `npm run codec-server`: the codec server (server.ts) with the same codec keys as the worker and the CLI.
 *
 * Settings (env): AURORA_RESTORE_CODEC_KEYS or AURORA_RESTORE_CODEC_KEYS_FILE (required, keys.ts);
 * AURORA_RESTORE_CODEC_SERVER_ADDRESS (host:port, default 127.0.0.1:8888); AURORA_RESTORE_CODEC_CORS_ORIGINS (the
 * Web UI origins, comma-separated, e.g. http://localhost:8233); AURORA_RESTORE_CODEC_AUTH_TOKENS or
 * AURORA_RESTORE_CODEC_AUTH_TOKENS_FILE (bearer tokens, comma-separated or one a line). Listening beyond loopback
 * without tokens is refused unless AURORA_RESTORE_CODEC_ALLOW_UNAUTHENTICATED=1 (an authenticating proxy in front):
 * whoever reaches the server can decrypt every payload.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';

import { AesGcmPayloadCodec } from './aes-gcm-codec';
import { CodecConfigError, readCodecKeyring } from './keys';
import { createCodecServer } from './server';

export const CODEC_SERVER_ENV = {
  address: 'AURORA_RESTORE_CODEC_SERVER_ADDRESS',
  corsOrigins: 'AURORA_RESTORE_CODEC_CORS_ORIGINS',
  authTokens: 'AURORA_RESTORE_CODEC_AUTH_TOKENS',
  authTokensFile: 'AURORA_RESTORE_CODEC_AUTH_TOKENS_FILE',
  allowUnauthenticated: 'AURORA_RESTORE_CODEC_ALLOW_UNAUTHENTICATED',
} as const;

export const DEFAULT_CODEC_SERVER_ADDRESS = '127.0.0.1:8888';

export interface CodecServerConfig {
  host: string;
  port: number;
  corsOrigins: string[];
  authTokens: string[];
}

type Env = Record<string, string | undefined>;

function list(raw: string | undefined, separator: RegExp): string[] {
  return (raw ?? '')
    .split(separator)
    .map((x) => x.replace(/#.*$/, '').trim())
    .filter((x) => x !== '');
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The codec server's settings besides the keys; throws `CodecConfigError` listing every problem. */
export function parseCodecServerConfig(env: Env): CodecServerConfig {
  const problems: string[] = [];
  const E = CODEC_SERVER_ENV;

  const address = env[E.address]?.trim() || DEFAULT_CODEC_SERVER_ADDRESS;
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(address);
  const port = m ? Number(m[3]) : -1;
  if (!m || port > 65535) {
    problems.push(`${E.address}=${JSON.stringify(address)} is not host:port: use e.g. 127.0.0.1:8888 or 0.0.0.0:8888`);
  }
  const host = m ? (m[1] ?? m[2]) : '127.0.0.1';

  const corsOrigins = list(env[E.corsOrigins], /,/).map((o) => o.replace(/\/+$/, ''));
  for (const origin of corsOrigins) {
    let ok = false;
    try {
      const url = new URL(origin);
      ok = (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === origin;
    } catch {
      ok = false;
    }
    if (!ok) {
      problems.push(
        `${E.corsOrigins} has ${JSON.stringify(origin)}: use the Web UI's origin, scheme://host[:port] without a ` +
          'path, e.g. http://localhost:8233'
      );
    }
  }

  const inline = env[E.authTokens]?.trim() ?? '';
  const file = env[E.authTokensFile]?.trim() ?? '';
  let authTokens: string[] = [];
  if (inline && file) {
    problems.push(`both ${E.authTokens} and ${E.authTokensFile} are set: set only one`);
  } else if (inline) {
    authTokens = list(inline, /,/);
  } else if (file) {
    try {
      authTokens = list(readFileSync(file, 'utf8'), /\r?\n/);
      if (authTokens.length === 0) problems.push(`${E.authTokensFile}=${JSON.stringify(file)} holds no token`);
    } catch (err) {
      problems.push(
        `${E.authTokensFile}=${JSON.stringify(file)} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`
      );
    }
  }
  if (authTokens.some((t) => /\s/.test(t) || t.length < 16)) {
    problems.push(`the bearer tokens in ${inline ? E.authTokens : E.authTokensFile} must be 16+ characters, no spaces`);
  }

  const allowUnauthenticated = ['1', 'true', 'yes'].includes(env[E.allowUnauthenticated]?.trim().toLowerCase() ?? '');
  if (m && authTokens.length === 0 && !isLoopback(host) && !allowUnauthenticated) {
    problems.push(
      `${E.address}=${address} listens beyond this host without authentication, so anyone reaching it could decrypt ` +
        `every payload: set ${E.authTokens} or ${E.authTokensFile}, or ${E.allowUnauthenticated}=1 when a proxy in ` +
        'front authenticates'
    );
  }
  if (problems.length > 0) throw new CodecConfigError(problems, 'codec server');
  return { host, port, corsOrigins, authTokens };
}

/** Starts the codec server; resolves once it listens. Exit code 1 with the problems on bad settings. */
export async function runCodecServer(env: Env = process.env): Promise<number> {
  let config: CodecServerConfig;
  let codec: AesGcmPayloadCodec;
  try {
    const keyring = readCodecKeyring(env);
    if (!keyring) {
      throw new CodecConfigError([
        'no codec keys: set AURORA_RESTORE_CODEC_KEYS or AURORA_RESTORE_CODEC_KEYS_FILE to the keys the worker uses',
      ]);
    }
    codec = new AesGcmPayloadCodec(keyring);
    config = parseCodecServerConfig(env);
  } catch (err) {
    if (err instanceof CodecConfigError) {
      console.error(`aurora-restore codec server: ${err.message}`);
      return 1;
    }
    throw err;
  }
  const server = createCodecServer({
    codec,
    corsOrigins: config.corsOrigins,
    authTokens: config.authTokens,
    log: (line) => console.log(line),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  console.log(
    `aurora-restore codec server listening on http://${address.includes(':') ? `[${address}]` : address}:${port} ` +
      `(CORS origins: ${config.corsOrigins.join(', ') || 'none'}; auth: ` +
      `${config.authTokens.length ? `${config.authTokens.length} bearer token(s)` : 'none'})`
  );
  const stop = () => server.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return 0;
}

if (require.main === module) {
  runCodecServer().then(
    (code) => {
      if (code !== 0) process.exitCode = code;
    },
    (err: unknown) => {
      console.error('aurora-restore codec server failed:', err);
      process.exitCode = 1;
    }
  );
}
