/**
 * The claim: which due jobs a worker takes next, in ONE prepared statement (docs/jobs.md, ADR 0001).
 *
 * Order:
 * 1. jobs whose lease expired (their worker died), oldest lease first; they keep their concurrency slot;
 * 2. the `interactive` lane (a person waits on it);
 * 3. on the claims the runner marks `retriesFirst` (a quarter of them, see runner.ts), the `retry` lane:
 *    the share reserved for retries, so they progress under any load of first attempts;
 * 4. the `normal` lane (first attempts);
 * 5. the `retry` lane, on every other claim.
 *
 * Within a lane, keys take turns: the keys with due work are ordered by when a job of theirs was last
 * claimed (`job_fairness`, never first), then by their oldest due job; the 1st job of each of them comes
 * before the 2nd of any. A key's backlog therefore never delays another key's next job by more than one
 * claim, however old that backlog is. To find the keys without reading their backlogs, the statement walks
 * `job_claim_idx` (five-minute bucket of run_at, lane, fair_key, run_at) WHERE status = 'queued' with a
 * recursive CTE: one index probe per (bucket, lane, key) due so far (a loose index scan), at most
 * MAX_KEYS_PER_CLAIM of them. Buckets after the current one are never visited, so keys whose jobs are all
 * due later (a cache refresh next week) cost nothing. The cost grows with the number of keys that have due
 * work (bounded by the cap), not with the size of any backlog (bench/claim.bench.ts).
 *
 * Candidates are read without locks, then locked in claim order with SKIP LOCKED, skipped rows not
 * counting towards the limit, so two workers claiming at once take different jobs (a job another worker
 * took and committed meanwhile is re-checked and dropped). Jobs with a concurrency key take slots in
 * `job_concurrency` in the same statement: one upsert per key grants at most `limit - running`; a job the
 * cap leaves out is not claimed and moves `capWaitMs` later without using an attempt, so the jobs behind
 * it are not blocked. Slots are taken in key order, as a statement giving several back takes them
 * (complete-sql.ts), so the two never deadlock.
 */
import { createHash } from 'node:crypto';
import type { Sql as PlainSql } from '../store/database.js';
import type { JobPool } from './catalog.js';

export type Lane = 'interactive' | 'normal' | 'retry';

export type ClaimedJob = {
  id: string;
  name: string;
  payload: unknown;
  workspace_id: string | null;
  attempts: number;
  max_attempts: number;
  lease_seconds: number;
  lane: Lane;
  concurrency_key: string | null;
  /** What the job type's claim read returned for this job (`ClaimRead`); absent when it has none or found nothing. */
  read?: unknown;
};

/**
 * A read that runs in the claim's own statement for the jobs of one type it claims, so their handler
 * starts with what it would otherwise fetch in a round trip of its own (the delivery attempts take their
 * messages, endpoints and secrets this way: docs/jobs.md). The text is the owning module's: src/jobs only
 * embeds it, as the modules embed `completeJobsSql`. `sql(jobs)` is a query over `jobs`, a relation of the
 * claimed jobs of that name with the columns `id`, `payload` (jsonb) and `workspace_id`, yielding at most
 * one row per job: `(job_id text, data jsonb)`. It sees the tables as of the claim's start, like the rest
 * of the statement, so a handler must treat a missing or stale read as "look it up yourself".
 */
export type ClaimRead = { name: string; sql: (jobs: string) => string };

export type ClaimOptions = {
  /** Take due retries before first attempts this time (the retry lane's reserved share). Default false. */
  retriesFirst?: boolean;
  /** How far a job whose concurrency key is full is pushed back, ms. Default 1 000. */
  capWaitMs?: number;
  /**
   * Look for jobs whose lease expired (step 1). Default true. A lease lasts tens of seconds, so the runner
   * asks at most about once a second (runner.ts) rather than paying the lookup on every claim.
   */
  takeExpired?: boolean;
  /** Reads for the jobs of given names, in the claim's statement (`ClaimRead`). */
  reads?: readonly ClaimRead[];
  /** The pool whose jobs to claim (`JobDefinition.pool`; `names` should be that pool's). Default `default`. */
  pool?: JobPool;
};

/** The bucket width of `job_claim_idx`; the expression must match the migration's index exactly. */
const BUCKET = `date_bin('5 minutes'::interval, run_at, '2000-01-01 00:00:00+00'::timestamptz)`;
const NOW_BUCKET = `date_bin('5 minutes'::interval, now(), '2000-01-01 00:00:00+00'::timestamptz)`;

/** A lane's claim priority: interactive, then retries on a `retriesFirst` claim, then normal, then retry. */
const PRIO = (lane: string) =>
  `CASE ${lane} WHEN 'interactive' THEN 0 WHEN 'normal' THEN 2 ELSE CASE WHEN $4 THEN 1 ELSE 3 END END`;

/**
 * How many (bucket, lane, key) triples one claim looks at. Up to this many keys with due work, every claim
 * is exactly fair; past it, the keys of the oldest buckets (then lane, then key order) are considered first,
 * so service falls back to first come, first served by five-minute bucket. Each triple costs one index
 * probe (~5 µs on a server): 256 bound the walk to about a millisecond (bench/claim.bench.ts).
 */
export const MAX_KEYS_PER_CLAIM = 256;

/**
 * 1. `keys`: the (bucket, lane, key) triples with queued jobs up to the current bucket, one index probe
 *    each (a loose index scan of job_claim_idx), each with its oldest run_at (the first index entry of the
 *    triple, so no extra probe). Triples whose oldest job is not due yet are dropped.
 * 2. `winners`: the keys whose turn it is: by lane priority, least recently served, oldest head; twice as
 *    many as the claim needs, so a worker racing another for the same keys still finds unlocked jobs.
 *    A fairness key that is also a concurrency key (an outbound endpoint) is passed over when every slot
 *    is taken, and otherwise offers no more candidates than it has free slots (`room`): taking more only
 *    to push them back `capWaitMs` later cost a write each, and reading them most of a busy claim's time
 *    (bench:deliver). (Read without a lock: a slot freed meanwhile is seen by the next claim, which the
 *    job that freed it wakes; a claim racing another may still defer a few.)
 * 3. `candidates`: up to 2 × limit due jobs of each winner (of the names asked for; at most its `room`),
 *    ranked within their key (`r`): the 1st job of every winner comes before the 2nd of any.
 * The walk does not look at job names: a key whose due jobs are all of names this worker does not run
 * can take a winner's place without yielding a job. Every worker registers every job type (deps.ts), so
 * that only happens in tests that run a few names.
 */
const CANDIDATE_CTES = `
  keys(b, lane, fair_key, head_at, n) AS (
    (SELECT ${BUCKET}, lane, fair_key, run_at, 1 FROM job
     WHERE status = 'queued' AND pool = $7 AND ${BUCKET} <= ${NOW_BUCKET}
     ORDER BY 1, 2, 3, 4 LIMIT 1)
    UNION ALL
    SELECT x.b, x.lane, x.fair_key, x.run_at, k.n + 1 FROM keys k CROSS JOIN LATERAL (
      SELECT ${BUCKET} AS b, lane, fair_key, run_at FROM job
      WHERE status = 'queued' AND pool = $7 AND ${BUCKET} <= ${NOW_BUCKET}
        AND (${BUCKET}, lane, fair_key) > (k.b, k.lane, k.fair_key)
      ORDER BY 1, 2, 3, 4 LIMIT 1) x
    WHERE k.n < ${MAX_KEYS_PER_CLAIM}
  ),
  winners AS (
    SELECT h.lane, h.fair_key, ${PRIO('h.lane')} AS prio, COALESCE(f.served_at, '-infinity') AS served_at,
           LEAST(2 * $3, COALESCE(cap."limit" - cap.running, 2 * $3)) AS room
    FROM (SELECT lane, fair_key, min(head_at) AS head_at FROM keys WHERE head_at <= now() GROUP BY lane, fair_key) h
    LEFT JOIN job_fairness f ON f.key = h.fair_key
    LEFT JOIN job_concurrency cap ON cap.key = h.fair_key
    WHERE cap.key IS NULL OR cap.running < cap."limit"
    ORDER BY 3, 4, h.head_at
    LIMIT 2 * $3
  ),
  candidates AS (
    SELECT c.id, c.run_at, w.fair_key, w.prio, w.served_at,
           row_number() OVER (PARTITION BY w.lane, w.fair_key ORDER BY k.b, c.run_at) AS r
    FROM winners w JOIN keys k ON k.lane = w.lane AND k.fair_key = w.fair_key AND k.head_at <= now()
    CROSS JOIN LATERAL (
      SELECT id, run_at FROM job
      WHERE status = 'queued' AND pool = $7 AND ${BUCKET} = k.b AND lane = k.lane AND fair_key = k.fair_key
        AND run_at <= now() AND name = ANY($2::text[])
      ORDER BY run_at LIMIT w.room) c
  ),`;

const RETURNED = `job.id, job.name, job.payload, job.workspace_id, job.attempts, job.max_attempts, job.lease_seconds,
            job.lane, job.concurrency_key`;

/**
 * $1 worker id, $2 job names, $3 limit, $4 true when this claim takes retries before first attempts (the
 * retry lane's reserved share, see runner.ts), $5 ms a job whose concurrency key is full is pushed back,
 * $6 true when this claim looks for expired leases (through `job_lease_idx`, the running jobs only),
 * $7 the pool whose jobs it claims (`JobDefinition.pool`): the walk visits only that pool's keys.
 * The CTEs that write (slot, deferred, the final UPDATE) touch rows no other part of the statement writes.
 * Sort nodes are kept few on purpose: each costs tens of µs here even on four rows.
 */
export const CLAIM_SQL = `
  WITH RECURSIVE
  expired AS (
    SELECT id FROM job
    WHERE $6 AND status = 'running' AND locked_until < now() AND name = ANY($2::text[])
    ORDER BY locked_until LIMIT $3 FOR UPDATE SKIP LOCKED
  ),
  ${CANDIDATE_CTES}
  locked AS (
    SELECT j.id, j.fair_key, j.concurrency_key, j.concurrency_limit, c.prio, c.r, c.served_at, c.run_at
    FROM candidates c JOIN job j ON j.id = c.id
    WHERE j.status = 'queued' AND j.run_at <= now()
    ORDER BY c.prio, c.r, c.served_at, c.run_at
    LIMIT GREATEST(0, $3 - (SELECT count(*) FROM expired))
    FOR UPDATE OF j SKIP LOCKED
  ),
  ranked AS (
    SELECT l.id, l.fair_key, l.concurrency_key,
           CASE WHEN l.concurrency_key IS NULL THEN 0 ELSE 1 + (
             SELECT count(*) FROM locked e
             WHERE e.concurrency_key = l.concurrency_key
               AND (e.prio, e.r, e.served_at, e.run_at, e.id) < (l.prio, l.r, l.served_at, l.run_at, l.id)) END AS ck_rank
    FROM locked l
  ),
  slot AS (
    INSERT INTO job_concurrency AS c (key, running, "limit", granted, updated_at)
    SELECT key, LEAST(n, lim), lim, LEAST(n, lim), now() FROM (
      SELECT concurrency_key AS key, count(*) AS n, GREATEST(1, max(concurrency_limit)) AS lim
      FROM locked WHERE concurrency_key IS NOT NULL GROUP BY concurrency_key
    ) w
    ORDER BY key
    ON CONFLICT (key) DO UPDATE SET
      granted = LEAST(EXCLUDED.granted, EXCLUDED."limit" - c.running),
      running = c.running + LEAST(EXCLUDED.granted, EXCLUDED."limit" - c.running),
      "limit" = EXCLUDED."limit",
      updated_at = now()
      WHERE c.running < EXCLUDED."limit"
    RETURNING key, granted
  ),
  deferred AS (
    UPDATE job SET run_at = now() + $5::int * interval '1 millisecond', updated_at = now()
    FROM ranked d LEFT JOIN slot s ON s.key = d.concurrency_key
    WHERE job.id = d.id AND d.concurrency_key IS NOT NULL AND d.ck_rank > COALESCE(s.granted, 0)
    RETURNING job.id
  ),
  taken AS (
    SELECT d.id, d.fair_key FROM ranked d LEFT JOIN slot s ON s.key = d.concurrency_key
    WHERE d.concurrency_key IS NULL OR d.ck_rank <= s.granted
  ),
  served AS (
    INSERT INTO job_fairness AS f (key, served_at)
    SELECT DISTINCT fair_key, now() FROM taken
    ON CONFLICT (key) DO UPDATE SET served_at = EXCLUDED.served_at
    RETURNING 1
  ),
  picked AS (
    SELECT id FROM expired UNION ALL SELECT id FROM taken
  )
  UPDATE job SET
    status = 'running',
    locked_by = $1,
    locked_until = now() + (lease_seconds * interval '1 second'),
    attempts = attempts + 1,
    updated_at = now()
  FROM picked p
  WHERE job.id = p.id
  RETURNING ${RETURNED}`;

/** Bump the version when CLAIM_SQL changes: a server caches prepared statements per connection by name. */
export const CLAIM_NAME = 'job_claim_v8';

const JOB_NAME = /^[a-z0-9][a-z0-9._-]*$/;

/**
 * The claim with reads: CLAIM_SQL's final UPDATE becomes the CTE `claimed`, and each read's rows are
 * joined to the jobs they belong to. Built once per set of reads (a runner always passes the same one).
 */
function claimWithReads(reads: readonly ClaimRead[]): { name: string; text: string } {
  const ctes = reads.map((r, i) => {
    if (!JOB_NAME.test(r.name)) throw new Error(`claim read for an invalid job name: ${r.name}`);
    const jobs = `(SELECT id, payload, workspace_id FROM claimed WHERE name = '${r.name}')`;
    return `read_${i}(job_id, data) AS (${r.sql(jobs)})`;
  });
  const cut = CLAIM_SQL.lastIndexOf('UPDATE job SET');
  const text = `${CLAIM_SQL.slice(0, cut).trimEnd()},
  claimed AS (${CLAIM_SQL.slice(cut)}),
  ${ctes.join(',\n  ')}
  SELECT c.*, r.data AS read FROM claimed c
  LEFT JOIN (${reads.map((_, i) => `SELECT job_id, data FROM read_${i}`).join(' UNION ALL ')}) r ON r.job_id = c.id`;
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 12);
  return { name: `${CLAIM_NAME}_r${hash}`, text };
}

const withReads = new WeakMap<readonly ClaimRead[], { name: string; text: string }>();

/**
 * Claims up to `limit` due jobs of the given names for `workerId` (see the file comment for the order).
 * SKIP LOCKED lets any number of workers on any number of instances claim at once.
 */
export async function claim(
  sql: Pick<PlainSql, 'prepared'>,
  workerId: string,
  names: string[],
  limit: number,
  opts: ClaimOptions = {},
): Promise<ClaimedJob[]> {
  if (names.length === 0 || limit <= 0) return [];
  const capWaitMs = Math.max(0, Math.round(opts.capWaitMs ?? 1_000));
  const params = [
    workerId,
    names,
    limit,
    opts.retriesFirst === true,
    capWaitMs,
    opts.takeExpired !== false,
    opts.pool ?? 'default',
  ];
  const reads = opts.reads ?? [];
  if (reads.length === 0) return sql.prepared<ClaimedJob>(CLAIM_NAME, CLAIM_SQL, params);
  let stmt = withReads.get(reads);
  if (stmt === undefined) withReads.set(reads, (stmt = claimWithReads(reads)));
  const rows = await sql.prepared<ClaimedJob & { read: unknown }>(stmt.name, stmt.text, params);
  // A read yields at most one row per job; should one yield more, the job is still run once.
  const seen = new Set<string>();
  const jobs: ClaimedJob[] = [];
  for (const r of rows) {
    if (seen.has(r.id)) continue;
    seen.add(r.id);
    if (r.read === null) delete (r as { read?: unknown }).read;
    jobs.push(r);
  }
  return jobs;
}
