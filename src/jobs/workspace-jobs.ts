/**
 * Reads and small writes of `job` that other modules need (src/jobs is the only writer of the table):
 * the workspace purge, the purge's wait for running jobs, scrubbing a credential from a payload, and the
 * jobs shown beside an event. All scoped by workspace except the scrub, which a handler does on its own job.
 */
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Tx } from '../store/tx.js';
import type { Lane } from './claim.js';

type Sql = Pick<PrismaClient, '$queryRaw' | '$executeRaw'> | Tx;

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'dead';

/** What the admin API shows of a job. */
export type JobSummary = {
  id: string;
  name: string;
  status: JobStatus;
  lane: Lane;
  attempts: number;
  maxAttempts: number;
  runAt: Date;
  lastError: string | null;
  createdAt: Date;
  finishedAt: Date | null;
};

/**
 * workspace.purge: deletes the workspace's jobs created before `before`, except running ones (their
 * worker still holds them; the purge waits for them with `countRunningJobs`). Returns how many.
 */
export async function deleteWorkspaceJobs(tx: Sql, workspaceId: string, before: Date): Promise<number> {
  return tx.$executeRaw`
    DELETE FROM job WHERE workspace_id = ${workspaceId} AND created_at < ${before} AND status <> 'running'`;
}

/**
 * How many of the workspace's jobs are running right now (on any instance), read through job_lease_idx
 * (the running jobs only).
 */
export async function countRunningJobs(db: Sql, workspaceId: string): Promise<number> {
  const [row] = await db.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM job WHERE workspace_id = ${workspaceId} AND status = 'running'`;
  return row?.n ?? 0;
}

/**
 * Removes one top-level key from a job's payload (a credential the job no longer needs, e.g. a token
 * ciphertext once used). False when the job does not exist.
 */
export async function removePayloadKey(db: Sql, jobId: string, key: string): Promise<boolean> {
  const n = await db.$executeRaw`UPDATE job SET payload = payload - ${key}::text WHERE id = ${jobId}`;
  return n === 1;
}

/** The workspace's jobs among `ids`, oldest first; ids of other workspaces are not found. */
export async function jobsByIds(db: Sql, workspaceId: string, ids: readonly string[]): Promise<JobSummary[]> {
  if (ids.length === 0) return [];
  return db.$queryRaw<JobSummary[]>`
    SELECT id, name, status::text AS status, lane::text AS lane, attempts, max_attempts AS "maxAttempts",
           run_at AS "runAt", last_error AS "lastError", created_at AS "createdAt", finished_at AS "finishedAt"
    FROM job WHERE workspace_id = ${workspaceId} AND id = ANY(${[...ids]}::text[])
    ORDER BY created_at, id`;
}
