/**
 * Pacing maths for the rate limiter, as pure functions over integer microseconds (rate-limiter.ts keeps the
 * state in PostgreSQL and applies the same rule in SQL).
 *
 * Requirement: for one key (a workspace's Clockify calls, an outbound endpoint), no one-second window
 * (aligned or sliding) may hold more than `rate` calls, summed over every gateway instance. A classic
 * token bucket with capacity = rate does not meet that: a full bucket spends `rate` tokens at the end of
 * one second and refills `rate` more in the next, so a sliding window straddling the boundary sees up to
 * 2 × rate. (This file was token-bucket.ts; it never was one.)
 *
 * So we pace instead (GCRA with zero burst tolerance): each call reserves the slot
 * `max(now, nextSlot)` and moves `nextSlot` to `slot + interval`, with `interval = ceil(1e6 / rate)` µs.
 * Consecutive grants are at least `interval` apart, so `rate + 1` grants span at least
 * `rate × interval ≥ 1 s`: any half-open window [t, t + 1 s) holds at most `rate` grants. The ceiling
 * keeps that true when 1e6 / rate is not an integer. Because the state is one number updated
 * atomically (in PostgreSQL, see rate-limiter.ts), the bound holds across instances too. Priority does not
 * change this: an interactive call takes the next slot like any other; background calls are only kept from
 * booking slots far ahead (`withinQueue`), so there is never a long line in front of it.
 *
 * The cost is no burst: a quiet key's first `rate` calls are spread over a second instead of going out at
 * once. For a bootstrap that makes thousands of calls that is irrelevant, and it is what keeps us under
 * Clockify's limit without relying on its 429s.
 */

/** Clockify's documented limit per add-on per workspace. */
export const MAX_RATE_PER_SECOND = 50;
export const DEFAULT_RATE_PER_SECOND = 25;
export const ONE_SECOND_US = 1_000_000;

/** An integer rate in 1..max; anything else (NaN, fractions, out of range) is pulled into range. */
export function clampRate(rate: number, max: number = MAX_RATE_PER_SECOND): number {
  const cap = Math.max(1, Math.floor(max));
  if (!Number.isFinite(rate)) return rate === Infinity ? cap : 1;
  return Math.min(cap, Math.max(1, Math.floor(rate)));
}

/** Minimum spacing between two grants at `rate` per second, rounded up to whole microseconds. */
export function slotIntervalUs(rate: number): number {
  return Math.ceil(ONE_SECOND_US / rate);
}

/** The only state: the earliest time the next call may go out (GCRA's "theoretical arrival time"). */
export type PacingState = { nextSlotUs: number };

export type Reservation = { slotUs: number; waitUs: number; state: PacingState };

/**
 * Whether a background call made at `nowUs` may book its slot: only while fewer than `queueSlots` slots are
 * booked ahead of now, so an interactive call never finds more than that many in front of it.
 */
export function withinQueue(
  state: PacingState | undefined,
  nowUs: number,
  rate: number,
  queueSlots: number,
): boolean {
  return (state?.nextSlotUs ?? nowUs) <= nowUs + queueSlots * slotIntervalUs(rate);
}

/** Reserves the next slot for a call made at `nowUs`. No burst: an idle limiter grants `now`. */
export function reserveSlot(state: PacingState | undefined, nowUs: number, rate: number): Reservation {
  const slotUs = Math.max(nowUs, state?.nextSlotUs ?? nowUs);
  return { slotUs, waitUs: slotUs - nowUs, state: { nextSlotUs: slotUs + slotIntervalUs(rate) } };
}

/** Pushes the next slot to at least `untilUs` (e.g. after a 429 with Retry-After). Never pulls it earlier. */
export function pauseUntil(state: PacingState | undefined, untilUs: number): PacingState {
  return { nextSlotUs: Math.max(untilUs, state?.nextSlotUs ?? untilUs) };
}

/** The most grants in any half-open sliding window [t, t + windowUs). For tests and benchmarks. */
export function maxInSlidingWindow(timesUs: readonly number[], windowUs: number = ONE_SECOND_US): number {
  const sorted = [...timesUs].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= windowUs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

/** The most grants in any aligned window [k × windowUs, (k + 1) × windowUs). */
export function maxInAlignedWindow(timesUs: readonly number[], windowUs: number = ONE_SECOND_US): number {
  const counts = new Map<number, number>();
  for (const t of timesUs) {
    const k = Math.floor(t / windowUs);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return Math.max(0, ...counts.values());
}
