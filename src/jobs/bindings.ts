import type { z } from 'zod';
import type { JobDefinition } from './catalog.js';
import type { ClaimRead } from './claim.js';
import type { PeriodicJob } from './periodic.js';
import { type BatchJobHandler, type JobContext, type JobHandler, batchHandler } from './runner.js';

/** A job type and its handler, as a module hands it to the composition root. */
export type JobBinding = { def: JobDefinition; handler: JobHandler; read?: ClaimRead['sql'] };

/** Pairs a definition with its handler, keeping the payload type between them. */
export function bindJob<S extends z.ZodType>(
  def: JobDefinition<string, S>,
  handler: JobHandler<S>,
): JobBinding {
  return { def, handler: handler as JobHandler };
}

/**
 * Pairs a definition with a batch handler: it gets every job of its type one claim returned (runner.ts).
 * `read`: a claim read (claim.ts `ClaimRead`) whose row each job's handler finds as `ctx.read`.
 */
export function bindBatchJob<S extends z.ZodType>(
  def: JobDefinition<string, S>,
  batch: BatchJobHandler<S>,
  read?: ClaimRead['sql'],
): JobBinding {
  return { ...bindJob(def, batchHandler(batch)), ...(read ? { read } : {}) };
}

/** A task that runs once per slot of its job's interval, on whichever instance claims it. */
export type PeriodicTask = { job: PeriodicJob; run: (ctx: JobContext) => Promise<void> };
