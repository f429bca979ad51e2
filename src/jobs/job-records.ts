import type { PrismaClient } from '../generated/prisma/client.js';
import type { Tx } from '../store/tx.js';
import { countRunningJobs, deleteWorkspaceJobs, jobsByIds, removePayloadKey } from './workspace-jobs.js';

/**
 * What other modules may know of the `job` table besides enqueueing (src/jobs is its only reader and
 * writer; docs/architecture.md, "Table owners"), bound to the database so modules receive it as a service.
 */
export function createJobRecords(db: PrismaClient) {
  return {
    /** A workspace's jobs by id (the event detail shows the jobs an event triggered). */
    byIds: (workspaceId: string, ids: readonly string[]) => jobsByIds(db, workspaceId, ids),
    /** How many of the workspace's jobs are running now, on any instance (the purge waits until none is). */
    countRunning: (workspaceId: string) => countRunningJobs(db, workspaceId),
    /** workspace.purge: the workspace's jobs created before `before`, except running ones. */
    purgeWorkspace: (workspaceId: string, before: Date, tx: Tx) =>
      deleteWorkspaceJobs(tx, workspaceId, before),
    /** Removes one top-level key from a job's payload (a credential a finished job no longer needs). */
    dropPayloadKey: async (jobId: string, key: string): Promise<void> => {
      await removePayloadKey(db, jobId, key);
    },
  };
}
export type JobRecords = ReturnType<typeof createJobRecords>;
