import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCipher, safeEqual } from '../../src/platform/crypto.js';

describe('secrets at rest', () => {
  const cipher = createCipher(randomBytes(32));

  it('round-trips and never stores the plaintext', () => {
    const stored = cipher.encrypt('installation-token');
    expect(stored).toMatch(/^v1\./);
    expect(stored).not.toContain('installation-token');
    expect(cipher.decrypt(stored)).toBe('installation-token');
  });

  it('uses a fresh nonce each time', () => {
    expect(cipher.encrypt('x')).not.toBe(cipher.encrypt('x'));
  });

  it('detects tampering and the wrong key', () => {
    const stored = cipher.encrypt('secret');
    const parts = stored.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => cipher.decrypt(parts.join('.'))).toThrow();
    expect(() => createCipher(randomBytes(32)).decrypt(stored)).toThrow();
  });

  it('compares strings of any length safely', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abcd')).toBe(false);
  });
});
