import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SourceVerification,
  type SourceVerificationInput,
} from '../../src/modules/ingestion/source-config.js';
import { generateSecret } from '../../src/modules/ingestion/verify/generate-secret.js';
import { verifySource } from '../../src/modules/ingestion/verify/verify-source.js';

/**
 * The signed test command the Sources view shows (public/js/curl.js), run by bash as shown, for every
 * scheme: what it sends passes the gateway's own verifier, and fails it once the body is changed.
 * Lives with the browser tests because it needs bash, curl and openssl on the machine.
 */
const run = promisify(execFile);
// A browser module (plain JS, no types): imported by a path the type checker does not follow.
const CURL_MODULE = '../../public/js/curl.js';
type Captured = { headers: Record<string, string | string[] | undefined>; body: Buffer };
let received: Captured[] = [];
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    received.push({ headers: req.headers, body: Buffer.concat(chunks) });
    res.writeHead(202, { 'content-type': 'application/json' }).end('{"eventId":"evt_test"}');
  });
});
let url = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/custom/src_test`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const CONFIGS: SourceVerificationInput[] = [
  { scheme: 'github' },
  { scheme: 'stripe' },
  { scheme: 'slack' },
  { scheme: 'shopify' },
  { scheme: 'standard-webhooks' },
  { scheme: 'clickup' },
  { scheme: 'hmac', header: 'X-Signature', algorithm: 'sha512', encoding: 'base64', prefix: 'v1=' },
  {
    scheme: 'hmac',
    header: 'X-Sig',
    algorithm: 'sha1',
    signed: { kind: 'timestamp.body', timestampHeader: 'X-Ts', template: "v0:{timestamp}:{body}'s" },
  },
  { scheme: 'api-key', header: 'X-Token' },
  { scheme: 'basic-auth', username: 'sender' },
  { scheme: 'none' },
];

describe('the signed test command of the Sources view', () => {
  it.each(CONFIGS.map((c) => [JSON.stringify(c), c] as const))(
    '%s passes verification',
    async (_name, input) => {
      const { testCommand } = (await import(CURL_MODULE)) as {
        testCommand: (source: { url: string; verification: unknown }, secret: string | null) => string;
      };
      const config = SourceVerification.parse(input);
      // A quote in the secret checks the shell quoting (Standard Webhooks secrets are base64: none there).
      const secret =
        config.scheme === 'none'
          ? null
          : `${generateSecret(config.scheme)}${config.scheme === 'standard-webhooks' ? '' : "'q"}`;
      received = [];
      const { stdout } = await run('bash', ['-c', testCommand({ url, verification: config }, secret)]);
      expect(stdout).toContain('evt_test');
      expect(received).toHaveLength(1);
      const req = received[0]!;
      const check = (rawBody: Buffer) =>
        verifySource({
          config,
          ...(secret !== null ? { secrets: { current: secret } } : {}),
          rawBody,
          headers: req.headers,
          now: new Date(),
        });
      expect(check(req.body)).toEqual({ ok: true, secretUsed: 'current' });
      expect(JSON.parse(req.body.toString('utf8'))).toMatchObject({ type: 'gateway.test' });
      if (!['none', 'api-key', 'basic-auth'].includes(config.scheme))
        expect(check(Buffer.concat([req.body, Buffer.from(' ')])).ok).toBe(false);
    },
  );
});
