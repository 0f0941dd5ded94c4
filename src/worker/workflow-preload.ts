/**
 * Workflow-side modules evaluated once per worker and shared by every workflow, instead of once per workflow.
 *
 * With the reused V8 context, each workflow (and each replay after a cache eviction) evaluates the bundle's modules
 * anew, except these. The request validation pulls in zod and our schemas: about a megabyte of code whose evaluation
 * built some 500 schema objects per workflow (about 1.5 MB of heap for each cached workflow, plus the garbage and CPU
 * of building them at every replay). Shared modules are deep-frozen by the SDK, so only pure modules belong here:
 * src/domain holds no mutable module state and imports nothing from Temporal (a shared copy of a Temporal module
 * would mix workflows' state). schema/shareable.ts loads the validation and builds zod's lazy members before the
 * freeze.
 */
export const WORKFLOW_PRELOAD_MODULES: string[] = [require.resolve('../domain/schema/shareable')];
