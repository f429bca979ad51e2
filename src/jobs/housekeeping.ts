import { definePeriodicJob } from './periodic.js';

const DAY_MS = 86_400_000;

/**
 * Hourly: deletes finished job rows past their retention (succeeded after `JOB_RETENTION_DAYS`, dead after
 * `JOB_DEAD_RETENTION_DAYS`), so the queue table holds what is pending plus a recent history.
 */
export const jobsPruneJob = definePeriodicJob('jobs.prune', {
  intervalMs: 60 * 60 * 1_000,
  leaseSeconds: 20,
  maxAttempts: 5,
});

export type JobRetention = { succeededDays: number; deadDays: number };

/** The finish times before which succeeded and dead jobs are deleted. */
export const pruneCutoffs = (now: Date, retention: JobRetention) => ({
  succeededBefore: new Date(now.getTime() - retention.succeededDays * DAY_MS),
  deadBefore: new Date(now.getTime() - retention.deadDays * DAY_MS),
});
