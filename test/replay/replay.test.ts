/**
 * Replays every recorded restore history against the current workflow code, with the production worker's workflow
 * interceptors (step summaries, metrics and log context), which must add no command. A change that alters the commands a
 * recorded run produced (order, activity names, timers) fails here before it can break running restores.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';

import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';

import { WORKFLOW_INTERCEPTOR_MODULES } from '../../src/worker/workflow-interceptors';
import { HISTORIES_DIR, loadHistory } from '../support/histories';

const files = readdirSync(HISTORIES_DIR)
  .filter((f) => f.endsWith('.history.pb'))
  .sort();

describe('replay of recorded restore histories', function () {
  this.timeout(120_000);
  let workflowBundle: WorkflowBundleWithSourceMap;

  before(async () => {
    workflowBundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../../src/workflows'),
      workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
      logger: {
        log: () => undefined,
        trace: () => undefined,
        debug: () => undefined,
        info: () => undefined,
        warn: () => undefined,
        error: () => undefined,
      },
    });
  });

  it('has recorded histories to replay', () => {
    // Histories are recorded by the workflow and end-to-end suites with RECORD_HISTORIES=1 and committed.
    assert.ok(files.length >= 5, `expected at least 5 recorded histories in ${HISTORIES_DIR}, found ${files.length}`);
  });

  for (const file of files) {
    it(`replays ${file} deterministically`, async () => {
      const { history, workflowId } = loadHistory(file);
      await Worker.runReplayHistory({ workflowBundle }, history, workflowId);
    });
  }

  it('detects a non-deterministic change (negative control)', async () => {
    const file = files.find((f) => f.includes('cross-region'));
    assert.ok(file, 'needs a recorded cross-region history');
    const { history, workflowId } = loadHistory(file);
    // Pretend the workflow had scheduled a different first activity than the code now schedules.
    const scheduled = history.events?.find((e) => e.activityTaskScheduledEventAttributes);
    assert.ok(scheduled?.activityTaskScheduledEventAttributes?.activityType);
    scheduled.activityTaskScheduledEventAttributes.activityType.name = 'someOtherActivity';
    await assert.rejects(Worker.runReplayHistory({ workflowBundle }, history, workflowId), DeterminismViolationError);
  });
});
