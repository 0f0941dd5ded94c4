/**
 * The chaos run's invariant checks (test/chaos/invariants.ts) catch what they are meant to catch: each broken
 * invariant, planted by hand in moto or in the inputs, is reported, and a clean outcome reports none.
 */
import assert from 'node:assert/strict';

import { CreateDBClusterCommand, DeleteDBInstanceCommand } from '@aws-sdk/client-rds';

import { TAG_MANAGED_BY, TAG_MANAGED_BY_VALUE, TAG_OPERATION_ID } from '../../src/domain/naming';
import type { RestoreRequest } from '../../src/domain/request';
import type { RestoreResult } from '../../src/workflows/messages';
import { checkInvariants, seedScenario } from '../chaos/invariants';
import type { InvariantInput, Outcome, Seeded } from '../chaos/invariants';
import { scenarioOf } from '../chaos/plan';
import type { Scenario } from '../chaos/plan';
import { useMoto } from '../support/fixtures/moto';

describe('chaos invariants', function () {
  // Listing every cluster of a moto shared with long chaos runs can take a while.
  this.timeout(180_000);
  const env = useMoto();

  let scenario: Scenario;
  let seeded: Seeded;
  const operationId = `op-${Date.now().toString(36)}`;

  before(async () => {
    const base = scenarioOf(7, { runId: Date.now().toString(36).slice(-5), typicalDurationMs: 30_000 });
    scenario = {
      ...base,
      request: { ...base.request, crossRegion: false, replaceExisting: false, masterPassword: true, keepCopy: false },
      aws: { ...base.aws, terminal: { kind: 'instance-capacity', index: 0 } },
    };
    seeded = await seedScenario(scenario);
  });

  function input(outcome: Outcome, extra: Partial<InvariantInput> = {}): InvariantInput {
    const cliOutcome = outcome.ok
      ? { ok: true, result: outcome.result }
      : { ok: false, failure: { type: outcome.type, message: outcome.message } };
    return {
      scenario,
      seeded,
      request: {} as RestoreRequest,
      operationId,
      outcome,
      cancelSent: false,
      cli: { command: 'status', code: outcome.ok ? 0 : 1, stdout: JSON.stringify({ outcome: cliOutcome }), stderr: '' },
      history: '{"events":[]}',
      workerLog: 'worker started',
      ...extra,
    };
  }

  const typedFailure: Outcome = { ok: false, type: 'InvalidRestoreParameter', message: 'no capacity' };

  it('a typed failure after a terminal fault, with nothing left behind, breaks none', async () => {
    assert.deepEqual(await checkInvariants(input(typedFailure)), []);
  });

  it('reports a success whose cluster does not exist, and a success despite a terminal failure', async () => {
    const success: Outcome = { ok: true, result: { operationId } as RestoreResult };
    const violations = await checkInvariants(input(success));
    assert.ok(
      violations.some((v) => /does not exist/.test(v)),
      violations.join('\n')
    );
    assert.ok(
      violations.some((v) => /despite a terminal AWS failure/.test(v)),
      violations.join('\n')
    );
  });

  it('reports an untyped failure, and a failure without a terminal fault or cancel', async () => {
    const untyped: Outcome = { ok: false, type: 'Error', message: 'boom' };
    const violations = await checkInvariants(
      input(untyped, { scenario: { ...scenario, aws: { ...scenario.aws, terminal: undefined } } })
    );
    assert.ok(
      violations.some((v) => /not a type of our catalogue/.test(v)),
      violations.join('\n')
    );
    assert.ok(
      violations.some((v) => /without a terminal AWS failure or a cancel/.test(v)),
      violations.join('\n')
    );
  });

  it('accepts Throttled only from a scenario that throttled', async () => {
    const throttled: Outcome = { ok: false, type: 'Throttled', message: 'Rate exceeded' };
    const noTerminal = { ...scenario.aws, terminal: undefined };
    const calm = await checkInvariants(
      input(throttled, { scenario: { ...scenario, aws: { ...noTerminal, throttle: 0 } } })
    );
    assert.ok(
      calm.some((v) => /without a terminal AWS failure or a cancel/.test(v)),
      calm.join('\n')
    );
    const harsh = await checkInvariants(
      input(throttled, { scenario: { ...scenario, aws: { ...noTerminal, throttle: 0.5 } } })
    );
    assert.deepEqual(harsh, []);
  });

  it('reports a secret in the history or the worker log', async () => {
    const secret = seeded.secretValue ?? '';
    assert.ok(secret.length > 10);
    const violations = await checkInvariants(
      input(typedFailure, { history: `{"input":"${secret}"}`, workerLog: `password=${secret}` })
    );
    assert.ok(violations.includes('the master password appears in the history'), violations.join('\n'));
    assert.ok(violations.includes('the master password appears in the worker log'), violations.join('\n'));
  });

  it('reports a CLI that prints another outcome than the workflow’s', async () => {
    const status = {
      command: 'status' as const,
      code: 0,
      stdout: JSON.stringify({ outcome: { ok: true } }),
      stderr: '',
    };
    const violations = await checkInvariants(input(typedFailure, { cli: status }));
    assert.ok(
      violations.some((v) => /status says ok=true/.test(v)),
      violations.join('\n')
    );
    const start = { command: 'start' as const, code: 1, stdout: '', stderr: 'Temporal could not be reached' };
    const crashed = await checkInvariants(input(typedFailure, { cli: start }));
    assert.ok(
      crashed.some((v) => /aurora-restore start printed no JSON/.test(v)),
      crashed.join('\n')
    );
  });

  it('reports what the operation left behind, and a changed untagged resource', async () => {
    const { rds } = env.clients(seeded.targetRegion);
    const leftover = `${scenario.tag}-left`;
    await rds.send(
      new CreateDBClusterCommand({
        DBClusterIdentifier: leftover,
        Engine: 'aurora-postgresql',
        MasterUsername: 'x_admin',
        MasterUserPassword: 'Leftover-123456',
        Tags: [
          { Key: TAG_MANAGED_BY, Value: TAG_MANAGED_BY_VALUE },
          { Key: TAG_OPERATION_ID, Value: operationId },
        ],
      })
    );
    await rds.send(
      new DeleteDBInstanceCommand({ DBInstanceIdentifier: seeded.bystanderInstanceId, SkipFinalSnapshot: true })
    );
    const violations = await checkInvariants(input(typedFailure));
    assert.ok(violations.includes(`failed and cluster ${leftover} was left behind`), violations.join('\n'));
    assert.ok(
      violations.some((v) => v.startsWith(`untagged cluster ${seeded.bystanderClusterId} changed`)),
      violations.join('\n')
    );
  });
});
