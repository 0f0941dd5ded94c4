/** A count kept current in the background: taken now and every `refreshMs`, until stopped. */

export interface PeriodicCount {
  /** Stops the refresh; a count still under way when it stops is dropped. */
  stop(): void;
}

/**
 * Calls `count` now and every `refreshMs` and hands each result to `use`. A failed count is reported through
 * `onError` and leaves everything as it was: a monitoring hiccup must not stop the worker. The timer does not keep
 * the process alive.
 */
export function refreshCount(
  count: () => Promise<number>,
  use: (value: number) => void,
  refreshMs: number,
  onError?: (err: unknown) => void
): PeriodicCount {
  let stopped = false;
  const refresh = async () => {
    try {
      const value = await count();
      if (!stopped) use(value);
    } catch (err) {
      onError?.(err);
    }
  };
  void refresh();
  const timer = setInterval(() => void refresh(), refreshMs);
  timer.unref();
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
