import { beforeAll, describe, expect, it } from 'vitest';
import type { Catalogue } from '../../../integrations/clockify/catalogue.js';
import { CLOCKIFY_WEBHOOK_EVENTS } from '../../../integrations/clockify/webhook-events.js';
import { WEBHOOK_ENDPOINTS_EXTENSION } from '../definition.js';
import type { DryRunReport } from '../dry-run.js';
import { validateFlowDefinition } from '../validate.js';
import {
  FLOW_TEMPLATES,
  type FlowDefinitionJson,
  getFlowTemplate,
  instantiateTemplate,
  listFlowTemplates,
  templateInputsSchema,
} from './index.js';
import {
  WORKSPACE_ID,
  clockifySample,
  eventOf,
  mustValidate,
  realCatalogue,
  runDry,
} from './library.test-support.js';

let catalogue: Catalogue;
beforeAll(async () => {
  catalogue = await realCatalogue();
});

const SOURCE = `src_${'k'.repeat(24)}`;
const ENDPOINT = 'ep_ops';
const PROJECT = '5f11849d4e759e12c40733d5';
const TAG = '65a0b1c2d3e4f5a6b7c8d9e0';
const USER = '5ef1cf219f130f232cc34ddc';

const validateOptions = () => ({
  catalogue,
  sourceIds: [SOURCE],
  extensions: { [WEBHOOK_ENDPOINTS_EXTENSION]: { has: (id: string) => id === ENDPOINT } },
});

function install(id: string, inputs: Record<string, unknown>): FlowDefinitionJson {
  const r = instantiateTemplate(id, inputs, validateOptions());
  if (!r.ok) throw new Error(`${id}: ${r.reason} ${JSON.stringify(r.issues)}`);
  return r.definition;
}

const entry = clockifySample('NEW_TIME_ENTRY');
const untagged = { ...entry, tagIds: [], tags: [] };

/** Every action would run, with no template error and no placeholder, and Clockify requests are valid. */
function expectCleanRun(r: DryRunReport): void {
  expect(r.matches).toBe(true);
  expect(r.wouldRun).toBe(false); // installed disabled
  for (const a of r.actions) {
    expect(a.error).toBeUndefined();
    expect(a.outcome).toBe('would_run');
    expect(a.placeholders).toEqual([]);
    if (a.request?.type === 'clockify')
      expect(a.request).toMatchObject({ validation: { checked: true, issues: [], notChecked: [] } });
  }
}

type Case = {
  id: string;
  inputs: Record<string, unknown>;
  event: ReturnType<typeof eventOf>;
  request: unknown;
};

const keptEntry = {
  start: '2020-07-17T11:35:01Z',
  end: '2020-07-17T12:35:01Z',
  billable: true,
  description: 'Webhook Test Description',
  projectId: PROJECT,
  taskId: '5f1189847db7a8637ffcaf25',
};

const CASES: Case[] = [
  {
    id: 'tag-project-entries',
    inputs: { projectId: PROJECT, tagId: TAG },
    event: eventOf('NEW_TIME_ENTRY', untagged),
    request: {
      type: 'clockify',
      operationId: 'updateTimeEntry',
      method: 'PUT',
      path: `/v1/workspaces/${WORKSPACE_ID}/time-entries/5f118c837db7a8637ffcaf36`,
      pathParams: { workspaceId: WORKSPACE_ID, id: '5f118c837db7a8637ffcaf36' },
      query: {},
      body: { ...keptEntry, tagIds: [TAG] },
      validation: { checked: true, issues: [], notChecked: [] },
    },
  },
  {
    id: 'billable-project-entries',
    inputs: { projectId: PROJECT },
    event: eventOf('NEW_TIME_ENTRY', { ...entry, billable: false }),
    request: expect.objectContaining({
      operationId: 'updateTimeEntry',
      body: { ...keptEntry, billable: true, tagIds: ['5f118b747db7a8637ffcaf33'] },
    }),
  },
  {
    id: 'stop-long-timers',
    inputs: { maxHours: 8 },
    event: eventOf('NEW_TIMER_STARTED', clockifySample('NEW_TIMER_STARTED')),
    request: {
      type: 'clockify',
      operationId: 'stopRunningTimeEntry',
      method: 'PATCH',
      path: `/v1/workspaces/${WORKSPACE_ID}/user/${USER}/time-entries`,
      pathParams: { workspaceId: WORKSPACE_ID, userId: USER },
      query: {},
      body: { end: '2024-05-01T12:00:00.000Z' },
      validation: { checked: true, issues: [], notChecked: [] },
    },
  },
  {
    id: 'custom-issue-to-task',
    inputs: {
      sourceId: SOURCE,
      projectId: PROJECT,
      titleField: 'issue.summary',
      namePrefix: '[Ops {{x}}] ',
      assigneeId: USER,
    },
    event: eventOf(
      'issue.created',
      { issue: { summary: '  Checkout returns 500  ', id: 'OPS-7' } },
      { sourceKind: 'custom', sourceId: SOURCE },
    ),
    request: {
      type: 'clockify',
      operationId: 'createTask',
      method: 'POST',
      path: `/v1/workspaces/${WORKSPACE_ID}/projects/${PROJECT}/tasks`,
      pathParams: { workspaceId: WORKSPACE_ID, projectId: PROJECT },
      query: {},
      body: { name: '[Ops {{x}}] Checkout returns 500', assigneeIds: [USER] },
      validation: { checked: true, issues: [], notChecked: [] },
    },
  },
  {
    id: 'forward-new-invoices',
    inputs: { url: 'https://books.example.com/hooks/clockify', includeItems: true },
    event: eventOf('NEW_INVOICE', clockifySample('NEW_INVOICE')),
    request: {
      type: 'http',
      method: 'POST',
      url: 'https://books.example.com/hooks/clockify',
      headers: { 'Content-Type': 'application/json', 'X-Clockify-Event': 'NEW_INVOICE' },
      body: {
        event: 'NEW_INVOICE',
        workspaceId: WORKSPACE_ID,
        receivedAt: '2024-05-01T12:00:00.000Z',
        invoice: {
          id: '61b741a6f2147a59acc0918d',
          number: 'Webhook Test Number',
          status: 'UNSENT',
          clientId: '61a912385bee2b729b11f676',
          clientName: 'test client name',
          currency: 'USD',
          amount: 0,
          subtotal: 0,
          issuedDate: '2021-12-23T00:00:00Z',
          dueDate: '2021-12-23T00:00:00Z',
          items: clockifySample('NEW_INVOICE').items,
        },
      },
      issues: [],
    },
  },
  {
    id: 'notify-time-off-requests',
    inputs: { endpointId: ENDPOINT },
    event: eventOf('TIME_OFF_REQUESTED', clockifySample('TIME_OFF_REQUESTED')),
    request: {
      type: 'webhook',
      endpointId: ENDPOINT,
      payload: {
        event: 'TIME_OFF_REQUESTED',
        workspaceId: WORKSPACE_ID,
        requestId: '630c87ffc2e8b3166121d4fa',
        userId: '6137bb5addd64b2759e031e7',
        policyId: '6304e59201c5df1a709e145b',
        start: '2022-08-28T22:00:00Z',
        end: '2022-08-29T21:59:59.999Z',
        halfDay: false,
        timeZone: 'Europe/Belgrade',
        status: 'PENDING',
        decidedBy: null,
        note: null,
      },
    },
  },
  {
    id: 'project-client-in-note',
    inputs: {},
    event: eventOf('NEW_PROJECT', clockifySample('NEW_PROJECT')),
    request: {
      type: 'clockify',
      operationId: 'updateProject',
      method: 'PUT',
      path: `/v1/workspaces/${WORKSPACE_ID}/projects/5f1185197db7a8637ffcaf1d`,
      pathParams: { workspaceId: WORKSPACE_ID, projectId: '5f1185197db7a8637ffcaf1d' },
      query: {},
      body: {
        name: 'Webhook Test Project',
        clientId: '5f1183584e759e12c40733cb',
        billable: true,
        isPublic: true,
        color: '#795548',
        note: 'Client: Client\nTest Note',
      },
      validation: { checked: true, issues: [], notChecked: [] },
    },
  },
];

describe('the flow template library', () => {
  it('has at least six templates with unique ids, each covered by a case below', () => {
    expect(FLOW_TEMPLATES.length).toBeGreaterThanOrEqual(6);
    const ids = FLOW_TEMPLATES.map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(CASES.map((c) => c.id).sort()).toEqual([...ids].sort());
  });

  it('uses real Clockify operations and webhook events', () => {
    for (const info of listFlowTemplates()) {
      const t = getFlowTemplate(info.id)!;
      for (const e of info.events)
        if (!t.inputs.some((i) => i.type === 'eventType' && i.default === e))
          expect(CLOCKIFY_WEBHOOK_EVENTS as readonly string[], `${info.id}: ${e}`).toContain(e);
    }
    for (const c of CASES)
      for (const a of install(c.id, c.inputs).actions)
        if (a.type === 'clockify') expect(catalogue.get(String(a.operationId)), c.id).toBeDefined();
  });

  it('lists templates with inputs whose required flags and defaults match the install schema', () => {
    const list = listFlowTemplates();
    for (const info of list) {
      expect(info.name.length).toBeGreaterThan(0);
      expect(info.description.length).toBeGreaterThan(20);
      expect(info.inputs.at(-1)?.name).toBe('name');
      const schema = templateInputsSchema(getFlowTemplate(info.id)!);
      // Only the required inputs are needed, and the defaults come back filled in.
      const caseInputs = CASES.find((c) => c.id === info.id)!.inputs;
      const minimal = Object.fromEntries(
        Object.entries(caseInputs).filter(([k]) => info.inputs.find((i) => i.name === k)?.required),
      );
      const parsed = schema.parse(minimal);
      for (const i of info.inputs) {
        if (i.default !== undefined) expect(parsed[i.name], `${info.id}.${i.name}`).toEqual(i.default);
        if (i.required) {
          const without = { ...minimal };
          delete without[i.name];
          const r = instantiateTemplate(info.id, without);
          expect(r).toMatchObject({ ok: false, reason: 'invalid_inputs' });
          if (!r.ok) expect(r.issues).toContainEqual({ path: `inputs.${i.name}`, message: 'is required' });
        }
      }
    }
    expect(list.find((t) => t.id === 'forward-new-invoices')?.actionTypes).toEqual(['http']);
  });

  it('installs every template with only its required inputs', () => {
    for (const t of FLOW_TEMPLATES) {
      const caseInputs = CASES.find((c) => c.id === t.id)!.inputs;
      const required = Object.fromEntries(
        Object.entries(caseInputs).filter(([k]) => t.inputs.find((i) => i.name === k)?.required),
      );
      const json = install(t.id, required);
      expect(json.enabled, t.id).toBe(false);
      mustValidate(catalogue, json);
    }
  });

  for (const c of CASES) {
    it(`${c.id}: installs disabled, validates, and a dry run on a sample renders the expected request`, () => {
      const json = install(c.id, c.inputs);
      expect(json.enabled).toBe(false);
      expect(json.name).toBe(getFlowTemplate(c.id)!.name);
      const definition = mustValidate(catalogue, json);
      expect(validateFlowDefinition(json, validateOptions()).ok).toBe(true);
      const r = runDry(catalogue, definition, c.event);
      expectCleanRun(r);
      expect(r.actions.map((a) => a.request)).toEqual([c.request]);
    });
  }
});

describe('template conditions on events they must not act on', () => {
  it('tag-project-entries leaves tagged entries and other projects alone', () => {
    const d = mustValidate(catalogue, install('tag-project-entries', { projectId: PROJECT, tagId: TAG }));
    expect(runDry(catalogue, d, eventOf('NEW_TIME_ENTRY', entry)).matches).toBe(false);
    const other = { ...untagged, projectId: 'ffffffffffffffffffffffff' };
    expect(runDry(catalogue, d, eventOf('NEW_TIME_ENTRY', other)).matches).toBe(false);
  });

  it('billable-project-entries leaves billable and running entries alone', () => {
    const d = mustValidate(catalogue, install('billable-project-entries', { projectId: PROJECT }));
    expect(runDry(catalogue, d, eventOf('NEW_TIME_ENTRY', entry)).matches).toBe(false);
    const interval = entry.timeInterval as Record<string, unknown>;
    const running = { ...entry, billable: false, timeInterval: { ...interval, end: null } };
    expect(runDry(catalogue, d, eventOf('NEW_TIME_ENTRY', running)).matches).toBe(false);
    const noEnd = { ...entry, billable: false, timeInterval: { start: interval.start } };
    expect(runDry(catalogue, d, eventOf('NEW_TIME_ENTRY', noEnd)).matches).toBe(false);
  });

  it('stop-long-timers stops only timers older than N hours, and listens to its watchdog source', () => {
    const d = mustValidate(catalogue, install('stop-long-timers', { maxHours: '8' }));
    const timer = clockifySample('NEW_TIMER_STARTED') as { timeInterval: Record<string, unknown> };
    const startedAt = (iso: string) => ({ ...timer, timeInterval: { ...timer.timeInterval, start: iso } });
    // The event arrives at 12:00Z: a timer started at 04:00Z has run 8 h (not more), 03:59Z more.
    expect(
      runDry(catalogue, d, eventOf('TIME_ENTRY_UPDATED', startedAt('2024-05-01T04:00:00Z'))).matches,
    ).toBe(false);
    expect(
      runDry(catalogue, d, eventOf('TIME_ENTRY_UPDATED', startedAt('2024-05-01T03:59:00Z'))).matches,
    ).toBe(true);
    const stopped = { ...entry };
    expect(runDry(catalogue, d, eventOf('TIME_ENTRY_UPDATED', stopped)).matches).toBe(false);

    const w = install('stop-long-timers', { maxHours: 12, watchdogSourceId: SOURCE });
    expect(w.trigger).toEqual({
      sources: ['clockify', SOURCE],
      events: ['NEW_TIMER_STARTED', 'TIME_ENTRY_UPDATED', 'timer.running'],
    });
    const wd = mustValidate(catalogue, w);
    const running = { id: 'x', userId: USER, timeInterval: { start: '2024-04-30T23:00:00Z' } };
    const r = runDry(
      catalogue,
      wd,
      eventOf('timer.running', running, { sourceKind: 'custom', sourceId: SOURCE }),
    );
    expectCleanRun(r);
  });

  it('custom-issue-to-task needs a non-empty title', () => {
    const d = mustValidate(
      catalogue,
      install('custom-issue-to-task', { sourceId: SOURCE, projectId: PROJECT }),
    );
    const custom = { sourceKind: 'custom' as const, sourceId: SOURCE };
    expect(runDry(catalogue, d, eventOf('issue.created', { title: '' }, custom)).matches).toBe(false);
    expect(runDry(catalogue, d, eventOf('issue.created', { name: 'x' }, custom)).matches).toBe(false);
    const ok = runDry(catalogue, d, eventOf('issue.created', { title: 'Disk full' }, custom));
    expectCleanRun(ok);
    expect(ok.actions[0]!.request).toMatchObject({ body: { name: 'Disk full' } });
  });

  it('project-client-in-note skips projects without a client and can replace the note', () => {
    const d = mustValidate(
      catalogue,
      install('project-client-in-note', { prefix: 'Kunde: ', keepNote: false }),
    );
    const project = clockifySample('NEW_PROJECT');
    expect(runDry(catalogue, d, eventOf('NEW_PROJECT', { ...project, clientName: '' })).matches).toBe(false);
    const r = runDry(catalogue, d, eventOf('NEW_PROJECT', project));
    expect(r.actions[0]!.request).toMatchObject({ body: { note: 'Kunde: Client' } });
  });

  it('options add the events they promise', () => {
    expect(
      install('forward-new-invoices', { url: 'https://x.example.com/', includeUpdates: true }).trigger.events,
    ).toEqual(['NEW_INVOICE', 'INVOICE_UPDATED']);
    const t = install('notify-time-off-requests', { endpointId: ENDPOINT, includeDecisions: true });
    expect(t.trigger.events).toContain('TIME_OFF_REQUEST_APPROVED');
    const d = mustValidate(catalogue, t);
    const r = runDry(
      catalogue,
      d,
      eventOf('TIME_OFF_REQUEST_APPROVED', clockifySample('TIME_OFF_REQUEST_APPROVED')),
    );
    expectCleanRun(r);
    expect(r.actions[0]!.request).toMatchObject({
      payload: { status: 'APPROVED', decidedBy: 'Test username' },
    });
  });
});

describe('instantiateTemplate: inputs', () => {
  it('refuses an unknown template', () => {
    expect(instantiateTemplate('nope', {})).toEqual({
      ok: false,
      reason: 'unknown_template',
      issues: [{ path: 'id', message: "no flow template 'nope'" }],
    });
  });

  it('names each bad input', () => {
    const r = instantiateTemplate('custom-issue-to-task', {
      sourceId: 'clockify',
      projectId: 'p1',
      titleField: 'a..b',
      namePrefix: 'x'.repeat(101),
      extra: 1,
    });
    expect(r).toMatchObject({ ok: false, reason: 'invalid_inputs' });
    if (r.ok) return;
    expect(r.issues.map((i) => i.path).sort()).toEqual(
      [
        'inputs.extra',
        'inputs.namePrefix',
        'inputs.projectId',
        'inputs.sourceId',
        'inputs.titleField',
      ].sort(),
    );
    expect(r.issues).toContainEqual({
      path: 'inputs.projectId',
      message: 'a Clockify id is 24 hexadecimal characters',
    });
  });

  it('bounds integers, accepts them as text, and refuses fractions', () => {
    const at = (maxHours: unknown) => instantiateTemplate('stop-long-timers', { maxHours });
    expect(at('12')).toMatchObject({ ok: true });
    expect(at(13)).toMatchObject({
      ok: false,
      issues: [{ path: 'inputs.maxHours', message: 'must be at most 12' }],
    });
    expect(at(0)).toMatchObject({
      ok: false,
      issues: [{ path: 'inputs.maxHours', message: 'must be at least 1' }],
    });
    expect(at(1.5)).toMatchObject({ ok: false, issues: [{ path: 'inputs.maxHours' }] });
    expect(at('1e3')).toMatchObject({ ok: false, issues: [{ path: 'inputs.maxHours' }] });
  });

  it('refuses URLs that are not plain http(s) with a host', () => {
    for (const url of [
      'ftp://x.example.com/',
      'https://{{ webhook.host }}/x',
      'https://user:pw@x.example.com/',
      'not a url',
      `https://x.example.com/${'a'.repeat(2100)}`,
      'javascript:alert(1)',
    ])
      expect(instantiateTemplate('forward-new-invoices', { url }), url).toMatchObject({
        ok: false,
        issues: [{ path: 'inputs.url' }],
      });
  });

  it('writes text inputs as literal text, never as templates', () => {
    const r = instantiateTemplate('project-client-in-note', {
      prefix: "{{ execution.id }} {{ secrets.x }} '",
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const d = mustValidate(catalogue, r.definition);
    const out = runDry(catalogue, d, eventOf('NEW_PROJECT', clockifySample('NEW_PROJECT')));
    expect(out.actions[0]!.request).toMatchObject({
      body: { note: "{{ execution.id }} {{ secrets.x }} 'Client\nTest Note" },
    });
    expect(out.actions[0]!.placeholders).toEqual([]);
  });

  it('uses the flow name given, trimmed', () => {
    expect(instantiateTemplate('project-client-in-note', { name: '  Client notes ' })).toMatchObject({
      ok: true,
      definition: { name: 'Client notes', enabled: false },
    });
  });

  it('reports an unknown source or endpoint of the workspace on its input', () => {
    const other = `src_${'z'.repeat(24)}`;
    expect(
      instantiateTemplate('custom-issue-to-task', { sourceId: other, projectId: PROJECT }, validateOptions()),
    ).toEqual({
      ok: false,
      reason: 'invalid_definition',
      issues: [{ path: 'inputs.sourceId', message: `unknown custom source '${other}'` }],
    });
    expect(
      instantiateTemplate('notify-time-off-requests', { endpointId: 'ep_gone' }, validateOptions()),
    ).toEqual({
      ok: false,
      reason: 'invalid_definition',
      issues: [{ path: 'inputs.endpointId', message: "unknown outbound endpoint 'ep_gone'" }],
    });
  });

  it('survives hostile input shapes', () => {
    const hostile: unknown[] = [
      null,
      'x',
      42,
      [],
      JSON.parse('{"__proto__": {"projectId": "5f11849d4e759e12c40733d5"}}'),
      { projectId: { toString: 'x' } },
      { projectId: PROJECT, tagId: ['65a0b1c2d3e4f5a6b7c8d9e0'] },
      { projectId: 'a'.repeat(1_000_000), tagId: TAG },
    ];
    for (const h of hostile) {
      const r = instantiateTemplate('tag-project-entries', h);
      expect(r.ok, JSON.stringify(h)?.slice(0, 80)).toBe(false);
      if (!r.ok) {
        expect(r.reason).toBe('invalid_inputs');
        for (const i of r.issues) expect(i.path).toMatch(/^inputs/);
      }
    }
    expect(({} as Record<string, unknown>).projectId).toBeUndefined();
    expect(instantiateTemplate('tag-project-entries', undefined)).toMatchObject({
      ok: false,
      reason: 'invalid_inputs',
    });
  });
});
