/**
 * Schema fields for AWS identifiers (regions, accounts, ARNs, RDS names, KMS keys), with the problem each refusal
 * names. The rules themselves are in identifiers.ts. Pure.
 */
import { z } from 'zod';

import { matching, rule, text, typeProblem, valid, type FieldOptions } from './fields';
import {
  ACCOUNT_ID_RE,
  parseKmsKeyRef,
  parseSnapshotArn,
  rdsIdentifierPattern,
  rdsIdentifierProblem,
  RDS_ID_RULE,
  ROLE_ARN_RE,
  snapshotIdentifierProblem,
} from './identifiers';
import { show } from './messages';
import { REGION_PATTERN, regionProblem } from './regions';

/** A region code the AWS SDK knows, or a new one of a partition's form (the rule is in regions.ts). */
export function region(o: FieldOptions = {}) {
  return text(o)
    .check(rule(regionProblem))
    .meta({ pattern: REGION_PATTERN, description: 'AWS region code, e.g. us-east-1' });
}

const stringTypeProblem = typeProblem('a string');

export const AccountId = z
  .string({
    error: (iss) =>
      iss.code === 'invalid_type' && typeof iss.input === 'number'
        ? `must be a string of exactly 12 digits, got the number ${iss.input}: quote it (a number loses leading zeros)`
        : stringTypeProblem(iss),
  })
  .check(
    rule((v: string) =>
      ACCOUNT_ID_RE.test(v)
        ? undefined
        : `${show(v)} is not an AWS account id: it must be exactly 12 digits, with no dashes or spaces`
    )
  )
  .meta({ pattern: ACCOUNT_ID_RE.source, description: '12-digit AWS account id, quoted' });

export const RoleArn = matching(
  ROLE_ARN_RE,
  (v) => `${show(v)} is not an IAM role ARN: expected "arn:aws:iam::<12-digit account>:role/<name>"`
).meta({ description: 'IAM role to assume, arn:aws:iam::<account>:role/<name>' });

/** The account of a valid role ARN. */
function roleAccount(arn: string): string | undefined {
  return ROLE_ARN_RE.exec(arn)?.[1];
}

/**
 * The problem when a section's roleArn is in another account than its accountId names (both valid), or undefined.
 * `section` names the section in the problem, e.g. `source`.
 */
export function roleAccountProblem(value: Record<string, unknown>, section: string): string | undefined {
  const roleArn = valid(RoleArn, value.roleArn);
  const accountId = valid(AccountId, value.accountId);
  if (roleArn === undefined || accountId === undefined || roleAccount(roleArn) === accountId) return undefined;
  return `the role is in account ${roleAccount(roleArn)} but ${section}.accountId is ${accountId}: use a role in account ${accountId}, or fix the account id`;
}

export function clusterId(o: FieldOptions = {}) {
  return matching(
    rdsIdentifierPattern(63),
    (v) =>
      `${show(v)} is not a valid DB cluster identifier: ${rdsIdentifierProblem(v)}. Use 1-63 ${RDS_ID_RULE} (e.g. "orders-restore")`,
    { ...o, exact: (v) => rdsIdentifierProblem(v) === undefined }
  );
}

/** Snapshot identifiers (manual, automated, AWS Backup) or cluster snapshot ARNs: looser than the code, never stricter. */
const SNAPSHOT_PATTERN =
  /^(arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:cluster-snapshot:.+|rds:[A-Za-z][A-Za-z0-9-]*-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}|awsbackup:[A-Za-z0-9-]{1,240}|[A-Za-z](?!.*--)[A-Za-z0-9-]{0,254}(?<!-))$/;

export const Snapshot = text()
  .check(
    rule((v: string) => {
      if (v.startsWith('arn:')) {
        if (parseSnapshotArn(v)) return undefined;
        return /^arn:aws[a-z-]*:rds:[^:]*:[^:]*:snapshot:/.test(v)
          ? `${show(v)} is a DB instance snapshot ARN: Aurora restores need a DB cluster snapshot ("...:cluster-snapshot:<id>")`
          : `${show(v)} is not a valid RDS cluster snapshot ARN: expected "arn:aws:rds:<region>:<12-digit account>:cluster-snapshot:<identifier>"`;
      }
      const why = snapshotIdentifierProblem(v);
      return why
        ? `${show(v)} is not a valid snapshot identifier: ${why}. Use 1-255 ${RDS_ID_RULE}, an automated snapshot id ("rds:<cluster>-YYYY-MM-DD-HH-MM") or a cluster snapshot ARN`
        : undefined;
    })
  )
  .meta({ pattern: SNAPSHOT_PATTERN.source, description: 'Snapshot identifier or cluster snapshot ARN' });

const KMS_KEY_PATTERN =
  /^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|mrk-[0-9a-fA-F]{32}|alias\/[A-Za-z0-9/_-]{1,250}|arn:aws[a-z-]*:kms:[^:]+:\d{12}:(key|alias)\/.+)$/;

export const KmsKeyId = text()
  .check(
    rule((v: string) =>
      parseKmsKeyRef(v)
        ? undefined
        : `${show(v)} is not a KMS key reference: use a key id (uuid), a multi-Region key id ("mrk-..."), an alias ("alias/my-key"), or a key or alias ARN ("arn:aws:kms:<region>:<account>:key/<id>")`
    )
  )
  .meta({ pattern: KMS_KEY_PATTERN.source, description: 'KMS key id, mrk- id, alias/..., key ARN or alias ARN' });

/** The problem when a KMS key ARN is in another region than the resources it encrypts, or undefined. */
export function kmsRegionProblem(keyId: string, region: string | undefined, regionField: string): string | undefined {
  const ref = parseKmsKeyRef(keyId);
  if (!ref || !('region' in ref) || region === undefined || ref.region === region) return undefined;
  return `the key is in region ${ref.region} but ${regionField} is ${region}: KMS keys are regional, so use a key in ${region}`;
}

/** A Secrets Manager secret ARN; anything not ARN-shaped is not shown (it may be a password in the wrong field). */
export function secretArn(re: RegExp, o: FieldOptions & { expected?: string } = {}) {
  return text({ ...o, secret: true })
    .check(
      rule((v: string) =>
        re.test(v)
          ? undefined
          : `${v.startsWith('arn:') ? show(v) : 'the value (not shown)'} is not a Secrets Manager secret ARN: ` +
            'expected "arn:aws:secretsmanager:<region>:<12-digit account>:secret:<name>"'
      )
    )
    .meta({ pattern: re.source, description: 'Secrets Manager secret ARN' });
}
