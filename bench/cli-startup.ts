/**
 * CLI start-up time, old way against new, in one run: `npx ts-node src/client/main.ts` (compiles TypeScript on every
 * call) against the compiled bin, run directly (`node lib/client/main.js`) and through npx (`npx aurora-restore`).
 * Each is timed for `--help` and for one real command that needs no server: `plan` of an invalid request, which
 * loads and validates the request file and prints the problems (exit 3). Prints the median of --runs runs.
 *
 *   npm run bench:cli [-- --runs 5] [-- --no-build]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(__dirname, '..');

interface Case {
  way: string;
  command: string[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Runs `command` and returns its wall-clock time in ms; a wrong exit code stops the benchmark. */
function timeRun(command: string[], expectedExit: number): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(command[0], command.slice(1), { cwd: ROOT, encoding: 'utf8', env: process.env });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== expectedExit) {
    throw new Error(
      `${command.join(' ')} exited ${String(result.status)}, expected ${expectedExit}:\n${result.stderr}${result.stdout}`
    );
  }
  return ms;
}

function main(): void {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '5' }, 'no-build': { type: 'boolean', default: false } },
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number >= 1, got ${values.runs}`);

  if (!values['no-build']) {
    console.log('Building the CLI (npm run build)...');
    const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stderr}${build.stdout}`);
  }

  const dir = mkdtempSync(path.join(tmpdir(), 'aurora-restore-cli-bench-'));
  const invalid = path.join(dir, 'invalid-request.json');
  writeFileSync(invalid, JSON.stringify({ source: { region: 'mars-1' }, target: { region: 'us-east-1' } }));
  const ways: Case[] = [
    { way: 'npx ts-node src/client/main.ts (old)', command: ['npx', '--no-install', 'ts-node', 'src/client/main.ts'] },
    { way: 'node lib/client/main.js', command: ['node', 'lib/client/main.js'] },
    { way: 'npx aurora-restore', command: ['npx', '--no-install', 'aurora-restore'] },
  ];
  const commands: { name: string; args: string[]; exit: number }[] = [
    { name: '--help', args: ['--help'], exit: 0 },
    { name: 'plan <invalid request>', args: ['plan', invalid], exit: 3 },
  ];

  try {
    console.log(`CLI start-up, median of ${runs} run(s) each, wall-clock ms (load average ${loadAverage()}):`);
    console.log(`  ${'way'.padEnd(40)}${commands.map((c) => c.name.padStart(26)).join('')}`);
    for (const { way, command } of ways) {
      const medians = commands.map(({ args, exit }) => {
        const times = Array.from({ length: runs }, () => timeRun([...command, ...args], exit));
        return median(times);
      });
      console.log(`  ${way.padEnd(40)}${medians.map((ms) => ms.toFixed(0).padStart(26)).join('')}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function loadAverage(): string {
  return loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
}

main();
