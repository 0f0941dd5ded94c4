/**
 * The master password step waits until RDS has applied the new password before the database steps log in. On AWS
 * the cluster reports `resetting-master-credentials` for a while after ModifyDBCluster, and a login with the new
 * password before the reset ends can be refused. Here the simulator keeps the cluster resetting for a few simulated
 * minutes, and the local PostgreSQL server (standing in for the cluster, reached as a tunnel) accepts the new
 * password only when the simulated reset ends, as RDS would.
 */
import assert from 'node:assert/strict';

import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { WorkflowFailedError } from '@temporalio/client';
import type { WorkflowHandle } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';

import type { MasterPasswordApplied } from '../../sim/aws-simulator';
import type { RestoreRequest } from '../../src/domain/request';
import { progressQuery } from '../../src/workflows/messages';
import type { RestoreProgress, RestoreResult } from '../../src/workflows/messages';
import {
  asMaster,
  connectDirect,
  createDatabase,
  dbServer,
  localDatabaseWorkerPolicy,
  testCaFile,
} from '../support/databases';
import { useWorkflowEnvironment } from '../support/fixtures/workflow';
import { recordHistory } from '../support/histories';
import { motoClients, seedSourceCluster, uniqueName } from '../support/moto';
import { createDatabaseWorker } from '../support/workflow-env';

const REGION = 'eu-west-1';
const RESET_MS = 4 * 60_000;
const TIMINGS = { clusterRestore: 20 * 60_000, instanceCreate: 10 * 60_000, masterCredentialsReset: RESET_MS };

interface Outcome {
  result?: RestoreResult;
  error?: WorkflowFailedError;
  progress: RestoreProgress;
}

describe('auroraRestore master password wait (time-skipping server, simulated reset, real PostgreSQL)', function () {
  this.timeout(120_000);
  const fixture = useWorkflowEnvironment({ workerPerTest: { timings: TIMINGS } });
  let db: { worker: Worker; taskQueue: string };
  beforeEach(async () => {
    db = await createDatabaseWorker(fixture.env, localDatabaseWorkerPolicy());
  });

  async function run(request: RestoreRequest): Promise<{ handle: WorkflowHandle; outcome: Outcome }> {
    return fixture.worker.worker.runUntil(
      db.worker.runUntil(async () => {
        const handle = await fixture.startRestore(request);
        const settled = await handle.result().then(
          (result) => ({ result }),
          (error: unknown) => {
            if (error instanceof WorkflowFailedError) return { error };
            throw error;
          }
        );
        return { handle, outcome: { ...settled, progress: await handle.query(progressQuery) } };
      })
    );
  }

  it('logs in for the database steps only after the reset ends, with the new password', async () => {
    const engine = 'aurora-postgresql';
    const sourceId = uniqueName('pwsrc');
    await seedSourceCluster({ region: REGION, clusterId: sourceId, engine, withSnapshot: `${sourceId}-snap` });
    const database = await createDatabase(engine, 'pwwait', [
      'CREATE TABLE customers (id int PRIMARY KEY, email varchar(200) NOT NULL)',
      "INSERT INTO customers VALUES (1, 'ann@corp.example'), (2, 'bob@corp.example'), (3, 'cy@x.io')",
    ]);
    // The master user of the "cluster": a role that still has the snapshot's old password.
    const master = uniqueName('pwmaster').replace(/-/g, '_');
    const oldPassword = `Old-${uniqueName('pw')}`;
    const newPassword = `New-${uniqueName('pw')}`;
    await asMaster(engine, (c) => c.query(`CREATE ROLE ${master} LOGIN PASSWORD '${oldPassword}'`));
    await asMaster(engine, (c) => c.query(`GRANT SELECT ON customers TO ${master}`), database);
    const { secretsManager } = motoClients(REGION);
    const secret = await secretsManager.send(
      new CreateSecretCommand({
        Name: uniqueName('wf/pw'),
        SecretString: JSON.stringify({ username: master, password: newPassword }),
      })
    );
    assert.ok(secret.ARN);

    const targetId = uniqueName('pwtgt');
    const applied: MasterPasswordApplied[] = [];
    fixture.worker.sim.onMasterPasswordApplied(async (event) => {
      if (event.clusterId !== targetId) return;
      // RDS: the new password works once the reset is over, not before.
      await asMaster(engine, (c) => c.query(`ALTER ROLE ${master} PASSWORD '${newPassword}'`));
      applied.push(event);
    });
    const request: RestoreRequest = {
      source: { region: REGION, clusterId: sourceId, snapshot: `${sourceId}-snap` },
      target: { region: REGION, clusterId: targetId, instanceCount: 1 },
      timing: { pollInterval: '30s' },
      masterPassword: { secretArn: secret.ARN },
      database: {
        masterSecretArn: secret.ARN,
        name: database,
        connectVia: { host: '127.0.0.1', port: dbServer(engine).port },
        tls: { mode: 'verify-ca', caFile: testCaFile() },
        taskQueue: db.taskQueue,
        verify: { checks: [{ table: 'public.customers', minRows: 3 }] },
      },
    };

    const { handle, outcome } = await run(request);
    assert.ok(outcome.result, `restore failed: ${outcome.error?.cause?.message}`);
    assert.equal(applied.length, 1, 'the simulated reset ended once, before the database steps');
    const steps = outcome.result.steps.map((s) => s.name);
    assert.deepEqual(steps.slice(steps.indexOf('set-master-password')), ['set-master-password', 'verify-database']);
    const passwordStep = outcome.result.steps.find((s) => s.name === 'set-master-password');
    const verifyStep = outcome.result.steps.find((s) => s.name === 'verify-database');
    assert.ok(passwordStep?.endedAt && verifyStep?.startedAt);
    assert.ok(
      Date.parse(passwordStep.endedAt) >= applied[0].atMs,
      `the password step ended at ${passwordStep.endedAt}, before the reset ended at ${new Date(applied[0].atMs).toISOString()}`
    );
    assert.deepEqual(
      outcome.result.database?.verification?.checks.map((c) => c.passed),
      [true]
    );
    // The role really has the new password now (and the old one no longer works).
    const login = await connectDirect(engine, master, newPassword, database);
    await login.close();
    await assert.rejects(connectDirect(engine, master, oldPassword, database));
    await recordHistory('master-password-wait', handle);
  });
});
