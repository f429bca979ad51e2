import { describe, expect, it } from 'vitest';
import { decodeStandardWebhooksSecret, secretSchema } from '../source-config.js';
import { generateSecret } from './generate-secret.js';

describe('generateSecret', () => {
  it('makes whsec_ + base64 of 32 random bytes for standard-webhooks', () => {
    const s = generateSecret('standard-webhooks');
    expect(s).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(decodeStandardWebhooksSecret(s)).toHaveLength(32);
    expect(secretSchema('standard-webhooks').safeParse(s).success).toBe(true);
  });

  it.each(['github', 'stripe', 'slack', 'shopify', 'clickup', 'hmac', 'api-key', 'basic-auth'] as const)(
    'makes a 43-character URL-safe secret for %s that its own validation accepts',
    (scheme) => {
      const s = generateSecret(scheme);
      expect(s).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(secretSchema(scheme).safeParse(s).success).toBe(true);
    },
  );

  it('never repeats', () => {
    const seen = new Set(Array.from({ length: 200 }, () => generateSecret('api-key')));
    expect(seen.size).toBe(200);
  });

  it('takes its randomness as an argument (deterministic in tests)', () => {
    expect(generateSecret('github', (n) => Buffer.alloc(n, 0xff))).toBe('_'.repeat(42) + '8');
    expect(generateSecret('standard-webhooks', (n) => Buffer.alloc(n, 0))).toBe(`whsec_${'A'.repeat(43)}=`);
  });

  it('refuses a random source that returns too few bytes', () => {
    expect(() => generateSecret('github', () => Buffer.alloc(4))).toThrow();
  });
});
