/**
 * The AWS status a wait activity observed, and the name of the signal that carries it to the restore workflow
 * (for the `progress` query). The activity signals by this name and shape; the workflow defines its handler's
 * signal from the same two, so neither imports the other.
 */

/** A status observed while waiting, reported to the workflow so the `progress` query can show it. */
export interface AwsObservation {
  resource: 'snapshot-copy' | 'cluster' | 'instances' | 'deletion';
  id: string;
  status: string;
  percentProgress?: number;
  observedAt: string;
}

/** Signal name: recorded in histories, so it never changes. */
export const OBSERVATION_SIGNAL_NAME = 'awsObservation';
