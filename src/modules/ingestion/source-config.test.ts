import { describe, expect, it } from 'vitest';
import {
  SCHEMES,
  SourceSecrets,
  SourceVerification,
  secretSchema,
  timestampWindow,
} from './source-config.js';

describe('SourceVerification', () => {
  it('lists every scheme', () => {
    expect([...SCHEMES].sort()).toEqual(
      [
        'api-key',
        'basic-auth',
        'clickup',
        'github',
        'hmac',
        'none',
        'shopify',
        'slack',
        'standard-webhooks',
        'stripe',
      ].sort(),
    );
  });

  it('defaults toleranceSeconds to 300 where the scheme signs a timestamp', () => {
    for (const scheme of ['stripe', 'slack', 'standard-webhooks'] as const) {
      const c = SourceVerification.parse({ scheme });
      expect(timestampWindow(c)).toBe(300);
    }
    expect(SourceVerification.parse({ scheme: 'slack', toleranceSeconds: 60 })).toEqual({
      scheme: 'slack',
      toleranceSeconds: 60,
    });
  });

  it('has no window for schemes without a timestamp', () => {
    for (const scheme of ['github', 'shopify', 'clickup', 'none'] as const) {
      expect(timestampWindow(SourceVerification.parse({ scheme }))).toBeNull();
    }
  });

  it('requires the scheme to be chosen: nothing defaults to none', () => {
    expect(SourceVerification.safeParse({}).success).toBe(false);
    expect(SourceVerification.safeParse({ scheme: 'unknown' }).success).toBe(false);
    expect(SourceVerification.parse({ scheme: 'none' })).toEqual({ scheme: 'none' });
  });

  it('rejects unknown fields, including an attempt to put a secret in the public config', () => {
    expect(SourceVerification.safeParse({ scheme: 'github', secret: 'x' }).success).toBe(false);
    expect(SourceVerification.safeParse({ scheme: 'none', toleranceSeconds: 5 }).success).toBe(false);
  });

  it('bounds toleranceSeconds', () => {
    for (const t of [0, -1, 1.5, 86_401])
      expect(SourceVerification.safeParse({ scheme: 'stripe', toleranceSeconds: t }).success).toBe(false);
  });

  it('fills the generic template defaults', () => {
    expect(SourceVerification.parse({ scheme: 'hmac', header: 'X-Sig' })).toEqual({
      scheme: 'hmac',
      header: 'X-Sig',
      algorithm: 'sha256',
      encoding: 'hex',
      prefix: '',
      signed: { kind: 'body' },
    });
    const ts = SourceVerification.parse({
      scheme: 'hmac',
      header: 'X-Sig',
      signed: { kind: 'timestamp.body', timestampHeader: 'X-Ts' },
    });
    expect(ts).toMatchObject({
      signed: {
        kind: 'timestamp.body',
        timestampHeader: 'X-Ts',
        template: '{timestamp}.{body}',
        toleranceSeconds: 300,
      },
    });
    expect(timestampWindow(ts)).toBe(300);
  });

  it('lets the generic template disable its window explicitly', () => {
    const c = SourceVerification.parse({
      scheme: 'hmac',
      header: 'X-Sig',
      signed: { kind: 'timestamp.body', timestampHeader: 'X-Ts', toleranceSeconds: null },
    });
    expect(timestampWindow(c)).toBeNull();
  });

  it.each([
    ['{timestamp}.{body}', true],
    ['v0:{timestamp}:{body}', true],
    ['{body}', false],
    ['{timestamp}.{body}.{body}', false],
    ['{timestamp}.{body}.{nonce}', false],
  ])('validates the template %s', (template, ok) => {
    const r = SourceVerification.safeParse({
      scheme: 'hmac',
      header: 'X-Sig',
      signed: { kind: 'timestamp.body', timestampHeader: 'X-Ts', template },
    });
    expect(r.success).toBe(ok);
  });

  it('rejects invalid header names and prefixes', () => {
    expect(SourceVerification.safeParse({ scheme: 'hmac', header: 'X Sig' }).success).toBe(false);
    expect(SourceVerification.safeParse({ scheme: 'hmac', header: 'X-Sig:' }).success).toBe(false);
    expect(
      SourceVerification.safeParse({ scheme: 'hmac', header: 'X-Sig', prefix: 'sha 256=' }).success,
    ).toBe(false);
    expect(SourceVerification.safeParse({ scheme: 'api-key', header: '' }).success).toBe(false);
  });

  it('defaults the api-key header and validates basic-auth user names', () => {
    expect(SourceVerification.parse({ scheme: 'api-key' })).toEqual({
      scheme: 'api-key',
      header: 'X-Api-Key',
    });
    expect(SourceVerification.safeParse({ scheme: 'basic-auth', username: 'a:b' }).success).toBe(false);
    expect(SourceVerification.safeParse({ scheme: 'basic-auth', username: 'a\nb' }).success).toBe(false);
    expect(SourceVerification.safeParse({ scheme: 'basic-auth' }).success).toBe(false);
  });
});

describe('SourceSecrets', () => {
  it('accepts a current secret and an optional previous one with an expiry', () => {
    expect(SourceSecrets.parse({ current: 'a' })).toEqual({ current: 'a' });
    const p = SourceSecrets.parse({
      current: 'a',
      previous: { value: 'b', expiresAt: '2025-01-01T00:00:00Z' },
    });
    expect(p.previous?.expiresAt).toEqual(new Date('2025-01-01T00:00:00Z'));
    expect(SourceSecrets.safeParse({ current: '' }).success).toBe(false);
  });
});

describe('secretSchema', () => {
  it('wants whsec_ base64 of 24–64 bytes for standard-webhooks', () => {
    const s = secretSchema('standard-webhooks');
    expect(s.safeParse('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw').success).toBe(true);
    expect(s.safeParse(`whsec_${Buffer.alloc(16).toString('base64')}`).success).toBe(false);
    expect(s.safeParse('whsec_not*base64').success).toBe(false);
  });

  it('refuses short HMAC keys, spaces in API keys and any secret for none', () => {
    expect(secretSchema('github').safeParse('short').success).toBe(false);
    expect(secretSchema('api-key').safeParse('has a space in it ok').success).toBe(false);
    expect(secretSchema('none').safeParse('x').success).toBe(false);
    expect(secretSchema('none').safeParse('').success).toBe(true);
  });
});
