/** The generic HMAC template, and raw-byte handling common to all schemes. */
import { describe, expect, it } from 'vitest';
import { SourceVerification } from '../source-config.js';
import { verifySource } from './verify-source.js';
import { hmac, verify } from './verify.test-support.js';

describe('hmac (generic template)', () => {
  const secret = 'generic-secret-0123456789';
  const body = 'payload';
  it.each(['sha1', 'sha256', 'sha512'] as const)('verifies %s in hex and base64', (algorithm) => {
    for (const encoding of ['hex', 'base64'] as const) {
      const cfg = { scheme: 'hmac', algorithm, encoding, header: 'X-Sig' };
      const sig = hmac(algorithm, secret, body).toString(encoding);
      expect(verify(cfg, secret, { 'x-sig': sig }, body, new Date()).ok).toBe(true);
      expect(verify(cfg, secret, { 'x-sig': sig }, `${body}!`, new Date())).toEqual({
        ok: false,
        reason: 'mismatch',
      });
    }
  });

  it('rejects a digest of another algorithm’s length as malformed', () => {
    const cfg = { scheme: 'hmac', algorithm: 'sha512', header: 'X-Sig' };
    expect(
      verify(cfg, secret, { 'x-sig': hmac('sha256', secret, body).toString('hex') }, body, new Date()),
    ).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });

  it('requires the prefix', () => {
    const cfg = { scheme: 'hmac', header: 'X-Sig', prefix: 'sha256=' };
    const hex = hmac('sha256', secret, body).toString('hex');
    expect(verify(cfg, secret, { 'x-sig': `sha256=${hex}` }, body, new Date()).ok).toBe(true);
    expect(verify(cfg, secret, { 'x-sig': hex }, body, new Date())).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });

  it('uses the default {timestamp}.{body} template and the 300s default window', () => {
    const cfg = {
      scheme: 'hmac',
      header: 'X-Sig',
      signed: { kind: 'timestamp.body', timestampHeader: 'X-Ts' },
    };
    const sig = hmac('sha256', secret, `1700000000.${body}`).toString('hex');
    const headers = { 'X-Sig': sig, 'X-Ts': '1700000000' };
    expect(verify(cfg, secret, headers, body, new Date(1_700_000_300_000)).ok).toBe(true);
    expect(verify(cfg, secret, headers, body, new Date(1_700_000_301_000))).toEqual({
      ok: false,
      reason: 'stale',
    });
    expect(verify(cfg, secret, { 'X-Sig': sig }, body, new Date(1_700_000_000_000))).toEqual({
      ok: false,
      reason: 'missing-signature',
    });
  });

  it('with the window explicitly disabled, signs an opaque timestamp and never goes stale', () => {
    const cfg = {
      scheme: 'hmac',
      header: 'X-Sig',
      signed: {
        kind: 'timestamp.body',
        timestampHeader: 'X-Date',
        template: '{timestamp}\n{body}',
        toleranceSeconds: null,
      },
    };
    const date = 'Tue, 01 Jan 2019 00:00:00 GMT';
    const headers = { 'X-Sig': hmac('sha256', secret, `${date}\n${body}`).toString('hex'), 'X-Date': date };
    expect(verify(cfg, secret, headers, body, new Date('2030-01-01')).ok).toBe(true);
    expect(
      verify(cfg, secret, { ...headers, 'X-Date': 'Wed, 02 Jan 2019 00:00:00 GMT' }, body, new Date()).ok,
    ).toBe(false);
  });

  it('handles a body template with text after {body}', () => {
    const cfg = {
      scheme: 'hmac',
      header: 'X-Sig',
      signed: {
        kind: 'timestamp.body',
        timestampHeader: 'X-Ts',
        template: '[{timestamp}]{body}[{timestamp}]',
      },
    };
    const headers = {
      'X-Sig': hmac('sha256', secret, `[1700000000]${body}[1700000000]`).toString('hex'),
      'X-Ts': '1700000000',
    };
    expect(verify(cfg, secret, headers, body, new Date(1_700_000_000_000)).ok).toBe(true);
  });
});

describe('raw bytes', () => {
  it('verifies the exact bytes received, including non-UTF-8 content', () => {
    const body = Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x80]);
    const secret = 'raw-bytes-secret-0123';
    const r = verifySource({
      config: SourceVerification.parse({ scheme: 'github' }),
      secrets: { current: secret },
      headers: { 'x-hub-signature-256': `sha256=${hmac('sha256', secret, body).toString('hex')}` },
      rawBody: body,
      now: new Date(),
    });
    expect(r.ok).toBe(true);
  });

  it('treats a duplicated signature header as one joined value, not as a choice', () => {
    const secret = 'dup-secret-0123456789';
    const good = `sha256=${hmac('sha256', secret, 'x').toString('hex')}`;
    const r = verify(
      { scheme: 'github' },
      secret,
      { 'x-hub-signature-256': [`sha256=${'0'.repeat(64)}`, good] },
      'x',
      new Date(),
    );
    expect(r).toEqual({ ok: false, reason: 'malformed' });
  });
});
