import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../store/database.js';
import type { InstallationsService } from '../installations/installations.service.js';
import type { DeletionStep } from '../installations/workspace-lifecycle.js';
import { createAdminAuthService } from './admin-auth.service.js';
import { type ApiKeysRepo, createApiKeysRepo } from './api-keys.repo.js';
import type { ClockifyTokenVerifier } from './clockify-token.js';

/**
 * Admin authentication (docs/adr/0004-admin-authentication.md): owner of `admin_api_key`. Made in two
 * calls, because installations needs the keys' deletion step and admin auth needs installations: the
 * keys first, then the service once installations exists.
 */
export function createApiKeys(deps: { db: Db }) {
  const repo = createApiKeysRepo(deps.db);
  // Keys are credentials: they stop working in the DELETED transaction, with the installation's tokens.
  const revokeKeys: DeletionStep = {
    name: 'admin-api-keys',
    run: async (workspaceId, tx) => {
      await repo.deleteWorkspace(workspaceId, tx);
    },
  };
  return { repo, deletionSteps: [revokeKeys] };
}

export function createAdminAuth(deps: {
  keys: { repo: ApiKeysRepo };
  clock: Clock;
  verifier: ClockifyTokenVerifier;
  installations: Pick<InstallationsService, 'isLive'>;
}) {
  return createAdminAuthService({
    apiKeys: deps.keys.repo,
    clock: deps.clock,
    verifier: deps.verifier,
    installations: deps.installations,
  });
}
