/**
 * Expiring clusters end to end on real parts: the Temporal dev server, the production worker process (on its own task
 * queue) and moto. The README's `temporal workflow query` / `temporal workflow update execute` commands of "Expiring
 * clusters" (and its `temporal workflow list` of what expires soon) are read from README.md and run against a running
 * `clusterExpiry`, with only the workflow id and dates replaced by the test's own, and their effect is checked: the
 * expiry moved, who and why recorded, cancel keeps the cluster, expireNow deletes it.
 */
import assert from 'node:assert/strict';

import type { WorkflowHandle } from '@temporalio/client';

import { parseDuration } from '../../src/domain/durations';
import type { ExpiryChange } from '../../src/domain/expiry';
import { expiryWorkflowId, restoreWorkflowId } from '../../src/domain/naming';
import { clusterExpiry } from '../../src/workflows';
import { expiryQuery } from '../../src/workflows/expiry-messages';
import { useWorkerProcessEnvironment } from '../support/fixtures/worker-process';
import { clusterExists as motoClusterExists, seedManagedCluster, uniqueName } from '../support/moto';
import { markdownTableRows, readmeCommand, readmeSection, runTemporalCli, shellWords } from '../support/readme';

const REGION = 'us-west-2';
const DAY = 86_400_000;
/** The expiry the README's commands name; replaced by each test's own. */
const README_WORKFLOW_ID = expiryWorkflowId({ region: REGION, clusterId: 'orders-staging' });
const ISO_DATE = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g;

/** An ISO date-time without milliseconds, the way the README writes them. */
const isoSeconds = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

const clusterExists = (clusterId: string): Promise<boolean> => motoClusterExists(REGION, clusterId);

describe('expiring clusters with the README’s Temporal CLI commands (dev server + worker process + moto)', function () {
  this.timeout(120_000);
  const e2e = useWorkerProcessEnvironment('expiry-e2e');
  /** The README's commands by handler name (`expiry` for the query), as argv. */
  const readme = new Map<string, string[]>();

  before(async () => {
    const section = readmeSection('Expiring clusters');
    // The table: a header naming the update command, then per row our CLI and the Temporal CLI's part.
    const [header, ...rows] = markdownTableRows(section);
    const code = (cell: string) => /`([^`]+)`/.exec(cell)?.[1] ?? '';
    const updateCommand = code(header[1]);
    for (const row of rows) {
      const text = code(row[1]);
      const argv = shellWords(text.startsWith('--') ? `${updateCommand} ${text}` : text);
      readme.set(argv[argv.indexOf('--name') + 1], argv);
    }
    readme.set('list', readmeCommand('Expiring clusters', 'temporal workflow list'));
    assert.deepEqual(
      [...readme.keys()].sort(),
      ['cancelExpiry', 'expireNow', 'expiry', 'extendExpiry', 'list', 'setExpiry'],
      'the README documents the query, the four updates and the list'
    );
  });

  /** A cluster this test's operation created, and its expiry a day from now. */
  async function startExpiry(): Promise<{ handle: WorkflowHandle<typeof clusterExpiry>; clusterId: string }> {
    const clusterId = uniqueName('e2e-expiry');
    const operationId = uniqueName('op-e2e-expiry');
    await seedManagedCluster(REGION, clusterId, operationId);
    const target = { region: REGION, clusterId };
    e2e.terminateAtEnd(expiryWorkflowId(target));
    const handle = await e2e.client.workflow.start(clusterExpiry, {
      taskQueue: e2e.taskQueue,
      workflowId: expiryWorkflowId(target),
      args: [
        {
          operationId,
          restoreWorkflowId: restoreWorkflowId(target),
          target,
          source: { region: REGION },
          expiresAt: isoSeconds(Date.now() + DAY),
          remindBeforeMs: 3_600_000,
          disableDeletionProtection: false,
          pollIntervalMs: 5_000,
          deleteTimeoutMs: 600_000,
        },
      ],
    });
    return { handle, clusterId };
  }

  /**
   * Runs the README's command `name` as written, against this test's expiry: its workflow id instead of the README's
   * (or its `…`), `date` instead of the README's example date, and the dev server's address.
   */
  async function runReadme(name: string, workflowId: string, date?: string): Promise<string> {
    const argv = readme.get(name) ?? [];
    assert.equal(argv[0], 'temporal', `the README's ${name} command: ${argv.join(' ')}`);
    const args = argv.slice(1).map((word) => {
      if (word === README_WORKFLOW_ID || word === '…') return workflowId;
      return date ? word.replace(ISO_DATE, date) : word;
    });
    assert.ok(args.includes(workflowId) || name === 'list', `the README's ${name} command names no workflow id`);
    return runTemporalCli(['temporal', ...args]).catch((err: Error) =>
      Promise.reject(new Error(`${err.message}\nworker:\n${e2e.worker.log()}`))
    );
  }

  /** The `--input` the README gives for an update. */
  function readmeInput(name: string): { duration?: string; expiresAt?: string; identity: string; reason?: string } {
    const argv = readme.get(name) ?? [];
    const at = argv.indexOf('--input');
    assert.ok(at > 0, `the README's ${name} command has no --input: ${argv.join(' ')}`);
    return JSON.parse(argv[at + 1]) as { identity: string; reason?: string };
  }

  /** The last change's action, who and why. */
  function lastChange(changes: ExpiryChange[]): Pick<ExpiryChange, 'action' | 'by' | 'reason'> {
    const { action, by, reason } = changes[changes.length - 1];
    return { action, by, ...(reason ? { reason } : {}) };
  }

  /** What the README's update `name` must have recorded. */
  function recorded(action: ExpiryChange['action'], name: string): Pick<ExpiryChange, 'action' | 'by' | 'reason'> {
    const { identity, reason } = readmeInput(name);
    return { action, by: identity, ...(reason ? { reason } : {}) };
  }

  it('shows, extends, sets, lists and cancels an expiry with the README commands; cancel keeps the cluster', async () => {
    const { handle, clusterId } = await startExpiry();
    const created = await handle.query(expiryQuery);

    const shown = await runReadme('expiry', handle.workflowId);
    assert.match(shown, new RegExp(created.expiresAt.replace(/\./g, '\\.')), 'the query prints the expiry');
    assert.match(shown, /waiting/);

    const extend = readmeInput('extendExpiry');
    await runReadme('extendExpiry', handle.workflowId);
    const extended = await handle.query(expiryQuery);
    assert.equal(Date.parse(extended.expiresAt), Date.parse(created.expiresAt) + parseDuration(extend.duration ?? ''));
    assert.deepEqual(lastChange(extended.changes), recorded('extended', 'extendExpiry'));

    const date = isoSeconds(Date.now() + 10 * DAY);
    await runReadme('setExpiry', handle.workflowId, date);
    const moved = await handle.query(expiryQuery);
    assert.equal(moved.expiresAt, new Date(date).toISOString());
    assert.deepEqual(lastChange(moved.changes), recorded('set', 'setExpiry'));

    // "What expires before" a minute after this expiry lists it (visibility is eventually consistent: poll).
    let listed = '';
    for (let i = 0; i < 50 && !listed.includes(handle.workflowId); i++) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 200));
      listed = await runReadme('list', handle.workflowId, isoSeconds(Date.parse(date) + 60_000));
    }
    assert.ok(listed.includes(handle.workflowId), `not listed:\n${listed}`);

    await runReadme('cancelExpiry', handle.workflowId);
    const ended = await handle.result();
    assert.equal(ended.status, 'cancelled', ended.message);
    assert.deepEqual(lastChange(ended.changes), recorded('cancelled', 'cancelExpiry'));
    assert.equal(await clusterExists(clusterId), true, 'a cancelled expiry keeps the cluster');
  });

  it('deletes the cluster at once with the README’s expireNow command', async () => {
    const { handle, clusterId } = await startExpiry();
    await runReadme('expireNow', handle.workflowId);
    const ended = await handle.result();
    assert.equal(ended.status, 'deleted', `${ended.message}\nworker:\n${e2e.worker.log()}`);
    assert.deepEqual(lastChange(ended.changes), recorded('expire-now', 'expireNow'));
    assert.equal(await clusterExists(clusterId), false, 'expireNow deletes the cluster');
  });
});
