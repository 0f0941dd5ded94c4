/** Workflow entry points: the worker's `workflowsPath` and the bundler's input. */
export { auroraRestore } from './restore';
export { batchRestore } from './batch-restore';
export { clusterExpiry } from './cluster-expiry';
export { scheduledRestore } from './scheduled-restore';
export { planRestore } from './plan-restore';
export { copySlotCoordinator } from './copy-slots';
export { targetLock } from './target-lock';
