/**
 * An explorer call while a bootstrap keeps the workspace's rate limiter busy: the bootstrap's page
 * fetches are background calls (they book at most DEFAULT_QUEUE_SLOTS slots ahead), the explorer's are
 * interactive (they always book, right behind that queue). So the explorer call waits a few slot
 * periods, not behind the bootstrap's whole backlog, and reports the wait as `waitedMs`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_QUEUE_SLOTS } from '../../src/rate-limit/rate-limiter.js';
import { type FakeClockify, createFakeClockify } from '../../tools/fake-clockify/server.js';
import { type TestApp, buildTestApp, hexId } from '../helpers/build-test-app.js';
import { bearer, installAgainstFake, userToken } from '../helpers/clockify.js';
import { waitFor } from '../helpers/wait-for.js';

const ws = hexId();
const RATE = 2;
// The limiter's spacing in deps.ts: (1 s + 30 ms of jitter budget) / rate.
const PERIOD_MS = (1_000 + 30) / RATE;

let t: TestApp;
let fake: FakeClockify;

beforeAll(async () => {
  // More workers than the background queue has slots, so bootstrap fetches queue up in the limiter.
  // A low rate (2/s, 515 ms slots) keeps the database load, and with it late wake-ups, small.
  t = await buildTestApp({ env: { WORKER_CONCURRENCY: '8' } });
  fake = await createFakeClockify({
    workspaces: [
      {
        id: ws,
        name: ws,
        tokens: [`unused-${ws}`],
        counts: { projects: 200, tasksPerProject: 1, users: 4, timeEntriesPerUser: 2 },
      },
    ],
    acceptInstallationTokens: true,
  });
});
afterAll(async () => {
  await t?.deps.runner.stop(5_000);
  await fake?.close();
  await t?.close();
});

describe('explorer priority over a running bootstrap', () => {
  it('waits at most a few slot periods while the bootstrap keeps the limiter queue full', async () => {
    t.deps.runner.start();
    await installAgainstFake(t, fake, ws, [{ id: 'bootstrap_max_rps', value: RATE }]);
    // The bootstrap is fetching and its calls are booked ahead: the queue is (nearly) full.
    await waitFor(
      async () => {
        if (fake.stats.requests(ws).length < 5) return false;
        const [row] = await t.db.prisma.$queryRaw<{ ahead_ms: number }[]>`
          SELECT (extract(epoch FROM next_slot_at - clock_timestamp()) * 1000)::float8 AS ahead_ms
          FROM rate_limit_slot WHERE key = ${ws}`;
        return row !== undefined && row.ahead_ms >= (DEFAULT_QUEUE_SLOTS - 1) * PERIOD_MS;
      },
      { timeoutMs: 45_000, everyMs: 100, what: 'the bootstrap filling the limiter queue' },
    );

    const res = await t.app.inject({
      method: 'POST',
      url: '/ui/api-explorer/execute',
      headers: bearer(await userToken(t, ws)),
      payload: { operationId: 'getTags' },
    });
    expect(res.statusCode).toBe(200);
    const { waitedMs, status } = res.json();
    expect(status).toBe(200);
    // The bootstrap was still running: there was a backlog to wait behind.
    const run = await t.db.prisma.bootstrapRun.findFirst({ where: { workspaceId: ws } });
    expect(run?.status).toBe('running');
    console.log(
      `explorer call waited ${Math.round(waitedMs)} ms behind a running bootstrap; slot period ${PERIOD_MS} ms, queue ${DEFAULT_QUEUE_SLOTS} slots`,
    );
    // Its own slot right behind the background queue (queueSlots + 1 periods), and once more for the one
    // re-booking a late wake-up causes on a loaded machine (maxLatenessMs in deps.ts counts the database
    // round trip of the reservation as lateness; at 5/s with 8-16 workers on a shared 2-core machine that
    // re-booked two or more times in a row, so the rate here is low enough to keep the database quiet).
    expect(waitedMs).toBeLessThanOrEqual(2 * (DEFAULT_QUEUE_SLOTS + 1) * PERIOD_MS);
    expect(waitedMs).toBeGreaterThan(0);
  }, 90_000);
});
