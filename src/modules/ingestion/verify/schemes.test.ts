/** Scheme-specific behaviour, including the providers' own published example vectors. */
import { describe, expect, it } from 'vitest';
import { hmac, verify } from './verify.test-support.js';

describe('github', () => {
  // docs.github.com "Validating webhook deliveries", "Testing the webhook payload validation".
  it('accepts GitHub’s published example', () => {
    const r = verify(
      { scheme: 'github' },
      "It's a Secret to Everybody",
      {
        'x-hub-signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
      },
      'Hello, World!',
      new Date(),
    );
    expect(r).toEqual({ ok: true, secretUsed: 'current' });
  });

  it('does not fall back to the SHA-1 X-Hub-Signature header', () => {
    const secret = 'gh-secret-0123456789';
    const r = verify(
      { scheme: 'github' },
      secret,
      { 'x-hub-signature': `sha1=${hmac('sha1', secret, 'x').toString('hex')}` },
      'x',
      new Date(),
    );
    expect(r).toEqual({ ok: false, reason: 'missing-signature' });
  });

  it('treats a truncated or non-hex digest as malformed', () => {
    const full = hmac('sha256', 's', 'x').toString('hex');
    for (const bad of [
      `sha256=${full.slice(0, 62)}`,
      `sha256=${full.slice(0, 63)}g`,
      `sha256=${full}00`,
      full,
    ]) {
      expect(verify({ scheme: 'github' }, 's', { 'x-hub-signature-256': bad }, 'x', new Date())).toEqual({
        ok: false,
        reason: 'malformed',
      });
    }
  });
});

describe('slack', () => {
  // api.slack.com "Verifying requests from Slack" worked example.
  const body =
    'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
  const headers = {
    'X-Slack-Request-Timestamp': '1531420618',
    'X-Slack-Signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
  };
  const secret = '8f742231b10e8888abcd99yyyzzz85a5';

  it('accepts Slack’s published example inside the window', () => {
    expect(verify({ scheme: 'slack' }, secret, headers, body, new Date(1531420618_000 + 60_000)).ok).toBe(
      true,
    );
  });

  it('rejects the same example replayed today', () => {
    expect(verify({ scheme: 'slack' }, secret, headers, body, new Date('2025-01-01'))).toEqual({
      ok: false,
      reason: 'stale',
    });
  });

  it('reports a missing timestamp header as a missing signature, and a non-numeric one as malformed', () => {
    const now = new Date(1531420618_000);
    expect(
      verify({ scheme: 'slack' }, secret, { 'X-Slack-Signature': headers['X-Slack-Signature'] }, body, now),
    ).toEqual({
      ok: false,
      reason: 'missing-signature',
    });
    expect(
      verify(
        { scheme: 'slack' },
        secret,
        { ...headers, 'X-Slack-Request-Timestamp': '1531420618.5' },
        body,
        now,
      ),
    ).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });
});

describe('standard-webhooks', () => {
  // The Standard Webhooks spec / Svix docs example.
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const body = '{"test": 2432232314}';
  const good = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';
  const now = new Date(1614265330_000);
  const cfg = { scheme: 'standard-webhooks' };
  const webhook = (signature: string) => ({
    'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
    'webhook-timestamp': '1614265330',
    'webhook-signature': signature,
  });

  it('accepts the spec’s published example', () => {
    expect(verify(cfg, secret, webhook(good), body, now)).toEqual({ ok: true, secretUsed: 'current' });
  });

  it('accepts the svix- header names', () => {
    const svix = {
      'svix-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'svix-timestamp': '1614265330',
      'svix-signature': good,
    };
    expect(verify(cfg, secret, svix, body, now).ok).toBe(true);
  });

  it('accepts when any one of several signatures matches, and ignores other versions', () => {
    const other = `v1,${Buffer.alloc(32, 1).toString('base64')}`;
    const asym = `v1a,${Buffer.alloc(64, 2).toString('base64')}`;
    expect(verify(cfg, secret, webhook(`${other} ${asym} ${good}`), body, now).ok).toBe(true);
    expect(verify(cfg, secret, webhook(`${other} ${asym}`), body, now)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(verify(cfg, secret, webhook(asym), body, now)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('signs the message id: another id with the same signature is rejected', () => {
    expect(verify(cfg, secret, { ...webhook(good), 'webhook-id': 'msg_other' }, body, now)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('uses the decoded key bytes, not the whsec_ text', () => {
    const wrong = hmac('sha256', secret, `msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.${body}`).toString(
      'base64',
    );
    expect(verify(cfg, secret, webhook(`v1,${wrong}`), body, now)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('accepts a secret given without the whsec_ prefix', () => {
    expect(verify(cfg, 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', webhook(good), body, now).ok).toBe(true);
  });

  it('requires all three headers', () => {
    const { 'webhook-id': _id, ...noId } = webhook(good);
    expect(verify(cfg, secret, noId, body, now)).toEqual({ ok: false, reason: 'missing-signature' });
  });

  it('treats an overlong signature list as malformed', () => {
    expect(verify(cfg, secret, webhook(Array(17).fill(good).join(' ')), body, now)).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });
});

describe('stripe', () => {
  const secret = 'whsec_test_0123456789abcdefghijklmnop';
  const old = 'whsec_test_rolled_away_secret_zzzzzzz';
  const body = '{"id":"evt_1","object":"event"}';
  const t = 1_700_000_000;
  const now = new Date(t * 1000);
  const v1 = (s: string) => hmac('sha256', s, `${t}.${body}`).toString('hex');

  it('keys the HMAC with the whole whsec_ string, as Stripe does', () => {
    expect(
      verify({ scheme: 'stripe' }, secret, { 'Stripe-Signature': `t=${t},v1=${v1(secret)}` }, body, now).ok,
    ).toBe(true);
  });

  it('accepts when any v1 matches (Stripe sends one per active secret while rolling)', () => {
    const header = `t=${t},v1=${v1(old)},v1=${v1(secret)},v0=${'0'.repeat(64)}`;
    expect(verify({ scheme: 'stripe' }, secret, { 'Stripe-Signature': header }, body, now).ok).toBe(true);
    expect(
      verify({ scheme: 'stripe' }, secret, { 'Stripe-Signature': `t=${t},v1=${v1(old)}` }, body, now),
    ).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('ignores v0 signatures', () => {
    const header = `t=${t},v0=${v1(secret)}`;
    expect(verify({ scheme: 'stripe' }, secret, { 'Stripe-Signature': header }, body, now)).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });

  it('treats a missing or non-numeric t as malformed', () => {
    for (const header of [`v1=${v1(secret)}`, `t=abc,v1=${v1(secret)}`, `t=-5,v1=${v1(secret)}`]) {
      expect(verify({ scheme: 'stripe' }, secret, { 'Stripe-Signature': header }, body, now)).toEqual({
        ok: false,
        reason: 'malformed',
      });
    }
  });

  it('honours a configured tolerance', () => {
    const header = { 'Stripe-Signature': `t=${t},v1=${v1(secret)}` };
    expect(
      verify({ scheme: 'stripe', toleranceSeconds: 10 }, secret, header, body, new Date((t + 10) * 1000)).ok,
    ).toBe(true);
    expect(
      verify({ scheme: 'stripe', toleranceSeconds: 10 }, secret, header, body, new Date((t + 11) * 1000)),
    ).toEqual({
      ok: false,
      reason: 'stale',
    });
  });
});

describe('shopify and clickup', () => {
  it('shopify accepts URL-safe or unpadded base64 of the right length only', () => {
    const sig = hmac('sha256', 'shop-secret-0123456789', 'b');
    const ok = (v: string) =>
      verify(
        { scheme: 'shopify' },
        'shop-secret-0123456789',
        { 'X-Shopify-Hmac-Sha256': v },
        'b',
        new Date(),
      );
    expect(ok(sig.toString('base64')).ok).toBe(true);
    expect(ok(sig.toString('base64url')).ok).toBe(true);
    expect(ok(sig.subarray(0, 31).toString('base64'))).toEqual({ ok: false, reason: 'malformed' });
  });

  it('clickup accepts upper-case hex', () => {
    const sig = hmac('sha256', 'clickup-secret-0123', 'b').toString('hex').toUpperCase();
    expect(
      verify({ scheme: 'clickup' }, 'clickup-secret-0123', { 'X-Signature': sig }, 'b', new Date()).ok,
    ).toBe(true);
  });
});
