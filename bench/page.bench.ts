/**
 * Admin page benchmark (issue #17: "usable in under 1 s on the local gateway"): the browser-test stack (the
 * gateway on the embedded database, the fake Clockify, Debian's Chromium through playwright-core) opens each
 * main view from a fresh browser context, as Clockify's iframe would, and times navigation → the view's
 * `data-ready` mark (its data loaded and drawn).
 *
 *   npm run bench:page      BENCH_RUNS=5 (per view); CHROMIUM_PATH (default /usr/bin/chromium)
 *
 * The reference in the same run is a blank page served by the same gateway (`/healthz` in the same browser):
 * what a navigation costs here before any of the page's own work.
 */
import { startStack } from '../test/browser/harness.js';

const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 5));
const VIEWS = ['overview', 'sources', 'events', 'explorer', 'flows', 'endpoints', 'settings'];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const stack = await startStack();
try {
  const token = await stack.userToken({ role: 'OWNER' });
  const reference: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const context = await stack.browser.newContext();
    const page = await context.newPage();
    const t0 = performance.now();
    await page.goto(`${stack.baseUrl}/healthz`);
    reference.push(performance.now() - t0);
    await context.close();
  }
  console.log(`reference  a bare navigation to /healthz: median ${median(reference).toFixed(0)} ms`);
  for (const view of VIEWS) {
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const page = await stack.open(token, view);
      await page.locator(`#view[data-ready="${view}"]`).waitFor({ timeout: 30_000 });
      times.push(performance.now() - t0);
      await page.context().close();
    }
    console.log(
      `${view.padEnd(10)} usable after median ${median(times).toFixed(0)} ms (max ${Math.max(...times).toFixed(0)} ms over ${RUNS})`,
    );
  }
} finally {
  await stack.close();
}
