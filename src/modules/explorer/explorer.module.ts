import type { PeriodicTask } from '../../jobs/bindings.js';
import type { Catalogue } from '../../integrations/clockify/catalogue.js';
import type { ClockifyClient } from '../../integrations/clockify/clockify.client.js';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../store/database.js';
import type { InstallationsService } from '../installations/installations.service.js';
import type { WorkspacePurger } from '../installations/workspace-lifecycle.js';
import { explorerRetentionJob } from './explorer.jobs.js';
import { createExplorerRepo } from './explorer.repo.js';
import { createExplorerService } from './explorer.service.js';

/**
 * The API explorer (docs/api-explorer.md): owner of `explorer_call` (the history). Returns its service,
 * and its retention task and purger as data for the composition root.
 */
export function createExplorerModule(deps: {
  db: Db;
  clock: Clock;
  catalogue: Pick<Catalogue, 'operations' | 'get'>;
  installations: Pick<InstallationsService, 'requireInstalled' | 'clockifyConnection' | 'allSettings'>;
  client: Pick<ClockifyClient, 'connect'>;
  apiKeyName?: (workspaceId: string, keyId: string) => Promise<string | null>;
}) {
  const repo = createExplorerRepo(deps.db);
  const service = createExplorerService({
    catalogue: deps.catalogue,
    installations: deps.installations,
    client: deps.client,
    repo,
    clock: deps.clock,
    ...(deps.apiKeyName !== undefined ? { apiKeyName: deps.apiKeyName } : {}),
  });
  const periodic: PeriodicTask[] = [
    {
      job: explorerRetentionJob,
      run: async (ctx) => {
        const retention = (await deps.installations.allSettings()).map((w) => ({
          workspaceId: w.workspaceId,
          days: w.settings.explorer.historyDays,
        }));
        const removed = await repo.pruneExpired(retention, deps.clock.now());
        ctx.log.info({ removed }, 'explorer history pruned');
      },
    },
  ];
  const purger: WorkspacePurger = {
    name: 'explorer',
    purge: (workspaceId, before, tx) => repo.purgeWorkspace(workspaceId, before, tx),
  };
  return { service, repo, periodic, purgers: [purger] };
}
export type ExplorerModule = ReturnType<typeof createExplorerModule>;
