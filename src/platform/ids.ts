import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

// Random bytes are drawn from the CSPRNG a pool at a time: one call per 4 KiB instead of one per id (each
// call costs a system call or two, which on the webhook path is more than the rest of the id). Every
// byte is used once.
const POOL_BYTES = 4_096;
let pool = Buffer.alloc(0);
let offset = 0;

function randomByte(): number {
  if (offset >= pool.length) {
    pool = randomBytes(POOL_BYTES);
    offset = 0;
  }
  return pool[offset++]!;
}

/** A random lowercase base-36 string: 20 chars ≈ 103 bits, unguessable and URL-safe. */
export function randomId(length = 20): string {
  let out = '';
  while (out.length < length) {
    const b = randomByte();
    // 252 = 7 * 36: rejecting bytes at or above it keeps every character equally likely.
    if (b < 252) out += ALPHABET[b % 36];
  }
  return out;
}

/** Prefixed ids (`job_…`, `key_…`) make a pasted id tell what it is. */
export const newId = (prefix: string): string => `${prefix}_${randomId()}`;

/** Milliseconds in base 36, fixed width: 9 characters last until the year 5188. */
const TIME_CHARS = 9;
/** A counter within one millisecond (46 656 values), so ids from one process strictly increase. */
const SEQ_CHARS = 3;
const SEQ_MAX = 36 ** SEQ_CHARS - 1;
let lastMs = 0;
let seq = 0;

/**
 * A prefixed id that sorts by creation time: 9 characters of milliseconds, a 3-character counter that
 * makes ids from one process strictly increasing, and 8 random characters (≈ 41 bits, against collisions
 * between processes): the same 20-character shape as `newId`. For append-heavy tables (events, jobs):
 * new keys land at the right edge of the primary-key index instead of on a random page, and events
 * sorted by id are in the order this process received them.
 */
export function newSortableId(prefix: string, nowMs = Date.now()): string {
  if (nowMs > lastMs) {
    lastMs = nowMs;
    seq = 0;
  } else if (seq < SEQ_MAX) {
    seq++;
  } else {
    // 46 656 ids within one millisecond: borrow the next millisecond rather than repeat.
    lastMs++;
    seq = 0;
  }
  const time = lastMs.toString(36).padStart(TIME_CHARS, '0');
  return `${prefix}_${time}${seq.toString(36).padStart(SEQ_CHARS, '0')}${randomId(20 - TIME_CHARS - SEQ_CHARS)}`;
}
