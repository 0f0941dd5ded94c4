/**
 * The Temporal Web UI, read in a real browser: a replace restore runs end to end (dev server, the production worker
 * process, moto), then headless Chromium (the Debian package scripts/install.sh installs) opens the run's page in
 * the dev server's UI and reads what it rendered: every activity under its step's summary, results as JSON, and no
 * failure event in a successful run. A screenshot of the page is left in .run/ for a person to look at.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import puppeteer from 'puppeteer-core';
import type { Browser, Page } from 'puppeteer-core';

import { restoreWorkflowId } from '../../src/domain/naming';
import type { RestoreRequest } from '../../src/domain/request';
import { auroraRestore } from '../../src/workflows';
import { useWorkerProcessEnvironment } from '../support/fixtures/worker-process';
import { recordHistory } from '../support/histories';
import { seedReplaceableCluster, seedSourceCluster, uniqueName } from '../support/moto';

const { EventType } = temporal.api.enums.v1;
const ROOT = path.resolve(__dirname, '../..');
const RUN_DIR = path.join(ROOT, '.run');
/** The Debian package's binary (scripts/install.sh); CHROMIUM_PATH points elsewhere. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** The dev server's Web UI, as scripts/servers.sh starts it. */
const UI_URL = `http://127.0.0.1:${process.env.TEMPORAL_UI_PORT ?? '8233'}`;

/** Event types as the Web UI spells them: ACTIVITY_TASK_FAILED -> "Activity Task Failed". */
function uiEventName(type: string): string {
  return type
    .replace(/^EVENT_TYPE_/, '')
    .split('_')
    .map((w) => w.charAt(0) + w.slice(1).toLowerCase())
    .join(' ');
}

const FAILURE_EVENT_NAMES = Object.keys(EventType)
  .filter((t) => /_(FAILED|TIMED_OUT)$/.test(t))
  .map(uiEventName);

describe('Web UI: a restore reads as its steps (headless Chromium)', function () {
  this.timeout(240_000);
  const e2e = useWorkerProcessEnvironment('restore-webui');
  let browser: Browser;

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: run scripts/install.sh (Debian package chromium)`);
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      // Root in CI: Chromium's sandbox needs user namespaces a container may not have.
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
  });

  after(async () => {
    await browser?.close();
  });

  it('shows a replace restore step by step, with JSON results and no failure event', async () => {
    // A cross-region replace: every step of the README's table runs, including delete-target and the expiry handover.
    const sourceId = uniqueName('webui-src');
    const snapshotId = `${sourceId}-nightly`;
    await seedSourceCluster({ region: 'us-east-1', clusterId: sourceId, encrypted: true, withSnapshot: snapshotId });
    const targetId = uniqueName('webui-tgt');
    await seedReplaceableCluster('us-west-2', targetId);
    const request: RestoreRequest = {
      source: { region: 'us-east-1', clusterId: sourceId, snapshot: snapshotId },
      target: { region: 'us-west-2', clusterId: targetId, instanceCount: 2 },
      copy: { kmsKeyId: 'alias/aws/rds' },
      replace: { existing: true, strategy: 'delete-first' },
      timing: { pollInterval: '5s' },
    };
    const handle = await e2e.client.workflow.start(auroraRestore, {
      taskQueue: e2e.taskQueue,
      workflowId: restoreWorkflowId(request.target),
      args: [request],
    });
    const result = await handle.result().catch((err: unknown) => {
      throw new Error(`restore failed: ${String(err)}\nworker:\n${e2e.worker.log()}`);
    });
    assert.equal(result.status, 'succeeded');
    assert.equal(result.replacedExistingCluster, true);
    await recordHistory('e2e-replace-with-summaries', handle);

    // What the server recorded: a summary on every activity, JSON results, no failed event.
    const events = (await handle.fetchHistory()).events ?? [];
    const summaries: string[] = [];
    for (const event of events) {
      // Activities, the short calls a compact history runs as local activities (one marker each), and the timers
      // of waits that have no activity (the copy, which the region's copy-slot coordinator watches).
      const scheduled = event.activityTaskScheduledEventAttributes;
      const local = event.markerRecordedEventAttributes?.markerName === 'core_local_activity';
      if (event.timerStartedEventAttributes) {
        if (event.userMetadata?.summary)
          summaries.push(defaultPayloadConverter.fromPayload<string>(event.userMetadata.summary));
        continue;
      }
      if (!scheduled && !local) continue;
      const summary = event.userMetadata?.summary;
      assert.ok(summary, `${scheduled?.activityType?.name ?? 'a local activity'} ran without a summary`);
      summaries.push(defaultPayloadConverter.fromPayload<string>(summary));
    }
    const copyId = result.snapshotCopy?.identifier ?? '';
    const expected = [
      // One activity finds the snapshot and reads the target (lean history): one row names both.
      `find-snapshot: ${snapshotId} in us-east-1; ${targetId} in us-west-2`,
      `wait-for-copy: ${copyId} in us-west-2, watched by copy-slots:self:us-west-2`,
      `delete-target: ${targetId} in us-west-2`,
      `wait-for-instances: 2 instances of ${targetId} in us-west-2`,
      `delete-snapshot-copy: ${copyId} in us-west-2`,
    ];
    // The copy's coordinator id ends with the test worker's task queue.
    for (const summary of expected)
      assert.ok(
        summaries.some((s) => s === summary || s.startsWith(`${summary}:`)),
        `"${summary}" not in ${summaries.join(' | ')}`
      );
    const failed = events.map((e) => EventType[e.eventType ?? 0]).filter((t) => /_(FAILED|TIMED_OUT)$/.test(t));
    assert.deepEqual(failed, [], 'a successful restore records no failed event');
    const encodings = events
      .map(
        (e) =>
          (e.activityTaskCompletedEventAttributes?.result ?? e.markerRecordedEventAttributes?.details?.result)
            ?.payloads?.[0]?.metadata?.encoding
      )
      .filter((enc): enc is Uint8Array => enc !== undefined)
      .map((enc) => Buffer.from(enc).toString());
    assert.ok(encodings.length >= expected.length);
    assert.deepEqual([...new Set(encodings)], ['json/plain'], 'every activity result is JSON');
    const deleteScheduled = events.find(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'deleteCluster'
    );
    const deleted = events.find(
      (e) => Number(e.activityTaskCompletedEventAttributes?.scheduledEventId) === Number(deleteScheduled?.eventId)
    )?.activityTaskCompletedEventAttributes?.result?.payloads?.[0];
    assert.ok(deleted, 'deleteCluster completed');
    assert.deepEqual(defaultPayloadConverter.fromPayload(deleted), {
      clusterId: targetId,
      region: 'us-west-2',
      outcome: 'deleted',
    });

    // What a person sees: the run's page in the Web UI, rendered by Chromium. "All" lists every event (the largest
    // page size, so none is on a second page), with each result as the UI prints it.
    const page = await browser.newPage();
    await page.setViewport({ width: 1920, height: 1400 });
    const url = `${UI_URL}/namespaces/default/workflows/${encodeURIComponent(handle.workflowId)}/${handle.firstExecutionRunId}/history`;
    await openRendered(page, url, 'Activity Task Scheduled');
    await page.select('#per-page-filter', '500');
    const all = await waitForText(page, 'Workflow Execution Started');
    const shownFailures = FAILURE_EVENT_NAMES.filter((name) => all.includes(name));
    assert.deepEqual(shownFailures, [], 'the Web UI shows failure events');
    // A row shows the first characters of a result: deleteCluster's reads as JSON naming the cluster.
    assert.ok(all.includes(`{"clusterId":"${targetId}"`), `no deleteCluster result {"clusterId":"${targetId}",…}`);
    assert.doesNotMatch(all, /binary\/null/, 'a result shown as a raw binary/null payload');
    for (const summary of expected) assert.ok(all.includes(summary), `the Web UI does not show "${summary}"`);

    // "Compact": one row per activity, read by its summary. This is the screenshot left for a person.
    await clickButton(page, 'Compact');
    const compact = await waitForText(page, `find-snapshot: ${snapshotId}`);
    mkdirSync(RUN_DIR, { recursive: true });
    writeFileSync(path.join(RUN_DIR, 'web-ui-restore.txt'), compact);
    await page.screenshot({ path: path.join(RUN_DIR, 'web-ui-restore.png'), fullPage: true });
    for (const summary of expected) assert.ok(compact.includes(summary), `the compact view does not show "${summary}"`);
    assert.ok(!compact.includes('Activity Task Scheduled'), 'the compact view groups each activity into one row');
  });
});

/** The page's visible text; runs inside the browser (Node's TypeScript types do not know the DOM). */
const bodyText = (): string =>
  (globalThis as unknown as { document: { body: { innerText: string } } }).document.body.innerText;

/** Opens `url` (the UI is a JavaScript app: its text appears after it has fetched the history). */
async function openRendered(page: Page, url: string, marker: string): Promise<string> {
  await page.goto(url, { waitUntil: 'networkidle2', timeout: 60_000 });
  return waitForText(page, marker);
}

/** Waits until the page shows `marker`; returns the page's visible text. */
async function waitForText(page: Page, marker: string): Promise<string> {
  try {
    await page.waitForFunction(
      (m: string) =>
        (globalThis as unknown as { document: { body: { innerText: string } } }).document.body.innerText.includes(m),
      { timeout: 60_000 },
      marker
    );
  } catch (err) {
    const shown = await page.evaluate(bodyText);
    mkdirSync(RUN_DIR, { recursive: true });
    await page.screenshot({ path: path.join(RUN_DIR, 'web-ui-restore-timeout.png'), fullPage: true });
    throw new Error(
      `the Web UI at ${page.url()} never showed "${marker}" (${String(err)}); it showed:\n${shown.slice(0, 3000)}`
    );
  }
  return page.evaluate(bodyText);
}

async function clickButton(page: Page, label: string): Promise<void> {
  const [button] = await page.$$(`xpath/.//button[normalize-space(.)='${label}']`);
  assert.ok(button, `the Web UI has no "${label}" button`);
  await button.click();
}
