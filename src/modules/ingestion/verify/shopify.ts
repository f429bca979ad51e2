import type { HeaderLookup } from './headers.js';
import { type ParseOutcome, decodeBase64, secretAsText } from './hmac-core.js';

/** Shopify: `X-Shopify-Hmac-Sha256: <base64 HMAC-SHA256 of the raw body>`, keyed with the app secret as text. */
export const SHOPIFY_SIGNATURE_HEADER = 'X-Shopify-Hmac-Sha256';

export function parseShopify(h: HeaderLookup, body: Buffer): ParseOutcome {
  const value = h(SHOPIFY_SIGNATURE_HEADER);
  if (value === undefined) return { failure: 'missing-signature' };
  const signature = decodeBase64(value, 32);
  if (signature === null) return { failure: 'malformed' };
  return { claim: { algorithm: 'sha256', key: secretAsText, message: [body], signatures: [signature] } };
}
