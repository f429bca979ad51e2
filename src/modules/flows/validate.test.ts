import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { catalogue, validDefinition } from '../../../test/helpers/flow-fixtures.js';
import { type ActionTypeSpec, WEBHOOK_ENDPOINTS_EXTENSION, createActionRegistry } from './definition.js';
import {
  type ValidateOptions,
  type ValidationIssue,
  checkConditionGroup,
  checkTemplates,
  validateFlowDefinition,
} from './validate.js';

type Def = ReturnType<typeof validDefinition> & {
  trigger: Record<string, unknown> & { events: string[]; sources: unknown; filter?: unknown };
  conditions: { mode: string; rules: Record<string, unknown>[] };
  actions: Record<string, unknown>[];
};
const def = (): Def => validDefinition() as Def;
const options: ValidateOptions = { catalogue };

const issuesOf = (input: unknown, opts: Partial<ValidateOptions> = {}): ValidationIssue[] => {
  const r = validateFlowDefinition(input, { ...options, ...opts });
  return r.ok ? [] : r.issues;
};
const expectIssue = (
  input: unknown,
  path: string,
  message: RegExp | string,
  opts: Partial<ValidateOptions> = {},
) => {
  const issues = issuesOf(input, opts);
  expect(issues, JSON.stringify(issues)).toContainEqual({
    path,
    message: typeof message === 'string' ? message : expect.stringMatching(message),
  });
};

describe('validateFlowDefinition: a valid definition', () => {
  it('passes and comes back with defaults filled in', () => {
    const r = validateFlowDefinition(def(), options);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.definition.enabled).toBe(true);
    expect(r.definition.actions[0]).toMatchObject({ id: 'createTask', type: 'clockify', onError: 'stop' });
    expect(r.definition.actions[0]!.retry).toEqual({ attempts: 3, backoff: 'exponential', delayMs: 1000 });
    expect(r.definition.actions[1]).toMatchObject({
      onError: 'continue',
      timeoutMs: 5000,
      when: { mode: 'ALL' },
    });
    expect(r.definition.trigger.filter).toEqual({
      mode: 'ALL',
      rules: [{ path: '$.webhook.billable', op: '==', value: true }],
    });
    expect(r.definition.conditions?.mode).toBe('ANY');
  });

  it('accepts any source, custom sources and the webhook action type', () => {
    const d = def();
    d.trigger.sources = '*';
    d.trigger.events = ['*'];
    d.actions.push({
      id: 'fanout',
      type: 'webhook',
      endpointId: 'ep_1',
      payload: { entry: '{{ webhook }}' },
    });
    expect(issuesOf(d)).toEqual([]);
    d.trigger.sources = ['src_aaaaaaaaaaaaaaaaaaaaaaaa'];
    d.trigger.events = ['invoice.*'];
    expect(issuesOf(d)).toEqual([]);
  });
});

describe('validateFlowDefinition: shape', () => {
  it('names missing and unknown fields', () => {
    const d: Record<string, unknown> = def();
    delete d.name;
    d.extra = 1;
    expectIssue(d, 'name', 'is required');
    expectIssue(d, 'extra', "unknown field 'extra'");
    expectIssue({ ...def(), version: 2 }, 'version', /unsupported version/);
    expectIssue({ ...def(), actions: [] }, 'actions', /at least one action/);
    expectIssue('flow', '', 'a flow definition is a JSON object');
  });

  it('names a bad operator, mode and rule field at their nested position', () => {
    const d = def();
    (d.conditions.rules[1] as { rules: Record<string, unknown>[] }).rules[0]!.op = '===';
    expectIssue(d, 'conditions.rules[1].rules[0].op', /must be one of: "==", "!="/);
    const e = def();
    e.conditions.mode = 'SOME';
    expectIssue(e, 'conditions.mode', 'must be one of: "ALL", "ANY"');
    const f = def();
    f.conditions.rules[0]!.pth = '$.x';
    expectIssue(f, 'conditions.rules[0].pth', "unknown field 'pth'");
  });

  it('checks action fields by type, and unknown types', () => {
    const d = def();
    d.actions[1]!.method = 'FETCH';
    d.actions[0]!.operation = 'x';
    expectIssue(d, 'actions[1].method', /must be one of/);
    expectIssue(d, 'actions[0].operation', "unknown field 'operation'");
    const e = def();
    e.actions[0]!.type = 'shell';
    expectIssue(e, 'actions[0].type', "unknown action type 'shell' (use clockify, http, webhook)");
    const f = def();
    f.actions[0]!.retry = { attempts: 50, backoff: 'linear' };
    expectIssue(f, 'actions[0].retry.attempts', 'at most 10');
    expectIssue(f, 'actions[0].retry.backoff', /must be one of/);
    const g = def();
    g.actions[0]!.id = 'bad id';
    expectIssue(g, 'actions[0].id', /an action id is a letter/);
    g.actions[0]!.id = 'constructor';
    expectIssue(g, 'actions[0].id', 'this name is reserved');
  });
});

describe('validateFlowDefinition: semantics', () => {
  it('refuses forbidden template roots with the exact location', () => {
    const d = def();
    d.actions[0]!.pathParams = { projectId: '{{ secrets.projectId }}' };
    expectIssue(d, 'actions[0].pathParams.projectId', /template root 'secrets' is not allowed/);
  });

  it('refuses references to actions that run later, do not exist, or in the trigger', () => {
    const d = def();
    (d.actions[0]!.body as Record<string, unknown>).ref = '{{ actions.notify.status }}';
    expectIssue(d, 'actions[0].body.ref', /action 'notify' does not run before this point/);
    const e = def();
    (e.actions[1]!.body as Record<string, unknown>).task = '{{ actions.ghost.body }}';
    expectIssue(e, 'actions[1].body.task', /there is no earlier action 'ghost' \(earlier: createTask\)/);
    const f = def();
    (f.actions[1]!.body as Record<string, unknown>).x = '{{ actions[1].status }}';
    expectIssue(f, 'actions[1].body.x', /actions\[1\] is not an earlier action/);
    const g = def();
    g.trigger.filter = { mode: 'ALL', rules: [{ path: '$.actions.createTask.status', op: 'exists' }] };
    expectIssue(g, 'trigger.filter.rules[0].path', /no action has run yet in the trigger filter/);
    const h = def();
    (h.actions[1]!.when as { rules: Record<string, unknown>[] }).rules[0]!.path = '$.actions.notify.status';
    expectIssue(h, 'actions[1].when.rules[0].path', /does not run before this point/);
  });

  it('refuses duplicate action ids', () => {
    const d = def();
    d.actions[1]!.id = 'createTask';
    expectIssue(d, 'actions[1].id', "duplicate action id 'createTask' (also actions[0])");
  });

  it('compiles regexes under RE2 at save time', () => {
    const d = def();
    d.conditions.rules[0] = { path: '$.webhook.description', op: 'matches', value: '(a)\\1' };
    expectIssue(d, 'conditions.rules[0].value', /invalid regular expression/);
    d.conditions.rules[0] = { path: '$.webhook.description', op: 'matches', value: 'x'.repeat(600) };
    expectIssue(d, 'conditions.rules[0].value', /at most 512 characters/);
    d.conditions.rules[0] = { path: '$.webhook.description', op: 'matches', value: '{{ webhook.pattern }}' };
    expectIssue(d, 'conditions.rules[0].value', /written out, not templated/);
  });

  it('checks JSONPath paths and their roots', () => {
    const d = def();
    d.conditions.rules[0] = { path: '$[?(@.x)]', op: 'exists' };
    expectIssue(d, 'conditions.rules[0].path', /filter and script expressions/);
    d.conditions.rules[0] = { path: '$..projectId', op: 'exists' };
    expectIssue(d, 'conditions.rules[0].path', /start the path with a root/);
    d.conditions.rules[0] = { path: '$.event.headers', op: 'exists' };
    expectIssue(d, 'conditions.rules[0].path', 'event has only id, type, source, receivedAt');
    d.conditions.rules[0] = { path: '$.cache.project', op: 'exists' };
    expectIssue(d, 'conditions.rules[0].path', /\{\{ cache/);
  });

  it('checks operator values', () => {
    const d = def();
    d.conditions.rules[0] = { path: '$.webhook.x', op: 'exists', value: true };
    expectIssue(d, 'conditions.rules[0].value', "'exists' takes no value");
    d.conditions.rules[0] = { path: '$.webhook.x', op: '==' };
    expectIssue(d, 'conditions.rules[0].value', "'==' needs a value");
    d.conditions.rules[0] = { path: '$.webhook.x', op: 'in', value: 'a' };
    expectIssue(d, 'conditions.rules[0].value', /needs a list/);
    d.conditions.rules[0] = { path: '$.webhook.x', op: '>', value: { a: 1 } };
    expectIssue(d, 'conditions.rules[0].value', /compares with a number, a date or text/);
  });

  it('checks clockify operations against the catalogue', () => {
    const d = def();
    d.actions[0]!.operationId = 'createtask';
    expectIssue(
      d,
      'actions[0].operationId',
      "unknown Clockify operation 'createtask' (did you mean 'createTask'?)",
    );
    const e = def();
    e.actions[0]!.pathParams = {};
    expectIssue(
      e,
      'actions[0].pathParams.projectId',
      "required path parameter 'projectId' of createTask is missing",
    );
    e.actions[0]!.pathParams = { projectId: 'p', workspaceId: 'other', taskId: 't' };
    expectIssue(
      e,
      'actions[0].pathParams.workspaceId',
      "workspaceId is filled in by the engine (the event's workspace)",
    );
    expectIssue(e, 'actions[0].pathParams.taskId', /'taskId' is not a path parameter of createTask/);
    const f = def();
    delete f.actions[0]!.body;
    expectIssue(f, 'actions[0].body', 'createTask requires a body');
    f.actions[0]!.body = { billable: true };
    expectIssue(f, 'actions[0].body.name', "required body field 'name' of createTask is missing");
    const g = def();
    g.actions[0] = {
      id: 'h',
      type: 'clockify',
      operationId: 'getHolidaysInPeriod',
      query: { start: '{{ webhook.timeInterval.start }}', bogus: 1 },
    };
    expectIssue(
      g,
      'actions[0].query["assigned-to"]',
      "required query parameter 'assigned-to' of getHolidaysInPeriod is missing",
    );
    expectIssue(g, 'actions[0].query.bogus', "'bogus' is not a query parameter of getHolidaysInPeriod");
    const h = def();
    h.actions[0] = {
      id: 'p',
      type: 'clockify',
      operationId: 'getProject',
      pathParams: { projectId: 'p1' },
      body: {},
    };
    expectIssue(h, 'actions[0].body', 'getProject (GET) takes no body');
    const i = def();
    i.actions[0]!.operationId = '{{ webhook.op }}';
    expectIssue(i, 'actions[0].operationId', /written out, not templated/);
  });

  it('checks http actions: literal origin, headers, body on GET', () => {
    const d = def();
    d.actions[1]!.url = '{{ webhook.callbackUrl }}';
    expectIssue(d, 'actions[1].url', /written-out host/);
    d.actions[1]!.url = 'https://{{ webhook.host }}/x';
    expectIssue(d, 'actions[1].url', /written-out host/);
    d.actions[1]!.url = 'ftp://example.com/x';
    expectIssue(d, 'actions[1].url', /http:\/\/ or https:\/\//);
    d.actions[1]!.url = 'https://user@evil.example/x';
    expectIssue(d, 'actions[1].url', /written-out host/);
    const e = def();
    e.actions[1]!.headers = { Host: 'x', 'x-a': '1', 'X-A': '2' };
    e.actions[1]!.method = 'GET';
    expectIssue(e, 'actions[1].headers.Host', "header 'Host' is set by the HTTP client");
    expectIssue(e, 'actions[1].headers["X-A"]', "header 'X-A' is given twice");
    expectIssue(e, 'actions[1].body', 'GET requests have no body');
  });

  it('checks trigger sources and Clockify event names', () => {
    const d = def();
    d.trigger.events = ['NEW_TIMEENTRY', 'FOO_*', 'new_project', 'NEW_TIME_ENTRY', 'NEW_TIME_ENTRY'];
    expectIssue(d, 'trigger.events[0]', "unknown Clockify event 'NEW_TIMEENTRY'");
    expectIssue(d, 'trigger.events[1]', "'FOO_*' matches no Clockify event");
    expectIssue(d, 'trigger.events[2]', "unknown Clockify event 'new_project' (did you mean 'NEW_PROJECT'?)");
    expectIssue(d, 'trigger.events[4]', "'NEW_TIME_ENTRY' is listed twice");
    const e = def();
    e.trigger.sources = ['clockify', 'src_cccccccccccccccccccccccc', 'github'];
    expectIssue(e, 'trigger.sources[2]', /a source is 'clockify' or a custom source id/);
    e.trigger.sources = ['clockify', 'src_cccccccccccccccccccccccc'];
    expectIssue(e, 'trigger.sources[1]', "unknown custom source 'src_cccccccccccccccccccccccc'", {
      sourceIds: ['src_aaaaaaaaaaaaaaaaaaaaaaaa'],
    });
  });

  it('checks cache entity types when they are given', () => {
    const d = def();
    (d.actions[0]!.body as Record<string, unknown>).client = '{{ cache.klient[webhook.clientId].name }}';
    expectIssue(d, 'actions[0].body.client', /unknown cache entity type 'klient'/, {
      cacheEntityTypes: ['project', 'client'],
    });
  });

  it('refuses templates in fields that are not templated', () => {
    const d = def();
    d.actions.push({ id: 'hook', type: 'webhook', endpointId: '{{ webhook.endpoint }}' });
    expectIssue(d, 'actions[2].endpointId', "'endpointId' cannot contain templates");
  });
});

describe('validateFlowDefinition: limits', () => {
  const rules = (n: number) => Array.from({ length: n }, () => ({ path: '$.webhook.a', op: 'exists' }));

  it('limits actions, rules, depth and size, configurably', () => {
    const d = def();
    d.actions = Array.from({ length: 21 }, (_, i) => ({ id: `a${i}`, type: 'webhook', endpointId: 'ep' }));
    expectIssue(d, 'actions', 'a flow may have at most 20 actions');
    expect(issuesOf(d, { limits: { maxActions: 25 } })).toEqual([]);
    const e = def();
    e.conditions = { mode: 'ALL', rules: rules(60) };
    e.trigger.filter = { mode: 'ALL', rules: rules(60) };
    expectIssue(e, '', /at most 100 rules in all \(it has 121\)/); // 60 + 60 + the when of actions[1]
    const f = def();
    f.conditions = {
      mode: 'ALL',
      rules: [{ mode: 'ALL', rules: [{ mode: 'ALL', rules: [{ mode: 'ALL', rules: rules(1) }] }] }],
    };
    expectIssue(f, 'conditions.rules[0].rules[0].rules[0]', 'condition groups may nest at most 3 levels');
    expect(issuesOf(f, { limits: { maxDepth: 4 } })).toEqual([]);
    const g = def();
    (g.actions[0]!.body as Record<string, unknown>).blob = 'x'.repeat(70_000);
    expectIssue(g, '', /larger than 65536 bytes/);
  });
});

describe('the action-type registry', () => {
  it('lets another feature add or replace an action type', () => {
    const slack: ActionTypeSpec = {
      type: 'slack',
      schema: z.strictObject({ channel: z.string(), text: z.string() }),
      templated: ['text'],
      validate: (f) =>
        String(f.channel).startsWith('#') ? [] : [{ path: ['channel'], message: 'a channel starts with #' }],
    };
    const actionTypes = createActionRegistry([slack]);
    const d = def();
    d.actions.push({
      id: 'tell',
      type: 'slack',
      channel: 'general',
      text: 'New: {{ webhook.description }} {{ secrets.x }}',
    });
    expectIssue(d, 'actions[2].channel', 'a channel starts with #', { actionTypes });
    expectIssue(d, 'actions[2].text', /template root 'secrets'/, { actionTypes });
    expectIssue(d, 'actions[2].type', /unknown action type 'slack'/);
  });

  it('checks webhook endpoints through an extension', () => {
    const d = def();
    d.actions.push({ id: 'hook', type: 'webhook', endpointId: 'ep_9' });
    expectIssue(d, 'actions[2].endpointId', "unknown outbound endpoint 'ep_9'", {
      extensions: { [WEBHOOK_ENDPOINTS_EXTENSION]: new Set(['ep_1']) },
    });
  });
});

describe('checkConditionGroup and checkTemplates (for outbound webhooks)', () => {
  it('validate a filter and a transformation with a narrower scope', () => {
    const scope = { roots: ['webhook', 'event'] as const, where: 'the endpoint filter' };
    expect(
      checkConditionGroup(
        { mode: 'ALL', rules: [{ path: '$.webhook.a', op: '==', value: 1 }] },
        { location: 'filter', scope: { ...scope, roots: [...scope.roots] } },
      ).ok,
    ).toBe(true);
    const bad = checkConditionGroup(
      { mode: 'ALL', rules: [{ path: '$.workspace.id', op: 'exists' }] },
      { location: 'filter', scope: { ...scope, roots: [...scope.roots] } },
    );
    expect(bad).toEqual({
      ok: false,
      issues: [
        { path: 'filter.rules[0].path', message: "'workspace' is not available in the endpoint filter" },
      ],
    });
    expect(
      checkTemplates({ x: '{{ cache.project.p1 }}' }, 'transform', { ...scope, roots: [...scope.roots] }),
    ).toEqual([
      { path: 'transform.x', message: "cache.project.p1: 'cache' is not available in the endpoint filter" },
    ]);
  });
});
