import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SCHEMES, SourceVerification, type Scheme } from '../../src/modules/ingestion/source-config.js';
import { generateSecret } from '../../src/modules/ingestion/verify/generate-secret.js';
import { signGithub, signRequest, signStandardWebhooks, signStripe } from './sign-examples.js';
import { verifySource } from '../../src/modules/ingestion/verify/verify-source.js';

const NOW = new Date('2025-06-01T12:00:00Z');
const BODY = '{"hello":"world"}';

const configs: Record<Scheme, unknown> = {
  github: { scheme: 'github' },
  stripe: { scheme: 'stripe' },
  slack: { scheme: 'slack' },
  shopify: { scheme: 'shopify' },
  'standard-webhooks': { scheme: 'standard-webhooks' },
  clickup: { scheme: 'clickup' },
  hmac: {
    scheme: 'hmac',
    header: 'X-Sig',
    algorithm: 'sha512',
    encoding: 'base64',
    prefix: 'v1=',
    signed: { kind: 'timestamp.body', timestampHeader: 'X-Ts' },
  },
  'api-key': { scheme: 'api-key', header: 'X-Token' },
  'basic-auth': { scheme: 'basic-auth', username: 'bot' },
  none: { scheme: 'none' },
};

describe('signRequest', () => {
  it.each(SCHEMES.filter((s) => s !== 'none'))(
    'produces headers that %s verification accepts with a generated secret',
    (scheme) => {
      const config = SourceVerification.parse(configs[scheme]);
      const secret = generateSecret(scheme);
      const headers = signRequest(config, secret, BODY, { now: NOW, id: 'msg_1' });
      expect(
        verifySource({ config, secrets: { current: secret }, headers, rawBody: Buffer.from(BODY), now: NOW }),
      ).toEqual({
        ok: true,
        secretUsed: 'current',
      });
      const wrong = generateSecret(scheme);
      expect(
        verifySource({ config, secrets: { current: wrong }, headers, rawBody: Buffer.from(BODY), now: NOW })
          .ok,
      ).toBe(false);
    },
  );

  it('sends no headers for none', () => {
    expect(signRequest(SourceVerification.parse({ scheme: 'none' }), '', BODY, { now: NOW })).toEqual({});
  });
});

describe('individual signers', () => {
  it('signGithub reproduces GitHub’s published example', () => {
    expect(signGithub("It's a Secret to Everybody", 'Hello, World!')).toEqual({
      'X-Hub-Signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    });
  });

  it('signStandardWebhooks reproduces the spec’s published example, under either header family', () => {
    const opts = { id: 'msg_p5jXN8AQM9LWM0D4loKWxJek', timestamp: 1614265330 };
    const sig = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';
    expect(
      signStandardWebhooks('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', '{"test": 2432232314}', opts)[
        'webhook-signature'
      ],
    ).toBe(sig);
    expect(
      signStandardWebhooks('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', '{"test": 2432232314}', {
        ...opts,
        headerNames: 'svix',
      })['svix-signature'],
    ).toBe(sig);
  });

  it('signStripe lists one v1 per secret', () => {
    const header = signStripe(['a-secret', 'b-secret'], 'x', 1700000000)['Stripe-Signature'];
    const v1 = (s: string) => createHmac('sha256', s).update('1700000000.x').digest('hex');
    expect(header).toBe(`t=1700000000,v1=${v1('a-secret')},v1=${v1('b-secret')}`);
  });
});
