/**
 * Call accounting: every attempt that reached the simulator, per command, and the span of simulated AWS time from
 * the first call to the last (a caller waiting for an operation keeps calling until it ends, so the span covers it).
 */
export class CallMetrics {
  private counts = new Map<string, number>();
  /** Per command, per caller (the activity type that made the call, or `-` outside an activity). */
  private byCaller = new Map<string, Map<string, number>>();
  private total = 0;
  private first: number | undefined;
  private last: number | undefined;

  /** One attempt of `command` at AWS time `now` (faulted attempts included), made by `caller`. */
  record(command: string, now: number, caller = '-'): void {
    this.total += 1;
    this.counts.set(command, (this.counts.get(command) ?? 0) + 1);
    const callers = this.byCaller.get(command) ?? new Map<string, number>();
    callers.set(caller, (callers.get(caller) ?? 0) + 1);
    this.byCaller.set(command, callers);
    if (this.first === undefined || now < this.first) this.first = now;
    if (this.last === undefined || now > this.last) this.last = now;
  }

  callCount(): number {
    return this.total;
  }

  calls(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** The attempts of `command` per caller, most first. */
  callsByCaller(command: string): Record<string, number> {
    return Object.fromEntries(
      [...(this.byCaller.get(command) ?? new Map<string, number>())].sort(([, a], [, b]) => b - a)
    );
  }

  simulatedElapsedMs(): number {
    return this.first === undefined || this.last === undefined ? 0 : this.last - this.first;
  }

  reset(): void {
    this.counts.clear();
    this.byCaller.clear();
    this.total = 0;
    this.first = undefined;
    this.last = undefined;
  }
}
