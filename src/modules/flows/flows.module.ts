import type { Logger } from 'pino';
import type { Catalogue } from '../../integrations/clockify/catalogue.js';
import type { Clock } from '../../platform/clock.js';
import type { OutboundPolicy } from '../../platform/safe-http/index.js';
import type { Db } from '../../store/database.js';
import type { CacheService } from '../cache/cache.service.js';
import type { SourcesService } from '../ingestion/sources.service.js';
import type { WorkspacePurger } from '../installations/workspace-lifecycle.js';
import { DEFAULT_ACTION_TYPES } from './definition.js';
import { createFlowsRepo } from './flows.repo.js';
import { type FlowsConfig, createFlowsService } from './flows.service.js';

/**
 * No-code flows (docs/flows.md): owner of `flow`, `flow_version`, `flow_workspace`, `flow_execution`,
 * `flow_step`, `flow_skip_count` and `flow_replay`. Returns its services, its event processor, jobs,
 * periodic tasks and purger as data for the composition root.
 */
export function createFlowsModule(deps: {
  db: Db;
  clock: Clock;
  log: Logger;
  catalogue: Catalogue;
  sources: Pick<SourcesService, 'list'>;
  cache: Pick<CacheService, 'entityTypes'>;
  outbound: OutboundPolicy;
  config: FlowsConfig;
}) {
  const { db, clock } = deps;
  const repo = createFlowsRepo(db);
  const flows = createFlowsService({
    db,
    repo,
    clock,
    config: deps.config,
    validation: {
      catalogue: deps.catalogue,
      actionTypes: DEFAULT_ACTION_TYPES,
      sourceIds: async (ws) => (await deps.sources.list(ws)).map((s) => s.id),
      cacheEntityTypes: deps.cache.entityTypes,
      outbound: deps.outbound,
    },
    onChange: () => undefined,
  });
  const purger: WorkspacePurger = {
    name: 'flows',
    purge: (workspaceId, _before, tx) => repo.purgeWorkspace(workspaceId, tx),
  };
  return { flows, purgers: [purger] };
}
export type FlowsModule = ReturnType<typeof createFlowsModule>;
