import { safeEqual } from '../../../platform/crypto.js';
import type { SchemeConfig } from '../source-config.js';
import type { HeaderLookup } from './headers.js';
import { type SecretCandidate, type SecretLabel, type VerifyResult, fail } from './hmac-core.js';

/**
 * Shared-secret schemes. `safeEqual` hashes both sides before `timingSafeEqual`, so neither the
 * secret's length nor its content leaks through timing; every candidate is always compared.
 */
function firstMatch(
  candidates: readonly SecretCandidate[],
  matches: (c: SecretCandidate) => boolean,
): VerifyResult {
  let used: SecretLabel | null = null;
  for (const c of candidates) {
    const hit = matches(c);
    if (hit && used === null) used = c.label;
  }
  return used === null ? fail('mismatch') : { ok: true, secretUsed: used };
}

export function verifyApiKey(
  config: SchemeConfig<'api-key'>,
  h: HeaderLookup,
  candidates: readonly SecretCandidate[],
): VerifyResult {
  const given = h(config.header);
  if (given === undefined) return fail('missing-credentials');
  return firstMatch(candidates, (c) => safeEqual(given, c.value));
}

/** RFC 7617: `Authorization: Basic base64(user:password)`; the password is the source's secret. */
export function verifyBasicAuth(
  config: SchemeConfig<'basic-auth'>,
  h: HeaderLookup,
  candidates: readonly SecretCandidate[],
): VerifyResult {
  const header = h('authorization');
  if (header === undefined) return fail('missing-credentials');
  const m = /^basic +([A-Za-z0-9+/]+={0,2})$/i.exec(header);
  if (m?.[1] === undefined) return fail('malformed');
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return fail('malformed');
  const user = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  return firstMatch(candidates, (c) => {
    // Both comparisons always run: a wrong user name must cost the same as a wrong password.
    const userOk = safeEqual(user, config.username);
    const passwordOk = safeEqual(password, c.value);
    return userOk && passwordOk;
  });
}
