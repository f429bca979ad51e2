/**
 * When to try a webhook delivery again. The first attempt is immediate; after attempt N fails the next
 * one waits `delays[N-1]` ± jitter; after the last delay is used up the message is dead-lettered.
 * The default follows the Standard Webhooks example schedule, extended to ten attempts over ~3 days.
 */

/** Seconds before attempts 2–10: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h. */
export const DEFAULT_RETRY_DELAYS_S: readonly number[] = [
  5, 300, 1_800, 7_200, 18_000, 36_000, 50_400, 72_000, 86_400,
];
/** ±20 %: receivers that fail together (one outage, many endpoints) do not get retried in lockstep. */
export const DEFAULT_JITTER = 0.2;

/** Bounds for a configured schedule. */
export const SCHEDULE_BOUNDS = {
  maxRetries: 20,
  minDelayS: 1,
  maxDelayS: 7 * 86_400,
  maxJitter: 0.5,
} as const;

/** Timeouts and 429s mean the receiver is struggling: never come back sooner than this. */
export const SLOW_DOWN_FLOOR_MS = 60_000;

export type RetrySchedule = Readonly<{
  /** Milliseconds before attempts 2, 3, …; its length + 1 is the number of attempts. */
  delaysMs: readonly number[];
  jitter: number;
}>;

/** A validated schedule; throws a RangeError naming every problem. */
export function defineRetrySchedule(
  input: { delaysS?: readonly number[]; jitter?: number } = {},
): RetrySchedule {
  const delaysS = input.delaysS ?? DEFAULT_RETRY_DELAYS_S;
  const jitter = input.jitter ?? DEFAULT_JITTER;
  const b = SCHEDULE_BOUNDS;
  const problems: string[] = [];
  if (delaysS.length < 1 || delaysS.length > b.maxRetries) {
    problems.push(`between 1 and ${b.maxRetries} retry delays`);
  }
  if (delaysS.some((d) => !Number.isFinite(d) || d < b.minDelayS || d > b.maxDelayS)) {
    problems.push(`each delay between ${b.minDelayS} s and ${b.maxDelayS} s`);
  }
  if (delaysS.some((d, i) => i > 0 && d < (delaysS[i - 1] ?? 0))) problems.push('delays must not decrease');
  if (!Number.isFinite(jitter) || jitter < 0 || jitter > b.maxJitter) {
    problems.push(`jitter between 0 and ${b.maxJitter}`);
  }
  if (problems.length > 0) throw new RangeError(`invalid retry schedule: ${problems.join('; ')}`);
  return Object.freeze({ delaysMs: Object.freeze(delaysS.map((s) => Math.round(s * 1_000))), jitter });
}

export const DEFAULT_RETRY_SCHEDULE: RetrySchedule = defineRetrySchedule();

export const maxAttempts = (schedule: RetrySchedule): number => schedule.delaysMs.length + 1;

/** The jitter window of the wait after attempt `attemptsMade` failed, or null when none is left. */
export function slotBounds(
  schedule: RetrySchedule,
  attemptsMade: number,
): { baseMs: number; lowerMs: number; upperMs: number } | null {
  if (!Number.isInteger(attemptsMade) || attemptsMade < 1) {
    throw new RangeError('attemptsMade counts the attempts so far, starting at 1');
  }
  const baseMs = schedule.delaysMs[attemptsMade - 1];
  if (baseMs === undefined) return null;
  return {
    baseMs,
    lowerMs: Math.round(baseMs * (1 - schedule.jitter)),
    upperMs: Math.round(baseMs * (1 + schedule.jitter)),
  };
}

export type NextAttemptInput = {
  schedule?: RetrySchedule;
  /** Attempts made so far, including the one that just failed (≥ 1). */
  attemptsMade: number;
  now: Date;
  /** Uniform in [0, 1): `Math.random` in production, fixed in tests. */
  random: () => number;
  /** From the receiver's `Retry-After`: waited for as asked, but never past the slot's upper bound. */
  retryAfterMs?: number;
  /** A minimum wait that beats everything else (60 s after timeouts and 429s). */
  floorMs?: number;
};

/** When the next attempt is due, or null: the schedule is used up, dead-letter the message. */
export function nextAttemptAt(input: NextAttemptInput): Date | null {
  const schedule = input.schedule ?? DEFAULT_RETRY_SCHEDULE;
  const slot = slotBounds(schedule, input.attemptsMade);
  if (slot === null) return null;
  let waitMs: number;
  if (input.retryAfterMs !== undefined && Number.isFinite(input.retryAfterMs) && input.retryAfterMs >= 0) {
    waitMs = Math.min(input.retryAfterMs, slot.upperMs);
  } else {
    const r = Math.min(Math.max(input.random(), 0), 1);
    waitMs = slot.lowerMs + (slot.upperMs - slot.lowerMs) * r;
  }
  waitMs = Math.max(waitMs, input.floorMs ?? 0);
  return new Date(input.now.getTime() + Math.round(waitMs));
}
