/**
 * Reads Secrets Manager values inside activities. The value goes straight to its use (a ModifyDBCluster call, a
 * database login) and never into results, errors, logs or heartbeats; errors name the secret's ARN only.
 */
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';

import type { FailureName } from '../domain/errors';

import type { AwsClientFactory } from './aws-clients';
import { failure, isAwsError, toActivityFailure } from './failures';

export interface SecretArn {
  region: string;
  accountId: string;
}

/** Parses a Secrets Manager secret ARN; undefined when it is not one. */
export function parseSecretArn(arn: string): SecretArn | undefined {
  const m = /^arn:aws[a-z-]*:secretsmanager:([a-z]{2}(?:-[a-z]+)+-\d+):(\d{12}):secret:[^\s]+$/.exec(arn);
  return m ? { region: m[1], accountId: m[2] } : undefined;
}

export interface ReadSecretOptions {
  /** Role to read it with (the target's role; cross-account secrets also need a resource policy). */
  roleArn?: string;
  /** What the secret is for, in messages: "the master password for cluster x in eu-west-1". */
  purpose: string;
  /** Request field that named the secret, in messages. */
  field: string;
  /** Failure to raise when the secret cannot be read (non-retryable). */
  failureName: FailureName;
}

/** The secret's current string value, read in the secret's own region and account. */
export async function readSecretString(
  clients: Pick<AwsClientFactory, 'secretsManager'>,
  secretArn: string,
  opts: ReadSecretOptions
): Promise<string> {
  const arn = parseSecretArn(secretArn);
  if (!arn) {
    throw failure(
      'InvalidRequest',
      `${opts.field} "${secretArn}" is not a Secrets Manager secret ARN ` +
        '(expected arn:aws:secretsmanager:<region>:<12-digit account>:secret:<name>).'
    );
  }
  const sm = clients.secretsManager({ region: arn.region, accountId: arn.accountId, roleArn: opts.roleArn });
  const unreadable = (why: string, awsError?: string) =>
    failure(opts.failureName, `Cannot read ${opts.purpose} from secret ${secretArn}: ${why}`, {
      secretArn,
      ...(awsError ? { awsError } : {}),
    });
  let secretString: string | undefined;
  try {
    const out = await sm.send(new GetSecretValueCommand({ SecretId: secretArn }));
    secretString = out.SecretString;
  } catch (err) {
    if (isAwsError(err, 'ResourceNotFoundException')) {
      throw unreadable(
        'the secret does not exist (or has no current version). Check the ARN, region and account.',
        err.name
      );
    }
    if (isAwsError(err, 'AccessDeniedException', 'AccessDenied')) {
      throw unreadable(
        "access denied. Allow secretsmanager:GetSecretValue on the secret for the worker's role (and the " +
          "target role), plus kms:Decrypt on the secret's KMS key; cross-account secrets also need a resource policy.",
        err.name
      );
    }
    if (isAwsError(err, 'DecryptionFailure')) {
      throw unreadable("its KMS key cannot decrypt it. Allow kms:Decrypt on the secret's key.", err.name);
    }
    if (isAwsError(err, 'InvalidRequestException', 'InvalidParameterException')) {
      throw unreadable(
        `${err.name} (the secret may be scheduled for deletion or disabled). Restore or recreate it.`,
        err.name
      );
    }
    throw toActivityFailure(err, `reading secret ${secretArn}`);
  }
  if (typeof secretString !== 'string') {
    throw unreadable('it holds a binary value. Store it as a string (or JSON with "password").');
  }
  return secretString;
}
