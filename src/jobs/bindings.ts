import type { z } from 'zod';
import type { JobDefinition } from './catalog.js';
import type { ClaimRead } from './claim.js';
import type { PeriodicJob } from './periodic.js';
import { type BatchJobHandler, type JobContext, type JobHandler, batchHandler } from './runner.js';

/** A job type and its handler, as a module hands it to the composition root. */
export type JobBinding = { def: JobDefinition; handler: JobHandler; read?: ClaimRead['sql'] };

/**
 * Pairs a definition with its handler, keeping the payload type between them. `read`: a claim read
 * (claim.ts `ClaimRead`) whose row the handler finds as `ctx.read`.
 */
export function bindJob<S extends z.ZodType>(
  def: JobDefinition<string, S>,
  handler: JobHandler<S>,
  read?: ClaimRead['sql'],
): JobBinding {
  return { def, handler: handler as JobHandler, ...(read ? { read } : {}) };
}

/** Pairs a definition with a batch handler: it gets every job of its type one claim returned (runner.ts). */
export function bindBatchJob<S extends z.ZodType>(
  def: JobDefinition<string, S>,
  batch: BatchJobHandler<S>,
  read?: ClaimRead['sql'],
): JobBinding {
  return bindJob(def, batchHandler(batch), read);
}

/** A task that runs once per slot of its job's interval, on whichever instance claims it. */
export type PeriodicTask = { job: PeriodicJob; run: (ctx: JobContext) => Promise<void> };
