import { type CryptoKey, type JWTPayload, decodeJwt, errors, importSPKI, jwtVerify } from 'jose';
import { z } from 'zod';

/** Claims Clockify puts in its tokens (PLATFORM.md §4). Unknown claims are kept, never trusted blindly. */
export const ClockifyClaims = z.looseObject({
  iss: z.literal('clockify'),
  sub: z.string(),
  type: z.literal('addon'),
  workspaceId: z.string().min(1),
  addonId: z.string().optional(),
  user: z.string().optional(),
  workspaceRole: z.string().optional(),
  backendUrl: z.string().optional(),
  reportsUrl: z.string().optional(),
  ptoUrl: z.string().optional(),
  locationsUrl: z.string().optional(),
  screenshotsUrl: z.string().optional(),
  exp: z.number().optional(),
});
export type ClockifyClaims = z.infer<typeof ClockifyClaims>;

export type TokenFailure =
  | 'missing'
  | 'malformed'
  | 'bad-signature'
  | 'wrong-algorithm'
  | 'expired'
  | 'missing-exp'
  | 'wrong-issuer'
  | 'wrong-type'
  | 'wrong-subject'
  | 'bad-claims';

export type VerifyResult = { ok: true; claims: ClockifyClaims } | { ok: false; reason: TokenFailure };

export type ClockifyTokenVerifier = {
  /** Lifecycle and webhook tokens: `exp` is checked when present (webhook tokens never expire). */
  verify(token: string | undefined, now?: Date): Promise<VerifyResult>;
  /** User tokens (iframe `auth_token`): `exp` must be present and in the future. */
  verifyUser(token: string | undefined, now?: Date): Promise<VerifyResult>;
};

/**
 * Verifies Clockify-issued JWTs: RS256 only, signed by Clockify's key (or the one config names),
 * `iss=clockify`, `type=addon`, `sub` = our manifest key.
 */
export async function createClockifyTokenVerifier(opts: {
  publicKeyPem: string;
  addonKey: string;
}): Promise<ClockifyTokenVerifier> {
  const key: CryptoKey = await importSPKI(opts.publicKeyPem, 'RS256');

  async function check(
    token: string | undefined,
    now: Date | undefined,
    requireExp: boolean,
  ): Promise<VerifyResult> {
    if (token === undefined || token.trim() === '') return { ok: false, reason: 'missing' };
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token.trim(), key, {
        algorithms: ['RS256'],
        currentDate: now,
        clockTolerance: 5,
        requiredClaims: requireExp ? ['exp'] : [],
      }));
    } catch (err) {
      return { ok: false, reason: classify(err) };
    }
    if (payload.iss !== 'clockify') return { ok: false, reason: 'wrong-issuer' };
    if (payload.type !== 'addon') return { ok: false, reason: 'wrong-type' };
    if (payload.sub !== opts.addonKey) return { ok: false, reason: 'wrong-subject' };
    const claims = ClockifyClaims.safeParse(payload);
    return claims.success ? { ok: true, claims: claims.data } : { ok: false, reason: 'bad-claims' };
  }

  return {
    verify: (token, now) => check(token, now, false),
    verifyUser: (token, now) => check(token, now, true),
  };
}

function classify(err: unknown): TokenFailure {
  if (err instanceof errors.JWTExpired) return 'expired';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'wrong-algorithm';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'bad-signature';
  if (err instanceof errors.JWTClaimValidationFailed)
    return err.claim === 'exp' ? 'missing-exp' : 'bad-claims';
  return 'malformed';
}

/** Reads the claims of a token already vouched for by a verified request (the installation token in INSTALLED). */
export function readClaimsUnverified(token: string): Record<string, unknown> | null {
  try {
    return decodeJwt(token);
  } catch {
    return null;
  }
}
