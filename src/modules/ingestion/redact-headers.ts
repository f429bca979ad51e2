import {
  type SourceSecrets,
  type SourceVerification,
  decodeStandardWebhooksSecret,
} from './source-config.js';
import { type RawHeaders, normaliseHeaders } from './verify/headers.js';

export const REDACTED = '[redacted]';

/** Credentials: replaced entirely (presence kept, so "did they send auth?" stays answerable). */
const CREDENTIAL_HEADERS = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'x-addon-token',
];

/** Signatures and signed tokens: a short prefix is kept for debugging, never enough to reuse. */
const SIGNATURE_HEADERS = [
  'stripe-signature',
  'x-slack-signature',
  'x-shopify-hmac-sha256',
  'webhook-signature',
  'svix-signature',
  'x-signature',
  'clockify-signature',
  'x-addon-lifecycle-token',
];
const isSignatureHeader = (name: string) =>
  SIGNATURE_HEADERS.includes(name) || name.startsWith('x-hub-signature');

/** Unknown headers whose names suggest a credential are treated as one. */
const CREDENTIAL_LIKE = /secret|token|passw|api-?key|auth|credential|session/;

export function maskValue(value: string): string {
  return `${value.slice(0, Math.min(8, Math.floor(value.length / 4)))}…`;
}

/** Every textual form in which this source's secrets could show up in a header. */
function secretForms(secrets: SourceSecrets | undefined): string[] {
  if (secrets === undefined) return [];
  // Sources are cached with their secrets, so each secrets object is expanded once, not per request.
  let forms = formsOf.get(secrets);
  if (forms === undefined) formsOf.set(secrets, (forms = expandSecrets(secrets)));
  return forms;
}
const formsOf = new WeakMap<SourceSecrets, string[]>();

function expandSecrets(secrets: SourceSecrets): string[] {
  const values = [secrets.current, secrets.previous?.value].filter(
    (s): s is string => s !== undefined && s !== '',
  );
  return values.flatMap((s) => {
    const key = decodeStandardWebhooksSecret(s);
    return key === null ? [s] : [s, s.replace(/^whsec_/, ''), key.toString('hex'), key.toString('base64url')];
  });
}

/**
 * Headers safe to store with an event: lowercased names, credentials replaced by `[redacted]`,
 * signatures cut to a short prefix, and any value that contains one of the source's secrets redacted
 * whatever its name, so a misconfigured sender cannot get a secret into storage.
 */
export function redactHeaders(
  headers: RawHeaders,
  config: SourceVerification,
  secrets?: SourceSecrets,
): Record<string, string> {
  const credential = config.scheme === 'api-key' ? config.header.toLowerCase() : null;
  const signature = config.scheme === 'hmac' ? config.header.toLowerCase() : null;
  const forms = secretForms(secrets);

  const normalised = normaliseHeaders(headers);
  for (const name in normalised) {
    const value = normalised[name]!;
    if (name === credential || CREDENTIAL_HEADERS.includes(name)) normalised[name] = REDACTED;
    else if (forms.some((f) => value.includes(f))) normalised[name] = REDACTED;
    else if (name === signature || isSignatureHeader(name)) normalised[name] = maskValue(value);
    else if (CREDENTIAL_LIKE.test(name)) normalised[name] = REDACTED;
  }
  return normalised;
}
