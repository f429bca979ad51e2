/**
 * The contract every HMAC scheme must meet. Each case signs with node:crypto directly, following the
 * provider's documentation, independently of the verifiers and of sign-examples.ts.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SourceVerification, type SourceSecrets } from '../source-config.js';
import { verifySource } from './verify-source.js';

const NOW = new Date('2025-06-01T12:00:00.000Z');
const NOW_S = Math.floor(NOW.getTime() / 1000);
const BODY = Buffer.from('{"id":"evt_1","amount":4200,"note":"héllo ✓"}');
const TAMPERED = Buffer.from('{"id":"evt_1","amount":9900,"note":"héllo ✓"}');

const hmac = (key: Buffer | string, ...parts: (string | Buffer)[]) => {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return h.digest();
};

type Case = {
  name: string;
  config: SourceVerification;
  secret: string;
  otherSecret: string;
  sign: (secret: string, body: Buffer, ts: number) => Record<string, string>;
  /** Removed for the "missing" test, replaced by `malformed` for the "malformed" test. */
  signatureHeader: string;
  malformed: string;
  window: number | null;
};

const SWH_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const SWH_OTHER = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
const swhKey = (s: string) => Buffer.from(s.slice('whsec_'.length), 'base64');

const cases: Case[] = [
  {
    name: 'github',
    config: SourceVerification.parse({ scheme: 'github' }),
    secret: 'gh-secret-0123456789abcdef',
    otherSecret: 'gh-secret-fedcba9876543210',
    sign: (s, b) => ({ 'X-Hub-Signature-256': `sha256=${hmac(s, b).toString('hex')}` }),
    signatureHeader: 'X-Hub-Signature-256',
    malformed: 'sha1=0123456789abcdef0123456789abcdef01234567',
    window: null,
  },
  {
    name: 'stripe',
    config: SourceVerification.parse({ scheme: 'stripe' }),
    secret: 'whsec_stripe_0123456789abcdefghij',
    otherSecret: 'whsec_stripe_jihgfedcba9876543210',
    sign: (s, b, t) => ({ 'Stripe-Signature': `t=${t},v1=${hmac(s, `${t}.`, b).toString('hex')}` }),
    signatureHeader: 'Stripe-Signature',
    malformed: 'v1=abc,nothing-else',
    window: 300,
  },
  {
    name: 'slack',
    config: SourceVerification.parse({ scheme: 'slack', toleranceSeconds: 120 }),
    secret: '8f742231b10e8888abcd99yyyzzz85a5',
    otherSecret: '00000000000000000000000000000000',
    sign: (s, b, t) => ({
      'X-Slack-Request-Timestamp': String(t),
      'X-Slack-Signature': `v0=${hmac(s, `v0:${t}:`, b).toString('hex')}`,
    }),
    signatureHeader: 'X-Slack-Signature',
    malformed: 'v1=zz',
    window: 120,
  },
  {
    name: 'shopify',
    config: SourceVerification.parse({ scheme: 'shopify' }),
    secret: 'shpss_0123456789abcdef0123456789ab',
    otherSecret: 'shpss_ba9876543210fedcba9876543210',
    sign: (s, b) => ({ 'X-Shopify-Hmac-Sha256': hmac(s, b).toString('base64') }),
    signatureHeader: 'X-Shopify-Hmac-Sha256',
    malformed: 'not base64!!',
    window: null,
  },
  {
    name: 'standard-webhooks',
    config: SourceVerification.parse({ scheme: 'standard-webhooks' }),
    secret: SWH_SECRET,
    otherSecret: SWH_OTHER,
    sign: (s, b, t) => ({
      'webhook-id': 'msg_2abc',
      'webhook-timestamp': String(t),
      'webhook-signature': `v1,${hmac(swhKey(s), `msg_2abc.${t}.`, b).toString('base64')}`,
    }),
    signatureHeader: 'webhook-signature',
    malformed: 'v2,abc',
    window: 300,
  },
  {
    name: 'clickup',
    config: SourceVerification.parse({ scheme: 'clickup' }),
    secret: 'CLICKUPSECRET0123456789ABCDEFGHIJ',
    otherSecret: 'CLICKUPSECRETJIHGFEDCBA9876543210',
    sign: (s, b) => ({ 'X-Signature': hmac(s, b).toString('hex') }),
    signatureHeader: 'X-Signature',
    malformed: 'abc123',
    window: null,
  },
  {
    name: 'hmac (body)',
    config: SourceVerification.parse({ scheme: 'hmac', header: 'X-Acme-Signature', prefix: 'sha256=' }),
    secret: 'acme-secret-0123456789',
    otherSecret: 'acme-secret-9876543210',
    sign: (s, b) => ({ 'X-Acme-Signature': `sha256=${hmac(s, b).toString('hex')}` }),
    signatureHeader: 'X-Acme-Signature',
    malformed: `md5=${'0'.repeat(64)}`,
    window: null,
  },
  {
    name: 'hmac (timestamp.body)',
    config: SourceVerification.parse({
      scheme: 'hmac',
      header: 'X-Acme-Signature',
      encoding: 'base64',
      signed: {
        kind: 'timestamp.body',
        timestampHeader: 'X-Acme-Timestamp',
        template: 'v0:{timestamp}:{body}',
        toleranceSeconds: 60,
      },
    }),
    secret: 'acme-secret-0123456789',
    otherSecret: 'acme-secret-9876543210',
    sign: (s, b, t) => ({
      'X-Acme-Timestamp': String(t),
      'X-Acme-Signature': hmac(s, `v0:${t}:`, b).toString('base64'),
    }),
    signatureHeader: 'X-Acme-Signature',
    malformed: '%%%',
    window: 60,
  },
];

const secretsOf = (c: Case, previous?: SourceSecrets['previous']): SourceSecrets => ({
  current: c.secret,
  previous,
});
const run = (
  c: Case,
  headers: Record<string, string | undefined>,
  opts: { body?: Buffer; secrets?: SourceSecrets; now?: Date } = {},
) =>
  verifySource({
    config: c.config,
    secrets: opts.secrets ?? secretsOf(c),
    rawBody: opts.body ?? BODY,
    headers,
    now: opts.now ?? NOW,
  });
const withoutHeader = (headers: Record<string, string>, name: string) =>
  Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== name.toLowerCase()));

describe.each(cases)('verifySource: $name', (c) => {
  const signed = c.sign(c.secret, BODY, NOW_S);

  it('accepts a signature made the way the provider documents it', () => {
    expect(run(c, signed)).toEqual({ ok: true, secretUsed: 'current' });
  });

  it('reads header names case-insensitively', () => {
    const lower = Object.fromEntries(Object.entries(signed).map(([k, v]) => [k.toLowerCase(), v]));
    const upper = Object.fromEntries(Object.entries(signed).map(([k, v]) => [k.toUpperCase(), v]));
    expect(run(c, lower).ok).toBe(true);
    expect(run(c, upper).ok).toBe(true);
  });

  it('rejects a tampered body', () => {
    expect(run(c, signed, { body: TAMPERED })).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('rejects a signature made with another secret', () => {
    expect(run(c, c.sign(c.otherSecret, BODY, NOW_S))).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('reports a missing signature header', () => {
    expect(run(c, withoutHeader(signed, c.signatureHeader))).toEqual({
      ok: false,
      reason: 'missing-signature',
    });
    expect(run(c, {})).toEqual({ ok: false, reason: 'missing-signature' });
  });

  it('reports a malformed signature header', () => {
    expect(run(c, { ...withoutHeader(signed, c.signatureHeader), [c.signatureHeader]: c.malformed })).toEqual(
      {
        ok: false,
        reason: 'malformed',
      },
    );
  });

  it('accepts the previous secret before it expires and says so', () => {
    const secrets = {
      current: c.otherSecret,
      previous: { value: c.secret, expiresAt: new Date(NOW.getTime() + 1) },
    };
    expect(run(c, signed, { secrets })).toEqual({ ok: true, secretUsed: 'previous' });
  });

  it('rejects the previous secret from the moment it expires', () => {
    const atExpiry = { current: c.otherSecret, previous: { value: c.secret, expiresAt: NOW } };
    const afterExpiry = {
      current: c.otherSecret,
      previous: { value: c.secret, expiresAt: new Date(NOW.getTime() - 1000) },
    };
    expect(run(c, signed, { secrets: atExpiry })).toEqual({ ok: false, reason: 'mismatch' });
    expect(run(c, signed, { secrets: afterExpiry })).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('prefers the current secret while a previous one is still valid', () => {
    const secrets = secretsOf(c, { value: c.otherSecret, expiresAt: new Date(NOW.getTime() + 60_000) });
    expect(run(c, signed, { secrets })).toEqual({ ok: true, secretUsed: 'current' });
  });

  const w = c.window;
  if (w !== null) {
    it(`accepts timestamps exactly ${w}s old or ahead`, () => {
      expect(run(c, c.sign(c.secret, BODY, NOW_S - w)).ok).toBe(true);
      expect(run(c, c.sign(c.secret, BODY, NOW_S + w)).ok).toBe(true);
    });

    it('rejects a timestamp one second past the window, in either direction', () => {
      expect(run(c, c.sign(c.secret, BODY, NOW_S - w - 1))).toEqual({ ok: false, reason: 'stale' });
      expect(run(c, c.sign(c.secret, BODY, NOW_S + w + 1))).toEqual({ ok: false, reason: 'stale' });
    });

    it('rejects a replay of a once-valid request after the window has passed', () => {
      const captured = c.sign(c.secret, BODY, NOW_S);
      expect(run(c, captured).ok).toBe(true);
      const later = new Date(NOW.getTime() + (w + 1) * 1000);
      expect(run(c, captured, { now: later })).toEqual({ ok: false, reason: 'stale' });
    });

    it('reports a forgery with an old timestamp as a mismatch, not as stale', () => {
      expect(run(c, c.sign(c.otherSecret, BODY, NOW_S - w - 1))).toEqual({ ok: false, reason: 'mismatch' });
    });

    it('rejects a replay whose timestamp was moved forward (the timestamp is signed)', () => {
      const old = c.sign(c.secret, BODY, NOW_S - w - 100);
      const moved = Object.fromEntries(
        Object.entries(old).map(([k, v]) => [k, v.replaceAll(String(NOW_S - w - 100), String(NOW_S))]),
      );
      expect(run(c, moved)).toEqual({ ok: false, reason: 'mismatch' });
    });
  } else {
    it('has no timestamp window: an old signature stays valid', () => {
      expect(run(c, signed, { now: new Date(NOW.getTime() + 365 * 86_400_000) }).ok).toBe(true);
    });
  }
});

describe('verifySource: none', () => {
  it('accepts anything, without secrets', () => {
    const config = SourceVerification.parse({ scheme: 'none' });
    expect(verifySource({ config, rawBody: BODY, headers: {}, now: NOW })).toEqual({
      ok: true,
      secretUsed: 'current',
    });
    expect(
      verifySource({ config, rawBody: Buffer.alloc(0), headers: { 'x-hub-signature-256': 'junk' }, now: NOW })
        .ok,
    ).toBe(true);
  });
});

describe('verifySource: configuration errors', () => {
  it('throws (a server fault, not a 401) when a scheme that needs a secret has none', () => {
    const config = SourceVerification.parse({ scheme: 'github' });
    expect(() => verifySource({ config, rawBody: BODY, headers: {}, now: NOW })).toThrow(/no secret/);
  });

  it('refuses a standard-webhooks secret that is not whsec_ base64', () => {
    const config = SourceVerification.parse({ scheme: 'standard-webhooks' });
    const headers = {
      'webhook-id': 'm',
      'webhook-timestamp': String(NOW_S),
      'webhook-signature': `v1,${'A'.repeat(43)}=`,
    };
    expect(() =>
      verifySource({ config, secrets: { current: 'plain' }, rawBody: BODY, headers, now: NOW }),
    ).toThrow(/whsec_/);
  });
});
