import { z } from 'zod';
import type { PrismaClient } from '../generated/prisma/client.js';
import { type JobDefinition, defineJob } from './catalog.js';
import { enqueue } from './queue.js';
import type { JobContext, JobHandler } from './runner.js';

/** A periodic job's payload: the start of the slot it runs for. */
export const periodicPayload = z.object({ slot: z.iso.datetime() });

/** Declares a job that runs once per slot of `intervalMs`, on whichever instance claims it first. */
export function definePeriodicJob<Name extends string>(
  name: Name,
  spec: { intervalMs: number; leaseSeconds: number; maxAttempts: number },
) {
  return {
    ...defineJob(name, {
      schema: periodicPayload,
      leaseSeconds: spec.leaseSeconds,
      maxAttempts: spec.maxAttempts,
    }),
    intervalMs: spec.intervalMs,
  };
}
export type PeriodicJob = JobDefinition<string, typeof periodicPayload> & { intervalMs: number };

/** The start of the slot that `at` falls in. */
export const slotOf = (at: Date, intervalMs: number): Date =>
  new Date(Math.floor(at.getTime() / intervalMs) * intervalMs);

/** The dedupe key of one slot's run: the same on every instance, so scheduling twice makes one job. */
export const periodicDedupeKey = (job: PeriodicJob, slot: Date): string =>
  `${job.name}:${slot.toISOString()}`;

/**
 * Enqueues the run of the slot `at` falls in (due at the slot's start). Every instance may call it; the
 * dedupe key makes it one job. A handler ends by scheduling the slot after its own.
 */
export async function schedulePeriodic(db: PrismaClient, job: PeriodicJob, at: Date): Promise<void> {
  const slot = slotOf(at, job.intervalMs);
  await enqueue(
    db,
    job,
    { slot: slot.toISOString() },
    { runAt: slot, dedupeKey: periodicDedupeKey(job, slot) },
  );
}

/** The slot after `slot` (an ISO timestamp from the payload). */
export const nextSlot = (job: PeriodicJob, slot: string): Date =>
  new Date(new Date(slot).getTime() + job.intervalMs);

/** A periodic job's handler: the slot's work, then the next slot scheduled (a failed run is retried first). */
export const periodicHandler =
  (
    db: PrismaClient,
    job: PeriodicJob,
    run: (ctx: JobContext) => Promise<void>,
  ): JobHandler<typeof periodicPayload> =>
  async ({ slot }, ctx) => {
    await run(ctx);
    await schedulePeriodic(db, job, nextSlot(job, slot));
  };
