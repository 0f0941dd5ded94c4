/** Runs the aurora-restore CLI in-process with captured output and no Temporal server. */
import { TemporalConnectionError } from '../../src/client/connection';
import { main } from '../../src/client/main';
import type { CliIo } from '../../src/client/main';

export const CLI_NOW = new Date('2026-03-15T10:00:00.000Z');

/**
 * Runs `aurora-restore <argv>`; every connection is counted, so a test can prove a command refused its input before
 * connecting. Connecting fails unless `overrides.connect` is given.
 */
export async function runCli(
  argv: string[],
  overrides: Partial<CliIo> = {}
): Promise<{ code: number; stdout: string; stderr: string; connects: number }> {
  let stdout = '';
  let stderr = '';
  let connects = 0;
  const { connect, ...rest } = overrides;
  const code = await main(argv, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: {},
    now: () => CLI_NOW,
    connect: async () => {
      connects++;
      if (connect) return connect();
      throw new TemporalConnectionError('Could not connect to Temporal at localhost:1 (namespace "default"): refused.');
    },
    ...rest,
  });
  return { code, stdout, stderr, connects };
}
