import type { z } from 'zod';
import type { PrismaClient } from '../generated/prisma/client.js';
import { newSortableId } from '../platform/ids.js';
import type { Sql as PlainSql } from '../store/database.js';
import type { Tx } from '../store/tx.js';
import type { JobDefinition } from './catalog.js';
import { completeJobsSql } from './complete-sql.js';

export { type ClaimOptions, type ClaimRead, type ClaimedJob, type Lane, claim } from './claim.js';

export type EnqueueOptions = {
  workspaceId?: string | null;
  runAt?: Date;
  dedupeKey?: string;
  /**
   * `interactive` for work a person is waiting on (an admin's "send test", "retry now"): claimed before
   * everything else. Default `normal`. (`retry` is the queue's own: a job requeued after a failed attempt.)
   */
  lane?: 'interactive' | 'normal';
  /** Jobs are claimed round robin across fairness keys. Default: the workspace id ('' without one). */
  fairnessKey?: string;
  /** At most `limit` jobs with this key run at once, across all instances (e.g. one outbound endpoint). */
  concurrency?: { key: string; limit: number };
};

type Sql = Pick<PrismaClient, '$queryRaw' | '$executeRaw'> | Tx;

/**
 * Adds a job. Call it with the transaction that makes the change the job is about (transactional outbox):
 * the job exists if and only if that change committed. The payload is parsed with the definition's
 * schema first. With a dedupe key, a second enqueue is a no-op and returns null.
 */
export async function enqueue<S extends z.ZodType>(
  db: Sql,
  def: JobDefinition<string, S>,
  payload: z.input<S>,
  opts: EnqueueOptions = {},
): Promise<string | null> {
  const parsed = def.schema.parse(payload);
  const { concurrency } = opts;
  if (concurrency !== undefined && (!Number.isInteger(concurrency.limit) || concurrency.limit < 1))
    throw new Error(`job ${def.name}: concurrency limit must be a whole number ≥ 1`);
  const id = newSortableId('job');
  const workspaceId = opts.workspaceId ?? null;
  const rows = await db.$queryRaw<{ id: string }[]>`
    INSERT INTO job (id, workspace_id, name, payload, status, run_at, max_attempts, lease_seconds, dedupe_key,
                     lane, fair_key, concurrency_key, concurrency_limit, pool)
    VALUES (${id}, ${workspaceId}, ${def.name}, ${JSON.stringify(parsed)}::jsonb, 'queued',
            ${opts.runAt ?? new Date()}, ${def.maxAttempts}, ${def.leaseSeconds}, ${opts.dedupeKey ?? null},
            ${opts.lane ?? 'normal'}::"JobLane", ${opts.fairnessKey ?? workspaceId ?? ''},
            ${concurrency?.key ?? null}, ${concurrency?.limit ?? null}::int, ${def.pool ?? 'default'})
    ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
    RETURNING id`;
  return rows[0]?.id ?? null;
}

/**
 * The worker's own statements (complete, fail, reschedule, heartbeat) are plain SQL prepared once per
 * connection, like the claim. Each one that ends a run gives the job's concurrency slot back in the same
 * statement, and only when it really ended the holder's run (so exactly once).
 */
type Query = Pick<PlainSql, 'prepared'>;

/** Appended to a statement whose CTE `done` returns the finished job's concurrency_key. */
const RELEASE_SLOT = `,
  released AS (
    UPDATE job_concurrency c SET running = GREATEST(c.running - 1, 0), updated_at = now()
    FROM done WHERE c.key = done.concurrency_key
    RETURNING 1
  )
  SELECT id FROM done`;

/** Only the lease holder may finish a job. False means the lease was lost: log it, never throw. */
export async function complete(sql: Query, jobId: string, workerId: string): Promise<boolean> {
  return (await completeMany(sql, [{ jobId, workerId }]))[0]!;
}

/**
 * Completes several jobs in one statement: the runner coalesces the completions of jobs that end while
 * one such statement is in flight (platform/coalescer.ts), so a busy worker pays one round trip and one
 * commit for many jobs instead of one each. One boolean per item, in order: false when that job's lease
 * was lost (only the lease holder ends a job; each concurrency slot is given back once, complete-sql.ts).
 */
export async function completeMany(
  sql: Query,
  items: readonly { jobId: string; workerId: string }[],
): Promise<boolean[]> {
  const rows = await sql.prepared<{ id: string }>(
    'job_complete_many_v1',
    `WITH ${completeJobsSql('done', 'SELECT * FROM unnest($1::text[], $2::text[])')}
     SELECT id FROM done`,
    [items.map((i) => i.jobId), items.map((i) => i.workerId)],
  );
  const done = new Set(rows.map((r) => r.id));
  return items.map((i) => done.has(i.jobId));
}

/**
 * Records a failed attempt: back to `queued` in the retry lane, due at retryAt, or `dead` when retryAt is
 * null. The attempt stays counted.
 */
export async function fail(
  sql: Query,
  jobId: string,
  workerId: string,
  error: string,
  retryAt: Date | null,
): Promise<boolean> {
  const message = error.slice(0, 2_000);
  const rows =
    retryAt === null
      ? await sql.prepared(
          'job_fail_dead_v2',
          `WITH done AS (
             UPDATE job SET status = 'dead', locked_by = NULL, locked_until = NULL, last_error = $3,
                            finished_at = now(), updated_at = now()
             WHERE id = $1 AND locked_by = $2 AND status = 'running'
             RETURNING id, concurrency_key
           )${RELEASE_SLOT}`,
          [jobId, workerId, message],
        )
      : await sql.prepared(
          'job_fail_retry_v2',
          `WITH done AS (
             UPDATE job SET status = 'queued', lane = 'retry', locked_by = NULL, locked_until = NULL,
                            last_error = $3, run_at = $4::timestamptz, updated_at = now()
             WHERE id = $1 AND locked_by = $2 AND status = 'running'
             RETURNING id, concurrency_key
           )${RELEASE_SLOT}`,
          [jobId, workerId, message, retryAt.toISOString()],
        );
  return rows.length === 1;
}

/**
 * Puts a claimed job back, due at `at`, WITHOUT using an attempt (the claim counted one; this gives it
 * back) and in the lane it was in: it waited for something (a rate limit, a slot) and did not run.
 */
export async function reschedule(sql: Query, jobId: string, workerId: string, at: Date): Promise<boolean> {
  const rows = await sql.prepared(
    'job_reschedule_v1',
    `WITH done AS (
       UPDATE job SET status = 'queued', attempts = GREATEST(attempts - 1, 0), locked_by = NULL,
                      locked_until = NULL, run_at = $3::timestamptz, updated_at = now()
       WHERE id = $1 AND locked_by = $2 AND status = 'running'
       RETURNING id, concurrency_key
     )${RELEASE_SLOT}`,
    [jobId, workerId, at.toISOString()],
  );
  return rows.length === 1;
}

/** Extends the lease of a running job. False means another worker has taken it over. */
export async function heartbeat(sql: Query, jobId: string, workerId: string): Promise<boolean> {
  const rows = await sql.prepared(
    'job_heartbeat_v1',
    `UPDATE job SET locked_until = now() + (lease_seconds * interval '1 second'), updated_at = now()
     WHERE id = $1 AND locked_by = $2 AND status = 'running'
     RETURNING id`,
    [jobId, workerId],
  );
  return rows.length === 1;
}

/**
 * Puts a dead (or failed) job back in the queue with a fresh attempt budget, due now. An admin asked for
 * it, so by default it goes to the interactive lane.
 */
export async function redrive(
  db: Sql,
  jobId: string,
  workspaceId: string,
  lane: 'interactive' | 'normal' = 'interactive',
): Promise<boolean> {
  const n = await db.$executeRaw`
    UPDATE job SET status = 'queued', attempts = 0, run_at = now(), last_error = NULL, finished_at = NULL,
                   lane = ${lane}::"JobLane", updated_at = now()
    WHERE id = ${jobId} AND workspace_id = ${workspaceId} AND status IN ('dead', 'failed')`;
  return n === 1;
}

/**
 * "Retry now": a queued job of the workspace waiting for its next attempt (or scheduled later) becomes due
 * now, in the interactive lane. Its attempts are unchanged. False when it is not queued.
 */
export async function runNow(db: Sql, jobId: string, workspaceId: string): Promise<boolean> {
  const n = await db.$executeRaw`
    UPDATE job SET run_at = LEAST(run_at, now()), lane = 'interactive', updated_at = now()
    WHERE id = ${jobId} AND workspace_id = ${workspaceId} AND status = 'queued'`;
  return n === 1;
}

/**
 * Deletes finished jobs: succeeded ones finished before `succeededBefore`, dead ones before `deadBefore`.
 * Queued and running jobs are never touched. In chunks, so a large backlog never holds one long
 * transaction. (`run_at` never follows `finished_at`, so its condition only lets the index narrow the scan.)
 * Also drops concurrency rows idle for an hour (no job of theirs running) and fairness rows idle for a day.
 */
export async function pruneFinished(
  db: Sql,
  cutoffs: { succeededBefore: Date; deadBefore: Date },
  chunk = 5_000,
): Promise<number> {
  const { succeededBefore, deadBefore } = cutoffs;
  let total = 0;
  for (;;) {
    const n = await db.$executeRaw`
      DELETE FROM job WHERE id IN (
        SELECT id FROM job
        WHERE (status = 'succeeded' AND run_at < ${succeededBefore} AND finished_at < ${succeededBefore})
           OR (status = 'dead' AND run_at < ${deadBefore} AND finished_at < ${deadBefore})
        LIMIT ${chunk})`;
    total += n;
    if (n < chunk) break;
  }
  // A claim that takes a slot meanwhile either sees the row gone and inserts it again, or makes this
  // delete's re-check of `running = 0` fail: no slot is lost either way.
  await db.$executeRaw`
    DELETE FROM job_concurrency WHERE running = 0 AND updated_at < now() - interval '1 hour'`;
  // A key not served for a day counts as never served: it goes first next time, as it would anyway.
  await db.$executeRaw`DELETE FROM job_fairness WHERE served_at < now() - interval '1 day'`;
  return total;
}
