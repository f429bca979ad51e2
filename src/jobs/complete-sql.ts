/**
 * Job completion inside a caller's own statement. A handler whose last write is one statement (the
 * delivery attempts' settlement) completes its jobs in that same statement, saving the runner's separate
 * `complete` round trip per job. src/jobs stays the only writer of `job` and `job_concurrency` by owning
 * the text: the caller embeds it as data-modifying CTEs.
 *
 *   WITH src AS (…), …, ${completeJobsSql('done', 'SELECT job_id, worker_id FROM src')}
 *   SELECT …, (SELECT array_agg(id) FROM done) AS completed
 *
 * Like `complete` (queue.ts), only the lease holder completes a job, and each concurrency slot is given
 * back exactly once (only for jobs this statement really moved from running to succeeded). The handler
 * then returns `'completed'` for those jobs (runner.ts) so the runner does not complete them again.
 */

/**
 * Three CTEs: `${name}` (the jobs completed: `id`, `concurrency_key`), `${name}_slots` (their concurrency
 * rows, locked in key order, so statements giving back slots of several keys never deadlock each other or
 * a claim, which takes slots in key order too) and `${name}_released` (the slots given back, several jobs
 * of one key in one update). `source` is any SQL query yielding two text columns: the job id and the
 * worker id that must hold its lease (`JobContext.workerId`; null completes nothing).
 */
export function completeJobsSql(name: string, source: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error('name must be a plain SQL identifier');
  return `
  ${name} AS (
    UPDATE job SET status = 'succeeded', locked_by = NULL, locked_until = NULL, last_error = NULL,
                   finished_at = now(), updated_at = now()
    FROM (${source}) AS ${name}_src(id, worker_id)
    WHERE job.id = ${name}_src.id AND job.locked_by = ${name}_src.worker_id AND job.status = 'running'
    RETURNING job.id, job.concurrency_key
  ),
  ${name}_slots AS MATERIALIZED (
    SELECT c.key FROM job_concurrency c
    WHERE c.key IN (SELECT concurrency_key FROM ${name} WHERE concurrency_key IS NOT NULL)
    ORDER BY c.key
    FOR UPDATE
  ),
  ${name}_released AS (
    UPDATE job_concurrency c SET running = GREATEST(c.running - d.n, 0), updated_at = now()
    FROM (SELECT concurrency_key, count(*)::int AS n FROM ${name} GROUP BY concurrency_key) d
    JOIN ${name}_slots l ON l.key = d.concurrency_key
    WHERE c.key = d.concurrency_key
    RETURNING 1
  )`;
}
