import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxInAlignedWindow, maxInSlidingWindow } from '../../src/rate-limit/pacing.js';
import {
  type Grant,
  type Priority,
  type Reservation,
  createRateLimiter,
} from '../../src/rate-limit/rate-limiter.js';
import type { Database } from '../../src/store/database.js';
import { type TestDatabase, createTestDatabase } from '../helpers/database.js';
import { waitFor } from '../helpers/wait-for.js';

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

function granted(r: Reservation): Grant {
  if (!r.granted) throw new Error('expected a granted reservation');
  return r;
}

describe('PostgreSQL rate limiter', () => {
  it('keeps two instances on one database under the rate in every sliding second', async () => {
    // Two limiter instances, each with its own Prisma client, as two gateway processes would have. No queue
    // bound here: every reservation books, so the schedule itself is what is checked.
    const a = createRateLimiter({ db: db.prisma, queueSlots: Infinity });
    const b = createRateLimiter({ db: other.prisma, queueSlots: Infinity });
    const grants = await Promise.all(
      Array.from({ length: 25 }, async (_, i) => granted(await (i % 2 === 0 ? a : b).reserve('ws-busy', 10))),
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

  it('does not slow a second key down because the first is busy', async () => {
    const a = createRateLimiter({ db: db.prisma, queueSlots: Infinity });
    const busy = await Promise.all(
      Array.from({ length: 20 }, async () => granted(await a.reserve('ws-hog', 10))),
    );
    const quiet = granted(await a.reserve('endpoint:quiet', 10));
    // The hog's line is 1.9 s long on the database clock; the quiet key goes at once.
    const hogSlots = busy.map((g) => g.slotUs);
    expect(Math.max(...hogSlots) - Math.min(...hogSlots)).toBeGreaterThanOrEqual(1_900_000);
    expect(Math.max(...busy.map((g) => g.waitUs))).toBeGreaterThan(1_000_000);
    expect(quiet.waitUs).toBeLessThan(50_000);
  });

  it('clamps the rate to the hard cap of 50/s', async () => {
    const a = createRateLimiter({ db: db.prisma, queueSlots: Infinity });
    const grants = await Promise.all(
      Array.from({ length: 60 }, async () => granted(await a.reserve('ws-greedy', 500))),
    );
    const slots = grants.map((g) => g.slotUs).sort((x, y) => x - y);
    // Spaced by 1/50 s, not 1/500 s (how many land in one second also depends on how fast the database is).
    const gaps = slots.slice(1).map((t, i) => t - slots[i]!);
    expect(Math.min(...gaps)).toBe(20_000);
    expect(maxInSlidingWindow(slots)).toBeLessThanOrEqual(50);
  });

  it('makes acquire wait for the reserved slot, reports the wait, and lets a waiting caller abort', async () => {
    const waits: number[] = [];
    const grants: Grant[] = [];
    let clockMs = 0;
    const a = createRateLimiter({
      db: db.prisma,
      sleep: async (ms) => {
        waits.push(ms);
        clockMs += ms;
      },
      monotonicMs: () => clockMs,
      onGrant: (_, g) => void grants.push(g),
    });
    const reported: number[] = [];
    for (let i = 0; i < 3; i++) reported.push(await a.acquire('ws-acquire', 5));
    // Each call sleeps until its slot (rounded up to whole ms), the slots 200 ms apart on the database
    // clock; the first is due at once. (How long the next ones wait depends on how fast the database
    // answered in between, so the waits are checked against the grants, not against 200 ms.)
    expect(grants).toHaveLength(3);
    expect(waits).toEqual(grants.map((g) => Math.ceil(g.waitUs / 1000)));
    expect(waits[0]).toBeLessThanOrEqual(1);
    expect(grants[1]!.slotUs - grants[0]!.slotUs).toBeGreaterThanOrEqual(200_000);
    expect(grants[2]!.slotUs - grants[1]!.slotUs).toBeGreaterThanOrEqual(200_000);
    expect(reported).toEqual(waits);

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

  it('pauses a key for every instance after a 429', async () => {
    const a = createRateLimiter({ db: db.prisma, sleep: noSleep });
    const b = createRateLimiter({ db: other.prisma, sleep: noSleep });
    await a.pause('ws-429', 2);
    const g = granted(await b.reserve('ws-429', 25, 'interactive'));
    expect(g.waitUs).toBeGreaterThan(1_900_000);
    await a.pause('ws-429', 0); // never pulls an existing pause in
    expect(granted(await b.reserve('ws-429', 25, 'interactive')).waitUs).toBeGreaterThan(1_900_000);
  });
});

describe('rate limiter priority', () => {
  it('refuses background bookings past the queue and always books an interactive call right behind it', async () => {
    const a = createRateLimiter({ db: db.prisma, queueSlots: 4 });
    const b = createRateLimiter({ db: other.prisma, queueSlots: 4 });
    // A bootstrap's worth of callers on two instances at 10/s: only a few may book ahead.
    const background = await Promise.all(
      Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? a : b).reserve('ws-prio', 10)),
    );
    const booked = background.filter((r): r is Reservation & Grant => r.granted);
    const refused = background.filter((r) => !r.granted);
    // The first booking finds an empty queue; four more fit in it (at most 4 slots ahead of now).
    expect(booked.length).toBeGreaterThanOrEqual(4);
    expect(booked.length).toBeLessThanOrEqual(6);
    for (const r of refused) if (!r.granted) expect(r.retryInUs).toBeGreaterThanOrEqual(100_000);

    const interactive = granted(await b.reserve('ws-prio', 10, 'interactive'));
    // Behind at most the queue (4 slots) plus the one in progress: five periods of 100 ms, not twelve.
    expect(interactive.waitUs).toBeLessThanOrEqual(5 * 100_000 + 20_000);
    // The sum of both priorities stays paced.
    const slots = [...booked.map((g) => g.slotUs), interactive.slotUs].sort((x, y) => x - y);
    expect(maxInSlidingWindow(slots)).toBeLessThanOrEqual(10);
    for (let i = 1; i < slots.length; i++) expect(slots[i]! - slots[i - 1]!).toBeGreaterThanOrEqual(100_000);
  });

  it('serves an interactive caller within a few slot periods while background callers keep the key busy', async () => {
    // Real timers: eight background callers loop at 20/s (50 ms periods) on two instances; an interactive
    // call then comes in. Every granted slot is recorded to check the total rate.
    const slots: { us: number; priority: Priority }[] = [];
    const onGrant = (_: string, g: Grant, priority: Priority) => void slots.push({ us: g.slotUs, priority });
    const a = createRateLimiter({ db: db.prisma, queueSlots: 3, onGrant });
    const b = createRateLimiter({ db: other.prisma, queueSlots: 3, onGrant });
    let stop = false;
    const backgroundWaits: number[] = [];
    const loops = Array.from({ length: 8 }, async (_, i) => {
      while (!stop) backgroundWaits.push(await (i % 2 === 0 ? a : b).acquire('ws-live', 20));
    });
    try {
      // The line is long once every caller has had to wait for a turn at least once.
      await waitFor(() => backgroundWaits.filter((ms) => ms >= 150).length >= 8, {
        what: 'background callers queueing',
      });
      const waited = await b.acquire('ws-live', 20, undefined, 'interactive');
      // At most queueSlots + 1 periods (200 ms); slack for a busy machine's timers.
      expect(waited).toBeLessThan(200 + 120);
      // A background caller arriving now waits behind the others: eight callers, 50 ms each.
      expect(Math.max(...backgroundWaits)).toBeGreaterThan(waited);
    } finally {
      stop = true;
      await Promise.all(loops);
    }
    expect(slots.some((s) => s.priority === 'interactive')).toBe(true);
    expect(maxInSlidingWindow(slots.map((s) => s.us))).toBeLessThanOrEqual(20);
  });
});
