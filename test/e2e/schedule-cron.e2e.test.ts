/**
 * Cron expressions are checked by the Temporal server, not by a parser of our own: `schedule create` and `schedule
 * update` send `--cron` as written, and the server's refusal comes back as a usage error (exit 2) that names the
 * option, gives the server's reason (which field is wrong) and says how to write one; nothing is created or changed.
 * Runs our CLI against the Temporal dev server; no worker is needed (the schedules are created paused and deleted).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { ScheduleNotFoundError } from '@temporalio/client';

import { connectClient } from '../../src/client/connection';
import { EXIT } from '../../src/client/main';
import type { ScheduleReport } from '../../src/client/schedules';
import { runCli } from '../support/cli';
import { useDevServerClient } from '../support/fixtures/worker-process';
import { nightlyRequest, uniqueName } from '../support/moto';
import { temporalAddress } from '../support/servers';

describe('schedule cron expressions, checked by the Temporal dev server', function () {
  this.timeout(60_000);
  let dir: string;
  let file: string;
  const server = useDevServerClient();

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'aurora-restore-cron-'));
    file = path.join(dir, 'request.json');
    writeFileSync(file, JSON.stringify(nightlyRequest('us-east-1', 'orders-prod', 'orders-staging')));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Our CLI, connected to the dev server. */
  const cli = (argv: string[]) => {
    const env = { TEMPORAL_ADDRESS: temporalAddress() };
    return runCli(argv, { env, connect: () => connectClient({ env }), now: () => new Date() });
  };

  async function exists(scheduleId: string): Promise<boolean> {
    try {
      await server.client.schedule.getHandle(scheduleId).describe();
      return true;
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return false;
      throw err;
    }
  }

  it('accepts common cron forms (and the time zone prefix the server understands)', async () => {
    const cases: [string, string | undefined][] = [
      ['0 3 * * *', undefined],
      ['*/15 * * * MON-FRI', undefined],
      ['0 3 1,15 * *', undefined],
      ['30 22 * JAN-MAR sun', undefined],
      ['0 0-6/2 * * 1-5', undefined],
      ['@daily', undefined],
      ['CRON_TZ=Europe/Berlin 0 3 * * *', 'Europe/Berlin'],
    ];
    for (const [cron, timezone] of cases) {
      const scheduleId = uniqueName('cron-ok');
      const created = await cli(['schedule', 'create', file, '--cron', cron, '--paused', '--id', scheduleId, '--json']);
      try {
        assert.equal(created.code, EXIT.OK, `${cron}: ${created.stdout}${created.stderr}`);
        const described = await cli(['schedule', 'describe', scheduleId, '--json']);
        const report = JSON.parse(described.stdout) as ScheduleReport;
        assert.ok(report.spec.calendars.length > 0, `${cron}: the server keeps it as a calendar`);
        assert.equal(report.spec.timezone, timezone, cron);
      } finally {
        await server.client.schedule
          .getHandle(scheduleId)
          .delete()
          .catch(() => undefined);
      }
    }
  });

  it('refuses bad cron expressions with exit 2, saying which field is wrong; nothing is created', async () => {
    const cases: [string, RegExp][] = [
      ['61 3 * * *', /Minute is not in range \[0-59\]/],
      ['0 24 * * *', /Hour is not in range \[0-23\]/],
      ['0 3 * *', /does not have 5-7 fields/],
      ['0 3 L * *', /DayOfMonth is not in range \[1-31\]/],
      ['0 3 * * FUNDAY', /DayOfWeek is not in range/],
      ['0 5-3 * * *', /Hour End is before Start/],
      ['*/0 * * * *', /Minute has invalid Step/],
      ['@nightly', /does not have 5-7 fields/],
      ['', /does not have 5-7 fields/],
    ];
    for (const [cron, reason] of cases) {
      const scheduleId = uniqueName('cron-bad');
      const bad = await cli(['schedule', 'create', file, '--cron', cron, '--id', scheduleId, '--json']);
      assert.equal(bad.code, EXIT.USAGE, `${cron}: ${bad.stdout}${bad.stderr}`);
      const { error } = JSON.parse(bad.stdout) as { error: { type: string; message: string; hint: string } };
      assert.equal(error.type, 'ScheduleOptionsError', cron);
      assert.ok(
        error.message.startsWith(`schedule create: --cron "${cron}": the Temporal server refused it: `),
        error.message
      );
      assert.match(error.message, reason, cron);
      assert.match(error.message, /Use five fields, minute hour day-of-month month day-of-week/, cron);
      assert.match(error.message, /Nothing was created or changed\.$/, cron);
      assert.match(error.hint, /nothing was created or changed/, cron);
      assert.equal(await exists(scheduleId), false, `${cron}: a schedule was created`);
    }

    // As text, the way a user sees it.
    const text = await cli(['schedule', 'create', file, '--cron', '0 3 * *', '--id', uniqueName('cron-bad')]);
    assert.equal(text.code, EXIT.USAGE);
    assert.match(text.stderr, /✗ Error: ScheduleOptionsError/);
    assert.match(
      text.stderr,
      /schedule create: --cron "0 3 \* \*": the Temporal server refused it: CronString does not have 5-7 fields/
    );
  });

  it('refuses a bad cron on update and leaves the schedule as it was', async () => {
    const scheduleId = uniqueName('cron-update');
    const created = await cli(['schedule', 'create', file, '--cron', '0 3 * * *', '--paused', '--id', scheduleId]);
    assert.equal(created.code, EXIT.OK, created.stderr);
    try {
      const before = (await server.client.schedule.getHandle(scheduleId).describe()).spec;
      const bad = await cli(['schedule', 'update', scheduleId, '--cron', '0 25 * * *', '--note', 'never applied']);
      assert.equal(bad.code, EXIT.USAGE, bad.stderr);
      assert.match(bad.stderr, /schedule update: --cron "0 25 \* \* \*": the Temporal server refused it: Hour/);
      const after = await server.client.schedule.getHandle(scheduleId).describe();
      assert.deepEqual(after.spec, before);
      assert.notEqual(after.state.note, 'never applied');
    } finally {
      await server.client.schedule.getHandle(scheduleId).delete();
    }
  });
});
