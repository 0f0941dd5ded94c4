/**
 * Build step (`npm run build`): bundles the workflow code into lib/workflow-bundle.js, so production workers start
 * without webpack and run exactly the code that was built and tested, and records that code's version (package
 * version and git commit) in lib/build-info.json, the worker's default build id (deployment.ts).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';

import { bundleWorkflowCode } from '@temporalio/worker';

import { WORKFLOW_BUNDLE_PATH } from './config';
import { BUILD_INFO_PATH } from './deployment';
import type { BuildInfo } from './deployment';
import { WORKFLOW_INTERCEPTOR_MODULES } from './workflow-interceptors';
import { WORKFLOW_PRELOAD_MODULES } from './workflow-preload';

export async function buildWorkflowBundle(outputPath = WORKFLOW_BUNDLE_PATH): Promise<{ path: string; bytes: number }> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
    preloadModules: WORKFLOW_PRELOAD_MODULES,
  });
  await fs.mkdir(path.dirname(outputPath), { recursive: true });
  await fs.writeFile(outputPath, code);
  return { path: outputPath, bytes: Buffer.byteLength(code) };
}

/**
 * The commit being built: GIT_COMMIT (image builds have no .git), else the checkout's HEAD with `-dirty` for
 * uncommitted changes; undefined when neither is available.
 */
export function currentCommit(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string | undefined {
  const fromEnv = env.GIT_COMMIT?.trim();
  if (fromEnv) return fromEnv;
  const git = (...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: 'pipe' }).trim();
  try {
    const head = git('rev-parse', '--short=12', 'HEAD');
    return git('status', '--porcelain', '--untracked-files=no') === '' ? head : `${head}-dirty`;
  } catch {
    return undefined;
  }
}

export async function writeBuildInfo(outputPath = BUILD_INFO_PATH): Promise<BuildInfo> {
  const pkg = JSON.parse(await fs.readFile(path.resolve(__dirname, '../../package.json'), 'utf8')) as {
    version: string;
  };
  const commit = currentCommit();
  const info: BuildInfo = { version: pkg.version, ...(commit ? { commit } : {}) };
  await fs.mkdir(path.dirname(outputPath), { recursive: true });
  await fs.writeFile(outputPath, `${JSON.stringify(info)}\n`);
  return info;
}

if (require.main === module) {
  Promise.all([buildWorkflowBundle(), writeBuildInfo()]).then(
    ([{ path: written, bytes }, info]) => {
      console.log(`Workflow bundle written to ${written} (${(bytes / 1024).toFixed(0)} KiB)`);
      console.log(
        `Build info: version ${info.version}, commit ${info.commit ?? 'unknown (set GIT_COMMIT or build from a git checkout)'}`
      );
    },
    (err: unknown) => {
      console.error('Could not bundle the workflow code:', err instanceof Error ? err.message : err);
      process.exitCode = 1;
    }
  );
}
