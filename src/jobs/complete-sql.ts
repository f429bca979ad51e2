/**
 * A job's end inside a caller's own statement. A handler whose last write is one statement (the delivery
 * attempts' settlement) ends its jobs in that same statement, saving the runner's separate `complete` or
 * `fail` round trip per job. src/jobs stays the only writer of `job` and `job_concurrency` by owning the
 * text: the caller embeds it as data-modifying CTEs.
 *
 *   WITH src AS (…), …, ${completeJobsSql('done', 'SELECT job_id, worker_id FROM src')}
 *   SELECT …, (SELECT array_agg(id) FROM done) AS completed
 *
 * Like `complete` and `fail` (queue.ts), only the lease holder ends a job, and each concurrency slot is
 * given back exactly once (only for jobs this statement really moved out of running). The handler then
 * returns `'settled'` for those jobs (runner.ts), so the runner records nothing more.
 */

const IDENT = /^[a-z_][a-z0-9_]*$/;

/**
 * `${name}_slots`: the ended jobs' concurrency rows, locked in key order, so statements giving back slots
 * of several keys never deadlock each other or a claim, which takes slots in key order too;
 * `${name}_released`: the slots given back, several jobs of one key in one update.
 */
const releaseSlots = (name: string) => `
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

/**
 * The jobs to end, looked up by primary key. Without it the planner, which takes a CTE for an unknown
 * number of rows, may read every running job's entry of another index instead: auto_explain over
 * bench:flows showed a settle of 46 jobs reading 4 496 entries of the status index (a fifth of its time).
 */
const byId = (name: string) => `job.id = ANY(ARRAY(SELECT id FROM ${name}_src))`;

/**
 * CTEs completing jobs: `${name}_src` (the source's rows), `${name}` (the jobs completed: `id`,
 * `concurrency_key`) and the slot CTEs above.
 * `source` is any SQL query yielding two text columns: the job id and the worker id that must hold its
 * lease (`JobContext.workerId`; null completes nothing).
 * `keep: false` deletes the jobs instead of keeping them as `succeeded` until `jobs.prune`: for a handler
 * whose own rows are the record of the work (a delivered message and its attempt). A job row's end is then
 * one deleted tuple instead of a new version with an entry in each of its indexes (status is in the
 * partial indexes' predicates, so no update of a job is HOT).
 */
export function completeJobsSql(name: string, source: string, opts: { keep?: boolean } = {}): string {
  if (!IDENT.test(name)) throw new Error('name must be a plain SQL identifier');
  const end =
    opts.keep === false
      ? `DELETE FROM job USING ${name}_src`
      : `UPDATE job SET status = 'succeeded', locked_by = NULL, locked_until = NULL, last_error = NULL,
                   finished_at = now(), updated_at = now()
    FROM ${name}_src`;
  return `
  ${name}_src(id, worker_id) AS MATERIALIZED (${source}),
  ${name} AS (
    ${end}
    WHERE job.id = ${name}_src.id AND job.locked_by = ${name}_src.worker_id AND job.status = 'running'
      AND ${byId(name)}
    RETURNING job.id, job.concurrency_key
  ),${releaseSlots(name)}`;
}

/**
 * CTEs requeueing jobs whose attempt failed, as `fail` with a retry time does: back to `queued` in the
 * retry lane, due at the given time, the attempt counted. `${name}` (the jobs requeued: `id`,
 * `concurrency_key`) and the slot CTEs above. `source` yields the job id, the worker id that must hold
 * its lease, the time to retry at (timestamptz) and the error (text, cut to 2 000 characters).
 */
export function retryJobsSql(name: string, source: string): string {
  if (!IDENT.test(name)) throw new Error('name must be a plain SQL identifier');
  return `
  ${name}_src(id, worker_id, run_at, error) AS MATERIALIZED (${source}),
  ${name} AS (
    UPDATE job SET status = 'queued', lane = 'retry', locked_by = NULL, locked_until = NULL,
                   last_error = left(${name}_src.error, 2000), run_at = ${name}_src.run_at, updated_at = now()
    FROM ${name}_src
    WHERE job.id = ${name}_src.id AND job.locked_by = ${name}_src.worker_id AND job.status = 'running'
      AND ${byId(name)}
    RETURNING job.id, job.concurrency_key
  ),${releaseSlots(name)}`;
}
