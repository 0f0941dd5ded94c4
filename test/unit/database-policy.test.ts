/** The database worker's policy checks on their own: tunnels and TLS modes, and reading files a request names. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { checkConnectionAllowed, readWorkerFile, WorkerFileError } from '../../src/activities/database/policy';
import type { DatabaseWorkerPolicy } from '../../src/activities/database/policy';
import type { DatabaseConnectionInput } from '../../src/activities/types';
import { expectFailure } from '../support/assertions';

const conn = (extra: Partial<DatabaseConnectionInput>): DatabaseConnectionInput => ({
  engine: 'aurora-postgresql',
  clusterId: 'c',
  region: 'eu-west-1',
  endpoint: { host: 'c.cluster-x.eu-west-1.rds.amazonaws.com', port: 5432 },
  tls: { mode: 'verify-full' },
  master: { secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:m-AbCdEf' },
  ...extra,
});

async function refused(fn: () => unknown) {
  return expectFailure(Promise.resolve().then(fn), 'NotAllowedByDatabaseWorker', true);
}

describe('database worker policy', () => {
  it('allows verify-full always, weaker modes and tunnels only when listed (host case-insensitive, exact port)', async () => {
    const policy: DatabaseWorkerPolicy = {
      tlsModes: ['verify-ca'],
      tunnels: [{ host: 'Bastion.internal', port: 15432 }],
    };
    checkConnectionAllowed(conn({}), {});
    checkConnectionAllowed(
      conn({ tls: { mode: 'verify-ca' }, connectVia: { host: 'bastion.INTERNAL', port: 15432 } }),
      policy
    );
    const mode = await refused(() => checkConnectionAllowed(conn({ tls: { mode: 'insecure' } }), policy));
    assert.match(
      mode.message,
      /database\.tls\.mode "insecure" is not allowed by this database worker: it allows verify-full, verify-ca/
    );
    assert.match(mode.message, /add insecure to AURORA_RESTORE_DB_TLS_MODES/);
    const port = await refused(() =>
      checkConnectionAllowed(conn({ connectVia: { host: 'bastion.internal', port: 5432 } }), policy)
    );
    assert.match(
      port.message,
      /database\.connectVia "bastion\.internal:5432" .* it allows Bastion\.internal:15432 \(AURORA_RESTORE_DB_TUNNELS\)/
    );
    const v6 = await refused(() => checkConnectionAllowed(conn({ connectVia: { host: '::1', port: 5432 } }), {}));
    assert.match(v6.message, /"\[::1\]:5432" .* it allows no tunnel/);
  });

  describe('readWorkerFile', () => {
    let dir: string;
    const read = (requested: string, maxBytes = 1000) =>
      readWorkerFile({
        dir,
        requested,
        field: 'database.sanitize[0].file',
        setting: 'AURORA_RESTORE_DB_SQL_DIR',
        what: 'script files',
        instead: 'or use sql or s3',
        maxBytes,
      });
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'policy-'));
      mkdirSync(join(dir, 'a'));
      writeFileSync(join(dir, 'a', 'x.sql'), 'SELECT 1;');
    });

    it('reads regular files inside the directory, by relative or absolute path', async () => {
      assert.equal(await read('a/x.sql'), 'SELECT 1;');
      assert.equal(await read(join(dir, 'a', 'x.sql')), 'SELECT 1;');
    });

    it('refuses FIFOs, devices behind links, and files over the size limit, without reading them', async () => {
      execFileSync('mkfifo', [join(dir, 'pipe.sql')]);
      assert.match((await refused(() => read('pipe.sql'))).message, /not a regular file/);
      symlinkSync('/dev/zero', join(dir, 'zero.sql'));
      assert.match((await refused(() => read('zero.sql'))).message, /a link that leads out of/);
      assert.match((await refused(() => read('a/x.sql', 4))).message, /larger than 4 bytes/);
      assert.match((await refused(() => read('a/x.sql\0'))).message, /NUL/);
    });

    it('reports a missing file inside the directory as unreadable, not refused', async () => {
      await assert.rejects(
        read('a/missing.sql'),
        (err: unknown) => err instanceof WorkerFileError && /ENOENT/.test(err.message)
      );
    });
  });
});
