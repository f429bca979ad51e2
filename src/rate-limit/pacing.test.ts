import { describe, expect, it } from 'vitest';
import {
  type PacingState,
  clampRate,
  maxInAlignedWindow,
  maxInSlidingWindow,
  pauseUntil,
  reserveSlot,
  slotIntervalUs,
  withinQueue,
} from './pacing.js';

const ONE = 1_000_000;

/** Deterministic PRNG so the simulated arrival patterns are reproducible. */
function mulberry32(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Simulates callers asking at `arrivalsUs` (simulated clock) and returns the grant times. */
function grantTimes(arrivalsUs: number[], rate: number, start?: PacingState): number[] {
  let state = start;
  return arrivalsUs.map((now) => {
    const r = reserveSlot(state, now, rate);
    state = r.state;
    return r.slotUs;
  });
}

describe('clampRate', () => {
  it('keeps rates in 1..50 and whole', () => {
    expect(clampRate(25)).toBe(25);
    expect(clampRate(500)).toBe(50);
    expect(clampRate(0)).toBe(1);
    expect(clampRate(-3)).toBe(1);
    expect(clampRate(NaN)).toBe(1);
    expect(clampRate(Infinity)).toBe(50);
    expect(clampRate(7.9)).toBe(7);
    expect(clampRate(40, 30)).toBe(30);
  });
});

describe('reserveSlot', () => {
  it('grants an idle workspace immediately and spaces the next call by 1/rate', () => {
    const a = reserveSlot(undefined, 1_000, 25);
    expect(a).toEqual({ slotUs: 1_000, waitUs: 0, state: { nextSlotUs: 41_000 } });
    const b = reserveSlot(a.state, 1_500, 25);
    expect(b.slotUs).toBe(41_000);
    expect(b.waitUs).toBe(39_500);
  });

  it('does not bank unused capacity: after a quiet period there is no burst', () => {
    const a = reserveSlot({ nextSlotUs: 0 }, 10_000_000, 10);
    const b = reserveSlot(a.state, 10_000_000, 10);
    expect(b.slotUs - a.slotUs).toBe(100_000);
  });

  it('rounds the interval up so rate grants always span a full second', () => {
    expect(slotIntervalUs(3)).toBe(333_334);
    expect(slotIntervalUs(50)).toBe(20_000);
  });

  it.each([1, 3, 7, 10, 25, 49, 50])(
    'never lets a 1 s window see more than %i grants when everyone asks at once',
    (rate) => {
      const times = grantTimes(new Array<number>(rate * 5).fill(123_456), rate);
      expect(maxInSlidingWindow(times)).toBe(rate);
      expect(maxInAlignedWindow(times)).toBeLessThanOrEqual(rate);
    },
  );

  it('holds the window bound for random bursty arrivals (aligned and sliding windows)', () => {
    for (const rate of [5, 25, 50]) {
      for (let seed = 1; seed <= 20; seed++) {
        const random = mulberry32(seed * 97 + rate);
        let now = Math.floor(random() * ONE);
        const arrivals: number[] = [];
        for (let i = 0; i < 400; i++) {
          // Mix bursts (many callers at the same instant), short gaps and long idle gaps.
          const r = random();
          now += r < 0.5 ? 0 : r < 0.9 ? Math.floor(random() * 30_000) : Math.floor(random() * 3 * ONE);
          arrivals.push(now);
        }
        const times = grantTimes(arrivals, rate);
        expect(maxInSlidingWindow(times)).toBeLessThanOrEqual(rate);
        expect(maxInAlignedWindow(times)).toBeLessThanOrEqual(rate);
        // Every call is granted no earlier than it asked.
        times.forEach((t, i) => expect(t).toBeGreaterThanOrEqual(arrivals[i]!));
      }
    }
  });

  it('interleaves several instances on one shared state without exceeding the rate', () => {
    // Three instances whose requests interleave; the shared state is what PostgreSQL holds.
    const random = mulberry32(42);
    const arrivals = Array.from({ length: 300 }, () => Math.floor(random() * 4 * ONE)).sort((a, b) => a - b);
    const times = grantTimes(arrivals, 10);
    expect(maxInSlidingWindow(times)).toBeLessThanOrEqual(10);
  });

  it('sustains the configured rate under constant demand', () => {
    const times = grantTimes(new Array<number>(250).fill(0), 25);
    // 250 grants at 25/s take ten seconds, less one interval.
    expect(times.at(-1)).toBe(249 * 40_000);
  });
});

describe('pauseUntil', () => {
  it('pushes the next slot out after a 429 but never pulls it in', () => {
    expect(pauseUntil({ nextSlotUs: 10 }, 1_000_000)).toEqual({ nextSlotUs: 1_000_000 });
    expect(pauseUntil({ nextSlotUs: 2_000_000 }, 1_000_000)).toEqual({ nextSlotUs: 2_000_000 });
    expect(pauseUntil(undefined, 5)).toEqual({ nextSlotUs: 5 });
  });
});

describe('window counters', () => {
  it('counts half-open sliding windows', () => {
    expect(maxInSlidingWindow([0, 999_999, 1_000_000])).toBe(2);
    expect(maxInSlidingWindow([])).toBe(0);
    expect(maxInAlignedWindow([0, 999_999, 1_000_000])).toBe(2);
  });

  it('shows why a classic bucket is not enough: capacity = rate admits 2 × rate in a sliding second', () => {
    // Full bucket of 10 spent at t = 0.9 s, refilled 10 more by t = 1.9 s.
    const classic = [...new Array<number>(10).fill(900_000), ...new Array<number>(10).fill(1_000_000)];
    expect(maxInSlidingWindow(classic)).toBe(20);
  });
});

describe('withinQueue (priority)', () => {
  it('lets background calls book only while fewer than queueSlots slots are ahead', () => {
    expect(withinQueue(undefined, 0, 10, 4)).toBe(true);
    expect(withinQueue({ nextSlotUs: 400_000 }, 0, 10, 4)).toBe(true);
    expect(withinQueue({ nextSlotUs: 400_001 }, 0, 10, 4)).toBe(false);
    expect(withinQueue({ nextSlotUs: 10 ** 12 }, 0, 10, Infinity)).toBe(true);
  });

  it('keeps an interactive call within queueSlots + 1 periods of a busy key, and the sum under the rate', () => {
    // Twenty background callers ask every 10 ms for two simulated seconds; each books only when the queue
    // has room. An interactive call arrives every 350 ms and always books.
    const rate = 10;
    const interval = slotIntervalUs(rate);
    let state: PacingState | undefined;
    const grants: number[] = [];
    let worstInteractiveWait = 0;
    for (let now = 0; now < 2 * ONE; now += 10_000) {
      for (let caller = 0; caller < 20; caller++) {
        if (!withinQueue(state, now, rate, 4)) break;
        const r = reserveSlot(state, now, rate);
        state = r.state;
        grants.push(r.slotUs);
      }
      if (now % 350_000 === 0) {
        const r = reserveSlot(state, now, rate);
        state = r.state;
        grants.push(r.slotUs);
        worstInteractiveWait = Math.max(worstInteractiveWait, r.waitUs);
      }
    }
    expect(worstInteractiveWait).toBeGreaterThan(3 * interval);
    expect(worstInteractiveWait).toBeLessThanOrEqual(5 * interval);
    expect(maxInSlidingWindow(grants)).toBeLessThanOrEqual(rate);
    expect(maxInAlignedWindow(grants)).toBeLessThanOrEqual(rate);
  });
});
