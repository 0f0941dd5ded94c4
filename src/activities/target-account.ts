/**
 * Which account a target's cluster really lives in, for the per-target lock: the account of `target.roleArn` when
 * the worker assumes a role (AWS acts in the role's account), otherwise the account of the worker's own
 * credentials (STS GetCallerIdentity, which needs no IAM permission:
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html). `target.accountId` never decides
 * it: without a role it only names what the requester expects, and two requests naming the same cluster with and
 * without it must take the same lock.
 */
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';

import type { AwsLocation } from '../domain/aws-shapes';

import { failure, toActivityFailure } from './failures';
import type { ResolveTargetAccountInput, ResolveTargetAccountOutput } from './types';

import type { ActivityDeps } from './index';

const ROLE_ARN_ACCOUNT = /^arn:aws[a-z-]*:iam::(\d{12}):role\//;

export function createTargetAccountActivities(deps: ActivityDeps) {
  /** The worker's own account per region's STS endpoint: it does not change while the worker runs. */
  const ownAccount = new Map<string, Promise<string>>();

  async function callerAccount(loc: AwsLocation): Promise<string> {
    const key = loc.region;
    let pending = ownAccount.get(key);
    if (!pending) {
      pending = deps.clients
        .sts({ region: loc.region })
        .send(new GetCallerIdentityCommand({}))
        .then((out) => {
          if (!out.Account) throw new Error('STS GetCallerIdentity returned no account');
          return out.Account;
        });
      ownAccount.set(key, pending);
      // A failed lookup is not remembered: the next attempt asks again.
      pending.catch(() => ownAccount.delete(key));
    }
    return pending;
  }

  return {
    async resolveTargetAccount(input: ResolveTargetAccountInput): Promise<ResolveTargetAccountOutput> {
      const { target } = input;
      if (target.roleArn) {
        const account = ROLE_ARN_ACCOUNT.exec(target.roleArn)?.[1];
        if (!account) {
          throw failure(
            'InvalidRequest',
            `target.roleArn ${target.roleArn} is not an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>).`
          );
        }
        return { accountId: account, from: 'role' };
      }
      try {
        return { accountId: await callerAccount(target), from: 'worker-credentials' };
      } catch (err) {
        throw toActivityFailure(err, `finding the account of the worker's own credentials in ${target.region}`);
      }
    },
  };
}
