/**
 * npm run screenshots: regenerates docs/screenshots/*.png, the admin page's main views (overview,
 * sources, event log and an event, explorer, flows and a flow, outbound endpoints and an endpoint,
 * settings, and sources at 360 px), from a gateway on an in-memory database with a little sample traffic:
 * custom events, Clockify time entries that run a flow, deliveries to a local receiver (one failing).
 * Uses test/browser/harness.ts; needs Chromium.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { WORKSPACE_ID, startStack } from '../test/browser/harness.js';

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
  // A flow (enabled) and Clockify time entries, one of which it acts on: a time entry of the fake
  // Clockify, once the set-up run has cached it, so that the flow's update succeeds.
  for (let i = 0; i < 600; i++) {
    const { run } = (await call('GET', '/ui/bootstrap')) as { run: { status: string } | null };
    if (run?.status === 'completed') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const cached = (await call('GET', '/ui/cache/time-entry?limit=1')) as {
    items: { id: string; data: Record<string, unknown> }[];
  };
  const real = cached.items[0]!.data;
  const projectId = String(real.projectId);
  const flow = (await call('POST', '/ui/flow-templates/billable-project-entries/install', {
    inputs: { projectId },
  })) as { id: string };
  await fetch(`${stack.baseUrl}/ui/flows/${flow.id}/enable`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  const sample = JSON.parse(
    readFileSync('test/fixtures/clockify/webhook-samples/NEW_TIME_ENTRY.json', 'utf8'),
  ) as Record<string, unknown>;
  for (let i = 0; i < 3; i++)
    await stack.clockifyWebhook(
      'NEW_TIME_ENTRY',
      i === 0
        ? { ...sample, ...real, description: 'Design review', billable: false, workspaceId: WORKSPACE_ID }
        : {
            ...sample,
            id: `5f118c837db7a8637ffc000${i}`,
            description: ['', 'Client call', 'Invoice run'][i],
            projectId: '000000000000000000000000',
            billable: false,
            workspaceId: WORKSPACE_ID,
          },
    );
  // Outbound: an endpoint on the local receiver with a filter and a transformation; two deliveries and
  // one failure (the receiver briefly down).
  const endpoint = (await call('POST', '/ui/endpoints', {
    url: stack.receiver.url,
    description: 'Billing system',
    eventTypes: ['NEW_PROJECT', 'NEW_CLIENT', 'TIME_ENTRY_*'],
    filter: { mode: 'ALL', rules: [{ path: '$.event.type', op: '!=', value: 'NEW_CLIENT' }] },
    transformation: { kind: '{{ event.type }}', name: "{{ webhook.name | default: '' }}" },
    rateLimit: 10,
  })) as { id: string };
  await call('POST', '/ui/endpoints', {
    url: `${stack.receiver.url}/audit`,
    description: 'Audit log',
    eventTypes: ['*'],
  });
  await call('POST', `/ui/endpoints/${endpoint.id}/test`, { eventType: 'NEW_PROJECT' });
  stack.receiver.respondWith(503);
  await call('POST', `/ui/endpoints/${endpoint.id}/test`, { eventType: 'NEW_PROJECT' });
  stack.receiver.respondWith(200);
  await call('POST', `/ui/endpoints/${endpoint.id}/test`, { eventType: 'NEW_CLIENT' });

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

  await page.getByRole('link', { name: '← Back to the event log' }).click();
  await page
    .getByRole('row', { name: /NEW_TIME_ENTRY/ })
    .last()
    .getByRole('link')
    .click();
  await page.getByRole('heading', { name: 'Flows it triggered' }).waitFor();
  await page
    .locator('#event-executions')
    .getByRole('row', { name: /succeeded|failed/ })
    .first()
    .waitFor();
  await shot(page, 'event-executions');

  await show('flows');
  await page.getByRole('link', { name: 'Make time entries of a project billable' }).waitFor();
  await shot(page, 'flows');
  await page.getByRole('link', { name: 'Make time entries of a project billable' }).click();
  await page.getByRole('heading', { name: 'Executions' }).waitFor();
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, 'flow-editor');

  await show('endpoints');
  await page.getByRole('cell', { name: /^Billing system/ }).waitFor();
  await shot(page, 'endpoints');
  await page.getByRole('link', { name: /Billing system/ }).click();
  await page.getByRole('heading', { name: 'Preview filter and transformation' }).waitFor();
  await page.getByRole('button', { name: 'Preview', exact: true }).click();
  await page.getByRole('heading', { name: /NEW_CLIENT \(clockify\): not matched/ }).waitFor();
  await page
    .getByRole('row', { name: /NEW_PROJECT.*failed/ })
    .getByRole('button', { name: /Attempts/ })
    .click();
  await page.getByRole('table', { name: 'Attempts' }).waitFor();
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, 'endpoint-detail');

  await show('explorer');
  await page.getByLabel('Search operations').fill('projects');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByRole('button', { name: 'GET /v1/workspaces/{workspaceId}/projects', exact: true }).click();
  await page.getByRole('button', { name: 'Send' }).click();
  await page.locator('#explorer-answer').getByText('HTTP 200').waitFor();
  await shot(page, 'explorer');

  await show('settings');
  await shot(page, 'settings');

  // Last, once the sample traffic has been processed: the overview with flow runs and deliveries.
  await show('overview');
  await page
    .getByText(/^Flow run: /)
    .first()
    .waitFor();
  await shot(page, 'overview');

  const narrow = await stack.open(token, 'sources', 360);
  await narrow.locator('#view[data-ready="sources"]').waitFor();
  await shot(narrow, 'sources-360px');
} finally {
  await stack.close();
}
