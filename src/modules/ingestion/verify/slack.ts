import type { HeaderLookup } from './headers.js';
import { type ParseOutcome, decodeHex, parseUnixSeconds, secretAsText } from './hmac-core.js';

/**
 * Slack: `X-Slack-Signature: v0=<hex>`, an HMAC-SHA256 of `v0:${X-Slack-Request-Timestamp}:${body}`
 * keyed with the app's signing secret as text.
 */
export const SLACK_SIGNATURE_HEADER = 'X-Slack-Signature';
export const SLACK_TIMESTAMP_HEADER = 'X-Slack-Request-Timestamp';

export function parseSlack(h: HeaderLookup, body: Buffer): ParseOutcome {
  const value = h(SLACK_SIGNATURE_HEADER);
  const ts = h(SLACK_TIMESTAMP_HEADER);
  if (value === undefined || ts === undefined) return { failure: 'missing-signature' };
  const timestamp = parseUnixSeconds(ts);
  const signature = value.startsWith('v0=') ? decodeHex(value.slice(3), 32) : null;
  if (timestamp === null || signature === null) return { failure: 'malformed' };
  return {
    claim: {
      algorithm: 'sha256',
      key: secretAsText,
      message: [`v0:${ts}:`, body],
      signatures: [signature],
      timestamp,
    },
  };
}
