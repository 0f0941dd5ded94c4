/**
 * How a restore ends. Succeeded: stop the RTO watch, settle the recovery time, notify, and return the result.
 * Failed or cancelled: run the cleanup (what this run created and no longer needs) in a scope that cancellation
 * cannot interrupt, send the failure notification, and return the failure the workflow ends with.
 */
import { ApplicationFailure, CancellationScope, workflowInfo } from '@temporalio/workflow';

import type { SetMasterPasswordOutput } from '../../activities/types';
import type { ClusterEndpoints } from '../../domain/aws-shapes';
import { reportFailure } from '../failure-report';
import type { RestoreResult } from '../messages';

import { cleanUp } from './compensation';
import { notify } from './notify';
import type { RtoWatch } from './rto-watch';
import type { RestoreRun } from './run';
import { announceOutcome, announceStatus } from './search-attributes';
import type { RestoredCluster } from './steps/cluster';
import { isClusterSource } from './steps/restore-source';
import type { RestoreSource } from './steps/restore-source';

/** What the steps produced, for the result. */
export interface RestoreOutcome {
  source: RestoreSource;
  restored: RestoredCluster;
  endpoints: ClusterEndpoints;
  password: SetMasterPasswordOutput | undefined;
  /** The snapshot copy this run made (kept or deleted). */
  snapshotCopy: string | undefined;
  replacedExistingCluster: boolean;
  expiry: RestoreResult['expiry'];
}

export async function succeed(run: RestoreRun, rto: RtoWatch, outcome: RestoreOutcome): Promise<RestoreResult> {
  const { request, progress } = run;
  const { target } = request;
  const { source } = outcome;
  const { cluster, clusterArn } = outcome.restored;
  const { endpoints, snapshotCopy, expiry } = outcome;
  await rto.stop();
  const recovery = progress.finishRecovery(Date.now());
  progress.setStatus('succeeded');
  if (run.lean) announceOutcome('succeeded', lastStep(progress.steps));
  else announceStatus('succeeded');
  await notify(run, 'succeeded', { endpoints, recovery });
  return {
    operationId: request.operationId,
    workflowId: workflowInfo().workflowId,
    status: 'succeeded',
    ...(isClusterSource(source) ? { sourceCluster: source.cluster } : { snapshot: source.snapshot }),
    target: {
      clusterId: target.clusterId,
      region: target.region,
      accountId: target.accountId,
      clusterArn,
      engine: cluster.engine,
      engineVersion: cluster.engineVersion,
    },
    endpoints,
    snapshotCopy: snapshotCopy ? { identifier: snapshotCopy, kept: request.copy.keep } : undefined,
    masterPassword: outcome.password,
    replacedExistingCluster: outcome.replacedExistingCluster,
    database: progress.view().database,
    ...(expiry ? { expiry } : {}),
    steps: progress.steps,
    durationMs: Date.now() - run.startedAt,
    recovery,
    approval: progress.view().approval,
    ...(progress.view().swap ? { swap: progress.view().swap } : {}),
  };
}

/** Cleans up after `err` ended the steps, reports it, and returns the non-retryable failure to end the workflow. */
export async function failAndCleanUp(run: RestoreRun, rto: RtoWatch, err: unknown): Promise<ApplicationFailure> {
  const { progress } = run;
  const failure = reportFailure(err, progress.currentStep, {
    waitTimeoutMs: run.steps.lastWaitTimeoutMs,
    lastObservation: progress.view().lastObservation,
  });
  progress.setFailure(failure);
  progress.setStatus('cleaning-up');
  await CancellationScope.nonCancellable(async () => {
    announceStatus('cleaning-up');
    const cleanup = await cleanUp(run);
    progress.setCleanup(cleanup);
    await rto.stop();
    const recovery = progress.finishRecovery(Date.now());
    progress.setStatus('failed');
    if (run.lean) announceOutcome('failed', failure.step ?? lastStep(progress.steps));
    else announceStatus('failed');
    await notify(run, 'failed', { failure, cleanup, recovery });
  });
  return ApplicationFailure.create({
    type: failure.type,
    message: failure.message,
    nonRetryable: true,
    details: [{ code: failure.code, step: failure.step, cleanup: progress.view().cleanup }],
  });
}

/** The last step that ran (skipped ones do not count), for the final step search attribute. */
function lastStep(steps: readonly { name: string; status: string }[]): string | undefined {
  return [...steps].reverse().find((s) => s.status !== 'skipped')?.name;
}
