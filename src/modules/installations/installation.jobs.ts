import { z } from 'zod';
import { defineJob } from '../../jobs/catalog.js';

/**
 * Runs after INSTALLED (once per installation token). Later features attach here: the bootstrap of the
 * entity cache and the registration of webhooks the manifest cannot declare.
 */
export const installationSetupJob = defineJob('installation.setup', {
  schema: z.object({ workspaceId: z.string() }),
  leaseSeconds: 20,
  maxAttempts: 8,
});

/** Runs after DELETED: removes every row the workspace left behind, in batches. */
export const workspacePurgeJob = defineJob('workspace.purge', {
  schema: z.object({ workspaceId: z.string(), deletedAt: z.iso.datetime() }),
  leaseSeconds: 20,
  maxAttempts: 20,
  // It waits for the workspace's running jobs to finish; retry soon, then less often.
  backoffSeconds: (attemptsMade) => Math.min(2 ** attemptsMade, 300),
});

/**
 * After DELETED: removes the webhooks the gateway registered through Clockify's API. Best effort:
 * Clockify may already have revoked the token (then there is nothing we can do, and nothing to do).
 */
export const clockifyWebhooksDeregisterJob = defineJob('clockify.webhooks.deregister', {
  schema: z.object({
    workspaceId: z.string(),
    apiUrl: z.string(),
    webhookIds: z.array(z.string()),
    /** Installation token ciphertext (AES-256-GCM), scrubbed from the row once the job has run. */
    tokenEncrypted: z.string().optional(),
  }),
  leaseSeconds: 20,
  maxAttempts: 3,
});
