import { z } from 'zod';
import { defineJob } from '../../jobs/catalog.js';
import { definePeriodicJob, slotOf } from '../../jobs/periodic.js';

export const RETENTION_INTERVAL_MS = 60 * 60 * 1_000;
export const STATS_FOLD_INTERVAL_MS = 60 * 1_000;

/**
 * One per workspace per ingest batch (not for inactive workspaces): hands each of its events, in order,
 * to every EventProcessor. Written by the batch statement itself, so it commits with its events.
 */
export const eventProcessJob = defineJob('event.process', {
  schema: z.object({ workspaceId: z.string(), eventIds: z.array(z.string()).min(1).max(1_000) }),
  leaseSeconds: 20,
  maxAttempts: 10,
});

/**
 * Prunes events and quarantine entries older than each workspace's `webhooks_log_retention_days`, then
 * schedules itself for the next slot. The dedupe key per slot makes every instance's enqueue one job.
 */
export const webhookRetentionJob = definePeriodicJob('webhooks.retention', {
  intervalMs: RETENTION_INTERVAL_MS,
  leaseSeconds: 20,
  maxAttempts: 5,
});

/**
 * Folds the per-batch counter increments (`webhook_source_stats_delta`) into the per-source totals, every
 * minute, so the delta table stays small; reads add whatever is still pending, so stats are exact anyway.
 */
export const webhookStatsFoldJob = definePeriodicJob('webhooks.stats.fold', {
  intervalMs: STATS_FOLD_INTERVAL_MS,
  leaseSeconds: 20,
  maxAttempts: 5,
});

/** The start of the retention slot `at` falls in (hourly). */
export const retentionSlot = (at: Date): Date => slotOf(at, RETENTION_INTERVAL_MS);
