import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { EXIT, USAGE } from '../../src/client/main';
import { runCli } from '../support/cli';

const run = runCli;

describe('client CLI (no server needed)', () => {
  let dir: string;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'aurora-restore-cli-'));
  });

  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('prints the usage for help, and exits 2 without a command', async () => {
    const help = await run(['help']);
    assert.equal(help.code, EXIT.OK);
    assert.equal(help.stdout, `${USAGE}\n`);
    assert.match(help.stdout, /start <file\|->/);
    const none = await run([]);
    assert.equal(none.code, EXIT.USAGE);
    assert.equal(none.stdout, '');
    assert.match(none.stderr, /Usage: aurora-restore/);
  });

  it('refuses unknown commands, options and missing arguments with exit 2', async () => {
    const unknown = await run(['restore']);
    assert.equal(unknown.code, EXIT.USAGE);
    assert.match(unknown.stderr, /Unknown command "restore"/);
    const option = await run(['start', 'x.json', '--wait']);
    assert.equal(option.code, EXIT.USAGE);
    assert.match(option.stderr, /start: Unknown option '--wait'/);
    const missing = await run(['start']);
    assert.equal(missing.code, EXIT.USAGE);
    assert.match(missing.stderr, /start: missing the request file/);
    const extra = await run(['status', 'us-east-1/a', 'more']);
    assert.equal(extra.code, EXIT.USAGE);
    assert.match(extra.stderr, /unexpected argument "more"/);
    assert.equal(unknown.connects + option.connects + missing.connects + extra.connects, 0);
  });

  it('lists every validation problem and never connects for an invalid request', async () => {
    const file = path.join(dir, 'bad.yaml');
    await fs.writeFile(file, 'source:\n  region: mars-1\ntarget:\n  clusterId: 9lives\n  region: us-east-1\n');
    const result = await run(['start', file]);
    assert.equal(result.code, EXIT.USAGE);
    assert.equal(result.connects, 0);
    assert.match(result.stderr, /✗ Error: InvalidRestoreRequest \(ARP-GENERAL-002\)/);
    assert.match(result.stderr, /1\) source\.region/);
    assert.match(result.stderr, /target\.clusterId/);
    assert.match(result.stderr, /What to do: Fix every problem listed/);
    assert.doesNotMatch(result.stderr, /at .*\.ts:\d+/, 'no stack trace without --debug');
  });

  it('prints one JSON document for errors with --json', async () => {
    const file = path.join(dir, 'bad.json');
    await fs.writeFile(file, '{"source": {"region": "us-east-1"}, "target": {"region": "us-east-1"}}');
    const result = await run(['start', file, '--json']);
    assert.equal(result.code, EXIT.USAGE);
    const doc = JSON.parse(result.stdout) as { error: { type: string; code: string; problems: string[] } };
    assert.equal(doc.error.type, 'InvalidRestoreRequest');
    assert.equal(doc.error.code, 'ARP-GENERAL-002');
    assert.ok(doc.error.problems.length >= 2);
    assert.equal(result.connects, 0);
  });

  it('reports request file problems with exit 2', async () => {
    const result = await run(['start', path.join(dir, 'missing.yaml')]);
    assert.equal(result.code, EXIT.USAGE);
    assert.match(result.stderr, /RequestFileError/);
    assert.match(result.stderr, /missing\.yaml not found/);
    const stdin = await run(['start', '-'], { readStdin: async () => '{"source": ' });
    assert.equal(stdin.code, EXIT.USAGE);
    assert.match(stdin.stderr, /Request on stdin is not valid JSON/);
  });

  it('exits 2 with line and column for a deeply nested broken JSON file and for a duplicate JSON key', async () => {
    const deep = path.join(dir, 'deep.json');
    await fs.writeFile(deep, '['.repeat(6000));
    const nested = await run(['start', deep]);
    assert.equal(nested.code, EXIT.USAGE, nested.stderr);
    assert.match(nested.stderr, /RequestFileError/);
    assert.match(nested.stderr, /not valid JSON: .* at line 1, column \d+/);
    assert.doesNotMatch(nested.stderr, /Maximum call stack/);
    const duplicate = await run(['plan', '-'], { readStdin: async () => '{"target": {"region": "a", "region": "b"}}' });
    assert.equal(duplicate.code, EXIT.USAGE, duplicate.stderr);
    assert.match(duplicate.stderr, /duplicate key "region" in target .*line 1, column 28/);
    assert.equal(nested.connects + duplicate.connects, 0);
  });

  it('checks targets and list filters before connecting', async () => {
    const status = await run(['status', 'orders']);
    assert.equal(status.code, EXIT.USAGE);
    assert.match(status.stderr, /"orders" is not a restore target or workflow id/);
    const cancel = await run(['cancel', 'us-east-1/bad_name', '--reason', 'x']);
    assert.equal(cancel.code, EXIT.USAGE);
    const list = await run(['list', '--status', 'exploded']);
    assert.equal(list.code, EXIT.USAGE);
    assert.match(list.stderr, /Unknown status "exploded"/);
    const limit = await run(['list', '--limit', '0']);
    assert.equal(limit.code, EXIT.USAGE);
    assert.match(limit.stderr, /--limit "0" must be a whole number from 1 to 1000/);
    assert.equal(status.connects + cancel.connects + list.connects + limit.connects, 0);
  });

  it('exits 1 with the connection problem when Temporal cannot be reached', async () => {
    const result = await run(['list']);
    assert.equal(result.connects, 1);
    assert.equal(result.code, EXIT.FAILED);
    assert.match(result.stderr, /✗ Error: TemporalConnectionError\n {2}Could not connect to Temporal at localhost:1/);
    const debug = await run(['status', 'us-east-1/a', '--debug']);
    assert.equal(debug.code, EXIT.FAILED);
    assert.match(debug.stderr, /TemporalConnectionError: Could not connect[\s\S]*\n\s+at /, 'stack trace with --debug');
  });
});
