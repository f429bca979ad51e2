/**
 * Rate limiter by opaque key (a workspace's calls to Clockify; an outbound endpoint next), shared by every
 * gateway instance on one database.
 *
 * The pacing state (see pacing.ts) is one row per key in `rate_limit_slot`. A call reserves its slot with
 * ONE statement (`INSERT … ON CONFLICT DO UPDATE … RETURNING`): PostgreSQL takes the row lock, so
 * concurrent reservations from any number of processes are serialised and each one sees the previous
 * one's `next_slot_at`. Time comes from the database's `clock_timestamp()` only, so instances with skewed
 * clocks still share one schedule. The caller then sleeps locally for `slot − dbNow`, which it learns from
 * the same statement; a call therefore never leaves before its slot.
 *
 * Priority: every call, interactive or not, takes the next slot of the same schedule, so the rate bound
 * holds for the sum of both. What differs is how far ahead a call may book. A `background` call (a
 * bootstrap's pages) books only while fewer than `queueSlots` slots are booked ahead of now; otherwise the
 * statement books nothing and says when to try again, and the caller sleeps until then. An `interactive`
 * call (the API explorer, an admin's "send test") always books. So however many background callers wait,
 * an interactive call finds at most `queueSlots` booked slots in front of it: it waits at most
 * `queueSlots + 1` slot periods. Background callers beyond the queue poll about once per slot period each.
 *
 * Keys have separate rows, so a busy key (a long queue of reserved slots) never delays another one. A
 * reservation that is abandoned (aborted signal) leaves its slot unused: conservative, never over the limit.
 *
 * What the bound covers: grant times. Network and event-loop jitter between the grant and the request
 * reaching Clockify can compress the spacing slightly; the default rate (25/s) leaves a 2× margin under
 * Clockify's 50/s, and the client still honours 429 + Retry-After (and calls `pause`).
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { PrismaClient } from '../generated/prisma/client.js';
import { MAX_RATE_PER_SECOND, clampRate, slotIntervalUs } from './pacing.js';

/** `interactive`: a person waits on the call. `background`: everything else (the default). */
export type Priority = 'interactive' | 'background';

export type Grant = {
  /** The reserved slot, µs since the epoch, on the database clock. */
  slotUs: number;
  /** The database clock when the slot was reserved, µs since the epoch. */
  dbNowUs: number;
  /** How long the caller must wait before calling, µs (0 when the slot is already due). */
  waitUs: number;
};

/** A reservation's outcome: a slot, or (background, queue full) when to try again. */
export type Reservation =
  | ({ granted: true } & Grant)
  | {
      granted: false;
      dbNowUs: number;
      /** µs until the queue should have room. */
      retryInUs: number;
      /** The key's slot period, µs. */
      intervalUs: number;
    };

export type RateLimiter = {
  /**
   * Waits until `key` may make one more call at `ratePerSecond` (clamped to 1..maxRate); resolves with the
   * milliseconds waited. Rejects when `signal` aborts.
   */
  acquire(key: string, ratePerSecond: number, signal?: AbortSignal, priority?: Priority): Promise<number>;
  /** Reserves a slot without waiting (one statement); `acquire` is this plus sleeps. */
  reserve(key: string, ratePerSecond: number, priority?: Priority): Promise<Reservation>;
  /** Holds every instance's calls for this key for `seconds` (after a 429 with Retry-After). */
  pause(key: string, seconds: number): Promise<void>;
};

/** Default: a background call books at most this many slots ahead of now. */
export const DEFAULT_QUEUE_SLOTS = 4;

export type RateLimiterDeps = {
  db: Pick<PrismaClient, '$queryRaw' | '$executeRaw'>;
  /** Hard cap on any key's rate; Clockify allows 50/s per add-on per workspace. */
  maxRate?: number;
  /** Injected for tests; defaults to an abortable timer. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /**
   * Jitter budget, µs per second of calls (default 0: exact pacing). Grants are spaced
   * `(1 s + toleranceUs) / rate` apart, so a call may reach Clockify up to `toleranceUs` after its
   * slot and no sliding second still holds more than `rate` calls.
   */
  toleranceUs?: number;
  /**
   * A caller that wakes more than this many ms after its slot (busy event loop, slow database answer)
   * gives the slot up and reserves a new one instead of calling late, which would bunch it with the
   * next calls. Keep it well under `toleranceUs`. Default: no check.
   */
  maxLatenessMs?: number;
  /**
   * How many slots background calls may book ahead of now (default 4): an interactive call waits at most
   * one more than this. `Infinity` lets background calls queue without bound (no priority).
   */
  queueSlots?: number;
  /** Monotonic clock in ms for waits and the lateness check; injectable for tests. */
  monotonicMs?: () => number;
  /** Jitter for background retries (0..1); injectable for tests. */
  random?: () => number;
  /** Called with every slot granted (metrics, tests). */
  onGrant?: (key: string, grant: Grant, priority: Priority) => void;
};

type Row = { slot_us: string | null; tail_us: string | null; now_us: string };

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  ms <= 0 ? Promise.resolve() : delay(ms, undefined, signal ? { signal } : undefined);

/** Beyond any real queue (31 years): what `queueSlots: Infinity` books with. */
const NO_QUEUE_BOUND_US = 1e15;

export function createRateLimiter(deps: RateLimiterDeps): RateLimiter {
  const maxRate = clampRate(deps.maxRate ?? MAX_RATE_PER_SECOND, MAX_RATE_PER_SECOND);
  const sleep = deps.sleep ?? defaultSleep;
  const toleranceUs = Math.max(0, deps.toleranceUs ?? 0);
  const queueSlots = Math.max(0, deps.queueSlots ?? DEFAULT_QUEUE_SLOTS);
  const monotonicMs = deps.monotonicMs ?? (() => performance.now());
  const random = deps.random ?? Math.random;

  async function reserve(
    key: string,
    ratePerSecond: number,
    priority: Priority = 'background',
  ): Promise<Reservation> {
    const rate = clampRate(ratePerSecond, maxRate);
    const intervalUs = slotIntervalUs(rate) + Math.ceil(toleranceUs / rate);
    const queueUs = Number.isFinite(queueSlots) ? queueSlots * intervalUs : NO_QUEUE_BOUND_US;
    // The slot is GREATEST(stored next slot, now); the row then holds slot + interval. A background call
    // books only while the stored next slot is within the queue; `prev` (this statement's snapshot, maybe
    // a little stale) tells a refused caller how long the queue is. Epoch values go out as text in whole
    // µs: JS Dates would drop the microseconds the spacing is computed in.
    const rows = await deps.db.$queryRaw<Row[]>`
      WITH prev AS (
        SELECT next_slot_at FROM rate_limit_slot WHERE key = ${key}
      ),
      booked AS (
        INSERT INTO rate_limit_slot AS r (key, next_slot_at, updated_at)
        VALUES (${key}, clock_timestamp() + ${intervalUs}::bigint * interval '1 microsecond', clock_timestamp())
        ON CONFLICT (key) DO UPDATE SET
          next_slot_at = GREATEST(r.next_slot_at, clock_timestamp()) + ${intervalUs}::bigint * interval '1 microsecond',
          updated_at = clock_timestamp()
        WHERE ${priority === 'interactive'}::boolean
           OR r.next_slot_at <= clock_timestamp() + ${queueUs}::bigint * interval '1 microsecond'
        RETURNING r.next_slot_at - ${intervalUs}::bigint * interval '1 microsecond' AS slot
      )
      SELECT
        (SELECT (extract(epoch FROM slot) * 1000000)::bigint::text FROM booked) AS slot_us,
        (SELECT (extract(epoch FROM next_slot_at) * 1000000)::bigint::text FROM prev) AS tail_us,
        (extract(epoch FROM clock_timestamp()) * 1000000)::bigint::text AS now_us`;
    const row = rows[0];
    if (row === undefined) throw new Error('rate limiter: reservation returned no row');
    const dbNowUs = Number(row.now_us);
    if (row.slot_us !== null) {
      const slotUs = Number(row.slot_us);
      const grant = { slotUs, dbNowUs, waitUs: Math.max(0, slotUs - dbNowUs) };
      deps.onGrant?.(key, grant, priority);
      return { granted: true, ...grant };
    }
    // Refused: try again when the queue should have room, at least one slot period from now.
    const tailUs = row.tail_us === null ? dbNowUs : Number(row.tail_us);
    return {
      granted: false,
      dbNowUs,
      retryInUs: Math.max(intervalUs, tailUs - dbNowUs - queueUs),
      intervalUs,
    };
  }

  return {
    reserve,
    async acquire(key, ratePerSecond, signal, priority = 'background') {
      const started = monotonicMs();
      for (;;) {
        signal?.throwIfAborted();
        const asked = monotonicMs();
        const r = await reserve(key, ratePerSecond, priority);
        if (!r.granted) {
          // Spread the refused callers over one more slot period, so they do not all come back at once.
          await sleep(Math.ceil((r.retryInUs + random() * r.intervalUs) / 1000), signal);
          continue;
        }
        // Round up: leaving a fraction of a millisecond early could put two calls in one window.
        const waitMs = Math.ceil(r.waitUs / 1000);
        await sleep(waitMs, signal);
        // Measured from before the reservation, so the database round trip counts as lateness too.
        const lateMs = monotonicMs() - asked - waitMs;
        if (deps.maxLatenessMs === undefined || lateMs <= deps.maxLatenessMs)
          return Math.max(0, monotonicMs() - started);
      }
    },
    async pause(key, seconds) {
      const us = Math.max(0, Math.ceil(seconds * 1_000_000));
      await deps.db.$executeRaw`
        INSERT INTO rate_limit_slot AS r (key, next_slot_at, updated_at)
        VALUES (${key}, clock_timestamp() + ${us}::bigint * interval '1 microsecond', clock_timestamp())
        ON CONFLICT (key) DO UPDATE SET
          next_slot_at = GREATEST(r.next_slot_at, clock_timestamp() + ${us}::bigint * interval '1 microsecond'),
          updated_at = clock_timestamp()`;
    },
  };
}
