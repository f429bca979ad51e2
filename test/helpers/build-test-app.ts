import pino from 'pino';
import { buildApp, type App } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config/env.js';
import { type Deps, createDeps } from '../../src/deps.js';
import type { Clock } from '../../src/platform/clock.js';
import type { Database } from '../../src/store/database.js';
import {
  type ClockifySigner,
  createClockifySigner,
  generateKeyPair,
} from '../../tools/simulator/clockify-signer.js';
import { type TestDatabase, createTestDatabase } from './database.js';

// One key pair per test process: RSA generation is slow and the tests do not need fresh keys.
const keys = generateKeyPair();
export const ADDON_KEY = 'test-gateway';

export type TestApp = {
  app: App;
  deps: Deps;
  db: TestDatabase;
  config: Config;
  sign: ClockifySigner;
  privateKeyPem: string;
  close(): Promise<void>;
};

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    ADDON_KEY,
    PUBLIC_BASE_URL: 'https://gateway.test',
    ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    CLOCKIFY_PUBLIC_KEY: keys.publicKeyPem,
    JOB_POLL_INTERVAL_MS: '20',
    // Installs in tests point at a Clockify that does not exist; the registration tests turn this on.
    CLOCKIFY_REGISTER_EVENTS: 'none',
    ...env,
  });
}

/** The real app on a fresh database, with Clockify's key replaced by a local one the tests sign with. */
export async function buildTestApp(
  opts: {
    env?: Record<string, string>;
    clock?: Clock;
    /** What the app is given instead of the test database itself (e.g. one whose connection a test cuts). */
    wrapDatabase?: (db: TestDatabase) => Database;
  } = {},
): Promise<TestApp> {
  const db = await createTestDatabase();
  const config = testConfig(opts.env);
  const deps = await createDeps(config, {
    database: opts.wrapDatabase ? opts.wrapDatabase(db) : db,
    logger: pino({ level: 'silent' }),
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  const app = await buildApp(deps);
  await app.ready();
  return {
    app,
    deps,
    db,
    config,
    sign: createClockifySigner(keys.privateKeyPem),
    privateKeyPem: keys.privateKeyPem,
    async close() {
      await app.close();
      await deps.close();
      await db.close();
    },
  };
}

let seq = 0;
/** A Clockify-looking 24-hex id, unique within the run. */
export const hexId = (): string =>
  (Date.now().toString(16) + (seq++).toString(16).padStart(6, '0') + 'a'.repeat(24)).slice(0, 24);

/** A clock tests move by hand (rotation grace periods, retention). */
export function manualClock(start = new Date()) {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    advance(ms: number) {
      now += ms;
    },
  };
}
