import type { SchemeConfig } from '../source-config.js';
import type { HeaderLookup } from './headers.js';
import {
  DIGEST_BYTES,
  type ParseOutcome,
  decodeBase64,
  decodeHex,
  parseUnixSeconds,
  secretAsText,
} from './hmac-core.js';

/**
 * The generic HMAC template: `<header>: <prefix><digest in hex|base64>`, the digest taken over the
 * raw body or over a template such as `{timestamp}.{body}`. The secret is used as text.
 */
export function parseGenericHmac(config: SchemeConfig<'hmac'>, h: HeaderLookup, body: Buffer): ParseOutcome {
  const value = h(config.header);
  const ts = config.signed.kind === 'timestamp.body' ? h(config.signed.timestampHeader) : '';
  if (value === undefined || ts === undefined) return { failure: 'missing-signature' };
  if (!value.startsWith(config.prefix)) return { failure: 'malformed' };
  const encoded = value.slice(config.prefix.length);
  const bytes = DIGEST_BYTES[config.algorithm];
  const signature = config.encoding === 'hex' ? decodeHex(encoded, bytes) : decodeBase64(encoded, bytes);
  if (signature === null) return { failure: 'malformed' };

  const base = { algorithm: config.algorithm, key: secretAsText, signatures: [signature] };
  if (config.signed.kind === 'body') return { claim: { ...base, message: [body] } };

  // With a window the timestamp must be unix seconds; without one it is opaque signed text.
  const timestamp = parseUnixSeconds(ts);
  if (config.signed.toleranceSeconds !== null && timestamp === null) return { failure: 'malformed' };
  const [before = '', after = ''] = config.signed.template.split('{body}');
  return {
    claim: {
      ...base,
      message: [before.replaceAll('{timestamp}', ts), body, after.replaceAll('{timestamp}', ts)],
      ...(timestamp === null ? {} : { timestamp }),
    },
  };
}
