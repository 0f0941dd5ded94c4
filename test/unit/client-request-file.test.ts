import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import {
  lineColumn,
  loadRequestFile,
  locateJsonError,
  parseRequestText,
  RequestFileError,
  requestFormatOf,
} from '../../src/client/request-file';
import { validateRestoreRequest } from '../../src/domain/validate';

import { validateOptions } from './fixtures';

describe('client request files', () => {
  let dir: string;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'aurora-restore-request-'));
  });

  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  async function write(name: string, text: string): Promise<string> {
    const file = path.join(dir, name);
    await fs.writeFile(file, text);
    return file;
  }

  /** Loading `file` fails with a RequestFileError that names the file and the place (column when given). */
  async function rejectsAt(file: string, at: { line: number; column?: number }, message: RegExp): Promise<void> {
    await assert.rejects(loadRequestFile(file), (err: unknown) => {
      assert.ok(err instanceof RequestFileError);
      assert.equal(err.line, at.line);
      if (at.column !== undefined) assert.equal(err.column, at.column);
      assert.match(err.message, message);
      assert.ok(err.message.includes(file));
      return true;
    });
  }

  it('loads a JSON file', async () => {
    const file = await write(
      'r.json',
      JSON.stringify({
        source: { region: 'us-east-1', snapshot: 's1' },
        target: { region: 'us-east-1', clusterId: 'c1' },
      })
    );
    const loaded = await loadRequestFile(file);
    assert.equal(loaded.format, 'json');
    assert.equal(loaded.source, file);
    assert.deepEqual(loaded.request, {
      source: { region: 'us-east-1', snapshot: 's1' },
      target: { region: 'us-east-1', clusterId: 'c1' },
    });
  });

  it('loads YAML (.yaml and .yml) with comments, flow maps and quoted account ids', async () => {
    const text = [
      '# nightly refresh',
      'source:',
      '  region: us-east-1',
      '  accountId: "011111111111"   # quoted: keeps the leading zero',
      '  selection: { strategy: latest, snapshotType: manual }',
      '  clusterId: orders-prod',
      'target:',
      '  region: us-west-2',
      '  clusterId: orders-staging',
      '  instanceCount: 2',
      '  vpcSecurityGroupIds: [sg-0123456789abcdef0]',
      '  deletionProtection: false',
      '',
    ].join('\n');
    for (const name of ['r.yaml', 'r.yml']) {
      const loaded = await loadRequestFile(await write(name, text));
      assert.equal(loaded.format, 'yaml');
      assert.deepEqual(loaded.request, {
        source: {
          region: 'us-east-1',
          accountId: '011111111111',
          selection: { strategy: 'latest', snapshotType: 'manual' },
          clusterId: 'orders-prod',
        },
        target: {
          region: 'us-west-2',
          clusterId: 'orders-staging',
          instanceCount: 2,
          vpcSecurityGroupIds: ['sg-0123456789abcdef0'],
          deletionProtection: false,
        },
      });
    }
  });

  it('keeps YAML 1.2 scalars as the validator expects (dates stay strings)', () => {
    const doc = parseRequestText('source:\n  selection:\n    date: 2026-11-25\n', 'yaml', 'x.yaml') as {
      source: { selection: { date: unknown } };
    };
    assert.equal(doc.source.selection.date, '2026-11-25');
  });

  it('loads the example requests shipped in examples/', async () => {
    const full = await loadRequestFile(path.join(__dirname, '../../examples/full-reference.yaml'));
    assert.equal((full.request as { target: { clusterId: string } }).target.clusterId, 'orders-staging');
    const nightly = await loadRequestFile(path.join(__dirname, '../../examples/nightly-staging-refresh.json'));
    assert.equal((nightly.request as { source: { region: string } }).source.region, 'us-east-1');
    // Every example is a valid request, database steps included.
    for (const file of ['full-reference.yaml', 'nightly-staging-refresh.json', 'staging-refresh-with-database.yaml']) {
      const { request } = await loadRequestFile(path.join(__dirname, '../../examples', file));
      const valid = validateRestoreRequest(request, validateOptions());
      if (file !== 'nightly-staging-refresh.json') assert.ok(valid.database?.verify, file);
    }
  });

  it('reads stdin for "-" and sniffs JSON or YAML', async () => {
    const fromJson = await loadRequestFile('-', { readStdin: async () => '  {"target": {"clusterId": "a"}}' });
    assert.equal(fromJson.format, 'json');
    assert.equal(fromJson.source, 'stdin');
    assert.deepEqual(fromJson.request, { target: { clusterId: 'a' } });
    const fromYaml = await loadRequestFile('-', { readStdin: async () => 'target:\n  clusterId: b\n' });
    assert.equal(fromYaml.format, 'yaml');
    assert.deepEqual(fromYaml.request, { target: { clusterId: 'b' } });
  });

  it('says which file is missing, with the absolute path for a relative one', async () => {
    await assert.rejects(loadRequestFile('no-such-dir/r.yaml'), (err: unknown) => {
      assert.ok(err instanceof RequestFileError);
      assert.equal(
        err.message,
        `Request file no-such-dir/r.yaml not found (looked at ${path.resolve('no-such-dir/r.yaml')}). Check the path.`
      );
      return true;
    });
    const missing = path.join(dir, 'nope.json');
    await assert.rejects(loadRequestFile(missing), (err: unknown) => {
      assert.ok(err instanceof RequestFileError);
      assert.equal(err.file, missing);
      assert.equal(err.message, `Request file ${missing} not found. Check the path.`);
      return true;
    });
  });

  it('refuses unknown extensions and directories', async () => {
    await assert.rejects(
      loadRequestFile(await write('r.txt', '{}')),
      /unknown extension "\.txt".*\.json, \.yaml or \.yml/
    );
    const sub = path.join(dir, 'folder.json');
    await fs.mkdir(sub, { recursive: true });
    await assert.rejects(loadRequestFile(sub), /is a directory/);
  });

  it('refuses empty documents', async () => {
    await assert.rejects(loadRequestFile(await write('empty.yaml', '  \n\n')), /is empty/);
    await assert.rejects(loadRequestFile(await write('comments.yaml', '# only a comment\n')), /holds no request/);
    assert.throws(() => parseRequestText('\uFEFF\n', 'json', 'x.json'), /is empty/);
  });

  it('reports JSON syntax errors with line and column', async () => {
    const text = '{\n  "source": {"region": "us-east-1"},\n  "target": {"clusterId": "c1",}\n}\n';
    const file = await write('bad.json', text);
    await rejectsAt(file, { line: 3, column: 32 }, /not valid JSON: trailing comma before "}" .* at line 3, column 32/);
  });

  it('locates common JSON mistakes', () => {
    assert.deepEqual(locateJsonError('{"a": 1}'), undefined);
    assert.match(locateJsonError("{'a': 1}")?.reason ?? '', /property name in double quotes/);
    const missingComma = '{\n "a": 1\n "b": 2\n}';
    const located = locateJsonError(missingComma);
    assert.ok(located);
    assert.deepEqual(lineColumn(missingComma, located.offset), { line: 3, column: 2 });
    assert.match(located.reason, /missing comma/);
    assert.match(locateJsonError('{"a": "x\n"}')?.reason ?? '', /inside a string/);
    assert.match(locateJsonError('{"a": True}')?.reason ?? '', /lowercase/);
    assert.match(locateJsonError('{"a": 1} x')?.reason ?? '', /after the end/);
    assert.match(locateJsonError('{"a": [1, 2,]}')?.reason ?? '', /trailing comma before "\]"/);
    assert.equal(locateJsonError('{"a": ')?.offset, 6);
  });

  it('refuses a duplicate key in JSON, naming it with line and column (JSON.parse would let the last one win)', async () => {
    const text = '{\n  "target": {\n    "clusterId": "orders-staging",\n    "clusterId": "orders-prod"\n  }\n}\n';
    const file = await write('dup.json', text);
    await rejectsAt(
      file,
      { line: 4, column: 5 },
      /not valid JSON: duplicate key "clusterId" in target .* at line 4, column 5/
    );
    // Keys are compared as JSON reads them (escapes resolved), and only within one object.
    assert.match(locateJsonError('{"a": 1, "\\u0061": 2}')?.reason ?? '', /duplicate key "a"/);
    assert.equal(locateJsonError('{"a": {"b": 1}, "c": {"b": 2}, "d": [{"b": 1}, {"b": 2}]}'), undefined);
    assert.match(locateJsonError('{"a": [{"x": 1, "x": 2}]}')?.reason ?? '', /duplicate key "x" in a\[0\]/);
  });

  it('reports a deeply nested broken JSON file as a file error with line and column, not a stack overflow', async () => {
    const deep = '['.repeat(6000);
    const file = await write('deep.json', deep);
    await assert.rejects(loadRequestFile(file), (err: unknown) => {
      assert.ok(err instanceof RequestFileError, String(err));
      assert.equal(err.line, 1);
      assert.equal(typeof err.column, 'number');
      assert.match(err.message, /not valid JSON: .*nested deeper than \d+ levels/);
      return true;
    });
    // Valid but absurdly deep JSON is refused the same way, and a long flat document is fine.
    assert.match(locateJsonError(`${'['.repeat(6000)}${']'.repeat(6000)}`)?.reason ?? '', /nested deeper/);
    assert.equal(locateJsonError(`[${Array.from({ length: 50_000 }, (_, n) => n).join(',')}]`), undefined);
  });

  it('refuses a "__proto__" key in JSON and YAML files, naming it with line and column', async () => {
    const json = await write(
      'proto.json',
      '{\n  "source": {"region": "us-east-1", "snapshot": "s1"},\n  "target": {\n    "clusterId": "c",\n    "region": "us-east-1",\n    "tags": {"team": "dba", "__proto__": "x"}\n  }\n}\n'
    );
    await rejectsAt(json, { line: 6, column: 29 }, /the key "__proto__" in target\.tags is not allowed: .*rename it/);
    // Escaped spellings are the same key to JSON.parse.
    assert.match(locateJsonError('{"\\u005f_proto__": 1}')?.reason ?? '', /the key "__proto__" at the top level/);
    const yaml = await write(
      'proto.yaml',
      'source:\n  region: us-east-1\n  snapshot: s1\ntarget:\n  clusterId: c\n  region: us-east-1\n  tags:\n    "__proto__": x\n'
    );
    await rejectsAt(yaml, { line: 8, column: 5 }, /has the key "__proto__" at line 8, column 5: it is not allowed/);
  });

  it('reports YAML syntax errors and duplicate keys with line and column', async () => {
    const badIndent = await write('indent.yaml', 'source:\n  region: us-east-1\n target:\n  clusterId: c\n');
    await rejectsAt(badIndent, { line: 3 }, /not valid YAML/);
    const duplicate = await write('dup.yaml', 'target:\n  clusterId: a\n  clusterId: b\n');
    await rejectsAt(duplicate, { line: 3 }, /unique/);
    assert.throws(() => parseRequestText('a: *missing\n', 'yaml', 'x.yaml'), /could not be read as YAML/);
  });

  it('knows formats by extension', () => {
    assert.equal(requestFormatOf('a/b.JSON'), 'json');
    assert.equal(requestFormatOf('b.yml'), 'yaml');
    assert.equal(requestFormatOf('b.toml'), undefined);
    assert.equal(requestFormatOf('-', '[1]'), 'json');
    assert.equal(requestFormatOf('-', 'a: 1'), 'yaml');
  });
});
