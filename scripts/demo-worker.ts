/**
 * The demo's worker: the production worker (src/worker/main.ts) with the AWS simulator attached to its AWS clients,
 * so that against moto a copy, a restore and the instances take a few seconds each (as minutes would on AWS) and the
 * CLI has progress to show. Not for real AWS: the simulator rewrites what moto reports.
 */
import { AwsSimulator, scaled } from '../sim/aws-simulator';
import { runWorker } from '../src/worker/main';

// AWS's 20 min copy, 40 min restore and 10 min instances become 10 s, 20 s and 5 s.
const sim = new AwsSimulator({ clock: Date.now, timings: scaled(1 / 120) });

runWorker(process.env, { awsClients: { decorate: sim.decorate } }).then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    console.error('demo worker crashed:', err);
    process.exitCode = 1;
  }
);
