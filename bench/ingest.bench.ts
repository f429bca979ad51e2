/**
 * Ingestion benchmark: the real gateway (createDeps + buildApp, PostgreSQL, group commit) against a
 * minimal Fastify server that does one plain INSERT per request, both loaded the same way. Two references
 * are loaded once at the end: the same HTTP stack answering without storing anything (the floor this
 * machine and load generator allow), and a minimal group-commit server (bench/minimal-group-commit.ts:
 * the gateway's write path with everything the gateway adds taken away).
 *
 *   npm run bench:ingest            BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres)
 *   BENCH_DURATION_S=10 BENCH_CONNECTIONS=50 BENCH_BODY_BYTES=1024 BENCH_ROUNDS=3; INGEST_* settings apply to the gateway
 *
 * Each round loads the gateway, then the baseline, for BENCH_DURATION_S each; the summary takes medians
 * (the machine's speed drifts from minute to minute, so one pair of runs can mislead). It exits non-zero
 * when an answered event was lost or stored twice.
 *
 * It creates its own database and drops it at the end; all load goes to 127.0.0.1 and is bounded in time.
 * The job workers are not started during the runs (ROLE=api): they measure acknowledging durably, i.e. the
 * event row and its event.process job committed. Afterwards the workers are started on the last round's
 * events, and the time event.process takes to work through them is printed.
 */
import { fork } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import pg from 'pg';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config/env.js';
import { createDeps } from '../src/deps.js';
import { createClockifySigner, generateKeyPair } from '../tools/simulator/clockify-signer.js';
import { startMinimalGroupCommit } from './minimal-group-commit.js';

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const BODY_BYTES = Number(process.env.BENCH_BODY_BYTES ?? 1024);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const DB_NAME = `gw_bench_${process.pid}`;

type LoadResult = {
  requestsPerSecond: number;
  total: number;
  ok2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  p50: number;
  p99: number;
  max: number;
};

type GatewayRun = LoadResult & {
  rows: number;
  jobs: number;
  unjobbed: number;
  duplicateRows: number;
  duplicateAnswers: number;
};

const median = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/**
 * The rounds' medians. The ratio is the median of each round's own ratio: a gateway run and the baseline
 * run right after it see the machine in the same state, runs minutes apart may not (shared CPUs).
 */
function summarise(rounds: { gw: GatewayRun; bl: LoadResult & { rows: number } }[]) {
  const lostOf = (r: LoadResult & { rows: number }) => Math.max(0, r.ok2xx - r.rows);
  return {
    gatewayRps: median(rounds.map((r) => r.gw.requestsPerSecond)),
    gatewayP99: median(rounds.map((r) => r.gw.p99)),
    baselineRps: median(rounds.map((r) => r.bl.requestsPerSecond)),
    baselineP99: median(rounds.map((r) => r.bl.p99)),
    ratio: median(rounds.map((r) => r.gw.requestsPerSecond / r.bl.requestsPerSecond)),
    lost: rounds.reduce((n, r) => n + lostOf(r.gw) + lostOf(r.bl), 0),
    duplicates: rounds.reduce((n, r) => n + r.gw.duplicateRows + r.gw.duplicateAnswers, 0),
    unjobbed: rounds.reduce((n, r) => n + r.gw.unjobbed, 0),
  };
}

const fmt = (n: number, d = 0) => n.toFixed(d);
const timing = (name: string, r: LoadResult) =>
  `${name.padEnd(10)} ${fmt(r.requestsPerSecond).padStart(7)} req/s  p50 ${fmt(r.p50, 1).padStart(5)} ms  p99 ${fmt(r.p99, 1).padStart(5)} ms  max ${fmt(r.max).padStart(4)} ms  `;
const report = (name: string, r: LoadResult, rows: number) =>
  timing(name, r) +
  `2xx ${r.ok2xx}  non-2xx ${r.non2xx}  errors ${r.errors}  rows ${rows}  lost ${Math.max(0, r.ok2xx - rows)}`;

const withDb = (url: string, name: string) => {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
};

function load(url: string, secret?: string): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(
      new URL('./load.ts', import.meta.url).pathname,
      [
        JSON.stringify({
          url,
          secret,
          connections: CONNECTIONS,
          durationS: DURATION_S,
          bodyBytes: BODY_BYTES,
        }),
      ],
      {
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
      },
    );
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').at(-1)!) as LoadResult)
        : reject(new Error(`load exited ${code}`)),
    );
  });
}

const admin = new pg.Client({ connectionString: ADMIN_URL });
await admin.connect();
await admin.query(`DROP DATABASE IF EXISTS ${DB_NAME}`);
await admin.query(`CREATE DATABASE ${DB_NAME}`);
const dbUrl = withDb(ADMIN_URL, DB_NAME);

try {
  // ---- the gateway ----
  const keys = generateKeyPair();
  const sign = createClockifySigner(keys.privateKeyPem);
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: dbUrl,
    PUBLIC_BASE_URL: 'http://127.0.0.1',
    ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'),
    CLOCKIFY_PUBLIC_KEY: keys.publicKeyPem,
    CLOCKIFY_REGISTER_EVENTS: 'none',
    ROLE: 'api',
    // INGEST_BATCH_WINDOW_MS, INGEST_BATCH_MAX, INGEST_BATCHES_IN_FLIGHT from the environment, to compare settings.
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('INGEST_'))),
  });
  const deps = await createDeps(config);
  const app = await buildApp(deps);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

  const workspaceId = 'b'.repeat(24);
  const addonKey = config.addon.key;
  const installToken = await sign({ workspaceId, addonId: 'bench-addon' }, { addonKey });
  const installed = await fetch(`${base}/lifecycle/installed`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-addon-lifecycle-token': await sign(
        { workspaceId, addonId: 'bench-addon' },
        { addonKey, expiresInS: 300 },
      ),
    },
    body: JSON.stringify({
      addonId: 'bench-addon',
      authToken: installToken,
      workspaceId,
      apiUrl: 'http://127.0.0.1:9/api',
      webhooks: [],
    }),
  });
  if (!installed.ok) throw new Error(`install failed: ${installed.status} ${await installed.text()}`);
  const userToken = await sign(
    { workspaceId, addonId: 'bench-addon', user: 'bench', workspaceRole: 'OWNER' },
    { addonKey, expiresInS: 600 },
  );
  const created = await fetch(`${base}/ui/sources`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${userToken}` },
    body: JSON.stringify({ name: 'bench github', verification: { scheme: 'github' } }),
  });
  if (created.status !== 201)
    throw new Error(`source creation failed: ${created.status} ${await created.text()}`);
  const source = (await created.json()) as { id: string; secret: string };

  const gwUrl = `${base}/webhooks/custom/${source.id}`;

  // ---- the baseline: one INSERT per request, answered after its commit ----
  const pool = new pg.Pool({ connectionString: dbUrl, max: 10 });
  await pool.query(
    'CREATE TABLE baseline_event (id text PRIMARY KEY, body bytea NOT NULL, headers jsonb NOT NULL, received_at timestamptz NOT NULL DEFAULT now())',
  );
  const baseline = Fastify({ logger: false });
  baseline.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) =>
    done(null, body),
  );
  let seq = 0;
  baseline.post('/ingest', async (req, reply) => {
    await pool.query('INSERT INTO baseline_event (id, body, headers) VALUES ($1, $2, $3)', [
      `b${process.pid}_${seq++}`,
      req.body as Buffer,
      JSON.stringify(req.headers),
    ]);
    return reply.code(202).send({ ok: true });
  });
  await baseline.listen({ host: '127.0.0.1', port: 0 });
  const bUrl = `http://127.0.0.1:${(baseline.server.address() as AddressInfo).port}/ingest`;

  // ---- the floor: the same HTTP stack answering without storing anything ----
  // Not a competitor: what this machine and load generator allow at all. Latency targets mean little
  // on a machine where a server that does nothing is already near them.
  const floor = Fastify({ logger: false });
  floor.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) =>
    done(null, body),
  );
  floor.post('/ingest', async (_req, reply) => reply.code(202).send({ ok: true }));
  await floor.listen({ host: '127.0.0.1', port: 0 });
  const fUrl = `http://127.0.0.1:${(floor.server.address() as AddressInfo).port}/ingest`;
  const minimal = await startMinimalGroupCommit(pool);

  /** One measured gateway run from an empty log and a clean checkpoint, with what it stored. */
  async function measureGateway(): Promise<GatewayRun> {
    await deps.db.sql.query('TRUNCATE webhook_event, job, webhook_source_stats, webhook_source_stats_delta');
    await admin.query('CHECKPOINT');
    const r = await load(gwUrl, source.secret);
    await deps.modules.ingestion.batcher.flush();
    // Every stored event must be listed by the event.process job it points at (one job per batch).
    const [row] = await deps.db.sql.query<{
      rows: string;
      distinct_keys: string;
      jobs: string;
      unjobbed: string;
      duplicates: string;
    }>(
      `SELECT (SELECT count(*) FROM webhook_event)::text AS rows, (SELECT count(DISTINCT dedup_key) FROM webhook_event)::text AS distinct_keys,
              (SELECT count(*) FROM job WHERE name = 'event.process')::text AS jobs,
              (SELECT count(*) FROM webhook_event e WHERE NOT EXISTS (
                 SELECT 1 FROM job j WHERE j.id = e.job_id AND j.payload->'eventIds' ? e.id))::text AS unjobbed,
              ((SELECT coalesce(sum(duplicates), 0) FROM webhook_source_stats)
                + (SELECT coalesce(sum(duplicates), 0) FROM webhook_source_stats_delta))::text AS duplicates`,
    );
    const rows = Number(row!.rows);
    return {
      ...r,
      rows,
      jobs: Number(row!.jobs),
      unjobbed: Number(row!.unjobbed),
      duplicateRows: rows - Number(row!.distinct_keys),
      duplicateAnswers: Number(row!.duplicates),
    };
  }

  /** One measured baseline run, the same way. */
  async function measureBaseline(): Promise<LoadResult & { rows: number }> {
    await pool.query('TRUNCATE baseline_event');
    await admin.query('CHECKPOINT');
    const r = await load(bUrl, source.secret);
    const { rows } = await pool.query<{ rows: string }>('SELECT count(*)::text AS rows FROM baseline_event');
    return { ...r, rows: Number(rows[0]!.rows) };
  }

  // Warm-up (JIT, pools, caches). Every server gets the same signed requests (the baseline and the floor
  // ignore the signature): the load generator shares the machine, so every run must cost it the same.
  await loadFor(gwUrl, source.secret, 2);
  await loadFor(bUrl, source.secret, 2);
  await loadFor(fUrl, source.secret, 2);
  await loadFor(minimal.url, source.secret, 2);

  console.log(
    `\ningest benchmark: ${CONNECTIONS} connections, ${DURATION_S} s per run, ${BODY_BYTES}-byte JSON bodies, ` +
      `PostgreSQL ${DB_NAME}; ${ROUNDS} round(s) of gateway then baseline`,
  );
  const rounds: { gw: GatewayRun; bl: LoadResult & { rows: number } }[] = [];
  for (let i = 1; i <= ROUNDS; i++) {
    const gw = await measureGateway();
    const bl = await measureBaseline();
    rounds.push({ gw, bl });
    console.log(`round ${i}`);
    console.log(report('gateway', gw, gw.rows));
    console.log(
      `           event.process jobs ${gw.jobs} (one per batch)  events without their job ${gw.unjobbed}  duplicate rows ${gw.duplicateRows}  duplicate answers ${gw.duplicateAnswers}`,
    );
    console.log(report('baseline', bl, bl.rows));
    console.log(`ratio      ${(gw.requestsPerSecond / bl.requestsPerSecond).toFixed(2)}×`);
  }

  // Processing: the last gateway round's events are still queued (the baseline has its own table). Start
  // the job workers (WORKER_CONCURRENCY) and time how long event.process takes to work through them.
  const queued = async () =>
    Number(
      (
        await deps.db.sql.query<{ n: string }>(
          "SELECT count(*)::text AS n FROM webhook_event WHERE status = 'queued'",
        )
      )[0]!.n,
    );
  const backlog = await queued();
  const drainStart = performance.now();
  deps.runner.start();
  while ((await queued()) > 0) await new Promise((r) => setTimeout(r, 100));
  const drainS = (performance.now() - drainStart) / 1_000;
  await deps.runner.stop(10_000);
  console.log(
    `processing ${backlog} events (the last round's) processed in ${drainS.toFixed(1)} s = ${fmt(backlog / drainS)} events/s ` +
      `by event.process (WORKER_CONCURRENCY ${config.worker.concurrency}; processors: entity cache (skips custom events), flows and outbound delivery, with no flow or endpoint configured)`,
  );

  const fl = await load(fUrl, source.secret);
  console.log(
    timing('no storage', fl) +
      `2xx ${fl.ok2xx}  non-2xx ${fl.non2xx}  errors ${fl.errors}  (the floor: same HTTP stack, answers without storing)`,
  );
  await pool.query('TRUNCATE group_event');
  await admin.query('CHECKPOINT');
  const mg = await load(minimal.url, source.secret);
  const { rows: mgRows } = await pool.query<{ rows: string }>(
    'SELECT count(*)::text AS rows FROM group_event',
  );
  console.log(
    report('minimal gc', mg, Number(mgRows[0]!.rows)) +
      '  (reference: group commit with nothing else: no verification, dedup or jobs)',
  );

  const s = summarise(rounds);
  // The bound on the ratio: a group-commit server that does nothing but store, against the same baseline.
  const mgRatio = mg.requestsPerSecond / s.baselineRps;
  console.log(
    `\nmedian of ${ROUNDS}: gateway ${fmt(s.gatewayRps)} req/s p99 ${fmt(s.gatewayP99, 1)} ms; baseline ${fmt(s.baselineRps)} req/s p99 ${fmt(s.baselineP99, 1)} ms`,
  );
  console.log(
    `reference  minimal group commit ${fmt(mg.requestsPerSecond)} req/s = ${mgRatio.toFixed(2)}× the median baseline: the most a server ` +
      `that stores before answering reaches here; the gateway makes ${fmt((100 * s.gatewayRps) / mg.requestsPerSecond)} % of it`,
  );
  console.log(
    `targets    ratio ${s.ratio.toFixed(2)}× the baseline's requests/s (median of the rounds' ratios; target ≥ 1.7×, issue #12); ` +
      `gateway p99 ${fmt(s.gatewayP99, 1)} ms (target ≤ 15 ms); lost ${s.lost}, duplicates ${s.duplicates}, events without their job ${s.unjobbed} (targets 0)`,
  );

  await floor.close();
  await minimal.close();
  await baseline.close();
  await pool.end();
  await app.close();
  await deps.close();
  // Losing or duplicating an event is a correctness failure, not a slow run: fail the script.
  if (s.lost + s.duplicates + s.unjobbed > 0) process.exitCode = 1;
} finally {
  // FORCE ends any connection still open (a pool's idle client then reports it; that is expected here).
  process.on('uncaughtException', (err) => {
    if (!/terminating connection/.test(String(err))) throw err;
  });
  await admin.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
  await admin.end();
}

async function loadFor(url: string, secret: string | undefined, seconds: number) {
  const child = fork(
    new URL('./load.ts', import.meta.url).pathname,
    [JSON.stringify({ url, secret, connections: CONNECTIONS, durationS: seconds, bodyBytes: BODY_BYTES })],
    {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    },
  );
  await new Promise((r) => child.on('exit', r));
}
