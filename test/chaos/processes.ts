/**
 * The processes a chaos run owns and hurts: a Temporal dev server on a database file (so that it can be restarted
 * without losing workflows) and the chaos worker (test/chaos/worker.ts). Each runs in its own process group, so a
 * kill reaches its children too; only processes started here are ever signalled, by their own pid.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

import { Connection } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';

import { RESTORE_SEARCH_ATTRIBUTES } from '../../src/workflows/messages';

const ROOT = path.resolve(__dirname, '../..');

/** A free TCP port on 127.0.0.1 (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends `signal` to the process group led by `child` and waits until the child has exited. */
async function killGroup(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const send = (sig: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid as number), sig);
    } catch {
      child.kill(sig);
    }
  };
  send(signal);
  // A server that does not stop within 10 s of SIGTERM (seen under heavy load) is killed.
  const timer = setTimeout(() => send('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

function searchAttributeFlags(): string[] {
  const typeNames: Partial<Record<string, string>> = {
    [SearchAttributeType.KEYWORD]: 'Keyword',
    [SearchAttributeType.DATETIME]: 'Datetime',
  };
  return RESTORE_SEARCH_ATTRIBUTES.flatMap((key) => {
    const type = typeNames[key.type];
    if (!type) throw new Error(`chaos: no dev server type name for search attribute ${key.name} (${key.type})`);
    return ['--search-attribute', `${key.name}=${type}`];
  });
}

/** The Temporal dev server of a chaos run, on a database file in `dir`. */
export class DevServer {
  private child?: ChildProcess;
  private ready: Promise<void> = Promise.resolve();
  readonly address: string;
  restarts = 0;

  private constructor(
    private readonly port: number,
    private readonly dir: string,
    private readonly cliPath: string
  ) {
    this.address = `127.0.0.1:${port}`;
  }

  static async start(dir: string): Promise<DevServer> {
    const cliPath = process.env.TEMPORAL_CLI_PATH ?? path.join(ROOT, '.tools/venv/bin/temporal');
    if (!fs.existsSync(cliPath)) throw new Error(`chaos: temporal CLI not found at ${cliPath}; run scripts/install.sh`);
    const server = new DevServer(await freePort(), dir, cliPath);
    await server.launch();
    return server;
  }

  /** Resolves when the server answers (at once when no restart is under way). */
  whenReady(): Promise<void> {
    return this.ready;
  }

  private async launch(): Promise<void> {
    const log = fs.openSync(path.join(this.dir, 'temporal.log'), 'a');
    this.child = spawn(
      this.cliPath,
      [
        'server',
        'start-dev',
        '--ip',
        '127.0.0.1',
        '--port',
        String(this.port),
        '--headless',
        '--log-level',
        'warn',
        '--db-filename',
        path.join(this.dir, 'temporal.db'),
        '--dynamic-config-value',
        'frontend.enableServerVersionCheck=false',
        ...searchAttributeFlags(),
      ],
      { detached: true, stdio: ['ignore', log, log] }
    );
    fs.closeSync(log);
    this.ready = this.waitUntilAnswering();
    await this.ready;
  }

  private async waitUntilAnswering(): Promise<void> {
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (this.child?.exitCode !== null) {
        throw new Error(`chaos: the dev server exited during startup (see ${path.join(this.dir, 'temporal.log')})`);
      }
      try {
        const connection = await Connection.connect({ address: this.address, connectTimeout: 2000 });
        try {
          await connection.workflowService.getSystemInfo({});
          return;
        } finally {
          await connection.close();
        }
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`chaos: the dev server did not answer within 90 s: ${String(err)}`);
        await sleep(300);
      }
    }
  }

  /** Stops the server (SIGTERM, as a service manager restarts it) and starts it again on the same database file. */
  async restart(): Promise<void> {
    let done!: () => void;
    this.ready = new Promise((resolve) => (done = resolve));
    try {
      if (this.child) await killGroup(this.child, 'SIGTERM');
      this.restarts += 1;
      await this.launch();
    } finally {
      done();
    }
  }

  async stop(): Promise<void> {
    if (this.child) await killGroup(this.child, 'SIGTERM');
  }
}

/** The chaos worker process; its output is appended to `logFile` across restarts. */
export class ChaosWorker {
  private child?: ChildProcess;
  private stopping = false;
  kills = 0;

  constructor(
    private readonly env: Record<string, string>,
    readonly logFile: string
  ) {}

  start(): void {
    const log = fs.openSync(this.logFile, 'a');
    this.child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'test/chaos/worker.ts'], {
      cwd: ROOT,
      env: { ...process.env, ...this.env },
      detached: true,
      stdio: ['ignore', log, log],
    });
    fs.closeSync(log);
    // As a supervisor would: a worker that exits by itself (e.g. it found the dev server down while starting) is
    // started again; one we stopped or killed is not.
    const child = this.child;
    child.once('exit', (code) => {
      if (this.child === child && !this.stopping && code !== 0)
        setTimeout(() => this.child === child && this.start(), 1000);
    });
  }

  /** kill -9 of the worker's process group, then a new worker (after `downMs`, as a supervisor would). */
  async killAndRestart(downMs: number): Promise<void> {
    const killed = this.child;
    this.child = undefined;
    if (killed) await killGroup(killed, 'SIGKILL');
    this.kills += 1;
    await sleep(downMs);
    this.start();
  }

  /** Everything the worker printed, in all its lives. */
  log(): string {
    return fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, 'utf8') : '';
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.child) await killGroup(this.child, 'SIGTERM');
  }
}
