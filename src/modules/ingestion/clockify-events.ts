import { sha256Hex } from '../../platform/crypto.js';

/** Clockify sends no delivery id: a retry is the same event type with the same bytes. */
export const clockifyDedupKey = (event: string, rawBody: Buffer): string =>
  `c:${sha256Hex(Buffer.concat([Buffer.from(`${event}\n`), rawBody]))}`;
