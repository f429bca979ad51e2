/**
 * A reference for bench/deliver.bench.ts: the least a durable webhook deliverer can do, in this process.
 * Events offered at the bench's rate are written as messages, one row per (event, endpoint), by group
 * commit (events arriving while a write runs go together in one `INSERT … unnest`); once committed, each
 * message is POSTed with undici, at most `concurrency` in flight per endpoint (the bench's endpoint
 * setting); each outcome is recorded by group commit too (the attempt row and the message's status in one
 * statement). No job queue, leases, retries, fairness across workspaces, signing, SSRF checks or
 * crash recovery of sends in flight: what the machine allows for durable fan-out once everything the
 * gateway adds is taken away. Its first-attempt latency at the bench's rate bounds the gateway's.
 */
import pg from 'pg';
import { Agent, request } from 'undici';
import { createCoalescer } from '../src/platform/coalescer.js';
import { epochNow } from './receiver-process.js';

type Outcome = { id: string; status: number };

/**
 * Offers `events` events at `rate` per second, each to every URL in `urls`; returns, per message id, when
 * its event was committed (epoch ms), once every message to the first `healthy` URLs has its outcome
 * recorded (or `timeoutMs` passed). The other URLs' backlogs are left unsent.
 */
export async function runMinimalDeliverer(
  connectionString: string,
  opts: {
    urls: string[];
    healthy: number;
    events: number;
    rate: number;
    concurrency: number;
    timeoutMs: number;
    /** Prefix of the message ids (one per run on the same database). */
    tag: string;
  },
): Promise<{ committed: Map<string, number>; endpointOf: Map<string, number>; startedAt: number }> {
  const pool = new pg.Pool({ connectionString, max: 4 });
  await pool.query(`CREATE TABLE IF NOT EXISTS ref_message (id text PRIMARY KEY, endpoint int NOT NULL, body text NOT NULL,
                      status text NOT NULL DEFAULT 'pending', created_at timestamptz NOT NULL DEFAULT now())`);
  await pool.query(`CREATE TABLE IF NOT EXISTS ref_attempt (message_id text NOT NULL, status int NOT NULL,
                      attempted_at timestamptz NOT NULL DEFAULT now())`);
  // Connections per origin: every endpoint's cap (endpoints on one receiver share its origin).
  const agent = new Agent({ connections: opts.concurrency * opts.urls.length, keepAliveTimeout: 30_000 });
  const committed = new Map<string, number>();
  const endpointOf = new Map<string, number>();
  let outcomes = 0;
  const expected = opts.events * opts.healthy;
  let stopped = false;
  let allDone!: () => void;
  let failRun!: (err: unknown) => void;
  const finished = new Promise<void>((resolve, reject) => {
    allDone = resolve;
    failRun = reject;
  });

  // Group commit with the project's own coalescer: calls made while a statement runs go in the next one.
  // No cap worth the name on a batch: at 200 (its default) the outcomes, ~8 000/s, queued behind their own
  // statements (p50 0.7 s instead of 5 ms).
  const writeMessages = createCoalescer<{ id: string; endpoint: number; body: string }[], void>(
    async (events) => {
      const rows = events.flat();
      await pool.query(
        'INSERT INTO ref_message (id, endpoint, body) SELECT * FROM unnest($1::text[], $2::int[], $3::text[])',
        [rows.map((r) => r.id), rows.map((r) => r.endpoint), rows.map((r) => r.body)],
      );
      return events.map(() => undefined);
    },
    { maxBatch: 10_000 },
  );
  const record = createCoalescer<Outcome, void>(
    async (batch) => {
      await pool.query(
        `WITH o AS (SELECT * FROM unnest($1::text[], $2::int[]) AS u(id, status)),
            a AS (INSERT INTO ref_attempt (message_id, status) SELECT id, status FROM o)
       UPDATE ref_message m SET status = CASE WHEN o.status < 300 THEN 'delivered' ELSE 'retrying' END
       FROM o WHERE m.id = o.id`,
        [batch.map((o) => o.id), batch.map((o) => o.status)],
      );
      return batch.map(() => undefined);
    },
    { maxBatch: 10_000 },
  );

  // Per endpoint: a FIFO and at most `concurrency` requests in flight.
  const lanes = opts.urls.map((url) => ({ url, queue: [] as { id: string; body: string }[], running: 0 }));
  const pump = (lane: (typeof lanes)[number]) => {
    while (!stopped && lane.running < opts.concurrency && lane.queue.length > 0) {
      const m = lane.queue.shift()!;
      lane.running++;
      request(lane.url, {
        method: 'POST',
        body: m.body,
        headers: { 'content-type': 'application/json', 'webhook-id': m.id },
        dispatcher: agent,
      })
        .then(
          async (r) => {
            await r.body.dump();
            return r.statusCode;
          },
          () => 0,
        )
        .then(async (status) => {
          lane.running--;
          pump(lane);
          if (stopped) return;
          await record({ id: m.id, status });
          if (lanes.indexOf(lane) < opts.healthy && ++outcomes === expected) allDone();
        })
        .catch(failRun);
    }
  };

  const t0 = epochNow();
  let next = 0;
  const feeder = async () => {
    for (;;) {
      const i = next++;
      if (i >= opts.events) return;
      const wait = t0 + (i * 1_000) / opts.rate - epochNow();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const body = JSON.stringify({ type: 'NEW_TIME_ENTRY', data: { id: `te${i}`, description: 'bench' } });
      const rows = opts.urls.map((_, endpoint) => ({ id: `${opts.tag}_${i}_${endpoint}`, endpoint, body }));
      await writeMessages(rows);
      const at = epochNow();
      for (const r of rows) {
        committed.set(r.id, at);
        endpointOf.set(r.id, r.endpoint);
        lanes[r.endpoint]!.queue.push({ id: r.id, body });
        pump(lanes[r.endpoint]!);
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, feeder));
  await Promise.race([finished, new Promise((r) => setTimeout(r, opts.timeoutMs).unref())]);
  stopped = true;
  await agent.destroy();
  await pool.end();
  return { committed, endpointOf, startedAt: t0 };
}
