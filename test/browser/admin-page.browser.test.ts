/// <reference lib="dom" />
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousViolations } from './axe.js';
import { type Stack, WORKSPACE_ID, startStack } from './harness.js';

const run = promisify(execFile);
let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => stack?.close());

/** Goes to a view the way a person does: by its link in the navigation. */
async function goTo(page: Page, name: string, view: string) {
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name }).click();
  await page.locator(`#view[data-ready="${view}"]`).waitFor();
}

async function expectAccessible(page: Page) {
  expect(await seriousViolations(page)).toEqual([]);
}

describe('admin page', () => {
  it('an admin creates a source, sends the signed test it shows, and finds the event in the log', async () => {
    const page = await stack.open(await stack.userToken({ role: 'OWNER' }));
    await page.locator('#view[data-ready="overview"]').waitFor();
    // The token left the address bar.
    expect(page.url()).not.toContain('auth_token');
    await expectAccessible(page);

    await goTo(page, 'Sources', 'sources');
    await page.getByLabel('Name', { exact: true }).fill('Repo events');
    await page.getByLabel('Sender (verification preset)').selectOption({ label: 'GitHub' });
    await page.getByRole('button', { name: 'Create source' }).click();
    const command = page.locator('#test-command');
    await command.waitFor();
    const secret = await page.getByLabel('Secret', { exact: true }).inputValue();
    expect(secret.length).toBeGreaterThanOrEqual(16);
    expect(await page.getByLabel('URL to paste into the other system').inputValue()).toMatch(
      new RegExp(`^${stack.baseUrl}/webhooks/custom/src_`),
    );
    await expectAccessible(page);

    // "The other system": runs the command the page shows, as shown.
    const { stdout } = await run('bash', ['-c', await command.inputValue()]);
    expect(stdout).toContain('"eventId"');

    await goTo(page, 'Event log', 'events');
    await page.getByLabel('Source').selectOption({ label: 'Repo events' });
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const row = page.getByRole('row', { name: /Repo events.*ping/ });
    await row.waitFor();
    await expectAccessible(page);
    await row.getByRole('link').click();
    await page.getByText('Hello from the test command').waitFor();
    await expect.poll(() => page.locator('pre.code').textContent()).toMatch(/\n {2}"type": "gateway.test"/);
    await expect
      .poll(() => page.getByRole('row', { name: /x-hub-signature-256/i }).textContent())
      .not.toMatch(/sha256=[0-9a-f]{64}/);
    await expectAccessible(page);

    // Delete asks first: cancelling keeps the source, confirming removes it.
    await goTo(page, 'Sources', 'sources');
    await page.getByRole('button', { name: 'Delete Repo events' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Delete Repo events' }).count()).toBe(1);
    await page.getByRole('button', { name: 'Delete Repo events' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.getByText('Repo events deleted.').waitFor();
    expect(await page.getByRole('button', { name: 'Delete Repo events' }).count()).toBe(0);

    await goTo(page, 'Settings & keys', 'settings');
    await page.getByLabel('Key name').fill('deploy script');
    await page.getByRole('button', { name: 'Create key' }).click();
    expect(await page.getByLabel('API key “deploy script”').inputValue()).toMatch(/^gwk_/);
    await expectAccessible(page);
    await page.context().close();
  });

  it('an admin finds a GET in the API explorer, sends it and reads the response', async () => {
    const page = await stack.open(await stack.userToken({ role: 'OWNER' }));
    await page.locator('#view[data-ready="overview"]').waitFor();
    await goTo(page, 'API explorer', 'explorer');
    await page.getByLabel('Search operations').fill('projects');
    await page.getByLabel('Method').selectOption('GET');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page
      .getByRole('button', { name: 'GET /v1/workspaces/{workspaceId}/projects', exact: true })
      .click();
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('#explorer-answer').getByText('HTTP 200').waitFor();
    await expect.poll(() => page.getByLabel('Response body').textContent()).toContain('"name": "Project 1"');
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Copy as python' }).click();
    expect(await page.getByLabel('As python').inputValue()).toContain('/projects');
    await page.getByRole('button', { name: 'Use in a flow' }).click();
    expect(JSON.parse(await page.getByLabel(/Flow action/).inputValue())).toMatchObject({ type: 'clockify' });
    await page
      .getByRole('cell', { name: /^GET \/v1\/workspaces\/[^/]+\/projects$/ })
      .first()
      .waitFor();
    await expectAccessible(page);
    await page.context().close();
  });

  it('an admin creates an outbound endpoint, sends a test event and sees it delivered', async () => {
    const page = await stack.open(await stack.userToken({ role: 'OWNER' }));
    await page.locator('#view[data-ready="overview"]').waitFor();
    await goTo(page, 'Outbound endpoints', 'endpoints');
    await page.getByLabel('Endpoint URL').fill(stack.receiver.url);
    await page.getByLabel('Description (optional)').fill('Local receiver');
    await page.getByLabel('NEW_PROJECT', { exact: true }).check();
    await page.getByLabel('Rate limit per second (optional)').fill('5');
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    expect(await page.getByLabel('Signing secret').inputValue()).toMatch(/^whsec_/);
    await page.getByRole('cell', { name: /^Local receiver/ }).waitFor();
    await expectAccessible(page);

    await page
      .getByRole('link', { name: /Local receiver/ })
      .first()
      .click();
    await page.getByRole('heading', { name: 'Send a test event' }).waitFor();
    await page.getByLabel('Event type').selectOption('NEW_PROJECT');
    await page.getByRole('button', { name: 'Send test event' }).click();
    await page.getByRole('heading', { name: 'Test delivered' }).waitFor();
    // The receiver got it, signed.
    expect(stack.receiver.received).toHaveLength(1);
    expect(stack.receiver.received[0]?.headers['webhook-signature']).toMatch(/^v1,/);
    const row = page.getByRole('row', { name: /NEW_PROJECT.*delivered/ });
    await row.waitFor();
    await row.getByRole('button', { name: /Attempts/ }).click();
    await page.getByRole('table', { name: 'Attempts' }).getByRole('cell', { name: '200' }).waitFor();
    await expect.poll(() => page.getByLabel('Body sent').textContent()).toContain('"NEW_PROJECT"');
    await expectAccessible(page);

    // The overview counts the delivery.
    await goTo(page, 'Overview', 'overview');
    await page
      .getByRole('table', { name: 'Outbound messages by status, all endpoints' })
      .getByRole('row', { name: /delivered\s*1/ })
      .waitFor();
    await expectAccessible(page);

    // Pause, then delete (asks first).
    await goTo(page, 'Outbound endpoints', 'endpoints');
    await page.getByRole('button', { name: 'Pause Local receiver' }).click();
    await page.getByText('Local receiver paused').waitFor();
    await page.getByRole('button', { name: 'Resume Local receiver' }).waitFor();
    await page.getByRole('button', { name: 'Delete Local receiver' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.getByText('Local receiver deleted.').waitFor();
    expect(await page.getByRole('button', { name: 'Delete Local receiver' }).count()).toBe(0);
    await page.context().close();
  });

  it('an admin installs a flow from a template, edits a condition, dry-runs it and reads an execution’s steps', async () => {
    const page = await stack.open(await stack.userToken({ role: 'OWNER' }));
    await page.locator('#view[data-ready="overview"]').waitFor();
    await goTo(page, 'Flows', 'flows');
    await page.getByLabel('Template').selectOption({ label: 'Make time entries of a project billable' });
    await page.getByLabel('Project', { exact: true }).fill('5b641568b07987035750505e');
    await page.getByRole('button', { name: 'Install template' }).click();
    await page.getByRole('heading', { name: 'Editor' }).waitFor();
    expect(await page.getByLabel('Condition 1 path').inputValue()).toBe('$.webhook.projectId');
    expect(await page.getByLabel('Condition 1 value').inputValue()).toBe('5b641568b07987035750505e');
    await expectAccessible(page);

    // The sample's project is another one: the dry run says which condition fails, then holds once edited.
    await page.getByLabel('Event type', { exact: true }).selectOption('NEW_TIME_ENTRY');
    const sample = JSON.parse(await page.getByLabel('Sample body (JSON)').inputValue());
    sample.billable = false;
    await page.getByLabel('Sample body (JSON)').fill(JSON.stringify(sample));
    await page.getByLabel('Condition 1 value').fill('000000000000000000000000');
    await page.getByRole('button', { name: 'Dry run' }).click();
    await page.getByRole('heading', { name: 'The flow does not match this event' }).waitFor();
    await page
      .getByRole('table', { name: 'Conditions', exact: true })
      .getByRole('row', { name: /conditions\.rules\[0\].*fails/ })
      .waitFor();
    await page.getByLabel('Condition 1 value').fill(String(sample.projectId));
    await page.getByRole('button', { name: 'Dry run' }).click();
    await page.getByRole('heading', { name: 'The flow matches this event' }).waitFor();
    await expect
      .poll(() => page.getByLabel('Rendered request of markBillable').textContent())
      .toMatch(/^PUT \/v1\/workspaces\//);
    await expectAccessible(page);

    // Saved as a new version; the list shows it, and it can be enabled.
    await page.getByRole('button', { name: 'Save flow' }).click();
    await page.getByText('Saved as version 2.').waitFor();
    await goTo(page, 'Flows', 'flows');
    await page.getByRole('button', { name: 'Enable Make time entries of a project billable' }).click();
    await page.getByRole('button', { name: 'Disable Make time entries of a project billable' }).waitFor();
    await expectAccessible(page);
    // An event as Clockify sends it starts an execution; its steps are shown.
    const status = await stack.clockifyWebhook('NEW_TIME_ENTRY', {
      ...sample,
      workspaceId: WORKSPACE_ID,
    });
    expect(status).toBe(202);
    await page.getByRole('link', { name: 'Make time entries of a project billable' }).click();
    await page.getByRole('heading', { name: 'Executions' }).waitFor();
    const steps = page.getByRole('button', { name: /^Steps of execution/ });
    await expect
      .poll(async () => {
        await page.getByRole('button', { name: 'Refresh executions' }).click();
        return page.getByRole('row', { name: /(succeeded|failed)/ }).count();
      })
      .toBe(1);
    await steps.click();
    await page
      .getByRole('table', { name: 'Steps' })
      .getByRole('cell', { name: 'markBillable' })
      .first()
      .waitFor();
    await expectAccessible(page);
    await goTo(page, 'Flows', 'flows');
    await page.getByRole('button', { name: 'Delete Make time entries of a project billable' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.getByText('Make time entries of a project billable deleted.').waitFor();
    await page.context().close();
  });

  it('a read-only user sees every view and cannot change anything', async () => {
    // Set-up (not what this test is about): one source to see.
    const owner = await stack.userToken({ role: 'OWNER' });
    const created = await fetch(`${stack.baseUrl}/ui/sources`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Shop', verification: { scheme: 'shopify' } }),
    });
    expect(created.status).toBe(201);
    const endpoint = await fetch(`${stack.baseUrl}/ui/endpoints`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: stack.receiver.url, description: 'Audit log', eventTypes: ['*'] }),
    });
    expect(endpoint.status).toBe(201);
    const flow = await fetch(`${stack.baseUrl}/ui/flow-templates/billable-project-entries/install`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner}`, 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: { projectId: '5b641568b07987035750505e' } }),
    });
    expect(flow.status).toBe(201);

    const page = await stack.open(await stack.userToken({ role: 'TEAM_MANAGER' }));
    await page.locator('#view[data-ready="overview"]').waitFor();
    await page.getByText('Read-only access: changes need a workspace owner or admin.').waitFor();
    const views: [string, string][] = [
      ['Overview', 'overview'],
      ['Sources', 'sources'],
      ['Event log', 'events'],
      ['Flows', 'flows'],
      ['Outbound endpoints', 'endpoints'],
      ['API explorer', 'explorer'],
      ['Settings & keys', 'settings'],
    ];
    for (const [name, view] of views) {
      await goTo(page, name, view);
      await expectAccessible(page);
    }
    await goTo(page, 'Sources', 'sources');
    await page.getByRole('cell', { name: 'Shop', exact: true }).waitFor();
    for (const label of ['Create source', 'Delete Shop', 'Disable Shop', 'Rotate secret of Shop']) {
      const button = page.getByRole('button', { name: label });
      expect(await button.isDisabled(), label).toBe(true);
    }
    expect(await page.getByRole('button', { name: 'Delete Shop' }).getAttribute('title')).toMatch(
      /owner or admin/,
    );
    expect(await page.getByLabel('Name', { exact: true }).isDisabled()).toBe(true);
    await goTo(page, 'Overview', 'overview');
    expect(await page.getByRole('button', { name: 'Re-run set-up' }).isDisabled()).toBe(true);
    await goTo(page, 'Settings & keys', 'settings');
    expect(await page.getByRole('button', { name: 'Create key' }).isDisabled()).toBe(true);
    await goTo(page, 'Outbound endpoints', 'endpoints');
    for (const label of [
      'Create endpoint',
      'Pause Audit log',
      'Rotate secret of Audit log',
      'Delete Audit log',
    ]) {
      const button = page.getByRole('button', { name: label });
      expect(await button.isDisabled(), label).toBe(true);
      expect(await button.getAttribute('title'), label).toMatch(/owner or admin/);
    }
    expect(await page.getByLabel('Endpoint URL').isDisabled()).toBe(true);
    await page.getByRole('link', { name: /Audit log/ }).click();
    await page.getByRole('heading', { name: 'Send a test event' }).waitFor();
    expect(await page.getByRole('button', { name: 'Send test event' }).isDisabled()).toBe(true);
    await expectAccessible(page);
    await goTo(page, 'Flows', 'flows');
    const flowName = 'Make time entries of a project billable';
    for (const label of ['Install template', `Enable ${flowName}`, `Delete ${flowName}`]) {
      const button = page.getByRole('button', { name: label });
      expect(await button.isDisabled(), label).toBe(true);
      expect(await button.getAttribute('title'), label).toMatch(/owner or admin/);
    }
    await page.getByRole('link', { name: flowName }).click();
    await page.getByRole('heading', { name: 'Editor' }).waitFor();
    for (const label of ['Save flow', 'Enable flow', 'Add condition'])
      expect(await page.getByRole('button', { name: label }).isDisabled(), label).toBe(true);
    expect(await page.getByLabel('Actions (JSON)').isDisabled()).toBe(true);
    // A dry run changes nothing: a reader may run one.
    await page.getByRole('button', { name: 'Dry run' }).click();
    await page.getByRole('heading', { name: /The flow (does not )?match/ }).waitFor();
    await expectAccessible(page);
    // Every button on the page except the navigation-free "URL & test" and filters is disabled.
    await goTo(page, 'Sources', 'sources');
    const enabled = await page
      .locator('main button:not([disabled])')
      .evaluateAll((els) => els.map((e) => e.textContent?.trim()));
    expect(enabled.every((t) => t?.startsWith('URL & test'))).toBe(true);
    await page.context().close();
  });

  it('an expired token shows how to get back in', async () => {
    const page = await stack.open(await stack.userToken({ role: 'OWNER', expiresInS: -60 }));
    await page.getByRole('heading', { name: 'Your session has expired' }).waitFor();
    await page.getByText('Reopen this page from Clockify').waitFor();
    expect(await page.getByRole('navigation', { name: 'Sections' }).isVisible()).toBe(false);
    await expectAccessible(page);
    await page.context().close();
  });

  it('works from the keyboard: Tab to a view, open it, and cancel a dialog with Escape', async () => {
    const page = await stack.open(await stack.userToken({ role: 'OWNER' }));
    await page.locator('#view[data-ready="overview"]').waitFor();
    const focused = () => page.evaluate(() => document.activeElement?.textContent?.trim() ?? '');
    for (let i = 0; i < 10 && (await focused()) !== 'Sources'; i++) await page.keyboard.press('Tab');
    expect(await focused()).toBe('Sources');
    await page.keyboard.press('Enter');
    await page.locator('#view[data-ready="sources"]').waitFor();
    await page.getByLabel('Name', { exact: true }).focus();
    await page.keyboard.type('Keyboard source');
    await page.keyboard.press('Enter'); // submits the form
    await page.locator('#test-command').waitFor();
    const del = page.getByRole('button', { name: 'Delete Keyboard source' });
    await del.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    expect(await del.count()).toBe(1);
    await page.context().close();
  });

  it('fits a 360 px wide sidebar on every view', async () => {
    const page = await stack.open(await stack.userToken({ role: 'OWNER' }), 'overview', 360);
    await page.locator('#view[data-ready="overview"]').waitFor();
    for (const [name, view] of [
      ['Sources', 'sources'],
      ['Event log', 'events'],
      ['Flows', 'flows'],
      ['Outbound endpoints', 'endpoints'],
      ['API explorer', 'explorer'],
      ['Settings & keys', 'settings'],
      ['Overview', 'overview'],
    ] as const) {
      await goTo(page, name, view);
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow, view).toBeLessThanOrEqual(0);
    }
    await page.context().close();
  });
});
