/**
 * The RTO watch (`rto`): a timer that races the restore's steps and, the moment the RTO passes while the restore
 * still runs, records the breach and sends `rto-breached`, once. The restore stops it when it ends either way.
 */
import { CancellationScope, isCancellation, sleep } from '@temporalio/workflow';

import { noteRtoBreach } from '../metrics-interceptor';

import { notify } from './notify';
import type { RestoreRun } from './run';

export interface RtoWatch {
  /** Stops the timer (if it has not fired) and waits for a breach notification in flight. */
  stop(): Promise<void>;
}

/** Starts the watch when the request has an RTO; without one, `stop` does nothing. */
export function watchRto(run: RestoreRun): RtoWatch {
  const { request, progress, startedAt } = run;
  const rtoScope = new CancellationScope();
  const rtoMs = request.rtoMs;
  const breach =
    rtoMs === undefined
      ? undefined
      : rtoScope
          .run(() => sleep(Math.max(1, startedAt + rtoMs - Date.now())))
          .then(
            () =>
              CancellationScope.nonCancellable(async () => {
                const recovery = progress.rtoBreached(Date.now());
                noteRtoBreach();
                await notify(run, 'rto-breached', { recovery });
              }),
            (err: unknown) => {
              if (!isCancellation(err)) throw err;
            }
          );
  return {
    async stop(): Promise<void> {
      if (!breach) return;
      rtoScope.cancel();
      await breach;
    },
  };
}
