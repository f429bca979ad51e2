/**
 * Standard Webhooks signing for outbound deliveries (spec: github.com/standard-webhooks/standard-webhooks,
 * spec/standard-webhooks.md). Symmetric scheme only:
 *
 * - a secret is `whsec_` + base64 of 24–64 random bytes; the key is those bytes;
 * - the signature is `v1,` + base64(HMAC-SHA256(key, `${msgId}.${timestamp}.` + body bytes));
 * - during a rotation each secret signs and the entries are joined by a space (the current one first),
 *   so receivers holding either secret verify.
 *
 * The body is signed byte for byte as it will be sent: never re-serialise it after signing.
 */
import { createHmac } from 'node:crypto';

export type RandomBytes = (size: number) => Buffer;

export const SECRET_PREFIX = 'whsec_';
export const MIN_SECRET_BYTES = 24;
export const MAX_SECRET_BYTES = 64;
/** More than this many signatures in one header is not a rotation; receivers cap it too. */
export const MAX_SIGNING_SECRETS = 4;

/** A new endpoint secret. `random` is `crypto.randomBytes` in production, a fixed source in tests. */
export function generateSecret(random: RandomBytes, byteLength = 32): string {
  if (!Number.isInteger(byteLength) || byteLength < MIN_SECRET_BYTES || byteLength > MAX_SECRET_BYTES) {
    throw new RangeError(`secret length must be ${MIN_SECRET_BYTES}–${MAX_SECRET_BYTES} bytes`);
  }
  const bytes = random(byteLength);
  if (bytes.length !== byteLength) throw new Error('random source returned the wrong number of bytes');
  return `${SECRET_PREFIX}${bytes.toString('base64')}`;
}

/** The key bytes of a secret (`whsec_` optional, as the reference libraries accept), or null if malformed. */
export function decodeSecret(secret: string): Buffer | null {
  const b64 = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0) return null;
  const key = Buffer.from(b64, 'base64');
  return key.length >= MIN_SECRET_BYTES && key.length <= MAX_SECRET_BYTES ? key : null;
}

export type SignInput = {
  /** `webhook-id`: stable across retries of one message, so receivers can deduplicate. */
  msgId: string;
  /** The attempt's time: a Date, or whole Unix seconds. */
  timestamp: Date | number;
  body: string | Buffer;
  /** Current secret first; a second (previous) one while a rotation lasts. */
  secrets: readonly string[];
};

/** Header-safe and unambiguous in the signed content: visible ASCII without spaces. */
const MSG_ID = /^[\x21-\x7e]{1,256}$/;

export function unixSeconds(timestamp: Date | number): number {
  const s = typeof timestamp === 'number' ? timestamp : Math.floor(timestamp.getTime() / 1000);
  if (!Number.isSafeInteger(s) || s < 0)
    throw new RangeError('timestamp must be a valid Date or whole Unix seconds');
  return s;
}

/** The `webhook-signature` header value: `v1,<base64>` per secret, space-separated. */
export function sign(input: SignInput): string {
  if (!MSG_ID.test(input.msgId)) throw new RangeError('msgId must be 1–256 visible ASCII characters');
  const ts = unixSeconds(input.timestamp);
  const secrets = [...new Set(input.secrets)];
  if (secrets.length === 0 || secrets.length > MAX_SIGNING_SECRETS) {
    throw new RangeError(`between 1 and ${MAX_SIGNING_SECRETS} secrets sign a message`);
  }
  const prefix = Buffer.from(`${input.msgId}.${ts}.`, 'utf8');
  const body = typeof input.body === 'string' ? Buffer.from(input.body, 'utf8') : input.body;
  return secrets
    .map((secret) => {
      const key = decodeSecret(secret);
      // Secrets are validated when stored, so this is a data bug, not a receiver's problem.
      if (key === null) throw new RangeError('secret is not whsec_ + base64 of 24–64 bytes');
      return `v1,${createHmac('sha256', key).update(prefix).update(body).digest('base64')}`;
    })
    .join(' ');
}

export type WebhookHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

/** The three Standard Webhooks headers for one attempt. */
export function webhookHeaders(input: SignInput): WebhookHeaders {
  return {
    'webhook-id': input.msgId,
    'webhook-timestamp': String(unixSeconds(input.timestamp)),
    'webhook-signature': sign(input),
  };
}
