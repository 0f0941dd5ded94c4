/**
 * Prepares `npm run demo:database`: the demo database `orders` on the local PostgreSQL (a stand-in for the restored
 * cluster's data, with three customers), the request's three secrets in the emulator's Secrets Manager, and
 * .run/demo-database-request.json: examples/staging-refresh-with-database.yaml with the emulator's secret ARNs and
 * the local server reached through `database.connectVia` with the local CA (`verify-ca`: the certificate names
 * localhost, not the emulator's cluster endpoint). Idempotent: a second run resets the data and reuses the secrets.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { CreateSecretCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';

import { loadRequestFile } from '../src/client/request-file';
import type { RestoreRequest } from '../src/domain/request';
import { asMaster, dbServer, masterPassword, masterUser, testCaFile } from '../test/support/databases';
import { motoClients } from '../test/support/moto';

const ROOT = path.resolve(__dirname, '..');
const EXAMPLE = path.join(ROOT, 'examples/staging-refresh-with-database.yaml');
const OUT = path.join(ROOT, '.run/demo-database-request.json');
const REGION = 'us-west-2';

/** Creates the secret, or gives it a new value if it exists; returns its ARN. */
async function upsertSecret(name: string, value: object): Promise<string> {
  const { secretsManager } = motoClients(REGION);
  const SecretString = JSON.stringify(value);
  try {
    const out = await secretsManager.send(new CreateSecretCommand({ Name: name, SecretString }));
    return out.ARN as string;
  } catch (err) {
    if ((err as Error).name !== 'ResourceExistsException') throw err;
    const out = await secretsManager.send(new PutSecretValueCommand({ SecretId: name, SecretString }));
    return out.ARN as string;
  }
}

async function main(): Promise<void> {
  const exists = await asMaster('aurora-postgresql', (db) =>
    db.query("SELECT 1 FROM pg_database WHERE datname = 'orders'")
  );
  if (exists.length === 0) await asMaster('aurora-postgresql', (db) => db.query('CREATE DATABASE orders'));
  await asMaster(
    'aurora-postgresql',
    async (db) => {
      await db.query('DROP TABLE IF EXISTS customers');
      await db.query('CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL, phone text)');
      await db.query(
        "INSERT INTO customers VALUES (1, 'ann@corp.example', '+1 555 0101'), (2, 'bob@corp.example', '+1 555 0102'), " +
          "(3, 'cy@corp.example', '+1 555 0103')"
      );
    },
    'orders'
  );

  const arns = {
    master: await upsertSecret('aurora-restore/orders-qa/master', {
      username: masterUser(),
      password: masterPassword(),
    }),
    app: await upsertSecret('aurora-restore/orders-qa/app', { password: randomBytes(12).toString('hex') }),
    readonly: await upsertSecret('aurora-restore/orders-qa/readonly', { password: randomBytes(12).toString('hex') }),
  };
  const { request } = await loadRequestFile(EXAMPLE);
  const req = request as RestoreRequest & { database: NonNullable<RestoreRequest['database']> };
  req.database.masterSecretArn = arns.master;
  const users = req.database.users ?? [];
  users[0].passwordSecretArn = arns.app;
  users[1].passwordSecretArn = arns.readonly;
  req.database.connectVia = { host: '127.0.0.1', port: dbServer('aurora-postgresql').port };
  req.database.tls = { mode: 'verify-ca', caFile: testCaFile() };
  mkdirSync(path.dirname(OUT), { recursive: true });
  writeFileSync(OUT, `${JSON.stringify(req, null, 2)}\n`);
  console.log(`demo: database "orders" with 3 customers on 127.0.0.1:${dbServer('aurora-postgresql').port}`);
  console.log(`demo: secrets in the emulator; request written to ${path.relative(ROOT, OUT)}`);
}

main().catch((err: unknown) => {
  console.error('preparing the database demo failed:', err);
  process.exitCode = 1;
});
