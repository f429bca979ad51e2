import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` (pure tests next to the code, and tools' tests) starts without a database;
 * `integration` (HTTP, database, processes, contracts) gets a migrated template database per run
 * (test/setup/global-setup.ts), on PGlite or, with DATABASE_URL, on a PostgreSQL server.
 * `npm test` runs both; `npm run test:unit` / `npm run test:int` run one.
 */
export default defineConfig({
  test: {
    pool: 'forks',
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
