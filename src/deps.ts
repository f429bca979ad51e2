import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import type { AppDeps } from './app.js';
import type { Config } from './config/env.js';
import { loadCatalogue } from './integrations/clockify/catalogue.js';
import { type ClientLimiter, createClockifyClient } from './integrations/clockify/clockify.client.js';
import { type JobBinding, type PeriodicTask, bindJob } from './jobs/bindings.js';
import type { JobPool } from './jobs/catalog.js';
import { createJobRecords } from './jobs/job-records.js';
import { jobsPruneJob, pruneCutoffs } from './jobs/housekeeping.js';
import { periodicHandler, schedulePeriodic as schedulePeriodicJob } from './jobs/periodic.js';
import { pruneFinished } from './jobs/queue.js';
import { JobRegistry, type Runner, combineRunners, createRunner } from './jobs/runner.js';
import { createWakeSignal } from './jobs/wake.js';
import { createAdminAuth, createApiKeys } from './modules/auth/auth.module.js';
import { createClockifyTokenVerifier } from './modules/auth/clockify-token.js';
import { type BootstrapModule, createBootstrapModule } from './modules/bootstrap/bootstrap.module.js';
import { type CacheModule, createCacheModule } from './modules/cache/cache.module.js';
import { type ExplorerModule, createExplorerModule } from './modules/explorer/explorer.module.js';
import { type DeliveryModule, createDeliveryModule } from './modules/delivery/delivery.module.js';
import type { EventProcessor } from './modules/ingestion/event-processors.js';
import { createInputValidator } from './modules/explorer/validate-input.js';
import { explorerRequestValidator } from './modules/flows/dry-run.js';
import { type FlowsModule, createFlowsModule } from './modules/flows/flows.module.js';
import { type IngestionModule, createIngestionModule } from './modules/ingestion/ingestion.module.js';
import { installationSetupJob, workspacePurgeJob } from './modules/installations/installation.jobs.js';
import {
  type InstallationsModule,
  createInstallationsModule,
} from './modules/installations/installations.module.js';
import type { SetupStep, WorkspacePurger } from './modules/installations/workspace-lifecycle.js';
import { type Clock, systemClock } from './platform/clock.js';
import { createCipher } from './platform/crypto.js';
import { loggerOptions } from './platform/logger.js';
import { createSafeHttp } from './platform/safe-http/index.js';
import { createRateLimiter } from './rate-limit/rate-limiter.js';
import { forgetRateLimitKey } from './rate-limit/slots.js';
import { type Database, openDatabase } from './store/database.js';
import { verifyEncryptionKey } from './store/key-check.js';
import { selfMaintenanceNeeded, startSelfMaintenance } from './store/maintenance.js';
import { migrate, pendingMigrations } from './store/migrate.js';

export type Deps = AppDeps & {
  /** The modules as their factories returned them (tests and benchmarks reach inside). */
  modules: {
    installations: InstallationsModule;
    cache: CacheModule;
    bootstrap: BootstrapModule;
    ingestion: IngestionModule;
    explorer: ExplorerModule;
    delivery: DeliveryModule;
    flows: FlowsModule;
  };
  db: Database;
  log: Logger;
  registry: JobRegistry;
  runner: Runner;
  /** Every feature's reaction to an accepted inbound event, in order (event.process hands each event to each). */
  processors: EventProcessor[];
  /** Starts the workers and schedules the periodic jobs' current slots (one job per slot across instances). */
  startWorkers(): void;
  /** Enqueues each periodic job's run for the slot `at` falls in; every instance may call it (one job per slot). */
  schedulePeriodic(at: Date): Promise<void>;
  /** Stops the runner (draining in-flight jobs) and closes the database. */
  close(): Promise<void>;
};

export type DepsOverrides = {
  clock?: Clock;
  logger?: Logger;
  database?: Database;
  /** bench/flows.bench.ts only: the limiter of the flows' Clockify client (to measure the engine, not the 50/s cap). */
  flowsClockifyLimiter?: ClientLimiter;
};

/**
 * The composition root: the one place that creates things. Each module's factory returns its services and,
 * as data, its jobs, periodic tasks, set-up steps and purgers; this function registers them. Tests call it
 * with overrides.
 */
export async function createDeps(config: Config, overrides: DepsOverrides = {}): Promise<Deps> {
  const log = overrides.logger ?? pino(loggerOptions(config.logLevel));
  const clock = overrides.clock ?? systemClock;
  const db = overrides.database ?? (await openDatabase(config.database));
  try {
    const applied = await migrate(db.sql);
    if (applied.length > 0) log.info({ applied }, 'migrations applied');

    // Shared infrastructure.
    const cipher = createCipher(config.encryptionKey ?? loadOrCreateKey(config.dataDir, log));
    await verifyEncryptionKey(
      db.sql,
      cipher,
      config.encryptionKey !== null ? 'ENCRYPTION_KEY' : join(config.dataDir, 'encryption.key'),
    );
    const wake = createWakeSignal();
    // Jobs the modules enqueue run in the default pool; the delivery module names the pool itself.
    const wakeDefault = () => wake.poke('default');
    const jobRecords = createJobRecords(db.prisma);
    const catalogue = await loadCatalogue();
    // All Clockify calls of this process go through one client, paced by the limiter shared in PostgreSQL.
    // 30 ms of jitter budget per second (3 % of the rate) with late wake-ups re-queued: measured at
    // Clockify's side, no sliding second exceeds the rate even when the event loop stalls (docs/bootstrap.md).
    const limiter = createRateLimiter({ db: db.prisma, toleranceUs: 30_000, maxLatenessMs: 15 });
    const clockify = createClockifyClient({ catalogue, limiter });
    const verifier = await createClockifyTokenVerifier({
      publicKeyPem: config.clockifyPublicKeyPem,
      addonKey: config.addon.key,
    });

    // Modules, each created once its dependencies exist (arrows point one way).
    const apiKeys = createApiKeys({ db: db.prisma });
    const installations = createInstallationsModule({
      db: db.prisma,
      cipher,
      clock,
      clockify,
      jobs: jobRecords,
      deletionSteps: apiKeys.deletionSteps,
      config: { publicBaseUrl: config.publicBaseUrl, ...config.ingestion },
    });
    const cache = createCacheModule({ db: db.prisma, clock, installations: installations.service });
    const bootstrap = createBootstrapModule({
      db: db.prisma,
      clock,
      installations: installations.service,
      cache: cache.service,
      catalogue,
      client: clockify,
      wake: wakeDefault,
    });
    // Flows run their actions' retries as job retries, so their Clockify client makes one attempt per call
    // (the limiter, shared in PostgreSQL, still paces every call); HTTP actions go through the SSRF guard.
    const flowsClockify = createClockifyClient({
      catalogue,
      limiter: overrides.flowsClockifyLimiter ?? limiter,
      options: { retry: { maxAttempts: 1 } },
    });
    const safeHttp = createSafeHttp(config.outbound);
    const inputValidator = createInputValidator();
    const processors: EventProcessor[] = [cache.processor];
    const ingestion = createIngestionModule({
      db: db.prisma,
      sql: db.sql,
      cipher,
      clock,
      log: log.child({ component: 'ingestion' }),
      verifier,
      installations: installations.service,
      jobs: jobRecords,
      processors,
      config: { publicBaseUrl: config.publicBaseUrl, ...config.ingestion },
      wake: wakeDefault,
    });
    const explorer = createExplorerModule({
      db: db.prisma,
      clock,
      catalogue,
      installations: installations.service,
      client: clockify,
      apiKeyName: async (workspaceId, keyId) =>
        (await apiKeys.repo.list(workspaceId)).find((k) => k.id === keyId)?.name ?? null,
    });
    const delivery = createDeliveryModule({
      db: db.prisma,
      sql: db.sql,
      cipher,
      clock,
      log: log.child({ component: 'delivery' }),
      http: safeHttp,
      policy: config.outbound,
      // Endpoints' own rate limits, keyed `endpoint:<id>` in the shared limiter table.
      limiter: createRateLimiter({ db: db.prisma }),
      installations: installations.service,
      events: ingestion.events,
      wake: wake.poke,
      config: config.delivery,
    });
    const flows = createFlowsModule({
      db: db.prisma,
      sql: db.sql,
      clock,
      log: log.child({ component: 'flows' }),
      catalogue,
      clockify: flowsClockify,
      safeHttp,
      installations: installations.service,
      sources: ingestion.sources,
      events: ingestion.events,
      cache: cache.service,
      outbound: config.outbound,
      config: config.flows,
      wake: wakeDefault,
      webhookSender: delivery.service,
      onExecutionFailed: async (e) => {
        await delivery.service.emitGatewayEvent(
          e.workspaceId,
          'flow.execution.failed',
          { flowId: e.flowId, executionId: e.executionId, eventId: e.eventId, error: e.error },
          { idempotencyKey: e.executionId },
        );
      },
      requestValidator: (ws) => explorerRequestValidator(catalogue, inputValidator, ws),
    });
    // After the cache, so a flow's `cache.*` templates see what this very event changed.
    processors.push(flows.processor, delivery.processor);
    const adminAuth = createAdminAuth({
      keys: apiKeys,
      clock,
      verifier,
      installations: installations.service,
    });

    // What the modules hand over as data. Set-up runs in this order after INSTALLED; purgers after DELETED.
    const setupSteps: SetupStep[] = [...bootstrap.setupSteps, ...installations.setupSteps];
    const purgers: WorkspacePurger[] = [
      { name: 'jobs', purge: (ws, before, tx) => jobRecords.purgeWorkspace(ws, before, tx) },
      { name: 'rate-limit', purge: (ws, _before, tx) => forgetRateLimitKey(ws, tx) },
      ...bootstrap.purgers,
      ...cache.purgers,
      ...ingestion.purgers,
      ...explorer.purgers,
      ...delivery.purgers,
      ...flows.purgers,
    ];
    const periodic: PeriodicTask[] = [
      ...ingestion.periodic,
      ...explorer.periodic,
      ...delivery.periodic,
      ...flows.periodic,
      {
        job: jobsPruneJob,
        run: async (ctx) => {
          const removed = await pruneFinished(db.prisma, pruneCutoffs(clock.now(), config.worker.retention));
          ctx.log.info({ removed }, 'finished jobs pruned');
        },
      },
    ];
    const jobs: JobBinding[] = [
      ...installations.jobs,
      ...bootstrap.jobs,
      ...ingestion.jobs,
      ...delivery.jobs,
      ...flows.jobs,
      // A workspace's set-up and purge span every module, so they are wired here from the lists above.
      bindJob(installationSetupJob, ({ workspaceId }, ctx) =>
        installations.service.runSetup(workspaceId, setupSteps, ctx),
      ),
      bindJob(workspacePurgeJob, async ({ workspaceId, deletedAt }, ctx) => {
        const r = await installations.service.purge(workspaceId, new Date(deletedAt), purgers);
        ctx.log.info(r, 'workspace purged');
      }),
      ...periodic.map((t) => bindJob(t.job, periodicHandler(db.prisma, t.job, t.run))),
    ];
    const registry = new JobRegistry();
    for (const j of jobs) registry.register(j.def, j.handler, j.read);

    // One runner per pool, each with its own slots (docs/jobs.md): outbound delivery attempts wait on
    // receivers, and must never hold the slots every other job needs.
    const runnerOf = (pool: JobPool, concurrency: number) =>
      createRunner({
        sql: db.sql,
        registry,
        log: log.child({ component: 'jobs', pool }),
        clock,
        concurrency,
        pollIntervalMs: config.worker.pollIntervalMs,
        pool,
      });
    const pools: Record<JobPool, Runner> = {
      default: runnerOf('default', config.worker.concurrency),
      outbound: runnerOf('outbound', config.worker.outboundConcurrency),
    };
    const runner = combineRunners(Object.values(pools));
    wake.subscribe((pool) => (pool === undefined ? runner.poke() : pools[pool].poke()));

    // VACUUM/ANALYZE by the gateway where nothing else does it (store/maintenance.ts), with the workers.
    const maintainTables = await selfMaintenanceNeeded(db, config.databaseMaintenance.mode).catch(
      () => false,
    );
    let maintenance: { stop(): Promise<void> } | undefined;

    async function schedulePeriodic(at: Date): Promise<void> {
      for (const t of periodic) await schedulePeriodicJob(db.prisma, t.job, at);
    }

    const readiness = async () => {
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), config.readinessTimeoutMs);
      });
      try {
        const pending = await Promise.race([pendingMigrations(db.sql), limit]);
        if (pending === 'timeout')
          return {
            ok: false,
            reason: `database did not answer within ${config.readinessTimeoutMs} ms`,
          } as const;
        return pending.length === 0
          ? ({ ok: true } as const)
          : ({ ok: false, reason: `pending migrations: ${pending.join(', ')}` } as const);
      } catch {
        return { ok: false, reason: 'database unreachable' } as const;
      } finally {
        clearTimeout(timer);
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
      installations: installations.service,
      adminAuth,
      bootstrap: bootstrap.service,
      cache: cache.service,
      ingestion,
      explorer: explorer.service,
      delivery: delivery.service,
      flows,
      processors,
      registry,
      runner,
      modules: { installations, cache, bootstrap, ingestion, explorer, delivery, flows },
      schedulePeriodic,
      startWorkers() {
        runner.start();
        if (maintainTables && maintenance === undefined)
          maintenance = startSelfMaintenance({
            db,
            log: log.child({ component: 'db-maintenance' }),
            intervalMs: config.databaseMaintenance.intervalMs,
          });
        schedulePeriodic(clock.now()).catch((err: unknown) =>
          log.error({ err }, 'could not schedule periodic jobs'),
        );
      },
      async close() {
        await runner.stop(config.shutdownTimeoutMs);
        await maintenance?.stop();
        await clockify.close();
        await flowsClockify.close();
        await safeHttp.close();
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
