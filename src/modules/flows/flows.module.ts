import type { Logger } from 'pino';
import type { Catalogue } from '../../integrations/clockify/catalogue.js';
import type { ClockifyClient } from '../../integrations/clockify/clockify.client.js';
import { type JobBinding, type PeriodicTask, bindJob } from '../../jobs/bindings.js';
import type { Clock } from '../../platform/clock.js';
import type { OutboundPolicy, SafeHttp } from '../../platform/safe-http/index.js';
import { createTtlCache } from '../../platform/ttl-cache.js';
import type { Db, Sql } from '../../store/database.js';
import type { CacheService } from '../cache/cache.service.js';
import type { EventsService } from '../ingestion/events.service.js';
import type { SourcesService } from '../ingestion/sources.service.js';
import type { InstallationsService } from '../installations/installations.service.js';
import { readSettings } from '../installations/settings.js';
import type { WorkspacePurger } from '../installations/workspace-lifecycle.js';
import { DEFAULT_ACTION_TYPES } from './definition.js';
import { createExecutionsRepo, runClaimRead } from './executions.repo.js';
import { createExecutionsService } from './executions.service.js';
import {
  type ExecutionFailedHook,
  type ExecutorHooks,
  type WebhookSender,
  createExecutor,
} from './executor.js';
import type { ValidateClockifyRequest } from './dry-run.js';
import { createFlowMatcher } from './flow-matcher.js';
import { createFlowToolsService } from './flow-tools.service.js';
import { flowExecuteJob, flowReplayJob, flowsRetentionJob } from './flows.jobs.js';
import { createFlowsRepo } from './flows.repo.js';
import { type FlowsConfig, createFlowsService } from './flows.service.js';

type WorkspaceState = { active: boolean; flowsEnabled: boolean; allowHttp: boolean };

/**
 * No-code flows (docs/flows.md): owner of `flow`, `flow_version`, `flow_workspace`, `flow_execution`,
 * `flow_step`, `flow_skip_count` and `flow_replay`. Returns its services, its event processor, jobs,
 * periodic tasks and purger as data for the composition root.
 */
export function createFlowsModule(deps: {
  db: Db;
  sql: Pick<Sql, 'prepared' | 'textArray'>;
  clock: Clock;
  log: Logger;
  catalogue: Catalogue;
  /** A Clockify client that does not retry by itself: an action's retries are its job's RetryAt. */
  clockify: Pick<ClockifyClient, 'connect'>;
  safeHttp: Pick<SafeHttp, 'send'>;
  installations: Pick<InstallationsService, 'requireInstalled' | 'clockifyConnection' | 'allSettings'>;
  sources: Pick<SourcesService, 'list'>;
  /** The event log (replays read stored events through it). */
  events: Pick<EventsService, 'processedEvents' | 'list'>;
  cache: Pick<CacheService, 'entityTypes' | 'lookup'>;
  outbound: OutboundPolicy;
  config: FlowsConfig;
  wake: () => void;
  /** Port: the outbound-webhooks feature sends the `webhook` action (absent → such steps fail clearly). */
  webhookSender?: WebhookSender;
  /** Port: told about every execution that ends `failed` (`flow.execution.failed`). */
  onExecutionFailed?: ExecutionFailedHook;
  /** Dry runs check Clockify requests with the API explorer's validator (wired in deps.ts). */
  requestValidator?: (workspaceId: string) => ValidateClockifyRequest;
}) {
  const { db, clock } = deps;
  const repo = createFlowsRepo(db, deps.sql);
  const executionsRepo = createExecutionsRepo(db, deps.sql);

  // Short TTLs: an installation's status or settings change reaches this instance within a second or two.
  const workspaceCache = createTtlCache<WorkspaceState>({ max: 10_000, ttlMs: 1_000 });
  const workspaceState = (workspaceId: string): Promise<WorkspaceState> =>
    workspaceCache.getOrLoad(workspaceId, async () => {
      try {
        const inst = await deps.installations.requireInstalled(workspaceId);
        const s = readSettings(inst.settings).flows;
        return { active: inst.status === 'ACTIVE', flowsEnabled: s.enabled, allowHttp: s.allowHttp };
      } catch {
        return { active: false, flowsEnabled: false, allowHttp: false };
      }
    });
  const connections = createTtlCache<Awaited<ReturnType<typeof deps.installations.clockifyConnection>>>({
    max: 10_000,
    ttlMs: 5_000,
  });
  const cacheReader = (ws: string, refs: readonly { entityType: string; id: string }[]) =>
    deps.cache.lookup(ws, refs);

  const matcher = createFlowMatcher({
    flows: repo,
    executions: executionsRepo,
    flowsActive: async (ws) => {
      const s = await workspaceState(ws);
      return s.active && s.flowsEnabled;
    },
    cache: cacheReader,
    job: flowExecuteJob,
    clock,
    log: deps.log,
    wake: deps.wake,
  });
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
    onChange: (ws) => matcher.invalidate(ws),
  });
  const hooks: ExecutorHooks = {};
  const executor = createExecutor({
    executions: executionsRepo,
    catalogue: deps.catalogue,
    clockify: deps.clockify,
    connection: (ws) => connections.getOrLoad(ws, () => deps.installations.clockifyConnection(ws)),
    safeHttp: deps.safeHttp,
    workspace: async (ws) => {
      const s = await workspaceState(ws);
      return { active: s.active, allowHttp: s.allowHttp };
    },
    cache: cacheReader,
    webhookSender: deps.webhookSender,
    onExecutionFailed: deps.onExecutionFailed,
    clock,
    log: deps.log,
    hooks,
    maxAttempts: flowExecuteJob.maxAttempts,
  });

  const executions = createExecutionsService({
    db,
    repo: executionsRepo,
    flows,
    matcher,
    events: deps.events,
    clock,
    log: deps.log,
    wake: deps.wake,
  });

  const tools = createFlowToolsService({
    flows,
    events: deps.events,
    cache: cacheReader,
    catalogue: deps.catalogue,
    ...(deps.requestValidator !== undefined ? { requestValidator: deps.requestValidator } : {}),
  });

  const jobs: JobBinding[] = [
    // Each execution's run state is read in the job claim's own statement (runClaimRead).
    bindJob(flowExecuteJob, (p, ctx) => executor.execute(p, ctx), runClaimRead),
    bindJob(flowReplayJob, (p, ctx) => executions.runReplay(p, ctx)),
  ];
  const periodic: PeriodicTask[] = [
    {
      job: flowsRetentionJob,
      run: async (ctx) => {
        const retention = (await deps.installations.allSettings()).map((w) => ({
          workspaceId: w.workspaceId,
          days: w.settings.flows.executionRetentionDays,
        }));
        const removed = await executionsRepo.pruneExpired(retention, clock.now());
        ctx.log.info({ removed }, 'flow executions pruned');
      },
    },
  ];
  const purger: WorkspacePurger = {
    name: 'flows',
    purge: async (workspaceId, _before, tx) =>
      (await executionsRepo.purgeWorkspace(workspaceId, tx)) + (await repo.purgeWorkspace(workspaceId, tx)),
  };
  return {
    flows,
    executions,
    tools,
    /** Runs each accepted event through the workspace's flows (registered after the cache's processor). */
    processor: matcher.processor,
    matcher,
    executor,
    /** Test seams of the executor (crash between call and outcome). */
    hooks,
    executionsRepo,
    jobs,
    periodic,
    purgers: [purger],
  };
}
export type FlowsModule = ReturnType<typeof createFlowsModule>;
