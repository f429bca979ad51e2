import { existsSync } from 'node:fs';
import { buildApp } from './app.js';
import { type Config, ConfigError, loadConfig } from './config/env.js';
import { createDeps } from './deps.js';

let config: Config;
try {
  // A local .env is a convenience for development; real deployments set the environment.
  if (existsSync('.env')) process.loadEnvFile('.env');
  config = loadConfig(process.env);
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}

const started = Date.now();
const deps = await createDeps(config);
const app = config.role === 'worker' ? null : await buildApp(deps);

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

if (config.role !== 'api') deps.startWorkers();
if (app !== null) {
  await app.listen({ host: config.http.host, port: config.http.port });
}
deps.log.info(
  {
    role: config.role,
    database: deps.db.kind,
    publicBaseUrl: config.publicBaseUrl,
    startupMs: Date.now() - started,
  },
  'gateway ready',
);
