/**
 * 9. The database steps (optional), run by the database worker, which may run inside the VPC: users, sanitization,
 * verification. A failure here compensates like any other: unsanitized or unverified data is not left behind.
 */
import type { DatabaseConnectionInput, SetMasterPasswordOutput } from '../../../activities/types';
import type { ClusterEndpoints, ClusterInfo } from '../../../domain/aws-shapes';
import type { NormalizedRestoreRequest } from '../../../domain/request';
import { databaseSteps } from '../../activity-options';
import { refuse } from '../../failure-report';
import { buildClusterId } from '../run';
import type { RestoreRun } from '../run';

/** What the database steps connect to: the restored cluster, its endpoints, and the password step's outcome. */
export interface DatabaseTarget {
  engine: string;
  cluster: ClusterInfo;
  endpoints: ClusterEndpoints;
  password: SetMasterPasswordOutput | undefined;
}

export async function runDatabaseSteps(run: RestoreRun, on: DatabaseTarget): Promise<void> {
  const { request, progress } = run;
  const { step } = run.steps;
  const db = request.database;
  if (!db) return;
  const connection = { ...databaseConnection(request, on), clusterId: buildClusterId(run) };
  const database = databaseSteps(db.stepTimeoutMs, db.taskQueue);
  if (db.users.length > 0 || db.usersSecretArn) {
    const { users } = await step(
      'setup-users',
      () => database.setupDatabaseUsers({ connection, users: db.users, usersSecretArn: db.usersSecretArn }),
      (r) => r.users.map((u) => `${u.name} ${u.action} (${u.role})`).join(', ')
    );
    progress.database().users = users;
  }
  if (db.sanitize.length > 0) {
    const { scripts } = await step(
      'sanitize-data',
      () => database.sanitizeDatabase({ connection, scripts: db.sanitize }),
      (r) => `${r.scripts.length} script(s), ${r.scripts.reduce((n, s) => n + s.rowsAffected, 0)} row(s) changed`
    );
    progress.database().sanitization = scripts;
  }
  const checks = db.verify?.checks;
  if (checks) {
    await step(
      'verify-database',
      async () => {
        const report = await database.verifyDatabase({ connection, checks });
        progress.database().verification = report;
        const failed = report.checks.filter((c) => !c.passed);
        if (failed.length > 0) {
          throw refuse(
            'VerificationFailed',
            `Verification of cluster ${request.target.clusterId} failed ${failed.length} of ${report.checks.length} ` +
              `check(s): ${failed.map((c) => `"${c.name}" (${c.detail})`).join('; ')}. The restored data is not ` +
              'what the request expects: check the snapshot chosen and the sanitization scripts, then restore again.'
          );
        }
        return report;
      },
      (r) => `${r.serverVersion.split(' ').slice(0, 2).join(' ')}; ${r.checks.length} check(s) passed`
    );
  }
}

/** Where and as whom the database steps connect; only ARNs, never a secret value. */
function databaseConnection(
  request: NormalizedRestoreRequest,
  { engine, cluster, endpoints, password }: DatabaseTarget
): DatabaseConnectionInput {
  const db = request.database as NonNullable<NormalizedRestoreRequest['database']>;
  const mp = request.masterPassword;
  const secretArn =
    db.masterSecretArn ?? (mp && 'secretArn' in mp ? mp.secretArn : undefined) ?? password?.managedSecretArn;
  if (!secretArn) {
    throw refuse(
      'DatabaseSecretUnreadable',
      'The database steps have no master credentials: RDS reported no managed secret. Set database.masterSecretArn.'
    );
  }
  const host = endpoints.writerEndpoint ?? cluster.endpoint;
  const port = endpoints.port ?? cluster.port;
  if (!host || !port) {
    throw refuse(
      'ClusterFailed',
      `Cluster ${request.target.clusterId} reported no endpoint and port, so the database steps cannot connect. ` +
        'Check the cluster in the RDS console and restore again.'
    );
  }
  return {
    // The restored cluster's engine decides the dialect (the request's or the snapshot's, as RDS applied it).
    engine: (cluster.engine || engine) === 'aurora-mysql' ? 'aurora-mysql' : 'aurora-postgresql',
    clusterId: request.target.clusterId,
    region: request.target.region,
    endpoint: { host, port },
    ...(db.connectVia ? { connectVia: db.connectVia } : {}),
    ...(db.name ? { database: db.name } : {}),
    tls: db.tls,
    master: { secretArn, ...(cluster.masterUsername ? { username: cluster.masterUsername } : {}) },
    ...(request.target.roleArn ? { roleArn: request.target.roleArn } : {}),
  };
}
