import type { z } from 'zod';

/**
 * A claimed job's lease: the runner renews it every third of its length (heartbeat), so a live worker keeps
 * its jobs however long they run, and a dead one's work is taken over once the lease runs out. It bounds
 * how long a crash holds work up (#11: under 30 s, with the poll interval), not how long a job may run.
 */
export const DEFAULT_LEASE_SECONDS = 20;
/** Longest lease a job may declare: takeover after a crash must stay under 30 s. */
export const MAX_LEASE_SECONDS = 25;

export type JobDefinition<Name extends string = string, S extends z.ZodType = z.ZodType> = Readonly<{
  name: Name;
  schema: S;
  /**
   * How long a claim lasts without a heartbeat before another worker may take the job over. It must
   * outlive the longest stall between two heartbeats (a third of it apart), not the whole run.
   */
  leaseSeconds: number;
  maxAttempts: number;
  /** Seconds to wait before the next attempt, given the attempts made so far (1-based). */
  backoffSeconds: (attemptsMade: number) => number;
  /**
   * Whose worker slots the job takes (`JobPool`): `outbound` for jobs that mostly wait on a server outside
   * (a delivery attempt, up to its endpoint's timeout), so a slow or hanging server never holds the slots
   * every other job needs. Default `default`.
   */
  pool?: JobPool;
}>;

/** The runners of a process: one per pool, each with its own slots (deps.ts, docs/jobs.md). */
export type JobPool = 'default' | 'outbound';

/** Exponential backoff: 5 s, 10 s, 20 s … capped at one hour. */
export const exponentialBackoff = (attemptsMade: number): number =>
  Math.min(5 * 2 ** (attemptsMade - 1), 3_600);

/** Declares a job type. The catalogue entry is where a reviewer checks its lease and retry behaviour. */
export function defineJob<Name extends string, S extends z.ZodType>(
  name: Name,
  spec: {
    schema: S;
    /** Default 20 s; at most 25 s (takeover after a crash within 30 s). */
    leaseSeconds?: number;
    maxAttempts: number;
    backoffSeconds?: (attemptsMade: number) => number;
    pool?: JobPool;
  },
): JobDefinition<Name, S> {
  const leaseSeconds = spec.leaseSeconds ?? DEFAULT_LEASE_SECONDS;
  if (!Number.isInteger(leaseSeconds) || leaseSeconds < 1 || leaseSeconds > MAX_LEASE_SECONDS)
    throw new Error(`job ${name}: leaseSeconds must be a whole number in 1..${MAX_LEASE_SECONDS}`);
  if (!Number.isInteger(spec.maxAttempts) || spec.maxAttempts < 1)
    throw new Error(`job ${name}: maxAttempts must be a whole number ≥ 1`);
  return Object.freeze({ name, backoffSeconds: exponentialBackoff, ...spec, leaseSeconds });
}

/** Thrown by a handler when retrying cannot help (bad payload, target gone): the job goes to `dead` at once. */
export class PermanentJobError extends Error {
  override readonly name = 'PermanentJobError';
}

/**
 * Thrown by a handler: this attempt failed, run the job again at `at` instead of after the definition's
 * backoff (e.g. a 429's Retry-After). It counts as an attempt: after `maxAttempts` the job is dead.
 */
export class RetryAt extends Error {
  override readonly name = 'RetryAt';
  constructor(
    readonly at: Date,
    message = 'retry requested',
  ) {
    super(message);
  }
}

/**
 * Thrown by a handler: the job did not run yet (it waits for a rate limit or a concurrency slot), so put
 * it back, due at `at`, WITHOUT using an attempt. It keeps its lane. Use it only for waiting: a handler
 * that reschedules forever never dies.
 */
export class Reschedule extends Error {
  override readonly name = 'Reschedule';
  constructor(
    readonly at: Date,
    readonly reason = 'rescheduled',
  ) {
    super(reason);
  }
}
