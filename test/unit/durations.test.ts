import assert from 'node:assert/strict';

import { DurationFormatError, formatDuration, parseDuration, tryParseDuration } from '../../src/domain/durations';
import { DEFAULT_TIMING } from '../../src/domain/request';

describe('parseDuration', () => {
  const valid: [string, number][] = [
    ['500ms', 500],
    ['0s', 0],
    ['30s', 30_000],
    ['20m', 1_200_000],
    ['6h', 21_600_000],
    ['2d', 172_800_000],
    ['90m', 5_400_000],
    ['007s', 7_000],
  ];
  for (const [text, ms] of valid) {
    it(`parses ${text} as ${ms} ms`, () => assert.equal(parseDuration(text), ms));
  }

  const invalid = [
    '',
    ' 30s',
    '30s ',
    '30',
    's',
    '-5m',
    '+5m',
    '1.5h',
    '1h30m',
    '30S',
    '30 s',
    '5w',
    '1e3s',
    'abc',
    '9'.repeat(16) + 's',
  ];
  for (const text of invalid) {
    it(`refuses ${JSON.stringify(text)}`, () => {
      assert.throws(
        () => parseDuration(text),
        (err: unknown) => {
          assert.ok(err instanceof DurationFormatError);
          assert.match(err.message, text === '' ? /empty/ : /not a duration|too large/);
          return true;
        }
      );
    });
  }

  it('explains the accepted forms', () => {
    assert.throws(() => parseDuration('1h30m'), /integer followed by one unit: ms, s, m, h or d/);
  });

  it('refuses amounts that overflow safe integers', () => {
    assert.throws(() => parseDuration('999999999999999d'), /too large/);
  });

  it('refuses non-strings at runtime', () => {
    assert.throws(() => parseDuration(30 as unknown as string), /expected a duration string, got number/);
  });

  it('parses every default timing value', () => {
    for (const value of Object.values(DEFAULT_TIMING)) assert.ok(parseDuration(value as string) > 0);
  });

  it('tryParseDuration returns undefined instead of throwing', () => {
    assert.equal(tryParseDuration('15m'), 900_000);
    assert.equal(tryParseDuration('15 minutes'), undefined);
    assert.equal(tryParseDuration(15), undefined);
    assert.equal(tryParseDuration(undefined), undefined);
  });
});

describe('formatDuration', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [500, '500ms'],
    [1_000, '1s'],
    [65_000, '1m 5s'],
    [3_900_000, '1h 5m'],
    [86_400_000, '1d'],
    [90_061_001, '1d 1h 1m 1s 1ms'],
    [2 * 86_400_000 + 3 * 3_600_000 + 10_000, '2d 3h 10s'],
    [-3_600_000, '-1h'],
    [1_499.6, '1s 500ms'],
  ];
  for (const [ms, text] of cases) {
    it(`formats ${ms} as ${text}`, () => assert.equal(formatDuration(ms), text));
  }

  it('round-trips single-unit durations through parseDuration', () => {
    for (const text of ['500ms', '30s', '20m', '6h', '2d']) assert.equal(formatDuration(parseDuration(text)), text);
  });

  it('shows non-finite values as they are', () => {
    assert.equal(formatDuration(Number.POSITIVE_INFINITY), 'Infinity');
    assert.equal(formatDuration(Number.NaN), 'NaN');
  });
});
