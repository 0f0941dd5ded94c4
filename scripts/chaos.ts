/**
 * `npm run chaos`: seeded fault scenarios against a dev server of the run's own, moto and the chaos worker (see
 * test/chaos/runner.ts for what a scenario does and test/chaos/invariants.ts for what is checked).
 *
 *   npm run chaos                              200 scenarios, seeds 1..200, 6 at a time
 *   npm run chaos -- --scenarios 20 --first-seed 500
 *   npm run chaos -- --seed 137                replay one scenario (e.g. a seed a run reported)
 *   npm run chaos -- --concurrency 3 --time-scale 0.004
 *
 * Prints one line per scenario, then `N scenarios, K invariant violations` and the seeds that broke one; exits 1
 * when there is any. Needs moto (AWS_ENDPOINT_URL); scripts/chaos.sh starts it when it is not running.
 */
import { runChaos } from '../test/chaos/runner';

interface Args {
  seeds: number[];
  concurrency: number;
  timeScale?: number;
}

function parseArgs(argv: string[]): Args {
  let scenarios = 200;
  let firstSeed = 1;
  let seeds: number[] | undefined;
  let concurrency = 6;
  let timeScale: number | undefined;
  const number = (flag: string, value: string | undefined, integer = true) => {
    const n = Number(value);
    if (value === undefined || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < 0) {
      throw new Error(`${flag} needs a ${integer ? 'whole ' : ''}number >= 0, got ${value ?? 'nothing'}`);
    }
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '--scenarios') scenarios = number(flag, value);
    else if (flag === '--first-seed') firstSeed = number(flag, value);
    else if (flag === '--seed') (seeds ??= []).push(number(flag, value));
    else if (flag === '--concurrency') concurrency = Math.max(1, number(flag, value));
    else if (flag === '--time-scale') timeScale = number(flag, value, false);
    else throw new Error(`unknown option ${flag} (see the header of scripts/chaos.ts)`);
    i += 1;
  }
  return { seeds: seeds ?? Array.from({ length: scenarios }, (_, k) => firstSeed + k), concurrency, timeScale };
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`chaos: ${(err as Error).message}`);
    return 2;
  }
  const started = Date.now();
  const report = await runChaos({
    seeds: args.seeds,
    concurrency: args.concurrency,
    timeScale: args.timeScale,
    onEvent: (message) => console.log(`  .. ${message}`),
    onResult: (r) => {
      const mark = r.violations.length ? 'VIOLATION' : 'ok';
      console.log(`seed ${r.seed}: ${mark} (${r.outcome}; ${r.faults}; ${Math.round(r.durationMs / 1000)}s)`);
      for (const v of r.violations) console.log(`    - ${v}`);
    },
  });
  const seconds = Math.round((Date.now() - started) / 1000);
  console.log(
    `(${report.workerKills} worker kills, ${report.serverRestarts} dev server restarts, ${seconds}s; state, dev ` +
      `server database and worker log in ${report.dir})`
  );
  console.log(`${report.results.length} scenarios, ${report.violations} invariant violations`);
  if (report.violatingSeeds.length) {
    console.log(`violating seeds (replay with npm run chaos -- --seed N): ${report.violatingSeeds.join(' ')}`);
  }
  return report.violations > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('chaos: the run itself failed:', err);
    process.exit(1);
  }
);
