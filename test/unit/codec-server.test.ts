/**
 * The codec server (src/codec/server.ts) over real HTTP on a loopback port: the codec protocol, CORS for the
 * configured Web UI origin only, bearer-token refusals, and its settings (src/codec/main.ts).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';

import { defaultPayloadConverter } from '@temporalio/common';

import { AesGcmPayloadCodec, readCodecKeyring } from '../../src/codec';
import { parseCodecServerConfig } from '../../src/codec/main';
import { createCodecServer } from '../../src/codec/server';

const UI = 'http://localhost:8233';
const TOKEN = randomBytes(24).toString('hex');

function jsonPayload(value: unknown) {
  const p = defaultPayloadConverter.toPayload(value);
  return {
    metadata: Object.fromEntries(
      Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')])
    ),
    data: Buffer.from(p.data ?? []).toString('base64'),
  };
}

describe('codec server', () => {
  const keyring = readCodecKeyring({ AURORA_RESTORE_CODEC_KEYS: `k1:${randomBytes(32).toString('base64')}` });
  let server: http.Server;
  let base = '';
  const lines: string[] = [];

  before(async () => {
    assert.ok(keyring);
    server = createCodecServer({
      codec: new AesGcmPayloadCodec(keyring),
      corsOrigins: [UI],
      authTokens: [TOKEN],
      log: (line) => lines.push(line),
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Namespace': 'default', ...headers },
      body: JSON.stringify(body),
    });
  const auth = { Authorization: `Bearer ${TOKEN}` };

  it('encodes and decodes per the codec protocol, and never logs payloads', async () => {
    const request = { clusterId: 'orders-staging-secret-name' };
    const encoded = await post('/encode', { payloads: [jsonPayload(request)] }, auth);
    assert.equal(encoded.status, 200);
    const body = (await encoded.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    assert.equal(Buffer.from(body.payloads[0]?.metadata.encoding ?? '', 'base64').toString(), 'binary/encrypted');
    assert.ok(!JSON.stringify(body).includes(Buffer.from('orders-staging').toString('base64').slice(0, 12)));

    const decoded = await post('/decode', body, auth);
    assert.equal(decoded.status, 200);
    const back = (await decoded.json()) as { payloads: ReturnType<typeof jsonPayload>[] };
    assert.deepEqual(back.payloads, [jsonPayload(request)]);
    assert.ok(
      lines.some((l) => /^POST \/decode 200 namespace=default/.test(l)),
      lines.join('\n')
    );
    assert.ok(!lines.join('\n').includes('orders-staging'));
  });

  it('refuses a request without a valid bearer token', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { Authorization: 'Bearer wrong-token-0123456789' },
      { Authorization: TOKEN },
    ];
    for (const headers of attempts) {
      const res = await post('/decode', { payloads: [] }, headers);
      assert.equal(res.status, 401, JSON.stringify(headers));
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
    }
  });

  it('answers the Web UI origin’s preflight and no other origin', async () => {
    const preflight = await fetch(`${base}/decode`, {
      method: 'OPTIONS',
      headers: {
        Origin: UI,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type,x-namespace,authorization',
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), UI);
    assert.equal(preflight.headers.get('access-control-allow-credentials'), 'true');
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /X-Namespace.*Authorization/);
    assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);

    const stranger = await fetch(`${base}/decode`, { method: 'OPTIONS', headers: { Origin: 'https://evil.test' } });
    assert.equal(stranger.status, 403);
    assert.equal(stranger.headers.get('access-control-allow-origin'), null);
    const strangerPost = await post('/decode', { payloads: [] }, { ...auth, Origin: 'https://evil.test' });
    assert.equal(strangerPost.status, 403);

    const fromUi = await post('/decode', { payloads: [] }, { ...auth, Origin: UI });
    assert.equal(fromUi.status, 200);
    assert.equal(fromUi.headers.get('access-control-allow-origin'), UI);
  });

  it('says what is wrong with a bad body or a payload it cannot decrypt', async () => {
    const notJson = await fetch(`${base}/decode`, { method: 'POST', headers: auth, body: '{' });
    assert.equal(notJson.status, 400);
    assert.match(((await notJson.json()) as { message: string }).message, /not JSON/);
    const noList = await post('/decode', { items: [] }, auth);
    assert.match(((await noList.json()) as { message: string }).message, /"payloads" array/);
    const foreign = {
      metadata: {
        encoding: Buffer.from('binary/encrypted').toString('base64'),
        'encryption-key-id': Buffer.from('retired').toString('base64'),
      },
      data: randomBytes(40).toString('base64'),
    };
    const res = await post('/decode', { payloads: [foreign] }, auth);
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { message: string }).message, /needs key "retired"/);
    assert.equal((await post('/other', {}, auth)).status, 404);
    assert.equal((await fetch(`${base}/decode`, { headers: auth })).status, 405);
  });
});

describe('codec server settings', () => {
  it('defaults to loopback without auth, and reads origins and tokens', () => {
    assert.deepEqual(parseCodecServerConfig({}), {
      host: '127.0.0.1',
      port: 8888,
      corsOrigins: [],
      authTokens: [],
    });
    const config = parseCodecServerConfig({
      AURORA_RESTORE_CODEC_SERVER_ADDRESS: '0.0.0.0:9000',
      AURORA_RESTORE_CODEC_CORS_ORIGINS: 'http://localhost:8233/, https://temporal.example.com',
      AURORA_RESTORE_CODEC_AUTH_TOKENS: TOKEN,
    });
    assert.deepEqual(config.corsOrigins, ['http://localhost:8233', 'https://temporal.example.com']);
    assert.deepEqual(config.authTokens, [TOKEN]);
  });

  it('refuses to listen beyond loopback without auth, and bad origins or short tokens', () => {
    assert.throws(
      () => parseCodecServerConfig({ AURORA_RESTORE_CODEC_SERVER_ADDRESS: '0.0.0.0:8888' }),
      /without authentication.*AURORA_RESTORE_CODEC_ALLOW_UNAUTHENTICATED=1/s
    );
    assert.equal(
      parseCodecServerConfig({
        AURORA_RESTORE_CODEC_SERVER_ADDRESS: '0.0.0.0:8888',
        AURORA_RESTORE_CODEC_ALLOW_UNAUTHENTICATED: '1',
      }).host,
      '0.0.0.0'
    );
    assert.throws(
      () =>
        parseCodecServerConfig({
          AURORA_RESTORE_CODEC_CORS_ORIGINS: 'http://localhost:8233/ui',
          AURORA_RESTORE_CODEC_AUTH_TOKENS: 'short',
        }),
      (err: Error) => /scheme:\/\/host\[:port\] without a path/.test(err.message) && /16\+ characters/.test(err.message)
    );
  });
});
