import type { DedupRule } from './dedup-key.js';
import type { Scheme } from './source-config.js';

/**
 * The catalogue behind `GET /ui/providers`: what the admin page needs to offer each verification
 * scheme. Plain data (no zod) so it serialises as is; a test keeps it in step with SourceVerification
 * and defaultDedupRule.
 */
export type ProviderParam = {
  /** Path in the SourceVerification object; dotted for nested fields (`signed.timestampHeader`). */
  name: string;
  type: 'header-name' | 'integer' | 'enum' | 'string' | 'template';
  required: boolean;
  default?: string | number | null;
  /** For `enum`. */
  options?: readonly string[];
  min?: number;
  max?: number;
  /** Set when the parameter applies only under another parameter's value. */
  when?: { param: string; equals: string };
  description: string;
};

export type ProviderPreset = {
  id: Scheme;
  name: string;
  description: string;
  /** Fixed header names this scheme reads; configurable ones are parameters of type `header-name`. */
  headers: readonly string[];
  timestampWindow: 'always' | 'never' | 'configurable';
  defaultDedup: DedupRule;
  params: readonly ProviderParam[];
  secret: { required: boolean; format: string };
};

const tolerance: ProviderParam = {
  name: 'toleranceSeconds',
  type: 'integer',
  required: false,
  default: 300,
  min: 1,
  max: 86_400,
  description: 'How far (seconds) the signed timestamp may be from our clock, in either direction.',
};
const textSecret = { required: true, format: 'Any string of 16+ characters; leave empty to generate one.' };

export const PROVIDERS: readonly ProviderPreset[] = [
  {
    id: 'github',
    name: 'GitHub',
    description: 'GitHub webhooks: HMAC-SHA256 of the body in X-Hub-Signature-256 (sha256=<hex>).',
    headers: ['X-Hub-Signature-256', 'X-GitHub-Delivery', 'X-GitHub-Event'],
    timestampWindow: 'never',
    defaultDedup: { kind: 'header', header: 'X-GitHub-Delivery' },
    params: [],
    secret: textSecret,
  },
  {
    id: 'stripe',
    name: 'Stripe',
    description:
      'Stripe webhooks: Stripe-Signature t=<ts>,v1=<hex>, HMAC-SHA256 of "<t>.<body>" with the whsec_ signing secret.',
    headers: ['Stripe-Signature'],
    timestampWindow: 'always',
    defaultDedup: { kind: 'jsonpath', path: '$.id' },
    params: [tolerance],
    secret: { required: true, format: 'The endpoint’s signing secret from the Stripe dashboard (whsec_…).' },
  },
  {
    id: 'slack',
    name: 'Slack',
    description:
      'Slack Events API and interactivity: X-Slack-Signature v0=<hex> of "v0:<timestamp>:<body>". Answers url_verification.',
    headers: ['X-Slack-Signature', 'X-Slack-Request-Timestamp'],
    timestampWindow: 'always',
    defaultDedup: { kind: 'jsonpath', path: '$.event_id' },
    params: [tolerance],
    secret: { required: true, format: 'The app’s Signing Secret (Basic Information page).' },
  },
  {
    id: 'shopify',
    name: 'Shopify',
    description: 'Shopify webhooks: base64 HMAC-SHA256 of the body in X-Shopify-Hmac-Sha256.',
    headers: ['X-Shopify-Hmac-Sha256', 'X-Shopify-Event-Id', 'X-Shopify-Topic'],
    timestampWindow: 'never',
    defaultDedup: { kind: 'header', header: 'X-Shopify-Event-Id' },
    params: [],
    secret: { required: true, format: 'The app’s client secret (or the store’s webhook signing key).' },
  },
  {
    id: 'standard-webhooks',
    name: 'Standard Webhooks / Svix',
    description:
      'Standard Webhooks (also Svix): webhook-id, webhook-timestamp, webhook-signature "v1,<base64>" of "<id>.<ts>.<body>". svix-* headers accepted.',
    headers: [
      'webhook-id',
      'webhook-timestamp',
      'webhook-signature',
      'svix-id',
      'svix-timestamp',
      'svix-signature',
    ],
    timestampWindow: 'always',
    defaultDedup: { kind: 'header', header: 'webhook-id', alternatives: ['svix-id'] },
    params: [tolerance],
    secret: {
      required: true,
      format: 'whsec_ followed by base64 of 24–64 bytes; leave empty to generate one.',
    },
  },
  {
    id: 'clickup',
    name: 'ClickUp',
    description: 'ClickUp webhooks: hex HMAC-SHA256 of the body in X-Signature.',
    headers: ['X-Signature'],
    timestampWindow: 'never',
    defaultDedup: { kind: 'body-hash' },
    params: [],
    secret: { required: true, format: 'The secret ClickUp returns when the webhook is created.' },
  },
  {
    id: 'hmac',
    name: 'Generic HMAC',
    description:
      'Any sender that signs with an HMAC: choose the header, algorithm, encoding, prefix and what is signed.',
    headers: [],
    timestampWindow: 'configurable',
    defaultDedup: { kind: 'body-hash' },
    params: [
      { name: 'header', type: 'header-name', required: true, description: 'Header carrying the signature.' },
      {
        name: 'algorithm',
        type: 'enum',
        required: false,
        default: 'sha256',
        options: ['sha1', 'sha256', 'sha512'],
        description: 'HMAC hash function.',
      },
      {
        name: 'encoding',
        type: 'enum',
        required: false,
        default: 'hex',
        options: ['hex', 'base64'],
        description: 'How the digest is written.',
      },
      {
        name: 'prefix',
        type: 'string',
        required: false,
        default: '',
        description: 'Literal text before the digest, e.g. "sha256=".',
      },
      {
        name: 'signed.kind',
        type: 'enum',
        required: false,
        default: 'body',
        options: ['body', 'timestamp.body'],
        description: 'Sign the raw body only, or a template combining a timestamp header and the body.',
      },
      {
        name: 'signed.timestampHeader',
        type: 'header-name',
        required: true,
        when: { param: 'signed.kind', equals: 'timestamp.body' },
        description: 'Header carrying the timestamp (unix seconds when a window is set).',
      },
      {
        name: 'signed.template',
        type: 'template',
        required: false,
        default: '{timestamp}.{body}',
        when: { param: 'signed.kind', equals: 'timestamp.body' },
        description: 'What is signed: literal text with {timestamp} and exactly one {body}.',
      },
      {
        ...tolerance,
        name: 'signed.toleranceSeconds',
        when: { param: 'signed.kind', equals: 'timestamp.body' },
        description: `${tolerance.description} null disables the window (not recommended).`,
      },
    ],
    secret: textSecret,
  },
  {
    id: 'api-key',
    name: 'API key',
    description:
      'A shared key sent in a header and compared in constant time. No body integrity: prefer an HMAC scheme.',
    headers: [],
    timestampWindow: 'never',
    defaultDedup: { kind: 'body-hash' },
    params: [
      {
        name: 'header',
        type: 'header-name',
        required: false,
        default: 'X-Api-Key',
        description: 'Header carrying the key.',
      },
    ],
    secret: {
      required: true,
      format: 'Printable ASCII without spaces, 16+ characters; leave empty to generate one.',
    },
  },
  {
    id: 'basic-auth',
    name: 'HTTP Basic auth',
    description:
      'Authorization: Basic with a fixed user name; the password is the secret. No body integrity.',
    headers: ['Authorization'],
    timestampWindow: 'never',
    defaultDedup: { kind: 'body-hash' },
    params: [
      { name: 'username', type: 'string', required: true, description: 'Expected user name (no colon).' },
    ],
    secret: { required: true, format: 'The password, 12+ characters; leave empty to generate one.' },
  },
  {
    id: 'none',
    name: 'No verification',
    description:
      'Accepts every request to the source URL. Only for senders that cannot authenticate; the URL is the only secret.',
    headers: [],
    timestampWindow: 'never',
    defaultDedup: { kind: 'body-hash' },
    params: [],
    secret: { required: false, format: 'No secret.' },
  },
];
