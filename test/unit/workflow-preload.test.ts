import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { validationOutcomes } from '../support/validation-outcomes';

const ROOT = path.resolve(__dirname, '../..');
const example = (name: string) =>
  JSON.parse(readFileSync(path.join(ROOT, 'examples', name), 'utf8')) as Record<string, unknown>;

describe('modules shared by all workflows (workflow-preload)', function () {
  this.timeout(60_000);

  it('validates requests the same once the SDK has frozen the shared modules', () => {
    const nightly = example('nightly-staging-refresh.json');
    const requests: unknown[] = [
      nightly,
      example('point-in-time-restore.json'),
      example('clone-staging-refresh.json'),
      example('aws-backup-snapshot.json'),
      example('batch-staging-refresh.json'),
      { ...nightly, target: { ...(nightly.target as object), instanceCount: 0 } },
      { ...nightly, timing: { pollInterval: 'soon' } },
      { ...nightly, unknownKey: true },
      { ...nightly, source: 'orders-prod' },
      {},
      null,
    ];
    const expected = validationOutcomes(requests);
    const child = execFileSync(process.execPath, ['-r', 'ts-node/register', 'test/support/frozen-validation.ts'], {
      cwd: ROOT,
      input: JSON.stringify(requests),
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' },
      encoding: 'utf8',
    });
    const { frozen, outcomes } = JSON.parse(child) as { frozen: number; outcomes: unknown[] };
    assert.ok(frozen > 20, `expected the domain and zod modules to be frozen, froze ${frozen}`);
    assert.ok(
      expected.some((o) => 'ok' in (o as object)) && expected.some((o) => 'error' in (o as object)),
      'the sample holds valid and invalid requests'
    );
    assert.deepEqual(outcomes, expected);
  });
});
