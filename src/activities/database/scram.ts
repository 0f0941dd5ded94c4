/**
 * PostgreSQL SCRAM-SHA-256 verifiers (RFC 5802, RFC 7677), computed on the worker so that `CREATE/ALTER ROLE ...
 * PASSWORD` carries the verifier instead of the password: statement text reaches server logs (`log_statement`),
 * audit extensions and error messages, and a verifier there is not the password. PostgreSQL stores a value in this
 * format as given, whatever `password_encryption` says.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

import saslprep from '@mongodb-js/saslprep';

/** PostgreSQL's defaults: 4096 iterations (`scram_iterations`), 16 bytes of salt. */
export const SCRAM_ITERATIONS = 4096;
const SALT_BYTES = 16;

/**
 * The password as PostgreSQL prepares it before hashing: ASCII stays as it is; anything else goes through SASLprep
 * (RFC 4013), and where SASLprep refuses it (prohibited or unassigned characters, the bidi rule) the raw string is
 * used, as PostgreSQL does.
 */
export function preparePassword(password: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(password)) return password;
  try {
    return saslprep(password);
  } catch {
    return password;
  }
}

/** `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, all base64: what pg_authid.rolpassword holds. */
export function scramSha256Verifier(password: string, opts: { iterations?: number; salt?: Buffer } = {}): string {
  const iterations = opts.iterations ?? SCRAM_ITERATIONS;
  const salt = opts.salt ?? randomBytes(SALT_BYTES);
  const salted = pbkdf2Sync(Buffer.from(preparePassword(password), 'utf8'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
