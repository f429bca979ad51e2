import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AdminAuthService } from '../../modules/auth/admin-auth.service.js';
import type { Principal } from '../../modules/auth/principal.js';
import { AppError } from '../../platform/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** 'write' routes need an owner's or admin's user token or a write-enabled API key. Default 'read'. */
    access?: 'read' | 'write';
  }
}

/** The credential a caller presents: `Authorization: Bearer …`, `X-Addon-Token` (Clockify's header) or `X-Api-Key`. */
export function credentialOf(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && /^bearer\s+/i.test(auth)) return auth.replace(/^bearer\s+/i, '');
  const addon = req.headers['x-addon-token'];
  if (typeof addon === 'string') return addon;
  const key = req.headers['x-api-key'];
  if (typeof key === 'string') return key;
  return undefined;
}

/** One hook for every admin route: authenticate, then check read/write access. */
export function adminAuthHook(auth: AdminAuthService) {
  return async function authenticateAdmin(req: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const principal = await auth.authenticate(credentialOf(req));
    if (req.routeOptions.config.access === 'write' && !principal.canWrite) {
      throw new AppError(
        'FORBIDDEN',
        'This action needs a workspace owner or admin (or a write-enabled API key)',
      );
    }
    req.principal = principal;
  };
}

/** For handlers: the authenticated principal (the hook guarantees it is set on /ui routes). */
export function principalOf(req: FastifyRequest): Principal {
  if (req.principal === null) throw new AppError('UNAUTHENTICATED', 'Not authenticated');
  return req.principal;
}
