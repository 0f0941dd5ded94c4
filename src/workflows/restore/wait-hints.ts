/**
 * The expected durations a restore may be started with (its second argument): how long the copy, the cluster and
 * the instances took in earlier restores of the same source. They only time the status checks; a wrong hint costs a
 * few calls or a few seconds, never correctness. A schedule passes its last successful run's durations itself.
 */
import { waitHintProblems } from '../../domain/poll-schedule';
import type { WaitHints } from '../../domain/poll-schedule';
import { refuse } from '../failure-report';

import type { ProgressTracker } from './progress';

/** The hints, checked before any side effect; an invalid one refuses the restore (nothing was changed). */
export function checkWaitHints(hints: unknown, progress: ProgressTracker): WaitHints {
  const problems = waitHintProblems(hints);
  if (problems.length === 0) return (hints ?? {}) as WaitHints;
  progress.setStatus('failed');
  throw refuse(
    'InvalidRequest',
    `The restore's wait hints (second argument) are invalid: ${problems.join('; ')}. Pass valid hints or none. ` +
      'Nothing was changed.'
  );
}

/** The input of a wait activity with its expected duration, when known. */
export function expecting(expectedMs: number | undefined): { expectedDurationMs?: number } {
  return expectedMs === undefined ? {} : { expectedDurationMs: expectedMs };
}

/**
 * The wait's `justStarted` flag: set only when this run's call started the operation (an adopted one may be nearly
 * done and is checked at once); left out otherwise, so the input of a wait is unchanged from earlier versions.
 */
export function startedNow(justStarted: boolean): { justStarted?: true } {
  return justStarted ? { justStarted: true } : {};
}
