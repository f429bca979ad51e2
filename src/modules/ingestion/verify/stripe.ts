import type { HeaderLookup } from './headers.js';
import { MAX_SIGNATURES, type ParseOutcome, decodeHex, parseUnixSeconds, secretAsText } from './hmac-core.js';

/**
 * Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…][,v0=…]`, each v1 an HMAC-SHA256 of
 * `${t}.${body}` keyed with the whole `whsec_…` string (Stripe does not decode it). Several v1 entries
 * appear while a secret is being rolled; any one matching is enough. Other schemes (v0) are ignored.
 */
export const STRIPE_SIGNATURE_HEADER = 'Stripe-Signature';

export function parseStripe(h: HeaderLookup, body: Buffer): ParseOutcome {
  const value = h(STRIPE_SIGNATURE_HEADER);
  if (value === undefined) return { failure: 'missing-signature' };
  let t: string | undefined;
  const v1: string[] = [];
  for (const item of value.split(',')) {
    const eq = item.indexOf('=');
    if (eq <= 0) continue;
    const key = item.slice(0, eq).trim();
    const val = item.slice(eq + 1).trim();
    if (key === 't') t ??= val;
    else if (key === 'v1') v1.push(val);
  }
  const timestamp = t === undefined ? null : parseUnixSeconds(t);
  if (timestamp === null || v1.length === 0 || v1.length > MAX_SIGNATURES) return { failure: 'malformed' };
  const signatures = v1.map((s) => decodeHex(s, 32)).filter((s): s is Buffer => s !== null);
  if (signatures.length === 0) return { failure: 'malformed' };
  return {
    claim: { algorithm: 'sha256', key: secretAsText, message: [`${t}.`, body], signatures, timestamp },
  };
}
