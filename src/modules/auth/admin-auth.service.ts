import { randomBytes } from 'node:crypto';
import type { Clock } from '../../platform/clock.js';
import { sha256Hex } from '../../platform/crypto.js';
import { AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { InstallationsService } from '../installations/installations.service.js';
import type { ApiKeysRepo, StoredApiKey } from './api-keys.repo.js';
import type { ClockifyTokenVerifier } from './clockify-token.js';
import { type Principal, isOwnerOrAdmin } from './principal.js';

export const API_KEY_PREFIX = 'gwk_';
const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]*$/;
// Writing last_used_at on every request would turn reads into writes; once a minute is enough.
const TOUCH_EVERY_MS = 60_000;

type Deps = {
  verifier: ClockifyTokenVerifier;
  installations: Pick<InstallationsService, 'isLive'>;
  apiKeys: ApiKeysRepo;
  clock: Clock;
};

export type ApiKeyView = {
  id: string;
  name: string;
  prefix: string;
  canWrite: boolean;
  createdBy: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
};

const unauthenticated = (why: string) => new AppError('UNAUTHENTICATED', why);

export function createAdminAuthService(deps: Deps) {
  async function requireLiveInstallation(workspaceId: string): Promise<void> {
    // A credential for a workspace we do not serve is not a valid credential here.
    if (!(await deps.installations.isLive(workspaceId)))
      throw unauthenticated('No installation for this credential');
  }

  return {
    /** Resolves a presented credential to a principal, or throws UNAUTHENTICATED. */
    async authenticate(credential: string | undefined): Promise<Principal> {
      if (credential === undefined || credential.trim() === '') {
        throw unauthenticated('Missing credentials: send a Clockify user token or an admin API key');
      }
      const value = credential.trim();
      if (value.startsWith(API_KEY_PREFIX)) {
        const key = await deps.apiKeys.findByHash(sha256Hex(value));
        if (key === null || key.revokedAt !== null) throw unauthenticated('Invalid or revoked API key');
        await requireLiveInstallation(key.workspaceId);
        const now = deps.clock.now();
        if (key.lastUsedAt === null || now.getTime() - key.lastUsedAt.getTime() > TOUCH_EVERY_MS) {
          await deps.apiKeys.touch(key.id, now);
        }
        return {
          workspaceId: key.workspaceId,
          canWrite: key.canWrite,
          via: 'api-key',
          userId: null,
          role: null,
          apiKeyId: key.id,
        };
      }
      if (!JWT_SHAPE.test(value))
        throw unauthenticated('Credential is neither a Clockify token nor an API key');
      const result = await deps.verifier.verifyUser(value, deps.clock.now());
      if (!result.ok) throw unauthenticated(`Invalid Clockify token (${result.reason})`);
      const { claims } = result;
      await requireLiveInstallation(claims.workspaceId);
      const role = claims.workspaceRole ?? null;
      return {
        workspaceId: claims.workspaceId,
        canWrite: isOwnerOrAdmin(role),
        via: 'user-token',
        userId: claims.user ?? null,
        role,
        apiKeyId: null,
      };
    },

    async createApiKey(
      principal: Principal,
      input: { name: string; canWrite: boolean },
    ): Promise<ApiKeyView & { key: string }> {
      if (principal.via !== 'user-token') {
        throw new AppError(
          'FORBIDDEN',
          'API keys are created with a Clockify user token, not with another API key',
        );
      }
      const key = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
      const row = await deps.apiKeys.create({
        id: newId('key'),
        workspaceId: principal.workspaceId,
        name: input.name,
        prefix: key.slice(0, API_KEY_PREFIX.length + 6),
        keyHash: sha256Hex(key),
        canWrite: input.canWrite,
        createdBy: principal.userId,
      });
      return { ...toView(row), key };
    },

    async listApiKeys(principal: Principal): Promise<ApiKeyView[]> {
      return (await deps.apiKeys.list(principal.workspaceId)).map(toView);
    },

    async revokeApiKey(principal: Principal, id: string): Promise<ApiKeyView> {
      if (principal.via !== 'user-token') {
        throw new AppError('FORBIDDEN', 'API keys are revoked with a Clockify user token');
      }
      const row = await deps.apiKeys.revoke(principal.workspaceId, id, deps.clock.now());
      if (row === null) throw new AppError('NOT_FOUND', `API key ${id} not found`);
      return toView(row);
    },
  };
}
export type AdminAuthService = ReturnType<typeof createAdminAuthService>;

function toView(k: StoredApiKey): ApiKeyView {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    canWrite: k.canWrite,
    createdBy: k.createdBy,
    createdAt: k.createdAt.toISOString(),
    lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
    revokedAt: k.revokedAt?.toISOString() ?? null,
  };
}
