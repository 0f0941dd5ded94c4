/**
 * Validates the requests given on stdin (JSON: an array) the way a workflow does with the production worker: the
 * shared modules (src/worker/workflow-preload.ts) loaded first, then deep-frozen as the SDK freezes them for the
 * reused V8 context. Prints, as JSON, each request's outcome. Run in its own process by test/unit/workflow-preload.
 */
import { readFileSync } from 'node:fs';

import { WORKFLOW_PRELOAD_MODULES } from '../../src/worker/workflow-preload';

import { validationOutcomes } from './validation-outcomes';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- loading by path, as the bundle's preload does
for (const module of WORKFLOW_PRELOAD_MODULES) require(module);

/** The SDK's freeze of shared modules (reusable-vm.js in @temporalio/worker): own properties, functions not walked. */
function deepFreeze(object: unknown, visited = new WeakSet<object>()): void {
  if (object === null || (typeof object !== 'object' && typeof object !== 'function') || visited.has(object)) return;
  visited.add(object);
  if (Object.isFrozen(object)) return;
  if (typeof object === 'object') {
    for (const name of Reflect.ownKeys(object)) {
      try {
        deepFreeze((object as Record<PropertyKey, unknown>)[name], visited);
      } catch {
        // as the SDK: some objects (typed arrays) cannot be frozen
      }
    }
  }
  Object.freeze(object);
}

let frozen = 0;
for (const [file, module] of Object.entries(require.cache)) {
  if (!module || !/[\\/](src[\\/]domain|node_modules[\\/]zod)[\\/]/.test(file)) continue;
  deepFreeze(module.exports);
  frozen += 1;
}
const requests = JSON.parse(readFileSync(0, 'utf8')) as unknown[];
console.log(JSON.stringify({ frozen, outcomes: validationOutcomes(requests) }));
