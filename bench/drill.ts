/**
 * Benchmark for big drills (issue 12), in one go under the simulator's AWS durations. Prints, and asserts nothing:
 * 1. a single 1 h cross-region restore (time-skipping server, AWS time compressed): wall time / AWS time and status
 *    calls per restore-hour, for each poll strategy (`--strategies`, default today's fixed 30 s beside the
 *    pipeline's default);
 * 2. a cross-region drill of N restores into one region (dev server, wall clock, AWS durations x `--compression`):
 *    total time / the physical bound (ceil(N / 5) copy waves x copy time + restore time), copy calls refused or
 *    cancelled, snapshot Describe calls per restore;
 * 3. events per restore on the dev server for cross-region, same-region and replace, at 1x and 10x AWS time;
 * 4. M concurrent same-region restores on one compiled worker: peak RSS, workflow-task and activity
 *    schedule-to-start p99; with the worker as `npm run worker` starts it, with Node's default heap limit, and with
 *    an RDS budget tight enough (`--budget-limited-calls-per-second`) that the budget, not the CPU, is the limit
 *    (on request, in the order given: `shipped-100-slots` and `budget-limited-100-slots`, the same with 100 activity
 *    slots instead of 20, the SDK's default).
 *
 *   npm run bench:drill [-- --only 1,2,3,4] [-- --strategies 30s,default] [-- --drill-restores 100]
 *                       [-- --drill-poll 5s] [-- --compression 0.00833] [-- --memory-restores 500]
 *                       [-- --memory-calls-per-second 10] [-- --budget-limited-calls-per-second 2]
 *                       [-- --memory-runs shipped,default-heap,budget-limited[,shipped-100-slots,...]]
 *
 * Needs moto and the dev server (`npm run servers:start`; AWS_ENDPOINT_URL and TEMPORAL_ADDRESS as it prints), and
 * Linux (/proc) for the peak RSS. Wipes moto's state before each dev-server section; section 4 runs `npm run build`.
 */
// First: installs the quiet Temporal Runtime before any worker or connection exists.
import '../test/support/mocha-setup';

import { parseArgs } from 'node:util';

import { TestWorkflowEnvironment } from '@temporalio/testing';

import { WORKER_NODE_FLAGS } from '../src/worker/heap';
import { assertMotoReachable, motoEndpoint, resetMoto } from '../test/support/moto';
import { temporalAddress } from '../test/support/servers';
import { createRestoreTimeSkippingEnv } from '../test/support/workflow-env';

import { measureEvents } from './drill/history';
import { buildCompiledWorker, measureMemory } from './drill/memory';
import { measureSingle } from './drill/single';
import { COPIES_PER_REGION, measureDrill } from './drill/wave';

interface Options {
  only: Set<number>;
  strategies: string[];
  drillRestores: number;
  drillPoll: string;
  compression: number;
  memoryRestores: number;
  memoryCallsPerSecond: number;
  budgetLimitedCallsPerSecond: number;
  memoryRuns: Set<string>;
}

/** The workers of section 4; the last two only when asked for (other activity slots, to compare). */
const MEMORY_RUNS = ['shipped', 'default-heap', 'budget-limited', 'shipped-100-slots', 'budget-limited-100-slots'];
const DEFAULT_MEMORY_RUNS = MEMORY_RUNS.slice(0, 3);

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      only: { type: 'string', default: '1,2,3,4' },
      strategies: { type: 'string', default: '30s,default,hinted' },
      'drill-restores': { type: 'string', default: '100' },
      'drill-poll': { type: 'string', default: '5s' },
      compression: { type: 'string', default: String(1 / 120) },
      'memory-restores': { type: 'string', default: '500' },
      'memory-calls-per-second': { type: 'string', default: '10' },
      'budget-limited-calls-per-second': { type: 'string', default: '2' },
      'memory-runs': { type: 'string', default: DEFAULT_MEMORY_RUNS.join(',') },
    },
  });
  const count = (name: string, value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`--${name} must be an integer >= 1, got '${value}'`);
    return n;
  };
  const positive = (name: string, value: string): number => {
    const n = Number(value);
    if (!(n > 0)) throw new RangeError(`--${name} must be a number > 0, got '${value}'`);
    return n;
  };
  const only = new Set(values.only.split(',').map((s) => count('only', s.trim())));
  return {
    only,
    strategies: values.strategies.split(',').map((s) => s.trim()),
    drillRestores: count('drill-restores', values['drill-restores']),
    drillPoll: values['drill-poll'],
    compression: positive('compression', values.compression),
    memoryRestores: count('memory-restores', values['memory-restores']),
    memoryCallsPerSecond: positive('memory-calls-per-second', values['memory-calls-per-second']),
    budgetLimitedCallsPerSecond: positive('budget-limited-calls-per-second', values['budget-limited-calls-per-second']),
    memoryRuns: new Set(
      values['memory-runs'].split(',').map((run) => {
        if (!MEMORY_RUNS.includes(run.trim()))
          throw new RangeError(`--memory-runs takes ${MEMORY_RUNS.join(', ')}; got '${run}'`);
        return run.trim();
      })
    ),
  };
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

function table(header: string[], rows: string[][]): string {
  const widths = header.map((_, c) => Math.max(...[header, ...rows].map((r) => r[c].length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c])));
  return [header, ...rows].map((r) => '  ' + line(r).join('  ')).join('\n');
}

async function main(): Promise<number> {
  const o = parseOptions();
  try {
    await assertMotoReachable();
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    console.error(`Start moto and the dev server: npm run servers:start   (moto now ${motoEndpoint()})`);
    return 1;
  }
  const log = (line: string) => console.log(line);

  if (o.only.has(1)) {
    log('1. single 1 h cross-region restore (copy 19:47, restore 30:23, instances 9:50; time-skipping server)');
    const env = await createRestoreTimeSkippingEnv();
    try {
      const rows = [];
      for (const strategy of o.strategies) rows.push(await measureSingle(env, strategy));
      log(
        table(
          [
            'poll strategy',
            'AWS time',
            'restore took',
            'took / AWS',
            'status calls',
            'per restore-hour',
            'snapshot describes',
          ],
          rows.map((r) => [
            r.strategy,
            seconds(r.awsMs),
            seconds(r.workflowMs),
            (r.workflowMs / r.awsMs).toFixed(4),
            String(r.statusCalls),
            (r.statusCalls / (r.workflowMs / 3_600_000)).toFixed(0),
            String(r.snapshotDescribes),
          ])
        ) + '\n'
      );
    } finally {
      await env.teardown();
    }
  }

  // Sections 2 to 4 run on the dev server; section 1 alone does not need it.
  if (![2, 3, 4].some((n) => o.only.has(n))) return 0;
  const dev = await TestWorkflowEnvironment.createFromExistingServer({ address: temporalAddress() });
  // Each dev-server section starts from an empty moto: its snapshot quota (100 per region) counts what earlier runs
  // left behind.
  const freshMoto = async () => {
    log('(wiping moto: every account and region)');
    await resetMoto();
  };
  try {
    if (o.only.has(2)) {
      await freshMoto();
      log(
        `2. cross-region drill: ${o.drillRestores} restores into one region, ${COPIES_PER_REGION} copies at once, ` +
          `AWS durations x ${o.compression.toPrecision(3)} in wall-clock time, poll ${o.drillPoll} (dev server)`
      );
      const d = await measureDrill(dev, {
        restores: o.drillRestores,
        compression: o.compression,
        strategy: o.drillPoll,
      });
      log(
        table(
          [
            'restores',
            'failed',
            'total',
            'physical bound',
            'total / bound',
            'copy calls refused/cancelled',
            'snapshot describes / restore',
          ],
          [
            [
              String(d.restores),
              String(d.failed),
              seconds(d.totalMs),
              seconds(d.boundMs),
              (d.totalMs / d.boundMs).toFixed(2),
              String(d.extraCopyCalls),
              d.snapshotDescribesPerRestore.toFixed(1),
            ],
          ]
        )
      );
      const byActivity = Object.entries(d.snapshotDescribesByActivity)
        .map(([activity, n]) => `${activity} ${n.toFixed(2)}`)
        .join(', ');
      log(`  snapshot describes per restore by activity: ${byActivity}\n`);
    }

    if (o.only.has(3)) {
      await freshMoto();
      log('3. events per restore on the dev server (AWS durations / 600 and / 60, polls every 5 s)');
      const rows = await measureEvents(dev, 1 / 600, '5s');
      const kinds = ['cross-region', 'same-region', 'replace'] as const;
      log(
        table(
          ['restore', 'events', 'events at 10x AWS time', 'signals', 'upserts'],
          kinds.map((kind) => {
            const at = (factor: number) => rows.find((r) => r.kind === kind && r.factor === factor);
            return [
              kind,
              String(at(1)?.events),
              String(at(10)?.events),
              String(at(1)?.signals),
              String(at(1)?.upserts),
            ];
          })
        )
      );
      // Where a cross-region restore's events come from.
      const crossRegion = rows.find((r) => r.kind === 'cross-region' && r.factor === 1);
      if (crossRegion) {
        const list = (counts: Record<string, number>) =>
          Object.entries(counts)
            .sort(([, a], [, b]) => b - a)
            .map(([name, n]) => `${name} ${n}`)
            .join(', ');
        log(`  cross-region by event type: ${list(crossRegion.byEventType)}`);
        log(`  cross-region by activity: ${list(crossRegion.byActivity)}\n`);
      }
    }

    if (o.only.has(4)) {
      log(
        `4. ${o.memoryRestores} concurrent same-region restores on one compiled worker (AWS durations x ` +
          `${o.compression.toPrecision(3)}, poll 5 s; spread over 7 regions for moto's snapshot quota)`
      );
      buildCompiledWorker(log);
      // The worker as `npm run worker` starts it, then with Node's default heap limit, in the same run; then the
      // shipped worker again under a budget that leaves the CPU idle, where schedule-to-start shows whether budget
      // waits hold the worker's slots.
      const shipped = `npm run worker (${WORKER_NODE_FLAGS.join(' ')})`;
      const workers = [
        { run: 'shipped', name: shipped, nodeFlags: WORKER_NODE_FLAGS, callsPerSecond: o.memoryCallsPerSecond },
        {
          run: 'default-heap',
          name: "Node's default heap limit",
          nodeFlags: [],
          callsPerSecond: o.memoryCallsPerSecond,
        },
        {
          run: 'budget-limited',
          name: `${shipped}, budget the limit`,
          nodeFlags: WORKER_NODE_FLAGS,
          callsPerSecond: o.budgetLimitedCallsPerSecond,
        },
        // The SDK's default activity slots (the shipped worker has 20: src/worker/config.ts), to compare (on request).
        ...[
          { run: 'shipped-100-slots', name: shipped, callsPerSecond: o.memoryCallsPerSecond },
          {
            run: 'budget-limited-100-slots',
            name: `${shipped}, budget the limit`,
            callsPerSecond: o.budgetLimitedCallsPerSecond,
          },
        ].map((w) => ({
          ...w,
          name: `${w.name}, 100 activity slots`,
          nodeFlags: WORKER_NODE_FLAGS,
          tuning: { maxConcurrentActivityTaskExecutions: 100, maxConcurrentLocalActivityExecutions: 100 },
        })),
      ]
        .filter((w) => o.memoryRuns.has(w.run))
        .sort((a, b) => [...o.memoryRuns].indexOf(a.run) - [...o.memoryRuns].indexOf(b.run));
      const rows: string[][] = [];
      const notes: string[] = [];
      for (const w of workers) {
        await freshMoto();
        const m = await measureMemory(
          dev,
          {
            restores: o.memoryRestores,
            compression: o.compression,
            rdsCallsPerSecond: w.callsPerSecond,
            pollInterval: '5s',
            nodeFlags: w.nodeFlags,
            ...('tuning' in w ? { tuning: w.tuning } : {}),
          },
          log
        );
        rows.push([
          w.name,
          `${w.callsPerSecond} calls/s`,
          String(m.restores),
          String(m.failed),
          seconds(m.wallMs),
          `${m.peakRssMb.toFixed(0)} MB`,
          `${m.workflowTaskP99Ms.toFixed(0)} ms`,
          `${m.laterWorkflowTaskP99Ms.toFixed(0)} ms`,
          `${m.activityP99Ms.toFixed(0)} ms`,
          `${(m.cpuBusy.whileStarting * 100).toFixed(0)} % / ${(m.cpuBusy.afterStarts * 100).toFixed(0)} %`,
        ]);
        if (m.firstFailure) notes.push(`  ${w.name}: first failure: ${m.firstFailure}`);
        const peak = m.atPeak;
        if (peak) {
          const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
          notes.push(
            `  ${w.name}, at peak RSS: main-thread heap ${mb(peak.heapUsed)} used of ${mb(peak.heapTotal)}, ` +
              `external ${mb(peak.external)} (array buffers ${mb(peak.arrayBuffers)}), rest (workflow thread heap, ` +
              `Rust core, code) ${mb(peak.rss - peak.heapTotal - peak.external)}; cached workflows ` +
              `${peak.cachedWorkflows} (max ${m.maxCachedWorkflows}); main event-loop delay p99 max ` +
              `${m.maxLoopDelayMs.toFixed(0)} ms`
          );
        }
      }
      log(
        table(
          [
            'worker',
            'RDS budget per region',
            'restores',
            'failed',
            'wall',
            'peak RSS',
            'workflow-task schedule-to-start p99',
            'after the first task',
            'activity p99',
            'CPU busy: starts / after',
          ],
          rows
        )
      );
      for (const note of notes) log(note);
    }
  } finally {
    await dev.teardown();
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? (err instanceof RangeError ? err.message : (err.stack ?? err.message)) : err);
    process.exitCode = 1;
  }
);
