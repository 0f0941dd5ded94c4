/**
 * Preflight activities for the plan (dry run): read-only checks that what the restore would use in the target exists
 * and is usable, so a restore does not fail an hour in, after the copy, on a missing subnet group or a disabled key.
 *
 * Only Describe/List calls. A missing or unusable resource is a finding, returned as a problem (never thrown);
 * anything else (throttling, outages, the worker's own missing permissions) is an infrastructure error and is
 * thrown as a typed failure, retried like every other call.
 */
import { DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { DescribeKeyCommand, ListAliasesCommand } from '@aws-sdk/client-kms';
import type { KeyMetadata } from '@aws-sdk/client-kms';
import {
  DescribeDBClusterParameterGroupsCommand,
  DescribeDBParameterGroupsCommand,
  DescribeDBSubnetGroupsCommand,
} from '@aws-sdk/client-rds';

import type { AwsLocation } from '../domain/aws-shapes';
import type { PlanProblem } from '../domain/plan';

import type { AwsClientFactory } from './aws-clients';
import { failure, isAwsError, toActivityFailure } from './failures';
import type { KmsKeyCheckInput, PreflightInput, PreflightKmsKey, PreflightOutput } from './types';

export interface PreflightActivityDeps {
  clients: AwsClientFactory;
}

/** Key states in which KMS refuses to encrypt (and RDS to copy or restore) under the key. */
const UNUSABLE_KEY_STATES: Record<string, string> = {
  Disabled: 'is disabled: enable it (aws kms enable-key) or choose another key',
  PendingDeletion: 'is scheduled for deletion: cancel the deletion (aws kms cancel-key-deletion) or choose another key',
  PendingReplicaDeletion: 'is scheduled for deletion: choose another key',
  PendingImport: 'has no key material yet: import it or choose another key',
  Unavailable: 'is unavailable (its custom key store is disconnected): reconnect the key store or choose another key',
  Creating: 'is still being created: wait until it is enabled and plan again',
};

function inWhere(loc: AwsLocation): string {
  return `${loc.region}${loc.accountId ? ` (account ${loc.accountId})` : ''}`;
}

export function createPreflightActivities(deps: PreflightActivityDeps) {
  const { clients } = deps;

  /** Subnet group's VPC, or a problem when it does not exist. */
  async function checkSubnetGroup(loc: AwsLocation, name: string, problems: PlanProblem[]) {
    try {
      const out = await clients.rds(loc).send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: name }));
      const group = out.DBSubnetGroups?.find((g) => g.DBSubnetGroupName === name);
      if (group) return group.VpcId;
    } catch (err) {
      if (!isAwsError(err, 'DBSubnetGroupNotFoundFault')) {
        throw toActivityFailure(err, `describing DB subnet group ${name} in ${inWhere(loc)}`);
      }
    }
    problems.push({
      code: 'SubnetGroupNotFound',
      field: 'target.dbSubnetGroupName',
      message:
        `DB subnet group "${name}" does not exist in ${inWhere(loc)}: the restore would fail. Create it ` +
        '(aws rds create-db-subnet-group) or set target.dbSubnetGroupName to an existing one.',
    });
    return undefined;
  }

  async function checkSecurityGroups(
    loc: AwsLocation,
    ids: string[],
    vpcId: string | undefined,
    problems: PlanProblem[]
  ) {
    let found: { GroupId?: string; VpcId?: string }[];
    try {
      // A group-id filter lists the groups that exist; asking by GroupIds fails on the first missing one instead.
      const out = await clients
        .ec2(loc)
        .send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-id', Values: ids }] }));
      found = out.SecurityGroups ?? [];
    } catch (err) {
      throw toActivityFailure(err, `describing VPC security groups ${ids.join(', ')} in ${inWhere(loc)}`);
    }
    for (const id of ids) {
      const group = found.find((g) => g.GroupId === id);
      if (!group) {
        problems.push({
          code: 'SecurityGroupNotFound',
          field: 'target.vpcSecurityGroupIds',
          message:
            `VPC security group ${id} does not exist in ${inWhere(loc)}: the restore would fail. Remove it from ` +
            'target.vpcSecurityGroupIds or use the id of an existing group (aws ec2 describe-security-groups).',
        });
      } else if (vpcId && group.VpcId && group.VpcId !== vpcId) {
        problems.push({
          code: 'SecurityGroupInOtherVpc',
          field: 'target.vpcSecurityGroupIds',
          message:
            `VPC security group ${id} is in ${group.VpcId}, but DB subnet group's VPC is ${vpcId}: RDS refuses ` +
            'security groups of another VPC. Use groups of the subnet group VPC.',
        });
      }
    }
  }

  async function checkClusterParameterGroup(loc: AwsLocation, name: string, problems: PlanProblem[]) {
    try {
      const out = await clients
        .rds(loc)
        .send(new DescribeDBClusterParameterGroupsCommand({ DBClusterParameterGroupName: name }));
      if (out.DBClusterParameterGroups?.some((g) => g.DBClusterParameterGroupName === name)) return;
    } catch (err) {
      if (!isAwsError(err, 'DBParameterGroupNotFoundFault')) {
        throw toActivityFailure(err, `describing DB cluster parameter group ${name} in ${inWhere(loc)}`);
      }
    }
    problems.push({
      code: 'ClusterParameterGroupNotFound',
      field: 'target.dbClusterParameterGroupName',
      message:
        `DB cluster parameter group "${name}" does not exist in ${inWhere(loc)}: the restore would fail. Create it ` +
        '(aws rds create-db-cluster-parameter-group) or remove target.dbClusterParameterGroupName to use the default.',
    });
  }

  async function checkParameterGroup(loc: AwsLocation, name: string, problems: PlanProblem[]) {
    try {
      const out = await clients.rds(loc).send(new DescribeDBParameterGroupsCommand({ DBParameterGroupName: name }));
      // AWS answers DBParameterGroupNotFound; moto answers an empty list. Both mean missing.
      if (out.DBParameterGroups?.some((g) => g.DBParameterGroupName === name)) return;
    } catch (err) {
      if (!isAwsError(err, 'DBParameterGroupNotFoundFault')) {
        throw toActivityFailure(err, `describing DB parameter group ${name} in ${inWhere(loc)}`);
      }
    }
    problems.push({
      code: 'ParameterGroupNotFound',
      field: 'target.dbParameterGroupName',
      message:
        `DB parameter group "${name}" does not exist in ${inWhere(loc)}: creating the instances would fail after the ` +
        'cluster was restored. Create it (aws rds create-db-parameter-group) or remove target.dbParameterGroupName.',
    });
  }

  /** The key's metadata, or a problem when the caller cannot see or use it. */
  async function describeKey(
    loc: AwsLocation,
    key: { field: string; keyId: string; purpose: string },
    problems: PlanProblem[],
    deniedIsProblem = true
  ): Promise<KeyMetadata | undefined> {
    const subject = `KMS key ${key.keyId} (to ${key.purpose})`;
    try {
      const out = await clients.kms(loc).send(new DescribeKeyCommand({ KeyId: key.keyId }));
      return out.KeyMetadata;
    } catch (err) {
      if (isAwsError(err, 'NotFoundException')) {
        problems.push({
          code: 'KmsKeyNotUsable',
          field: key.field,
          message:
            `${subject} does not exist in ${inWhere(loc)}. KMS keys are regional and per account: give a key ` +
            `(id, alias or ARN) of ${inWhere(loc)}.`,
        });
        return undefined;
      }
      if (isAwsError(err, 'AccessDeniedException')) {
        if (!deniedIsProblem) return undefined;
        problems.push({
          code: 'KmsKeyNotUsable',
          field: key.field,
          message:
            `${subject} cannot be used from ${inWhere(loc)}: access denied. Allow the account (and the worker's role) ` +
            'kms:DescribeKey, kms:CreateGrant, kms:Encrypt and kms:Decrypt in the key policy, or choose another key.',
        });
        return undefined;
      }
      throw toActivityFailure(err, `describing ${subject} in ${inWhere(loc)}`);
    }
  }

  async function checkTargetKey(
    loc: AwsLocation,
    key: PreflightKmsKey,
    problems: PlanProblem[],
    deniedIsProblem = true
  ) {
    const meta = await describeKey(loc, key, problems, deniedIsProblem);
    if (!meta) return;
    const subject = `KMS key ${key.keyId} (to ${key.purpose})`;
    const state = meta.KeyState ?? (meta.Enabled === false ? 'Disabled' : 'Enabled');
    const why = UNUSABLE_KEY_STATES[state];
    if (why) {
      problems.push({ code: 'KmsKeyNotUsable', field: key.field, message: `${subject} ${why}.` });
      return;
    }
    const account = key.customerManagedInAccount;
    if (account && meta.KeyManager === 'AWS') {
      problems.push({
        code: 'KmsKeyNotUsable',
        field: key.field,
        message: `${subject} is an AWS-managed key, which cannot encrypt a copy for another account: give a customer-managed key of account ${account}.`,
      });
    } else if (account && meta.AWSAccountId && meta.AWSAccountId !== account) {
      problems.push({
        code: 'KmsKeyNotUsable',
        field: key.field,
        message: `${subject} belongs to account ${meta.AWSAccountId}, not to the target account ${account}: give a key of account ${account}.`,
      });
    }
  }

  /** True when `kmsKeyId` is (or is an alias of) an AWS-managed key such as aws/rds. */
  async function isAwsManagedKey(loc: AwsLocation, kmsKeyId: string, problems: PlanProblem[]): Promise<boolean> {
    if (kmsKeyId.startsWith('alias/aws/') || /:alias\/aws\//.test(kmsKeyId)) return true;
    const meta = await describeKey(
      loc,
      { field: 'source.snapshot', keyId: kmsKeyId, purpose: 'decrypt the source snapshot' },
      problems
    );
    if (!meta) return false;
    if (meta.KeyManager === 'AWS') return true;
    try {
      // Emulators may report the default key as customer-managed; its alias still names it.
      const out = await clients.kms(loc).send(new ListAliasesCommand({ KeyId: meta.KeyId }));
      return (out.Aliases ?? []).some((a) => a.AliasName?.startsWith('alias/aws/'));
    } catch (err) {
      throw toActivityFailure(err, `listing the aliases of KMS key ${kmsKeyId} in ${inWhere(loc)}`);
    }
  }

  return {
    /**
     * The restore's key check, before anything is shared, copied or deleted: a key that does not exist in the
     * target's region and account, or that KMS would refuse to use (disabled, pending deletion, AWS-managed for a
     * cross-account copy), fails the restore at once with a non-retryable `KmsKeyNotAccessible` naming the key, the
     * region and what to do. A key the worker may not describe is left for RDS to judge: its grants may allow it.
     */
    async checkKmsKeys(input: KmsKeyCheckInput): Promise<{ checked: string[] }> {
      const problems: PlanProblem[] = [];
      for (const key of input.kmsKeys) await checkTargetKey(input.target, key, problems, false);
      if (problems.length === 0) return { checked: input.kmsKeys.map((k) => k.keyId) };
      throw failure(
        'KmsKeyNotAccessible',
        `${problems.map((p) => `${p.field}: ${p.message}`).join(' ')} Nothing was changed: fix ` +
          `${[...new Set(problems.map((p) => p.field))].join(' and ')} and start the restore again.`,
        { fields: problems.map((p) => p.field), region: input.target.region }
      );
    },

    /**
     * Read-only checks of the target's subnet group, security groups, parameter groups and KMS keys, and of a
     * cross-account snapshot's key. Returns every problem found; throws only for infrastructure errors.
     */
    async preflightTarget(input: PreflightInput): Promise<PreflightOutput> {
      const { target } = input;
      const problems: PlanProblem[] = [];
      let vpcId: string | undefined;
      if (input.dbSubnetGroupName) vpcId = await checkSubnetGroup(target, input.dbSubnetGroupName, problems);
      if (input.vpcSecurityGroupIds?.length) {
        await checkSecurityGroups(target, input.vpcSecurityGroupIds, vpcId, problems);
      }
      if (input.dbClusterParameterGroupName) {
        await checkClusterParameterGroup(target, input.dbClusterParameterGroupName, problems);
      }
      if (input.dbParameterGroupName) await checkParameterGroup(target, input.dbParameterGroupName, problems);
      for (const key of input.kmsKeys) await checkTargetKey(target, key, problems);

      const source = input.sourceSnapshotKey;
      if (source && (await isAwsManagedKey(source.source, source.kmsKeyId, problems))) {
        problems.push({
          code: 'DefaultKmsKeyNotShareable',
          field: 'source.snapshot',
          message:
            `Snapshot ${source.snapshotIdentifier} is encrypted with the AWS-managed aws/rds key of account ` +
            `${source.source.accountId ?? '(source)'}, and AWS does not allow sharing such a snapshot with account ` +
            `${source.targetAccountId}. In the source account, copy it under a customer-managed key (aws rds ` +
            'copy-db-cluster-snapshot --kms-key-id <key>), share that key with the target account, and restore the copy.',
        });
      }
      return { problems };
    },
  };
}
