import type { HeaderLookup } from './headers.js';
import { type ParseOutcome, decodeHex, secretAsText } from './hmac-core.js';

/** ClickUp: `X-Signature: <hex HMAC-SHA256 of the raw body>`, keyed with the webhook's secret as text. */
export const CLICKUP_SIGNATURE_HEADER = 'X-Signature';

export function parseClickup(h: HeaderLookup, body: Buffer): ParseOutcome {
  const value = h(CLICKUP_SIGNATURE_HEADER);
  if (value === undefined) return { failure: 'missing-signature' };
  const signature = decodeHex(value, 32);
  if (signature === null) return { failure: 'malformed' };
  return { claim: { algorithm: 'sha256', key: secretAsText, message: [body], signatures: [signature] } };
}
