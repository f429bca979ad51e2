import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { EnvFileError, applyEnvFile, parseEnvFile } from './config/dotenv.js';
import { type Config, ConfigError, configWarnings, loadConfig } from './config/env.js';
import { createLogger } from './platform/logger.js';
import { type DataDirLock, DataDirLockedError, acquireDataDirLock } from './store/data-dir-lock.js';
import { KeyMismatchError } from './store/key-check.js';
import { MigrationError } from './store/migrate.js';

/**
 * Only light modules are imported up front; the application (Prisma, Fastify, PGlite, the catalogue) is
 * imported after the checks below, so a refusal comes within a second and its loading overlaps nothing.
 *
 * Start-up failures we can explain are one line on stderr and exit code 1 (issue #11); they are found
 * in this order, each before anything the next one would open: .env, configuration, the port, the
 * data folder's lock, the database, migrations, the encryption key.
 */
function fail(reason: string): never {
  process.stderr.write(`gateway: cannot start: ${reason}\n`);
  process.exit(1);
}

let config: Config;
try {
  // A local .env is a convenience for development; real deployments set the environment.
  if (existsSync('.env')) applyEnvFile(parseEnvFile(readFileSync('.env', 'utf8')), process.env);
  config = loadConfig(process.env);
} catch (err) {
  if (err instanceof ConfigError) fail(err.oneLine);
  if (err instanceof EnvFileError) fail(err.message);
  throw err;
}

const started = Date.now();
const log = await createLogger(config.logLevel, {
  pretty: config.env === 'development' && process.stdout.isTTY,
});
for (const w of configWarnings(config)) log.warn(w);

/** Binds and releases the port, so "in use" is reported before the database is opened. */
function checkPort(host: string, port: number): Promise<void> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE')
        fail(
          `port ${port} on ${host} is in use (another gateway?): stop that process or set PORT to a free port`,
        );
      if (err.code === 'EACCES') fail(`port ${port} on ${host} needs privileges: set PORT to 1024 or above`);
      if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND')
        fail(
          `HOST ${host} is not an address of this machine: use 127.0.0.1, 0.0.0.0 or one of its addresses`,
        );
      fail(`cannot listen on ${host}:${port}: ${err.message}`);
    });
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}
if (config.role !== 'worker' && config.http.port !== 0) await checkPort(config.http.host, config.http.port);

let lock: DataDirLock | undefined;
if (config.database.kind === 'embedded') {
  try {
    lock = acquireDataDirLock(config.dataDir);
  } catch (err) {
    if (err instanceof DataDirLockedError) fail(err.message);
    throw err;
  }
  if (lock.tookOverFrom !== undefined)
    log.info({ previous: lock.tookOverFrom }, 'took over the lock of a gateway that is gone');
  process.once('exit', () => lock?.release());
  if (!existsSync(join(config.database.dataDir, 'PG_VERSION')))
    log.info(
      { dataDir: config.database.dataDir },
      'first start: creating the embedded database (about 10–30 s, once; restarts take a few seconds)',
    );
}

const [{ createDeps }, { buildApp }, { DatabaseOpenError }, { installShutdownDrain }, { databaseWarnings }] =
  await Promise.all([
    import('./deps.js'),
    import('./app.js'),
    import('./store/database.js'),
    import('./http/plugins/shutdown-drain.js'),
    import('./store/server-checks.js'),
  ]);
let deps: Awaited<ReturnType<typeof createDeps>>;
try {
  deps = await createDeps(config, { logger: log });
} catch (err) {
  if (err instanceof DatabaseOpenError || err instanceof MigrationError || err instanceof KeyMismatchError)
    fail(err.message);
  throw err;
}
for (const w of await databaseWarnings(deps.db).catch(() => [])) log.warn(w);
const app = config.role === 'worker' ? null : await buildApp(deps);
const shutdown = app === null ? null : installShutdownDrain(app);
/** At most this long, requests on open keep-alive connections get 503 + Connection: close before the close. */
const DRAIN_MS = Math.min(2_000, config.shutdownTimeoutMs / 2);

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  deps.log.info({ signal }, 'shutting down');
  // A second signal, or a drain that takes too long, ends the process anyway.
  const force = setTimeout(() => {
    deps.log.error('shutdown timed out');
    process.exit(1);
  }, config.shutdownTimeoutMs + 5_000);
  force.unref();
  try {
    await shutdown?.drain(DRAIN_MS); // answer what arrives on open connections with 503 + close
    await app?.close(); // stop accepting, finish in-flight requests
    await deps.close(); // drain in-flight jobs, close the database
    deps.log.info('stopped');
    process.exit(0);
  } catch (err) {
    deps.log.error({ err }, 'shutdown failed');
    process.exit(1);
  }
}
process.once('SIGTERM', () => void stop('SIGTERM'));
process.once('SIGINT', () => void stop('SIGINT'));

if (app !== null) {
  try {
    await app.listen({ host: config.http.host, port: config.http.port });
  } catch (err) {
    // Taken between the check above and now.
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      await deps.close().catch(() => undefined);
      fail(
        `port ${config.http.port} on ${config.http.host} is in use: stop that process or set PORT to a free port`,
      );
    }
    throw err;
  }
}
if (config.role !== 'api') deps.startWorkers();
deps.log.info(
  {
    role: config.role,
    database: deps.db.kind,
    publicBaseUrl: config.publicBaseUrl,
    startupMs: Date.now() - started,
  },
  'gateway ready',
);
