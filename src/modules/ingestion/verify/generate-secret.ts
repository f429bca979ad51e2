import { randomBytes } from 'node:crypto';
import type { Scheme } from '../source-config.js';

export type RandomBytes = (size: number) => Buffer;

/**
 * A new secret for a source. 32 random bytes (256 bits) in every case: Standard Webhooks wants
 * `whsec_` + base64 of the key bytes (the spec allows 24–64); the other schemes use the text itself
 * as the key or password, so it is base64url (43 characters, safe in headers and URLs).
 */
export function generateSecret(scheme: Exclude<Scheme, 'none'>, random: RandomBytes = randomBytes): string {
  const bytes = random(32);
  if (bytes.length !== 32) throw new Error('random source returned the wrong number of bytes');
  return scheme === 'standard-webhooks' ? `whsec_${bytes.toString('base64')}` : bytes.toString('base64url');
}
