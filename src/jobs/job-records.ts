import type { PrismaClient } from '../generated/prisma/client.js';
import type { Tx } from '../store/tx.js';

type Db = PrismaClient | Tx;

/**
 * What other modules may know of the `job` table, besides enqueueing and claiming: src/jobs is its only
 * reader and writer (docs/architecture.md, "Table owners").
 */
export function createJobRecords(db: PrismaClient) {
  return {
    /** A workspace's jobs by id (the event detail shows the jobs an event triggered). */
    byIds(workspaceId: string, ids: string[]) {
      return db.job.findMany({
        where: { workspaceId, id: { in: ids } },
        orderBy: { createdAt: 'asc' },
        select: {
          id: true,
          name: true,
          status: true,
          attempts: true,
          lastError: true,
          createdAt: true,
          finishedAt: true,
        },
      });
    },

    /** How many of the workspace's jobs are running now (the purge waits until none is). */
    countRunning(workspaceId: string): Promise<number> {
      return db.job.count({ where: { workspaceId, status: 'running' } });
    },

    /** workspace.purge: the workspace's jobs created before `before`, except running ones. */
    async purgeWorkspace(workspaceId: string, before: Date, tx: Db = db): Promise<number> {
      const { count } = await tx.job.deleteMany({
        where: { workspaceId, createdAt: { lt: before }, status: { not: 'running' } },
      });
      return count;
    },

    /** Removes one top-level key from a job's payload (a credential a finished job no longer needs). */
    async dropPayloadKey(jobId: string, key: string): Promise<void> {
      await db.$executeRaw`UPDATE job SET payload = payload - ${key} WHERE id = ${jobId}`;
    },
  };
}
export type JobRecords = ReturnType<typeof createJobRecords>;
