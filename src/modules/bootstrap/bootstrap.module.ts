import type { Catalogue } from '../../integrations/clockify/catalogue.js';
import type { ClockifyClient } from '../../integrations/clockify/clockify.client.js';
import { type JobBinding, bindJob } from '../../jobs/bindings.js';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../store/database.js';
import type { CacheService } from '../cache/cache.service.js';
import type { InstallationsService } from '../installations/installations.service.js';
import type { SetupStep, WorkspacePurger } from '../installations/workspace-lifecycle.js';
import { bootstrapOperationJob, bootstrapRunJob, cacheRefreshJob } from './bootstrap.jobs.js';
import { createBootstrapRepo } from './bootstrap.repo.js';
import { createBootstrapService } from './bootstrap.service.js';

/** The bootstrap of the entity cache (docs/bootstrap.md): owner of `bootstrap_run`, `bootstrap_operation`. */
export function createBootstrapModule(deps: {
  db: Db;
  clock: Clock;
  installations: Pick<InstallationsService, 'requireInstalled' | 'clockifyConnection' | 'settingsOf'>;
  cache: Pick<CacheService, 'storePage' | 'dropOlderThan'>;
  catalogue: Pick<Catalogue, 'operations' | 'get'>;
  client: Pick<ClockifyClient, 'connect'>;
  /** Called after jobs were enqueued in-process, so the local runner claims them without waiting a poll. */
  wake: () => void;
}) {
  const repo = createBootstrapRepo(deps.db);
  const service = createBootstrapService({ ...deps, repo });

  const jobs: JobBinding[] = [
    bindJob(bootstrapRunJob, ({ runId }, ctx) => service.runJob(runId, ctx)),
    bindJob(bootstrapOperationJob, (payload, ctx) => service.operationJob(payload, ctx)),
    bindJob(cacheRefreshJob, ({ workspaceId }, ctx) => service.refreshJob(workspaceId, ctx)),
  ];
  // A (re)install starts a bootstrap unless one is already running.
  const startBootstrap: SetupStep = {
    name: 'start-bootstrap',
    run: async (workspaceId, ctx) => {
      const runId = await service.triggerIfIdle(workspaceId, 'installed');
      ctx.log.info({ workspaceId, runId }, 'bootstrap after install');
    },
  };
  const purger: WorkspacePurger = {
    name: 'bootstrap',
    purge: (ws, before, tx) => repo.purge(ws, before, tx),
  };

  return { service, jobs, setupSteps: [startBootstrap], purgers: [purger] };
}
export type BootstrapModule = ReturnType<typeof createBootstrapModule>;
