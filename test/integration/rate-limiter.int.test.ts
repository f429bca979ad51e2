import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Grant, createRateLimiter } from '../../src/rate-limit/rate-limiter.js';
import { maxInAlignedWindow, maxInSlidingWindow } from '../../src/rate-limit/token-bucket.js';
import type { Database } from '../../src/store/database.js';
import { type TestDatabase, createTestDatabase } from '../helpers/database.js';

let db: TestDatabase;
let other: Database;
beforeAll(async () => {
  db = await createTestDatabase();
  other = await db.openAnother();
});
afterAll(async () => {
  await other.close();
  await db.close();
});

const noSleep = async () => undefined;

describe('PostgreSQL rate limiter', () => {
  it('keeps two instances on one database under the rate in every sliding second', async () => {
    // Two limiter instances, each with its own Prisma client, as two gateway processes would have.
    const a = createRateLimiter({ db: db.prisma });
    const b = createRateLimiter({ db: other.prisma });
    const grants = await Promise.all(
      Array.from({ length: 25 }, (_, i) => (i % 2 === 0 ? a : b).reserve('ws-busy', 10)),
    );
    const slots = grants.map((g) => g.slotUs).sort((x, y) => x - y);
    expect(new Set(slots).size).toBe(25);
    expect(maxInSlidingWindow(slots)).toBeLessThanOrEqual(10);
    expect(maxInAlignedWindow(slots)).toBeLessThanOrEqual(10);
    // Paced, not bunched: each grant is exactly one interval (100 ms) after the previous one.
    for (let i = 1; i < slots.length; i++) expect(slots[i]! - slots[i - 1]!).toBeGreaterThanOrEqual(100_000);
    // The queue really is 2.4 s long on the database clock.
    expect(slots.at(-1)! - slots[0]!).toBeGreaterThanOrEqual(2_400_000);
  });

  it('does not slow a second workspace down because the first is busy', async () => {
    const a = createRateLimiter({ db: db.prisma });
    const busy = await Promise.all(Array.from({ length: 20 }, () => a.reserve('ws-hog', 10)));
    const quiet: Grant = await a.reserve('ws-quiet', 10);
    expect(Math.max(...busy.map((g) => g.waitUs))).toBeGreaterThan(1_500_000);
    expect(quiet.waitUs).toBeLessThan(50_000);
  });

  it('clamps the rate to the hard cap of 50/s', async () => {
    const a = createRateLimiter({ db: db.prisma });
    const grants = await Promise.all(Array.from({ length: 60 }, () => a.reserve('ws-greedy', 500)));
    const slots = grants.map((g) => g.slotUs).sort((x, y) => x - y);
    expect(maxInSlidingWindow(slots)).toBe(50);
  });

  it('makes acquire wait for the reserved slot, and lets a waiting caller abort', async () => {
    const waits: number[] = [];
    const a = createRateLimiter({ db: db.prisma, sleep: async (ms) => void waits.push(ms) });
    for (let i = 0; i < 3; i++) await a.acquire('ws-acquire', 5);
    // The first call is due at once; the next ones wait about 200 ms each on the database clock.
    expect(waits[0]).toBeLessThanOrEqual(1);
    expect(waits[2]).toBeGreaterThan(150);

    const real = createRateLimiter({ db: db.prisma });
    await real.pause('ws-abort', 60);
    const controller = new AbortController();
    const pending = real.acquire('ws-abort', 5, controller.signal);
    controller.abort();
    await expect(pending).rejects.toThrow(/abort/i);
    const aborted = new AbortController();
    aborted.abort();
    await expect(real.acquire('ws-abort', 5, aborted.signal)).rejects.toThrow();
  });

  it('pauses a workspace for every instance after a 429', async () => {
    const a = createRateLimiter({ db: db.prisma, sleep: noSleep });
    const b = createRateLimiter({ db: other.prisma, sleep: noSleep });
    await a.pause('ws-429', 2);
    const g = await b.reserve('ws-429', 25);
    expect(g.waitUs).toBeGreaterThan(1_900_000);
    await a.pause('ws-429', 0); // never pulls an existing pause in
    expect((await b.reserve('ws-429', 25)).waitUs).toBeGreaterThan(1_900_000);
  });
});
