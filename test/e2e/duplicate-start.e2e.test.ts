/**
 * The README's raw `temporal workflow start` commands ("With the Temporal CLI", "Batches"), read from README.md and
 * run with the pinned Temporal CLI: a second start for a workflow id whose run is still open must fail (non-zero
 * exit, "already running") even with another input file, instead of printing the running execution and exiting 0;
 * once that run has ended, the same command starts a new one. No worker polls the test's task queue, so the first
 * run stays open (its first workflow task waits) without touching AWS.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { useDevServerClient } from '../support/fixtures/worker-process';
import { uniqueName } from '../support/moto';
import { readmeCommand, runTemporalCli, withOptionValues } from '../support/readme';

describe('end to end: the README’s `temporal workflow start` refuses a second start of a running id', function () {
  this.timeout(60_000);
  // Nobody polls this queue: runs stay open until the test terminates them.
  const taskQueue = uniqueName('dup-start-e2e');
  const server = useDevServerClient();

  /** Another request for the second start: the CLI must not treat a different input as the same start. */
  function otherInputFile(): string {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'aurora-restore-dup-')), 'other.json');
    writeFileSync(file, JSON.stringify({ note: 'a different request for the same workflow id' }));
    return file;
  }

  for (const [section, workflowIdPrefix] of [
    ['With the Temporal CLI', 'aurora-restore/us-west-2/dup-e2e'],
    ['Batches', 'aurora-restore-batch/dup-e2e'],
  ] as const) {
    it(`"${section}": a second start fails while the first runs, and starts anew once it has ended`, async () => {
      const workflowId = `${workflowIdPrefix}-${uniqueName('x')}`;
      const command = withOptionValues(readmeCommand(section, 'temporal workflow start'), {
        '--task-queue': taskQueue,
        '--workflow-id': workflowId,
      });
      server.terminateAtEnd(workflowId);
      const first = await runTemporalCli(command);
      const firstRunId = /RunId\s+(\S+)/.exec(first)?.[1];
      assert.ok(firstRunId, `no RunId printed:\n${first}`);

      const again = withOptionValues(command, { '--input-file': otherInputFile() });
      await assert.rejects(runTemporalCli(again), /Workflow execution is already running/);
      const described = await server.client.workflow.getHandle(workflowId).describe();
      assert.equal(described.runId, firstRunId, 'the running restore is the first one');
      assert.equal(described.status.name, 'RUNNING');

      await server.client.workflow.getHandle(workflowId).terminate('ended by the test');
      const next = await runTemporalCli(command);
      const nextRunId = /RunId\s+(\S+)/.exec(next)?.[1];
      assert.ok(nextRunId && nextRunId !== firstRunId, `no new run started:\n${next}`);
    });
  }
});
