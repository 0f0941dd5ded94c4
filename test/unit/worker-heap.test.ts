/**
 * The worker's heap limit: what `npm run worker` and the container image start it with, and the startup warning
 * when that limit is too small for the sticky cache.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { heapLimitWarning, heapNeededMb, WORKER_NODE_FLAGS } from '../../src/worker/heap';

const ROOT = path.resolve(__dirname, '..', '..');
const MB = 2 ** 20;

describe('worker heap limit', () => {
  it('starts the worker with the same Node flags from npm run worker and the Dockerfile', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    assert.equal(pkg.scripts.worker, `node ${WORKER_NODE_FLAGS.join(' ')} lib/worker/main.js`);
    const cmd = /^CMD (\[.*\])$/m.exec(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'))?.[1];
    assert.ok(cmd, 'the Dockerfile has an exec-form CMD');
    assert.deepEqual(JSON.parse(cmd), ['node', ...WORKER_NODE_FLAGS, 'lib/worker/main.js']);
  });

  it("leaves room for the default sticky cache (250 restores) under the worker's flags", () => {
    const limitMb = Number(/^--max-old-space-size=(\d+)$/.exec(WORKER_NODE_FLAGS[0] ?? '')?.[1]);
    assert.ok(limitMb >= heapNeededMb(250), `${limitMb} MB`);
    assert.equal(heapLimitWarning(250, limitMb * MB), undefined);
  });

  it('warns when the heap limit is too small for the cache, saying what to change', () => {
    const warning = heapLimitWarning(1000, 512 * MB);
    assert.ok(warning);
    assert.match(warning, /heap limit is 512 MB, less than the 1128 MB that 1000 cached restores/);
    assert.match(warning, /--max-old-space-size=1128 or more, or lower AURORA_RESTORE_MAX_CACHED_WORKFLOWS/);
    assert.equal(heapLimitWarning(1000, 4096 * MB), undefined);
  });
});
