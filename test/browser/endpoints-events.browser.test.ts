/// <reference lib="dom" />
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousViolations } from './axe.js';
import { type Stack, WORKSPACE_ID, startStack } from './harness.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => stack?.close());

async function goTo(page: Page, name: string, view: string) {
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name }).click();
  await page.locator(`#view[data-ready="${view}"]`).waitFor();
}

async function expectAccessible(page: Page) {
  expect(await seriousViolations(page)).toEqual([]);
}

const timeEntry = JSON.parse(
  readFileSync('test/fixtures/clockify/webhook-samples/NEW_TIME_ENTRY.json', 'utf8'),
) as Record<string, unknown>;

describe('admin page: outbound endpoints, event log, quarantine', () => {
  it('an admin edits a filter and previews it, retries a failed message once the receiver is fixed, and recovers the rest', async () => {
    stack.receiver.respondWith(500); // the receiver is down
    const page = await stack.open(await stack.userToken({ role: 'OWNER' }));
    await page.locator('#view[data-ready="overview"]').waitFor();
    await goTo(page, 'Outbound endpoints', 'endpoints');
    await page.getByLabel('Endpoint URL').fill(stack.receiver.url);
    await page.getByLabel('Description (optional)').fill('Billing sink');
    await page.getByLabel('NEW_PROJECT', { exact: true }).check();
    await page.getByLabel('NEW_CLIENT', { exact: true }).check();
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    await page.getByRole('cell', { name: /^Billing sink/ }).waitFor();
    await page.getByRole('link', { name: /Billing sink/ }).click();
    await page.getByRole('heading', { name: 'Preview filter and transformation' }).waitFor();
    await expectAccessible(page);

    // Without a filter, both samples match.
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await page.getByRole('heading', { name: /^NEW_PROJECT \(clockify\): matched/ }).waitFor();
    await page.getByRole('heading', { name: /^NEW_CLIENT \(clockify\): matched/ }).waitFor();

    // A filter row: only projects. Saved, then previewed: the client sample no longer matches.
    await page.getByText('Edit endpoint').click();
    await page.getByRole('button', { name: 'Add filter condition' }).click();
    await page.getByLabel('Filter condition 1 path').fill('$.event.type');
    await page.getByLabel('Filter condition 1 value').fill('NEW_PROJECT');
    await page.getByRole('button', { name: 'Save endpoint' }).click();
    await page.getByText('Endpoint saved.').waitFor();
    // A transformation, previewed before it is saved: the payload is built from the sample.
    await page
      .getByLabel('Transformation (JSON template, optional)')
      .fill('{ "project": "{{ webhook.name }}", "kind": "{{ event.type }}" }');
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await page.getByRole('heading', { name: /^NEW_CLIENT \(clockify\): not matched/ }).waitFor();
    await page.getByRole('heading', { name: /^NEW_PROJECT \(clockify\): matched/ }).waitFor();
    expect(JSON.parse((await page.getByLabel('Payload of NEW_PROJECT').textContent()) ?? '')).toMatchObject({
      kind: 'NEW_PROJECT',
    });
    // The saved filter is what the preview used: no "changed but not saved" warning.
    expect(await page.getByText(/The filter was changed but not saved/).count()).toBe(0);
    await expectAccessible(page);
    // Saved, the transformation and the filter row are what the editor shows when the page is opened again.
    await page.getByRole('button', { name: 'Save endpoint' }).click();
    await page.getByText('Endpoint saved.').waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Preview filter and transformation' }).waitFor();
    await page.getByText('Edit endpoint').click();
    expect(
      JSON.parse(await page.getByLabel('Transformation (JSON template, optional)').inputValue()),
    ).toEqual({ project: '{{ webhook.name }}', kind: '{{ event.type }}' });
    expect(await page.getByLabel('Filter condition 1 value').inputValue()).toBe('NEW_PROJECT');
    // A changed filter, not saved yet: the preview says it used the saved one.
    await page.getByLabel('Filter condition 1 value').fill('NEW_CLIENT');
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await page.getByText(/The filter was changed but not saved/).waitFor();

    // Two test sends fail (the receiver answers 500): two failed messages.
    await page.getByLabel('Event type').selectOption('NEW_PROJECT');
    const failed = page.getByRole('row', { name: /NEW_PROJECT.*failed/ });
    for (let i = 1; i <= 2; i++) {
      await page.getByRole('button', { name: 'Send test event' }).click();
      await expect.poll(() => failed.count()).toBe(i);
    }
    await page.getByRole('heading', { name: 'Test not delivered' }).waitFor();

    // The receiver is fixed; one message retried from the page is delivered.
    stack.receiver.respondWith(200);
    await failed
      .first()
      .getByRole('button', { name: /^Retry/ })
      .click();
    await page.getByText('Retried: NEW_PROJECT delivered.').waitFor();
    await expect.poll(() => page.getByRole('row', { name: /NEW_PROJECT.*delivered/ }).count()).toBe(1);
    await page
      .getByRole('row', { name: /NEW_PROJECT.*delivered/ })
      .getByRole('button', { name: /Attempts/ })
      .click();
    const attempts = page.getByRole('table', { name: 'Attempts' });
    await attempts.getByRole('cell', { name: '500', exact: true }).waitFor();
    await attempts.getByRole('cell', { name: '200', exact: true }).waitFor();
    await page.getByText(/^Response of attempt 1/).click();
    await expect
      .poll(() => page.getByLabel('Response body of attempt 1 (capped)').textContent())
      .toContain('receiver is down');
    await expectAccessible(page);

    // Recover: the other failed message is sent again by the background job; the page shows progress.
    await page.getByText('1 failed message since then.').waitFor();
    await page.getByRole('button', { name: 'Recover failed messages' }).click();
    await page.getByText(/^Recovery done: 1 message\(s\) sent again, 1 delivered\./).waitFor();
    await expect.poll(() => page.getByRole('row', { name: /NEW_PROJECT.*delivered/ }).count()).toBe(2);
    expect(await failed.count()).toBe(0);
    await page.getByText('No failed message since then.').waitFor();
    const delivered = stack.receiver.received.filter((r) => r.headers['webhook-signature']);
    expect(delivered).toHaveLength(4); // 2 failed + retry + recovery
    await expectAccessible(page);

    // Rotation from the endpoint's page: the new secret once, the old one signing for the chosen grace.
    await page.getByRole('button', { name: 'Rotate secret of Billing sink' }).click();
    await page.getByRole('dialog').getByLabel('Old secret keeps signing').selectOption({ label: '7 days' });
    await page.getByRole('dialog').getByRole('button', { name: 'Rotate' }).click();
    expect(await page.getByLabel('Signing secret').inputValue()).toMatch(/^whsec_/);
    await page.getByText(/The previous secret also signs until/).waitFor();
    await page.context().close();
  });

  it('an admin pages past the first 50 events, opens one, replays it and sees the new execution', async () => {
    // Set-up (not what this test is about): a flow for one project, enabled, and 55 events, the oldest
    // of which is for that project.
    const owner = await stack.userToken({ role: 'OWNER' });
    const headers = { authorization: `Bearer ${owner}`, 'content-type': 'application/json' };
    const projectId = '5b641568b07987035750505e';
    const flow = await fetch(`${stack.baseUrl}/ui/flow-templates/billable-project-entries/install`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ inputs: { projectId } }),
    });
    expect(flow.status).toBe(201);
    const { id: flowId } = (await flow.json()) as { id: string };
    const enabled = await fetch(`${stack.baseUrl}/ui/flows/${flowId}/enable`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner}` },
    });
    expect(enabled.status).toBe(200);
    for (let i = 0; i < 55; i++) {
      const status = await stack.clockifyWebhook('NEW_TIME_ENTRY', {
        ...timeEntry,
        id: `5f118c837db7a8637ffc${String(i).padStart(4, '0')}`,
        description: i === 0 ? 'The oldest entry' : `Entry ${i}`,
        projectId: i === 0 ? projectId : '000000000000000000000000',
        billable: false,
        workspaceId: WORKSPACE_ID,
      });
      expect(status).toBe(202);
    }

    const page = await stack.open(owner);
    await page.locator('#view[data-ready="overview"]').waitFor();
    await goTo(page, 'Event log', 'events');
    await page.getByLabel('Event type').fill('NEW_TIME_ENTRY');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const rows = page.getByRole('row', { name: /NEW_TIME_ENTRY/ });
    await expect.poll(() => rows.count()).toBe(50);
    await page.getByText('Showing 50 events; more are older.').waitFor();
    await page.getByRole('button', { name: 'Load more' }).click();
    await expect.poll(() => rows.count()).toBe(55);
    await page.getByText('Showing 55 events.').waitFor();
    expect(await page.getByRole('button', { name: 'Load more' }).isVisible()).toBe(false);
    await expectAccessible(page);

    // The oldest event is the last row: it triggered the flow once.
    await rows.last().getByRole('link').click();
    await page.getByRole('heading', { name: 'Flows it triggered' }).waitFor();
    await expect.poll(() => page.getByLabel('Event body').textContent()).toContain('The oldest entry');
    const executions = page.locator('#event-executions').getByRole('row', {
      name: /Make time entries of a project billable/,
    });
    await expect.poll(() => executions.count()).toBe(1);
    await page.getByRole('button', { name: 'Replay through the flows' }).click();
    await page.getByText('Replayed: 1 flow execution started.').waitFor();
    await page
      .locator('#event-executions')
      .getByRole('row', { name: /replay/ })
      .waitFor();
    await expect.poll(() => executions.count()).toBe(2);
    await expect
      .poll(() =>
        page
          .locator('#event-executions')
          .getByRole('row', { name: /replay/ })
          .textContent(),
      )
      .toMatch(/succeeded|failed|outcome_unknown/);
    await expectAccessible(page);
    // The flow's name links to the flows view.
    await executions.first().getByRole('link').click();
    await page.locator('#view[data-ready="flows"]').waitFor();

    // Back in the log, the filter is kept.
    await goTo(page, 'Event log', 'events');
    expect(await page.getByLabel('Event type').inputValue()).toBe('NEW_TIME_ENTRY');
    await page.context().close();
  });

  it('a read-only user sees an endpoint’s page and an event’s replay, every change disabled with the reason', async () => {
    const owner = await stack.userToken({ role: 'OWNER' });
    const created = await fetch(`${stack.baseUrl}/ui/endpoints`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: stack.receiver.url, description: 'Read-only view', eventTypes: ['*'] }),
    });
    expect(created.status).toBe(201);
    const page = await stack.open(await stack.userToken({ role: 'TEAM_MANAGER' }));
    await page.locator('#view[data-ready="overview"]').waitFor();
    await goTo(page, 'Outbound endpoints', 'endpoints');
    await page.getByRole('link', { name: /Read-only view/ }).click();
    await page.getByRole('heading', { name: 'Preview filter and transformation' }).waitFor();
    await page.getByText('Edit endpoint').click();
    for (const name of [
      'Save endpoint',
      'Add filter condition',
      'Recover failed messages',
      'Send test event',
      'Pause Read-only view',
      'Rotate secret of Read-only view',
      'Delete Read-only view',
    ]) {
      const button = page.getByRole('button', { name });
      expect(await button.isDisabled(), name).toBe(true);
      expect(await button.getAttribute('title'), name).toMatch(/owner or admin/);
    }
    expect(await page.getByLabel('Endpoint URL').isDisabled()).toBe(true);
    // A preview changes nothing: a reader may run one.
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await page
      .getByRole('heading', { name: /\(clockify\): matched/ })
      .first()
      .waitFor();
    await expectAccessible(page);

    await goTo(page, 'Event log', 'events');
    await page
      .getByRole('row', { name: /NEW_TIME_ENTRY/ })
      .first()
      .getByRole('link')
      .click();
    const replay = page.getByRole('button', { name: 'Replay through the flows' });
    await replay.waitFor();
    expect(await replay.isDisabled()).toBe(true);
    expect(await replay.getAttribute('title')).toMatch(/owner or admin/);
    await expectAccessible(page);
    await page.context().close();
  });

  it('an endpoint’s page and an event’s page fit a 360 px wide sidebar', async () => {
    const page = await stack.open(await stack.userToken({ role: 'OWNER' }), 'overview', 360);
    await page.locator('#view[data-ready="overview"]').waitFor();
    const overflow = () =>
      page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    await goTo(page, 'Outbound endpoints', 'endpoints');
    await page.getByRole('link', { name: /Billing sink/ }).click();
    await page.getByRole('heading', { name: 'Preview filter and transformation' }).waitFor();
    await page.getByText('Edit endpoint').click();
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await page
      .getByRole('heading', { name: /\(clockify\): (not )?matched/ })
      .first()
      .waitFor();
    await page
      .getByRole('button', { name: /^Attempts/ })
      .first()
      .click();
    await page.getByRole('table', { name: 'Attempts' }).waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    await goTo(page, 'Event log', 'events');
    await page
      .getByRole('row', { name: /NEW_TIME_ENTRY/ })
      .first()
      .getByRole('link')
      .click();
    await page.getByRole('heading', { name: 'Flows it triggered' }).waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    await page.context().close();
  });

  it('an admin pages past the first 50 messages of an endpoint and filters them by status', async () => {
    // Set-up (not what this test is about): an endpoint with 52 test messages, two of them failed.
    const owner = await stack.userToken({ role: 'OWNER' });
    const headers = { authorization: `Bearer ${owner}`, 'content-type': 'application/json' };
    const created = await fetch(`${stack.baseUrl}/ui/endpoints`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ url: stack.receiver.url, description: 'Busy sink', eventTypes: ['NEW_TAG'] }),
    });
    const { id } = (await created.json()) as { id: string };
    for (let i = 0; i < 52; i++) {
      stack.receiver.respondWith(i < 2 ? 500 : 200);
      const res = await fetch(`${stack.baseUrl}/ui/endpoints/${id}/test`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ eventType: 'NEW_TAG' }),
      });
      expect(res.status).toBe(200);
    }
    stack.receiver.respondWith(200);

    const page = await stack.open(owner, `endpoints/${id}`);
    await page.getByRole('heading', { name: 'Messages', exact: true }).waitFor();
    const rows = page.getByRole('row', { name: /NEW_TAG/ });
    await expect.poll(() => rows.count()).toBe(50);
    await page.getByRole('button', { name: 'Load more messages' }).click();
    await expect.poll(() => rows.count()).toBe(52);
    expect(await page.getByRole('button', { name: 'Load more messages' }).isVisible()).toBe(false);
    await page.getByLabel('Message status').selectOption('failed');
    await page.getByRole('button', { name: 'Apply', exact: true }).click();
    await expect.poll(() => rows.count()).toBe(2);
    expect(await page.getByRole('row', { name: /NEW_TAG.*delivered/ }).count()).toBe(0);
    await expectAccessible(page);
    await page.context().close();
  });

  it('an admin opens a source’s rejected requests (the quarantine) from its count', async () => {
    // Set-up: a GitHub source, and "the other system" sending it a request with a wrong signature.
    const owner = await stack.userToken({ role: 'OWNER' });
    const created = await fetch(`${stack.baseUrl}/ui/sources`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Repo hooks', verification: { scheme: 'github' } }),
    });
    const { url } = (await created.json()) as { url: string };
    const refused = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-hub-signature-256': `sha256=${'0'.repeat(64)}`,
      },
      body: JSON.stringify({ ref: 'main' }),
    });
    expect(refused.status).toBe(401);

    const page = await stack.open(owner);
    await page.locator('#view[data-ready="overview"]').waitFor();
    await goTo(page, 'Sources', 'sources');
    await page.getByRole('link', { name: /rejected requests of Repo hooks/ }).click();
    await page.getByRole('heading', { name: 'Rejected requests of Repo hooks' }).waitFor();
    const table = page.getByRole('table', { name: 'Rejected requests of Repo hooks, newest first' });
    await expect.poll(() => table.getByRole('row').count()).toBe(2); // the header and the refused request
    await page.getByText(/\d+ headers/).click();
    await expect
      .poll(() => page.getByLabel(/^Headers of the request rejected/).textContent())
      .not.toMatch(/sha256=0{64}/);
    await expectAccessible(page);
    await page.context().close();
  });

  it('an admin opens the cached entries of a Clockify type from the overview', async () => {
    const page = await stack.open(await stack.userToken({ role: 'OWNER' }));
    await page.locator('#view[data-ready="overview"]').waitFor();
    const cached = page.getByRole('table', { name: 'Cached entities by type' });
    // The set-up run fills the cache once the add-on is installed; the overview shows it when it ends.
    await cached.getByRole('link', { name: 'project', exact: true }).waitFor({ timeout: 60_000 });
    await cached.getByRole('link', { name: 'project', exact: true }).click();
    await page.getByRole('heading', { name: 'Cached project entries' }).waitFor();
    await expect.poll(() => page.getByRole('row', { name: /Project 1/ }).count()).toBe(1);
    await page.getByText('JSON').first().click();
    await expect
      .poll(() =>
        page
          .getByLabel(/^Cached project /)
          .first()
          .textContent(),
      )
      .toContain('"name": "Project');
    await expectAccessible(page);
    await page.context().close();
  });
});
