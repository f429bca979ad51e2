import { createHmac, randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { decodeSecret, generateSecret, sign, webhookHeaders } from './standard-webhooks.js';

/** Deterministic "randomness": 0, 1, 2, … */
const counting = (size: number): Buffer => Buffer.from(Array.from({ length: size }, (_, i) => i));

describe('Standard Webhooks signing', () => {
  it('reproduces the reference libraries’ published test vector', () => {
    // From standard-webhooks/standard-webhooks, libraries/javascript/src/webhook.test.ts ("sign function
    // works"); the Go, Python, Ruby, PHP, Java and C# libraries test the same vector.
    expect(
      sign({
        msgId: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
        timestamp: 1614265330,
        body: '{"test": 2432232314}',
        secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
      }),
    ).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('takes the timestamp as a Date or as Unix seconds alike', () => {
    const base = { msgId: 'msg_1', body: '{}', secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'] };
    expect(sign({ ...base, timestamp: new Date(1614265330_999) })).toBe(
      sign({ ...base, timestamp: 1614265330 }),
    );
  });

  it('is verified by the official standardwebhooks library', () => {
    const secret = generateSecret(randomBytes);
    const body = JSON.stringify({ type: 'time_entry.created', data: { id: 'x', note: 'héllo ✓' } });
    const headers = webhookHeaders({ msgId: 'msg_abc', timestamp: new Date(), body, secrets: [secret] });
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(() => new Webhook(generateSecret(randomBytes)).verify(body, { ...headers })).toThrow();
    expect(() => new Webhook(secret).verify(`${body} `, { ...headers })).toThrow();
  });

  it('signs with both secrets during a rotation, current first, each verifiable on its own', () => {
    const current = generateSecret(randomBytes);
    const previous = generateSecret(randomBytes);
    const body = '{"n":1}';
    const headers = webhookHeaders({
      msgId: 'msg_rot',
      timestamp: new Date(),
      body,
      secrets: [current, previous],
    });
    const entries = headers['webhook-signature'].split(' ');
    expect(entries).toHaveLength(2);
    expect(entries[0]).toBe(
      sign({ msgId: 'msg_rot', timestamp: Number(headers['webhook-timestamp']), body, secrets: [current] }),
    );
    expect(entries[1]).toBe(
      sign({ msgId: 'msg_rot', timestamp: Number(headers['webhook-timestamp']), body, secrets: [previous] }),
    );
    for (const s of [current, previous])
      expect(new Webhook(s).verify(body, { ...headers })).toEqual({ n: 1 });
  });

  it('matches the library’s own signer on the same inputs', () => {
    for (let i = 0; i < 20; i++) {
      const secret = generateSecret(randomBytes, 24 + i);
      const body = randomBytes(50 + i).toString('base64');
      const ts = new Date(1_700_000_000_000 + i * 1_000);
      expect(sign({ msgId: `msg_${i}`, timestamp: ts, body, secrets: [secret] })).toBe(
        new Webhook(secret).sign(`msg_${i}`, ts, body),
      );
    }
  });

  it('signs the body bytes exactly as given, even when they are not UTF-8', () => {
    const secret = generateSecret(counting);
    const body = Buffer.from([0x7b, 0xff, 0xfe, 0x00, 0x7d]);
    const expected = createHmac('sha256', decodeSecret(secret)!)
      .update(Buffer.concat([Buffer.from('msg_bin.1700000000.'), body]))
      .digest('base64');
    expect(sign({ msgId: 'msg_bin', timestamp: 1_700_000_000, body, secrets: [secret] })).toBe(
      `v1,${expected}`,
    );
    const flipped = Buffer.from(body);
    flipped[1] = 0xfd;
    expect(sign({ msgId: 'msg_bin', timestamp: 1_700_000_000, body: flipped, secrets: [secret] })).not.toBe(
      `v1,${expected}`,
    );
  });

  it('builds the three headers', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    expect(
      webhookHeaders({
        msgId: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
        timestamp: 1614265330,
        body: '{"test": 2432232314}',
        secrets: [secret],
      }),
    ).toEqual({
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    });
  });

  it('refuses inputs that would make an ambiguous or unsendable signature', () => {
    const ok = { msgId: 'msg_1', timestamp: 1, body: '', secrets: [generateSecret(counting)] };
    expect(() => sign({ ...ok, msgId: '' })).toThrow(RangeError);
    expect(() => sign({ ...ok, msgId: 'msg 1' })).toThrow(RangeError);
    expect(() => sign({ ...ok, msgId: 'msg\r\nx' })).toThrow(RangeError);
    expect(() => sign({ ...ok, timestamp: 1.5 })).toThrow(RangeError);
    expect(() => sign({ ...ok, timestamp: new Date('nope') })).toThrow(RangeError);
    expect(() => sign({ ...ok, secrets: [] })).toThrow(RangeError);
    expect(() => sign({ ...ok, secrets: ['whsec_short'] })).toThrow(RangeError);
  });
});

describe('endpoint secrets', () => {
  it('are whsec_ + base64 of the injected random bytes (32 by default, 24–64 allowed)', () => {
    expect(generateSecret(counting)).toBe(`whsec_${counting(32).toString('base64')}`);
    expect(decodeSecret(generateSecret(counting))).toEqual(counting(32));
    expect(decodeSecret(generateSecret(counting, 24))).toHaveLength(24);
    expect(decodeSecret(generateSecret(counting, 64))).toHaveLength(64);
    expect(() => generateSecret(counting, 23)).toThrow(RangeError);
    expect(() => generateSecret(counting, 65)).toThrow(RangeError);
    expect(() => generateSecret(() => Buffer.alloc(8))).toThrow(/wrong number of bytes/);
  });

  it('decode with or without the prefix, and only when well-formed and 24–64 bytes', () => {
    expect(decodeSecret('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).toHaveLength(24);
    expect(decodeSecret('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).toHaveLength(24);
    for (const bad of [
      'whsec_',
      'whsec_not*base64',
      `whsec_${Buffer.alloc(16).toString('base64')}`,
      `whsec_${Buffer.alloc(65).toString('base64')}`,
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS',
    ]) {
      expect(decodeSecret(bad), bad).toBeNull();
    }
  });
});
