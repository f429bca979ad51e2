import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, importPKCS8 } from 'jose';

/**
 * Plays Clockify's part for tests and local demos: signs lifecycle, webhook, installation and user
 * tokens with a local RSA key pair. The gateway trusts it only when CLOCKIFY_PUBLIC_KEY names its public key.
 */
export type KeyPairPem = { publicKeyPem: string; privateKeyPem: string };

export function generateKeyPair(): KeyPairPem {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

export type ClockifyTokenClaims = {
  workspaceId: string;
  addonId?: string;
  user?: string;
  workspaceRole?: string;
  backendUrl?: string;
  reportsUrl?: string;
  [claim: string]: unknown;
};

export type SignOptions = {
  addonKey: string;
  /** Seconds from now; omit for tokens that never expire (webhook and installation tokens). */
  expiresInS?: number;
  iss?: string;
  type?: string;
  sub?: string;
};

export function createClockifySigner(privateKeyPem: string) {
  const keyPromise = importPKCS8(privateKeyPem, 'RS256');
  return async function sign(claims: ClockifyTokenClaims, opts: SignOptions): Promise<string> {
    const jwt = new SignJWT({ type: opts.type ?? 'addon', ...claims })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
      .setIssuer(opts.iss ?? 'clockify')
      .setSubject(opts.sub ?? opts.addonKey)
      .setIssuedAt();
    if (opts.expiresInS !== undefined) jwt.setExpirationTime(Math.floor(Date.now() / 1000) + opts.expiresInS);
    return jwt.sign(await keyPromise);
  };
}
export type ClockifySigner = ReturnType<typeof createClockifySigner>;
