import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** A random lowercase base-36 string: 20 chars ≈ 103 bits, unguessable and URL-safe. */
export function randomId(length = 20): string {
  const bytes = randomBytes(length);
  let out = '';
  // 252 = 7 * 36: rejecting bytes at or above it keeps every character equally likely.
  for (let i = 0; out.length < length; i++) {
    const b = i < bytes.length ? bytes[i]! : randomBytes(1)[0]!;
    if (b < 252) out += ALPHABET[b % 36];
  }
  return out;
}

/** Prefixed ids (`job_…`, `key_…`) make a pasted id tell what it is. */
export const newId = (prefix: string): string => `${prefix}_${randomId()}`;
