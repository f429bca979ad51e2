import { z } from 'zod';
import { defineJob } from '../../jobs/catalog.js';
import { definePeriodicJob } from '../../jobs/periodic.js';
import { SCHEDULE_BOUNDS } from './retry-schedule.js';

/**
 * One delivery attempt of one message (`manual`: one extra attempt an admin asked for, outside the
 * schedule). A scheduled job stays with its message across the schedule: a failed attempt throws
 * `RetryAt` (retry lane, no worker held while waiting); the job's own attempt budget only has to outlast
 * the longest schedule plus takeovers after crashes.
 */
export const deliveryAttemptJob = defineJob('delivery.attempt', {
  schema: z.object({
    workspaceId: z.string(),
    messageId: z.string(),
    manual: z.boolean().optional(),
  }),
  leaseSeconds: 20,
  maxAttempts: SCHEDULE_BOUNDS.maxRetries + 10,
  // Waits on the receiver up to its endpoint's timeout: slots of its own, so a hanging receiver never holds
  // the workers ingestion, flows and the cache need.
  pool: 'outbound',
});

/** "Recover": gives every dead-lettered message of an endpoint since `since` a new scheduled job. */
export const deliveryRecoverJob = defineJob('delivery.recover', {
  schema: z.object({ workspaceId: z.string(), endpointId: z.string(), since: z.iso.datetime() }),
  leaseSeconds: 20,
  maxAttempts: 5,
});

/** Hourly: deletes finished messages and attempts past each workspace's retention. */
export const deliveryRetentionJob = definePeriodicJob('delivery.retention', {
  intervalMs: 60 * 60 * 1_000,
  leaseSeconds: 20,
  maxAttempts: 5,
});
