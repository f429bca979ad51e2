import { z } from 'zod';
import { defineJob } from '../../jobs/catalog.js';

/** Plans a queued run and enqueues one `bootstrap.operation` job per root list (one transaction). */
export const bootstrapRunJob = defineJob('bootstrap.run', {
  schema: z.object({ runId: z.string() }),
  leaseSeconds: 20,
  maxAttempts: 10,
});

/**
 * Fetches every remaining page of one planned list, persisting each page (entities, child lists, the
 * next-page cursor) in one transaction, so a retry or another worker resumes at the next page. Clockify
 * failures are recorded on the operation, not retried here (the client already retried 429/5xx).
 * The lease covers one page at a time (the runner renews it every third of its length).
 */
export const bootstrapOperationJob = defineJob('bootstrap.operation', {
  schema: z.object({ runId: z.string(), operationRowId: z.string() }),
  leaseSeconds: 20,
  maxAttempts: 8,
  backoffSeconds: (attemptsMade) => Math.min(2 ** attemptsMade, 120),
});

/** Scheduled TTL days after a run finished: drops entries older than the TTL and starts a new run. */
export const cacheRefreshJob = defineJob('cache.refresh', {
  schema: z.object({ workspaceId: z.string() }),
  leaseSeconds: 20,
  maxAttempts: 5,
});
