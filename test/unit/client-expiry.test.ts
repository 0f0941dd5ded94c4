/**
 * `aurora-restore expiry ...` without a server: argument checks happen before connecting, target forms resolve to
 * the expiry workflow id, and the human-readable view shows the expiry, the reminder and who changed what.
 */
import assert from 'node:assert/strict';

import { formatExpiry, resolveExpiryTarget } from '../../src/client/expiry-client';
import { EXIT } from '../../src/client/main';
import type { ExpiryView } from '../../src/domain/expiry';
import { runCli } from '../support/cli';

const run = (argv: string[]) =>
  runCli(argv, { env: { USER: 'alice' }, now: () => new Date('2026-11-27T00:00:00.000Z') });

describe('client CLI: expiry commands (no server needed)', () => {
  it('refuses bad subcommands, arguments and values before connecting', async () => {
    const cases: [string[], RegExp][] = [
      [['expiry'], /expiry: missing the subcommand; use one of show, extend, set, cancel, now/],
      [['expiry', 'delay', 'us-west-2/x'], /unknown subcommand "delay"/],
      [['expiry', 'extend', 'us-west-2/x'], /expiry extend: missing the restore \(region\/cluster\) and the duration/],
      [['expiry', 'extend', 'us-west-2/x', '--', '-1d'], /"-1d" is negative/],
      [['expiry', 'extend', 'us-west-2/x', '0h'], /"0h" is zero/],
      [['expiry', 'extend', 'us-west-2/x', '2 days'], /not a duration/],
      [['expiry', 'set', 'us-west-2/x', 'friday'], /not an ISO 8601 date-time/],
      [['expiry', 'show', 'us-west-2/x', '--by', 'bob'], /Unknown option '--by'/],
      [['expiry', 'cancel', 'nowhere/x'], /not a restore target/],
    ];
    for (const [argv, pattern] of cases) {
      const r = await run(argv);
      assert.equal(r.code, EXIT.USAGE, `${argv.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, pattern, argv.join(' '));
      assert.equal(r.connects, 0, `${argv.join(' ')} connected`);
    }
  });

  it('connects for a valid change (and reports an unreachable server with exit 1)', async () => {
    const r = await run(['expiry', 'extend', 'us-west-2/orders-stg', '2d', '--reason', 'demo']);
    assert.equal(r.connects, 1);
    assert.equal(r.code, EXIT.FAILED);
  });

  it('resolves every target form to the expiry workflow id', () => {
    for (const arg of [
      'us-west-2/Orders-Stg',
      'aurora-restore/us-west-2/orders-stg',
      'aurora-restore-expiry/us-west-2/orders-stg',
    ]) {
      assert.equal(resolveExpiryTarget(arg).workflowId, 'aurora-restore-expiry/us-west-2/orders-stg', arg);
    }
    assert.equal(
      resolveExpiryTarget('111111111111/us-west-2/x').workflowId,
      'aurora-restore-expiry/111111111111/us-west-2/x'
    );
  });

  it('formats the expiry with time left, reminder and changes', () => {
    const view: ExpiryView = {
      workflowId: 'aurora-restore-expiry/us-west-2/orders-stg',
      restoreWorkflowId: 'aurora-restore/us-west-2/orders-stg',
      operationId: 'op-1',
      target: { region: 'us-west-2', clusterId: 'orders-stg' },
      status: 'waiting',
      expiresAt: '2026-11-29T12:00:00.000Z',
      asOf: '2026-11-26T00:00:00.000Z',
      timeLeftMs: 0,
      reminder: { remindBeforeMs: 86_400_000, remindAt: '2026-11-28T12:00:00.000Z', state: 'pending' },
      changes: [
        { action: 'created', at: '2026-11-26T00:00:00.000Z', by: 'aurora-restore/us-west-2/orders-stg', to: 'x' },
        {
          action: 'extended',
          at: '2026-11-26T10:00:00.000Z',
          by: 'alice',
          reason: 'demo',
          from: '2026-11-27T12:00:00.000Z',
          to: '2026-11-29T12:00:00.000Z',
        },
      ],
    };
    const text = formatExpiry(view, new Date('2026-11-27T00:00:00.000Z')).join('\n');
    assert.match(text, /Expires at: 2026-11-29T12:00:00.000Z \(in 2d 12h\)/);
    assert.match(text, /Reminder: {3}1d before, at 2026-11-28T12:00:00.000Z: pending/);
    assert.match(text, /extended {3}by alice {2}2026-11-27T12:00:00.000Z -> 2026-11-29T12:00:00.000Z {2}\(demo\)/);
  });
});
