/** The optional payload codec, shared by the worker, the CLI (and the schedules it creates) and the codec server. */
import type { DataConverter } from '@temporalio/common';

import { AesGcmPayloadCodec } from './aes-gcm-codec';
import { readCodecKeyring } from './keys';

export {
  AesGcmPayloadCodec,
  ENCRYPTED_ENCODING,
  isEncrypted,
  KEY_ID_METADATA_KEY,
  PayloadDecryptionError,
} from './aes-gcm-codec';
export { CODEC_ENV, CodecConfigError, readCodecKeyring } from './keys';
export type { CodecKeyring } from './keys';

/**
 * The data converter for this process's settings: the AES-256-GCM codec when keys are configured, else the SDK's
 * default (plain JSON payloads). Throws `CodecConfigError` on bad settings.
 */
export function dataConverterFromEnv(env: Record<string, string | undefined>): DataConverter {
  const keyring = readCodecKeyring(env);
  return keyring ? { payloadCodecs: [new AesGcmPayloadCodec(keyring)] } : {};
}
