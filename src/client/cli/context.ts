/**
 * What every command gets: the process's input and output (replaceable, so tests drive the CLI in-process), the
 * Temporal connection (opened on first use) and the exit codes. Light on purpose: nothing here loads the Temporal
 * client, so `--help` and usage errors start fast.
 */
import { userInfo } from 'node:os';

import type { ClientConnection } from '../connection';

export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, PROBLEMS: 3, INTERRUPTED: 130 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export interface CliIo {
  /** Receives complete text (lines end with a newline). */
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readStdin?: () => Promise<string>;
  env: Record<string, string | undefined>;
  now: () => Date;
  /** Aborting stops following a restore (the restore keeps running). */
  signal?: AbortSignal;
  /** Opens the Temporal connection; default `connectClient({ env })`. */
  connect: () => Promise<ClientConnection>;
  /** How often `start` queries progress while following. Default 2s. */
  watchIntervalMs?: number;
}

/** A command line that cannot be run as written. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface Output {
  json: boolean;
  debug: boolean;
  line: (text?: string) => void;
  err: (text?: string) => void;
  /** Progress lines: stdout in human mode, stderr with --json so stdout stays one JSON document. */
  progress: (text: string) => void;
  document: (value: unknown) => void;
}

export interface CommandContext {
  io: CliIo;
  out: Output;
  /** The Temporal connection, opened on the first call and closed when the command ends. */
  connect: () => Promise<ClientConnection>;
  /** Set by the command that ran: the process's exit code. */
  exitCode: number;
}

export function createOutput(io: Pick<CliIo, 'stdout' | 'stderr'>, json: boolean, debug: boolean): Output {
  const out: Output = {
    json,
    debug,
    line: (text = '') => io.stdout(`${text}\n`),
    err: (text = '') => io.stderr(`${text}\n`),
    progress: (text) => (out.json ? io.stderr(`${text}\n`) : io.stdout(`${text}\n`)),
    document: (value) => io.stdout(`${JSON.stringify(value, null, 2)}\n`),
  };
  return out;
}

/** Who runs the CLI, for --by: $USER (or $USERNAME, $LOGNAME), else the OS account name. */
export function defaultIdentity(env: CliIo['env']): string {
  const fromEnv = env.USER ?? env.USERNAME ?? env.LOGNAME;
  if (fromEnv) return fromEnv;
  try {
    return userInfo().username;
  } catch {
    return '';
  }
}

/** `--task-queue`, else $AURORA_RESTORE_TASK_QUEUE, else the default; an empty value is a usage error. */
export function taskQueueOf(command: string, given: string | undefined, io: CliIo, fallback: string): string {
  const taskQueue = given ?? io.env.AURORA_RESTORE_TASK_QUEUE ?? fallback;
  if (taskQueue.trim() === '') throw new UsageError(`${command}: --task-queue must not be empty.`);
  return taskQueue;
}
