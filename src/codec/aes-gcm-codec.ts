/**
 * A payload codec that encrypts every payload with AES-256-GCM before it leaves the process, so that workflow
 * inputs, results, signals, queries, heartbeats and activity arguments sit in Temporal's history as ciphertext.
 *
 * An encrypted payload keeps the whole original payload (its metadata too) inside the ciphertext; its own metadata
 * says only `encoding: binary/encrypted` and the key id, so a key can rotate: payloads written with an old key
 * still decrypt while that key is configured. The key id is authenticated with the data (additional data), so a
 * payload cannot be passed off as encrypted under another id.
 *
 * Applied outside the workflow sandbox (the worker's and client's `dataConverter.payloadCodecs`): the workflow code
 * never sees keys or ciphertext.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

import type { Payload, PayloadCodec } from '@temporalio/common';
import { METADATA_ENCODING_KEY } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

import type { CodecKeyring } from './keys';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA_KEY = 'encryption-key-id';
const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A payload that cannot be decrypted here: which key it needs, and what to configure. */
export class PayloadDecryptionError extends Error {
  readonly keyId: string | undefined;

  constructor(message: string, keyId?: string) {
    super(message);
    this.name = 'PayloadDecryptionError';
    this.keyId = keyId;
  }
}

function additionalData(keyId: string): Buffer {
  return Buffer.from(`aurora-restore/${CIPHER}/${keyId}`, 'utf8');
}

export function isEncrypted(payload: Payload): boolean {
  const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
  return !!encoding && Buffer.from(encoding).toString('utf8') === ENCRYPTED_ENCODING;
}

export class AesGcmPayloadCodec implements PayloadCodec {
  constructor(private readonly keyring: CodecKeyring) {}

  /** Encrypts every payload with the encrypting key. */
  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encrypt(payload));
  }

  /**
   * Decrypts every encrypted payload; plain payloads (written before the codec was turned on) pass unchanged, so
   * turning the codec on never makes existing histories unreadable.
   */
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => (isEncrypted(payload) ? this.decrypt(payload) : payload));
  }

  private encrypt(payload: Payload): Payload {
    const keyId = this.keyring.encryptKeyId;
    const key = this.keyring.keys.get(keyId);
    if (!key) throw new PayloadDecryptionError(`the encrypting key "${keyId}" is not configured`, keyId);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(additionalData(keyId));
    const plain = temporal.api.common.v1.Payload.encode(payload).finish();
    const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: {
        [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING, 'utf8'),
        [KEY_ID_METADATA_KEY]: Buffer.from(keyId, 'utf8'),
      },
      data,
    };
  }

  private decrypt(payload: Payload): Payload {
    const rawId = payload.metadata?.[KEY_ID_METADATA_KEY];
    const known = [...this.keyring.keys.keys()].join(', ');
    if (!rawId || rawId.length === 0) {
      throw new PayloadDecryptionError(
        `An encrypted payload has no key id (metadata "${KEY_ID_METADATA_KEY}"): it was not written by this codec ` +
          'or was altered, and cannot be decrypted.'
      );
    }
    const keyId = Buffer.from(rawId).toString('utf8');
    const key = this.keyring.keys.get(keyId);
    if (!key) {
      throw new PayloadDecryptionError(
        `An encrypted payload needs key "${keyId}", which this process does not have (configured in ` +
          `${this.keyring.origin}: ${known}). Add key "${keyId}" to the codec keys of the worker, the CLI and the ` +
          'codec server; keep old keys configured while histories encrypted with them are kept.',
        keyId
      );
    }
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) {
      throw new PayloadDecryptionError(
        `An encrypted payload under key "${keyId}" is ${data.length} bytes, too short to be AES-256-GCM: it was altered.`,
        keyId
      );
    }
    const decipher = createDecipheriv(CIPHER, key, data.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(additionalData(keyId));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(
        `An encrypted payload under key "${keyId}" does not decrypt with the key configured as "${keyId}" in ` +
          `${this.keyring.origin}: the key under that id differs from the one that encrypted it, or the payload ` +
          'was altered. Configure the original key under that id.',
        keyId
      );
    }
    const decoded = temporal.api.common.v1.Payload.decode(plain);
    return { metadata: decoded.metadata, data: decoded.data };
  }
}
