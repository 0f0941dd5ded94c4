/**
 * Worker Deployment Versioning: which code version a workflow runs on while workers are replaced.
 *
 * A restore runs for hours and an expiry for days, so every deploy meets running workflows. With versioning on, the
 * restore worker polls as version `<deployment name>:<build id>`; new workflows start on the deployment's current
 * version, and the server routes each workflow's tasks by its versioning behavior:
 * - PINNED (the worker default, so every restore: auroraRestore, scheduledRestore, batchRestore, planRestore) stays
 *   on the version that started it until it ends, so a deploy never replays a running restore against new code;
 * - AUTO_UPGRADE (clusterExpiry, set in its workflow file) moves to the current version at its next task, because
 *   an expiry lives for days or weeks and must pick up fixes; its code changes are guarded by `patched()`.
 *
 * The build id is fixed when the code is built (`npm run build` writes lib/build-info.json: package version and git
 * commit), so the worker needs no git at runtime; AURORA_RESTORE_BUILD_ID overrides it for deploy pipelines.
 */
import fs from 'node:fs';
import path from 'node:path';

import type { NativeConnection, WorkerDeploymentOptions } from '@temporalio/worker';

/** Written by `npm run build` next to the compiled worker: the version of the code in lib/. */
export const BUILD_INFO_PATH = path.resolve(__dirname, '..', 'build-info.json');

export const DEFAULT_DEPLOYMENT_NAME = 'aurora-restore';

export const DEPLOYMENT_ENV = {
  versioning: 'AURORA_RESTORE_WORKER_VERSIONING',
  deploymentName: 'AURORA_RESTORE_DEPLOYMENT_NAME',
  buildId: 'AURORA_RESTORE_BUILD_ID',
} as const;

export interface BuildInfo {
  version: string;
  /** Abbreviated git commit, `-dirty` appended for uncommitted changes; absent when the build could not tell. */
  commit?: string;
}

/** The worker's deployment version when versioning is on. */
export interface DeploymentVersion {
  deploymentName: string;
  buildId: string;
}

type Env = Record<string, string | undefined>;

/** The build id of a build: `<package version>-<commit>`, or undefined when the commit is unknown. */
export function buildIdOf(info: BuildInfo | undefined): string | undefined {
  return info?.commit ? `${info.version}-${info.commit}` : undefined;
}

export function readBuildInfo(file = BUILD_INFO_PATH): BuildInfo | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as BuildInfo;
  } catch {
    return undefined;
  }
}

/**
 * The deployment version from the environment, or undefined when versioning is off (the default: a versioned worker
 * gets no new workflows until its version is made current, which the rollout in the README does). Problems are
 * appended to `problems`, each naming the variable and what to do.
 */
export function readDeploymentVersion(
  env: Env,
  problems: string[],
  buildInfo: () => BuildInfo | undefined = readBuildInfo
): DeploymentVersion | undefined {
  const flag = (env[DEPLOYMENT_ENV.versioning] ?? '').trim().toLowerCase();
  if (['', '0', 'false', 'no'].includes(flag)) return undefined;
  if (!['1', 'true', 'yes'].includes(flag)) {
    problems.push(
      `${DEPLOYMENT_ENV.versioning}=${JSON.stringify(env[DEPLOYMENT_ENV.versioning])} is not a flag: use 1 to run ` +
        'as a Worker Deployment Version (see "Deploying" in the README), 0 or unset for an unversioned worker'
    );
    return undefined;
  }
  const deploymentName = (env[DEPLOYMENT_ENV.deploymentName] ?? '').trim() || DEFAULT_DEPLOYMENT_NAME;
  if (!/^[^\s.]{1,255}$/.test(deploymentName)) {
    problems.push(
      `${DEPLOYMENT_ENV.deploymentName}=${JSON.stringify(deploymentName)} is not a usable deployment name: use ` +
        `1-255 characters without spaces or dots, or unset it for "${DEFAULT_DEPLOYMENT_NAME}"`
    );
  }
  const fromEnv = (env[DEPLOYMENT_ENV.buildId] ?? '').trim();
  const buildId = fromEnv || buildIdOf(buildInfo());
  if (buildId === undefined) {
    problems.push(
      `${DEPLOYMENT_ENV.versioning} is on but there is no build id: set ${DEPLOYMENT_ENV.buildId} (e.g. your ` +
        'release tag), or run the output of `npm run build` from a git checkout (or with GIT_COMMIT set), which ' +
        'records the package version and commit in lib/build-info.json'
    );
  } else if (!/^\S{1,255}$/.test(buildId)) {
    problems.push(
      `${DEPLOYMENT_ENV.buildId}=${JSON.stringify(buildId)} is not a usable build id: use 1-255 characters without spaces`
    );
  }
  return buildId === undefined ? undefined : { deploymentName, buildId };
}

/** The restore worker's `workerDeploymentOptions`; restores are pinned unless their workflow says otherwise. */
export function workerDeploymentOptions(version: DeploymentVersion | undefined): {
  workerDeploymentOptions?: WorkerDeploymentOptions;
} {
  if (version === undefined) return {};
  return { workerDeploymentOptions: { useWorkerVersioning: true, version, defaultVersioningBehavior: 'PINNED' } };
}

/** The calls `claimCurrentVersionIfNone` makes (the worker's NativeConnection provides them). */
export interface DeploymentService {
  workflowService: Pick<
    NativeConnection['workflowService'],
    'describeWorkerDeployment' | 'setWorkerDeploymentCurrentVersion'
  >;
}

export type VersionRouting =
  | { kind: 'made-current' }
  | { kind: 'current' }
  | { kind: 'not-current'; current?: string; ramping?: string }
  | { kind: 'not-registered' };

const GRPC_NOT_FOUND = 5;
const GRPC_FAILED_PRECONDITION = 9;
const GRPC_ABORTED = 10;

/**
 * A deployment's first version makes itself current, so a fresh install (or `docker compose up`) runs restores
 * without an operator step: when the deployment has neither a current nor a ramping version, this worker's version
 * becomes current (guarded by the deployment's conflict token, so of two first workers starting at once only one
 * wins). Every later version waits for the operator's `temporal worker deployment set-current-version` (or a ramp),
 * so a rollout stays a deliberate step. Waits until the server has seen this worker's pollers (a version exists
 * only then), at most `timeoutMs`.
 */
export async function claimCurrentVersionIfNone(
  connection: DeploymentService,
  namespace: string,
  version: DeploymentVersion,
  identity: string,
  { timeoutMs = 60_000, pollMs = 500 }: { timeoutMs?: number; pollMs?: number } = {}
): Promise<VersionRouting> {
  const deadline = Date.now() + timeoutMs;
  const label = (v: { deploymentName?: string | null; buildId?: string | null } | null | undefined) =>
    v?.buildId ? `${v.deploymentName}:${v.buildId}` : undefined;
  for (;;) {
    const described = await connection.workflowService
      .describeWorkerDeployment({ namespace, deploymentName: version.deploymentName })
      .catch((err: { code?: number }) => (err.code === GRPC_NOT_FOUND ? undefined : Promise.reject(err)));
    const info = described?.workerDeploymentInfo;
    const registered = info?.versionSummaries?.some((s) => s.deploymentVersion?.buildId === version.buildId);
    if (described && info && registered) {
      const routing = info.routingConfig;
      const current = label(routing?.currentDeploymentVersion);
      const ramping = label(routing?.rampingDeploymentVersion);
      if (routing?.currentDeploymentVersion?.buildId === version.buildId) return { kind: 'current' };
      if (current !== undefined || ramping !== undefined) {
        return { kind: 'not-current', ...(current ? { current } : {}), ...(ramping ? { ramping } : {}) };
      }
      try {
        await connection.workflowService.setWorkerDeploymentCurrentVersion({
          namespace,
          deploymentName: version.deploymentName,
          buildId: version.buildId,
          conflictToken: described.conflictToken ?? null,
          identity,
        });
        return { kind: 'made-current' };
      } catch (err) {
        // Another worker changed the routing since it was read: look again.
        const code = (err as { code?: number }).code;
        if (code !== GRPC_FAILED_PRECONDITION && code !== GRPC_ABORTED) throw err;
      }
    } else if (Date.now() >= deadline) {
      return { kind: 'not-registered' };
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
