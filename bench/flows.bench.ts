/**
 * Flows benchmark: the real gateway (createDeps + buildApp + job runner, PostgreSQL) with one custom source
 * and one flow (one condition, one Clockify action) per workspace, calling the fake Clockify with its rate
 * limit raised, in a process of its own. Events go in through the webhook endpoint (in-process inject), open loop.
 *
 *   npm run bench:flows      BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres)
 *   BENCH_RATE=500 BENCH_SECONDS=10 BENCH_SATURATION_EVENTS=4000 BENCH_QUIET_RATE=20 WORKER_CONCURRENCY=64
 *   BENCH_POOL=10 (the database pool; the gateway's is 10) BENCH_TRACE=1 (time each prepared statement)
 *   BENCH_FILLFACTOR=80 (the executions' and steps' tables leave room for HOT updates)
 *   BENCH_WARM=500:4 (the warm-up's events/s and seconds; default BENCH_RATE for 4 s) DB_MAINTENANCE, DB_MAINTENANCE_INTERVAL_MS apply to the gateway
 *
 * Prints, per phase: executions completed, calls the fake received per event (must be exactly 1), latency
 * from the event's commit (its 202) to the fake receiving the call (p50/p99); executions/s at saturation;
 * the p99 of a quiet workspace alone and while another is flooded. The flows' Clockify client gets a no-op
 * limiter (the per-workspace limiter caps Clockify calls at 50/s, which would measure the cap, not the
 * engine). It creates its own database and drops it; the load is in-process, all of it bounded.
 *
 * References measured in the same run (the machine is shared, so compare ratios): the fake Clockify's own
 * rate for `createNewTag` from a minimal undici loop (the call each execution makes, nothing else), and the
 * database's commit ceiling (single-row INSERT commits from as many connections as the gateway's pool);
 * at saturation it also prints the commits the database counted per execution, which with the ceiling
 * bounds what any execution path with that many commits can reach here. For the quiet-neighbour phases, a
 * database round trip from a process of its own (bench/probe-process.ts), alone and during the flood. The
 * open loop and saturation also print how busy this process's event loop was, and the open loop the
 * sequential scans the database did meanwhile.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import pg from 'pg';
import pino from 'pino';
import { request } from 'undici';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config/env.js';
import { createDeps } from '../src/deps.js';
import { openDatabase } from '../src/store/database.js';
import { createClockifySigner, generateKeyPair } from '../tools/simulator/clockify-signer.js';
import { startFakeClockifyProcess } from './fake-clockify-process.js';
import { startProbeProcess } from './probe-process.js';
import { serverCpuSeconds } from './server-cpu.js';

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const RATE = Number(process.env.BENCH_RATE ?? 500);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const SATURATION = Number(process.env.BENCH_SATURATION_EVENTS ?? 4_000);
const QUIET_RATE = Number(process.env.BENCH_QUIET_RATE ?? 20);
const DB_NAME = `gw_flows_bench_${process.pid}`;
const withDb = (url: string, db: string) => {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
};
const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const REF_MS = 2_000;
/** The database pool: the gateway's (src/store/database.ts) is 10 connections; BENCH_POOL to try others. */
const POOL = Number(process.env.BENCH_POOL ?? 10);

/** Runs `op` from `concurrency` loops for REF_MS; returns completed operations per second. */
/** Watches this process's event loop from now: the stop function describes its busy share and delays. */
function loopWatch(): () => string {
  const elu = performance.eventLoopUtilization();
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  return () => {
    h.disable();
    const u = performance.eventLoopUtilization(elu);
    const ms = (ns: number) => (ns / 1e6).toFixed(1);
    return `busy ${(u.utilization * 100).toFixed(0)} %, delay p50 ${ms(h.percentile(50))} ms p99 ${ms(h.percentile(99))} ms max ${ms(h.max)} ms`;
  };
}

async function rateOf(concurrency: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let done = 0;
  const until = Date.now() + REF_MS;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, c) => {
      for (let i = 0; Date.now() < until; i++) {
        await op(c * 1_000_000 + i);
        done++;
      }
    }),
  );
  return (done * 1_000) / (Date.now() - started);
}

const admin = new pg.Client({ connectionString: ADMIN_URL });
await admin.connect();
await admin.query(`DROP DATABASE IF EXISTS ${DB_NAME}`);
await admin.query(`CREATE DATABASE ${DB_NAME}`);
const WS = { busy: 'f'.repeat(24), quiet: 'e'.repeat(24) };
// In a process of its own (a Clockify is never in the gateway's process): bench/fake-clockify-process.ts.
const fake = await startFakeClockifyProcess({
  workspaces: Object.values(WS).map((id) => ({ id, tokens: [`unused-${id}`], counts: { projects: 1 } })),
  acceptInstallationTokens: true,
  rateLimitPerSecond: 1_000_000,
});

try {
  const keys = generateKeyPair();
  const sign = createClockifySigner(keys.privateKeyPem);
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: withDb(ADMIN_URL, DB_NAME),
    PUBLIC_BASE_URL: 'http://127.0.0.1',
    ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'),
    CLOCKIFY_PUBLIC_KEY: keys.publicKeyPem,
    CLOCKIFY_REGISTER_EVENTS: 'none',
    JOB_POLL_INTERVAL_MS: '10',
    // The most the gateway accepts: a flow.execute job spends most of its time waiting for the Clockify
    // call, so more jobs at once share each coalesced statement (docs/flows.md, Benchmark: 32 → 64).
    WORKER_CONCURRENCY: process.env.WORKER_CONCURRENCY ?? '64',
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('DB_MAINTENANCE'))),
  });
  const database = await openDatabase({ kind: 'server', url: withDb(ADMIN_URL, DB_NAME), poolSize: POOL });
  const deps = await createDeps(config, {
    logger: pino({ level: 'silent' }),
    database,
    flowsClockifyLimiter: { acquire: async () => undefined },
  });
  // BENCH_TRACE=1: time every prepared statement (pool wait included) by name, printed at the end.
  const traced = new Map<string, number[]>();
  if (process.env.BENCH_TRACE === '1') {
    const inner = deps.db.sql.prepared.bind(deps.db.sql);
    deps.db.sql.prepared = async <T>(name: string, text: string, params: unknown[]) => {
      const t = performance.now();
      try {
        return await inner<T>(name, text, params);
      } finally {
        const list = traced.get(name) ?? [];
        list.push(performance.now() - t);
        traced.set(name, list);
      }
    };
  }
  // BENCH_FILLFACTOR=80: leaves room on each page of the executions and steps tables (HOT updates).
  if (process.env.BENCH_FILLFACTOR !== undefined)
    for (const table of ['flow_execution', 'flow_step'])
      await deps.db.sql.query(
        `ALTER TABLE ${table} SET (fillfactor = ${Number(process.env.BENCH_FILLFACTOR)})`,
      );
  const app = await buildApp(deps);
  await app.ready();
  const addonKey = config.addon.key;

  /** Installs a workspace against the fake, with a `none` source and the benchmark's flow. */
  async function setUp(workspaceId: string) {
    const installed = await app.inject({
      method: 'POST',
      url: '/lifecycle/installed',
      headers: {
        'x-addon-lifecycle-token': await sign({ workspaceId, addonId: 'bench-addon' }, { addonKey }),
      },
      payload: {
        addonId: 'bench-addon',
        authToken: await sign(
          { workspaceId, addonId: 'bench-addon', backendUrl: fake.apiUrl, reportsUrl: fake.reportsUrl },
          { addonKey },
        ),
        workspaceId,
        apiUrl: fake.apiUrl,
        webhooks: [],
      },
    });
    if (installed.statusCode !== 200) throw new Error(`install: ${installed.body}`);
    // The installation's bootstrap is not what is measured.
    await deps.db.sql.query(`DELETE FROM job WHERE workspace_id = $1`, [workspaceId]);
    const auth = {
      authorization: `Bearer ${await sign(
        { workspaceId, addonId: 'bench-addon', user: 'bench', workspaceRole: 'OWNER' },
        { addonKey, expiresInS: 3_600 },
      )}`,
    };
    const source = await app.inject({
      method: 'POST',
      url: '/ui/sources',
      headers: auth,
      payload: { name: 'bench', verification: { scheme: 'none' } },
    });
    const sourceId = source.json<{ id: string }>().id;
    const flow = await app.inject({
      method: 'POST',
      url: '/ui/flows',
      headers: auth,
      payload: {
        version: 1,
        name: 'bench',
        trigger: { sources: [sourceId], events: ['*'] },
        conditions: { mode: 'ALL', rules: [{ path: '$.webhook.kind', op: '==', value: 'issue' }] },
        actions: [
          { id: 'tag', type: 'clockify', operationId: 'createNewTag', body: { name: '{{ webhook.n }}' } },
        ],
      },
    });
    if (flow.statusCode !== 201) throw new Error(`flow: ${flow.body}`);
    return sourceId;
  }
  const sources = { busy: await setUp(WS.busy), quiet: await setUp(WS.quiet) };

  let seq = 0;
  /** When each event's 202 came back (its commit), by name. */
  const committed = new Map<string, number>();
  async function send(which: 'busy' | 'quiet', tag: string): Promise<string> {
    const n = `${tag}-${which}-${seq++}`;
    const res = await app.inject({
      method: 'POST',
      url: `/webhooks/custom/${sources[which]}`,
      headers: { 'content-type': 'application/json' },
      payload: { kind: 'issue', n },
    });
    if (res.statusCode !== 202) throw new Error(`webhook: ${res.statusCode} ${res.body}`);
    committed.set(n, Date.now());
    return n;
  }
  /** Open loop: `rate` events/s for `seconds`, started on schedule whatever the answers take. */
  async function openLoop(which: 'busy' | 'quiet', tag: string, rate: number, seconds: number) {
    const total = Math.round(rate * seconds);
    const start = Date.now();
    const pending: Promise<string>[] = [];
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1_000) / rate;
      const wait = due - Date.now();
      if (wait > 1) await sleep(wait);
      pending.push(send(which, tag));
    }
    return Promise.all(pending);
  }
  /**
   * Waits until the fake got a call for every name. Reads only the calls recorded since its last look: a
   * filter over all of them every 50 ms took ~4 % of this process's CPU from the gateway at saturation.
   */
  async function settle(names: string[], timeoutMs = 120_000) {
    const want = new Set(names);
    const deadline = Date.now() + timeoutMs;
    for (let seen = 0; ;) {
      await fake.pull();
      for (; seen < fake.recorded.length; seen++)
        want.delete((fake.recorded[seen]!.body as { name: string }).name);
      if (want.size === 0 || Date.now() > deadline) return;
      await sleep(50);
    }
  }
  function report(label: string, names: string[]) {
    const want = new Set(names);
    const calls = new Map<string, number>();
    const latency: number[] = [];
    for (const r of fake.recorded) {
      const name = (r.body as { name: string }).name;
      if (!want.has(name)) continue;
      calls.set(name, (calls.get(name) ?? 0) + 1);
      if (calls.get(name) === 1) latency.push(r.at - committed.get(name)!);
    }
    const once = [...want].filter((n) => calls.get(n) === 1).length;
    const twice = [...calls.values()].filter((c) => c > 1).length;
    console.log(
      `${label}: events ${names.length}, executions completed ${calls.size}, exactly one call ${once}, ` +
        `more than one ${twice}, latency commit→fake p50 ${pct(latency, 50)} ms p99 ${pct(latency, 99)} ms`,
    );
    return { latency, once, twice, completed: calls.size };
  }
  /** p50/p99 by second of the events' commit: whether a phase's latency is steady or a transient. */
  function bySecond(names: string[]): string {
    const first = new Map<string, number>();
    for (const r of fake.recorded) {
      const name = (r.body as { name: string }).name;
      if (!first.has(name)) first.set(name, r.at);
    }
    const start = Math.min(...names.map((n) => committed.get(n)!));
    const buckets: number[][] = [];
    for (const n of names) {
      const at = first.get(n);
      if (at === undefined) continue;
      const c = committed.get(n)!;
      (buckets[Math.floor((c - start) / 1_000)] ??= []).push(at - c);
    }
    return buckets.map((b, i) => `${i}s ${pct(b, 50)}/${pct(b, 99)}`).join(', ');
  }

  // References, before the workers start: what the fake Clockify and the database do on their own here.
  const fakeRate = await rateOf(32, (i) =>
    request(`${fake.apiUrl}/v1/workspaces/${WS.quiet}/tags`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-addon-token': `unused-${WS.quiet}` },
      body: JSON.stringify({ name: `ref-${i}` }),
    }).then((r) => r.body.dump()),
  );
  const refPool = new pg.Pool({ connectionString: withDb(ADMIN_URL, DB_NAME), max: POOL });
  await refPool.query('CREATE TABLE bench_commit (i int)');
  const commitRate = await rateOf(POOL, (i) => refPool.query('INSERT INTO bench_commit VALUES ($1)', [i]));
  await refPool.query('DROP TABLE bench_commit');
  await refPool.end();
  console.log(
    `references: fake Clockify createNewTag ${fakeRate.toFixed(0)}/s (undici, 32 in flight); ` +
      `database ${commitRate.toFixed(0)} commits/s (${POOL} connections, one-row INSERTs)`,
  );
  const commits = async () =>
    Number(
      (
        await admin.query<{ n: string }>(
          `SELECT pg_stat_force_next_flush(), xact_commit AS n FROM pg_stat_database WHERE datname = $1`,
          [DB_NAME],
        )
      ).rows[0]!.n,
    );

  /** Per table: sequential scans and the rows they read, as the statistics system counts them. */
  const seqScans = async () =>
    new Map(
      (
        await deps.db.sql.query<{ relname: string; scans: string; rows: string }>(
          `SELECT relname, seq_scan::text AS scans, seq_tup_read::text AS rows FROM pg_stat_user_tables`,
        )
      ).map((r) => [r.relname, r]),
    );
  /**
   * Sequential scans since `before`, on tables they read more than 1 000 rows of: a prepared statement
   * planned while its table was small keeps scanning it as it grows (store/maintenance.ts, growth pass).
   */
  const seqScansSince = async (before: Awaited<ReturnType<typeof seqScans>>) => {
    await new Promise((r) => setTimeout(r, 1_100)); // backends report their counts about once a second
    const now = await seqScans();
    const lines = [...now.values()].flatMap((r) => {
      const rows = Number(r.rows) - Number(before.get(r.relname)?.rows ?? 0);
      const scans = Number(r.scans) - Number(before.get(r.relname)?.scans ?? 0);
      return rows > 1_000 ? [`${r.relname} ${scans} (${rows})`] : [];
    });
    return lines.length === 0 ? 'none over 1 000 rows' : lines.join(', ');
  };

  deps.startWorkers();
  // Warm-up, at the open loop's rate: prepared statements, the JIT, and tables grown past their first
  // few doublings (each re-planned by the maintenance pass, store/maintenance.ts). With 2 s at 50/s the
  // open loop's first 4–5 s were this cold start (per-second p99 580–1 030 ms, then 175–230 ms); with
  // 4 s at its own rate they were like the rest (117–257 ms). Printed, not counted.
  const [warmRate, warmSeconds] = (process.env.BENCH_WARM ?? `${RATE}:4`).split(':').map(Number) as [
    number,
    number,
  ];
  const warm = await openLoop('busy', 'warm', warmRate, warmSeconds);
  await settle(warm);
  report(`warm-up ${warmRate}/s for ${warmSeconds} s (cold start, not counted)`, warm);
  console.log(`  by second of commit, p50/p99 ms: ${bySecond(warm)}`);

  const probe = await startProbeProcess(withDb(ADMIN_URL, DB_NAME));
  await probe.start();
  const quietAlone = await openLoop('quiet', 'quiet-alone', QUIET_RATE, 5);
  const probeAlone = await probe.stop();
  await settle(quietAlone);
  const qa = report(`quiet workspace alone (${QUIET_RATE}/s, 5 s)`, quietAlone);

  const scans0 = await seqScans();
  const loop0 = loopWatch();
  const steady = await openLoop('busy', 'steady', RATE, SECONDS);
  await settle(steady);
  const loopSteady = loop0();
  const st = report(`open loop ${RATE}/s for ${SECONDS} s`, steady);
  console.log(`  by second of commit, p50/p99 ms: ${bySecond(steady)}`);
  console.log(`  this process's event loop: ${loopSteady}`);
  console.log(`  sequential scans (rows read) meanwhile: ${await seqScansSince(scans0)}`);

  // Saturation: the busy workspace floods (as fast as ingestion takes them) while the quiet one sends its rate.
  const commitsBefore = await commits();
  const cpu0 = process.cpuUsage();
  const pg0 = await serverCpuSeconds(admin, DB_NAME);
  const t0 = Date.now();
  const loop1 = loopWatch();
  const flood = (async () => {
    const names: string[] = [];
    for (let i = 0; i < SATURATION; i += 50)
      names.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(50, SATURATION - i) }, () => send('busy', 'flood')),
        )),
      );
    return names;
  })();
  await probe.start();
  const quietFlooded = await openLoop('quiet', 'quiet-flooded', QUIET_RATE, 5);
  const probeFlooded = await probe.stop();
  await probe.close();
  const floodNames = await flood;
  await settle([...floodNames, ...quietFlooded]);
  const lastAt = Math.max(
    ...fake.recorded.filter((r) => (r.body as { name: string }).name.startsWith('flood')).map((r) => r.at),
  );
  const loopFlood = loop1();
  const commitsDuring = (await commits()) - commitsBefore;
  const cpu = process.cpuUsage(cpu0);
  const pgCpu = (await serverCpuSeconds(admin, DB_NAME)) - pg0;
  const fl = report(`saturation (${SATURATION} events)`, floodNames);
  const qf = report(`quiet workspace while the other floods`, quietFlooded);
  const perExecution = commitsDuring / (fl.completed + quietFlooded.length);
  console.log(
    `saturation executions/s: ${((fl.completed * 1_000) / (lastAt - t0)).toFixed(0)}; ` +
      `${perExecution.toFixed(2)} commits per execution (ingest included): the commit ceiling allows ` +
      `${(commitRate / perExecution).toFixed(0)}/s`,
  );
  const executions = fl.completed + quietFlooded.length;
  console.log(`  this process's event loop at saturation: ${loopFlood}`);
  console.log(
    `CPU per execution at saturation (ingest included): this process (gateway and load) ` +
      `${((cpu.user + cpu.system) / executions) | 0} µs, its PostgreSQL backends ${((pgCpu * 1e6) / executions) | 0} µs`,
  );
  console.log(
    `quiet p99 alone ${pct(qa.latency, 99)} ms, flooded ${pct(qf.latency, 99)} ms: ×${(pct(qf.latency, 99) / pct(qa.latency, 99)).toFixed(2)}`,
  );
  const rt = (ms: number[]) => `p50 ${pct(ms, 50).toFixed(2)} ms p99 ${pct(ms, 99).toFixed(2)} ms`;
  console.log(
    `reference: one database round trip (SELECT 1, own process and connection, every 20 ms) alone ` +
      `${rt(probeAlone)}, during the flood ${rt(probeFlooded)}: p99 ×${(pct(probeFlooded, 99) / pct(probeAlone, 99)).toFixed(2)}`,
  );
  for (const [name, ms] of [...traced].sort((a, b) => b[1].length - a[1].length))
    console.log(
      `  ${name}: ${ms.length} × p50 ${pct(ms, 50).toFixed(1)} ms p99 ${pct(ms, 99).toFixed(1)} ms, ` +
        `total ${(ms.reduce((a, b) => a + b, 0) / 1_000).toFixed(1)} s`,
    );
  // Updates that could stay on their page (HOT: no index entries) — what a fillfactor below 100 would buy.
  const hot = await deps.db.sql.query<{ relname: string; upd: string; hot: string }>(
    `SELECT relname, n_tup_upd AS upd, n_tup_hot_upd AS hot FROM pg_stat_user_tables
     WHERE relname IN ('flow_execution', 'flow_step', 'job') ORDER BY relname`,
  );
  console.log(`updates (HOT of all): ${hot.map((r) => `${r.relname} ${r.hot}/${r.upd}`).join(', ')}`);
  const bad = st.twice + fl.twice + qa.twice + qf.twice;
  await app.close();
  await deps.close();
  await database.close();
  if (bad > 0 || st.once !== steady.length) process.exitCode = 1;
} finally {
  await fake.close();
  await admin.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
  await admin.end();
}
