/**
 * Durations in requests are short strings (`500ms`, `30s`, `20m`, `6h`, `2d`): one integer amount and one unit.
 * Compound forms (`1h30m`), fractions and signs are refused so a value means exactly one thing.
 *
 * Pure: imported by workflow code.
 */

const UNIT_MS = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
} as const;

export type DurationUnit = keyof typeof UNIT_MS;

// At most 15 digits keeps every amount times every unit well inside Number.MAX_SAFE_INTEGER.
const DURATION_RE = /^(\d{1,15})(ms|s|m|h|d)$/;

/** Thrown by `parseDuration`; the message says what was wrong and shows accepted forms. */
export class DurationFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DurationFormatError';
  }
}

const ACCEPTED_FORMS =
  'use an integer followed by one unit: ms, s, m, h or d (for example "500ms", "30s", "20m", "6h", "2d")';

/** Parses `30s`-style durations to milliseconds; throws `DurationFormatError` on anything else. */
export function parseDuration(text: string): number {
  if (typeof text !== 'string') {
    throw new DurationFormatError(`expected a duration string, got ${typeof text}; ${ACCEPTED_FORMS}`);
  }
  if (text.length === 0) {
    throw new DurationFormatError(`the duration is empty; ${ACCEPTED_FORMS}`);
  }
  const match = DURATION_RE.exec(text);
  if (!match) {
    throw new DurationFormatError(`"${text.slice(0, 40)}" is not a duration; ${ACCEPTED_FORMS}`);
  }
  const amount = Number(match[1]);
  const ms = amount * UNIT_MS[match[2] as DurationUnit];
  if (!Number.isSafeInteger(ms)) {
    throw new DurationFormatError(`"${text}" is too large`);
  }
  return ms;
}

/** Like `parseDuration`, but returns undefined instead of throwing. */
export function tryParseDuration(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    return parseDuration(text);
  } catch {
    return undefined;
  }
}

/** Formats milliseconds for people: `1h 5m`, `2d 3h 10s`, `500ms`, `0s`. Every non-zero unit is shown. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const sign = ms < 0 ? '-' : '';
  let rest = Math.round(Math.abs(ms));
  if (rest === 0) return '0s';
  const parts: string[] = [];
  for (const unit of ['d', 'h', 'm', 's', 'ms'] as const) {
    const size = UNIT_MS[unit];
    const amount = Math.floor(rest / size);
    if (amount > 0) {
      parts.push(`${amount}${unit}`);
      rest -= amount * size;
    }
  }
  return sign + parts.join(' ');
}
