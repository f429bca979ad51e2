import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Db, Sql } from '../../store/database.js';
import { type JobBinding, type PeriodicTask, bindBatchJob, bindJob } from '../../jobs/bindings.js';
import type { JobPool } from '../../jobs/catalog.js';
import type { Clock } from '../../platform/clock.js';
import type { Cipher } from '../../platform/crypto.js';
import type { OutboundPolicy, SafeHttp } from '../../platform/safe-http/index.js';
import type { RateLimiter } from '../../rate-limit/rate-limiter.js';
import type { ProcessedEvent } from '../ingestion/event-processors.js';
import type { InstallationsService } from '../installations/installations.service.js';
import type { WorkspacePurger } from '../installations/workspace-lifecycle.js';
import { deliveryAttemptJob, deliveryRecoverJob, deliveryRetentionJob } from './delivery.jobs.js';
import { type DeliveryConfig, createDeliveryService } from './delivery.service.js';
import { createEndpointsRepo } from './endpoints.repo.js';
import { attemptClaimRead, createHotPathRepo } from './hot-path.repo.js';
import { createMessagesRepo } from './messages.repo.js';
import { createWorkspaceSchedules } from './workspace-schedule.js';

/**
 * Outbound webhooks (docs/outbound.md): owner of `webhook_endpoint`, `webhook_endpoint_secret`,
 * `webhook_message` and `webhook_attempt`. Returns its service, its event processor, and its jobs,
 * periodic task and purger as data for the composition root.
 */
export function createDeliveryModule(deps: {
  db: Db;
  /** Plain SQL for the attempt's hot statements (hot-path.repo.ts). */
  sql: Pick<Sql, 'prepared' | 'textArray'>;
  cipher: Cipher;
  clock: Clock;
  log: Logger;
  http: SafeHttp;
  policy: OutboundPolicy;
  limiter: Pick<RateLimiter, 'reserve'>;
  installations: Pick<InstallationsService, 'allSettings' | 'settingsOf'>;
  events: {
    seenCustomTypes(workspaceId: string): Promise<{ sourceId: string; eventType: string }[]>;
    recent(workspaceId: string, limit: number): Promise<ProcessedEvent[]>;
  };
  /** After committing jobs, with their pool (`outbound` for attempts). */
  wake: (pool?: JobPool) => void;
  config: DeliveryConfig;
  random?: () => number;
}) {
  const endpoints = createEndpointsRepo(deps.db);
  const messages = createMessagesRepo(deps.db);
  const service = createDeliveryService({
    db: deps.db,
    endpoints,
    messages,
    hot: createHotPathRepo(deps.sql),
    cipher: deps.cipher,
    clock: deps.clock,
    http: deps.http,
    policy: deps.policy,
    limiter: deps.limiter,
    events: deps.events,
    log: deps.log,
    wake: deps.wake,
    config: deps.config,
    scheduleOf: createWorkspaceSchedules({
      settingsOf: (ws) => deps.installations.settingsOf(ws),
      clock: deps.clock,
      fallback: deps.config.schedule,
    }),
    randomBytes,
    ...(deps.random !== undefined ? { random: deps.random } : {}),
  });

  const jobs: JobBinding[] = [
    // All the attempt jobs of one claim at once: a few statements for all of them (runAttempts), their
    // messages read in the claim's own statement.
    bindBatchJob(deliveryAttemptJob, (items) => service.runAttempts(items), attemptClaimRead),
    bindJob(deliveryRecoverJob, (payload) => service.runRecover(payload)),
  ];
  const periodic: PeriodicTask[] = [
    {
      job: deliveryRetentionJob,
      run: async (ctx) => {
        // The workspace's log retention setting covers outbound messages and attempts too.
        const endpointIds = await endpoints.idsByWorkspace();
        const retention = (await deps.installations.allSettings()).map((w) => ({
          workspaceId: w.workspaceId,
          days: w.settings.webhooks.logRetentionDays,
          endpointIds: endpointIds.get(w.workspaceId) ?? [],
        }));
        const removed = await messages.pruneExpired(retention, deps.clock.now());
        ctx.log.info({ removed }, 'outbound deliveries pruned');
      },
    },
  ];
  const purger: WorkspacePurger = {
    name: 'delivery',
    purge: (workspaceId, before, tx) => endpoints.purgeWorkspace(workspaceId, before, tx),
  };
  return {
    service,
    processor: service.processor,
    jobs,
    periodic,
    purgers: [purger],
    repos: { endpoints, messages },
  };
}
export type DeliveryModule = ReturnType<typeof createDeliveryModule>;
