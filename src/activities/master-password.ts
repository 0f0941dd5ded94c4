/**
 * Sets the master password of the restored cluster (a restore keeps the snapshot's credentials).
 *
 * Mode `secretArn`: the password is read from Secrets Manager INSIDE this activity and goes straight into
 * ModifyDBCluster. It never leaves the activity: not in its result, errors, logs or heartbeats (the SDK marks
 * MasterUserPassword as sensitive in its own logging; AWS error messages are scrubbed of it just in case).
 * Mode `manage`: RDS manages the password in a Secrets Manager secret; only that secret's ARN is returned.
 *
 * RDS applies either change asynchronously: the cluster reports `resetting-master-credentials`, with
 * `PendingModifiedValues.MasterUserPassword` set, until the new credentials work (ModifyDBCluster,
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBCluster.html; "Viewing DB cluster status",
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/accessing-monitoring.html#Aurora.Status). A login
 * with the new password before then can be refused, so `awaitMasterPasswordApplied` waits for the end of the reset
 * before anything logs in.
 */
import { DescribeDBClustersCommand, ModifyDBClusterCommand } from '@aws-sdk/client-rds';
import type { DBCluster, RDSClient } from '@aws-sdk/client-rds';

import { classifyClusterStatus, statusHint } from '../domain/aws-status';

import { describeWhere, findCluster } from './clusters';
import { failure, isAwsError, toActivityFailure } from './failures';
import { notReady, observation, reportObservation } from './polling';
import { readSecretString } from './secrets';
import type { DescribeClusterInput, SetMasterPasswordInput, SetMasterPasswordOutput } from './types';

import type { ActivityDeps } from './index';

export const MIN_PASSWORD_LENGTH = 8;
/** RDS limits: MySQL-compatible engines accept at most 41 characters, PostgreSQL-compatible ones 128. */
export function maxPasswordLength(engine: string | undefined): number {
  return (engine ?? '').includes('mysql') ? 41 : 128;
}

/**
 * Why a candidate password is unusable for RDS, without ever saying what it is (not even its length or which
 * character is wrong). Undefined when it is acceptable.
 */
export function passwordProblem(password: string, engine: string | undefined): string | undefined {
  const max = maxPasswordLength(engine);
  if (password.length < MIN_PASSWORD_LENGTH) return `it is shorter than ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > max) return `it is longer than ${max} characters, the limit for ${engine || 'this engine'}`;
  // Printable ASCII without space, '/', '"' and '@' (RDS rule).
  if (!/^[\x21-\x7e]+$/.test(password) || /[/"@]/.test(password)) {
    return (
      'it contains a character RDS does not accept in master passwords ("/", \'"\', "@", space, or a ' +
      'non-printable or non-ASCII character such as a trailing newline)'
    );
  }
  return undefined;
}

type Extracted = { password: string } | { problem: string };

/** The password in a secret string: the whole string, or the `password` (or `MasterUserPassword`) field of JSON. */
export function extractPassword(secretString: string): Extracted {
  if (secretString.trimStart().startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(secretString);
    } catch {
      parsed = undefined; // not JSON after all: a password may start with '{'
    }
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      const record = parsed as Record<string, unknown>;
      const value = record.password ?? record.MasterUserPassword;
      if (typeof value === 'string') return { password: value };
      return {
        problem: 'it holds JSON without a string "password" (or "MasterUserPassword") field',
      };
    }
  }
  return { password: secretString };
}

function scrub(err: unknown, secret: string): unknown {
  if (err instanceof Error && secret && err.message.includes(secret)) {
    err.message = err.message.split(secret).join('[redacted]');
  }
  return err;
}

export function createMasterPasswordActivities(deps: ActivityDeps) {
  async function clusterForModify(rds: RDSClient, input: SetMasterPasswordInput): Promise<DBCluster> {
    const where = describeWhere('cluster', input.clusterId, input.target);
    const cluster = await findCluster(rds, input.clusterId, `describing ${where} before setting its master password`);
    if (!cluster) {
      // Checked first: ModifyDBCluster on a missing cluster is an opaque error (and a 500 in moto).
      throw failure(
        'ClusterFailed',
        `Cannot set the master password of ${where}: the cluster does not exist. It was deleted outside this ` +
          'restore (check CloudTrail); restore again.',
        { clusterId: input.clusterId }
      );
    }
    const status = cluster.Status ?? 'unknown';
    if (status !== 'available') {
      // E.g. `resetting-master-credentials` after an earlier attempt, or `modifying`: RDS would refuse the change.
      notReady(
        observation('cluster', input.clusterId, status),
        `${where} is ${status}; the master password can be changed once it is available`
      );
    }
    return cluster;
  }

  /** Why the cluster's master credentials are not settled yet (undefined: they are). */
  function credentialsPending(cluster: DBCluster): string | undefined {
    const status = cluster.Status ?? 'unknown';
    if (status !== 'available') return status;
    if (cluster.PendingModifiedValues?.MasterUserPassword !== undefined) return 'master password change pending';
    // An RDS-managed secret is usable once active ("creating" while RDS writes it, "rotating" during a rotation).
    const secretStatus = cluster.MasterUserSecret?.SecretStatus;
    if (secretStatus && secretStatus !== 'active') return `managed master secret ${secretStatus}`;
    return undefined;
  }

  return {
    /**
     * A wait: done when the cluster is available with no master password change pending (and its RDS-managed
     * secret, if any, active); NotReady otherwise, reported to the workflow like the other waits.
     */
    async awaitMasterPasswordApplied(input: DescribeClusterInput): Promise<void> {
      const { target, clusterId } = input;
      const where = describeWhere('cluster', clusterId, target);
      const cluster = await findCluster(
        deps.clients.rds(target),
        clusterId,
        `checking that the master password of ${where} is applied`
      );
      if (!cluster) {
        throw failure(
          'ClusterFailed',
          `${where} no longer exists while its master password was being applied: it was deleted outside this ` +
            'restore (check CloudTrail DeleteDBCluster events). Restore again.',
          { clusterId }
        );
      }
      const status = cluster.Status ?? 'unknown';
      if (classifyClusterStatus(status) === 'terminal') {
        throw failure(
          'ClusterFailed',
          `${where} is ${status} and will not become available. ${statusHint(status) ?? 'Check its RDS events.'}`,
          { clusterId, status }
        );
      }
      const pending = credentialsPending(cluster);
      if (pending) {
        const obs = observation('cluster', clusterId, status === 'available' ? pending : status);
        await reportObservation(obs, deps.reportObservation);
        notReady(obs, `${where} is still applying its new master password (${pending})`);
      }
    },

    async setMasterPassword(input: SetMasterPasswordInput): Promise<SetMasterPasswordOutput> {
      const { target, clusterId, spec } = input;
      const where = describeWhere('cluster', clusterId, target);
      const rds = deps.clients.rds(target);

      if (spec && 'secretArn' in spec && typeof spec.secretArn === 'string') {
        // Read and validate everything before ModifyDBCluster: a failed modify must not happen at all (moto even
        // drops the cluster when one fails validation).
        const secretString = await readSecretString(deps.clients, spec.secretArn, {
          roleArn: target.roleArn,
          purpose: `the master password for ${where}`,
          field: 'masterPassword.secretArn',
          failureName: 'SecretUnreadable',
        });
        const cluster = await clusterForModify(rds, input);
        const extracted = extractPassword(secretString);
        const problem =
          'problem' in extracted ? extracted.problem : passwordProblem(extracted.password, cluster.Engine);
        if (problem || !('password' in extracted)) {
          throw failure(
            'SecretUnreadable',
            `Secret ${spec.secretArn} cannot be used as the master password of ${where}: ${problem}. Update the ` +
              'secret and restore again.',
            { secretArn: spec.secretArn }
          );
        }
        const password = extracted.password;
        try {
          await rds.send(
            new ModifyDBClusterCommand({
              DBClusterIdentifier: clusterId,
              MasterUserPassword: password,
              ApplyImmediately: true,
              // AWS: turning RDS management off requires MasterUserPassword in the same call (RDS deletes its secret).
              ...(cluster.MasterUserSecret ? { ManageMasterUserPassword: false } : {}),
            })
          );
        } catch (err) {
          if (isAwsError(err, 'InvalidDBClusterStateFault')) {
            notReady(observation('cluster', clusterId, cluster.Status ?? 'unknown'), `${where} is busy; will retry`);
          }
          throw toActivityFailure(scrub(err, password), `setting the master password of ${where}`);
        }
        return { mode: 'secret' };
      }

      if (spec && 'manage' in spec && spec.manage === true) {
        if (spec.kmsKeyId !== undefined && (typeof spec.kmsKeyId !== 'string' || spec.kmsKeyId.trim() === '')) {
          throw failure('InvalidRequest', `masterPassword.kmsKeyId for ${where} is empty; omit it or name a KMS key.`);
        }
        const cluster = await clusterForModify(rds, input);
        const current = cluster.MasterUserSecret?.SecretArn;
        if (current) return { mode: 'managed', managedSecretArn: current };
        try {
          const out = await rds.send(
            new ModifyDBClusterCommand({
              DBClusterIdentifier: clusterId,
              ManageMasterUserPassword: true,
              ApplyImmediately: true,
              ...(spec.kmsKeyId ? { MasterUserSecretKmsKeyId: spec.kmsKeyId } : {}),
            })
          );
          let managedSecretArn = out.DBCluster?.MasterUserSecret?.SecretArn;
          if (!managedSecretArn) {
            const after = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: clusterId }));
            managedSecretArn = after.DBClusters?.[0]?.MasterUserSecret?.SecretArn;
          }
          if (!managedSecretArn) {
            throw failure(
              'AwsServiceError',
              `RDS accepted managing the master password of ${where} but reports no secret yet; checking again.`
            );
          }
          return { mode: 'managed', managedSecretArn };
        } catch (err) {
          if (isAwsError(err, 'InvalidDBClusterStateFault')) {
            notReady(observation('cluster', clusterId, cluster.Status ?? 'unknown'), `${where} is busy; will retry`);
          }
          throw toActivityFailure(err, `turning on RDS-managed master password for ${where}`);
        }
      }

      throw failure(
        'InvalidRequest',
        `masterPassword for ${where} must be { "secretArn": "<Secrets Manager ARN>" } or { "manage": true }.`
      );
    },
  };
}
