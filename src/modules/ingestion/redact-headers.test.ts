import { describe, expect, it } from 'vitest';
import { REDACTED, redactHeaders } from './redact-headers.js';
import { SourceVerification } from './source-config.js';
import { signRequest } from '../../../tools/signing/sign-examples.js';

const NOW = new Date('2025-06-01T12:00:00Z');

describe('redactHeaders', () => {
  it('replaces credentials and keeps ordinary headers, lowercasing names', () => {
    const out = redactHeaders(
      {
        Authorization: 'Bearer abc.def.ghi',
        Cookie: 'sid=1',
        'Proxy-Authorization': 'Basic eDp5',
        'X-Api-Key': 'k',
        'X-Addon-Token': 'jwt',
        'Content-Type': 'application/json',
        'User-Agent': 'GitHub-Hookshot/1',
        'X-GitHub-Delivery': 'abc',
      },
      SourceVerification.parse({ scheme: 'github' }),
    );
    expect(out).toEqual({
      authorization: REDACTED,
      cookie: REDACTED,
      'proxy-authorization': REDACTED,
      'x-api-key': REDACTED,
      'x-addon-token': REDACTED,
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/1',
      'x-github-delivery': 'abc',
    });
  });

  it('masks signature headers to a short prefix', () => {
    const sig = `sha256=${'a'.repeat(64)}`;
    const out = redactHeaders(
      {
        'x-hub-signature-256': sig,
        'x-hub-signature': `sha1=${'b'.repeat(40)}`,
        'stripe-signature': `t=1,v1=${'c'.repeat(64)}`,
        'x-slack-signature': `v0=${'d'.repeat(64)}`,
        'x-shopify-hmac-sha256': 'e'.repeat(44),
        'webhook-signature': `v1,${'f'.repeat(44)}`,
        'svix-signature': `v1,${'g'.repeat(44)}`,
        'x-signature': 'h'.repeat(64),
        'clockify-signature': 'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJjbG9ja2lmeSJ9.c2ln',
        'x-addon-lifecycle-token': 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln',
      },
      SourceVerification.parse({ scheme: 'none' }),
    );
    for (const [name, value] of Object.entries(out)) {
      expect(value.endsWith('…'), name).toBe(true);
      expect(value.length, name).toBeLessThanOrEqual(9);
    }
    expect(out['x-hub-signature-256']).toBe('sha256=a…');
  });

  it('treats the configured api-key header as a credential and the template header as a signature', () => {
    expect(
      redactHeaders(
        { 'x-partner-key': 'k' },
        SourceVerification.parse({ scheme: 'api-key', header: 'X-Partner-Key' }),
      ),
    ).toEqual({
      'x-partner-key': REDACTED,
    });
    const out = redactHeaders(
      { 'X-Acme-Sig': 'z'.repeat(64) },
      SourceVerification.parse({ scheme: 'hmac', header: 'X-Acme-Sig' }),
    );
    expect(out['x-acme-sig']).toBe('zzzzzzzz…');
  });

  it('redacts unknown headers that look like credentials', () => {
    const out = redactHeaders(
      { 'x-auth-token': 'abc', 'x-client-secret': 'abc', 'x-request-id': 'r1' },
      SourceVerification.parse({ scheme: 'none' }),
    );
    expect(out).toEqual({ 'x-auth-token': REDACTED, 'x-client-secret': REDACTED, 'x-request-id': 'r1' });
  });

  it.each([
    ['github', { scheme: 'github' }],
    ['stripe', { scheme: 'stripe' }],
    ['slack', { scheme: 'slack' }],
    ['shopify', { scheme: 'shopify' }],
    ['standard-webhooks', { scheme: 'standard-webhooks' }],
    ['clickup', { scheme: 'clickup' }],
    [
      'hmac',
      { scheme: 'hmac', header: 'X-Sig', signed: { kind: 'timestamp.body', timestampHeader: 'X-Ts' } },
    ],
    ['api-key', { scheme: 'api-key' }],
    ['api-key (custom header)', { scheme: 'api-key', header: 'X-Partner' }],
    ['basic-auth', { scheme: 'basic-auth', username: 'bot' }],
  ])('never returns the secret of a signed %s request', (_name, raw) => {
    const config = SourceVerification.parse(raw);
    const secret =
      config.scheme === 'standard-webhooks'
        ? 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
        : 'S3cr3t-value-0123456789';
    const previous = { value: 'Old-s3cret-value-987654', expiresAt: NOW };
    const headers = {
      ...signRequest(config, secret, '{"a":1}', { now: NOW, id: 'msg_1' }),
      'X-Echo': `prefix ${secret} suffix`,
      'X-Old': previous.value,
      'X-Forwarded-For': '203.0.113.7',
    };
    const out = redactHeaders(headers, config, { current: secret, previous });
    const stored = JSON.stringify(out);
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(secret.replace('whsec_', ''));
    expect(stored).not.toContain(previous.value);
    expect(stored).not.toContain(Buffer.from(`bot:${secret}`).toString('base64'));
    expect(out['x-echo']).toBe(REDACTED);
    expect(out['x-forwarded-for']).toBe('203.0.113.7');
  });
});
