/**
 * Emulates CopyDBClusterSnapshot of a snapshot shared from another account, which moto cannot do (it looks the
 * source up in the caller's account and answers DBClusterSnapshotNotFoundFault).
 *
 * What is checked for real, against moto's state:
 *  - the source snapshot exists in the source account and region named by its ARN;
 *  - it is a manual snapshot whose `restore` attribute lists the caller's account (or `all`): otherwise AWS, like
 *    this emulation, answers DBClusterSnapshotNotFoundFault, since the caller cannot see it;
 *  - an encrypted source needs a KmsKeyId (AWS: "If you copy an encrypted DB cluster snapshot that is shared from
 *    another AWS account, then you must specify a value for KmsKeyId"): KMSKeyNotAccessibleFault otherwise;
 *  - the target identifier is free in the caller's account and region (DBClusterSnapshotAlreadyExistsFault);
 *  - the KmsKeyId is validated by moto itself (KMSKeyNotAccessibleFault), because the last step is a real moto copy.
 * What is emulated: the copy is materialized in the caller's account and the request's region by creating a
 * temporary cluster with the source snapshot's engine, engine version, port and master username, snapshotting it,
 * copying that snapshot to the requested identifier (with the requested KmsKeyId and tags, or the source's tags
 * with CopyTags), then deleting the temporary snapshot, cluster and the automated snapshot moto made for it.
 * Data, storage size, parameter groups and other settings of the source cluster are not carried over (moto has no
 * data anyway); the copy reports the source's DBClusterIdentifier and SourceDBClusterSnapshotArn as AWS does.
 * Not modelled: KMS key policies and grants, AWS's refusal to share snapshots encrypted with the default
 * `aws/rds` key, and AWS's error when KmsKeyId is given for an unencrypted source.
 */
import { randomBytes } from 'node:crypto';

import {
  CopyDBClusterSnapshotCommand,
  CreateDBClusterCommand,
  CreateDBClusterSnapshotCommand,
  DeleteDBClusterCommand,
  DeleteDBClusterSnapshotCommand,
  DescribeDBClusterSnapshotAttributesCommand,
  DescribeDBClusterSnapshotsCommand,
} from '@aws-sdk/client-rds';
import type { CopyDBClusterSnapshotCommandInput, DBClusterSnapshot, RDSClient } from '@aws-sdk/client-rds';

import type { RdsArn } from './arn';
import { isErrorNamed, simError } from './errors';
import type { InternalClients } from './moto-clients';

export interface CrossAccountCopyRequest {
  clients: InternalClients;
  endpoint: string;
  /** The account the request acts in (the copy's owner). */
  callerAccount: string;
  /** The request's region (where the copy is made). */
  region: string;
  source: RdsArn;
  input: CopyDBClusterSnapshotCommandInput;
}

export interface CrossAccountCopyResult {
  snapshot: DBClusterSnapshot;
  /** Fields the copy must show instead of what moto stored (the temporary cluster's id). */
  overrides: Record<string, unknown>;
}

export async function emulateCrossAccountCopy(request: CrossAccountCopyRequest): Promise<CrossAccountCopyResult> {
  const { clients, endpoint, callerAccount, region, source, input } = request;
  const sourceArn = input.SourceDBClusterSnapshotIdentifier ?? '';
  const targetId = input.TargetDBClusterSnapshotIdentifier ?? '';
  const notFound = () =>
    simError('rds', 'DBClusterSnapshotNotFoundFault', { message: `DBClusterSnapshot ${sourceArn} not found.` });

  const owner = clients.rds(endpoint, source.account, source.region);
  const found = await owner
    .send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: source.id }))
    .catch((err: unknown) => {
      if (isErrorNamed(err, 'DBClusterSnapshotNotFoundFault')) return undefined;
      throw err;
    });
  const snapshot = found?.DBClusterSnapshots?.[0];
  if (!snapshot || snapshot.SnapshotType !== 'manual') throw notFound();
  if (!(await isSharedWith(owner, source.id, callerAccount))) throw notFound();
  if (snapshot.StorageEncrypted && !input.KmsKeyId) {
    throw simError('rds', 'KMSKeyNotAccessibleFault', {
      message: 'The target KMS key [None] does not exist, is not enabled or you do not have permissions to access it.',
    });
  }

  const target = clients.rds(endpoint, callerAccount, region);
  const existing = await target
    .send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: targetId }))
    .then((out) => out.DBClusterSnapshots ?? [])
    .catch((err: unknown) => {
      if (isErrorNamed(err, 'DBClusterSnapshotNotFoundFault')) return [];
      throw err;
    });
  if (existing.length > 0) {
    throw simError('rds', 'DBClusterSnapshotAlreadyExistsFault', {
      message: `Cannot create the snapshot because a snapshot with the identifier ${targetId} already exists.`,
    });
  }

  const tags = input.Tags?.length ? input.Tags : input.CopyTags ? (snapshot.TagList ?? []) : [];
  const copy = await materialize(target, snapshot, { ...input, Tags: tags });
  return {
    snapshot: copy,
    overrides: {
      ...(snapshot.DBClusterIdentifier ? { DBClusterIdentifier: snapshot.DBClusterIdentifier } : {}),
      SourceDBClusterSnapshotArn: snapshot.DBClusterSnapshotArn ?? sourceArn,
    },
  };
}

async function isSharedWith(owner: RDSClient, snapshotId: string, account: string): Promise<boolean> {
  const out = await owner.send(
    new DescribeDBClusterSnapshotAttributesCommand({ DBClusterSnapshotIdentifier: snapshotId })
  );
  const restore = out.DBClusterSnapshotAttributesResult?.DBClusterSnapshotAttributes?.find(
    (a) => a.AttributeName === 'restore'
  );
  return (restore?.AttributeValues ?? []).some((v) => v === account || v === 'all');
}

/** Builds a manual snapshot in the target account shaped like `source`, under the requested identifier. */
async function materialize(
  target: RDSClient,
  source: DBClusterSnapshot,
  input: CopyDBClusterSnapshotCommandInput
): Promise<DBClusterSnapshot> {
  const tempCluster = `aws-simulator-xacct-${randomBytes(5).toString('hex')}`;
  const tempSnapshot = `${tempCluster}-snap`;
  await target.send(
    new CreateDBClusterCommand({
      DBClusterIdentifier: tempCluster,
      Engine: source.Engine,
      EngineVersion: source.EngineVersion,
      Port: source.Port,
      MasterUsername: source.MasterUsername ?? 'admin',
      MasterUserPassword: `Sim-${randomBytes(12).toString('hex')}`,
      StorageEncrypted: false,
      DeletionProtection: false,
    })
  );
  try {
    await target.send(
      new CreateDBClusterSnapshotCommand({
        DBClusterIdentifier: tempCluster,
        DBClusterSnapshotIdentifier: tempSnapshot,
      })
    );
    try {
      const out = await target.send(
        new CopyDBClusterSnapshotCommand({
          SourceDBClusterSnapshotIdentifier: tempSnapshot,
          TargetDBClusterSnapshotIdentifier: input.TargetDBClusterSnapshotIdentifier,
          KmsKeyId: input.KmsKeyId,
          Tags: input.Tags,
          CopyTags: false,
        })
      );
      if (!out.DBClusterSnapshot) throw new Error('moto returned no DBClusterSnapshot for the emulated copy');
      return out.DBClusterSnapshot;
    } finally {
      await target.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: tempSnapshot }));
    }
  } finally {
    await removeTemporaryCluster(target, tempCluster);
  }
}

async function removeTemporaryCluster(target: RDSClient, clusterId: string): Promise<void> {
  await target.send(new DeleteDBClusterCommand({ DBClusterIdentifier: clusterId, SkipFinalSnapshot: true }));
  // moto keeps the automated snapshot of a deleted cluster forever (AWS would expire it): remove it so it does not
  // show up in the caller's snapshot listings.
  const automated = await target.send(
    new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: clusterId, SnapshotType: 'automated' })
  );
  for (const snap of automated.DBClusterSnapshots ?? []) {
    if (snap.DBClusterSnapshotIdentifier) {
      await target.send(
        new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: snap.DBClusterSnapshotIdentifier })
      );
    }
  }
}
