import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { currentCommit, writeBuildInfo } from '../../src/worker/build-bundle';
import { parseWorkerConfig, WorkerConfigError } from '../../src/worker/config';
import {
  buildIdOf,
  claimCurrentVersionIfNone,
  DEFAULT_DEPLOYMENT_NAME,
  readDeploymentVersion,
  workerDeploymentOptions,
} from '../../src/worker/deployment';
import type { BuildInfo, DeploymentService } from '../../src/worker/deployment';

const built: BuildInfo = { version: '1.2.3', commit: 'abcdef123456' };

function read(env: Record<string, string>, info: BuildInfo | undefined = built) {
  const problems: string[] = [];
  const version = readDeploymentVersion(env, problems, () => info);
  return { version, problems };
}

describe('worker deployment versioning settings', () => {
  it('is off unless AURORA_RESTORE_WORKER_VERSIONING turns it on', () => {
    assert.deepEqual(read({}), { version: undefined, problems: [] });
    assert.deepEqual(read({ AURORA_RESTORE_WORKER_VERSIONING: '0' }), { version: undefined, problems: [] });
    assert.equal(parseWorkerConfig({}).deploymentVersion, undefined);
    assert.deepEqual(workerDeploymentOptions(undefined), {});
  });

  it('takes the build id from the build (package version and commit), or AURORA_RESTORE_BUILD_ID', () => {
    assert.deepEqual(read({ AURORA_RESTORE_WORKER_VERSIONING: '1' }).version, {
      deploymentName: DEFAULT_DEPLOYMENT_NAME,
      buildId: '1.2.3-abcdef123456',
    });
    assert.deepEqual(
      read({
        AURORA_RESTORE_WORKER_VERSIONING: 'true',
        AURORA_RESTORE_DEPLOYMENT_NAME: 'restores-eu',
        AURORA_RESTORE_BUILD_ID: 'release-42',
      }).version,
      { deploymentName: 'restores-eu', buildId: 'release-42' }
    );
  });

  it('pins restores by default on a versioned worker', () => {
    assert.deepEqual(workerDeploymentOptions({ deploymentName: 'd', buildId: 'b' }), {
      workerDeploymentOptions: {
        useWorkerVersioning: true,
        version: { deploymentName: 'd', buildId: 'b' },
        defaultVersioningBehavior: 'PINNED',
      },
    });
  });

  it('refuses to run versioned without a build id tied to the code, and names every bad setting', () => {
    assert.equal(buildIdOf({ version: '1.2.3' }), undefined);
    const { problems } = read({ AURORA_RESTORE_WORKER_VERSIONING: '1' }, { version: '1.2.3' });
    assert.equal(problems.length, 1);
    assert.match(problems[0], /no build id: set AURORA_RESTORE_BUILD_ID/);

    assert.throws(
      () =>
        parseWorkerConfig({
          AURORA_RESTORE_WORKER_VERSIONING: 'maybe',
        }),
      (err: unknown) => err instanceof WorkerConfigError && /AURORA_RESTORE_WORKER_VERSIONING="maybe"/.test(err.message)
    );
    const bad = read({
      AURORA_RESTORE_WORKER_VERSIONING: '1',
      AURORA_RESTORE_DEPLOYMENT_NAME: 'has.dot',
      AURORA_RESTORE_BUILD_ID: 'has space',
    });
    assert.equal(bad.problems.length, 2);
    assert.match(bad.problems[0], /AURORA_RESTORE_DEPLOYMENT_NAME="has.dot" is not a usable deployment name/);
    assert.match(bad.problems[1], /AURORA_RESTORE_BUILD_ID="has space" is not a usable build id/);
  });
});

describe('build info (npm run build)', () => {
  it('records the commit from GIT_COMMIT, else from git with -dirty for uncommitted changes', async () => {
    assert.equal(currentCommit({ GIT_COMMIT: ' 0123456789ab ' }), '0123456789ab');
    const repo = mkdtempSync(path.join(tmpdir(), 'aurora-restore-build-'));
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();
    assert.equal(currentCommit({}, repo), undefined, 'not a git checkout');
    git('init', '-q');
    writeFileSync(path.join(repo, 'file'), 'one');
    git('add', 'file');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'one');
    const head = git('rev-parse', '--short=12', 'HEAD');
    assert.equal(currentCommit({}, repo), head);
    writeFileSync(path.join(repo, 'file'), 'two');
    assert.equal(currentCommit({}, repo), `${head}-dirty`);

    const out = path.join(repo, 'build-info.json');
    const info = await writeBuildInfo(out);
    const pkg = JSON.parse(readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as { version: string };
    assert.equal(info.version, pkg.version);
    assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), info);
  });
});

describe('claiming the current version for a deployment without one', () => {
  const version = { deploymentName: 'aurora-restore', buildId: '1.2.3-abc' };

  /** A fake deployment service: describe answers from `states` in turn, set calls are recorded. */
  function service(states: (object | 'not-found')[], setError?: { code: number }) {
    const sets: unknown[] = [];
    let call = 0;
    const svc = {
      workflowService: {
        describeWorkerDeployment: () => {
          const state = states[Math.min(call++, states.length - 1)];
          if (state === 'not-found') return Promise.reject(Object.assign(new Error('not found'), { code: 5 }));
          return Promise.resolve({ conflictToken: new Uint8Array([call]), workerDeploymentInfo: state });
        },
        setWorkerDeploymentCurrentVersion: (request: unknown) => {
          sets.push(request);
          if (setError && sets.length === 1) return Promise.reject(Object.assign(new Error('conflict'), setError));
          return Promise.resolve({});
        },
      },
    } as unknown as DeploymentService;
    return { svc, sets };
  }
  const polled = { versionSummaries: [{ deploymentVersion: version }] };
  const currentIs = (buildId: string) => ({
    ...polled,
    routingConfig: { currentDeploymentVersion: { deploymentName: 'aurora-restore', buildId } },
  });

  it('waits for its pollers, then makes itself current when there is no current or ramping version', async () => {
    const { svc, sets } = service(['not-found', { versionSummaries: [] }, polled]);
    assert.deepEqual(await claimCurrentVersionIfNone(svc, 'ns', version, 'me', { pollMs: 1 }), {
      kind: 'made-current',
    });
    assert.equal(sets.length, 1);
    assert.deepEqual(sets[0], {
      namespace: 'ns',
      deploymentName: 'aurora-restore',
      buildId: '1.2.3-abc',
      conflictToken: new Uint8Array([3]),
      identity: 'me',
    });
  });

  it('leaves a deployment with a current or ramping version to the operator', async () => {
    const other = service([currentIs('1.2.2-old')]);
    assert.deepEqual(await claimCurrentVersionIfNone(other.svc, 'ns', version, 'me'), {
      kind: 'not-current',
      current: 'aurora-restore:1.2.2-old',
    });
    const ramping = service([{ ...polled, routingConfig: { rampingDeploymentVersion: version } }]);
    assert.equal((await claimCurrentVersionIfNone(ramping.svc, 'ns', version, 'me')).kind, 'not-current');
    const self = service([currentIs('1.2.3-abc')]);
    assert.deepEqual(await claimCurrentVersionIfNone(self.svc, 'ns', version, 'me'), { kind: 'current' });
    assert.equal(other.sets.length + ramping.sets.length + self.sets.length, 0, 'nothing was changed');
  });

  it('looks again when another worker changed the deployment first, and gives up unseen after the timeout', async () => {
    const raced = service([polled, currentIs('1.2.3-other')], { code: 9 });
    assert.deepEqual(await claimCurrentVersionIfNone(raced.svc, 'ns', version, 'me', { pollMs: 1 }), {
      kind: 'not-current',
      current: 'aurora-restore:1.2.3-other',
    });
    const unseen = service(['not-found']);
    assert.deepEqual(await claimCurrentVersionIfNone(unseen.svc, 'ns', version, 'me', { timeoutMs: 20, pollMs: 5 }), {
      kind: 'not-registered',
    });
  });
});
