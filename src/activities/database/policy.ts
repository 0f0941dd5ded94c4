/**
 * What a request may ask of the database worker, decided by the worker's own configuration: the TLS modes weaker
 * than `verify-full` and the `connectVia` tunnels it uses, and the directories it reads sanitization scripts and CA
 * files from. A request is untrusted: whoever can start a workflow must not choose where the master password goes,
 * weaken TLS, or read the worker's files. Every check runs before any secret is read or any connection made.
 */
import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import path from 'node:path';

import type { NormalizedDatabaseSpec } from '../../domain/request';
import { failure } from '../failures';
import type { DatabaseConnectionInput } from '../types';

export type TlsMode = NormalizedDatabaseSpec['tls']['mode'];
/** Strongest first. `verify-full` is always allowed. */
export const TLS_MODES: readonly TlsMode[] = ['verify-full', 'verify-ca', 'insecure', 'disable'];

export interface Tunnel {
  host: string;
  port: number;
}

export interface DatabaseWorkerPolicy {
  /** TLS modes allowed besides `verify-full` (always allowed). Default: none. */
  tlsModes?: readonly TlsMode[];
  /** `connectVia` host:port pairs requests may use. Default: none. */
  tunnels?: readonly Tunnel[];
  /** Directory `sanitize[].file` is read from (absolute). Unset: `file` is refused. */
  sqlDir?: string;
  /** Directory `tls.caFile` is read from (absolute). Unset: `caFile` is refused. */
  caDir?: string;
}

/** The worker's environment variables for each setting, named in refusals so the operator knows what to change. */
export const DB_WORKER_ENV = {
  tlsModes: 'AURORA_RESTORE_DB_TLS_MODES',
  tunnels: 'AURORA_RESTORE_DB_TUNNELS',
  sqlDir: 'AURORA_RESTORE_DB_SQL_DIR',
  caDir: 'AURORA_RESTORE_DB_CA_DIR',
} as const;

/** Largest sanitization script and CA bundle the worker reads. */
export const MAX_SQL_FILE_BYTES = 16 * 1024 * 1024;
export const MAX_CA_FILE_BYTES = 1024 * 1024;

export function formatTunnel(t: Tunnel): string {
  return t.host.includes(':') ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`;
}

function notAllowed(message: string, details: Record<string, unknown>) {
  return failure('NotAllowedByDatabaseWorker', message, details);
}

/** Refuses a TLS mode or a tunnel this worker does not allow (before any secret is read). */
export function checkConnectionAllowed(conn: DatabaseConnectionInput, policy: DatabaseWorkerPolicy): void {
  const mode = conn.tls.mode;
  const modes: TlsMode[] = ['verify-full', ...(policy.tlsModes ?? []).filter((m) => m !== 'verify-full')];
  if (!modes.includes(mode)) {
    throw notAllowed(
      `database.tls.mode "${mode}" is not allowed by this database worker: it allows ${modes.join(', ')} ` +
        `(${DB_WORKER_ENV.tlsModes}). Use a stricter mode, or have the worker's operator add ${mode} to ` +
        `${DB_WORKER_ENV.tlsModes} on the database worker; a request cannot weaken TLS by itself.`,
      { field: 'database.tls.mode', value: mode, setting: DB_WORKER_ENV.tlsModes }
    );
  }
  const via = conn.connectVia;
  if (via) {
    const tunnels = policy.tunnels ?? [];
    const allowed = tunnels.some((t) => t.host.toLowerCase() === via.host.toLowerCase() && t.port === via.port);
    if (!allowed) {
      const shown = formatTunnel(via);
      throw notAllowed(
        `database.connectVia "${shown}" is not allowed by this database worker: it allows ` +
          `${tunnels.length ? tunnels.map(formatTunnel).join(', ') : 'no tunnel'} (${DB_WORKER_ENV.tunnels}). ` +
          `Remove connectVia to connect to the cluster endpoint, or have the worker's operator add ${shown} to ` +
          `${DB_WORKER_ENV.tunnels} on the database worker; a request cannot choose where credentials go.`,
        { field: 'database.connectVia', value: shown, setting: DB_WORKER_ENV.tunnels }
      );
    }
  }
}

/** A file that is allowed but cannot be read (missing, unreadable): the caller names the failure. */
export class WorkerFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerFileError';
  }
}

function inside(dir: string, candidate: string): boolean {
  const rel = path.relative(dir, candidate);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

export interface WorkerFileRequest {
  /** The configured directory, or undefined when the setting is unset. */
  dir: string | undefined;
  /** The path the request gave: relative to `dir`, or absolute inside it. */
  requested: string;
  /** Request field, e.g. `database.sanitize[0].file`. */
  field: string;
  /** Worker setting that configures `dir`. */
  setting: string;
  /** "script files", "CA files": what the directory holds, for messages. */
  what: string;
  /** What the request can do instead, e.g. "or use sql or s3". */
  instead: string;
  maxBytes: number;
}

/**
 * Reads a file a request names, only from the worker's configured directory: no `..`, nothing outside it, no symlink
 * leading out of it, regular files only (not /dev/zero or a FIFO), at most `maxBytes`. Refusals never say anything
 * about the file's contents or whether a path outside the directory exists.
 */
export async function readWorkerFile(req: WorkerFileRequest): Promise<string> {
  const shown = JSON.stringify(req.requested);
  const details = { field: req.field, value: req.requested, setting: req.setting };
  const refuse = (why: string) =>
    notAllowed(
      `${req.field} ${shown} is not allowed by this database worker: ${why}. ` +
        (req.dir
          ? `It reads ${req.what} only from ${req.dir} (${req.setting}): put the file there and name it relative to ` +
            `that directory, ${req.instead}.`
          : `Have the worker's operator set ${req.setting} on the database worker to the directory holding the ` +
            `${req.what}, ${req.instead}.`),
      details
    );
  if (!req.dir) throw refuse(`it reads no ${req.what} (${req.setting} is not set)`);
  if (req.requested.includes('\0')) throw refuse('the path contains a NUL character');
  if (req.requested.split(/[\\/]+/).includes('..')) throw refuse('the path contains ".."');
  const dir = path.resolve(req.dir);
  let realDir: string;
  try {
    realDir = await realpath(dir);
  } catch (err) {
    throw new WorkerFileError(
      `the directory ${dir} (${req.setting}) cannot be read on this worker: ${(err as Error).message}`
    );
  }
  const candidate = path.isAbsolute(req.requested) ? path.resolve(req.requested) : path.resolve(dir, req.requested);
  if (!inside(dir, candidate) && !inside(realDir, candidate)) throw refuse(`the path is outside ${dir}`);
  let real: string;
  try {
    real = await realpath(candidate);
  } catch (err) {
    throw new WorkerFileError(`${candidate} cannot be read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  if (!inside(realDir, real)) throw refuse(`it is a link that leads out of ${dir}`);
  // O_NONBLOCK: opening a FIFO must not hang the activity; it is refused below as not a regular file.
  const handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(
    (err: NodeJS.ErrnoException) => {
      throw new WorkerFileError(`${candidate} cannot be read: ${err.code ?? 'error'}`);
    }
  );
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw refuse('it is not a regular file');
    if (stat.size > req.maxBytes) throw refuse(`it is larger than ${req.maxBytes} bytes`);
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}
