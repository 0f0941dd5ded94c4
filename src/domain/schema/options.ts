/**
 * The request's smaller sections: copy, replace, masterPassword, timing, notifications, expiry, approval, rto and
 * the operation id. Rules that span sections are in request.ts. Pure.
 */
import { z } from 'zod';

import { formatDuration, parseDuration, tryParseDuration } from '../durations';
import { ISO_RE, parseExpiryTime } from '../expiry';
import { DEFAULT_APPROVAL_TIMEOUT, DEFAULT_TIMING, MAX_EXPIRY_MS, MIN_EXPIRY_MS, type TimingKey } from '../request';

import { KmsKeyId, secretArn } from './aws';
import {
  ALWAYS,
  duration,
  flag,
  addProblem,
  matching,
  rule,
  section,
  text,
  unknownKeys,
  valid,
  wrongType,
} from './fields';
import { OPERATION_ID_RE, REGION_RE, SECRET_ARN_RE, TOPIC_ARN_RE } from './identifiers';
import { isPlainObject, kindOf, PASSWORD_KEY_RE, PASSWORD_REFUSED, show } from './messages';

export const OperationId = matching(
  OPERATION_ID_RE,
  (v) =>
    `${show(v)} is not a valid operation id: use 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit, or omit it to have one generated`
).meta({ description: 'Correlation id for tags, notifications and logs; default: generated (op-<epoch>-<hex8>)' });

export const CopySchema = section(
  {
    kmsKeyId: KmsKeyId.optional().meta({
      description: 'Key in the target region/account for the copy; required when an encrypted snapshot is copied',
    }),
    keep: flag().default(false).meta({ description: 'Keep the snapshot copy after a successful restore' }),
    force: flag().default(false).meta({ description: 'Copy even when the snapshot is already in place' }),
  },
  'with kmsKeyId, keep and force'
);

const MasterSecretArn = secretArn(SECRET_ARN_RE);

const Manage = z.literal(true, {
  error: (iss) =>
    iss.input === false
      ? 'false is not an option: set manage to true to let RDS manage the password, use secretArn, or remove masterPassword to keep the password stored in the snapshot'
      : wrongType('true or false (a JSON boolean, not a string)', iss.input),
});

/** How the restored cluster gets its master password: from a secret, or managed by RDS. Never the password. */
export const MasterPasswordSchema = section(
  {
    secretArn: MasterSecretArn.optional(),
    manage: Manage.optional(),
    kmsKeyId: KmsKeyId.optional().meta({ description: 'Only with manage: the key of the RDS-managed secret' }),
  },
  'with either secretArn or manage: true',
  {
    // Never echo it: a string here is most likely the password itself.
    notObject: (input) =>
      `must be an object, either {"secretArn": "<Secrets Manager ARN>"} or {"manage": true}; got ${kindOf(input)} (not shown). ${PASSWORD_REFUSED}`,
  }
)
  .superRefine((mp, ctx) => {
    if (!isPlainObject(mp)) return;
    const hasSecret = mp.secretArn !== undefined;
    const manageGiven = mp.manage !== undefined;
    if (hasSecret && manageGiven) {
      addProblem(
        ctx,
        [],
        'has both secretArn and manage: choose one (secretArn sets the password from your secret; manage lets RDS generate and store it)'
      );
    } else if (!hasSecret && !manageGiven && !unknownKeys(ctx).some((k) => PASSWORD_KEY_RE.test(k))) {
      addProblem(
        ctx,
        [],
        "needs secretArn (a Secrets Manager secret holding the password) or manage: true (RDS manages it); remove masterPassword to keep the snapshot's password"
      );
    }
    if (hasSecret && typeof mp.kmsKeyId === 'string') {
      addProblem(
        ctx,
        ['kmsKeyId'],
        'only applies with manage: true (it encrypts the secret RDS creates): remove it, your secret keeps its own key'
      );
    }
  }, ALWAYS)
  .transform((mp): { secretArn: string } | { manage: true; kmsKeyId?: string } =>
    mp.secretArn !== undefined
      ? { secretArn: mp.secretArn }
      : { manage: true as const, ...(mp.kmsKeyId !== undefined ? { kmsKeyId: mp.kmsKeyId } : {}) }
  )
  .meta({ oneOf: [{ required: ['secretArn'] }, { required: ['manage'] }] });

const TIMING_KEYS = Object.keys(DEFAULT_TIMING) as TimingKey[];

/** Allowed range per timing field, in ms. */
const TIMING_RANGES: Record<TimingKey, { min: number; max: number; minText: string; maxText: string }> = {
  pollInterval: { min: 5_000, max: 1_800_000, minText: '5s', maxText: '30m' },
  copyTimeout: { min: 60_000, max: 30 * 86_400_000, minText: '1m', maxText: '30d' },
  deleteTimeout: { min: 60_000, max: 30 * 86_400_000, minText: '1m', maxText: '30d' },
  restoreTimeout: { min: 60_000, max: 30 * 86_400_000, minText: '1m', maxText: '30d' },
  instancesTimeout: { min: 60_000, max: 30 * 86_400_000, minText: '1m', maxText: '30d' },
  deadline: { min: 300_000, max: 90 * 86_400_000, minText: '5m', maxText: '90d' },
};

const TIMING_DESCRIPTIONS: Record<TimingKey, string> = {
  pollInterval: 'Interval between status checks',
  copyTimeout: 'Longest wait for the snapshot copy',
  deleteTimeout: 'Longest wait for the old target cluster to be deleted',
  restoreTimeout: 'Longest wait for the restored cluster to become available',
  instancesTimeout: 'Longest wait for the instances to become available',
  deadline: 'Overall deadline for the whole restore',
};

function timingField(key: TimingKey) {
  const example = DEFAULT_TIMING[key];
  const range = TIMING_RANGES[key];
  return duration({
    example,
    after: ': a bare number has no unit',
    notDuration: (v) =>
      `${show(v)} is not a duration: use an integer and one unit, ms, s, m, h or d (e.g. "${example}"; "90m" rather than "1h30m")`,
    range: {
      min: range.min,
      max: range.max,
      problem: (v) =>
        `${show(v)} is out of range: ${key} must be between ${range.minText} and ${range.maxText} (default ${example})`,
    },
  })
    .optional()
    .meta({ default: example, description: `${TIMING_DESCRIPTIONS[key]} (${range.minText}..${range.maxText})` });
}

const TIMING_FIELDS = Object.fromEntries(TIMING_KEYS.map((key) => [key, timingField(key)])) as Record<
  TimingKey,
  ReturnType<typeof timingField>
>;

/** The timing in ms: given values, defaults for the rest. */
function resolvedTimingMs(timing: Record<string, unknown>): Record<TimingKey, number> {
  return Object.fromEntries(
    TIMING_KEYS.map((key) => [key, parseDuration(valid(TIMING_FIELDS[key], timing[key]) ?? DEFAULT_TIMING[key])])
  ) as Record<TimingKey, number>;
}

export const TimingSchema = section(TIMING_FIELDS, 'of duration strings such as "30s" or "12h"').superRefine(
  (timing, ctx) => {
    if (!isPlainObject(timing)) return;
    const ms = resolvedTimingMs(timing);
    const given = (key: TimingKey): boolean => valid(TIMING_FIELDS[key], timing[key]) !== undefined;
    for (const key of TIMING_KEYS) {
      if (key === 'pollInterval' || key === 'deadline') continue;
      if (ms.pollInterval > ms[key] && (given('pollInterval') || given(key))) {
        addProblem(
          ctx,
          ['pollInterval'],
          `is longer than timing.${key}: the wait would time out before its second status check. Shorten pollInterval or lengthen ${key}`
        );
      }
    }
  },
  ALWAYS
);

export const TopicArn = text()
  .check(
    rule((v: string) => {
      const m = TOPIC_ARN_RE.exec(v);
      return m && REGION_RE.test(m[1]) && m[3].length <= 256
        ? undefined
        : `${show(v)} is not an SNS topic ARN: expected "arn:aws:sns:<region>:<12-digit account>:<topic name>" (name: 1-256 letters, digits, "-" or "_", optional ".fifo")`;
    })
  )
  .meta({ pattern: TOPIC_ARN_RE.source, description: 'SNS topic for start, success and failure notifications' });

export const NotificationsSchema = section({ topicArn: TopicArn.optional() }, 'with topicArn');

const EXPIRY_RANGE = `between ${formatDuration(MIN_EXPIRY_MS)} and ${formatDuration(MAX_EXPIRY_MS)}`;

function expiryDuration(example: string, range: { min: number; max: number; problem: (v: string) => string }) {
  return duration({
    example,
    expected: `a duration string such as "${example}" (number + m/h/d)`,
    negative: true,
    notDuration: (v) => `${show(v)} is not a duration: use an integer and one unit, m, h or d (e.g. "${example}")`,
    range,
  });
}

const ExpiryAfter = expiryDuration('7d', {
  min: MIN_EXPIRY_MS,
  max: MAX_EXPIRY_MS,
  problem: (v) => `${show(v)} is out of range: the time to live must be ${EXPIRY_RANGE}`,
});

export const ExpiryAt = z
  .string({ error: (iss) => `must be an ISO 8601 date-time string, got ${typeof iss.input}` })
  .check(
    rule((v: string) => {
      const parsed = parseExpiryTime(v);
      return typeof parsed === 'string' ? parsed : undefined;
    })
  )
  .meta({
    pattern: ISO_RE.source,
    description: `Absolute expiry time, ISO 8601 with a time zone, ${EXPIRY_RANGE} after the start`,
  });

export const RemindBefore = expiryDuration('24h', {
  min: 1,
  max: Number.MAX_SAFE_INTEGER,
  problem: (v) => `${show(v)} is zero: give a positive duration or leave it out`,
});

export const ExpirySchema = section(
  {
    after: ExpiryAfter.optional().meta({ description: `Time to live from the end of the restore, ${EXPIRY_RANGE}` }),
    at: ExpiryAt.optional(),
    remindBefore: RemindBefore.optional().meta({
      description: 'Reminder this long before the deletion; default 24h, or half a shorter lifetime',
    }),
    disableDeletionProtection: flag().default(false),
  },
  'with after or at (and optional remindBefore)'
)
  .superRefine((e, ctx) => {
    if (!isPlainObject(e)) return;
    if (e.after !== undefined && e.at !== undefined) {
      addProblem(ctx, [], 'give either after (a time to live, e.g. "7d") or at (an ISO date-time), not both');
    } else if (e.after === undefined && e.at === undefined) {
      addProblem(
        ctx,
        [],
        'needs after (a time to live such as "7d") or at (an ISO date-time such as "2026-12-24T18:00:00Z")'
      );
    }
    // The lifetime of an `at` expiry depends on the restore's clock: validate.ts checks the reminder against it.
    const after = valid(ExpiryAfter, e.after);
    const remind = valid(RemindBefore, e.remindBefore);
    if (after !== undefined && e.at === undefined && remind !== undefined) {
      const lifetimeMs = parseDuration(after);
      if (parseDuration(remind) >= lifetimeMs) {
        addProblem(ctx, ['remindBefore'], remindTooLate(remind, lifetimeMs));
      }
    }
  }, ALWAYS)
  .meta({ oneOf: [{ required: ['after'] }, { required: ['at'] }] });

export function remindTooLate(remindBefore: string, lifetimeMs: number): string {
  return `${show(remindBefore)} is not shorter than the cluster's lifetime (${formatDuration(lifetimeMs)}): the reminder would come before the cluster exists. Shorten remindBefore`;
}

/** Whether `remindBefore` reads as a duration (the reminder needs a topic even when it is out of range). */
export function isDurationText(v: unknown): boolean {
  return typeof v === 'string' && !v.startsWith('-') && tryParseDuration(v) !== undefined;
}

/** A range of durations written as their ends ("1m", "7d"); its problem names both ends. */
function between(minText: string, maxText: string) {
  return {
    min: parseDuration(minText),
    max: parseDuration(maxText),
    problem: (v: string) => `${show(v)} is out of range: it must be between ${minText} and ${maxText}`,
  };
}

export const ApprovalTimeout = duration({ example: '4h', range: between('1m', '7d') });

export const ApprovalSchema = section(
  {
    required: flag().default(false).meta({ description: 'Wait for an approve update before deleting the target' }),
    timeout: ApprovalTimeout.optional().meta({
      default: DEFAULT_APPROVAL_TIMEOUT,
      description: 'Longest wait (1m..7d)',
    }),
    notify: flag().default(true).meta({ description: 'Send an approval-required notification' }),
  },
  'with required, timeout and notify'
);

export const Rto = duration({ example: '2h', range: between('1m', '30d') }).meta({
  description: 'Recovery time objective (1m..30d); an rto-breached notification when it passes',
});

const REPLACE_STRATEGIES = ['swap', 'delete-first'] as const;
const PREVIOUS_ACTIONS = ['delete', 'keep', 'stop'] as const;

const ReplaceStrategyField = z.enum(REPLACE_STRATEGIES, {
  error: (iss) =>
    typeof iss.input === 'string'
      ? `${show(iss.input)} is not a replace strategy: use "swap" (default: restore beside the old cluster, then swap names) or "delete-first" (delete the old cluster first: needs no room for a second cluster, but the target is down for the whole restore)`
      : wrongType('a string', iss.input),
});

const PreviousAction = z.enum(PREVIOUS_ACTIONS, {
  error: (iss) =>
    typeof iss.input === 'string'
      ? `${show(iss.input)} is not an option: use "delete" (default), "keep" (for keepFor, then deleted) or "stop"`
      : wrongType('a string', iss.input),
});

/** How long a kept previous cluster lives (swap with previous: keep): the cluster expiry's range. */
export const KeepPreviousFor = expiryDuration('7d', {
  min: MIN_EXPIRY_MS,
  max: MAX_EXPIRY_MS,
  problem: (v) => `${show(v)} is out of range: keepFor must be ${EXPIRY_RANGE}`,
});

export const DEFAULT_KEEP_PREVIOUS_FOR = '7d';

export const ReplaceSchema = section(
  {
    existing: flag().default(false).meta({ description: 'Replace an existing target cluster' }),
    disableDeletionProtection: flag()
      .default(false)
      .meta({ description: 'Turn off deletion protection on the cluster being replaced' }),
    strategy: ReplaceStrategyField.optional().meta({
      default: 'swap',
      description:
        'swap: restore beside the old cluster under temporary names, verify, then swap the names (downtime: the ' +
        'swap); delete-first: delete the old cluster, then restore (downtime: the whole restore)',
    }),
    previous: PreviousAction.optional().meta({
      default: 'delete',
      description: 'With swap: what happens to the old cluster after the swap (delete, keep for keepFor, or stop)',
    }),
    keepFor: KeepPreviousFor.optional().meta({
      default: DEFAULT_KEEP_PREVIOUS_FOR,
      description: 'With previous: keep: how long the old cluster is kept before its expiry deletes it',
    }),
  },
  'with existing, disableDeletionProtection, strategy, previous and keepFor'
).superRefine((r, ctx) => {
  if (!isPlainObject(r)) return;
  if (r.strategy === 'delete-first' && r.previous !== undefined) {
    addProblem(
      ctx,
      ['previous'],
      'only applies with strategy: swap (delete-first deletes the old cluster before the restore): remove it or use strategy: swap'
    );
  }
  if (r.keepFor !== undefined && r.previous !== 'keep') {
    addProblem(ctx, ['keepFor'], 'only applies with previous: keep: remove it or set previous to "keep"');
  }
}, ALWAYS);
