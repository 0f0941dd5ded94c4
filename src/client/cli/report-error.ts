/**
 * How an error ends a command: a usage or validation error exits 2, anything else 1; the message says what
 * happened and what to do, as text on stderr or as `{ "error": ... }` with --json.
 */
import { RequestValidationError } from '../../domain/validate';
import { formatFailure } from '../format';
import { ListFilterError } from '../list-query';
import type { FailureSummary } from '../restore-client';
import { ScheduleExistsError, ScheduleNotFoundError, ScheduleOptionsError } from '../schedule-options';
import { TargetArgumentError } from '../targets';

import { EXIT, UsageError } from './context';
import type { Output } from './context';
import { load } from './lazy';

export function reportError(err: unknown, out: Output, debugTrace: (err: unknown, out: Output) => void): number {
  if (err instanceof UsageError && !out.json) {
    // A command line that cannot run: no need to load anything to say so.
    out.err(`aurora-restore: ${err.message}`);
    out.err('Run `aurora-restore help` for usage.');
    debugTrace(err, out);
    return EXIT.USAGE;
  }
  const kinds = errorKinds();
  const usage = err instanceof UsageError || kinds.usage.some((kind) => err instanceof kind);
  const summary: FailureSummary =
    err instanceof RequestValidationError || err instanceof kinds.RestoreAlreadyRunningError
      ? load.restoreClient().describeFailure(err)
      : {
          type: err instanceof Error ? err.name : 'Error',
          message: err instanceof Error ? err.message : String(err),
          hint: kinds.hintFor(err),
        };
  if (out.json) {
    out.document({ error: summary });
  } else {
    formatFailure(summary, undefined, 'Error').forEach((l) => out.err(l));
  }
  debugTrace(err, out);
  return usage ? EXIT.USAGE : EXIT.FAILED;
}

/**
 * The error types the CLI knows. Those defined next to the Temporal client are loaded here, on the error path only,
 * so a command line refused before any of that is needed still starts and ends fast.
 */
function errorKinds() {
  const { TemporalConnectionError } = load.connection();
  const { BatchFileError } = load.batchClient();
  const { ExpiryChangeRefusedError, ExpiryNotFoundError } = load.expiryClient();
  const { RequestFileError } = load.requestFile();
  const { ApprovalRefusedError, RestoreAlreadyRunningError, RestoreNotFoundError, RestoreNotRunningError } =
    load.restoreClient();

  const usage = [
    TargetArgumentError,
    ListFilterError,
    RequestFileError,
    RequestValidationError,
    RestoreAlreadyRunningError,
    RestoreNotFoundError,
    RestoreNotRunningError,
    ApprovalRefusedError,
    ScheduleOptionsError,
    ScheduleNotFoundError,
    ScheduleExistsError,
    BatchFileError,
    ExpiryNotFoundError,
    ExpiryChangeRefusedError,
  ];

  function hintFor(err: unknown): string {
    if (err instanceof UsageError || err instanceof TargetArgumentError || err instanceof ListFilterError) {
      return 'Correct the command line; `aurora-restore help` shows the usage.';
    }
    if (err instanceof RequestFileError) return 'Fix the request file and run the command again; nothing was started.';
    if (err instanceof RestoreNotFoundError || err instanceof RestoreNotRunningError) return 'Nothing was changed.';
    if (err instanceof ApprovalRefusedError) {
      return 'Nothing was recorded. `aurora-restore status` shows whether the restore waits in step await-approval.';
    }
    if (err instanceof ScheduleOptionsError) {
      return 'Correct the command line or the request file (`aurora-restore schedule help`); nothing was created or changed.';
    }
    if (err instanceof ScheduleNotFoundError || err instanceof ScheduleExistsError) return 'Nothing was changed.';
    if (err instanceof BatchFileError) return 'Fix the batch file and run the command again; nothing was started.';
    if (err instanceof ExpiryNotFoundError) return 'Check the target with `aurora-restore status <restore>`.';
    if (err instanceof ExpiryChangeRefusedError) return 'Fix the change and run the command again.';
    if (err instanceof TemporalConnectionError) return 'Nothing was started or changed.';
    return 'Nothing more is known; run again with --debug for the stack trace.';
  }

  return { usage, hintFor, RestoreAlreadyRunningError };
}
