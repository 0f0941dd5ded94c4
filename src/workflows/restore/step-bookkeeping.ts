/**
 * The bookkeeping around every step: its start and end (with a detail line) in the progress view, the step search
 * attribute, and the wait activities bounded by the restore's overall deadline.
 */
import type { RestoreActivities } from '../../activities';
import type { NormalizedRestoreRequest } from '../../domain/request';
import { waits } from '../activity-options';
import { refuse } from '../failure-report';
import { noteStep, noteStepEnded } from '../metrics-interceptor';

import { FILTERED_STEPS } from './lean-history';
import type { ProgressTracker, StepName } from './progress';
import { announceStep } from './search-attributes';

export class StepBookkeeping {
  /** The timeout of the last wait started: a wait that runs out of time reports it. */
  lastWaitTimeoutMs: number | undefined;
  private readonly deadlineAt: number;
  /** The step last written to the step search attribute (lean history). */
  private announcedStep: string | undefined;

  constructor(
    private readonly request: NormalizedRestoreRequest,
    private readonly progress: ProgressTracker,
    startedAt: number,
    private readonly lean = false
  ) {
    this.deadlineAt = startedAt + request.timing.deadlineMs;
  }

  /** Runs one step: recorded as running, then completed (with `detail` of its result) or failed. */
  readonly step = async <T>(name: StepName, run: () => Promise<T>, detail?: (result: T) => string): Promise<T> => {
    this.progress.stepStarted(name, Date.now());
    noteStep(name);
    this.announce(name);
    try {
      const result = await run();
      this.progress.stepEnded(name, Date.now(), 'completed', detail?.(result));
      noteStepEnded(name, 'completed');
      return result;
    } catch (err) {
      this.progress.stepEnded(name, Date.now(), 'failed');
      noteStepEnded(name, 'failed');
      throw err;
    }
  };

  /**
   * The step search attribute: every step, or in a lean history only a step users filter on and the step after it
   * (so a filter on `await-approval` stops matching once the person decided); the final upsert names the last step.
   */
  private announce(name: StepName): void {
    if (this.lean && !FILTERED_STEPS.has(name) && !FILTERED_STEPS.has(this.announcedStep ?? '')) return;
    announceStep(name);
    this.announcedStep = name;
  }

  /**
   * Wait activities, bounded by the wait's own timeout and by what is left of the overall deadline;
   * `waitForCancelledAttempt`: a cancel waits for a running attempt to end (for waits that change AWS).
   */
  readonly wait = (timeoutMs: number, options: { waitForCancelledAttempt?: boolean } = {}): RestoreActivities => {
    this.lastWaitTimeoutMs = Math.min(timeoutMs, this.deadlineAt - Date.now());
    if (this.lastWaitTimeoutMs <= 0) {
      throw refuse('WaitTimedOut', `The restore's overall deadline (timing.deadline) passed before the next wait.`);
    }
    return waits(this.request.timing.pollIntervalMs, this.lastWaitTimeoutMs, options);
  };
}
