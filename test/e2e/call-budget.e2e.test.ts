/**
 * The RDS call budget across worker processes on the real dev server: each production worker counts the restore
 * workers polling its task queue (DescribeTaskQueue) and takes its share of AURORA_RESTORE_RDS_CALLS_PER_SECOND.
 */
import assert from 'node:assert/strict';

import { uniqueName } from '../support/moto';
import { startWorkerProcess } from '../support/worker-process';
import type { WorkerProcess } from '../support/worker-process';

async function waitForLog(worker: WorkerProcess, pattern: RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(worker.log())) {
    assert.ok(Date.now() < deadline, `the worker never logged ${pattern}; it printed:\n${worker.log()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('RDS call budget shared by worker processes (dev server)', function () {
  this.timeout(180_000);

  it('gives each of two restore workers half of the fleet-wide budget', async () => {
    const env = {
      AURORA_RESTORE_TASK_QUEUE: uniqueName('budget'),
      AURORA_RESTORE_WORKER_ROLES: 'restore',
      AURORA_RESTORE_RDS_CALLS_PER_SECOND: '8',
      LOG_LEVEL: 'INFO',
    };
    const workers: WorkerProcess[] = [];
    try {
      workers.push(startWorkerProcess(env));
      await waitForLog(workers[0], /Restore worker started/, 90_000);
      assert.doesNotMatch(workers[0].log(), /RDS call budget shared anew/, 'alone, the first keeps the whole budget');
      workers.push(startWorkerProcess(env));
      // The second sees the first polling at once; the first recounts within 30 s.
      for (const worker of workers) {
        await waitForLog(
          worker,
          /RDS call budget shared anew[^]*?restoreWorkers: 2[^]*?thisWorkerCallsPerSecond: 4\b/,
          90_000
        );
      }
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
  });
});
