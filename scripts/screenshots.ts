/**
 * npm run screenshots: regenerates docs/screenshots/*.png, the admin page's main views, from a gateway
 * on an in-memory database with a little sample traffic (test/browser/harness.ts; needs Chromium).
 */
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { startStack } from '../test/browser/harness.js';

const OUT = 'docs/screenshots';
mkdirSync(OUT, { recursive: true });
const stack = await startStack();
try {
  const token = await stack.userToken({ role: 'OWNER' });
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${stack.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<Record<string, unknown>>;
  };
  // Sample traffic: a source without verification and a few events of different types.
  const forms = (await call('POST', '/ui/sources', {
    name: 'Website forms',
    verification: { scheme: 'none' },
  })) as { url: string };
  await call('POST', '/ui/sources', { name: 'Billing (Stripe)', verification: { scheme: 'stripe' } });
  for (const [i, type] of [
    'form.submitted',
    'form.submitted',
    'newsletter.signup',
    'form.submitted',
  ].entries()) {
    await fetch(forms.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        id: `sample-${i}`,
        type,
        email: `person${i}@example.com`,
        fields: { plan: 'team' },
      }),
    });
  }
  const shot = async (page: Page, name: string) => {
    await page.screenshot({ path: `${OUT}/${name}.png`, fullPage: true });
    console.log(`wrote ${OUT}/${name}.png`);
  };
  const page = await stack.open(token, 'overview', 1000);
  const show = async (view: string) => {
    await page.evaluate((v) => (location.hash = `#/${v}`), view);
    await page.locator(`#view[data-ready="${view}"]`).waitFor();
  };
  await page.locator('#view[data-ready="overview"]').waitFor();
  await page.getByText('completed', { exact: true }).waitFor({ timeout: 60_000 });
  await shot(page, 'overview');

  await show('sources');
  await page.getByLabel('Name', { exact: true }).fill('GitHub: our repo');
  await page.getByRole('button', { name: 'Create source' }).click();
  await page.locator('#test-command').waitFor();
  await shot(page, 'sources');

  await show('events');
  await page
    .getByRole('row', { name: /form.submitted/ })
    .first()
    .waitFor();
  await shot(page, 'event-log');
  await page
    .getByRole('row', { name: /form.submitted/ })
    .first()
    .getByRole('link')
    .click();
  await page.locator('pre.code').waitFor();
  await shot(page, 'event-detail');

  await show('explorer');
  await page.getByLabel('Search operations').fill('projects');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByRole('button', { name: 'GET /v1/workspaces/{workspaceId}/projects', exact: true }).click();
  await page.getByRole('button', { name: 'Send' }).click();
  await page.locator('#explorer-answer').getByText('HTTP 200').waitFor();
  await shot(page, 'explorer');

  await show('settings');
  await shot(page, 'settings');

  const narrow = await stack.open(token, 'sources', 360);
  await narrow.locator('#view[data-ready="sources"]').waitFor();
  await shot(narrow, 'sources-360px');
} finally {
  await stack.close();
}
