import type { Logger } from 'pino';
import { type JobBinding, type PeriodicTask, bindJob } from '../../jobs/bindings.js';
import type { JobRecords } from '../../jobs/job-records.js';
import type { Clock } from '../../platform/clock.js';
import type { Cipher } from '../../platform/crypto.js';
import { createTtlCache } from '../../platform/ttl-cache.js';
import type { Db, Sql } from '../../store/database.js';
import type { ClockifyClaims, ClockifyTokenVerifier } from '../auth/clockify-token.js';
import type { InstallationsService } from '../installations/installations.service.js';
import type { WorkspacePurger } from '../installations/workspace-lifecycle.js';
import type { EventProcessor } from './event-processors.js';
import { createEventsRepo } from './events.repo.js';
import { createEventsService } from './events.service.js';
import { createIngestBatcher } from './ingest-batcher.js';
import { createIngestService } from './ingest.service.js';
import { eventProcessJob, webhookRetentionJob, webhookStatsFoldJob } from './ingestion.jobs.js';
import { createSourcesRepo } from './sources.repo.js';
import { type RuntimeSource, createSourcesService } from './sources.service.js';

export type IngestionConfig = {
  publicBaseUrl: string;
  batchWindowMs: number;
  batchMax: number;
  batchesInFlight: number;
};

/**
 * Inbound webhooks (docs/ingestion.md): owner of `webhook_source`, `webhook_event`, `webhook_rejection`,
 * `webhook_source_stats` and `webhook_source_stats_delta`. Returns its services, and its jobs, periodic
 * tasks and purger as data for the composition root.
 */
export function createIngestionModule(deps: {
  db: Db;
  /** Plain SQL on the same database, for the hot insert. */
  sql: Pick<Sql, 'query' | 'prepared' | 'textArray' | 'byteaArray'>;
  cipher: Cipher;
  clock: Clock;
  log: Logger;
  verifier: ClockifyTokenVerifier;
  installations: Pick<
    InstallationsService,
    'requireInstalled' | 'webhookAuth' | 'liveWorkspacesSql' | 'allSettings'
  >;
  jobs: Pick<JobRecords, 'byIds'>;
  /** Every feature's reaction to an accepted event, run by event.process in this order. */
  processors: readonly EventProcessor[];
  config: IngestionConfig;
  /** Called after a batch committed jobs, so processing starts at once instead of at the next poll. */
  wake: () => void;
}) {
  const { db, clock } = deps;
  const events = createEventsRepo(db, deps.sql, { liveWorkspaces: deps.installations.liveWorkspacesSql });
  const sourcesRepo = createSourcesRepo(db, deps.sql, {
    liveWorkspaces: deps.installations.liveWorkspacesSql,
  });

  // Short TTLs bound how long another instance's change can go unnoticed; this instance evicts on change.
  // The insert re-checks installation and source state in SQL, so a stale entry never stores for a
  // deleted workspace or a disabled source.
  const caches = {
    sources: createTtlCache<RuntimeSource | null>({ max: 10_000, ttlMs: 2_000 }),
    tokens: createTtlCache<ClockifyClaims>({ max: 10_000, ttlMs: 24 * 3_600_000 }),
  };
  const batcher = createIngestBatcher({
    write: (batch) => events.insertBatch(batch, eventProcessJob),
    windowMs: deps.config.batchWindowMs,
    maxBatch: deps.config.batchMax,
    maxInFlight: deps.config.batchesInFlight,
    log: deps.log,
    onCommitted: (outcomes) => {
      if (outcomes.some((o) => o.kind === 'accepted' && o.jobId !== null)) deps.wake();
    },
  });
  const sources = createSourcesService({
    repo: sourcesRepo,
    installations: deps.installations,
    cipher: deps.cipher,
    clock,
    publicBaseUrl: deps.config.publicBaseUrl,
    cache: caches.sources,
  });
  const ingest = createIngestService({
    installations: deps.installations,
    events,
    batcher,
    verifier: deps.verifier,
    clock,
    sources,
    caches,
  });
  const eventsService = createEventsService({
    repo: events,
    jobs: deps.jobs,
    sources: sourcesRepo,
    clock,
    processors: deps.processors,
  });

  const jobs: JobBinding[] = [
    bindJob(eventProcessJob, (payload, ctx) => eventsService.process(payload, ctx)),
  ];
  const periodic: PeriodicTask[] = [
    {
      job: webhookRetentionJob,
      run: async (ctx) => {
        const retention = (await deps.installations.allSettings()).map((w) => ({
          workspaceId: w.workspaceId,
          days: w.settings.webhooks.logRetentionDays,
        }));
        const removed = await events.pruneExpired(retention, clock.now());
        ctx.log.info({ removed }, 'webhook retention pruned');
      },
    },
    {
      job: webhookStatsFoldJob,
      run: async (ctx) => {
        const folded = await events.foldStats();
        if (folded > 0) ctx.log.debug({ folded }, 'webhook stats folded');
      },
    },
  ];
  const purger: WorkspacePurger = {
    name: 'ingestion',
    purge: (workspaceId, before, tx) => events.purgeWorkspace(workspaceId, before, tx),
  };

  return {
    ingest,
    sources,
    events: eventsService,
    /** The group-commit batcher (benchmarks flush it) and the events repo (tests drive it directly). */
    batcher,
    eventsRepo: events,
    jobs,
    periodic,
    purgers: [purger],
  };
}
export type IngestionModule = ReturnType<typeof createIngestionModule>;
