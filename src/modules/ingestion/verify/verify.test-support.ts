/** Shared by the verification tests: an independent HMAC and a verify call with one current secret. */
import { createHmac } from 'node:crypto';
import { SourceVerification } from '../source-config.js';
import { verifySource } from './verify-source.js';

export const hmac = (alg: string, key: Buffer | string, data: string | Buffer) =>
  createHmac(alg, key).update(data).digest();

export const verify = (
  config: unknown,
  current: string,
  headers: Record<string, string | string[]>,
  body: string | Buffer,
  now: Date,
) =>
  verifySource({
    config: SourceVerification.parse(config),
    secrets: { current },
    headers,
    rawBody: Buffer.from(body),
    now,
  });
