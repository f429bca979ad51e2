/**
 * Outbound delivery benchmark (issue #16): the real gateway (createDeps, PostgreSQL, job runner) fans
 * events out to 10 endpoints on local receivers, each in a process of its own (receiver-process.ts) — 8
 * on a receiver answering 200, one on a receiver failing half the time, one on a receiver answering after
 * 2 s — and, as the floor on this machine, a minimal loop that only POSTs the same number of requests to
 * the 200 receiver with undici.
 *
 *   npm run bench:deliver     BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres)
 *   BENCH_EVENTS=10000 BENCH_RATE=1000 (events/s offered) BENCH_TIMEOUT_S=300 WORKER_CONCURRENCY=64
 *   BENCH_POOL (database connections; default the gateway's 10) DELIVERY_CONCURRENCY (the attempts' slots; default the gateway's 128)
 *   BENCH_PROFILE=1 (per prepared statement: runs, rows, latency; row versions per table)
 *   BENCH_REF_CONCURRENCY (in-flight requests per endpoint of the reference deliverer; default 10)
 *
 * Then, as the reference for first-attempt latency, a minimal durable deliverer (minimal-deliverer.ts) at the
 * same size and rate.
 * Prints deliveries/s to the 200 receiver, first-attempt latency (event committed → receiver got it)
 * p50/p99 for the healthy endpoints, the same in a run (first, same size and rate) without the slow and
 * failing endpoints, and per (event, endpoint) how many distinct webhook-ids were delivered (must be exactly 1).
 * Exits non-zero when a healthy message is missing or was delivered twice. Bounded by BENCH_TIMEOUT_S;
 * creates its own database and drops it.
 */
import pg from 'pg';
import pino from 'pino';
import { Agent, request } from 'undici';
import { loadConfig } from '../src/config/env.js';
import { createDeps } from '../src/deps.js';
import { newId } from '../src/platform/ids.js';
import { openServer } from '../src/store/database.js';
import { runMinimalDeliverer } from './minimal-deliverer.js';
import { epochNow, startReceiverProcess } from './receiver-process.js';
import { serverCpuSeconds } from './server-cpu.js';

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000);
const RATE = Number(process.env.BENCH_RATE ?? 1_000);
const TIMEOUT_S = Number(process.env.BENCH_TIMEOUT_S ?? 300);
const DB_NAME = `gw_bench_deliver_${process.pid}`;
const HEALTHY = 8;
// In-flight requests per endpoint of the reference deliverer (default: the bench endpoints' 10).
const REF_CONCURRENCY = Number(process.env.BENCH_REF_CONCURRENCY ?? 10);

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

const withDb = (url: string, name: string) => {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
};

// Each receiver in a process of its own (a receiver is never in the gateway's process): receiver-process.ts.
const [healthy, flaky, slow] = await Promise.all([
  startReceiverProcess('ok'),
  startReceiverProcess('flaky'),
  startReceiverProcess('slow'),
]);
const admin = new pg.Client({ connectionString: ADMIN_URL });
await admin.connect();
await admin.query(`DROP DATABASE IF EXISTS ${DB_NAME}`);
await admin.query(`CREATE DATABASE ${DB_NAME}`);
let failed = false;

try {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: withDb(ADMIN_URL, DB_NAME),
    PUBLIC_BASE_URL: 'http://127.0.0.1',
    ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'),
    CLOCKIFY_REGISTER_EVENTS: 'none',
    OUTBOUND_ALLOW_CIDRS: '127.0.0.1/32',
    OUTBOUND_ALLOW_HTTP: 'true',
    OUTBOUND_ALLOWED_PORTS: [healthy.port, flaky.port, slow.port].join(','),
    WORKER_CONCURRENCY: process.env.WORKER_CONCURRENCY ?? '64',
    // The attempts' slots: the gateway's default unless DELIVERY_CONCURRENCY is given.
    ...(process.env.DELIVERY_CONCURRENCY === undefined
      ? {}
      : { DELIVERY_CONCURRENCY: process.env.DELIVERY_CONCURRENCY }),
    JOB_POLL_INTERVAL_MS: '20',
  });
  // BENCH_POOL: the database pool's size (default: the gateway's own, 10 connections).
  const poolSize = process.env.BENCH_POOL === undefined ? undefined : Number(process.env.BENCH_POOL);
  const deps = await createDeps(config, {
    logger: pino({ level: 'silent' }),
    ...(poolSize !== undefined ? { database: await openServer(withDb(ADMIN_URL, DB_NAME), poolSize) } : {}),
  });
  // BENCH_PROFILE=1: per prepared statement, how many ran, rows returned, and time from call to result
  // (waiting for a pool connection included), printed after each run.
  const profile = new Map<string, { n: number; rows: number; ms: number[] }>();
  if (process.env.BENCH_PROFILE === '1') {
    const sql = deps.db.sql;
    const prepared = sql.prepared.bind(sql);
    sql.prepared = async <T>(name: string, text: string, params: unknown[]) => {
      const t = performance.now();
      const rows = await prepared<T>(name, text, params);
      const p = profile.get(name) ?? { n: 0, rows: 0, ms: [] };
      p.n++;
      p.rows += rows.length;
      p.ms.push(performance.now() - t);
      profile.set(name, p);
      return rows;
    };
  }
  const printProfile = () => {
    for (const [name, p] of [...profile].sort((a, b) => b[1].n - a[1].n))
      console.log(
        `  ${name.padEnd(28)} ${String(p.n).padStart(7)} runs, ${(p.rows / p.n).toFixed(1).padStart(5)} rows/run, ` +
          `p50 ${pct(p.ms, 50).toFixed(1)} ms, p99 ${pct(p.ms, 99).toFixed(1)} ms`,
      );
    profile.clear();
  };

  /** One run: endpoints, events offered at RATE, workers on; returns the healthy endpoints' numbers. */
  async function run(label: string, withBad: boolean, events: number) {
    const ws = newId('ws').slice(0, 24);
    const url = (p: number) => `http://127.0.0.1:${p}/hook`;
    const eps: string[] = [];
    for (let i = 0; i < HEALTHY; i++)
      eps.push((await deps.delivery.endpoints.create(ws, body(url(healthy.port)))).id);
    if (withBad) {
      await deps.delivery.endpoints.create(ws, body(url(flaky.port)));
      await deps.delivery.endpoints.create(ws, body(url(slow.port)));
    }
    const committed = new Map<string, number>();
    const okBefore = await healthy.delivered();
    deps.startWorkers();
    // This server runs with autovacuum off (`SHOW autovacuum`): the gateway then VACUUMs and ANALYZEs its
    // own tables (DB_MAINTENANCE=auto, src/store/maintenance.ts), as autovacuum would in production.
    const t0 = epochNow();
    const cpu0 = process.cpuUsage();
    const pg0 = await serverCpuSeconds(admin, DB_NAME);
    const ctx = {
      jobId: 'bench',
      attempt: 1,
      workspaceId: ws,
      log: pino({ level: 'silent' }),
      signal: new AbortController().signal,
    };
    // Offered at RATE events/s, several in flight at once (as event.process jobs would be).
    let next = 0;
    const worker = async () => {
      for (;;) {
        const i = next++;
        if (i >= events) return;
        const due = t0 + (i * 1_000) / RATE;
        const wait = due - epochNow();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const id = newId('evt');
        await deps.delivery.processor.process(
          {
            id,
            workspaceId: ws,
            sourceKind: 'clockify',
            sourceId: null,
            eventType: 'NEW_TIME_ENTRY',
            payload: { id: `te${i}`, description: 'bench', workspaceId: ws },
            receivedAt: new Date(),
          },
          ctx,
        );
        committed.set(id, epochNow());
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    const offeredS = (epochNow() - t0) / 1_000;
    // Wait for every healthy message.
    const expected = events * HEALTHY;
    const deadline = Date.now() + TIMEOUT_S * 1_000;
    const pool = new pg.Client({ connectionString: withDb(ADMIN_URL, DB_NAME) });
    await pool.connect();
    const healthyDelivered = async () =>
      Number(
        (
          await pool.query(
            `SELECT count(*) AS n FROM webhook_message WHERE endpoint_id = ANY($1) AND status = 'delivered'`,
            [eps],
          )
        ).rows[0].n,
      );
    // Waits on the receiver's own count, not the database: a count over the messages every 200 ms cost
    // PostgreSQL ~27 ms each (13 % of a core taken from the gateway during the run); the database is
    // asked only once the receiver has them all (the statuses follow within a statement or two).
    while ((await healthy.delivered()) - okBefore < expected && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    let done = 0;
    while ((done = await healthyDelivered()) < expected && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    const rows = (
      await pool.query(`SELECT id, unique_key FROM webhook_message WHERE endpoint_id = ANY($1)`, [eps])
    ).rows as { id: string; unique_key: string }[];
    await pool.end();
    const lat: number[] = [];
    let last = 0;
    let twice = 0;
    let missing = 0;
    const seen = await healthy.dump();
    for (const r of rows) {
      const firstAt = seen.first.get(r.id);
      const okCount = seen.ok.get(r.id) ?? 0;
      if (okCount === 0) missing++;
      if (okCount > 1) twice++;
      const c = committed.get(r.unique_key.slice('event:'.length));
      if (firstAt !== undefined && c !== undefined) lat.push(firstAt - c);
      if (firstAt !== undefined) last = Math.max(last, firstAt);
    }
    missing += expected - rows.length;
    const elapsedS = (last - t0) / 1_000;
    console.log(
      `${label}: ${events} events × ${withBad ? 10 : HEALTHY} endpoints, offered in ${offeredS.toFixed(1)} s ` +
        `(${(events / offeredS).toFixed(0)} events/s); healthy delivered ${done}/${expected} ` +
        `→ ${(done / elapsedS).toFixed(0)} deliveries/s to the 200 receiver; first-attempt latency ` +
        `p50 ${pct(lat, 50).toFixed(1)} ms, p99 ${pct(lat, 99).toFixed(1)} ms; ` +
        `distinct webhook-ids delivered per (event, endpoint): missing ${missing}, more than once ${twice}`,
    );
    if (missing > 0 || twice > 0) failed = true;
    // CPU per delivery varies less than deliveries/s on a shared machine: compare it across runs.
    const cpu = process.cpuUsage(cpu0);
    const processS = (cpu.user + cpu.system) / 1e6;
    const backendsS = (await serverCpuSeconds(admin, DB_NAME)) - pg0;
    const perDelivery = (seconds: number) => `${((seconds * 1e6) / Math.max(1, done)).toFixed(0)} µs`;
    console.log(
      `  CPU: this process (gateway and event feeder) ${processS.toFixed(1)} s, its PostgreSQL backends ` +
        `${backendsS.toFixed(1)} s, in ${((epochNow() - t0) / 1_000).toFixed(1)} s; per healthy delivery ` +
        `${perDelivery(processS)} and ${perDelivery(backendsS)}`,
    );
    if (profile.size > 0) {
      // Row versions written per table since the database was made (updates in place, HOT, write no index
      // entry); the server publishes its counters about once a second.
      const tables = new pg.Client({ connectionString: withDb(ADMIN_URL, DB_NAME) });
      await tables.connect();
      const { rows: stats } = await tables.query(
        `SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del FROM pg_stat_user_tables
         WHERE relname IN ('job', 'webhook_message', 'webhook_attempt') ORDER BY relname`,
      );
      await tables.end();
      for (const r of stats)
        console.log(
          `  ${String(r.relname).padEnd(16)} inserted ${r.n_tup_ins}, updated ${r.n_tup_upd} ` +
            `(in place ${r.n_tup_hot_upd}), deleted ${r.n_tup_del} (so far)`,
        );
    }
    printProfile();
    await deps.runner.stop(5_000);
    return { rate: done / elapsedS, p99: pct(lat, 99), deliveries: done };
  }

  // The healthy endpoints alone first, then with the slow and failing ones, at the same size and rate:
  // the other order would leave the slow endpoint's backlog (2 s per request, 10 at a time) running
  // through the reference run.
  // A short warm-up, not counted: connections, prepared statements and the JIT, which the first
  // measured run would otherwise pay for in its latency.
  await run('warm-up (not counted)     ', false, Math.min(200, EVENTS));
  const clean = await run('healthy endpoints only    ', false, EVENTS);
  const mixed = await run('with slow + failing endpoints', true, EVENTS);

  // The floor: a minimal loop that only POSTs the same number of requests with undici.
  const agent = new Agent({ connections: 64, keepAliveTimeout: 30_000 });
  const n = mixed.deliveries;
  let sent = 0;
  const f0 = performance.now();
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (sent < n) {
        sent++;
        const r = await request(`http://127.0.0.1:${healthy.port}/floor`, {
          method: 'POST',
          body: '{"type":"NEW_TIME_ENTRY"}',
          headers: { 'content-type': 'application/json' },
          dispatcher: agent,
        });
        await r.body.dump();
      }
    }),
  );
  const floor = n / ((performance.now() - f0) / 1_000);
  await agent.close();
  console.log(`undici floor: ${n} POSTs → ${floor.toFixed(0)} requests/s`);

  // The reference for first-attempt latency: a minimal durable deliverer (minimal-deliverer.ts) at the
  // same size and rate, to the same 10 endpoints, 10 requests in flight per endpoint (the gateway's
  // default), after a warm-up of its own (200 events, not counted).
  const url = (p: number) => `http://127.0.0.1:${p}/hook`;
  const refUrls = [
    ...Array.from({ length: HEALTHY }, () => url(healthy.port)),
    url(flaky.port),
    url(slow.port),
  ];
  const refOpts = { urls: refUrls, healthy: HEALTHY, rate: RATE, concurrency: REF_CONCURRENCY };
  await runMinimalDeliverer(withDb(ADMIN_URL, DB_NAME), {
    ...refOpts,
    events: Math.min(200, EVENTS),
    timeoutMs: TIMEOUT_S * 1_000,
    tag: 'warm',
  });
  const ref = await runMinimalDeliverer(withDb(ADMIN_URL, DB_NAME), {
    ...refOpts,
    events: EVENTS,
    timeoutMs: TIMEOUT_S * 1_000,
    tag: 'ref',
  });
  const refSeen = (await healthy.dump()).first;
  const refLat: number[] = [];
  let refLast = 0;
  for (const [id, c] of ref.committed) {
    if (ref.endpointOf.get(id)! >= HEALTHY) continue;
    const at = refSeen.get(id);
    if (at === undefined) continue;
    refLat.push(at - c);
    refLast = Math.max(refLast, at);
  }
  console.log(
    `minimal durable deliverer (reference; ${REF_CONCURRENCY} in flight per endpoint), ${EVENTS} events × 10 endpoints: ` +
      `healthy delivered ` +
      `${refLat.length}/${EVENTS * HEALTHY} → ${(refLat.length / ((refLast - ref.startedAt) / 1_000)).toFixed(0)} ` +
      `deliveries/s; first-attempt latency p50 ${pct(refLat, 50).toFixed(1)} ms, p99 ${pct(refLat, 99).toFixed(1)} ms`,
  );
  console.log(
    `gateway / floor: ${((mixed.rate / floor) * 100).toFixed(1)} %; healthy p99 with / without the bad endpoints: ` +
      `${mixed.p99.toFixed(1)} / ${clean.p99.toFixed(1)} ms (×${(mixed.p99 / clean.p99).toFixed(2)})`,
  );
  await deps.close();
} catch (err) {
  console.error('bench failed:', err);
  failed = true;
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
  await admin.end();
  await Promise.all([healthy.close(), flaky.close(), slow.close()]);
}
process.exit(failed ? 1 : 0);

function body(url: string) {
  return {
    url,
    description: 'bench',
    eventTypes: ['*'],
    sources: '*' as const,
    headers: {},
    timeoutMs: 15_000,
    rateLimit: null,
    concurrency: 10,
    enabled: true,
  };
}
