import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETRY_SCHEDULE,
  defineRetrySchedule,
  maxAttempts,
  nextAttemptAt,
  slotBounds,
} from './retry-schedule.js';

const NOW = new Date('2026-01-01T00:00:00Z');
const waitMs = (at: Date | null) => (at === null ? null : at.getTime() - NOW.getTime());
const next = (attemptsMade: number, r: number, extra: { retryAfterMs?: number; floorMs?: number } = {}) =>
  waitMs(nextAttemptAt({ attemptsMade, now: NOW, random: () => r, ...extra }));

const S = 1_000;
const H = 3_600_000;

describe('retry schedule', () => {
  it('makes ten attempts by default: now, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h', () => {
    expect(maxAttempts(DEFAULT_RETRY_SCHEDULE)).toBe(10);
    expect(DEFAULT_RETRY_SCHEDULE.delaysMs).toEqual([
      5 * S,
      300 * S,
      1_800 * S,
      2 * H,
      5 * H,
      10 * H,
      14 * H,
      20 * H,
      24 * H,
    ]);
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => next(n, 0.5))).toEqual(DEFAULT_RETRY_SCHEDULE.delaysMs);
  });

  it('spreads each wait ±20 % with the injected randomness', () => {
    expect(next(1, 0)).toBe(4 * S);
    expect(next(1, 0.75)).toBe(5.5 * S);
    expect(next(4, 0)).toBe(1.6 * H);
    expect(next(4, 0.999_999)).toBe(Math.round(2.4 * H - 0.000_001 * 0.8 * H));
    for (let n = 1; n <= 9; n++) {
      const base = DEFAULT_RETRY_SCHEDULE.delaysMs[n - 1]!;
      for (const r of [0, 0.1, 0.5, 0.9, 0.999]) {
        const w = next(n, r)!;
        expect(w).toBeGreaterThanOrEqual(base * 0.8);
        expect(w).toBeLessThanOrEqual(base * 1.2);
      }
    }
  });

  it('dead-letters after the last attempt', () => {
    expect(next(10, 0.5)).toBeNull();
    expect(next(11, 0.5)).toBeNull();
    expect(slotBounds(DEFAULT_RETRY_SCHEDULE, 10)).toBeNull();
  });

  it('waits as long as Retry-After asks, but no longer than the slot’s upper bound', () => {
    expect(next(3, 0.5, { retryAfterMs: 10 * S })).toBe(10 * S); // sooner than the 30 min slot: as asked
    expect(next(3, 0.5, { retryAfterMs: 0 })).toBe(0);
    expect(next(3, 0.5, { retryAfterMs: 5 * H })).toBe(36 * 60 * S); // capped at 30 min + 20 %
    expect(next(10, 0.5, { retryAfterMs: 10 * S })).toBeNull();
  });

  it('lets a floor beat both the schedule and Retry-After', () => {
    expect(next(1, 0.5, { floorMs: 60 * S })).toBe(60 * S);
    expect(next(1, 0.5, { floorMs: 60 * S, retryAfterMs: 2 * S })).toBe(60 * S);
    expect(next(2, 0.5, { floorMs: 60 * S })).toBe(300 * S);
  });

  it('keeps a random source outside [0, 1) inside the window', () => {
    expect(next(1, -3)).toBe(4 * S);
    expect(next(1, 7)).toBe(6 * S);
  });

  it('counts attempts from 1', () => {
    expect(() => next(0, 0.5)).toThrow(RangeError);
    expect(() => next(1.5, 0.5)).toThrow(RangeError);
  });

  it('can be configured within bounds', () => {
    const s = defineRetrySchedule({ delaysS: [1, 1, 60], jitter: 0 });
    expect(maxAttempts(s)).toBe(4);
    expect(waitMs(nextAttemptAt({ schedule: s, attemptsMade: 3, now: NOW, random: () => 0.9 }))).toBe(60 * S);
    expect(waitMs(nextAttemptAt({ schedule: s, attemptsMade: 4, now: NOW, random: () => 0.9 }))).toBeNull();
  });

  it('refuses a schedule out of bounds, naming every problem', () => {
    expect(() => defineRetrySchedule({ delaysS: [] })).toThrow(/between 1 and 20 retry delays/);
    expect(() => defineRetrySchedule({ delaysS: Array.from({ length: 21 }, () => 60) })).toThrow(
      /between 1 and 20/,
    );
    expect(() => defineRetrySchedule({ delaysS: [0.5] })).toThrow(/each delay between 1 s and 604800 s/);
    expect(() => defineRetrySchedule({ delaysS: [8 * 86_400] })).toThrow(/each delay/);
    expect(() => defineRetrySchedule({ delaysS: [60, 5] })).toThrow(/must not decrease/);
    expect(() => defineRetrySchedule({ jitter: 0.6 })).toThrow(/jitter between 0 and 0.5/);
    expect(() => defineRetrySchedule({ jitter: Number.NaN })).toThrow(/jitter/);
    expect(() => defineRetrySchedule({ delaysS: [60, 5], jitter: -1 })).toThrow(/must not decrease; jitter/);
  });
});
