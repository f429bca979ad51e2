import { type SourceSecrets, type SourceVerification, timestampWindow } from '../source-config.js';
import { parseClickup } from './clickup.js';
import { verifyApiKey, verifyBasicAuth } from './credentials.js';
import { parseGenericHmac } from './generic-hmac.js';
import { parseGithub } from './github.js';
import { type RawHeaders, headerLookup } from './headers.js';
import { type ParseOutcome, type VerifyResult, candidateSecrets, checkHmac } from './hmac-core.js';
import { parseShopify } from './shopify.js';
import { parseSlack } from './slack.js';
import { parseStandardWebhooks } from './standard-webhooks.js';
import { parseStripe } from './stripe.js';

export type { VerifyFailure, VerifyResult, SecretLabel } from './hmac-core.js';

export type VerifySourceInput = {
  config: SourceVerification;
  /** Required for every scheme but `none`. */
  secrets?: SourceSecrets;
  /** The bytes exactly as received: re-serialised JSON would not match the sender's signature. */
  rawBody: Buffer;
  headers: RawHeaders;
  now: Date;
};

/**
 * Decides whether a request to a custom source is genuine. Pure: no I/O, time comes in as `now`.
 * `none` is accepted as `secretUsed: 'current'` so callers handle one success shape.
 */
export function verifySource(input: VerifySourceInput): VerifyResult {
  const { config, rawBody: body, now } = input;
  if (config.scheme === 'none') return { ok: true, secretUsed: 'current' };
  if (input.secrets === undefined) throw new Error(`source with scheme ${config.scheme} has no secret`);
  const h = headerLookup(input.headers);
  const candidates = candidateSecrets(input.secrets, now);

  let parsed: ParseOutcome;
  switch (config.scheme) {
    case 'api-key':
      return verifyApiKey(config, h, candidates);
    case 'basic-auth':
      return verifyBasicAuth(config, h, candidates);
    case 'github':
      parsed = parseGithub(h, body);
      break;
    case 'stripe':
      parsed = parseStripe(h, body);
      break;
    case 'slack':
      parsed = parseSlack(h, body);
      break;
    case 'shopify':
      parsed = parseShopify(h, body);
      break;
    case 'standard-webhooks':
      parsed = parseStandardWebhooks(h, body);
      break;
    case 'clickup':
      parsed = parseClickup(h, body);
      break;
    case 'hmac':
      parsed = parseGenericHmac(config, h, body);
      break;
  }
  if ('failure' in parsed) return { ok: false, reason: parsed.failure };
  return checkHmac(parsed.claim, candidates, timestampWindow(config), now);
}
