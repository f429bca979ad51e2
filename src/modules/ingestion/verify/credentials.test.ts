import { describe, expect, it } from 'vitest';
import { SourceVerification } from '../source-config.js';
import { verifySource } from './verify-source.js';

const NOW = new Date('2025-06-01T12:00:00Z');
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
const run = (
  config: unknown,
  headers: Record<string, string>,
  secrets: { current: string; previous?: { value: string; expiresAt: Date } },
) =>
  verifySource({
    config: SourceVerification.parse(config),
    secrets,
    headers,
    rawBody: Buffer.from('{}'),
    now: NOW,
  });

describe('api-key', () => {
  const key = 'ak_live_0123456789abcdefghij';

  it('accepts the key in X-Api-Key by default, any case', () => {
    expect(run({ scheme: 'api-key' }, { 'x-api-key': key }, { current: key })).toEqual({
      ok: true,
      secretUsed: 'current',
    });
    expect(run({ scheme: 'api-key' }, { 'X-API-KEY': key }, { current: key }).ok).toBe(true);
  });

  it('reads a configured header instead', () => {
    const cfg = { scheme: 'api-key', header: 'X-Token' };
    expect(run(cfg, { 'x-token': key }, { current: key }).ok).toBe(true);
    expect(run(cfg, { 'x-api-key': key }, { current: key })).toEqual({
      ok: false,
      reason: 'missing-credentials',
    });
  });

  it('rejects a wrong key, a prefix of the key and the key with extra characters', () => {
    for (const wrong of ['ak_live_wrong', key.slice(0, -1), `${key}x`, key.toUpperCase()]) {
      expect(run({ scheme: 'api-key' }, { 'x-api-key': wrong }, { current: key })).toEqual({
        ok: false,
        reason: 'mismatch',
      });
    }
  });

  it('reports missing credentials', () => {
    expect(run({ scheme: 'api-key' }, {}, { current: key })).toEqual({
      ok: false,
      reason: 'missing-credentials',
    });
    expect(run({ scheme: 'api-key' }, { 'x-api-key': '' }, { current: key })).toEqual({
      ok: false,
      reason: 'missing-credentials',
    });
  });

  it('accepts the previous key only until it expires', () => {
    const previous = { value: key, expiresAt: new Date(NOW.getTime() + 1000) };
    expect(
      run({ scheme: 'api-key' }, { 'x-api-key': key }, { current: 'new-key-0123456789', previous }),
    ).toEqual({
      ok: true,
      secretUsed: 'previous',
    });
    const expired = { value: key, expiresAt: NOW };
    expect(
      run({ scheme: 'api-key' }, { 'x-api-key': key }, { current: 'new-key-0123456789', previous: expired }),
    ).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });
});

describe('basic-auth', () => {
  const cfg = { scheme: 'basic-auth', username: 'acme' };
  const password = 'correct horse battery staple';

  it('accepts the right user and password', () => {
    expect(run(cfg, { Authorization: basic('acme', password) }, { current: password })).toEqual({
      ok: true,
      secretUsed: 'current',
    });
  });

  it('accepts a password containing a colon (only the first colon separates)', () => {
    expect(
      run(cfg, { authorization: basic('acme', 'a:b:c-0123456789') }, { current: 'a:b:c-0123456789' }).ok,
    ).toBe(true);
  });

  it('accepts a lower-case scheme name', () => {
    expect(
      run(cfg, { authorization: basic('acme', password).replace('Basic', 'basic') }, { current: password })
        .ok,
    ).toBe(true);
  });

  it('rejects a wrong password or a wrong user', () => {
    expect(run(cfg, { authorization: basic('acme', 'nope') }, { current: password })).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(run(cfg, { authorization: basic('mallory', password) }, { current: password })).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('reports missing credentials and malformed headers', () => {
    expect(run(cfg, {}, { current: password })).toEqual({ ok: false, reason: 'missing-credentials' });
    for (const bad of [
      'Bearer abc',
      'Basic',
      'Basic !!!',
      `Basic ${Buffer.from('no-colon').toString('base64')}`,
    ]) {
      expect(run(cfg, { authorization: bad }, { current: password })).toEqual({
        ok: false,
        reason: 'malformed',
      });
    }
  });

  it('accepts the previous password before it expires', () => {
    const previous = { value: password, expiresAt: new Date(NOW.getTime() + 1) };
    expect(
      run(cfg, { authorization: basic('acme', password) }, { current: 'new-password-123', previous }),
    ).toEqual({
      ok: true,
      secretUsed: 'previous',
    });
    expect(
      run(
        cfg,
        { authorization: basic('acme', password) },
        { current: 'new-password-123', previous: { ...previous, expiresAt: NOW } },
      ),
    ).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });
});
