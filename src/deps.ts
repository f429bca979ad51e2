import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import type { AppDeps } from './app.js';
import type { Config } from './config/env.js';
import { loadCatalogue } from './integrations/clockify/catalogue.js';
import { createClockifyClient } from './integrations/clockify/clockify.client.js';
import { jobsPruneJob, pruneCutoffs } from './jobs/housekeeping.js';
import { periodicHandler, schedulePeriodic } from './jobs/periodic.js';
import { pruneFinished } from './jobs/queue.js';
import { JobRegistry, type Runner, createRunner } from './jobs/runner.js';
import { createAdminAuthService } from './modules/auth/admin-auth.service.js';
import { createApiKeysRepo } from './modules/auth/api-keys.repo.js';
import { createClockifyTokenVerifier } from './modules/auth/clockify-token.js';
import {
  bootstrapOperationJob,
  bootstrapRunJob,
  cacheRefreshJob,
} from './modules/bootstrap/bootstrap.jobs.js';
import { createBootstrapRepo } from './modules/bootstrap/bootstrap.repo.js';
import { createBootstrapService } from './modules/bootstrap/bootstrap.service.js';
import { createCacheEventProcessor } from './modules/cache/cache.processor.js';
import { createCacheRepo } from './modules/cache/cache.repo.js';
import { createCacheService } from './modules/cache/cache.service.js';
import type { EventProcessor } from './modules/ingestion/event-processors.js';
import { installationSetupJob, workspacePurgeJob } from './modules/installations/installation.jobs.js';
import { createInstallationsRepo } from './modules/installations/installations.repo.js';
import {
  type WorkspacePurger,
  createInstallationsService,
} from './modules/installations/installations.service.js';
import { createIngestion } from './modules/ingestion/ingestion.module.js';
import type { InstalledHook } from './modules/installations/installations.service.js';
import { type Clock, systemClock } from './platform/clock.js';
import { createRateLimiter } from './rate-limit/rate-limiter.js';
import type { Tx } from './store/tx.js';
import { createCipher } from './platform/crypto.js';
import { loggerOptions } from './platform/logger.js';
import { type Database, openDatabase } from './store/database.js';
import { migrate, pendingMigrations } from './store/migrate.js';

export type Deps = AppDeps & {
  db: Database;
  log: Logger;
  registry: JobRegistry;
  runner: Runner;
  /**
   * Every feature's reaction to an accepted inbound event; the ingestion pipeline hands each event to
   * each processor (in a job). Features add theirs here.
   */
  eventProcessors: EventProcessor[];
  /** Stops the runner (draining in-flight jobs) and closes the database. */
  close(): Promise<void>;
};

export type DepsOverrides = { clock?: Clock; logger?: Logger; database?: Database };

/** The composition root: the one place that creates things. Tests call it with overrides. */
export async function createDeps(config: Config, overrides: DepsOverrides = {}): Promise<Deps> {
  const log = overrides.logger ?? pino(loggerOptions(config.logLevel));
  const clock = overrides.clock ?? systemClock;
  const db = overrides.database ?? (await openDatabase(config.database));
  try {
    const applied = await migrate(db.sql);
    if (applied.length > 0) log.info({ applied }, 'migrations applied');

    const cipher = createCipher(config.encryptionKey ?? loadOrCreateKey(config.dataDir, log));
    const verifier = await createClockifyTokenVerifier({
      publicKeyPem: config.clockifyPublicKeyPem,
      addonKey: config.addon.key,
    });
    const installationsRepo = createInstallationsRepo(db.prisma);
    const catalogue = await loadCatalogue();
    // All Clockify calls of this process go through one client, paced by the limiter shared in PostgreSQL.
    // 30 ms of jitter budget per second (3 % of the rate) with late wake-ups re-queued: measured at
    // Clockify's side, no sliding second exceeds the rate even when the event loop stalls (docs/bootstrap.md).
    const limiter = createRateLimiter({ db: db.prisma, toleranceUs: 30_000, maxLatenessMs: 15 });
    const clockify = createClockifyClient({ catalogue, limiter });
    const cacheRepo = createCacheRepo(db.prisma);
    const bootstrapRepo = createBootstrapRepo(db.prisma);

    // Each feature's leftover rows go when a workspace is deleted; features add their purgers here.
    const purgers: WorkspacePurger[] = [
      async (workspaceId, before, tx) =>
        (
          await tx.job.deleteMany({
            where: { workspaceId, createdAt: { lt: before }, status: { not: 'running' } },
          })
        ).count,
      async (workspaceId, before, tx) =>
        (await bootstrapRepo.purge(workspaceId, before, tx)) + (await cacheRepo.purge(workspaceId, tx)),
    ];
    const onInstalled: InstalledHook[] = [
      // Runs inside installation.setup: a (re)install starts a bootstrap unless one is already running.
      async (workspaceId, ctx) => {
        const runId = await bootstrap.triggerIfIdle(workspaceId, 'installed');
        ctx.log.info({ workspaceId, runId }, 'bootstrap after install');
      },
    ];
    const onDeleting: ((workspaceId: string, tx: Tx) => Promise<void>)[] = [];
    const installations = createInstallationsService({
      db: db.prisma,
      repo: installationsRepo,
      cipher,
      clock,
      purgers,
      onInstalled,
      onDeleting,
    });
    const bootstrap = createBootstrapService({
      db: db.prisma,
      repo: bootstrapRepo,
      cache: cacheRepo,
      installations,
      catalogue,
      client: clockify,
      clock,
      wake: () => runner.poke(),
    });
    const cache = createCacheService({ repo: cacheRepo, installations });
    const eventProcessors: EventProcessor[] = [createCacheEventProcessor({ cache: cacheRepo, clock })];
    const adminAuth = createAdminAuthService({
      verifier,
      installations: installationsRepo,
      apiKeys: createApiKeysRepo(db.prisma),
      clock,
    });

    // Ingestion (docs/ingestion.md): inbound webhooks. The Clockify client is created on first use.
    const runnerRef: { current?: Runner } = {};
    const ingestion = createIngestion({
      db: db.prisma,
      sql: db.sql,
      cipher,
      clock,
      log: log.child({ component: 'ingestion' }),
      verifier,
      installations,
      clockify,
      config: { publicBaseUrl: config.publicBaseUrl, ...config.ingestion },
      onJobsEnqueued: () => runnerRef.current?.poke(),
    });
    onInstalled.push(ingestion.onInstalled);
    ingestion.processors.push(...eventProcessors);
    onDeleting.push(ingestion.onDeleting);
    purgers.push(ingestion.purger);

    const registry = new JobRegistry()
      .register(installationSetupJob, ({ workspaceId }, ctx) => installations.runSetup(workspaceId, ctx))
      .register(workspacePurgeJob, async ({ workspaceId, deletedAt }, ctx) => {
        const r = await installations.purge(workspaceId, new Date(deletedAt));
        ctx.log.info(r, 'workspace purged');
      })
      .register(bootstrapRunJob, ({ runId }, ctx) => bootstrap.runJob(runId, ctx))
      .register(bootstrapOperationJob, (payload, ctx) => bootstrap.operationJob(payload, ctx))
      .register(cacheRefreshJob, ({ workspaceId }, ctx) => bootstrap.refreshJob(workspaceId, ctx))
      .register(
        jobsPruneJob,
        periodicHandler(db.prisma, jobsPruneJob, async (ctx) => {
          const removed = await pruneFinished(db.prisma, pruneCutoffs(clock.now(), config.worker.retention));
          ctx.log.info({ removed }, 'finished jobs pruned');
        }),
      );
    ingestion.registerJobs(registry);
    const jobRunner = createRunner({
      sql: db.sql,
      registry,
      log: log.child({ component: 'jobs' }),
      clock,
      concurrency: config.worker.concurrency,
      pollIntervalMs: config.worker.pollIntervalMs,
    });
    // Starting the workers also makes sure the periodic jobs (retention, stats fold, job pruning) are
    // scheduled, one per slot.
    const runner: Runner = {
      ...jobRunner,
      workerId: jobRunner.workerId,
      start() {
        jobRunner.start();
        const now = clock.now();
        Promise.all([
          ingestion.schedulePeriodicJobs(now),
          schedulePeriodic(db.prisma, jobsPruneJob, now),
        ]).catch((err: unknown) => log.error({ err }, 'could not schedule periodic jobs'));
      },
    };
    runnerRef.current = runner;

    const readiness = async () => {
      try {
        const pending = await pendingMigrations(db.sql);
        return pending.length === 0
          ? ({ ok: true } as const)
          : ({ ok: false, reason: `pending migrations: ${pending.join(', ')}` } as const);
      } catch {
        return { ok: false, reason: 'database unreachable' } as const;
      }
    };

    return {
      config,
      logger: log,
      log,
      clock,
      db,
      readiness,
      verifier,
      installations,
      adminAuth,
      bootstrap,
      cache,
      eventProcessors,
      ingestion,
      registry,
      runner,
      async close() {
        await runner.stop(config.shutdownTimeoutMs);
        await clockify.close();
        if (overrides.database === undefined) await db.close();
      },
    };
  } catch (err) {
    if (overrides.database === undefined) await db.close().catch(() => undefined);
    throw err;
  }
}

/**
 * For the embedded default only: a random key generated once into the data dir (mode 0600).
 * Losing this file makes stored tokens unreadable, so it is never regenerated over an existing one.
 */
function loadOrCreateKey(dataDir: string, log: Logger): Buffer {
  const file = join(dataDir, 'encryption.key');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  try {
    writeFileSync(file, randomBytes(32).toString('base64') + '\n', { flag: 'wx', mode: 0o600 });
    log.warn({ file }, 'generated a new encryption key; back it up, or set ENCRYPTION_KEY');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte base64 key`);
  return key;
}
