/**
 * Schedule options and requests are validated before anything is created: every mistake comes back as one typed
 * error listing each problem, and the CLI never connects to Temporal for them. Cron expressions are checked by the
 * Temporal server instead (test/e2e/schedule-cron.e2e.test.ts).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { EXIT } from '../../src/client/main';
import { formatCalendar } from '../../src/client/schedule-format';
import {
  defaultScheduleId,
  parseBackfill,
  parseCalendar,
  parseScheduleOptions,
  resolveScheduleArgument,
  ScheduleOptionsError,
} from '../../src/client/schedule-options';
import type { ScheduleOptionInput } from '../../src/client/schedule-options';
import { validateScheduledRequest } from '../../src/client/schedules';
import { RequestValidationError } from '../../src/domain/validate';
import { runCli } from '../support/cli';

const NOW = new Date('2026-03-15T10:00:00.000Z');

const REQUEST = {
  source: {
    region: 'us-east-1',
    clusterId: 'orders-prod',
    selection: { strategy: 'name-template', template: '{cluster}-{date}', date: 'yesterday' },
  },
  target: { region: 'us-west-2', clusterId: 'orders-staging' },
  copy: { kmsKeyId: 'alias/aws/rds' },
  replace: { existing: true },
};

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ScheduleOptionsError, `expected ScheduleOptionsError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail('expected a ScheduleOptionsError');
}

function parseCreate(input: ScheduleOptionInput) {
  return parseScheduleOptions('create', input, { requireSpec: true });
}

describe('schedule options and requests (no server needed)', () => {
  it('accepts a full set of options and converts durations and the overlap policy', () => {
    const settings = parseCreate({
      cron: ' 0  3 * * * ',
      timezone: 'Europe/Berlin',
      jitter: '5m',
      overlap: 'Buffer_One',
      catchupWindow: '1h',
      pauseOnFailure: true,
      runTimeout: '6h',
      note: 'nightly refresh',
    });
    assert.deepEqual(settings, {
      cron: '0 3 * * *',
      timezone: 'Europe/Berlin',
      jitterMs: 300_000,
      overlap: 'BUFFER_ONE',
      catchupWindowMs: 3_600_000,
      pauseOnFailure: true,
      runTimeoutMs: 21_600_000,
      note: 'nightly refresh',
    });
  });

  it('parses a calendar like the temporal CLI, with day and month names', () => {
    const spec = parseCalendar('{"hour":"3","minute":30,"dayOfWeek":"MON-FRI","month":"1,jun","comment":"nightly"}');
    assert.deepEqual(spec, {
      hour: [{ start: 3, end: 3, step: 1 }],
      minute: [{ start: 30, end: 30, step: 1 }],
      dayOfWeek: [{ start: 'MONDAY', end: 'FRIDAY', step: 1 }],
      month: [
        { start: 'JANUARY', end: 'JANUARY', step: 1 },
        { start: 'JUNE', end: 'JUNE', step: 1 },
      ],
      comment: 'nightly',
    });
    assert.match(String(parseCalendar('{hour: 3}')), /not valid JSON/);
    assert.match(String(parseCalendar('[1]')), /must be a JSON object/);
    assert.match(String(parseCalendar('{"hours":"3"}')), /unknown field "hours"/);
    assert.match(String(parseCalendar('{"hour":"25"}')), /hour 25 is out of range 0-23/);
    assert.match(String(parseCalendar('{"hour":true}')), /hour must be a string or a number/);
  });

  it('shows a calendar as the fields that are not "every value"', () => {
    const calendar = {
      second: [{ start: 0, end: 0, step: 1 }],
      minute: [{ start: 30, end: 30, step: 1 }],
      hour: [{ start: 3, end: 3, step: 1 }],
      dayOfMonth: [{ start: 1, end: 31, step: 1 }],
      month: [{ start: 'JANUARY' as const, end: 'DECEMBER' as const, step: 1 }],
      dayOfWeek: [{ start: 'MONDAY' as const, end: 'FRIDAY' as const, step: 1 }],
      year: [],
    };
    assert.equal(formatCalendar(calendar), 'minute=30 hour=3 dayOfWeek=MONDAY-FRIDAY');
  });

  it('refuses bad overlap policies, durations, time zones and spec combinations, all at once', () => {
    const problems = problemsOf(() =>
      parseCreate({
        cron: '0 3 * * *',
        calendar: '{"hour":"3"}',
        overlap: 'skip-all',
        jitter: '5',
        catchupWindow: '5s',
        runTimeout: '1h30m',
        timezone: 'Mars/Olympus_Mons',
        pauseOnFailure: true,
        noPauseOnFailure: true,
      })
    );
    assert.equal(problems.length, 7, problems.join('\n'));
    const text = problems.join('\n');
    assert.match(text, /either --cron or --calendar, not both/);
    assert.match(
      text,
      /--overlap "skip-all" is not an overlap policy: use one of skip, buffer-one, buffer-all, cancel-other, terminate-other, allow-all/
    );
    assert.match(text, /--jitter: "5" is not a duration/);
    assert.match(text, /--catchup-window "5s" is too short: the minimum is 10s/);
    assert.match(text, /--run-timeout: "1h30m" is not a duration/);
    assert.match(text, /--timezone "Mars\/Olympus_Mons": not a known IANA time zone/);
    assert.match(text, /--pause-on-failure or --no-pause-on-failure, not both/);
  });

  it('needs a spec to create, not to update', () => {
    assert.match(problemsOf(() => parseCreate({ overlap: 'skip' }))[0], /say when it runs: --cron/);
    assert.deepEqual(parseScheduleOptions('update', { overlap: 'allow-all' }, { requireSpec: false }), {
      overlap: 'ALLOW_ALL',
    });
  });

  it('validates the request like start, and refuses a fixed operationId', () => {
    const normalized = validateScheduledRequest('create', REQUEST, NOW);
    // "yesterday" is resolved here only to check the request; the schedule stores the request as written.
    assert.equal(normalized.source.snapshotRef?.kind, 'name-template');
    assert.match(
      problemsOf(() => validateScheduledRequest('create', { ...REQUEST, operationId: 'op-1' }, NOW))[0],
      /sets operationId \("op-1"\)/
    );
    assert.throws(
      () => validateScheduledRequest('create', { ...REQUEST, target: { region: 'moon-1', clusterId: 'x' } }, NOW),
      (err: unknown) => err instanceof RequestValidationError && /target\.region/.test(err.message)
    );
  });

  it('derives the schedule id from the target and accepts targets for it', () => {
    assert.equal(
      defaultScheduleId({ region: 'us-west-2', clusterId: 'Orders-Staging' }),
      'aurora-restore-schedule/us-west-2/orders-staging'
    );
    assert.equal(
      defaultScheduleId({ region: 'us-west-2', clusterId: 'orders', accountId: '111122223333' }),
      'aurora-restore-schedule/111122223333/us-west-2/orders'
    );
    assert.equal(
      resolveScheduleArgument('us-west-2/orders-staging'),
      'aurora-restore-schedule/us-west-2/orders-staging'
    );
    assert.equal(resolveScheduleArgument('aurora-restore-schedule/us-west-2/x'), 'aurora-restore-schedule/us-west-2/x');
    assert.equal(resolveScheduleArgument('nightly-refresh'), 'nightly-refresh');
  });

  it('checks backfill times', () => {
    const backfill = parseBackfill({ start: '2026-03-01', end: '2026-03-03T00:00:00Z', overlap: 'allow-all' }, NOW);
    assert.deepEqual(backfill, {
      start: new Date('2026-03-01T00:00:00Z'),
      end: new Date('2026-03-03T00:00:00Z'),
      overlap: 'ALLOW_ALL',
    });
    const problems = problemsOf(() => parseBackfill({ start: 'yesterday', end: undefined }, NOW));
    assert.match(problems.join('\n'), /--start "yesterday" is not an ISO 8601 time/);
    assert.match(problems.join('\n'), /--end is required/);
    assert.match(
      problemsOf(() => parseBackfill({ start: '2026-04-01', end: '2026-04-02' }, NOW))[0],
      /is in the future/
    );
  });
});

describe('aurora-restore schedule CLI (no server needed)', () => {
  let dir: string;
  let requestFile: string;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'aurora-restore-schedule-cli-'));
    requestFile = path.join(dir, 'request.json');
    await fs.writeFile(requestFile, JSON.stringify(REQUEST));
  });

  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  const run = (argv: string[]) => runCli(argv, { now: () => NOW });

  it('refuses bad options with exit 2 before connecting, so no schedule is created', async () => {
    const bad = await run([
      'schedule',
      'create',
      requestFile,
      '--cron',
      '0 3 * * *',
      '--timezone',
      'Mars/Olympus_Mons',
      '--overlap',
      'never',
      '--run-timeout',
      '0m',
    ]);
    assert.equal(bad.code, EXIT.USAGE);
    assert.equal(bad.connects, 0);
    assert.match(bad.stderr, /ScheduleOptionsError/);
    assert.match(bad.stderr, /schedule create: 3 problems, nothing was created or changed/);
    assert.match(bad.stderr, /--timezone "Mars\/Olympus_Mons": not a known IANA time zone/);
    assert.match(bad.stderr, /--overlap "never" is not an overlap policy/);
    assert.match(bad.stderr, /--run-timeout "0m" is too short: the minimum is 1m/);

    const json = await run(['schedule', 'create', requestFile, '--jitter', 'soon', '--json', '--cron', '0 3 * * *']);
    assert.equal(json.code, EXIT.USAGE);
    assert.equal(json.connects, 0);
    const doc = JSON.parse(json.stdout) as { error: { type: string; message: string } };
    assert.equal(doc.error.type, 'ScheduleOptionsError');
    assert.match(doc.error.message, /--jitter: "soon" is not a duration/);
  });

  it('refuses an invalid request or one with an operationId before connecting', async () => {
    const withOp = path.join(dir, 'with-op.json');
    await fs.writeFile(withOp, JSON.stringify({ ...REQUEST, operationId: 'op-fixed' }));
    const op = await run(['schedule', 'create', withOp, '--cron', '0 3 * * *']);
    assert.equal(op.code, EXIT.USAGE);
    assert.equal(op.connects, 0);
    assert.match(op.stderr, /sets operationId \("op-fixed"\)/);

    const invalid = path.join(dir, 'invalid.yaml');
    await fs.writeFile(invalid, 'source: { region: us-east-1 }\ntarget: { region: us-west-2, clusterId: "bad_id!" }\n');
    const bad = await run(['schedule', 'create', invalid, '--cron', '0 3 * * *']);
    assert.equal(bad.code, EXIT.USAGE);
    assert.equal(bad.connects, 0);
    assert.match(bad.stderr, /InvalidRestoreRequest/);
    assert.match(bad.stderr, /target\.clusterId/);
  });

  it('refuses unknown subcommands, missing arguments and updates that change nothing', async () => {
    const unknown = await run(['schedule', 'start']);
    assert.equal(unknown.code, EXIT.USAGE);
    assert.match(unknown.stderr, /schedule start: unknown schedule command/);
    const missing = await run(['schedule', 'describe']);
    assert.equal(missing.code, EXIT.USAGE);
    assert.match(missing.stderr, /schedule describe: missing the schedule/);
    const nothing = await run(['schedule', 'update', 'us-west-2/orders-staging']);
    assert.equal(nothing.code, EXIT.USAGE);
    assert.match(nothing.stderr, /nothing to change/);
    assert.equal(unknown.connects + missing.connects + nothing.connects, 0);
    const help = await run(['schedule', 'help']);
    assert.equal(help.code, EXIT.OK);
    assert.match(help.stdout, /schedule create <file>/);
  });
});
