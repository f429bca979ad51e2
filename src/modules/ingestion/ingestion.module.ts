import type { Logger } from 'pino';
import type { PrismaClient } from '../../generated/prisma/client.js';
import { periodicHandler, schedulePeriodic } from '../../jobs/periodic.js';
import { enqueue } from '../../jobs/queue.js';
import type { JobContext, JobRegistry } from '../../jobs/runner.js';
import type { Clock } from '../../platform/clock.js';
import type { Cipher } from '../../platform/crypto.js';
import type { Sql } from '../../store/database.js';
import type { Tx } from '../../store/tx.js';
import type { ClockifyClaims, ClockifyTokenVerifier } from '../auth/clockify-token.js';
import type {
  InstalledHook,
  InstallationsService,
  WorkspacePurger,
} from '../installations/installations.service.js';
import { planClockifyWebhooks } from './clockify-events.js';
import type { EventProcessor } from './event-processors.js';
import { createEventsRepo } from './events.repo.js';
import { createEventsService } from './events.service.js';
import { createIngestBatcher } from './ingest-batcher.js';
import { createIngestService } from './ingest.service.js';
import {
  clockifyWebhooksDeregisterJob,
  eventProcessJob,
  webhookRetentionJob,
  webhookStatsFoldJob,
} from './ingestion.jobs.js';
import { createSourcesRepo } from './sources.repo.js';
import { type RuntimeSource, createSourcesService } from './sources.service.js';
import { createTtlCache } from './ttl-cache.js';
import { type ClockifyCaller, createWebhookRegistrar } from './webhook-registration.js';

export type IngestionConfig = {
  publicBaseUrl: string;
  manifestEvents: readonly string[];
  registerEvents: 'rest' | 'none' | readonly string[];
  batchWindowMs: number;
  batchMax: number;
  batchesInFlight: number;
};

type Deps = {
  db: PrismaClient;
  /** Plain SQL on the same database, for the hot insert. */
  sql: Pick<Sql, 'query' | 'prepared' | 'textArray' | 'byteaArray'>;
  cipher: Cipher;
  clock: Clock;
  log: Logger;
  verifier: ClockifyTokenVerifier;
  installations: InstallationsService;
  clockify: ClockifyCaller;
  config: IngestionConfig;
  /** Woken after a batch committed jobs, so processing starts at once instead of at the next poll. */
  onJobsEnqueued?: () => void;
};

/**
 * The ingestion feature's own composition: repos, caches, the group-commit batcher, services, and the
 * pieces deps.ts attaches to shared lists (jobs, install hook, purger, DELETED hook).
 */
export function createIngestion(deps: Deps) {
  const { db, clock } = deps;
  const events = createEventsRepo(db, deps.sql);
  const sourcesRepo = createSourcesRepo(db, deps.sql);
  const processors: EventProcessor[] = [];

  // Short TTLs bound how long another instance's change can go unnoticed; this instance evicts on change.
  // The insert re-checks installation and source state in SQL, so a stale entry never stores for a
  // deleted workspace or a disabled source.
  const caches = {
    sources: createTtlCache<RuntimeSource | null>({ max: 10_000, ttlMs: 2_000 }),
    tokens: createTtlCache<ClockifyClaims>({ max: 10_000, ttlMs: 24 * 3_600_000 }),
    workspaces: createTtlCache<{ live: boolean; hashes: Map<string, Set<string>> }>({
      max: 10_000,
      ttlMs: 2_000,
    }),
  };
  const batcher = createIngestBatcher({
    write: (batch) => events.insertBatch(batch, eventProcessJob),
    windowMs: deps.config.batchWindowMs,
    maxBatch: deps.config.batchMax,
    maxInFlight: deps.config.batchesInFlight,
    log: deps.log,
    onCommitted: (outcomes) => {
      if (outcomes.some((o) => o.kind === 'accepted' && o.jobId !== null)) deps.onJobsEnqueued?.();
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
    db,
    events,
    batcher,
    verifier: deps.verifier,
    clock,
    sources,
    caches,
  });
  const eventsService = createEventsService({ repo: events, sources: sourcesRepo, clock, processors });
  const plan = planClockifyWebhooks(deps.config.manifestEvents, deps.config.registerEvents);
  const registrar = createWebhookRegistrar({
    db,
    clockify: deps.clockify,
    installations: deps.installations,
    publicBaseUrl: deps.config.publicBaseUrl,
    events: plan.register,
  });

  const onInstalled: InstalledHook = async (workspaceId, ctx) => {
    caches.workspaces.delete(workspaceId);
    await registrar.register(workspaceId, ctx);
    caches.workspaces.delete(workspaceId);
  };

  const purger: WorkspacePurger = (workspaceId, before, tx) => events.purgeWorkspace(workspaceId, before, tx);

  /** Inside the DELETED transaction, before the credentials go: schedule removing our API-made webhooks. */
  async function onDeleting(workspaceId: string, tx: Tx): Promise<void> {
    caches.workspaces.delete(workspaceId);
    const inst = await tx.installation.findUnique({
      where: { workspaceId },
      select: { apiUrl: true, tokenEncrypted: true },
    });
    const hooks = await tx.clockifyWebhookToken.findMany({
      where: { workspaceId, clockifyWebhookId: { not: null } },
      select: { clockifyWebhookId: true },
    });
    if (inst?.tokenEncrypted == null || hooks.length === 0) return;
    await enqueue(
      tx,
      clockifyWebhooksDeregisterJob,
      {
        workspaceId,
        apiUrl: inst.apiUrl,
        webhookIds: hooks.map((h) => h.clockifyWebhookId!),
        tokenEncrypted: inst.tokenEncrypted,
      },
      { workspaceId },
    );
  }

  async function retention(ctx: JobContext): Promise<void> {
    const removed = await events.pruneExpired(clock.now());
    ctx.log.info({ removed }, 'webhook retention pruned');
  }

  async function foldStats(ctx: JobContext): Promise<void> {
    const folded = await events.foldStats();
    if (folded > 0) ctx.log.debug({ folded }, 'webhook stats folded');
  }

  /** Enqueues the retention run of the slot `at` falls in (default: the next one); one job however many call it. */
  async function scheduleRetention(
    at: Date = new Date(clock.now().getTime() + webhookRetentionJob.intervalMs),
  ): Promise<void> {
    await schedulePeriodic(db, webhookRetentionJob, at);
  }

  /** Starting the workers calls this: the periodic jobs' current slots (each one job across instances). */
  async function schedulePeriodicJobs(now: Date): Promise<void> {
    await schedulePeriodic(db, webhookRetentionJob, now);
    await schedulePeriodic(db, webhookStatsFoldJob, now);
  }

  function registerJobs(registry: JobRegistry): void {
    registry
      .register(eventProcessJob, (payload, ctx) => eventsService.process(payload, ctx))
      .register(webhookRetentionJob, periodicHandler(db, webhookRetentionJob, retention))
      .register(webhookStatsFoldJob, periodicHandler(db, webhookStatsFoldJob, foldStats))
      .register(clockifyWebhooksDeregisterJob, async (p, ctx) => {
        if (p.tokenEncrypted === undefined) return;
        const deleted = await registrar.deregister(
          {
            workspaceId: p.workspaceId,
            apiUrl: p.apiUrl,
            token: deps.cipher.decrypt(p.tokenEncrypted),
            webhookIds: p.webhookIds,
          },
          ctx,
        );
        // The credential has served its purpose: scrub it from the job row.
        await db.$executeRaw`UPDATE job SET payload = payload - 'tokenEncrypted' WHERE id = ${ctx.jobId}`;
        ctx.log.info({ deleted, of: p.webhookIds.length }, 'clockify webhooks deregistered');
      });
  }

  return {
    ingest,
    sources,
    events: eventsService,
    eventsRepo: events,
    batcher,
    registrar,
    /** Features add processors here (flows, cache refresh); each accepted event goes to all of them. */
    processors,
    manifestEvents: plan.manifest,
    onInstalled,
    onDeleting,
    purger,
    registerJobs,
    scheduleRetention,
    schedulePeriodicJobs,
    caches,
  };
}
export type Ingestion = ReturnType<typeof createIngestion>;
