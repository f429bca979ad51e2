import { beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { Catalogue } from '../../integrations/clockify/catalogue.js';
import { flowContextFor } from './context.js';
import { type ActionTypeSpec, createActionRegistry } from './definition.js';
import {
  DRY_RUN_MAX_OUTPUT_CHARS,
  type DryRunAction,
  dryRun,
  isPlaceholder,
  placeholderFor,
} from './dry-run.js';
import { validateFlowDefinition } from './validate.js';
import {
  WORKSPACE_ID,
  clockifySample,
  clockifyValidator,
  eventOf,
  mustValidate,
  realCatalogue,
  runDry,
} from './library/library.test-support.js';

let catalogue: Catalogue;
beforeAll(async () => {
  catalogue = await realCatalogue();
});

const entry = clockifySample('NEW_TIME_ENTRY');
const event = eventOf('NEW_TIME_ENTRY', entry);
const PROJECT = entry.projectId as string;

const createTask = {
  id: 'task',
  type: 'clockify',
  operationId: 'createTask',
  pathParams: { projectId: '{{ webhook.projectId }}' },
  body: { name: 'Review: {{ webhook.description }}' },
};

const notify = {
  id: 'notify',
  type: 'http',
  method: 'POST',
  url: 'https://hooks.example.com/tasks/{{ workspace.id }}',
  headers: { 'X-Event': '{{ event.type }}' },
  body: {
    task: '{{ actions.task.body.id }}',
    text: 'Task {{ actions[0].body.name }} for {{ webhook.user.name }}',
    status: '{{ actions.task.status }}',
  },
};

function def(over: Record<string, unknown> = {}) {
  return mustValidate(catalogue, {
    version: 1,
    name: 'Dry run test',
    trigger: { sources: ['clockify'], events: ['NEW_TIME_ENTRY'] },
    actions: [createTask],
    ...over,
  });
}

const action = (r: { actions: DryRunAction[] }, id: string): DryRunAction => {
  const a = r.actions.find((x) => x.id === id);
  if (a === undefined) throw new Error(`no action ${id}`);
  return a;
};

describe('dryRun: trigger and conditions', () => {
  it('reports a matching flow and the exact Clockify request, validated against the schema', () => {
    const r = runDry(catalogue, def(), event);
    expect(r.trigger).toMatchObject({
      matched: true,
      stage: 'matched',
      summary: 'source and event type match',
    });
    expect(r.matches).toBe(true);
    expect(r.wouldRun).toBe(true);
    expect(r.event).toEqual({
      id: 'evt_dry',
      type: 'NEW_TIME_ENTRY',
      source: 'clockify',
      receivedAt: '2024-05-01T12:00:00.000Z',
    });
    expect(r.actions).toEqual([
      {
        index: 0,
        id: 'task',
        type: 'clockify',
        onError: 'stop',
        reached: true,
        outcome: 'would_run',
        placeholders: [],
        request: {
          type: 'clockify',
          operationId: 'createTask',
          method: 'POST',
          path: `/v1/workspaces/${WORKSPACE_ID}/projects/${PROJECT}/tasks`,
          pathParams: { workspaceId: WORKSPACE_ID, projectId: PROJECT },
          query: {},
          body: { name: 'Review: Webhook Test Description' },
          validation: { checked: true, issues: [], notChecked: [] },
        },
      },
    ]);
    expect(r.notes).toEqual([]);
  });

  it('fills the query into the path, URL-encoded as the client sends it', () => {
    const r = runDry(
      catalogue,
      def({
        actions: [
          {
            ...createTask,
            pathParams: { projectId: 'a b/c' },
            query: { 'contains-assignee': '{{ webhook.billable }}' },
          },
        ],
      }),
      event,
    );
    const req = r.actions[0]!.request as { path: string; validation: { issues: unknown[] } };
    expect(req.path).toBe(`/v1/workspaces/${WORKSPACE_ID}/projects/a%20b%2Fc/tasks?contains-assignee=true`);
    expect(req.validation.issues).toEqual([
      { path: 'pathParams.projectId', message: 'must not contain whitespace' },
    ]);
  });

  it('explains a trigger that does not listen to the source or the event type, and still renders', () => {
    const custom = eventOf(
      'issue.created',
      { title: 'x' },
      { sourceKind: 'custom', sourceId: 'src_' + 'a'.repeat(24) },
    );
    const bySource = runDry(catalogue, def(), custom);
    expect(bySource.trigger).toMatchObject({ matched: false, stage: 'source' });
    expect(bySource.trigger.summary).toBe(`the trigger does not listen to source 'src_${'a'.repeat(24)}'`);
    expect(bySource.matches).toBe(false);
    expect(bySource.wouldRun).toBe(false);
    expect(bySource.notes[0]).toMatch(/does not match this event/);
    // Rendered anyway: the custom body has no projectId.
    expect(bySource.actions[0]).toMatchObject({ outcome: 'template_error', error: { code: 'unresolved' } });

    const byType = runDry(catalogue, def(), eventOf('NEW_PROJECT', clockifySample('NEW_PROJECT')));
    expect(byType.trigger).toMatchObject({ matched: false, stage: 'event' });
    expect(byType.trigger.summary).toBe("the trigger does not listen to event type 'NEW_PROJECT'");
  });

  it('traces the trigger filter and every condition rule, even after the outcome is known', () => {
    const d = def({
      trigger: {
        sources: ['clockify'],
        events: ['NEW_TIME_ENTRY'],
        filter: { mode: 'ALL', rules: [{ path: '$.webhook.billable', op: '==', value: true }] },
      },
      conditions: {
        mode: 'ALL',
        rules: [
          { path: '$.webhook.description', op: 'contains', value: 'nothing like it' },
          { path: '$.webhook.tagIds', op: 'exists' },
          { mode: 'ANY', rules: [{ path: '$.webhook.missing', op: '==', value: 1 }] },
        ],
      },
    });
    const r = runDry(catalogue, d, event);
    expect(r.trigger).toMatchObject({
      matched: true,
      stage: 'filter',
      summary: 'source, event type and filter match',
    });
    expect(r.conditions?.result).toBe(false);
    expect(r.conditions?.trace.rules).toEqual([
      {
        kind: 'rule',
        location: 'conditions.rules[0]',
        path: '$.webhook.description',
        op: 'contains',
        expected: 'nothing like it',
        actual: 'Webhook Test Description',
        found: true,
        result: false,
      },
      expect.objectContaining({ location: 'conditions.rules[1]', op: 'exists', found: true, result: true }),
      expect.objectContaining({
        kind: 'group',
        location: 'conditions.rules[2]',
        result: false,
        rules: [expect.objectContaining({ path: '$.webhook.missing', found: false, result: false })],
      }),
    ]);
    expect(r.matches).toBe(false);
    expect(r.wouldRun).toBe(false);

    const filtered = runDry(catalogue, d, eventOf('NEW_TIME_ENTRY', { ...entry, billable: false }));
    expect(filtered.trigger).toMatchObject({ matched: false, stage: 'filter' });
    expect(filtered.trigger.summary).toBe('source and event type match; the filter does not hold');
  });

  it('says a disabled flow matches but would not run', () => {
    const r = runDry(catalogue, def({ enabled: false }), event);
    expect(r).toMatchObject({ matches: true, enabled: false, wouldRun: false });
    expect(r.notes).toContain('The flow is disabled: a real event starts nothing until it is enabled.');
  });
});

describe('dryRun: results of earlier actions', () => {
  it('renders reads of an earlier result as marked placeholders, typed or inside text, and lists them', () => {
    const r = runDry(catalogue, def({ actions: [createTask, notify] }), event);
    const n = action(r, 'notify');
    expect(n.outcome).toBe('would_run');
    expect(n.request).toEqual({
      type: 'http',
      method: 'POST',
      url: `https://hooks.example.com/tasks/${WORKSPACE_ID}`,
      headers: { 'X-Event': 'NEW_TIME_ENTRY' },
      body: {
        task: '⟨dry run: actions.task.body.id⟩',
        text: 'Task ⟨dry run: actions[0].body.name⟩ for User',
        status: '⟨dry run: actions.task.status⟩',
      },
      issues: [],
    });
    expect(n.placeholders).toEqual([
      {
        location: 'actions[1].body.task',
        expression: '{{ actions.task.body.id }}',
        path: 'actions.task.body.id',
        reason: "the result of action 'task' is known only when it runs",
      },
      expect.objectContaining({ location: 'actions[1].body.text', path: 'actions[0].body.name' }),
      expect.objectContaining({ location: 'actions[1].body.status', path: 'actions.task.status' }),
    ]);
    expect(r.notes.some((x) => x.includes('⟨dry run: …⟩'))).toBe(true);
    expect(isPlaceholder((n.request as { body: { task: unknown } }).body.task)).toBe(true);
    expect(isPlaceholder('Task x')).toBe(false);
  });

  it('skips Clockify checks under a placeholder and keeps the others', () => {
    const d = def({
      actions: [
        createTask,
        {
          id: 'again',
          type: 'clockify',
          operationId: 'createTask',
          pathParams: { projectId: '{{ actions.task.body.projectId }}' },
          body: { name: '{{ webhook.billable }}', status: '{{ actions.task.body.status }}' },
        },
      ],
    });
    const again = action(runDry(catalogue, d, event), 'again');
    expect(again.request).toMatchObject({
      path: `/v1/workspaces/${WORKSPACE_ID}/projects/${encodeURIComponent(placeholderFor('actions.task.body.projectId'))}/tasks`,
      body: { name: true, status: '⟨dry run: actions.task.body.status⟩' },
      validation: {
        checked: true,
        issues: [{ path: 'body.name', message: 'must be string' }],
        notChecked: [
          { path: 'pathParams.projectId', message: 'must not contain whitespace' },
          { path: 'body.status', message: 'must be one of: ACTIVE, DONE, ALL' },
        ],
      },
    });
  });

  it('evaluates `when` three-valued: unknown rules decide nothing, known ones still can', () => {
    const whenStatus = (mode: 'ALL' | 'ANY', known: { path: string; op: string; value: unknown }) => ({
      ...notify,
      when: { mode, rules: [{ path: '$.actions.task.status', op: '==', value: 201 }, known] },
    });
    const billable = { path: '$.webhook.billable', op: '==', value: true };
    const notBillable = { path: '$.webhook.billable', op: '==', value: false };

    const unknown = action(
      runDry(catalogue, def({ actions: [createTask, whenStatus('ALL', billable)] }), event),
      'notify',
    );
    expect(unknown.outcome).toBe('may_run');
    expect(unknown.when).toMatchObject({ result: 'unknown', unknownRules: ['actions[1].when.rules[0]'] });
    expect(unknown.request).toBeDefined();

    const falseAll = action(
      runDry(catalogue, def({ actions: [createTask, whenStatus('ALL', notBillable)] }), event),
      'notify',
    );
    expect(falseAll).toMatchObject({ outcome: 'skipped', when: { result: false } });
    expect(falseAll.request).toBeUndefined();

    const trueAny = action(
      runDry(catalogue, def({ actions: [createTask, whenStatus('ANY', billable)] }), event),
      'notify',
    );
    expect(trueAny).toMatchObject({ outcome: 'would_run', when: { result: true } });

    const unknownAny = action(
      runDry(catalogue, def({ actions: [createTask, whenStatus('ANY', notBillable)] }), event),
      'notify',
    );
    expect(unknownAny).toMatchObject({ outcome: 'may_run', when: { result: 'unknown' } });
  });

  it('treats templated `when` paths and values that read results as unknown too', () => {
    const d = def({
      actions: [
        createTask,
        {
          ...notify,
          when: {
            mode: 'ALL',
            rules: [
              { path: '{{ actions.task.body.name }}', op: 'exists' },
              { path: '$.webhook.description', op: '==', value: '{{ actions.task.body.name }}' },
            ],
          },
        },
      ],
    });
    const n = action(runDry(catalogue, d, event), 'notify');
    expect(n.when?.result).toBe('unknown');
    expect(n.when?.unknownRules).toEqual(['actions[1].when.rules[0]', 'actions[1].when.rules[1]']);
  });

  it('gives a skipped action no result, as a real run does: default applies, or the template error is named', () => {
    const skippedTask = {
      ...createTask,
      when: { mode: 'ALL', rules: [{ path: '$.webhook.billable', op: '==', value: false }] },
    };
    const withDefault = {
      ...notify,
      body: { task: "{{ actions.task.body.id | default: 'none' }}" },
    };
    const r = runDry(catalogue, def({ actions: [skippedTask, withDefault] }), event);
    expect(action(r, 'task').outcome).toBe('skipped');
    expect(action(r, 'notify')).toMatchObject({
      outcome: 'would_run',
      placeholders: [],
      request: { body: { task: 'none' } },
    });

    const r2 = runDry(catalogue, def({ actions: [skippedTask, notify] }), event);
    expect(action(r2, 'notify')).toMatchObject({
      outcome: 'template_error',
      error: {
        code: 'unresolved',
        location: 'actions[1].body.task',
        template: '{{ actions.task.body.id }}',
        path: 'actions.task.body.id',
      },
    });
    expect(action(r2, 'notify').error?.message).toMatch(/has not run \(or was skipped\)/);
    // A `when` reading a skipped action is evaluated, not unknown: the value is missing.
    const r3 = runDry(
      catalogue,
      def({
        actions: [
          skippedTask,
          {
            ...notify,
            body: {},
            when: { mode: 'ALL', rules: [{ path: '$.actions.task.status', op: 'not_exists' }] },
          },
        ],
      }),
      event,
    );
    expect(action(r3, 'notify')).toMatchObject({
      outcome: 'would_run',
      when: { result: true, unknownRules: [] },
    });
  });

  it('uses placeholders for the execution id and an unsaved flow, and real values when given', () => {
    const d = def({
      actions: [
        {
          ...notify,
          headers: { 'X-Run': '{{ execution.id }}', 'X-Flow': '{{ flow.id }}@{{ flow.version }}' },
          body: {},
        },
      ],
    });
    const unsaved = action(runDry(catalogue, d, event), 'notify');
    expect(unsaved.request).toMatchObject({
      headers: {
        'X-Run': '⟨dry run: execution.id⟩',
        'X-Flow': '⟨dry run: flow.id⟩@⟨dry run: flow.version⟩',
      },
    });
    expect(unsaved.placeholders.map((p) => p.reason)).toEqual([
      'a dry run has no execution',
      'the flow has no id or version until it is saved',
      'the flow has no id or version until it is saved',
    ]);
    const saved = action(
      runDry(catalogue, d, event, {
        context: { flow: { id: 'flw_1', version: 4 }, execution: { id: 'exe_9' } },
      }),
      'notify',
    );
    expect(saved.request).toMatchObject({ headers: { 'X-Run': 'exe_9', 'X-Flow': 'flw_1@4' } });
    expect(saved.placeholders).toEqual([]);
  });

  it('ignores action results in the caller context: nothing has run in a dry run', () => {
    const d = def({ actions: [createTask, notify] });
    const r = dryRun({
      definition: d,
      event,
      context: flowContextFor(event, {
        actions: [{ id: 'task', index: 0, status: 201, body: { id: 'real' } }],
      }),
      catalogue,
    });
    expect(action(r, 'notify').request).toMatchObject({ body: { task: '⟨dry run: actions.task.body.id⟩' } });
  });
});

describe('dryRun: errors and stop/continue', () => {
  const broken = { ...createTask, id: 'broken', pathParams: { projectId: '{{ webhook.nope }}' } };

  it('names the template and path that fail, and marks later actions unreached after onError: stop', () => {
    const r = runDry(catalogue, def({ actions: [broken, { ...notify, body: {} }] }), event);
    expect(action(r, 'broken')).toMatchObject({
      outcome: 'template_error',
      reached: true,
      error: {
        code: 'unresolved',
        location: 'actions[0].pathParams.projectId',
        template: '{{ webhook.nope }}',
        expression: '{{ webhook.nope }}',
        path: 'webhook.nope',
      },
    });
    expect(action(r, 'broken').request).toBeUndefined();
    expect(action(r, 'notify')).toMatchObject({ reached: false, outcome: 'would_run' });
    expect(r.notes).toContain(
      'An earlier action fails with onError: stop, so the actions after it would not be reached.',
    );
  });

  it('keeps later actions reached after onError: continue, or when the failing action only may run', () => {
    const r = runDry(
      catalogue,
      def({
        actions: [
          { ...broken, onError: 'continue' },
          { ...notify, body: {} },
        ],
      }),
      event,
    );
    expect(action(r, 'notify').reached).toBe(true);
    const maybe = {
      ...broken,
      id: 'maybe',
      when: { mode: 'ALL', rules: [{ path: '$.actions.task.status', op: '==', value: 201 }] },
    };
    const r2 = runDry(catalogue, def({ actions: [createTask, maybe, { ...notify, body: {} }] }), event);
    expect(action(r2, 'maybe')).toMatchObject({ outcome: 'template_error' });
    expect(action(r2, 'notify').reached).toBe(true);
  });

  it('reports the original template when a placeholder was substituted in the failing string', () => {
    const d = def({
      actions: [createTask, { ...notify, body: { t: '{{ actions.task.body.id }} {{ webhook.nope }}' } }],
    });
    const n = action(runDry(catalogue, d, event), 'notify');
    expect(n.error).toMatchObject({
      location: 'actions[1].body.t',
      template: '{{ actions.task.body.id }} {{ webhook.nope }}',
      path: 'webhook.nope',
    });
  });

  it('reports an operation missing from the catalogue given to the dry run', () => {
    const d = def();
    const r = dryRun({
      definition: d,
      event,
      context: flowContextFor(event),
      catalogue: { get: () => undefined },
    });
    expect(r.actions[0]).toMatchObject({
      outcome: 'template_error',
      error: { code: 'operation', location: 'actions[0].operationId' },
    });
  });

  it("adapts the explorer's validator: issues by location, an unknown operation named", () => {
    const validate = clockifyValidator(catalogue);
    expect(validate('nope', {})).toEqual([{ path: 'operationId', message: "unknown operation 'nope'" }]);
    expect(validate('createTask', { pathParams: { projectId: PROJECT }, body: {} })).toEqual([
      { path: 'body.name', message: 'required' },
    ]);
    expect(validate('createTask', { pathParams: { projectId: PROJECT }, body: { name: 'x' } })).toEqual([]);
  });

  it('says when no validator was given, and survives a validator that throws', () => {
    const plain = dryRun({ definition: def(), event, context: flowContextFor(event), catalogue });
    expect(plain.actions[0]!.request).toMatchObject({
      validation: { checked: false, reason: 'no validator was given' },
    });
    const throwing = dryRun({
      definition: def(),
      event,
      context: flowContextFor(event),
      catalogue,
      validateClockifyRequest: () => {
        throw new Error('boom');
      },
    });
    expect(throwing.actions[0]!.request).toMatchObject({
      validation: {
        checked: true,
        issues: [{ path: 'input', message: 'the request could not be validated' }],
      },
    });
  });
});

describe('dryRun: other action types', () => {
  it('renders a webhook action to its endpoint and payload', () => {
    const d = def({
      actions: [
        {
          id: 'w',
          type: 'webhook',
          endpointId: 'ep_1',
          payload: { entry: '{{ webhook.id }}', n: '{{ webhook.tagIds }}' },
        },
      ],
    });
    expect(runDry(catalogue, d, event).actions[0]!.request).toEqual({
      type: 'webhook',
      endpointId: 'ep_1',
      payload: { entry: entry.id, n: entry.tagIds },
    });
  });

  it('renders a GET http action without a body and flags a rendered URL that does not parse', () => {
    const d = def({
      actions: [
        { id: 'g', type: 'http', method: 'GET', url: 'https://x.example.com:{{ webhook.description }}' },
      ],
    });
    // Saving only needs a written-out host; here the template fills the port with text.
    const r = runDry(catalogue, d, event);
    expect(r.actions[0]!.request).toEqual({
      type: 'http',
      method: 'GET',
      url: 'https://x.example.com:Webhook Test Description',
      headers: {},
      issues: [{ path: 'url', message: 'the rendered URL is not a valid URL' }],
    });
  });

  it('renders the templated fields of a registered action type generically', () => {
    const spec: ActionTypeSpec = {
      type: 'slack',
      schema: z.strictObject({ channel: z.string(), text: z.string() }),
      templated: ['text'],
    };
    const actionTypes = createActionRegistry([spec]);
    const v = validateFlowDefinition(
      {
        version: 1,
        name: 'slack',
        trigger: { sources: ['clockify'], events: ['NEW_TIME_ENTRY'] },
        actions: [{ id: 's', type: 'slack', channel: '#x', text: 'New: {{ webhook.description }}' }],
      },
      { catalogue, actionTypes },
    );
    if (!v.ok) throw new Error(JSON.stringify(v.issues));
    const r = runDry(catalogue, v.definition, event, { actionTypes });
    expect(r.actions[0]!.request).toEqual({
      type: 'slack',
      fields: { text: 'New: Webhook Test Description' },
    });
  });
});

describe('dryRun: more branches', () => {
  it('finds unknown values in arrays, nested `when` groups, list values and $.execution paths', () => {
    const d = def({
      actions: [
        createTask,
        {
          id: 'w',
          type: 'webhook',
          endpointId: 'ep',
          payload: { ids: ['{{ webhook.id }}', '{{ actions.task.body.id }}'] },
          when: {
            mode: 'ALL',
            rules: [
              { path: '$.webhook.billable', op: '==', value: true },
              {
                mode: 'ANY',
                rules: [
                  { path: '$.webhook.description', op: 'in', value: ['x', '{{ actions.task.body.name }}'] },
                  { path: '$.execution.id', op: 'exists' },
                ],
              },
            ],
          },
        },
      ],
    });
    const w = action(runDry(catalogue, d, event), 'w');
    expect(w.when).toMatchObject({
      result: 'unknown',
      unknownRules: ['actions[1].when.rules[1].rules[0]', 'actions[1].when.rules[1].rules[1]'],
    });
    expect(w).toMatchObject({
      outcome: 'may_run',
      placeholders: [{ location: 'actions[1].payload.ids[1]', path: 'actions.task.body.id' }],
      request: { type: 'webhook', payload: { ids: [entry.id, '⟨dry run: actions.task.body.id⟩'] } },
    });
  });

  it('leaves a placeholder URL unchecked and sends a webhook without a payload as such', () => {
    const d = def({
      actions: [
        createTask,
        { ...notify, url: 'https://hooks.example.com/t/{{ actions.task.body.id }}', body: {} },
        { id: 'bare', type: 'webhook', endpointId: 'ep' },
      ],
    });
    const r = runDry(catalogue, d, event);
    expect(action(r, 'notify').request).toMatchObject({
      url: 'https://hooks.example.com/t/⟨dry run: actions.task.body.id⟩',
      issues: [],
    });
    expect(action(r, 'bare').request).toEqual({ type: 'webhook', endpointId: 'ep' });
  });

  it('keeps non-text query and path values out of the URL and lets the validator name them', () => {
    const d = def({
      actions: [
        {
          ...createTask,
          pathParams: { projectId: '{{ webhook.project }}' },
          query: { 'contains-assignee': '{{ webhook.tagIds }}' },
        },
      ],
    });
    const req = runDry(catalogue, d, event).actions[0]!.request as {
      path: string;
      query: unknown;
      validation: { issues: { path: string }[] };
    };
    // The array query value is sent repeated; the object path value is left out of the path.
    expect(req.path).toBe(
      `/v1/workspaces/${WORKSPACE_ID}/projects//tasks?contains-assignee=5f118b747db7a8637ffcaf33`,
    );
    expect(req.validation.issues.map((i) => i.path)).toContain('pathParams.projectId');
  });

  it('reports an action type missing from the registry it was given', () => {
    const d = def();
    const r = dryRun({
      definition: { ...d, actions: [{ ...d.actions[0]!, type: 'slack' }] },
      event,
      context: flowContextFor(event),
      catalogue,
    });
    expect(r.actions[0]).toMatchObject({
      outcome: 'template_error',
      error: { code: 'type', location: 'actions[0].type' },
    });
  });
});

describe('dryRun: hostile input stays bounded', () => {
  it('caps the output of one action and of all actions together', () => {
    const big = { ...entry, blob: 'x'.repeat(300_000) };
    const d = def({
      actions: [
        { id: 'a', type: 'webhook', endpointId: 'ep', payload: '{{ webhook }}' },
        { id: 'b', type: 'webhook', endpointId: 'ep', payload: '{{ webhook }}' },
      ],
    });
    const bigEvent = eventOf('NEW_TIME_ENTRY', big);
    const r = runDry(catalogue, d, bigEvent, { maxOutputChars: 400_000 });
    expect(action(r, 'a').outcome).toBe('would_run');
    expect(action(r, 'b')).toMatchObject({ outcome: 'template_error', error: { code: 'limit' } });
    const tiny = runDry(catalogue, d, bigEvent, { templateLimits: { maxOutputChars: 1_000 } });
    expect(action(tiny, 'a')).toMatchObject({ outcome: 'template_error', error: { code: 'limit' } });
  });

  it('keeps prototype keys in the body as data and never reads the prototype chain', () => {
    const body = JSON.parse(
      '{"__proto__": {"polluted": 1}, "constructor": "x", "projectId": "p"}',
    ) as unknown;
    const d = def({
      actions: [
        {
          id: 'w',
          type: 'webhook',
          endpointId: 'ep',
          payload: { all: '{{ webhook }}', p: "{{ webhook.toString | default: 'none' }}" },
        },
      ],
    });
    const r = runDry(catalogue, d, eventOf('NEW_TIME_ENTRY', body));
    const payload = (r.actions[0]!.request as { payload: Record<string, Record<string, unknown>> }).payload;
    expect(payload.p).toBe('none');
    expect(Object.hasOwn(payload.all!, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('quotes placeholder paths with quotes, braces and backslashes exactly', () => {
    const d = def({
      actions: [
        createTask,
        {
          id: 'w',
          type: 'webhook',
          endpointId: 'ep',
          payload: { v: `{{ actions.task.body["a}}'\\\\b"] }}` },
        },
      ],
    });
    const r = runDry(catalogue, d, event);
    const w = action(r, 'w');
    expect(w.outcome).toBe('would_run');
    expect((w.request as { payload: { v: string } }).payload.v).toBe(
      placeholderFor(`actions.task.body["a}}'\\\\b"]`),
    );
  });

  it('evaluates a `$..*` condition over a large body and a catastrophic-looking regex without hanging', () => {
    const wide = { ...entry, items: Array.from({ length: 20_000 }, (_, i) => ({ i, s: 'a'.repeat(20) })) };
    const d = def({
      conditions: {
        mode: 'ANY',
        rules: [
          { path: '$.webhook..s', op: 'contains', value: 'zzz' },
          { path: '$.webhook.description', op: 'matches', value: '(a+)+$' },
        ],
      },
    });
    const r = runDry(
      catalogue,
      d,
      eventOf('NEW_TIME_ENTRY', { ...wide, description: 'a'.repeat(5_000) + '!' }),
    );
    expect(r.conditions?.trace.rules).toHaveLength(2);
    expect(r.matches).toBe(false);
  });

  it('never calls anything but the validator and the cache it was given', () => {
    const validate = vi.fn(() => []);
    const cache = vi.fn(() => undefined);
    const d = def({
      actions: [
        { ...createTask, body: { name: "{{ cache.project[webhook.projectId].name | default: 'n' }}" } },
      ],
    });
    const r = dryRun({
      definition: d,
      event,
      context: flowContextFor(event, { cache }),
      catalogue,
      validateClockifyRequest: validate,
    });
    expect(r.actions[0]!.request).toMatchObject({ body: { name: 'n' } });
    expect(validate).toHaveBeenCalledTimes(1);
    expect(cache).toHaveBeenCalledWith('project', PROJECT);
  });

  it('answers a bounded report for hostile event bodies without throwing', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 5_000; i++) deep = { description: deep, projectId: 'p' };
    const cyclic: Record<string, unknown> = { projectId: 'p', description: 'c' };
    cyclic.self = cyclic;
    // Event bodies are parsed JSON: arrays are dense and there are no getters (a sparse array of 10^7
    // holes makes jsonpath-plus walk every index; whole-object copies read accessors: neither is JSON).
    const wide = Array.from({ length: 200_000 }, (_, i) => ({ description: i }));
    const bodies: unknown[] = [
      null,
      'text',
      12,
      [],
      deep,
      cyclic,
      { projectId: 'p', description: wide },
      { projectId: 'p', description: 'x'.repeat(3_000_000) },
      JSON.parse('{"projectId": "p", "description": {"__proto__": {"x": 1}}}'),
      { projectId: { length: 1e12 }, description: ['{{ webhook.projectId }}'] },
    ];
    const d = def({
      conditions: {
        mode: 'ANY',
        rules: [
          { path: '$.webhook..description', op: 'contains', value: 'x' },
          { path: '$.webhook.description', op: 'matches', value: '^(x+x+)+y$' },
        ],
      },
      actions: [
        createTask,
        {
          id: 'w',
          type: 'webhook',
          endpointId: 'ep',
          payload: { all: '{{ webhook }}', d: '{{ webhook.description }}' },
        },
        { ...notify, body: { t: 'got {{ webhook.description | json }}' } },
      ],
    });
    for (const body of bodies) {
      const r = runDry(catalogue, d, eventOf('NEW_TIME_ENTRY', body));
      expect(r.actions).toHaveLength(3);
      for (const a of r.actions) expect(a.error === undefined || a.error.message.length < 2_000).toBe(true);
      let size = 0;
      try {
        size = JSON.stringify(r).length;
      } catch {
        size = Infinity;
      }
      expect(size).toBeLessThan(2 * DRY_RUN_MAX_OUTPUT_CHARS + 200_000);
    }
  });

  it('does not change the definition it was given', () => {
    const d = def({ actions: [createTask, notify] });
    const before = JSON.stringify(d);
    runDry(catalogue, d, event);
    expect(JSON.stringify(d)).toBe(before);
  });
});
