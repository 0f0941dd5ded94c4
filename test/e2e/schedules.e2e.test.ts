/**
 * Restore schedules end to end on real parts: the Temporal dev server, the production worker process (on its own
 * task queue, so runs never land on another worker sharing the server) and moto. A schedule is created, triggered,
 * described, paused and deleted with our CLI; the triggered run restores yesterday's snapshot. The README's
 * `temporal schedule create` command is read from README.md and run as written.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { DescribeDBClustersCommand } from '@aws-sdk/client-rds';

import { main as cli } from '../../src/client/main';
import type { ScheduleListEntry, ScheduleReport, TriggerOutcome } from '../../src/client/schedules';
import { restoreWorkflowId, TAG_MANAGED_BY } from '../../src/domain/naming';
import type { RestoreRequest } from '../../src/domain/request';
import { utcDate } from '../../src/domain/snapshot-selection';
import type { RestoreResult } from '../../src/workflows/messages';
import { useWorkerProcessEnvironment } from '../support/fixtures/worker-process';
import { recordHistory } from '../support/histories';
import { motoClients, nightlyRequest, seedDailySnapshots, seedSourceCluster, uniqueName } from '../support/moto';
import { readmeCommand, runTemporalCli } from '../support/readme';
import { temporalAddress } from '../support/servers';

const ROOT = path.resolve(__dirname, '../..');
const EXAMPLE = path.join(ROOT, 'examples/scheduled-staging-refresh.json');
const REGION = 'us-west-2';
const DAY_MS = 86_400_000;

describe('schedules end to end: dev server + worker process + moto', function () {
  this.timeout(120_000);
  const e2e = useWorkerProcessEnvironment('schedules-e2e');

  /** Runs our CLI with --json and returns the exit code and the parsed document. */
  async function cliJson<T>(args: string[]): Promise<{ code: number; doc: T; stderr: string }> {
    let out = '';
    let err = '';
    const code = await cli([...args, '--json'], {
      stdout: (text) => (out += text),
      stderr: (text) => (err += text),
      env: { ...process.env, TEMPORAL_ADDRESS: temporalAddress() },
    });
    return { code, doc: JSON.parse(out || 'null') as T, stderr: err };
  }

  it('creates, triggers (restoring yesterday’s snapshot), describes, pauses, updates and deletes a schedule', async () => {
    // A source with a snapshot named for yesterday and one for today: resolving the wrong day picks the other one.
    const sourceId = uniqueName('sched-e2e-src');
    await seedSourceCluster({ region: REGION, clusterId: sourceId });
    await seedDailySnapshots(REGION, sourceId, Date.now());
    const { rds } = motoClients(REGION);
    const targetId = uniqueName('sched-e2e-tgt');
    const request: RestoreRequest = { ...nightlyRequest(REGION, sourceId, targetId), timing: { pollInterval: '5s' } };
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'aurora-restore-sched-')), 'nightly.json');
    writeFileSync(file, JSON.stringify(request));
    const scheduleId = `aurora-restore-schedule/e2e/${targetId}`;

    const created = await cliJson<{ scheduleId: string }>([
      'schedule',
      'create',
      file,
      '--cron',
      '0 3 * * *',
      '--timezone',
      'Europe/Berlin',
      '--jitter',
      '5m',
      '--overlap',
      'skip',
      '--catchup-window',
      '1h',
      '--pause-on-failure',
      '--run-timeout',
      '30m',
      '--note',
      'e2e nightly refresh',
      '--id',
      scheduleId,
      '--task-queue',
      e2e.taskQueue,
    ]);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.doc.scheduleId, scheduleId);

    try {
      const triggered = await cliJson<TriggerOutcome>(['schedule', 'trigger', scheduleId]);
      assert.equal(triggered.code, 0, triggered.stderr);
      assert.ok(triggered.doc.started, `the triggered run did not start: ${JSON.stringify(triggered.doc)}`);
      const runId = triggered.doc.workflowId;
      assert.ok(runId.startsWith(`${scheduleId}-`), runId);

      const scheduledRun = e2e.client.workflow.getHandle(runId);
      const result = (await scheduledRun.result()) as RestoreResult;
      const restore = await e2e.client.workflow.getHandle(restoreWorkflowId(request.target)).describe();
      // "Yesterday" is the day before the restore started, not before the schedule was created.
      assert.equal(
        result.snapshot?.identifier,
        `${sourceId}-${utcDate(new Date(restore.startTime.getTime() - DAY_MS))}`
      );
      assert.equal(result.workflowId, restoreWorkflowId(request.target));
      assert.equal(restore.memo?.scheduledBy, runId);
      const cluster = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: targetId })))
        .DBClusters?.[0];
      assert.equal(cluster?.Status, 'available');
      assert.ok(cluster?.TagList?.some((t) => t.Key === TAG_MANAGED_BY));
      await recordHistory('e2e-scheduled-restore', scheduledRun);

      const described = await cliJson<ScheduleReport>(['schedule', 'describe', scheduleId]);
      assert.equal(described.code, 0, described.stderr);
      assert.equal(described.doc.paused, false);
      assert.equal(described.doc.note, 'e2e nightly refresh');
      assert.equal(described.doc.workflowType, 'scheduledRestore');
      assert.equal(described.doc.taskQueue, e2e.taskQueue);
      assert.equal(described.doc.runTimeoutMs, 30 * 60_000);
      assert.equal(described.doc.spec.timezone, 'Europe/Berlin');
      assert.deepEqual(described.doc.policies, { overlap: 'SKIP', catchupWindowMs: 3_600_000, pauseOnFailure: true });
      assert.deepEqual(described.doc.request, request, 'the schedule stores the request as written');
      const shown = described.doc.recentRuns.find((r) => r.workflowId === runId);
      assert.equal(shown?.status, 'COMPLETED', JSON.stringify(described.doc.recentRuns));

      const paused = await cliJson(['schedule', 'pause', scheduleId, '--note', 'release freeze']);
      assert.equal(paused.code, 0, paused.stderr);
      const afterPause = await cliJson<ScheduleReport>(['schedule', 'describe', scheduleId]);
      assert.equal(afterPause.doc.paused, true);
      assert.equal(afterPause.doc.note, 'release freeze');

      const updated = await cliJson([
        'schedule',
        'update',
        scheduleId,
        '--cron',
        '30 4 * * MON-FRI',
        '--overlap',
        'cancel-other',
        '--run-timeout',
        '1h',
      ]);
      assert.equal(updated.code, 0, updated.stderr);
      const afterUpdate = await cliJson<ScheduleReport>(['schedule', 'describe', scheduleId]);
      assert.equal(afterUpdate.doc.policies.overlap, 'CANCEL_OTHER');
      assert.equal(afterUpdate.doc.runTimeoutMs, 3_600_000);
      assert.equal(afterUpdate.doc.spec.timezone, 'Europe/Berlin', 'a new cron keeps the time zone');
      assert.deepEqual(afterUpdate.doc.spec.calendars[0].dayOfWeek, [{ start: 'MONDAY', end: 'FRIDAY', step: 1 }]);
      assert.equal(afterUpdate.doc.paused, true, 'an update keeps the schedule paused');

      const listed = await cliJson<{ schedules: ScheduleListEntry[] }>(['schedule', 'list']);
      const entry = listed.doc.schedules.find((s) => s.scheduleId === scheduleId);
      assert.equal(entry?.paused, true);
      assert.equal(entry?.note, 'release freeze');
      assert.equal(entry?.lastRun?.workflowId, runId);
    } finally {
      const deleted = await cliJson(['schedule', 'delete', scheduleId]);
      assert.equal(deleted.code, 0, `${deleted.stderr}\nworker:\n${e2e.worker.log()}`);
    }
    const gone = await cliJson<{ error: { type: string; message: string } }>(['schedule', 'describe', scheduleId]);
    assert.equal(gone.code, 2);
    assert.equal(gone.doc.error.type, 'ScheduleNotFoundError');
    assert.match(gone.doc.error.message, /No schedule/);
  });

  it('creates a schedule with the README’s `temporal schedule create` command, as written', async () => {
    const example = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as RestoreRequest;
    const scheduleId = 'aurora-restore-schedule/us-west-2/orders-staging';
    // The README's id is fixed: remove a leftover from an earlier run on this shared server first.
    await e2e.client.schedule
      .getHandle(scheduleId)
      .delete()
      .catch(() => undefined);
    // The command read from the README (relative paths resolve from the repository root, as in a checkout).
    await runTemporalCli(readmeCommand('Schedules', 'temporal schedule create'));
    try {
      const described = await cliJson<ScheduleReport>(['schedule', 'describe', 'us-west-2/orders-staging']);
      assert.equal(described.code, 0, described.stderr);
      assert.equal(described.doc.scheduleId, scheduleId);
      assert.equal(described.doc.workflowType, 'scheduledRestore');
      assert.equal(described.doc.taskQueue, 'aurora-restore');
      assert.equal(described.doc.runTimeoutMs, 12 * 3_600_000);
      assert.equal(described.doc.spec.timezone, 'Europe/Berlin');
      assert.deepEqual(described.doc.request, example);
    } finally {
      await e2e.client.schedule.getHandle(scheduleId).delete();
    }
  });
});
