import { z } from 'zod';

/**
 * How a custom source proves its requests are genuine: the shape the admin API accepts on create and
 * update. Secrets are deliberately NOT part of it; they are stored encrypted on their own and reach
 * the verifier as `SourceSecrets`.
 */

/** An HTTP field name (RFC 9110 token). Lookups are case-insensitive, so the case given is kept. */
export const HeaderName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'not a valid HTTP header name');

/** Seconds a signed timestamp may differ from our clock, in either direction. */
export const ToleranceSeconds = z.number().int().min(1).max(86_400);
export const DEFAULT_TOLERANCE_SECONDS = 300;
const tolerance = ToleranceSeconds.default(DEFAULT_TOLERANCE_SECONDS);

export const HmacAlgorithm = z.enum(['sha1', 'sha256', 'sha512']);
export type HmacAlgorithm = z.infer<typeof HmacAlgorithm>;

/**
 * What the generic template signs. `{timestamp}` and `{body}` are replaced by the timestamp header's
 * value and the raw body bytes; everything else is literal (Slack's scheme is `v0:{timestamp}:{body}`).
 */
export const SignedTemplate = z
  .string()
  .min(6)
  .max(200)
  .refine((t) => t.split('{body}').length === 2, 'must contain {body} exactly once')
  .refine((t) => t.includes('{timestamp}'), 'must contain {timestamp}')
  .refine(
    (t) => t.replaceAll('{body}', '').replaceAll('{timestamp}', '').match(/[{}]/) === null,
    'only {timestamp} and {body} placeholders are allowed',
  );

export const HmacSigned = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('body') }),
  z.strictObject({
    kind: z.literal('timestamp.body'),
    timestampHeader: HeaderName,
    template: SignedTemplate.default('{timestamp}.{body}'),
    /** `null` disables the window; kept explicit so nobody turns replay protection off by omission. */
    toleranceSeconds: ToleranceSeconds.nullable().default(DEFAULT_TOLERANCE_SECONDS),
  }),
]);
export type HmacSigned = z.infer<typeof HmacSigned>;

export const SourceVerification = z.discriminatedUnion('scheme', [
  z.strictObject({ scheme: z.literal('github') }),
  z.strictObject({ scheme: z.literal('stripe'), toleranceSeconds: tolerance }),
  z.strictObject({ scheme: z.literal('slack'), toleranceSeconds: tolerance }),
  z.strictObject({ scheme: z.literal('shopify') }),
  z.strictObject({ scheme: z.literal('standard-webhooks'), toleranceSeconds: tolerance }),
  z.strictObject({ scheme: z.literal('clickup') }),
  z.strictObject({
    scheme: z.literal('hmac'),
    algorithm: HmacAlgorithm.default('sha256'),
    header: HeaderName,
    encoding: z.enum(['hex', 'base64']).default('hex'),
    /** Literal text before the digest, e.g. `sha256=`. */
    prefix: z
      .string()
      .max(32)
      .regex(/^[\x21-\x7e]*$/, 'printable ASCII without spaces')
      .default(''),
    signed: HmacSigned.default({ kind: 'body' }),
  }),
  z.strictObject({ scheme: z.literal('api-key'), header: HeaderName.default('X-Api-Key') }),
  z.strictObject({
    scheme: z.literal('basic-auth'),
    // RFC 7617: the user-id cannot contain a colon; control characters would not survive a header.
    username: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[^:\p{Cc}]+$/u, 'no colons or control characters'),
  }),
  z.strictObject({ scheme: z.literal('none') }),
]);
export type SourceVerification = z.infer<typeof SourceVerification>;
export type SourceVerificationInput = z.input<typeof SourceVerification>;
export type Scheme = SourceVerification['scheme'];
export type SchemeConfig<S extends Scheme> = Extract<SourceVerification, { scheme: S }>;

export const SCHEMES = SourceVerification.options.map((o) => o.shape.scheme.value) as readonly Scheme[];

/** Schemes whose signature covers a timestamp, so a window applies (the generic template: when configured). */
export function timestampWindow(config: SourceVerification): number | null {
  switch (config.scheme) {
    case 'stripe':
    case 'slack':
    case 'standard-webhooks':
      return config.toleranceSeconds;
    case 'hmac':
      return config.signed.kind === 'timestamp.body' ? config.signed.toleranceSeconds : null;
    case 'github':
    case 'shopify':
    case 'clickup':
    case 'api-key':
    case 'basic-auth':
    case 'none':
      return null;
  }
}

const SecretValue = z.string().min(1).max(1024);

/**
 * The decrypted secrets of a source. The previous secret keeps working until `expiresAt` so senders
 * can be switched over without dropping requests.
 */
export const SourceSecrets = z.strictObject({
  current: SecretValue,
  previous: z.strictObject({ value: SecretValue, expiresAt: z.coerce.date() }).optional(),
});
export type SourceSecrets = z.infer<typeof SourceSecrets>;

const WHSEC = /^(?:whsec_)?([A-Za-z0-9+/]+={0,2})$/;

/** Standard Webhooks keys are `whsec_` + base64 of 24–64 random bytes (the spec's bounds). */
export function decodeStandardWebhooksSecret(secret: string): Buffer | null {
  const m = WHSEC.exec(secret);
  if (m?.[1] === undefined) return null;
  const key = Buffer.from(m[1], 'base64');
  return key.length >= 24 && key.length <= 64 ? key : null;
}

/**
 * What an admin may supply as a secret for a scheme (when not letting us generate one). Short HMAC
 * keys are brute-forceable offline from a single captured request, hence the 16-character floor.
 */
export function secretSchema(scheme: Scheme): z.ZodType<string> {
  switch (scheme) {
    case 'standard-webhooks':
      return SecretValue.refine(
        (s) => decodeStandardWebhooksSecret(s) !== null,
        'expected whsec_ followed by base64 of 24–64 bytes',
      );
    case 'basic-auth':
      return SecretValue.min(12).regex(/^\P{Cc}+$/u, 'no control characters');
    case 'api-key':
      return SecretValue.min(16).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');
    case 'github':
    case 'stripe':
    case 'slack':
    case 'shopify':
    case 'clickup':
    case 'hmac':
      return SecretValue.min(16);
    case 'none':
      return z.string().max(0, 'the none scheme takes no secret');
  }
}
