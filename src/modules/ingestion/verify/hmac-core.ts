import { createHmac, timingSafeEqual } from 'node:crypto';
import type { HmacAlgorithm, SourceSecrets } from '../source-config.js';

export type VerifyFailure = 'missing-signature' | 'malformed' | 'stale' | 'mismatch' | 'missing-credentials';
export type SecretLabel = 'current' | 'previous';
export type VerifyResult = { ok: true; secretUsed: SecretLabel } | { ok: false; reason: VerifyFailure };

export const fail = (reason: VerifyFailure): { ok: false; reason: VerifyFailure } => ({ ok: false, reason });

export type SecretCandidate = { label: SecretLabel; value: string };

/** The current secret, then the previous one while its grace period lasts (`now < expiresAt`). */
export function candidateSecrets(secrets: SourceSecrets, now: Date): SecretCandidate[] {
  const out: SecretCandidate[] = [{ label: 'current', value: secrets.current }];
  if (secrets.previous && now.getTime() < secrets.previous.expiresAt.getTime()) {
    out.push({ label: 'previous', value: secrets.previous.value });
  }
  return out;
}

export const DIGEST_BYTES: Record<HmacAlgorithm, number> = { sha1: 20, sha256: 32, sha512: 64 };

/** Senders listing more signatures than this are not rotating keys, they are probing. */
export const MAX_SIGNATURES = 16;

/** Strict hex of exactly the digest length; `Buffer.from(…, 'hex')` alone silently stops at bad input. */
export function decodeHex(value: string, bytes: number): Buffer | null {
  return value.length === bytes * 2 && /^[0-9a-fA-F]+$/.test(value) ? Buffer.from(value, 'hex') : null;
}

/** Base64 (standard or URL-safe alphabet, padding optional) that decodes to exactly `bytes` bytes. */
export function decodeBase64(value: string, bytes: number): Buffer | null {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) return null;
  const buf = Buffer.from(value, 'base64');
  return buf.length === bytes ? buf : null;
}

/**
 * A parsed request for an HMAC scheme: the signed message (raw body bytes plus the scheme's literal
 * framing), the digests the sender claims, and the signed timestamp when the scheme has one.
 */
export type HmacClaim = {
  algorithm: HmacAlgorithm;
  /** Turns a stored secret into the HMAC key (Standard Webhooks base64-decodes; others use the text). */
  key: (secret: string) => Buffer | string;
  message: readonly (string | Buffer)[];
  /** Already decoded, each exactly `DIGEST_BYTES[algorithm]` long. */
  signatures: readonly Buffer[];
  /** Unix seconds, when signed. */
  timestamp?: number;
};
/** The key of every scheme that uses the secret as text (all but Standard Webhooks). One function, shared. */
export const secretAsText = (secret: string): string => secret;

export type ParseOutcome = { claim: HmacClaim } | { failure: VerifyFailure };

export function hmacDigest(
  algorithm: HmacAlgorithm,
  key: Buffer | string,
  message: readonly (string | Buffer)[],
): Buffer {
  const h = createHmac(algorithm, key);
  for (const part of message) h.update(part);
  return h.digest();
}

/** Unix seconds as sent in a header: plain digits only (no sign, exponent or fraction). */
export function parseUnixSeconds(value: string): number | null {
  return /^\d{1,12}$/.test(value) ? Number(value) : null;
}

/** Both too old and too far in the future are rejected; exactly `tolerance` seconds away is accepted. */
export function withinWindow(timestamp: number, now: Date, toleranceSeconds: number): boolean {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  return Math.abs(nowSeconds - timestamp) <= toleranceSeconds;
}

/**
 * Compares every claimed digest against every candidate secret's digest with `timingSafeEqual`.
 * Lengths are equal by construction (decoders enforce the digest length, which is public), and the
 * loops never exit early, so timing reveals neither the expected digest nor which entry matched.
 * The window is checked after the signature, so `stale` means "authentic but replayed or delayed"
 * and a forgery always reads as `mismatch`.
 */
export function checkHmac(
  claim: HmacClaim,
  candidates: readonly SecretCandidate[],
  toleranceSeconds: number | null,
  now: Date,
): VerifyResult {
  let used: SecretLabel | null = null;
  for (const candidate of candidates) {
    const expected = hmacDigest(claim.algorithm, claim.key(candidate.value), claim.message);
    let hit = false;
    for (const given of claim.signatures) hit = timingSafeEqual(given, expected) || hit;
    if (hit && used === null) used = candidate.label;
  }
  if (used === null) return fail('mismatch');
  if (toleranceSeconds !== null) {
    if (claim.timestamp === undefined) return fail('malformed');
    if (!withinWindow(claim.timestamp, now, toleranceSeconds)) return fail('stale');
  }
  return { ok: true, secretUsed: used };
}
