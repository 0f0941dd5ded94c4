/**
 * Build step (`npm run build`): bundles the workflow code into lib/workflow-bundle.js, so production workers start
 * without webpack and run exactly the code that was built and tested.
 */
import fs from 'node:fs/promises';
import path from 'node:path';

import { bundleWorkflowCode } from '@temporalio/worker';

import { WORKFLOW_BUNDLE_PATH } from './config';
import { WORKFLOW_INTERCEPTOR_MODULES } from './telemetry';

export async function buildWorkflowBundle(outputPath = WORKFLOW_BUNDLE_PATH): Promise<{ path: string; bytes: number }> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    workflowInterceptorModules: [...WORKFLOW_INTERCEPTOR_MODULES],
  });
  await fs.mkdir(path.dirname(outputPath), { recursive: true });
  await fs.writeFile(outputPath, code);
  return { path: outputPath, bytes: Buffer.byteLength(code) };
}

if (require.main === module) {
  buildWorkflowBundle().then(
    ({ path: written, bytes }) => {
      console.log(`Workflow bundle written to ${written} (${(bytes / 1024).toFixed(0)} KiB)`);
    },
    (err: unknown) => {
      console.error('Could not bundle the workflow code:', err instanceof Error ? err.message : err);
      process.exitCode = 1;
    }
  );
}
