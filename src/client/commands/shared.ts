/** Small pieces several commands print with. */
import type { Output } from '../cli/context';
import { formatProgressEvent } from '../format';
import type { ProgressEvent } from '../restore-client';

export function showProgress(out: Output, event: ProgressEvent): void {
  const line = formatProgressEvent(event);
  if (line !== undefined) out.progress(line);
}

/** With --debug: the error's stack trace and those of its causes. */
export function debugTrace(err: unknown, out: Output): void {
  if (!out.debug) return;
  let current: unknown = err;
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    out.err(depth === 0 ? (current.stack ?? String(current)) : `Caused by: ${current.stack ?? String(current)}`);
    current = (current as { cause?: unknown }).cause;
  }
}

/** The `<restore>` argument's description, shared by the commands that take one. */
export const RESTORE_ARGUMENT = 'the restore (region/cluster or workflow id)';
