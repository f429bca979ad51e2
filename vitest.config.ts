import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` (pure tests next to the code, and tools' tests) starts without a database;
 * `integration` (HTTP, database, processes, contracts) gets a migrated template database per run
 * (test/setup/global-setup.ts), on PGlite or, with DATABASE_URL, on a PostgreSQL server.
 * `npm test` runs both; `npm run test:unit` / `npm run test:int` run one.
 *
 * At least two test files at once: vitest's default (one fewer than the cores) runs one at a time on a
 * 2-core machine, where the integration files spend much of their time waiting for the database, timers
 * and HTTP. Each file has its own database, so files never share state. On this 2-core machine CI's
 * embedded run went from 398 s to 288 s and the server run from 280 s to 184 s.
 */
export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'tools/**/*.test.ts', 'test/unit/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/contract/**/*.test.ts'],
          globalSetup: ['test/setup/global-setup.ts'],
          // PGlite boots a WASM PostgreSQL per test file; give slow CI machines room.
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
