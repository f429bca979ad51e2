import { decodeStandardWebhooksSecret } from '../source-config.js';
import type { HeaderLookup } from './headers.js';
import { MAX_SIGNATURES, type ParseOutcome, decodeBase64, parseUnixSeconds } from './hmac-core.js';

/**
 * Standard Webhooks (and Svix, which uses `svix-` header names): `webhook-signature` is a
 * space-separated list of `v1,<base64>`, each an HMAC-SHA256 of `${id}.${timestamp}.${body}` keyed
 * with the base64-decoded part of the `whsec_…` secret. Any v1 entry matching is enough; other
 * versions (e.g. the asymmetric `v1a`) are ignored.
 */
export const STANDARD_WEBHOOKS_HEADERS = {
  webhook: { id: 'webhook-id', timestamp: 'webhook-timestamp', signature: 'webhook-signature' },
  svix: { id: 'svix-id', timestamp: 'svix-timestamp', signature: 'svix-signature' },
} as const;

function standardKey(secret: string): Buffer {
  const key = decodeStandardWebhooksSecret(secret);
  // Admin input is validated with secretSchema, so this is a stored-data bug, not a sender's fault.
  if (key === null) throw new Error('standard-webhooks secret is not whsec_ + base64 of 24–64 bytes');
  return key;
}

export function parseStandardWebhooks(h: HeaderLookup, body: Buffer): ParseOutcome {
  const names = Object.values(STANDARD_WEBHOOKS_HEADERS).find(
    (n) => h(n.signature) !== undefined || h(n.id) !== undefined || h(n.timestamp) !== undefined,
  );
  const id = names && h(names.id);
  const ts = names && h(names.timestamp);
  const value = names && h(names.signature);
  if (id === undefined || ts === undefined || value === undefined) return { failure: 'missing-signature' };
  const timestamp = parseUnixSeconds(ts);
  const entries = value.split(' ').filter((e) => e !== '');
  if (timestamp === null || entries.length > MAX_SIGNATURES) return { failure: 'malformed' };
  const signatures = entries
    .map((e) => (e.startsWith('v1,') ? decodeBase64(e.slice(3), 32) : null))
    .filter((s): s is Buffer => s !== null);
  if (signatures.length === 0) return { failure: 'malformed' };
  return {
    claim: { algorithm: 'sha256', key: standardKey, message: [`${id}.${ts}.`, body], signatures, timestamp },
  };
}
