/**
 * Per-workspace rate limiter for calls to Clockify, shared by every gateway instance on one database.
 *
 * The pacing state (see token-bucket.ts) is one row per workspace in `rate_limit_slot`. A call reserves
 * its slot with ONE statement (`INSERT … ON CONFLICT DO UPDATE … RETURNING`): PostgreSQL takes the row
 * lock, so concurrent reservations from any number of processes are serialised and each one sees the
 * previous one's `next_slot_at`. Time comes from the database's `clock_timestamp()` only, so instances
 * with skewed clocks still share one schedule. The caller then sleeps locally for `slot − dbNow`, which
 * it learns from the same statement; a call therefore never leaves before its slot.
 *
 * Workspaces have separate rows, so a busy workspace (a long queue of reserved slots) never delays
 * another one. A reservation that is abandoned (aborted signal) leaves its slot unused: conservative,
 * never over the limit.
 *
 * What the bound covers: grant times. Network and event-loop jitter between the grant and the request
 * reaching Clockify can compress the spacing slightly; the default rate (25/s) leaves a 2× margin
 * under Clockify's 50/s, and the client still honours 429 + Retry-After (and calls `pause`).
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { PrismaClient } from '../generated/prisma/client.js';
import { MAX_RATE_PER_SECOND, clampRate, slotIntervalUs } from './token-bucket.js';

export type Grant = {
  /** The reserved slot, µs since the epoch, on the database clock. */
  slotUs: number;
  /** The database clock when the slot was reserved, µs since the epoch. */
  dbNowUs: number;
  /** How long the caller must wait before calling, µs (0 when the slot is already due). */
  waitUs: number;
};

export type RateLimiter = {
  /** Waits until this workspace may make one more call at `ratePerSecond` (clamped to 1..maxRate). */
  acquire(workspaceId: string, ratePerSecond: number, signal?: AbortSignal): Promise<void>;
  /** Reserves a slot without waiting; `acquire` is this plus a sleep. */
  reserve(workspaceId: string, ratePerSecond: number): Promise<Grant>;
  /** Holds every instance's calls for this workspace for `seconds` (after a 429 with Retry-After). */
  pause(workspaceId: string, seconds: number): Promise<void>;
};

export type RateLimiterDeps = {
  db: Pick<PrismaClient, '$queryRaw' | '$executeRaw'>;
  /** Hard cap on any workspace's rate; Clockify allows 50/s per add-on per workspace. */
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
  /** Monotonic clock in ms for the lateness check; injectable for tests. */
  monotonicMs?: () => number;
};

type Row = { slot_us: string; now_us: string };

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  ms <= 0 ? Promise.resolve() : delay(ms, undefined, signal ? { signal } : undefined);

export function createRateLimiter(deps: RateLimiterDeps): RateLimiter {
  const maxRate = clampRate(deps.maxRate ?? MAX_RATE_PER_SECOND, MAX_RATE_PER_SECOND);
  const sleep = deps.sleep ?? defaultSleep;
  const toleranceUs = Math.max(0, deps.toleranceUs ?? 0);
  const monotonicMs = deps.monotonicMs ?? (() => performance.now());

  async function reserve(workspaceId: string, ratePerSecond: number): Promise<Grant> {
    const rate = clampRate(ratePerSecond, maxRate);
    const intervalUs = slotIntervalUs(rate) + Math.ceil(toleranceUs / rate);
    // The slot is GREATEST(stored next slot, now); the row then holds slot + interval. Epoch values go
    // out as text in whole µs: JS Dates would drop the microseconds the spacing is computed in.
    const rows = await deps.db.$queryRaw<Row[]>`
      INSERT INTO rate_limit_slot AS r (workspace_id, next_slot_at, updated_at)
      VALUES (${workspaceId}, clock_timestamp() + ${intervalUs}::bigint * interval '1 microsecond', clock_timestamp())
      ON CONFLICT (workspace_id) DO UPDATE SET
        next_slot_at = GREATEST(r.next_slot_at, clock_timestamp()) + ${intervalUs}::bigint * interval '1 microsecond',
        updated_at = clock_timestamp()
      RETURNING
        (extract(epoch FROM r.next_slot_at - ${intervalUs}::bigint * interval '1 microsecond') * 1000000)::bigint::text AS slot_us,
        (extract(epoch FROM clock_timestamp()) * 1000000)::bigint::text AS now_us`;
    const row = rows[0];
    if (row === undefined) throw new Error('rate limiter: reservation returned no row');
    const slotUs = Number(row.slot_us);
    const dbNowUs = Number(row.now_us);
    return { slotUs, dbNowUs, waitUs: Math.max(0, slotUs - dbNowUs) };
  }

  return {
    reserve,
    async acquire(workspaceId, ratePerSecond, signal) {
      for (;;) {
        signal?.throwIfAborted();
        const asked = monotonicMs();
        const grant = await reserve(workspaceId, ratePerSecond);
        // Round up: leaving a fraction of a millisecond early could put two calls in one window.
        const waitMs = Math.ceil(grant.waitUs / 1000);
        await sleep(waitMs, signal);
        // Measured from before the reservation, so the database round trip counts as lateness too.
        const lateMs = monotonicMs() - asked - waitMs;
        if (deps.maxLatenessMs === undefined || lateMs <= deps.maxLatenessMs) return;
      }
    },
    async pause(workspaceId, seconds) {
      const us = Math.max(0, Math.ceil(seconds * 1_000_000));
      await deps.db.$executeRaw`
        INSERT INTO rate_limit_slot AS r (workspace_id, next_slot_at, updated_at)
        VALUES (${workspaceId}, clock_timestamp() + ${us}::bigint * interval '1 microsecond', clock_timestamp())
        ON CONFLICT (workspace_id) DO UPDATE SET
          next_slot_at = GREATEST(r.next_slot_at, clock_timestamp() + ${us}::bigint * interval '1 microsecond'),
          updated_at = clock_timestamp()`;
    },
  };
}
