import { describe, expect, it } from 'vitest';
import { cachedProject, makeContext, timeEntryBody } from '../../../test/helpers/flow-fixtures.js';
import {
  type RenderResult,
  TemplateError,
  listCacheReferences,
  listTemplates,
  parseTemplate,
  render,
  resolveTemplateValue,
} from './templates.js';

const ctx = makeContext();
const ok = (r: RenderResult): unknown => {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r.value;
};
const err = (r: RenderResult): TemplateError => {
  if (r.ok) throw new Error(`expected an error, got ${JSON.stringify(r.value)}`);
  return r.error;
};
const one = (s: string, context = ctx, timeZone?: string) =>
  ok(render(s, context, timeZone !== undefined ? { timeZone } : {}));

describe('render: types', () => {
  it('keeps the JSON type of a value that is a single template', () => {
    expect(one('{{ webhook.hourlyRate.amount }}')).toBe(5000);
    expect(one('{{ webhook.billable }}')).toBe(true);
    expect(one('{{webhook.tagIds}}')).toEqual(['t1', 't2']);
    expect(one('{{ webhook.hourlyRate }}')).toEqual({ amount: 5000, currency: 'EUR' });
    expect(one('{{ webhook.note }}')).toBeNull();
    expect(one('{{ webhook.empty }}')).toBe('');
    expect(one('{{ webhook.zero }}')).toBe(0);
  });

  it('stringifies inside a longer string (objects as JSON)', () => {
    expect(one('Rate: {{ webhook.hourlyRate.amount }} {{ webhook.hourlyRate.currency }}')).toBe(
      'Rate: 5000 EUR',
    );
    expect(one('billable={{ webhook.billable }}')).toBe('billable=true');
    expect(one('tags {{ webhook.tagIds }}')).toBe('tags ["t1","t2"]');
    expect(one(' {{ webhook.zero }}')).toBe(' 0');
  });

  it('returns a copy: changing the output does not change the context', () => {
    const out = one('{{ webhook.hourlyRate }}') as { amount: number };
    out.amount = 1;
    expect(timeEntryBody.hourlyRate.amount).toBe(5000);
  });

  it('renders every string leaf of objects and arrays, leaving other values as they are', () => {
    const out = ok(
      render(
        {
          name: 'Review: {{ webhook.description }}',
          n: 3,
          flag: false,
          nothing: null,
          list: ['{{ webhook.userId }}', 'x'],
        },
        ctx,
      ),
    );
    expect(out).toEqual({
      name: 'Review: Fix Login bug',
      n: 3,
      flag: false,
      nothing: null,
      list: ['u1', 'x'],
    });
  });

  it('leaves strings without {{ alone, including lone braces', () => {
    expect(one('plain } text }} {')).toBe('plain } text }} {');
  });

  it('writes {{ literally through a quoted literal', () => {
    expect(one("{{ '{{' }} name }}")).toBe('{{ name }}');
    expect(one("{{ 'a' }}")).toBe('a');
    expect(one('{{ 42 }}')).toBe(42);
  });
});

describe('render: roots', () => {
  it('reads event, workspace, flow, execution and earlier actions', () => {
    expect(one('{{ event.type }}/{{ event.source }}/{{ event.id }}')).toBe('NEW_TIME_ENTRY/clockify/evt_1');
    expect(one('{{ event.receivedAt }}')).toBe('2024-05-01T09:00:01.000Z');
    expect(one('{{ workspace.id }}')).toBe('ws1');
    expect(one('{{ flow.id }}@{{ flow.version }}')).toBe('flw_1@3');
    expect(one('{{ flow.version }}')).toBe(3);
    expect(one('{{ execution.id }}')).toBe('exe_1');
    expect(one('{{ actions.createTask.status }}')).toBe(201);
    expect(one('{{ actions[0].body.id }}')).toBe('task9');
    expect(one('{{ actions.createTask }}')).toEqual({
      status: 201,
      body: { id: 'task9', name: 'Follow-up' },
    });
  });

  it('reads the cache with a literal or a dynamic id', () => {
    expect(one('{{ cache.project.p1.name }}')).toBe('Internal Tools');
    expect(one('{{ cache.project[webhook.projectId].name }}')).toBe('Internal Tools');
    expect(one("{{ cache.project['p1'] }}")).toEqual(cachedProject);
  });

  it('indexes arrays, from the end too, and quoted keys', () => {
    expect(one('{{ webhook.tagIds[1] }}')).toBe('t2');
    expect(one('{{ webhook.tagIds[-1] }}')).toBe('t2');
    expect(one('{{ webhook.customFields[0].value }}')).toBe('JIRA-42');
    expect(one("{{ webhook['timeInterval']['start'] }}")).toBe('2024-05-01T08:00:00Z');
    expect(one('{{ webhook.tagIds.0 }}')).toBe('t1');
  });
});

describe('render: missing values', () => {
  it('fails naming the template, the path and where it broke', () => {
    const e = err(
      render({ body: { name: 'x {{ webhook.project.name }}' } }, ctx, { location: 'actions[1]' }),
    );
    expect(e).toBeInstanceOf(TemplateError);
    expect(e.code).toBe('unresolved');
    expect(e.location).toBe('actions[1].body.name');
    expect(e.path).toBe('webhook.project.name');
    expect(e.expression).toBe('{{ webhook.project.name }}');
    expect(e.message).toMatch(
      /\{\{ webhook\.project\.name \}\} did not resolve: webhook: it has no 'project'/,
    );
    expect(e.message).toMatch(/default/);
  });

  it('never sends an empty string or null in place of a missing value', () => {
    for (const t of [
      '{{ webhook.missing }}',
      'a {{ webhook.missing }}',
      '{{ webhook.tagIds[5] }}',
      '{{ webhook.description.x }}',
      '{{ cache.project[webhook.userId].name }}',
      '{{ cache.project[webhook.missing].name }}',
      '{{ actions.later.body }}',
      '{{ actions[3].status }}',
    ])
      expect(render(t, ctx).ok, t).toBe(false);
    expect(err(render('{{ actions.createTask.status }}', makeContext({ actions: [] }))).message).toMatch(
      /has not run/,
    );
    expect(err(render('{{ flow.id }}', makeContext({ flow: undefined }))).code).toBe('unresolved');
  });

  it('refuses null inside text unless a default is given', () => {
    expect(err(render('note: {{ webhook.note }}', ctx)).message).toMatch(/null inside text/);
    expect(one("note: {{ webhook.note | default: '-' }}")).toBe('note: -');
  });

  it('uses default for missing and null values, keeping its type', () => {
    expect(one("{{ webhook.missing | default: 'n/a' }}")).toBe('n/a');
    expect(one('{{ webhook.missing | default: 0 }}')).toBe(0);
    expect(one('{{ webhook.missing | default: [] }}')).toEqual([]);
    expect(one('{{ webhook.missing | default: {} }}')).toEqual({});
    expect(one('{{ webhook.note | default: false }}')).toBe(false);
    expect(one("{{ webhook.empty | default: 'x' }}")).toBe(''); // an empty string is a value
    expect(one("{{ webhook.missing | upper | default: 'NONE' }}")).toBe('NONE');
    expect(one("{{ cache.project[webhook.userId].name | default: 'unknown' }}")).toBe('unknown');
  });
});

describe('render: filters', () => {
  it('upper, lower, trim, string, number, json', () => {
    expect(one('{{ webhook.description | upper }}')).toBe('FIX LOGIN BUG');
    expect(one('{{ webhook.description | lower }}')).toBe('fix login bug');
    expect(one("{{ '  padded ' | trim }}")).toBe('padded');
    expect(one('{{ webhook.zero | string }}')).toBe('0');
    expect(one('{{ webhook.hourlyRate | string }}')).toBe('{"amount":5000,"currency":"EUR"}');
    expect(one('{{ webhook.duration | number }}')).toBe(3600);
    expect(one('{{ webhook.tagIds | json }}')).toBe('["t1","t2"]');
    expect(one('{{ webhook.note | json }}')).toBe('null');
    expect(one('{{ webhook.description | lower | upper | trim }}')).toBe('FIX LOGIN BUG');
  });

  it('fails on a type a filter cannot take', () => {
    expect(err(render('{{ webhook.description | number }}', ctx)).code).toBe('type');
    expect(err(render('{{ webhook.hourlyRate | upper }}', ctx)).message).toMatch(
      /expects text, got an object/,
    );
  });

  it('date: ISO by default in UTC, formats, time zones, epoch values', () => {
    expect(one('{{ webhook.timeInterval.start | date }}')).toBe('2024-05-01T08:00:00.000Z');
    expect(one("{{ webhook.timeInterval.start | date: 'yyyy-MM-dd HH:mm' }}")).toBe('2024-05-01 08:00');
    expect(one("{{ webhook.timeInterval.start | date: 'iso', 'Europe/Berlin' }}")).toBe(
      '2024-05-01T10:00:00.000+02:00',
    );
    expect(one("{{ webhook.timeInterval.start | date: 'd.M.yy H:mm XXX', 'America/New_York' }}")).toBe(
      '1.5.24 4:00 -04:00',
    );
    expect(one(`{{ webhook.timeInterval.start | date: "yyyy-MM-dd'T'HH" }}`)).toBe('2024-05-01T08');
    expect(one("{{ webhook.timeInterval.start | date: 'unix' }}")).toBe(1_714_550_400);
    expect(one("{{ webhook.timeInterval.start | date: 'unixms' }}")).toBe(1_714_550_400_000);
    expect(one("{{ 1714550400000 | date: 'yyyy-MM-dd' }}")).toBe('2024-05-01');
    // The default zone is injected.
    expect(one("{{ webhook.timeInterval.start | date: 'HH:mm XXX' }}", ctx, 'Asia/Kolkata')).toBe(
      '13:30 +05:30',
    );
    expect(err(render('{{ webhook.description | date }}', ctx)).code).toBe('type');
    expect(render('{{ webhook.timeInterval.start | date }}', ctx, { timeZone: 'Mars/Olympus' }).ok).toBe(
      false,
    );
  });
});

describe('render: limits', () => {
  it('caps the output size', () => {
    const big = makeContext({ webhook: { text: 'x'.repeat(600_000) } });
    expect(ok(render('{{ webhook.text }}', big))).toHaveLength(600_000);
    const e = err(render({ a: '{{ webhook.text }}', b: '{{ webhook.text }}' }, big));
    expect(e.code).toBe('limit');
    expect(e.location).toBe('b');
    expect(render('{{ webhook.text }}{{ webhook.text }}', big).ok).toBe(false);
    expect(render('{{ webhook.text | json }}', big, { limits: { maxOutputChars: 1000 } }).ok).toBe(false);
  });
});

describe('parseTemplate', () => {
  it('lists the roots and paths a template reads, nested ids included', () => {
    const p = parseTemplate(
      "{{ cache.project[webhook.projectId].name | default: '?' }} {{ actions.createTask.body.id }} {{ actions[0].status }}",
    );
    expect(p.ok).toBe(true);
    if (!p.ok) return;
    expect(p.template.single).toBe(false);
    expect(
      p.template.references.map(({ root, path, hasDefault, actionId, actionIndex, entityType }) => ({
        root,
        path,
        hasDefault,
        actionId,
        actionIndex,
        entityType,
      })),
    ).toEqual([
      {
        root: 'cache',
        path: 'cache.project[webhook.projectId].name',
        hasDefault: true,
        entityType: 'project',
        actionId: undefined,
        actionIndex: undefined,
      },
      {
        root: 'webhook',
        path: 'webhook.projectId',
        hasDefault: true,
        entityType: undefined,
        actionId: undefined,
        actionIndex: undefined,
      },
      {
        root: 'actions',
        path: 'actions.createTask.body.id',
        hasDefault: false,
        actionId: 'createTask',
        entityType: undefined,
        actionIndex: undefined,
      },
      {
        root: 'actions',
        path: 'actions[0].status',
        hasDefault: false,
        actionIndex: 0,
        entityType: undefined,
        actionId: undefined,
      },
    ]);
  });

  it('refuses forbidden roots, prototype keys, unknown filters and fields', () => {
    const cases: [string, string, RegExp][] = [
      ['{{ secrets.token }}', 'forbidden', /template root 'secrets' is not allowed/],
      ['{{ process.env.HOME }}', 'forbidden', /template root 'process'/],
      ['{{ webhook.__proto__ }}', 'forbidden', /'__proto__' is not allowed/],
      ["{{ webhook['constructor'] }}", 'forbidden', /'constructor'/],
      ['{{ webhook | exec }}', 'forbidden', /filter 'exec' is not allowed/],
      ['{{ event.headers }}', 'forbidden', /event has only/],
      ['{{ workspace.token }}', 'forbidden', /workspace has only workspace\.id/],
      ['{{ actions.x.headers }}', 'syntax', /only \.status and \.body/],
      ['{{ cache }}', 'syntax', /cache\.<entityType>\.<id>/],
      ['{{ cache.project }}', 'syntax', /name the entity's id/],
      ['{{ webhook.a', 'syntax', /missing '}}'/],
      ['{{ }}', 'syntax', /empty expression/],
      ['{{ webhook.a b }}', 'syntax', /expected '\|'/],
      ['{{ webhook.a | default }}', 'syntax', /takes one value/],
      ['{{ webhook.a | upper: 1 }}', 'syntax', /takes no argument/],
      ["{{ webhook.a | date: 'Qq' }}", 'syntax', /unknown date token/],
      ["{{ webhook.a | date: 'iso', 'Nowhere/City' }}", 'syntax', /unknown time zone/],
      ["{{ 'unterminated }}", 'syntax', /missing '}}'|unterminated/],
    ];
    for (const [source, code, message] of cases) {
      const p = parseTemplate(source);
      expect(p.ok, source).toBe(false);
      if (!p.ok) {
        expect(p.error.code, source).toBe(code);
        expect(p.error.message, source).toMatch(message);
      }
    }
  });
});

describe('listTemplates and listCacheReferences', () => {
  it('finds every template with its location', () => {
    const sites = listTemplates(
      { a: ['x', '{{ webhook.id }}'], 'b c': { d: '{{ nope }}' } },
      'actions[0].body',
    );
    expect(sites.map((s) => [s.location, 'error' in s])).toEqual([
      ['actions[0].body.a[1]', false],
      ['actions[0].body["b c"].d', true],
    ]);
  });

  it('names the cache entries to preload, resolving dynamic ids', () => {
    expect(
      listCacheReferences(
        {
          a: '{{ cache.project[webhook.projectId].name }}',
          b: '{{ cache.user.u7 }} {{ cache.project[webhook.projectId].id }}',
          c: '{{ cache.tag[webhook.missing] }}',
        },
        ctx,
      ),
    ).toEqual([
      { entityType: 'project', id: 'p1' },
      { entityType: 'user', id: 'u7' },
    ]);
  });
});

describe('resolveTemplateValue', () => {
  it('resolves one expression, reporting a missing value as not found', () => {
    expect(resolveTemplateValue('{{ webhook.userId }}', ctx)).toEqual({ ok: true, found: true, value: 'u1' });
    expect(resolveTemplateValue('{{ webhook.none }}', ctx)).toEqual({ ok: true, found: false });
    expect(resolveTemplateValue('a {{ webhook.userId }}', ctx).ok).toBe(false);
  });
});
