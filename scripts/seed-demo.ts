/**
 * Seeds moto with the demo's source: Aurora PostgreSQL cluster `orders-prod` in us-east-1 with a manual snapshot
 * (encrypted with the AWS-managed RDS key), as examples/nightly-staging-refresh.json expects. Idempotent: a second
 * run adds a newer snapshot, which the example's `latest` selection then picks.
 */
import { CreateDBClusterSnapshotCommand, DescribeDBClustersCommand } from '@aws-sdk/client-rds';

import { motoClients, seedSourceCluster, uniqueName } from '../test/support/moto';

const REGION = 'us-east-1';
const CLUSTER = 'orders-prod';

async function main(): Promise<void> {
  const { rds } = motoClients(REGION);
  const exists = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: CLUSTER })).then(
    () => true,
    (err: Error) => (err.name === 'DBClusterNotFoundFault' ? false : Promise.reject(err))
  );
  if (!exists) await seedSourceCluster({ region: REGION, clusterId: CLUSTER, encrypted: true });
  const snapshot = uniqueName(`${CLUSTER}-nightly`);
  await rds.send(
    new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: CLUSTER, DBClusterSnapshotIdentifier: snapshot })
  );
  console.log(`moto: cluster ${CLUSTER} in ${REGION} with snapshot ${snapshot}`);
}

main().catch((err: unknown) => {
  console.error('seeding moto failed:', err);
  process.exitCode = 1;
});
