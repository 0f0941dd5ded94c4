/** The production worker (src/worker/main.ts) as a child process, configured only through its environment. */
import { spawn } from 'node:child_process';
import path from 'node:path';

import { temporalAddress } from './servers';

const ROOT = path.resolve(__dirname, '../..');

export interface WorkerProcess {
  /** Everything the worker printed so far (for assertion messages). */
  log(): string;
  /** SIGTERM (the worker's graceful shutdown path), then waits until it has exited. */
  stop(): Promise<void>;
}

/** Starts the worker against the test dev server; `env` adds or overrides variables (e.g. its task queue). */
export function startWorkerProcess(env: Record<string, string> = {}): WorkerProcess {
  let output = '';
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/worker/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'WARN', TEMPORAL_ADDRESS: temporalAddress(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  return {
    log: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
