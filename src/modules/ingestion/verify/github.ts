import type { HeaderLookup } from './headers.js';
import { type ParseOutcome, decodeHex, secretAsText } from './hmac-core.js';

/** GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`; the secret is used as text. */
export const GITHUB_SIGNATURE_HEADER = 'X-Hub-Signature-256';

export function parseGithub(h: HeaderLookup, body: Buffer): ParseOutcome {
  const value = h(GITHUB_SIGNATURE_HEADER);
  if (value === undefined) return { failure: 'missing-signature' };
  const hex = value.startsWith('sha256=') ? value.slice('sha256='.length) : null;
  const signature = hex === null ? null : decodeHex(hex, 32);
  if (signature === null) return { failure: 'malformed' };
  return { claim: { algorithm: 'sha256', key: secretAsText, message: [body], signatures: [signature] } };
}
