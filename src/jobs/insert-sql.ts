/**
 * Jobs inserted by a caller's own hot statement. The ingest batch writes its events and their
 * event.process jobs in ONE statement (one round trip, one commit per batch: docs/ingestion.md); a separate
 * enqueue would double its cost. src/jobs stays the only writer of `job` by owning the text of that insert:
 * the caller embeds it as a data-modifying CTE and appends the parameters.
 *
 *   jobs AS (${insertJobsSql(`SELECT job_id AS id, workspace_id, jsonb_build_object(…) AS payload FROM ins`, 13)})
 *   …params, ...insertJobsParams(eventProcessJob)
 *
 * The payload is built in SQL, so it is not parsed with the definition's schema here (enqueue does that);
 * the runner parses it on the way out, and a payload that does not match makes the job dead at once.
 */
import type { JobDefinition } from './catalog.js';

/**
 * The body of a CTE that inserts one queued job of a definition per row of `source`, due now, in the
 * `normal` lane, its fairness key the workspace. `source` is any SQL query yielding the columns
 * `id text` (a `newSortableId('job')`), `workspace_id text` (may be null) and `payload jsonb`.
 * The fragment uses the parameters `$firstParam` … `$firstParam + 3`; pass `insertJobsParams(def)` there.
 * It returns `id` of each inserted job. The text depends only on its arguments, so a statement built
 * from it can be prepared once.
 */
export function insertJobsSql(source: string, firstParam: number): string {
  if (!Number.isInteger(firstParam) || firstParam < 1)
    throw new Error('firstParam must be a whole number ≥ 1');
  const [name, maxAttempts, leaseSeconds, pool] = [0, 1, 2, 3].map((n) => `$${firstParam + n}`);
  return `
          INSERT INTO job (id, workspace_id, fair_key, name, payload, status, run_at, max_attempts, lease_seconds, lane,
                           pool)
          SELECT s.id, s.workspace_id, COALESCE(s.workspace_id, ''), ${name}::text, s.payload, 'queued', now(),
                 ${maxAttempts}::int, ${leaseSeconds}::int, 'normal', ${pool}::text
          FROM (${source}) s
          RETURNING id`;
}

/**
 * Like `insertJobsSql`, for jobs that carry their own fairness key, concurrency cap and dedupe key (as
 * `enqueue` with `fairnessKey`, `concurrency` and `dedupeKey` would write them): `source` yields, besides
 * `id`, `workspace_id` and `payload`, the columns `fair_key text`, `concurrency_key text` (may be null),
 * `concurrency_limit int` (≥ 1 when a key is given) and `dedupe_key text` (may be null; a job whose key
 * exists already is skipped). Same parameters as `insertJobsSql`; returns `id` of each inserted job.
 */
export function insertKeyedJobsSql(source: string, firstParam: number): string {
  if (!Number.isInteger(firstParam) || firstParam < 1)
    throw new Error('firstParam must be a whole number ≥ 1');
  const [name, maxAttempts, leaseSeconds, pool] = [0, 1, 2, 3].map((n) => `$${firstParam + n}`);
  return `
          INSERT INTO job (id, workspace_id, fair_key, name, payload, status, run_at, max_attempts, lease_seconds, lane,
                           concurrency_key, concurrency_limit, dedupe_key, pool)
          SELECT s.id, s.workspace_id, COALESCE(s.fair_key, s.workspace_id, ''), ${name}::text, s.payload, 'queued',
                 now(), ${maxAttempts}::int, ${leaseSeconds}::int, 'normal',
                 s.concurrency_key, CASE WHEN s.concurrency_key IS NULL THEN NULL ELSE GREATEST(1, s.concurrency_limit) END,
                 s.dedupe_key, ${pool}::text
          FROM (${source}) s
          ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
          RETURNING id`;
}

/** The parameter values `insertJobsSql` and `insertKeyedJobsSql` expect, in order. */
export function insertJobsParams(
  def: JobDefinition,
): [name: string, maxAttempts: number, leaseSeconds: number, pool: string] {
  return [def.name, def.maxAttempts, def.leaseSeconds, def.pool ?? 'default'];
}
