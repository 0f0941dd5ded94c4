/**
 * Messages of the `clusterExpiry` workflow: the `expiry` query, the four validated updates operators use, and the
 * signal a later restore of the same target sends to take the expiry over. Imported by the workflow and the client.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

import { EXPIRY_SUPERSEDED_SIGNAL_NAME } from '../domain/expiry';
import type {
  ExpiryChangeBase,
  ExpirySuperseded,
  ExpiryView,
  ExtendExpiryInput,
  SetExpiryInput,
} from '../domain/expiry';

export type { ExpirySuperseded } from '../domain/expiry';

export const expiryQuery = defineQuery<ExpiryView>('expiry');

/** Moves the expiry later by a duration. */
export const extendExpiryUpdate = defineUpdate<ExpiryView, [ExtendExpiryInput]>('extendExpiry');
/** Sets the expiry to a date-time (earlier or later). */
export const setExpiryUpdate = defineUpdate<ExpiryView, [SetExpiryInput]>('setExpiry');
/** Keeps the cluster: the expiry ends without deleting anything. */
export const cancelExpiryUpdate = defineUpdate<ExpiryView, [ExpiryChangeBase]>('cancelExpiry');
/** Deletes the cluster now (same guards as at expiry). */
export const expireNowUpdate = defineUpdate<ExpiryView, [ExpiryChangeBase]>('expireNow');

/** Sent by a later restore of the same target: the cluster is being replaced, this expiry ends without deleting. */
export const expirySupersededSignal = defineSignal<[ExpirySuperseded]>(EXPIRY_SUPERSEDED_SIGNAL_NAME);
