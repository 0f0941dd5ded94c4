/** The AES-256-GCM payload codec and its keys (src/codec): what is encrypted, key rotation, and refusals. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { Payload } from '@temporalio/common';
import { defaultPayloadConverter } from '@temporalio/common';

import { connectClient, TemporalConnectionError } from '../../src/client/connection';
import {
  AesGcmPayloadCodec,
  CodecConfigError,
  dataConverterFromEnv,
  ENCRYPTED_ENCODING,
  isEncrypted,
  KEY_ID_METADATA_KEY,
  PayloadDecryptionError,
  readCodecKeyring,
} from '../../src/codec';
import { parseWorkerConfig, WorkerConfigError } from '../../src/worker/config';

const key = () => randomBytes(32).toString('base64');
const REQUEST = { target: { clusterId: 'orders-staging', accountId: '210987654321' }, sql: 'UPDATE users SET x=1' };

function codecFor(keys: string, encryptKeyId?: string): AesGcmPayloadCodec {
  const keyring = readCodecKeyring({
    AURORA_RESTORE_CODEC_KEYS: keys,
    ...(encryptKeyId ? { AURORA_RESTORE_CODEC_ENCRYPT_KEY_ID: encryptKeyId } : {}),
  });
  assert.ok(keyring);
  return new AesGcmPayloadCodec(keyring);
}

function text(bytes: Uint8Array | null | undefined): string {
  return Buffer.from(bytes ?? new Uint8Array()).toString('utf8');
}

describe('payload codec (AES-256-GCM)', () => {
  const k1 = key();
  const k2 = key();

  it('encrypts every payload with the first key, metadata included, and decrypts it back unchanged', async () => {
    const codec = codecFor(`k1:${k1},k2:${k2}`);
    const plain = defaultPayloadConverter.toPayload(REQUEST);
    const [encrypted] = await codec.encode([plain]);
    assert.ok(encrypted);
    assert.equal(text(encrypted.metadata?.encoding), ENCRYPTED_ENCODING);
    assert.equal(text(encrypted.metadata?.[KEY_ID_METADATA_KEY]), 'k1');
    assert.deepEqual(Object.keys(encrypted.metadata ?? {}).sort(), ['encoding', KEY_ID_METADATA_KEY]);
    const raw = Buffer.from(encrypted.data ?? new Uint8Array()).toString('latin1');
    for (const secret of ['orders-staging', '210987654321', 'UPDATE users', 'json/plain']) {
      assert.ok(!raw.includes(secret), `${secret} is readable in the ciphertext`);
    }
    const [decoded] = await codec.decode([encrypted]);
    assert.deepEqual(defaultPayloadConverter.fromPayload(decoded as Payload), REQUEST);
    assert.equal(text(decoded?.metadata?.encoding), 'json/plain');
  });

  it('uses a fresh IV for each payload: the same value encrypts to different bytes', async () => {
    const codec = codecFor(`k1:${k1}`);
    const plain = defaultPayloadConverter.toPayload('same');
    const [a, b] = await codec.encode([plain, plain]);
    assert.notDeepEqual(Buffer.from(a?.data ?? []), Buffer.from(b?.data ?? []));
  });

  it('rotates keys: the new key encrypts, the old one still decrypts what it wrote', async () => {
    const before = codecFor(`old:${k1}`);
    const [old] = await before.encode([defaultPayloadConverter.toPayload(REQUEST)]);
    const after = codecFor(`new:${k2},old:${k1}`);
    const [fresh] = await after.encode([defaultPayloadConverter.toPayload(REQUEST)]);
    assert.equal(text(fresh?.metadata?.[KEY_ID_METADATA_KEY]), 'new');
    const decoded = await after.decode([old as Payload, fresh as Payload]);
    assert.deepEqual(
      decoded.map((p) => defaultPayloadConverter.fromPayload(p)),
      [REQUEST, REQUEST]
    );
    // AURORA_RESTORE_CODEC_ENCRYPT_KEY_ID picks the encrypting key whatever the order.
    const named = codecFor(`old:${k1},new:${k2}`, 'new');
    const [byName] = await named.encode([defaultPayloadConverter.toPayload(1)]);
    assert.equal(text(byName?.metadata?.[KEY_ID_METADATA_KEY]), 'new');
  });

  it('refuses a payload whose key id is not configured, naming the id and where keys are set', async () => {
    const [encrypted] = await codecFor(`gone:${k1}`).encode([defaultPayloadConverter.toPayload(REQUEST)]);
    const other = codecFor(`k2:${k2}`);
    await assert.rejects(
      other.decode([encrypted as Payload]),
      (err: Error) =>
        err instanceof PayloadDecryptionError &&
        err.keyId === 'gone' &&
        /needs key "gone".*AURORA_RESTORE_CODEC_KEYS: k2\)/s.test(err.message)
    );
  });

  it('refuses a payload under a known id but another key, an altered payload, and one without a key id', async () => {
    const [encrypted] = await codecFor(`k1:${k1}`).encode([defaultPayloadConverter.toPayload(REQUEST)]);
    assert.ok(encrypted);
    await assert.rejects(codecFor(`k1:${k2}`).decode([encrypted]), /does not decrypt with the key configured as "k1"/);
    const altered = Buffer.from(encrypted.data ?? []);
    altered[20] = (altered[20] ?? 0) ^ 1;
    await assert.rejects(codecFor(`k1:${k1}`).decode([{ ...encrypted, data: altered }]), /or the payload was altered/);
    // The key id is authenticated: relabelling a payload as another key's fails even when that key is the same.
    const relabelled = { ...encrypted, metadata: { ...encrypted.metadata, [KEY_ID_METADATA_KEY]: Buffer.from('k9') } };
    await assert.rejects(codecFor(`k1:${k1},k9:${k1}`).decode([relabelled]), /configured as "k9"/);
    const noId = { ...encrypted, metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING) } };
    await assert.rejects(codecFor(`k1:${k1}`).decode([noId]), /has no key id/);
  });

  it('passes plain payloads through on decode (histories from before the codec was turned on)', async () => {
    const plain = defaultPayloadConverter.toPayload(REQUEST);
    const [decoded] = await codecFor(`k1:${k1}`).decode([plain]);
    assert.equal(decoded, plain);
    assert.equal(isEncrypted(plain), false);
  });
});

describe('payload codec keys', () => {
  it('is off without keys: the SDK default converter', () => {
    assert.equal(readCodecKeyring({}), undefined);
    assert.deepEqual(dataConverterFromEnv({ AURORA_RESTORE_CODEC_KEYS: ' ' }), {});
    const on = dataConverterFromEnv({ AURORA_RESTORE_CODEC_KEYS: `a:${key()}` });
    assert.ok(on.payloadCodecs?.[0] instanceof AesGcmPayloadCodec);
  });

  it('reads a key file of the operator, one keyId:base64key a line, comments allowed', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'codec-keys-'));
    const file = path.join(dir, 'keys');
    writeFileSync(file, `# rotated 2026-11\n2026-11:${key()}\n\n2026-05:${key()}  # old\n`);
    chmodSync(file, 0o600);
    const keyring = readCodecKeyring({ AURORA_RESTORE_CODEC_KEYS_FILE: file });
    assert.equal(keyring?.encryptKeyId, '2026-11');
    assert.deepEqual([...(keyring?.keys.keys() ?? [])], ['2026-11', '2026-05']);
    assert.match(keyring?.origin ?? '', /AURORA_RESTORE_CODEC_KEYS_FILE/);
  });

  it('lists every problem without showing key material', () => {
    const short = Buffer.from('too short').toString('base64');
    const good = key();
    let caught: unknown;
    try {
      readCodecKeyring({ AURORA_RESTORE_CODEC_KEYS: `a:${short},b c:${good},a2:${good},a2:${good},nocolon` });
    } catch (err) {
      caught = err;
    }
    assert.ok(caught instanceof CodecConfigError);
    assert.equal(caught.problems.length, 4, caught.message);
    assert.match(caught.message, /key "a" is not 32 bytes of base64/);
    assert.match(caught.message, /entry 2: expected keyId:base64key/);
    assert.match(caught.message, /key id "a2" appears twice/);
    assert.match(caught.message, /entry 5: expected keyId:base64key/);
    assert.ok(!caught.message.includes(good) && !caught.message.includes(short), 'a key appears in the message');
  });

  it('refuses both sources at once, an unreadable file, and an encrypting key id that is not configured', () => {
    assert.throws(
      () => readCodecKeyring({ AURORA_RESTORE_CODEC_KEYS: `a:${key()}`, AURORA_RESTORE_CODEC_KEYS_FILE: '/x' }),
      /both AURORA_RESTORE_CODEC_KEYS and AURORA_RESTORE_CODEC_KEYS_FILE/
    );
    assert.throws(
      () => readCodecKeyring({ AURORA_RESTORE_CODEC_KEYS_FILE: '/nonexistent/keys' }),
      /cannot be read \(ENOENT\)/
    );
    assert.throws(
      () => readCodecKeyring({ AURORA_RESTORE_CODEC_KEYS: `a:${key()}`, AURORA_RESTORE_CODEC_ENCRYPT_KEY_ID: 'b' }),
      /AURORA_RESTORE_CODEC_ENCRYPT_KEY_ID="b" is not among the configured keys \(a\)/
    );
    assert.throws(() => readCodecKeyring({ AURORA_RESTORE_CODEC_ENCRYPT_KEY_ID: 'b' }), /no keys are configured/);
  });

  it('makes a bad codec setting a worker configuration problem, so the worker does not start', () => {
    assert.throws(
      () => parseWorkerConfig({ AURORA_RESTORE_CODEC_KEYS: 'a:bm90IGEga2V5' }),
      (err: Error) => err instanceof WorkerConfigError && /key "a" is not 32 bytes/.test(err.message)
    );
    const config = parseWorkerConfig({ AURORA_RESTORE_CODEC_KEYS: `a:${key()}` });
    assert.ok(config.dataConverter.payloadCodecs?.[0] instanceof AesGcmPayloadCodec);
  });

  it('makes a bad codec setting a CLI connection error, before anything connects', async () => {
    // Port 1 on loopback refuses: reaching the connection step would say "Could not connect" instead.
    await assert.rejects(
      connectClient({ env: { TEMPORAL_ADDRESS: '127.0.0.1:1', AURORA_RESTORE_CODEC_KEYS_FILE: '/nonexistent/keys' } }),
      (err: Error) =>
        err instanceof TemporalConnectionError &&
        /AURORA_RESTORE_CODEC_KEYS_FILE="\/nonexistent\/keys" cannot be read/.test(err.message) &&
        !/Could not connect/.test(err.message)
    );
  });
});
