/**
 * The production worker runs the workflows with the instrumentation interceptor (src/workflows/metrics-interceptor.ts:
 * metrics, log attributes, the operation header on activities). It must add no command: every recorded history,
 * including those recorded before it existed, replays with it as without it.
 */
import { readdirSync } from 'node:fs';

import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';

import { WORKFLOW_INTERCEPTOR_MODULES } from '../../src/worker/telemetry';
import { HISTORIES_DIR, loadHistory } from '../support/histories';

const files = readdirSync(HISTORIES_DIR)
  .filter((f) => f.endsWith('.history.pb'))
  .sort();

describe('replay of recorded restore histories with the instrumentation interceptor', function () {
  this.timeout(120_000);
  let workflowBundle: WorkflowBundleWithSourceMap;

  before(async () => {
    const quiet = () => undefined;
    workflowBundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../../src/workflows'),
      workflowInterceptorModules: [...WORKFLOW_INTERCEPTOR_MODULES],
      logger: { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: quiet, error: quiet },
    });
  });

  for (const file of files) {
    it(`replays ${file} deterministically`, async () => {
      const { history, workflowId } = loadHistory(file);
      await Worker.runReplayHistory({ workflowBundle }, history, workflowId);
    });
  }
});
