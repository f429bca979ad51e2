import type { Db } from '../../store/database.js';
import type { Clock } from '../../platform/clock.js';
import type { InstallationsService } from '../installations/installations.service.js';
import type { WorkspacePurger } from '../installations/workspace-lifecycle.js';
import { createCacheEventProcessor } from './cache.processor.js';
import { createCacheRepo } from './cache.repo.js';
import { createCacheService } from './cache.service.js';

/** The entity cache (docs/bootstrap.md): owner of `cached_entity`. */
export function createCacheModule(deps: {
  db: Db;
  clock: Clock;
  installations: Pick<InstallationsService, 'requireInstalled'>;
}) {
  const repo = createCacheRepo(deps.db);
  const purger: WorkspacePurger = {
    name: 'cache',
    purge: (workspaceId, _before, tx) => repo.purge(workspaceId, tx),
  };
  return {
    service: createCacheService({ repo, installations: deps.installations }),
    /** Keeps cached entities fresh from Clockify's webhooks. */
    processor: createCacheEventProcessor({ cache: repo, clock: deps.clock }),
    purgers: [purger],
  };
}
export type CacheModule = ReturnType<typeof createCacheModule>;
