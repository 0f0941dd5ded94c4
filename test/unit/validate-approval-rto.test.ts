import assert from 'node:assert/strict';

import { RequestValidationError, validateRestoreRequest } from '../../src/domain/validate';

import { FIXED_NOW, minimalRequest, validateOptions } from './fixtures';

type Loose = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function withFields(fields: Loose): Loose {
  return { ...(structuredClone(minimalRequest()) as Loose), ...fields };
}

function problemsOf(input: unknown, opts = validateOptions(FIXED_NOW)): string[] {
  try {
    validateRestoreRequest(input, opts);
  } catch (err) {
    assert.ok(err instanceof RequestValidationError, `expected RequestValidationError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail('expected the request to be refused');
}

const REPLACE = { replace: { existing: true } };

describe('validateRestoreRequest: approval and rto', () => {
  it('leaves both out by default', () => {
    const request = validateRestoreRequest(minimalRequest(), validateOptions(FIXED_NOW));
    assert.equal(request.approval, undefined);
    assert.equal(request.rtoMs, undefined);
    assert.equal('approval' in request, false, 'no undefined keys in workflow history');
  });

  it('applies the approval defaults: 24h timeout, notify on', () => {
    const request = validateRestoreRequest(
      withFields({ ...REPLACE, approval: { required: true } }),
      validateOptions(FIXED_NOW)
    );
    assert.deepEqual(request.approval, { required: true, timeoutMs: 24 * 3_600_000, notify: true });
  });

  it('takes the timeout and notify given', () => {
    const request = validateRestoreRequest(
      withFields({ ...REPLACE, approval: { required: true, timeout: '4h', notify: false }, rto: '2h' }),
      validateOptions(FIXED_NOW)
    );
    assert.deepEqual(request.approval, { required: true, timeoutMs: 4 * 3_600_000, notify: false });
    assert.equal(request.rtoMs, 2 * 3_600_000);
  });

  it('treats required: false as no approval', () => {
    const request = validateRestoreRequest(
      withFields({ ...REPLACE, approval: { required: false, timeout: '4h' } }),
      validateOptions(FIXED_NOW)
    );
    assert.equal(request.approval, undefined);
  });

  const bad: { name: string; fields: Loose; match: RegExp }[] = [
    { name: 'approval not an object', fields: { ...REPLACE, approval: true }, match: /^approval: must be an object/ },
    {
      name: 'required as a string',
      fields: { ...REPLACE, approval: { required: 'yes' } },
      match: /^approval\.required: must be true or false/,
    },
    {
      name: 'compound timeout',
      fields: { ...REPLACE, approval: { required: true, timeout: '1h30m' } },
      match: /^approval\.timeout: "1h30m" is not a duration/,
    },
    {
      name: 'timeout too long',
      fields: { ...REPLACE, approval: { required: true, timeout: '8d' } },
      match: /^approval\.timeout: "8d" is out of range: it must be between 1m and 7d/,
    },
    {
      name: 'timeout as a number',
      fields: { ...REPLACE, approval: { required: true, timeout: 3600 } },
      match: /^approval\.timeout: must be a duration string/,
    },
    {
      name: 'misspelled field',
      fields: { ...REPLACE, approval: { required: true, timout: '4h' } },
      match: /did you mean "timeout"/,
    },
    {
      name: 'approval without replace.existing',
      fields: { approval: { required: true } },
      match: /^approval\.required: has nothing to guard without replace\.existing: true/,
    },
    { name: 'rto as a number', fields: { rto: 7200 }, match: /^rto: must be a duration string/ },
    { name: 'rto not a duration', fields: { rto: 'two hours' }, match: /^rto: "two hours" is not a duration/ },
    { name: 'rto too short', fields: { rto: '30s' }, match: /^rto: "30s" is out of range: it must be between 1m/ },
  ];
  for (const c of bad) {
    it(`refuses ${c.name}, with one clear problem`, () => {
      const problems = problemsOf(withFields(c.fields));
      assert.equal(problems.length, 1, problems.join('\n'));
      assert.match(problems[0], c.match);
    });
  }

  it('treats both as unknown fields when validating for restores recorded before they existed', () => {
    const problems = problemsOf(withFields({ ...REPLACE, approval: { required: true }, rto: '2h' }), {
      ...validateOptions(FIXED_NOW),
      withoutApprovalAndRto: true,
    });
    assert.equal(problems.length, 2, problems.join('\n'));
    assert.match(problems[0], /^approval: unknown field "approval"/);
    assert.match(problems[1], /^rto: unknown field "rto"/);
  });
});
