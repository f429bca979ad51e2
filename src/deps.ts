import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import type { AppDeps } from './app.js';
import type { Config } from './config/env.js';
import { JobRegistry, type Runner, createRunner } from './jobs/runner.js';
import { createAdminAuthService } from './modules/auth/admin-auth.service.js';
import { createApiKeysRepo } from './modules/auth/api-keys.repo.js';
import { createClockifyTokenVerifier } from './modules/auth/clockify-token.js';
import { installationSetupJob, workspacePurgeJob } from './modules/installations/installation.jobs.js';
import { createInstallationsRepo } from './modules/installations/installations.repo.js';
import { type WorkspacePurger, createInstallationsService } from './modules/installations/installations.service.js';
import { createClockifyClient } from './integrations/clockify/clockify.client.js';
import { loadCatalogue } from './integrations/clockify/catalogue.js';
import { createIngestion } from './modules/ingestion/ingestion.module.js';
import type { ClockifyCaller } from './modules/ingestion/webhook-registration.js';
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
    const verifier = await createClockifyTokenVerifier({ publicKeyPem: config.clockifyPublicKeyPem, addonKey: config.addon.key });
    const installationsRepo = createInstallationsRepo(db.prisma);

    // Each feature's leftover rows go when a workspace is deleted; features add their purgers here.
    const purgers: WorkspacePurger[] = [
      async (workspaceId, before, tx) =>
        (await tx.job.deleteMany({ where: { workspaceId, createdAt: { lt: before }, status: { not: 'running' } } })).count,
    ];
    const onInstalled: InstalledHook[] = [];
    const onDeleting: ((workspaceId: string, tx: Tx) => Promise<void>)[] = [];
    const installations = createInstallationsService({ db: db.prisma, repo: installationsRepo, cipher, clock, purgers, onInstalled, onDeleting });
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
      clockify: lazyClockifyClient(db),
      config: { publicBaseUrl: config.publicBaseUrl, ...config.ingestion },
      onJobsEnqueued: () => runnerRef.current?.poke(),
    });
    onInstalled.push(ingestion.onInstalled);
    onDeleting.push(ingestion.onDeleting);
    purgers.push(ingestion.purger);

    const registry = new JobRegistry()
      .register(installationSetupJob, ({ workspaceId }, ctx) => installations.runSetup(workspaceId, ctx))
      .register(workspacePurgeJob, async ({ workspaceId, deletedAt }, ctx) => {
        const r = await installations.purge(workspaceId, new Date(deletedAt));
        ctx.log.info(r, 'workspace purged');
      });
    ingestion.registerJobs(registry);
    const jobRunner = createRunner({
      db: db.prisma,
      registry,
      log: log.child({ component: 'jobs' }),
      clock,
      concurrency: config.worker.concurrency,
      pollIntervalMs: config.worker.pollIntervalMs,
    });
    // Starting the workers also makes sure the periodic retention job is scheduled (one per slot).
    const runner: Runner = {
      ...jobRunner,
      workerId: jobRunner.workerId,
      start() {
        jobRunner.start();
        ingestion.scheduleRetention(new Date(clock.now())).catch((err: unknown) => log.error({ err }, 'could not schedule webhook retention'));
      },
    };
    runnerRef.current = runner;

    const readiness = async () => {
      try {
        const pending = await pendingMigrations(db.sql);
        return pending.length === 0 ? ({ ok: true } as const) : ({ ok: false, reason: `pending migrations: ${pending.join(', ')}` } as const);
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
      ingestion,
      registry,
      runner,
      async close() {
        await runner.stop(config.shutdownTimeoutMs);
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

/** The Clockify client, built on first call: loading the operation catalogue is not free and many runs never call Clockify. */
function lazyClockifyClient(db: Database): ClockifyCaller {
  let client: Promise<ReturnType<typeof createClockifyClient>> | undefined;
  const get = () =>
    (client ??= loadCatalogue().then((catalogue) => createClockifyClient({ catalogue, limiter: createRateLimiter({ db: db.prisma }) })));
  return {
    connect: (conn) => ({
      call: async (operationId, input, opts) => (await get()).connect(conn).call(operationId, input, opts),
    }),
  };
}
