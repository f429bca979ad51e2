import { defineConfig } from 'vitest/config';

/**
 * `npm run test:browser` (not part of `npm test`): the admin page in Debian's Chromium, driven by
 * playwright-core against a real gateway on an in-memory embedded database and the fake Clockify
 * (test/browser/harness.ts). Needs `/usr/bin/chromium` (or CHROMIUM_PATH).
 */
export default defineConfig({
  test: {
    name: 'browser',
    include: ['test/browser/**/*.browser.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
