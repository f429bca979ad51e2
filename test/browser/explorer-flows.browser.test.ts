/// <reference lib="dom" />
import type { Locator, Page } from 'playwright-core';
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

/** Opens a collapsed object or list of the form by its summary. */
async function openGroup(scope: Locator, name: string) {
  await scope.locator('summary', { hasText: new RegExp(`^${name}( \\(\\d+\\))?$`) }).click();
}

async function findOperation(page: Page, q: string, method: string, path: string) {
  await page.getByLabel('Search operations').fill(q);
  await page.getByLabel('Method').selectOption(method);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByRole('button', { name: `${method} ${path}`, exact: true }).click();
}

describe('schema form', () => {
  it('picks a oneOf branch, fills its fields, a date-time and a cycle marker, shows issues by path, and keeps the JSON view in step', async () => {
    const page = await stack.open(await stack.userToken({ role: 'OWNER' }));
    await page.locator('#view[data-ready="overview"]').waitFor();
    // Set-up: the component mounted on its own with a schema that has what the catalogue's bodies lack
    // (a oneOf with several branches, a cycle marker). The person then uses it with mouse and keyboard.
    const schema = {
      type: 'object',
      required: ['target'],
      properties: {
        target: {
          description: 'Which project',
          oneOf: [
            { title: 'By id', type: 'object', required: ['id'], properties: { id: { type: 'string' } } },
            {
              title: 'By name',
              type: 'object',
              properties: { name: { type: 'string' }, exact: { type: 'boolean' } },
            },
          ],
        },
        when: { type: 'string', format: 'date-time' },
        parent: { 'x-circular': true },
        count: { type: 'integer', minimum: 0 },
      },
    };
    // A string, not a function: the test runner would rewrite a function's import().
    await page.evaluate(`(async () => {
      const { schemaForm } = await import('/assets/js/schema-form.js');
      const form = schemaForm(${JSON.stringify(schema)}, { idPrefix: 'sft', label: 'Test body' });
      const box = document.createElement('section');
      box.className = 'card';
      box.setAttribute('aria-label', 'Schema form test');
      box.append(form.el);
      document.querySelector('#view .view').prepend(box);
      window.sf = form;
    })()`);
    const box = page.getByRole('region', { name: 'Schema form test' });
    await box.getByLabel('target: kind').selectOption({ label: 'By name' });
    await box.getByLabel('name', { exact: true }).fill('Website');
    await box.getByLabel('exact', { exact: true }).selectOption('true');
    await box.getByLabel('when', { exact: true }).fill('2026-03-01T10:00:00');
    await box.getByLabel('parent', { exact: true }).fill('{"id":"p1"}');
    await box.getByLabel('count', { exact: true }).fill('3');
    const value = () =>
      page.evaluate(() => (window as unknown as { sf: { getValue(): unknown } }).sf.getValue());
    // Europe/Berlin (the harness's zone) is UTC+1 in March.
    expect(await value()).toEqual({
      target: { name: 'Website', exact: true },
      when: '2026-03-01T09:00:00Z',
      parent: { id: 'p1' },
      count: 3,
    });
    await expectAccessible(page);

    // Issues land next to the field their path names; the rest in the form's summary.
    const rest = await page.evaluate(() =>
      (window as unknown as { sf: { showIssues(i: unknown[]): unknown[] } }).sf.showIssues([
        { path: 'target.name', message: 'must NOT have fewer than 10 characters' },
        { path: 'other', message: 'unknown property' },
      ]),
    );
    expect(rest).toEqual([{ path: 'other', message: 'unknown property' }]);
    const name = box.getByLabel('name', { exact: true });
    expect(await name.getAttribute('aria-invalid')).toBe('true');
    await box.getByText('must NOT have fewer than 10 characters').waitFor();
    await box.getByText('other: unknown property').waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(await name.getAttribute('id'));

    // The JSON view shows the same value; an edit there comes back into the fields.
    await box.getByRole('button', { name: 'JSON view of Test body' }).click();
    const text = box.getByLabel('Test body as JSON');
    expect(JSON.parse(await text.inputValue())).toMatchObject({ target: { name: 'Website' } });
    await text.fill(JSON.stringify({ target: { id: 'abc' }, count: 7 }));
    await box.getByRole('button', { name: 'JSON view of Test body' }).click();
    expect(await box.getByLabel('target: kind').inputValue()).toBe('0');
    expect(await box.getByLabel('id', { exact: true }).inputValue()).toBe('abc');
    expect(await box.getByLabel('count', { exact: true }).inputValue()).toBe('7');
    // Invalid JSON stays in the JSON view with the reason.
    await box.getByRole('button', { name: 'JSON view of Test body' }).click();
    await text.fill('{ nope');
    await box.getByRole('button', { name: 'JSON view of Test body' }).click();
    await box.getByText(/Not valid JSON/).waitFor();
    expect(await text.isVisible()).toBe(true);
    await page.context().close();
  });
});

describe('API explorer form', () => {
  it('an admin fills a nested body in the form, sees a field’s 422 next to it, confirms the write and reads the answer', async () => {
    // Set-up: an admin allowed explorer writes in Clockify's add-on settings.
    await stack.updateSettings({ explorer_allow_writes: true });
    const page = await stack.open(await stack.userToken({ role: 'OWNER' }));
    await page.locator('#view[data-ready="overview"]').waitFor();
    await goTo(page, 'API explorer', 'explorer');
    await findOperation(page, 'project', 'POST', '/v1/workspaces/{workspaceId}/projects');
    const body = page.getByRole('group', { name: 'Body' });
    await body.getByLabel('name', { exact: true }).fill('Website relaunch');
    await openGroup(body, 'hourlyRate');
    await body.getByRole('group', { name: 'hourlyRate' }).getByLabel('amount').fill('5000');
    await openGroup(body, 'estimate');
    await body.getByRole('group', { name: 'estimate' }).getByLabel('type').selectOption('MANUAL');
    await openGroup(body, 'memberships');
    await body.getByRole('button', { name: 'Add memberships item' }).click();
    await body
      .getByRole('group', { name: 'memberships item 1' })
      .getByLabel('membershipType')
      .selectOption('PROJECT');
    await body.getByLabel('color').fill('red');
    await expectAccessible(page);

    // The gateway's validation names body.color: the message is next to the field.
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByText(/Some fields do not match what Clockify expects/).waitFor();
    const color = body.getByLabel('color');
    expect(await color.getAttribute('aria-invalid')).toBe('true');
    const errorId = (await color.getAttribute('aria-describedby'))?.split(' ').pop() ?? '';
    expect(await page.locator(`[id="${errorId}"]`).textContent()).toMatch(/pattern/);
    await expectAccessible(page);

    // The JSON view holds the same body; a change there is back in the form.
    await body.getByRole('button', { name: 'JSON view of Body' }).click();
    const asJson = JSON.parse(await body.getByLabel('Body as JSON').inputValue());
    expect(asJson).toMatchObject({
      name: 'Website relaunch',
      hourlyRate: { amount: 5000 },
      estimate: { type: 'MANUAL' },
      memberships: [{ membershipType: 'PROJECT' }],
    });
    await body.getByLabel('Body as JSON').fill(JSON.stringify({ ...asJson, color: '#0288d1' }));
    await body.getByRole('button', { name: 'JSON view of Body' }).click();
    expect(await body.getByLabel('color').inputValue()).toBe('#0288d1');

    // A write asks for the typed confirmation, then goes to (the fake) Clockify.
    await page.getByRole('button', { name: 'Send' }).click();
    const dialog = page.getByRole('dialog');
    const phrase = /Type “(.+)” to send it/.exec((await dialog.textContent()) ?? '')?.[1] ?? '';
    expect(phrase).toBe(`POST /v1/workspaces/${WORKSPACE_ID}/projects`);
    await dialog.getByLabel('Confirmation').fill(phrase);
    await dialog.getByRole('button', { name: 'Send' }).click();
    await page
      .locator('#explorer-answer')
      .getByText(/HTTP 20\d/)
      .waitFor();
    await expectAccessible(page);
    const sent = stack.fake.recorded.filter((r) => r.operationId === 'createNewProject').at(-1);
    expect(sent?.body).toMatchObject({
      name: 'Website relaunch',
      color: '#0288d1',
      hourlyRate: { amount: 5000 },
      estimate: { type: 'MANUAL' },
      memberships: [{ membershipType: 'PROJECT' }],
    });

    // “Use in a flow” hands the call to a new flow's editor, as a Clockify action in its form.
    await page.getByRole('button', { name: 'Use in a flow' }).click();
    await page.getByRole('button', { name: 'Start a new flow with this action' }).click();
    await page.getByRole('heading', { name: 'New flow' }).waitFor();
    const actionBody = page.getByRole('group', { name: 'Body of action 1' });
    await expect
      .poll(() => actionBody.getByLabel('name', { exact: true }).inputValue())
      .toBe('Website relaunch');
    // Given parts of the body open by themselves (the top-level hourlyRate comes first).
    expect(
      await actionBody.getByRole('group', { name: 'hourlyRate' }).first().getByLabel('amount').inputValue(),
    ).toBe('5000');
    await page.context().close();
  });

  it('shows a large answer in part, and all of it on demand', async () => {
    const big = Array.from({ length: 3000 }, (_, i) => ({
      id: `p${i}`,
      name: `Project ${i}`,
      note: 'x'.repeat(40),
    }));
    // Set-up: (the fake) Clockify answers this once with a large list.
    stack.fake.setFault({ operationId: 'getProjects', status: 200, body: big, times: 1 });
    const page = await stack.open(await stack.userToken({ role: 'OWNER' }));
    await page.locator('#view[data-ready="overview"]').waitFor();
    await goTo(page, 'API explorer', 'explorer');
    await findOperation(page, 'projects', 'GET', '/v1/workspaces/{workspaceId}/projects');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('#explorer-answer').getByText('HTTP 200').waitFor();
    await page.getByText(/Showing the first .* KB of .* KB/).waitFor();
    const shown = async () => (await page.getByLabel('Response body').textContent())?.length ?? 0;
    expect(await shown()).toBeLessThanOrEqual(20_000);
    await page.getByRole('button', { name: /^Show all/ }).click();
    await page.getByText(/Showing all/).waitFor();
    expect(await shown()).toBeGreaterThan(200_000);
    await expectAccessible(page);
    await page.context().close();
  });
});

describe('flow editor', () => {
  it('an admin builds a flow with a Clockify action from the picker and its form, dry-runs, saves, sees its versions, retries a failed execution and replays events', async () => {
    const page = await stack.open(await stack.userToken({ role: 'OWNER' }));
    await page.locator('#view[data-ready="overview"]').waitFor();
    await goTo(page, 'Flows', 'flows');
    await page.getByRole('button', { name: 'New flow' }).click();
    await page.getByRole('heading', { name: 'New flow' }).waitFor();
    await page.getByLabel('Flow name').fill('Tag described entries');
    await page.getByLabel('Trigger events').selectOption('NEW_TIME_ENTRY');

    // A condition row; its path is suggested from the event's sample.
    await page.getByRole('button', { name: 'Add condition', exact: true }).click();
    const path = page.getByLabel('Condition 1 path');
    expect(await path.getAttribute('list')).toBe('fl-paths');
    expect(await page.locator('#fl-paths option[value="$.webhook.description"]').count()).toBe(1);
    await path.fill('$.webhook.description');
    await page.getByLabel('Condition 1 operator').selectOption('exists');

    // A Clockify action: found by searching the catalogue, its body filled in the schema's form.
    await page.getByLabel('New action type').selectOption('clockify');
    await page.getByRole('button', { name: 'Add action', exact: true }).click();
    await page.getByLabel('Find a Clockify operation').fill('tag');
    await page.getByRole('button', { name: 'Find operations' }).click();
    await page.getByRole('button', { name: 'POST /v1/workspaces/{workspaceId}/tags', exact: true }).click();
    const body = page.getByRole('group', { name: 'Body of action 1' });
    await body.getByLabel('name', { exact: true }).fill('Entry {{ webhook.description }}');
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Create flow' }).click();
    await page.getByRole('heading', { name: 'Dry run' }).waitFor();
    expect(page.url()).toMatch(/#\/flows\/flw_/);
    // The saved action is shown in its form again, not as JSON.
    expect(await body.getByLabel('name', { exact: true }).inputValue()).toBe(
      'Entry {{ webhook.description }}',
    );

    await page.getByLabel('Event type', { exact: true }).selectOption('NEW_TIME_ENTRY');
    const sample = JSON.parse(await page.getByLabel('Sample body (JSON)').inputValue());
    await page.getByRole('button', { name: 'Dry run' }).click();
    await page.getByRole('heading', { name: 'The flow matches this event' }).waitFor();
    const rendered = (await page.getByLabel('Rendered request of action1').textContent()) ?? '';
    expect(rendered).toMatch(/^POST \/v1\/workspaces\/.*\/tags/);
    expect(rendered).toContain(`"name": "Entry ${sample.description}"`);
    await expectAccessible(page);

    await page.getByRole('button', { name: 'Save flow' }).click();
    await page.getByText('Saved as version 2.').waitFor();
    const versions = page.getByRole('table', { name: 'Saved versions of this flow, newest first' });
    await versions.getByRole('row', { name: /^2 current/ }).waitFor();
    await versions.getByRole('row', { name: /^1 / }).waitFor();
    await versions.getByRole('button', { name: 'Show version 1' }).click();
    await expect
      .poll(async () => JSON.parse((await page.getByLabel('Definition of version 1').textContent()) ?? '{}'))
      .toMatchObject({ name: 'Tag described entries', actions: [{ operationId: 'createNewTag' }] });
    await expectAccessible(page);

    // Enabled; Clockify refuses the first call, so the execution fails.
    await page.getByRole('button', { name: 'Enable flow' }).click();
    await page.getByRole('button', { name: 'Disable flow' }).waitFor();
    stack.fake.setFault({ operationId: 'createNewTag', status: 400, times: 1 });
    expect(await stack.clockifyWebhook('NEW_TIME_ENTRY', { ...sample, workspaceId: WORKSPACE_ID })).toBe(202);
    const executions = page.locator('#flow-executions');
    await expect
      .poll(async () => {
        await page.getByRole('button', { name: 'Refresh executions' }).click();
        return executions.getByRole('row', { name: /failed/ }).count();
      })
      .toBe(1);

    // Retry from the start with the current version: a new execution that succeeds.
    await executions
      .getByRole('row', { name: /failed/ })
      .getByRole('button', { name: /^Retry execution/ })
      .click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Start').selectOption('start');
    await dialog.getByLabel('Definition').selectOption('current');
    await expectAccessible(page);
    await dialog.getByRole('button', { name: 'Retry' }).click();
    await page.getByText(/Retry started as execution fex_/).waitFor();
    await expect
      .poll(async () => {
        await page.getByRole('button', { name: 'Refresh executions' }).click();
        return executions.getByRole('row', { name: /succeeded\s*retry/ }).count();
      })
      .toBe(1);
    await executions
      .getByRole('row', { name: /succeeded\s*retry/ })
      .getByRole('button', { name: /^Steps/ })
      .click();
    await page
      .getByRole('table', { name: 'Steps' })
      .getByRole('cell', { name: '201' })
      .or(page.getByRole('table', { name: 'Steps' }).getByRole('cell', { name: '200' }))
      .first()
      .waitFor();
    await expectAccessible(page);

    // Replay the stored event through the flow: a background job whose progress the page shows.
    await page.getByRole('button', { name: 'Replay events' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Replay' }).click();
    await page
      .locator('#replay-progress')
      .getByText(/succeeded 1 events scanned, 1 executions created/)
      .waitFor();
    await expect.poll(async () => executions.getByRole('row', { name: /replay/ }).count()).toBe(1);
    await expectAccessible(page);
    await page.context().close();
  });

  it('an admin writes an HTTP action and a webhook action without JSON; the JSON view shows the same actions', async () => {
    const page = await stack.open(await stack.userToken({ role: 'OWNER' }), 'flows/new');
    await page.getByRole('heading', { name: 'New flow' }).waitFor();
    await page.getByLabel('New action type').selectOption('http');
    await page.getByRole('button', { name: 'Add action', exact: true }).click();
    await page.getByLabel('Method').selectOption('PUT');
    await page.getByLabel('URL').fill('https://hooks.example.com/entries/{{ webhook.id }}');
    await page.getByRole('button', { name: 'Add header' }).click();
    await page.getByLabel('Header 1 name').fill('X-Flow');
    await page.getByLabel('Header 1 value').fill('{{ flow.id }}');
    await page.getByLabel('Body template').fill('{ "text": "{{ webhook.description }}" }');
    await page.getByText('When, errors and retries of action 1').click();
    await page.getByLabel('On error').selectOption('continue');
    await page.getByLabel('Retry attempts (0–10)').fill('2');
    await page.getByLabel('New action type').selectOption('webhook');
    await page.getByRole('button', { name: 'Add action', exact: true }).click();
    await page.getByLabel('Payload template').fill('{{ webhook }}');
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Edit actions as JSON' }).click();
    expect(JSON.parse(await page.getByLabel('Actions (JSON)').inputValue())).toEqual([
      {
        id: 'action1',
        type: 'http',
        method: 'PUT',
        url: 'https://hooks.example.com/entries/{{ webhook.id }}',
        headers: { 'X-Flow': '{{ flow.id }}' },
        body: { text: '{{ webhook.description }}' },
        onError: 'continue',
        retry: { attempts: 2, backoff: 'exponential' },
      },
      { id: 'action2', type: 'webhook', endpointId: '', payload: '{{ webhook }}' },
    ]);
    await page.context().close();
  });

  it('a save the gateway refuses shows each issue next to the action’s field it names', async () => {
    const page = await stack.open(await stack.userToken({ role: 'OWNER' }), 'flows/new');
    await page.getByRole('heading', { name: 'New flow' }).waitFor();
    await page.getByLabel('Flow name').fill('Tasks for new projects');
    await page.getByLabel('Trigger events').selectOption('NEW_PROJECT');
    await page.getByRole('button', { name: 'Add action', exact: true }).click();
    await page.getByLabel('Find a Clockify operation').fill('create task');
    await page.getByLabel('Find a Clockify operation').press('Enter');
    await page
      .getByRole('button', {
        name: 'POST /v1/workspaces/{workspaceId}/projects/{projectId}/tasks',
        exact: true,
      })
      .click();
    await page
      .getByRole('group', { name: 'Body of action 1' })
      .getByLabel('name', { exact: true })
      .fill('Kick-off');
    await page.getByRole('button', { name: 'Create flow' }).click();
    await page.getByText(/This definition cannot work as written/).waitFor();
    const projectId = page.getByLabel('projectId', { exact: true });
    expect(await projectId.getAttribute('aria-invalid')).toBe('true');
    const errorId = (await projectId.getAttribute('aria-describedby'))?.split(' ').pop() ?? '';
    expect(await page.locator(`[id="${errorId}"]`).textContent()).toMatch(/projectId/);
    await expectAccessible(page);
    // Fixed with a template, the flow is created.
    await projectId.fill('{{ webhook.id }}');
    await page.getByRole('button', { name: 'Create flow' }).click();
    await page.getByRole('heading', { name: 'Dry run' }).waitFor();
    expect(await page.getByLabel('projectId', { exact: true }).inputValue()).toBe('{{ webhook.id }}');
    await page.context().close();
  });

  it('an admin pages through a flow’s executions with “Load more”', async () => {
    const page = await stack.open(await stack.userToken({ role: 'OWNER' }));
    await page.locator('#view[data-ready="overview"]').waitFor();
    await goTo(page, 'Flows', 'flows');
    await page.getByRole('link', { name: 'Tag described entries' }).click();
    await page.getByRole('heading', { name: 'Executions' }).waitFor();
    // Set-up: 18 more events as Clockify sends them (3 executions exist from the test above).
    const sample = JSON.parse(await page.getByLabel('Sample body (JSON)').inputValue());
    for (let i = 0; i < 18; i++)
      expect(
        await stack.clockifyWebhook('NEW_TIME_ENTRY', {
          ...sample,
          id: `${String(i).padStart(2, '0')}${String(sample.id).slice(2)}`,
          workspaceId: WORKSPACE_ID,
        }),
      ).toBe(202);
    const rows = page.locator('#flow-executions tbody tr');
    const more = page.getByRole('button', { name: 'Load more executions' });
    await expect
      .poll(async () => {
        await page.getByRole('button', { name: 'Refresh executions' }).click();
        return more.isVisible();
      })
      .toBe(true);
    expect(await rows.count()).toBe(20);
    await more.click();
    await expect.poll(() => rows.count()).toBe(21);
    expect(await more.isVisible()).toBe(false);
    await expectAccessible(page);
    await page.context().close();
  });

  it('a read-only user sees the flow editor, versions, executions and replay with every change disabled', async () => {
    const page = await stack.open(await stack.userToken({ role: 'TEAM_MANAGER' }));
    await page.locator('#view[data-ready="overview"]').waitFor();
    await goTo(page, 'Flows', 'flows');
    expect(await page.getByRole('button', { name: 'New flow' }).isDisabled()).toBe(true);
    await page.getByRole('link', { name: 'Tag described entries' }).click();
    await page.getByRole('heading', { name: 'Versions' }).waitFor();
    await page.getByRole('group', { name: 'Body of action 1' }).getByLabel('name', { exact: true }).waitFor();
    for (const label of ['Save flow', 'Change operation', 'Add action', 'Remove action 1', 'Replay events']) {
      const button = page.getByRole('button', { name: label });
      expect(await button.isDisabled(), label).toBe(true);
    }
    expect(await page.getByRole('button', { name: 'Replay events' }).getAttribute('title')).toMatch(
      /owner or admin/,
    );
    expect(
      await page
        .getByRole('group', { name: 'Body of action 1' })
        .getByLabel('name', { exact: true })
        .isDisabled(),
    ).toBe(true);
    const retries = page.getByRole('button', { name: /^Retry execution/ });
    expect(await retries.count()).toBeGreaterThan(0);
    for (const b of await retries.all()) expect(await b.isDisabled()).toBe(true);
    await expectAccessible(page);
    await page.context().close();
  });
});
