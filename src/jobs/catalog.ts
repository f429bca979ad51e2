import type { z } from 'zod';

export type JobDefinition<Name extends string = string, S extends z.ZodType = z.ZodType> = Readonly<{
  name: Name;
  schema: S;
  /** How long a claim lasts before another worker may take the job over. Must outlive the slowest run. */
  leaseSeconds: number;
  maxAttempts: number;
  /** Seconds to wait before the next attempt, given the attempts made so far (1-based). */
  backoffSeconds: (attemptsMade: number) => number;
}>;

/** Exponential backoff: 5 s, 10 s, 20 s … capped at one hour. */
export const exponentialBackoff = (attemptsMade: number): number =>
  Math.min(5 * 2 ** (attemptsMade - 1), 3_600);

/** Declares a job type. The catalogue entry is where a reviewer checks its lease and retry behaviour. */
export function defineJob<Name extends string, S extends z.ZodType>(
  name: Name,
  spec: {
    schema: S;
    leaseSeconds: number;
    maxAttempts: number;
    backoffSeconds?: (attemptsMade: number) => number;
  },
): JobDefinition<Name, S> {
  return Object.freeze({ name, backoffSeconds: exponentialBackoff, ...spec });
}

/** Thrown by a handler when retrying cannot help (bad payload, target gone): the job goes to `dead` at once. */
export class PermanentJobError extends Error {
  override readonly name = 'PermanentJobError';
}
