import { definePeriodicJob } from '../../jobs/periodic.js';

export const EXPLORER_RETENTION_INTERVAL_MS = 60 * 60 * 1_000;

/**
 * Hourly: deletes API explorer history older than each workspace's `explorer_history_days`, then
 * schedules itself for the next slot (one job per slot across instances).
 */
export const explorerRetentionJob = definePeriodicJob('explorer.retention', {
  intervalMs: EXPLORER_RETENTION_INTERVAL_MS,
  leaseSeconds: 20,
  maxAttempts: 5,
});
