/**
 * The signals between restores and their region's copy-slot coordinator (src/domain/copy-slots.ts has the names and
 * shapes, which the activity that starts the coordinator uses too).
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';

import {
  COPY_CHECKED_SIGNAL,
  COPY_SLOTS_QUERY,
  COPY_SLOT_ACQUIRE_SIGNAL,
  COPY_SLOT_GRANTED_SIGNAL,
  COPY_SLOT_RELEASE_SIGNAL,
  type CopyCheckReport,
  type CopySlotGrant,
  type CopySlotRelease,
  type CopySlotRequest,
  type CopySlotState,
} from '../domain/copy-slots';

/** Restore -> coordinator (through signal-with-start): queue this run for a slot. */
export const copySlotAcquireSignal = defineSignal<[CopySlotRequest]>(COPY_SLOT_ACQUIRE_SIGNAL);
/** Restore -> coordinator: this run's slot is free again (copy done, failed or cancelled), or it leaves the queue. */
export const copySlotReleaseSignal = defineSignal<[CopySlotRelease]>(COPY_SLOT_RELEASE_SIGNAL);
/** Coordinator -> restore: the slot is yours; start the copy. */
export const copySlotGrantedSignal = defineSignal<[CopySlotGrant]>(COPY_SLOT_GRANTED_SIGNAL);
/** Coordinator -> restore that asked for a watch: your copy has ended (available, failed, or gone). */
export const copyCheckedSignal = defineSignal<[CopyCheckReport]>(COPY_CHECKED_SIGNAL);
/** The coordinator's queue: who holds a slot, who waits (in order), and the copies started outside. */
export const copySlotsQuery = defineQuery<CopySlotState>(COPY_SLOTS_QUERY);
