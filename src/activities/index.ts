/**
 * All restore activities, built from their dependencies so the worker, tests and the bench choose the AWS clients
 * (real AWS, moto, or moto behind the simulation layer) and how observations reach the workflow.
 */
import type { AwsClientFactory } from './aws-clients';
import { createClusterSourceActivities } from './cluster-sources';
import { createClusterActivities } from './clusters';
import { createCopySlotActivities } from './copy-slots';
import { createExpiryHandoverActivities } from './expiry-handover';
import { createInstanceActivities } from './instances';
import { createLookupActivities } from './lookups';
import { createMasterPasswordActivities } from './master-password';
import { createNotificationActivities } from './notifications';
import type { ObservationReporter } from './polling';
import { createPreflightActivities } from './preflight';
import { createSnapshotActivities } from './snapshots';
import { createSwapActivities } from './swap';
import { createTargetAccountActivities } from './target-account';
import { createTargetLockActivities } from './target-lock';

export interface ActivityDeps {
  clients: AwsClientFactory;
  /**
   * How wait activities report status changes. Default: not at all beyond the pending activity itself (each poll's
   * observation is in its NotReady failure details, which `describe()` returns and the CLI shows), so a restore's
   * history does not grow by a signal and a workflow task per status. `signalWorkflowReporter` signals the
   * activity's own workflow instead (restores recorded before the lean history did).
   */
  reportObservation?: ObservationReporter;
  /** Snapshot copies allowed at once per destination account and region (default: the RDS quota, 5). */
  maxConcurrentCopies?: number;
}

/** Keeps observations with the pending activity: nothing is sent to the workflow. */
export const keepWithPendingActivity: ObservationReporter = () => Promise.resolve();

export function createActivities(options: ActivityDeps) {
  const deps: ActivityDeps = { ...options, reportObservation: options.reportObservation ?? keepWithPendingActivity };
  return {
    ...createSnapshotActivities(deps),
    ...createCopySlotActivities(deps),
    ...createClusterActivities(deps),
    ...createClusterSourceActivities(deps),
    ...createInstanceActivities(deps),
    ...createMasterPasswordActivities(deps),
    ...createNotificationActivities(deps),
    ...createPreflightActivities(deps),
    ...createSwapActivities(deps),
    ...createLookupActivities(deps),
    ...createExpiryHandoverActivities(),
    ...createTargetAccountActivities(deps),
    ...createTargetLockActivities(),
  };
}

export type RestoreActivities = ReturnType<typeof createActivities>;

export type { AwsClientFactory, AwsClientFactoryOptions } from './aws-clients';
export { createAwsClientFactory } from './aws-clients';
export type { ObservationReporter } from './polling';
export { signalWorkflowReporter } from './polling';
