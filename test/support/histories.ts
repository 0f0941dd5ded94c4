/**
 * Recording of workflow histories for the replay tests. Tests that run real workflows call `recordHistory` after a
 * scenario; with RECORD_HISTORIES=1 the history is written to test/replay/histories/<name>.json (commit it), so a
 * later non-deterministic change to the workflow fails the replay suite.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';

import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

export const HISTORIES_DIR = path.resolve(__dirname, '../replay/histories');

export async function recordHistory(name: string, handle: WorkflowHandle): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const history = await handle.fetchHistory();
  const file = path.join(HISTORIES_DIR, `${name}.json`);
  // The CLI's and Web UI's export format (event ids as strings), which runReplayHistory reads directly.
  writeFileSync(file, JSON.stringify(JSON.parse(historyToJSON(history)), null, 1) + '\n');
}
