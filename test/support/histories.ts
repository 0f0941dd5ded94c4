/**
 * Recording of workflow histories for the replay tests. Tests that run real workflows call `recordHistory` after a
 * scenario; with RECORD_HISTORIES=1 the history is written to test/replay/histories/<name>.history.pb (commit it),
 * so a later non-deterministic change to the workflow fails the replay suite.
 *
 * Histories are stored as binary protobuf (temporal.api.history.v1.History): the SDK's JSON helpers
 * (historyToJSON) break when npm installs two protobufjs copies, while the binary encoding needs only the proto
 * package that produced the history.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

export const HISTORIES_DIR = path.resolve(__dirname, '../replay/histories');

export async function recordHistory(name: string, handle: WorkflowHandle): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const history = await handle.fetchHistory();
  writeFileSync(
    path.join(HISTORIES_DIR, `${name}.history.pb`),
    temporal.api.history.v1.History.encode(history).finish()
  );
  // The workflow reads its own id (the per-target lock), so replay must use the recorded one.
  writeFileSync(
    path.join(HISTORIES_DIR, `${name}.meta.json`),
    JSON.stringify({ workflowId: handle.workflowId }) + '\n'
  );
}

export interface RecordedHistory {
  history: temporal.api.history.v1.History;
  workflowId: string;
}

export function loadHistory(file: string): RecordedHistory {
  const history = temporal.api.history.v1.History.decode(readFileSync(path.join(HISTORIES_DIR, file)));
  const metaFile = path.join(HISTORIES_DIR, file.replace(/\.history\.pb$/, '.meta.json'));
  const { workflowId } = JSON.parse(readFileSync(metaFile, 'utf8')) as { workflowId: string };
  return { history, workflowId };
}
