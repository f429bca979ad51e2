import type { Tx } from '../store/tx.js';

/**
 * The limiter's rows are its own (`rate_limit_slot`); a deleted workspace's pacing row goes with the
 * workspace purge. A key that is used again simply starts a new row.
 */
export async function forgetRateLimitKey(key: string, tx: Tx): Promise<number> {
  const n = await tx.$executeRaw`DELETE FROM rate_limit_slot WHERE key = ${key}`;
  return n;
}
