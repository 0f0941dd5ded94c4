/**
 * The codec server: Temporal's remote codec protocol over HTTP, so that the Web UI and the `temporal` CLI
 * (`--codec-endpoint`) show decrypted payloads to those allowed, without holding the keys themselves.
 *
 *   POST <prefix>/decode and POST <prefix>/encode, body and answer `{"payloads": [{"metadata": {k: base64},
 *   "data": base64}]}` (the JSON form of temporal.api.common.v1.Payloads).
 *
 * Access: with bearer tokens configured, every POST needs `Authorization: Bearer <one of them>` (the `temporal` CLI
 * sends it with `--codec-auth`, the Web UI with its codec setting "include cross-origin credentials" / a proxy in
 * front); without, refused with 401. Browsers: only the configured Web UI origins get CORS answers; a request from
 * any other origin is refused with 403. Payload contents never reach the log.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';

import type { Payload, PayloadCodec } from '@temporalio/common';

/** Largest request body read: Temporal's own limit for one payload is 2 MB, a history page holds several. */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;
/** Headers the Web UI and the CLI send with codec requests. */
const ALLOWED_HEADERS = 'Content-Type, X-Namespace, Authorization';

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Origins (scheme://host[:port]) of the Web UIs allowed to call from a browser; none = no browser access. */
  corsOrigins: readonly string[];
  /** Bearer tokens that may use the server; none = no authentication (loopback or behind an authenticating proxy). */
  authTokens: readonly string[];
  /** One line per request (method, path, status, namespace); never payloads. */
  log?: (line: string) => void;
}

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

class BadRequest extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message);
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Compares digests in constant time, so the answer's timing says nothing about how much of a token matched. */
function tokenAllowed(header: string | undefined, allowed: readonly Buffer[]): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) return false;
  const given = digest(match[1]);
  let ok = false;
  for (const candidate of allowed) ok = timingSafeEqual(given, candidate) || ok;
  return ok;
}

function toPayloads(body: unknown): Payload[] {
  const list = (body as { payloads?: unknown } | null)?.payloads;
  if (!Array.isArray(list)) throw new BadRequest(400, 'the body must be a JSON object with a "payloads" array');
  return list.map((item: unknown, i) => {
    const p = item as JsonPayload | null;
    if (typeof p !== 'object' || p === null) throw new BadRequest(400, `payloads[${i}] is not an object`);
    const metadata: Record<string, Uint8Array> = {};
    for (const [key, value] of Object.entries(p.metadata ?? {})) {
      if (typeof value !== 'string') throw new BadRequest(400, `payloads[${i}].metadata.${key} is not base64 text`);
      metadata[key] = Buffer.from(value, 'base64');
    }
    if (p.data !== undefined && typeof p.data !== 'string') {
      throw new BadRequest(400, `payloads[${i}].data is not base64 text`);
    }
    return { metadata, data: Buffer.from(p.data ?? '', 'base64') };
  });
}

function fromPayloads(payloads: Payload[]): { payloads: JsonPayload[] } {
  return {
    payloads: payloads.map((p) => ({
      metadata: Object.fromEntries(
        Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')])
      ),
      data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
    })),
  };
}

async function readBody(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BadRequest(413, `the body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new BadRequest(400, 'the body is not JSON');
  }
}

/** An HTTP server answering the codec protocol; call `listen` on it. */
export function createCodecServer(options: CodecServerOptions): http.Server {
  const origins = new Set(options.corsOrigins.map((o) => o.replace(/\/+$/, '')));
  const tokens = options.authTokens.map(digest);
  const log = options.log ?? (() => undefined);

  return http.createServer((req, res) => {
    const started = Date.now();
    const path = new URL(req.url ?? '/', 'http://codec.invalid').pathname;
    const origin = req.headers.origin;
    const namespace = req.headers['x-namespace'];
    const finish = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, {
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      });
      res.end(body === undefined ? undefined : JSON.stringify(body));
      // Refusals say why (our messages name key ids and settings, never payload contents).
      const why = status >= 400 ? ` ${(body as { message?: string } | undefined)?.message ?? ''}` : '';
      log(
        `${req.method ?? '?'} ${path} ${status}` +
          `${typeof namespace === 'string' ? ` namespace=${namespace}` : ''} ${Date.now() - started}ms${why}`
      );
    };

    // A browser call from an origin that is not a configured Web UI gets no CORS headers and no service.
    const cors: Record<string, string> = {};
    if (origin !== undefined) {
      if (!origins.has(origin)) {
        finish(403, { message: `origin ${origin} is not allowed (AURORA_RESTORE_CODEC_CORS_ORIGINS)` });
        return;
      }
      Object.assign(cors, {
        'Access-Control-Allow-Origin': origin,
        'Access-Control-Allow-Credentials': 'true',
        Vary: 'Origin',
      });
    }

    const action = /\/(encode|decode)$/.exec(path)?.[1] as 'encode' | 'decode' | undefined;
    if (req.method === 'OPTIONS') {
      // Preflights carry no credentials: they are answered for allowed origins only, without authentication.
      finish(action ? 204 : 404, undefined, {
        ...cors,
        'Access-Control-Allow-Methods': 'POST, OPTIONS',
        'Access-Control-Allow-Headers': ALLOWED_HEADERS,
        'Access-Control-Max-Age': '600',
      });
      return;
    }
    if (!action) {
      finish(404, { message: 'POST to /encode or /decode' }, cors);
      return;
    }
    if (req.method !== 'POST') {
      finish(405, { message: 'use POST' }, { ...cors, Allow: 'POST, OPTIONS' });
      return;
    }
    if (tokens.length > 0 && !tokenAllowed(req.headers.authorization, tokens)) {
      finish(
        401,
        { message: 'a valid "Authorization: Bearer <token>" header is required' },
        { ...cors, 'WWW-Authenticate': 'Bearer realm="aurora-restore codec"' }
      );
      return;
    }

    readBody(req)
      .then(toPayloads)
      .then((payloads) => (action === 'encode' ? options.codec.encode(payloads) : options.codec.decode(payloads)))
      .then(
        (payloads) => finish(200, fromPayloads(payloads), cors),
        (err: unknown) => {
          const status = err instanceof BadRequest ? err.status : 400;
          finish(status, { message: err instanceof Error ? err.message : String(err) }, cors);
        }
      );
  });
}
