import assert from 'node:assert/strict';

import {
  classifyClusterStatus,
  classifyInstanceStatus,
  classifySnapshotStatus,
  statusHint,
  TERMINAL_STATUSES,
} from '../../src/domain/aws-status';

describe('aws-status', () => {
  it('available is ready for every resource', () => {
    assert.equal(classifyClusterStatus('available'), 'ready');
    assert.equal(classifyInstanceStatus('available'), 'ready');
    assert.equal(classifySnapshotStatus('available'), 'ready');
  });

  it('transitional statuses are in progress', () => {
    for (const s of [
      'creating',
      'backing-up',
      'modifying',
      'resetting-master-credentials',
      'upgrading',
      'rebooting',
      'renaming',
      'starting',
      'storage-optimization',
    ]) {
      assert.equal(classifyClusterStatus(s), 'in-progress', s);
      assert.equal(classifyInstanceStatus(s), 'in-progress', s);
    }
    for (const s of ['creating', 'copying', 'pending']) assert.equal(classifySnapshotStatus(s), 'in-progress', s);
  });

  it('unknown and empty statuses are in progress (bounded by the wait timeout)', () => {
    assert.equal(classifyClusterStatus('some-new-status-2030'), 'in-progress');
    assert.equal(classifyInstanceStatus(undefined), 'in-progress');
    assert.equal(classifySnapshotStatus(''), 'in-progress');
    assert.equal(statusHint('some-new-status-2030'), undefined);
  });

  it('failure statuses are terminal', () => {
    for (const s of [
      'failed',
      'incompatible-restore',
      'incompatible-parameters',
      'incompatible-network',
      'inaccessible-encryption-credentials',
      'inaccessible-encryption-credentials-recoverable',
      'incompatible-option-group',
      'storage-full',
      'restore-error',
      'insufficient-capacity',
      'deleting',
      'stopped',
    ]) {
      assert.equal(classifyClusterStatus(s), 'terminal', `cluster ${s}`);
      assert.equal(classifyInstanceStatus(s), 'terminal', `instance ${s}`);
    }
    for (const s of ['failed', 'error', 'deleting'])
      assert.equal(classifySnapshotStatus(s), 'terminal', `snapshot ${s}`);
    assert.equal(classifySnapshotStatus('stopped'), 'in-progress', 'stopped means nothing for a snapshot');
  });

  it('normalizes case and whitespace', () => {
    assert.equal(classifyClusterStatus(' Available '), 'ready');
    assert.equal(classifyInstanceStatus('FAILED'), 'terminal');
  });

  it('every terminal status has a hint saying what to do', () => {
    for (const list of Object.values(TERMINAL_STATUSES)) {
      for (const s of list) {
        const hint = statusHint(s);
        assert.ok(hint && hint.length > 20, `no hint for ${s}`);
      }
    }
  });

  it('hints point at the cause', () => {
    assert.match(statusHint('inaccessible-encryption-credentials') ?? '', /KMS key.*kms:CreateGrant/s);
    assert.match(statusHint('inaccessible-encryption-credentials-recoverable') ?? '', /within 7 days/);
    assert.match(statusHint('incompatible-network') ?? '', /target\.dbSubnetGroupName/);
    assert.match(statusHint('incompatible-parameters') ?? '', /parameter group/);
    assert.match(statusHint('insufficient-capacity') ?? '', /target\.instanceClass/);
    assert.equal(statusHint('available'), undefined);
    assert.equal(statusHint('creating'), undefined);
  });
});
