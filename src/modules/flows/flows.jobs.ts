import { z } from 'zod';
import { defineJob } from '../../jobs/catalog.js';
import { definePeriodicJob } from '../../jobs/periodic.js';

/**
 * Runs one flow execution's actions, resuming after the last recorded step. An action's retry is this
 * job's RetryAt (the worker is free while it waits), so attempts are generous: up to 20 actions × 11
 * attempts each, plus crashes.
 */
export const flowExecuteJob = defineJob('flow.execute', {
  // flowId and version name the definition (cached in memory by the executor); older jobs lack them.
  schema: z.object({
    workspaceId: z.string(),
    executionId: z.string(),
    flowId: z.string().optional(),
    version: z.number().int().optional(),
  }),
  leaseSeconds: 20,
  maxAttempts: 250,
  backoffSeconds: (n) => Math.min(2 ** Math.min(n, 10), 300),
});

/** Replays stored events through one flow, a page at a time, recording progress on its `flow_replay` row. */
export const flowReplayJob = defineJob('flow.replay', {
  schema: z.object({ workspaceId: z.string(), replayId: z.string() }),
  leaseSeconds: 20,
  maxAttempts: 10,
});

/** Hourly: deletes executions (with their steps), skip counters and replays past each workspace's retention. */
export const flowsRetentionJob = definePeriodicJob('flows.retention', {
  intervalMs: 60 * 60 * 1_000,
  leaseSeconds: 20,
  maxAttempts: 5,
});
