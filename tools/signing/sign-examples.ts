import { createHmac } from 'node:crypto';
import {
  type SchemeConfig,
  type SourceVerification,
  decodeStandardWebhooksSecret,
} from '../../src/modules/ingestion/source-config.js';

/**
 * Signs requests the way each provider does, for tests, the benchmark and the simulator. Written
 * from the providers' documentation, separately from the verifiers, and returns the headers to send.
 */
export type Body = Buffer | string;
export type SignedHeaders = Record<string, string>;

const hmac = (algorithm: string, key: Buffer | string, ...parts: Body[]): Buffer => {
  const h = createHmac(algorithm, key);
  for (const p of parts) h.update(p);
  return h.digest();
};

export function signGithub(secret: string, body: Body): SignedHeaders {
  return { 'X-Hub-Signature-256': `sha256=${hmac('sha256', secret, body).toString('hex')}` };
}

/** `secrets` lists every secret to sign with: Stripe sends one v1 per active secret while rolling. */
export function signStripe(secrets: string | string[], body: Body, timestamp: number): SignedHeaders {
  const list = Array.isArray(secrets) ? secrets : [secrets];
  const v1 = list.map((s) => `v1=${hmac('sha256', s, `${timestamp}.`, body).toString('hex')}`);
  return { 'Stripe-Signature': [`t=${timestamp}`, ...v1].join(',') };
}

export function signSlack(secret: string, body: Body, timestamp: number): SignedHeaders {
  return {
    'X-Slack-Request-Timestamp': String(timestamp),
    'X-Slack-Signature': `v0=${hmac('sha256', secret, `v0:${timestamp}:`, body).toString('hex')}`,
  };
}

export function signShopify(secret: string, body: Body): SignedHeaders {
  return { 'X-Shopify-Hmac-Sha256': hmac('sha256', secret, body).toString('base64') };
}

export function signClickup(secret: string, body: Body): SignedHeaders {
  return { 'X-Signature': hmac('sha256', secret, body).toString('hex') };
}

export function signStandardWebhooks(
  secrets: string | string[],
  body: Body,
  opts: { id: string; timestamp: number; headerNames?: 'webhook' | 'svix' },
): SignedHeaders {
  const list = Array.isArray(secrets) ? secrets : [secrets];
  const signatures = list.map((s) => {
    const key = decodeStandardWebhooksSecret(s);
    if (key === null) throw new Error('not a whsec_ secret');
    return `v1,${hmac('sha256', key, `${opts.id}.${opts.timestamp}.`, body).toString('base64')}`;
  });
  const p = opts.headerNames ?? 'webhook';
  return {
    [`${p}-id`]: opts.id,
    [`${p}-timestamp`]: String(opts.timestamp),
    [`${p}-signature`]: signatures.join(' '),
  };
}

export function signGenericHmac(
  config: SchemeConfig<'hmac'>,
  secret: string,
  body: Body,
  timestamp: number,
): SignedHeaders {
  if (config.signed.kind === 'body') {
    return {
      [config.header]: config.prefix + hmac(config.algorithm, secret, body).toString(config.encoding),
    };
  }
  const ts = String(timestamp);
  const [before = '', after = ''] = config.signed.template.split('{body}');
  const digest = hmac(
    config.algorithm,
    secret,
    before.replaceAll('{timestamp}', ts),
    body,
    after.replaceAll('{timestamp}', ts),
  );
  return {
    [config.header]: config.prefix + digest.toString(config.encoding),
    [config.signed.timestampHeader]: ts,
  };
}

export function apiKeyHeaders(config: SchemeConfig<'api-key'>, secret: string): SignedHeaders {
  return { [config.header]: secret };
}

export function basicAuthHeaders(username: string, password: string): SignedHeaders {
  return { Authorization: `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}` };
}

/** Headers a well-behaved sender of `config`'s scheme would send at `now`. */
export function signRequest(
  config: SourceVerification,
  secret: string,
  body: Body,
  opts: { now: Date; id?: string },
): SignedHeaders {
  const ts = Math.floor(opts.now.getTime() / 1000);
  switch (config.scheme) {
    case 'github':
      return signGithub(secret, body);
    case 'stripe':
      return signStripe(secret, body, ts);
    case 'slack':
      return signSlack(secret, body, ts);
    case 'shopify':
      return signShopify(secret, body);
    case 'clickup':
      return signClickup(secret, body);
    case 'standard-webhooks':
      return signStandardWebhooks(secret, body, { id: opts.id ?? `msg_${ts}`, timestamp: ts });
    case 'hmac':
      return signGenericHmac(config, secret, body, ts);
    case 'api-key':
      return apiKeyHeaders(config, secret);
    case 'basic-auth':
      return basicAuthHeaders(config.username, secret);
    case 'none':
      return {};
  }
}
