/** The database worker's own allowances (TLS modes, tunnels, file directories), read from its environment. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parseWorkerConfig, WorkerConfigError } from '../../src/worker/config';

describe('database worker configuration', () => {
  it('is as strict as it gets when nothing is set: verify-full only, no tunnel, no file directory', () => {
    assert.deepEqual(parseWorkerConfig({}).database, {});
    assert.deepEqual(
      parseWorkerConfig({
        AURORA_RESTORE_DB_TLS_MODES: ' ',
        AURORA_RESTORE_DB_TUNNELS: '',
        AURORA_RESTORE_DB_SQL_DIR: '',
        AURORA_RESTORE_DB_CA_DIR: '',
      }).database,
      {}
    );
  });

  it('reads the allowed TLS modes, tunnels and directories', () => {
    const sqlDir = mkdtempSync(join(tmpdir(), 'sql-'));
    const caDir = mkdtempSync(join(tmpdir(), 'ca-'));
    const config = parseWorkerConfig({
      AURORA_RESTORE_DB_TLS_MODES: 'verify-ca, disable,verify-ca',
      AURORA_RESTORE_DB_TUNNELS: '127.0.0.1:5432, bastion.internal:15432,[::1]:3306',
      AURORA_RESTORE_DB_SQL_DIR: sqlDir,
      AURORA_RESTORE_DB_CA_DIR: `${caDir}/`,
    });
    assert.deepEqual(config.database, {
      tlsModes: ['verify-ca', 'disable'],
      tunnels: [
        { host: '127.0.0.1', port: 5432 },
        { host: 'bastion.internal', port: 15432 },
        { host: '::1', port: 3306 },
      ],
      sqlDir,
      caDir,
    });
  });

  it('lists every bad database setting, naming the variable and what to do', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'notdir-')), 'file.sql');
    writeFileSync(file, 'SELECT 1;');
    try {
      parseWorkerConfig({
        AURORA_RESTORE_DB_TLS_MODES: 'verify-ca,plaintext',
        AURORA_RESTORE_DB_TUNNELS: '127.0.0.1,db:99999,db:5432',
        AURORA_RESTORE_DB_SQL_DIR: 'relative/sql',
        AURORA_RESTORE_DB_CA_DIR: file,
      });
      assert.fail('expected a WorkerConfigError');
    } catch (err) {
      assert.ok(err instanceof WorkerConfigError, String(err));
      assert.equal(err.problems.length, 5, err.message);
      assert.match(
        err.problems[0],
        /AURORA_RESTORE_DB_TLS_MODES="verify-ca,plaintext" is invalid: .*verify-ca, insecure, disable/
      );
      assert.match(
        err.problems[1],
        /AURORA_RESTORE_DB_TUNNELS has "127.0.0.1": use a comma-separated list of host:port/
      );
      assert.match(err.problems[2], /AURORA_RESTORE_DB_TUNNELS has "db:99999"/);
      assert.match(err.problems[3], /AURORA_RESTORE_DB_SQL_DIR="relative\/sql" is not an existing directory/);
      assert.match(err.problems[4], /AURORA_RESTORE_DB_CA_DIR=".*file\.sql" is not an existing directory/);
    }
  });
});
