/**
 * One restore run as its steps see it: the validated request, where its calls go, the progress view, what it has
 * created so far (for the cleanup), and the step bookkeeping.
 */
import type { RestoreActivities } from '../../activities';
import type { AwsLocation, ClusterInfo } from '../../domain/aws-shapes';
import type { WaitHints } from '../../domain/poll-schedule';
import type { NormalizedRestoreRequest } from '../../domain/request';
import { calls, localCalls } from '../activity-options';
import { noteOperationId } from '../metrics-interceptor';

import { compactHistory } from './compact-history';
import { leanHistory } from './lean-history';
import type { ProgressTracker } from './progress';
import { announceRestore, announceRestoreUnlessSet } from './search-attributes';
import { StepBookkeeping } from './step-bookkeeping';
import type { SwapPlan } from './steps/swap';

/** What this run has created (or may have created, when a call's outcome is unknown) and must clean up on failure. */
export interface CreatedResources {
  sharedWith?: string;
  snapshotCopy?: string;
  cluster?: string;
}

export interface RestoreRun {
  readonly request: NormalizedRestoreRequest;
  readonly progress: ProgressTracker;
  readonly startedAt: number;
  /** Where the target's and the source's calls go. */
  readonly targetLoc: AwsLocation;
  readonly sourceLoc: AwsLocation;
  /** What this run has created and a failure must clean up; steps add to it as they create. */
  readonly created: CreatedResources;
  readonly steps: StepBookkeeping;
  /** The target as the lean history's first lookup found it (undefined: check-target reads it itself). */
  lookedUpTarget?: ClusterInfo | null;
  /** Whether this run writes the lean history (lean-history.ts); false for restores recorded before it. */
  readonly lean: boolean;
  /** Whether this run writes the compact history (compact-history.ts); false for restores recorded before it. */
  readonly compact: boolean;
  /** The short calls: local activities in a compact history, regular ones before. */
  readonly calls: RestoreActivities;
  /** Expected AWS durations of the waits (earlier restores of the same source); they time the polls. */
  readonly waitHints: WaitHints;
  /**
   * Set by check-target when an existing target is replaced by a swap refresh: the new cluster is built under the
   * plan's incoming names, and the swap step moves it into the target's name.
   */
  swap?: SwapPlan;
}

/** The cluster the restore builds: the target itself, or the swap's incoming cluster. */
export function buildClusterId(run: RestoreRun): string {
  return run.swap?.incomingClusterId ?? run.request.target.clusterId;
}

/** Starts the run's bookkeeping once the request is valid: operation id, recovery clock, search attributes. */
export function beginRun(
  request: NormalizedRestoreRequest,
  progress: ProgressTracker,
  startedAt: number,
  waitHints: WaitHints = {}
): RestoreRun {
  progress.setOperationId(request.operationId);
  noteOperationId(request.operationId);
  progress.measureRecovery(startedAt, request.rtoMs);
  const compact = compactHistory();
  const lean = compact || leanHistory();
  const run: RestoreRun = {
    request,
    progress,
    startedAt,
    targetLoc: locationOf(request.target),
    sourceLoc: locationOf(request.source),
    created: {},
    steps: new StepBookkeeping(request, progress, startedAt, lean),
    waitHints,
    lean,
    compact,
    calls: compact ? localCalls : calls,
  };
  if (lean) announceRestoreUnlessSet(request);
  else announceRestore(request);
  return run;
}

export function locationOf(side: { region: string; accountId?: string; roleArn?: string }): AwsLocation {
  return { region: side.region, accountId: side.accountId, roleArn: side.roleArn };
}
