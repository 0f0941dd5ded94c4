import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { formatBatchReport } from '../../src/client/batch-client';
import { EXIT } from '../../src/client/main';
import { runCli } from '../support/cli';

describe('client CLI: batch (no server needed)', () => {
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'aurora-restore-batch-'));
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  const run = (argv: string[]) => runCli(argv);

  it('refuses a bad batch file with every problem, before connecting', async () => {
    const file = path.join(dir, 'bad.yaml');
    await fs.writeFile(
      file,
      [
        'concurrency: 0',
        'targets:',
        '  - name: auth',
        '    request: { source: { region: us-east-1, snapshot: s1 }, target: { region: us-east-1, clusterId: auth } }',
        '    after: [app]',
        '  - name: app',
        '    request: { source: { region: us-east-1, snapshot: s1 }, target: { region: us-east-1, clusterId: app } }',
        '    after: [auth]',
        '  - name: typo',
        '    request: { source: { region: us-east-1, snapshot: s1 }, target: { region: us-east-1 } }',
        '',
      ].join('\n')
    );
    const { code, stderr, connects } = await run(['batch', file]);
    assert.equal(code, EXIT.USAGE);
    assert.equal(connects, 0);
    assert.match(stderr, /concurrency: must be an integer from 1 to 20/);
    assert.match(stderr, /targets\[2\]\.request\.target\.clusterId: is required/);
    assert.match(stderr, /the order has a cycle \(auth -> app -> auth\)/);
    assert.match(stderr, /nothing was started/);
  });

  it('refuses an unknown option and a missing file argument', async () => {
    assert.equal((await run(['batch'])).code, EXIT.USAGE);
    const unknown = await run(['batch', 'x.json', '--parallel', '3']);
    assert.equal(unknown.code, EXIT.USAGE);
    assert.match(unknown.stderr, /--parallel/);
  });

  it('prints a report: one line per target with status, time, attempts and why', () => {
    const lines = formatBatchReport({
      name: 'nightly',
      status: 'partial',
      concurrency: 2,
      durationMs: 3_600_000,
      targets: [
        {
          name: 'auth',
          workflowId: 'w1',
          status: 'succeeded',
          attempts: 1,
          durationMs: 1_200_000,
          writerEndpoint: 'auth.cluster-x',
        },
        {
          name: 'app',
          workflowId: 'w2',
          status: 'failed',
          attempts: 2,
          durationMs: 600_000,
          failure: { type: 'ClusterRestoreFailed', message: 'incompatible-restore' },
        },
        { name: 'app-reports', workflowId: 'w3', status: 'skipped', attempts: 0, reason: '"app" did not succeed' },
      ],
    });
    assert.equal(lines[0], 'Batch nightly partial: 1 of 3 target(s) succeeded in 1h 00m');
    assert.match(lines[1], /^ {2}✓ auth +succeeded 20m 00s {2}auth\.cluster-x$/);
    assert.match(lines[2], /✗ app +failed 10m 00s, 2 attempts: ClusterRestoreFailed: incompatible-restore$/);
    assert.match(lines[3], /- app-reports +skipped: "app" did not succeed$/);
  });
});
