/**
 * Claim cost with a large backlog: the queue's claim (src/jobs/claim.ts: lanes, fairness by key, caps) beside
 * the claim it replaced (main at 62b897f: expired leases, then due jobs in run_at order), measured in the
 * same run on the same data.
 *
 *   npm run bench:claim                     PGlite (in memory); also PostgreSQL when BENCH_DATABASE_URL is set
 *   BENCH_BACKLOG=100000 BENCH_OTHER_KEYS=9 BENCH_CLAIMS=200 BENCH_LIMIT=4 BENCH_SKIP_PGLITE=1 (server only)
 *
 * Each database gets a scratch copy (PGlite in memory; on a server a database created and dropped here),
 * migrated, then filled in bulk: BENCH_BACKLOG queued jobs for one fairness key, three jobs each for
 * BENCH_OTHER_KEYS other keys, and 1 000 keys whose only job is due in three days (what every workspace's scheduled
 * cache refresh looks like). Both statements are PREPAREd on one connection and run alternately,
 * BENCH_CLAIMS times each; every claim commits (as in production) and its jobs are then marked
 * succeeded outside the timing. It prints the server-side execution time (EXPLAIN ANALYZE EXECUTE, the
 * figure docs/jobs.md quotes) and the round trip seen by the client, as median and p90, then one
 * EXPLAIN (ANALYZE, BUFFERS) plan of each. Numbers are printed, never asserted: the machine is shared.
 */
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { CLAIM_SQL } from '../src/jobs/claim.js';
import { type Database, openEmbedded, openServer } from '../src/store/database.js';
import { migrate } from '../src/store/migrate.js';

const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 100_000);
const CLAIMS = Number(process.env.BENCH_CLAIMS ?? 200);
const LIMIT = Number(process.env.BENCH_LIMIT ?? 4);
const OTHER_KEYS = Number(process.env.BENCH_OTHER_KEYS ?? 9);
const SERVER_URL = process.env.BENCH_DATABASE_URL?.trim();

/** The claim on main before lanes and fairness (src/jobs/queue.ts at 62b897f), kept here as the reference. */
const OLD_CLAIM_SQL = `
  WITH expired AS (
    SELECT id FROM job
    WHERE status = 'running' AND locked_until < now() AND name = ANY($2::text[])
    ORDER BY locked_until LIMIT $3 FOR UPDATE SKIP LOCKED
  ), due AS (
    SELECT id FROM job
    WHERE status = 'queued' AND run_at <= now() AND name = ANY($2::text[])
    ORDER BY run_at LIMIT $3 FOR UPDATE SKIP LOCKED
  ), picked AS (
    SELECT id FROM expired UNION ALL SELECT id FROM due LIMIT $3
  )
  UPDATE job SET
    status = 'running',
    locked_by = $1,
    locked_until = now() + (lease_seconds * interval '1 second'),
    attempts = attempts + 1,
    updated_at = now()
  WHERE id IN (SELECT id FROM picked)
  RETURNING id, name, payload, workspace_id, attempts, max_attempts, lease_seconds`;

/** One connection: PREPARE and EXECUTE must meet on the same session. */
type Session = { query<T>(text: string, params?: unknown[]): Promise<T[]>; close(): Promise<void> };

async function fill(s: Session): Promise<void> {
  // The reference's schema: the claim it replaced walked (status, run_at), an index the queue no longer
  // has (migration 20261203100000_job_finished_idx). Both claims run with it, so the new one pays its
  // entries on every claim's update; without it the reference is a sequential scan (~68 ms here).
  await s.query('CREATE INDEX IF NOT EXISTS bench_job_status_run_at_idx ON job (status, run_at)');
  const insert = (select: string) =>
    s.query(`
      INSERT INTO job (id, workspace_id, fair_key, name, payload, status, run_at, max_attempts, lease_seconds)
      ${select}`);
  // The backlog: enqueued over the last minute, oldest first, all due.
  await insert(`
    SELECT 'job_hog_' || lpad(g::text, 8, '0'), 'ws-hog', 'ws-hog', 'bench.echo', '{"n":1}', 'queued',
           now() - interval '60 seconds' + g * (interval '50 seconds' / ${BACKLOG}), 5, 20
    FROM generate_series(1, ${BACKLOG}) g`);
  await insert(`
    SELECT 'job_other_' || k || '_' || g, 'ws-' || k, 'ws-' || k, 'bench.echo', '{"n":1}', 'queued',
           now() - interval '5 seconds' + g * interval '1 second', 5, 20
    FROM generate_series(1, ${OTHER_KEYS}) k, generate_series(1, 3) g`);
  await insert(`
    SELECT 'job_later_' || k, 'ws-idle-' || k, 'ws-idle-' || k, 'bench.echo', '{"n":1}', 'queued',
           now() + interval '3 days', 5, 20
    FROM generate_series(1, 1000) k`);
  await s.query('ANALYZE job');
}

const median = (xs: number[]) => quantile(xs, 0.5);
function quantile(xs: number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}
const ms = (x: number) => `${x.toFixed(3)} ms`;

async function measure(label: string, s: Session): Promise<void> {
  await fill(s);
  await s.query(`PREPARE new_claim(text, text[], bigint, boolean, int, boolean, text) AS ${CLAIM_SQL}`);
  await s.query(`PREPARE old_claim(text, text[], int) AS ${OLD_CLAIM_SQL}`);
  const done = `UPDATE job SET status = 'succeeded', locked_by = NULL, locked_until = NULL WHERE locked_by = 'bench-worker'`;
  const args = `'bench-worker', ARRAY['bench.echo'], ${LIMIT}`;
  const statements = {
    new: {
      // takeExpired true: the claim that also looks for expired leases (the runner's, once a second).
      execute: `EXECUTE new_claim(${args}, false, 1000, true, 'default')`,
      server: [] as number[],
      client: [] as number[],
    },
    old: { execute: `EXECUTE old_claim(${args})`, server: [] as number[], client: [] as number[] },
  };

  // Which keys the first claim of each serves: the old one drains the backlog in run_at order.
  const firstKeys: Record<string, string[]> = {};
  for (const [which, st] of Object.entries(statements)) {
    const rows = await s.query<{ id: string; workspace_id: string }>(st.execute);
    firstKeys[which] = rows.map((r) => r.workspace_id);
    await s.query(done);
  }

  for (let i = 0; i < CLAIMS; i++) {
    for (const st of Object.values(statements)) {
      const [plan] = await s.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON, FORMAT JSON) ${st.execute}`,
      );
      const json = plan!['QUERY PLAN'] as unknown as { 'Execution Time': number }[];
      st.server.push(json[0]!['Execution Time']);
      const t0 = performance.now();
      await s.query(st.execute);
      st.client.push(performance.now() - t0);
      await s.query(done);
    }
  }

  console.log(
    `\n== ${label}: ${BACKLOG} queued for one key, 3 each for ${OTHER_KEYS} other keys, 1 000 keys due in 3 days`,
  );
  console.log(`   ${CLAIMS} claims of ${LIMIT} each, alternating; median / p90`);
  for (const [which, st] of Object.entries(statements)) {
    console.log(
      `   ${which === 'new' ? 'claim (lanes, fair by key)' : 'old claim (run_at order) '}  ` +
        `server ${ms(median(st.server))} / ${ms(quantile(st.server, 0.9))}   ` +
        `round trip ${ms(median(st.client))} / ${ms(quantile(st.client, 0.9))}   ` +
        `first claim served: ${firstKeys[which]!.join(', ')}`,
    );
  }
  for (const [which, st] of Object.entries(statements)) {
    const plan = await s.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${st.execute}`);
    console.log(
      `\n-- EXPLAIN (ANALYZE, BUFFERS) ${which} claim\n${plan.map((r) => r['QUERY PLAN']).join('\n')}`,
    );
    await s.query(done);
  }
}

async function embedded(): Promise<Session> {
  const client = await PGlite.create();
  const db: Database = await openEmbedded('memory://', client);
  await migrate(db.sql);
  return {
    query: async <T>(text: string, params: unknown[] = []) => (await client.query<T>(text, params)).rows,
    async close() {
      await db.close();
      await client.close();
    },
  };
}

async function server(url: string): Promise<Session> {
  const name = `gw_claim_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  const u = new URL(url);
  u.pathname = `/${name}`;
  const db = await openServer(u.toString(), 1);
  await migrate(db.sql);
  await db.close();
  const client = new pg.Client({ connectionString: u.toString() });
  await client.connect();
  return {
    query: async <T>(text: string, params: unknown[] = []) => (await client.query(text, params)).rows as T[],
    async close() {
      await client.end();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

const targets: [string, () => Promise<Session>][] = process.env.BENCH_SKIP_PGLITE
  ? []
  : [['PGlite', embedded]];
if (SERVER_URL) targets.push([`PostgreSQL (${new URL(SERVER_URL).host})`, () => server(SERVER_URL)]);
for (const [label, open] of targets) {
  const s = await open();
  try {
    await measure(label, s);
  } finally {
    await s.close();
  }
}
