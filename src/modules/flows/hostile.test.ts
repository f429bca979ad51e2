/**
 * Hostile expressions, templates, regexes, definitions and bodies. Each one must end as a validation
 * issue, a classified error or a bounded result: never an unclassified throw, a hang, code running,
 * a global being read, or a prototype changing (a hang would fail the test by its timeout). Canaries on Object.prototype and globalThis count any
 * read; every test checks that nothing touched them.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { catalogue, makeContext, validDefinition } from '../../../test/helpers/flow-fixtures.js';
import { JsonPathError, checkJsonPath, queryJsonPath } from '../../platform/jsonpath.js';
import { type ConditionRule, type Operator, evaluate } from './conditions.js';
import type { FlowContext } from './context.js';
import { createTriggerIndex, matchesTrigger } from './event-match.js';
import { compileRegex } from './regex.js';
import { TemplateError, listCacheReferences, parseTemplate, render } from './templates.js';
import { validateFlowDefinition } from './validate.js';

// ---------------------------------------------------------------------------------------------------
// Canaries

const canary = { reads: 0 };
const g = globalThis as Record<string, unknown>;
const PROTO_KEYS_BEFORE = Object.getOwnPropertyNames(Object.prototype).sort();

beforeAll(() => {
  Object.defineProperty(Object.prototype, 'flowCanary', {
    configurable: true,
    get() {
      canary.reads++;
      return 'leaked';
    },
  });
  Object.defineProperty(globalThis, 'flowSecret', {
    configurable: true,
    get() {
      canary.reads++;
      return 'leaked';
    },
  });
});

afterAll(() => {
  delete (Object.prototype as Record<string, unknown>).flowCanary;
  delete g.flowSecret;
});

afterEach(() => {
  expect(canary.reads, 'a canary getter was read').toBe(0);
  expect(
    Object.getOwnPropertyNames(Object.prototype)
      .filter((k) => k !== 'flowCanary')
      .sort(),
  ).toEqual(PROTO_KEYS_BEFORE);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(g.pwned).toBeUndefined();
  expect(Object.getPrototypeOf({})).toBe(Object.prototype);
});

/**
 * Runs `fn`; any throw fails the test. A hang shows up as the test timing out (vitest's testTimeout),
 * so nothing here asserts on elapsed time (the machines are shared and timing would be flaky).
 */
function bounded<T>(fn: () => T): T {
  return fn();
}

const ctx = makeContext();

// ---------------------------------------------------------------------------------------------------
// 1. JSONPath expressions

const SCRIPT_PATHS = [
  "$[?(@.constructor.constructor('return process')())]",
  "$..[?(@.constructor.constructor('globalThis.pwned = 1')())]",
  '$[?(@.id)]',
  '$.list[(@.length-1)]',
  '$[(globalThis.pwned = 1)]',
  '$..[?(@ && (globalThis.pwned = 1))]',
  '$[?(this.constructor)]',
  "$[?(@.a == 'x')]",
  '$..book[?(@.price<10)]',
  '$[ ?( @.x ) ]',
  '$..*[?(@path)]',
  '$[?(@property === "x")]',
  "$['a(b)']",
  '$.a?.b',
  '$[?(require("child_process").execSync("id"))]',
];

const PROTOTYPE_PATHS = [
  '$.__proto__',
  "$['__proto__']",
  '$["constructor"]["prototype"]',
  '$..constructor',
  '$.a.prototype',
  '$.webhook.__proto__.polluted',
  '$[__proto__]',
  '$..["__proto__"]',
];

const MALFORMED_PATHS = [
  '',
  'id',
  '$.',
  '$..',
  '$....a',
  '$.@string()',
  "$['`x']",
  '$[,]',
  '$[1:2:-1]',
  '$[0:10:0]',
  '$[-1]',
  '$[a,a]',
  "$['a,b']",
  "$['a;b']",
  "$['%@%']",
  '$.^',
  '$.~',
  '$^',
  '$~',
  '$.a[',
  "$['unterminated",
  '$.a b',
  '$.a\u0000b',
  `$.${'a'.repeat(10_000)}`,
  `$${'.a'.repeat(50)}`,
  '$..a..b',
  '$.*..*..*',
  `$[${Array.from({ length: 40 }, (_, i) => `k${i}`).join(',')}]`,
  '$[99999999999]',
  '$["\\x41"]',
];

describe('hostile JSONPath: refused at compile time with a typed error', () => {
  it.each([...SCRIPT_PATHS, ...PROTOTYPE_PATHS, ...MALFORMED_PATHS])('%#: %s', (path) => {
    const r = bounded(() => checkJsonPath(path));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toBeInstanceOf(JsonPathError);
      expect(['syntax', 'forbidden', 'limit']).toContain(r.error.kind);
    }
    // And evaluating it anyway throws only the typed error.
    expect(() => queryJsonPath(path, { a: 1, list: [1, 2] })).toThrow(JsonPathError);
  });
});

function deepObject(levels: number): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let cur = root;
  for (let i = 0; i < levels; i++) {
    const next: Record<string, unknown> = {};
    cur.x = next;
    cur = next;
  }
  return root;
}
const wideBody = { items: Array.from({ length: 120_000 }, (_, i) => ({ id: i })) };
const mediumBody = { items: Array.from({ length: 20_000 }, (_, i) => ({ id: i, tags: ['a', 'b'] })) };
const protoBody = JSON.parse(
  '{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":2}},"a":1}',
) as unknown;

const EVALUATION_CASES: [string, unknown][] = [
  ['$..*', wideBody],
  ['$..*', mediumBody],
  ['$..zzz', wideBody],
  ['$.items[*].id', wideBody],
  ['$..x', deepObject(5_000)],
  ['$..*', deepObject(5_000)],
  ['$.items[*].tags[*]', mediumBody],
  ['$..flowCanary', { a: { b: 1 } }],
  ['$.flowCanary', { a: 1 }],
  ['$.a.flowCanary', { a: {} }],
  ['$..*', protoBody],
  ['$.a', protoBody],
];

describe('hostile JSONPath: evaluation is bounded', () => {
  it.each(EVALUATION_CASES)('%#: %s', (path, body) => {
    try {
      const values = bounded(() => queryJsonPath(path, body));
      expect(values.length).toBeLessThanOrEqual(1_000);
      expect(values).not.toContain('leaked');
    } catch (err) {
      expect(err).toBeInstanceOf(JsonPathError);
      expect((err as JsonPathError).kind).toBe('limit');
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// 2. Templates

const FORBIDDEN_ROOTS = [
  'secrets',
  'process',
  'globalThis',
  'global',
  'window',
  'this',
  'env',
  'config',
  'require',
  'module',
  'Function',
  'eval',
  'constructor',
  '__proto__',
  'token',
  'tokens',
  'installation',
  'workspaces',
  'flowSecret',
  'Object',
  'Reflect',
  'import',
  '$env',
  '$json',
];

const PROTOTYPE_TEMPLATES = [
  '{{ webhook.__proto__ }}',
  '{{ webhook.constructor }}',
  '{{ webhook.constructor.prototype }}',
  "{{ webhook['__proto__'] }}",
  '{{ webhook["constructor"]["constructor"] }}',
  '{{ webhook.a.prototype }}',
  '{{ cache.project.__proto__ }}',
  '{{ cache.project[webhook.x].constructor }}',
  '{{ actions.constructor }}',
  '{{ webhook.tagIds.__proto__ }}',
];

const CODE_TEMPLATES = [
  '{{ webhook.a() }}',
  '{{ webhook.a; process.exit() }}',
  "{{ constructor.constructor('return process')() }}",
  '{{ `${process.env}` }}',
  "{{ webhook.a | exec: 'id' }}",
  '{{ webhook | constructor }}',
  '{{ webhook.a + 1 }}',
  '{{ webhook.a ? 1 : 2 }}',
  '{{ new Date() }}',
  "{{ import('fs') }}",
  "{{ webhook['a' + 'b'] }}",
  '{{#each webhook}}x{{/each}}',
  '{{> partial }}',
  '{{{ webhook.raw }}}',
  '{{ ../secrets }}',
  '{{ @root.secrets }}',
  '{{ $env.TOKEN }}',
  '={{ $json.x }}',
  '{{ webhook.a | default: process.env }}',
  "{{ webhook.a | default: 'x' | toString }}",
  '{{ webhook.a | __proto__ }}',
  '{{ webhook.a | date: webhook.b }}',
  '{{ webhook.a || webhook.b }}',
  '{{ webhook.a, webhook.b }}',
  '{{ webhook.a | default: [1,2] }}',
  '{{ webhook.a | default: {"x":1} }}',
  "{{ webhook.a | default: 'x\\u0041' }}",
  '{{ [webhook.a] }}',
  '{{ webhook..a }}',
  '{{ webhook.a. }}',
  '{{ webhook[] }}',
  '{{ webhook[1.5] }}',
  '{{ webhook[webhook[webhook[webhook.a]]] }}',
  '{{ 1e400 }}',
  `{{ ${'9'.repeat(400)} }}`,
];

const UNICODE_TEMPLATES = [
  '{{ web\u200bhook.a }}', // zero-width space inside the root
  '{{ \u1d21ebhook.a }}', // homoglyph w
  '{{ webhook.__proto\u200b__ }}',
  '{{ webhook.a\u202e }}', // right-to-left override
  '{{ webhook.a\u0000 }}',
  '{{ webhook.\ud800 }}', // lone surrogate
  '{{ webhook.😀 }}',
  '{{ ｗebhook.a }}', // fullwidth w
  '{{ webhook.a | upper\u200b }}',
  '{{ webhook.a | ｕpper }}',
];

const LIMIT_TEMPLATES = [
  `{{ webhook.a }}${'x'.repeat(20_000)}`,
  Array.from({ length: 100 }, () => '{{ webhook.a }}').join(''),
  `{{ webhook${'.a'.repeat(40)} }}`,
  `{{ webhook.a${' | upper'.repeat(20)} }}`,
  `{{ webhook.${'a'.repeat(20_000)} }}`,
  '{{ webhook.a'.repeat(1_000),
  `{{ '${'x'.repeat(20_000)}' }}`,
];

describe('hostile templates: refused when parsed, with a classified error', () => {
  it.each([
    ...FORBIDDEN_ROOTS.map((r) => `{{ ${r}.x }}`),
    ...PROTOTYPE_TEMPLATES,
    ...CODE_TEMPLATES,
    ...UNICODE_TEMPLATES,
    ...LIMIT_TEMPLATES,
  ])('%#: %s', (source) => {
    const p = bounded(() => parseTemplate(source));
    expect(p.ok).toBe(false);
    if (!p.ok) {
      expect(p.error).toBeInstanceOf(TemplateError);
      expect(['syntax', 'forbidden', 'limit']).toContain(p.error.code);
    }
    const r = bounded(() => render({ field: source }, ctx, { location: 'body' }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.location).toBe('body.field');
  });
});

describe('templates that parse but read nothing they should not', () => {
  const cases: [string, FlowContext][] = [
    ['{{ webhook.flowCanary }}', ctx],
    ['{{ webhook.hourlyRate.flowCanary }}', ctx],
    ['{{ webhook.tagIds.flowCanary }}', ctx],
    ['{{ webhook.toString }}', ctx],
    ['{{ webhook.hasOwnProperty }}', ctx],
    ['{{ webhook.tagIds.length }}', ctx],
    ['{{ webhook.description.length }}', ctx],
    ['{{ webhook.tagIds.map }}', ctx],
    ['{{ webhook.valueOf }}', ctx],
    ['{{ cache.project[webhook.flowCanary] }}', ctx],
    ['{{ cache.project.flowCanary }}', ctx],
    ['{{ actions.flowCanary }}', ctx],
    ['{{ webhook[webhook.key] }}', makeContext({ webhook: { key: '__proto__' } })],
    ['{{ webhook[webhook.key] }}', makeContext({ webhook: { key: 'flowCanary' } })],
    ['{{ webhook[webhook.key] }}', makeContext({ webhook: { key: 'constructor' } })],
    ['{{ webhook.x }}', makeContext({ webhook: Object.create({ x: 'inherited' }) as unknown })],
    [
      '{{ webhook.x }}',
      makeContext({ webhook: Object.defineProperty({}, 'x', { get: () => 'getter ran', enumerable: true }) }),
    ],
    ['{{ webhook.a }}', makeContext({ webhook: 'a string body' })],
    ['{{ webhook.a }}', makeContext({ webhook: undefined })],
    ['{{ webhook[0] }}', makeContext({ webhook: [] })],
  ];
  it.each(cases)('%#: %s', (source, context) => {
    const r = bounded(() => render(source, context));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('unresolved');
  });
});

describe('hostile data flows through as data', () => {
  it('keeps a __proto__ key from a JSON body as a plain own key, changing no prototype', () => {
    const r = render(
      { copy: '{{ webhook }}', inner: '{{ webhook.__proto__ }}' },
      makeContext({ webhook: protoBody }),
    );
    expect(r.ok).toBe(false); // the path is refused …
    const whole = render('{{ webhook }}', makeContext({ webhook: protoBody }));
    expect(whole.ok).toBe(true); // … but the body itself is data
    if (whole.ok) {
      const out = whole.value as Record<string, unknown>;
      expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
      expect(Object.hasOwn(out, '__proto__')).toBe(true);
      expect(JSON.stringify(out)).toBe(JSON.stringify(protoBody));
    }
  });

  it('refuses template objects with prototype keys', () => {
    for (const value of [
      JSON.parse('{"__proto__": {"polluted": "{{ webhook.a }}"}}') as unknown,
      { nested: JSON.parse('{"constructor": "x"}') as unknown },
      [{ prototype: 1 }],
    ]) {
      const r = render(value, ctx);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('forbidden');
    }
  });

  it('refuses non-JSON values and caps output and nesting', () => {
    const sparse: unknown[] = [];
    sparse.length = 1_000_000_000;
    const cases: unknown[] = [
      () => 1,
      Symbol('x'),
      10n,
      Number.NaN,
      Infinity,
      { deep: deepObject(100) },
      sparse,
      Array.from({ length: 200_000 }, () => 'xxxxxxxxxx'),
      { a: undefined },
    ];
    for (const value of cases) {
      const r = bounded(() => render(value, ctx));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(['type', 'limit']).toContain(r.error.code);
    }
    const huge = makeContext({ webhook: { s: 'x'.repeat(2_000_000) } });
    expect(render('{{ webhook.s }}', huge).ok).toBe(false);
    expect(render('{{ webhook.s | upper }}', huge).ok).toBe(false);
    expect(render('{{ webhook | json }}', huge).ok).toBe(false);
    const deep = makeContext({ webhook: deepObject(5_000) });
    expect(bounded(() => render('{{ webhook }}', deep)).ok).toBe(false);
    const tooDeep = bounded(() => render('{{ webhook.x.x.x }}', deep));
    expect(tooDeep.ok ? 'ok' : tooDeep.error.code).toBe('limit');
    (deep.webhook as { x: { x: Record<string, unknown> } }).x.x.leaf = 1;
    expect(bounded(() => render('{{ webhook.x.x.leaf }}', deep))).toEqual({ ok: true, value: 1 });
  });

  it('names cache entries only through validated paths', () => {
    expect(
      listCacheReferences(
        { a: '{{ cache.project[webhook.key] }}' },
        makeContext({ webhook: { key: '__proto__' } }),
      ),
    ).toEqual([{ entityType: 'project', id: '__proto__' }]);
    // The id is just a string handed to the lookup; the lookup decides (the engine's lookup is a Map).
    expect(listCacheReferences({ a: '{{ secrets.x }}', b: '{{ cache.__proto__.x }}' }, ctx)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------
// 3. Regexes

const CATASTROPHIC = [
  '(a+)+$',
  '(a|a)*$',
  '(a|aa)+$',
  '(.*a){25}',
  '^(\\w+\\s?)*$',
  '(x+x+)+y',
  '((a+)+)+b',
  '(a*)*b',
  '([a-zA-Z]+)*$',
  '(a|b|ab)*c',
  '^(([a-z])+.)+[A-Z]([a-z])+$',
  '^([a-zA-Z0-9])(([\\-.]|[_]+)?([a-zA-Z0-9]+))*(@){1}[a-z0-9]+[.]{1}(([a-z]{2,3})|([a-z]{2,3}[.]{1}[a-z]{2,3}))$',
  '(\\d+)*x',
  '(?:a|a?)+$',
  '(.+)+z',
  '(a{1,10}){1,10}$',
  '((?:a|b)*)*c',
  '(.*)*(.*)*(.*)*!x',
];

describe('catastrophic regexes finish quickly with the right answer', () => {
  const input = `${'a'.repeat(50_000)}!`;
  const context = makeContext({ webhook: { text: input } });
  it.each(CATASTROPHIC)('%#: %s', (pattern) => {
    const d = validDefinition() as { conditions: unknown };
    d.conditions = { mode: 'ALL', rules: [{ path: '$.webhook.text', op: 'matches', value: pattern }] };
    expect(validateFlowDefinition(d, { catalogue }).ok).toBe(true);
    const e = bounded(() =>
      evaluate({ mode: 'ALL', rules: [{ path: '$.webhook.text', op: 'matches', value: pattern }] }, context),
    );
    const expected = new RegExp(pattern).test('aa!'); // a short input is safe for the backtracking engine
    const onShort = evaluate(
      { mode: 'ALL', rules: [{ path: '$.webhook.text', op: 'matches', value: pattern }] },
      makeContext({ webhook: { text: 'aa!' } }),
    ).result;
    expect(onShort).toBe(expected);
    expect(typeof e.result).toBe('boolean');
    expect((e.trace.rules[0] as { error?: string }).error).toBeUndefined();
  });
});

const UNSUPPORTED_PATTERNS = [
  '(a)\\1',
  '(?=a)',
  '(?!a)',
  '(?<=a)b',
  '(?<!a)b',
  '(?<name>a)\\k<name>',
  '[',
  '(',
  '*',
  'a{2,1}',
  '(?P<x',
  'x{100000}',
  '((a{100}){100}){100}',
  '.{1000}.{1000}.{1000}.{1000}.{1000}.{1000}',
  'a'.repeat(1_000),
  '\\',
  '(?z)',
  '\\p{NoSuchClass}',
];

describe('patterns RE2 refuses, or over the caps, are validation issues', () => {
  it.each(UNSUPPORTED_PATTERNS)('%#: %s', (pattern) => {
    expect(compileRegex(pattern).ok).toBe(false);
    const d = validDefinition() as { conditions: unknown };
    d.conditions = { mode: 'ALL', rules: [{ path: '$.webhook.text', op: 'matches', value: pattern }] };
    const r = bounded(() => validateFlowDefinition(d, { catalogue }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.map((i) => i.path)).toContain('conditions.rules[0].value');
  });
});

// ---------------------------------------------------------------------------------------------------
// 4. Conditions on hostile bodies

const RULES_ON_HOSTILE_BODIES: [string, ConditionRule, unknown][] = [
  ['$..* on a wide body', { path: '$.webhook..*', op: 'contains', value: 1 }, wideBody],
  ['$..x on a deep body', { path: '$.webhook..x', op: 'exists' }, deepObject(5_000)],
  ['matches on 1 MB', { path: '$.webhook.s', op: 'matches', value: 'a+$' }, { s: 'a'.repeat(1_000_000) }],
  ['contains on 1 MB', { path: '$.webhook.s', op: 'contains', value: 'b' }, { s: 'a'.repeat(1_000_000) }],
  ['== on deep objects', { path: '$.webhook', op: '==', value: { x: { x: {} } } }, deepObject(5_000)],
  [
    'in with a huge list',
    { path: '$.webhook.a', op: 'in', value: Array.from({ length: 10_000 }, (_, i) => i) },
    { a: 9_999 },
  ],
  ['__proto__ body', { path: '$.webhook.a', op: '==', value: 1 }, protoBody],
  ['canary key', { path: '$.webhook.flowCanary', op: 'exists' }, { a: 1 }],
  ['canary via template', { path: '{{ webhook.flowCanary }}', op: 'exists' }, { a: 1 }],
  ['number-like strings', { path: '$.webhook.n', op: '>', value: '1e308' }, { n: '1e309' }],
  ['date-like junk', { path: '$.webhook.d', op: '<', value: '9999-99-99T99:99' }, { d: '2024-01-01' }],
  [
    'lone surrogates',
    { path: '$.webhook.s', op: '==', value: '\ud800', caseInsensitive: true },
    { s: '\udc00' },
  ],
  ['NUL bytes', { path: '$.webhook.s', op: 'starts_with', value: '\u0000' }, { s: '\u0000abc' }],
  ['bad op at runtime', { path: '$.webhook.a', op: 'eval' as Operator, value: 1 }, { a: 1 }],
  ['regex as object', { path: '$.webhook.a', op: 'matches', value: { source: '.*' } }, { a: 'x' }],
  [
    'template value loop',
    { path: '$.webhook.a', op: '==', value: '{{ webhook.a }}{{ webhook.a }}' },
    { a: 'x'.repeat(700_000) },
  ],
];

describe('conditions on hostile bodies never throw and stay bounded', () => {
  it.each(RULES_ON_HOSTILE_BODIES)('%#: %s', (_name, rule, body) => {
    const e = bounded(() =>
      evaluate({ mode: 'ALL', rules: [rule] }, makeContext({ webhook: body }), { exhaustive: true }),
    );
    expect(typeof e.result).toBe('boolean');
    expect(JSON.stringify(e.trace).length).toBeLessThan(20_000);
  });

  it('does not crash on absurdly nested groups handed in directly', () => {
    let group: { mode: 'ALL'; rules: unknown[] } = {
      mode: 'ALL',
      rules: [{ path: '$.webhook.a', op: 'exists' }],
    };
    for (let i = 0; i < 5_000; i++) group = { mode: 'ALL', rules: [group] };
    const e = bounded(() => evaluate(group as never, ctx));
    expect(e.result).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------------
// 5. Definitions

type Def = Record<string, unknown> & {
  actions: Record<string, unknown>[];
  conditions: unknown;
  trigger: Record<string, unknown>;
};
const def = (): Def => validDefinition() as Def;
const withDef = (change: (d: Def) => void): unknown => {
  const d = def();
  change(d);
  return d;
};

function nestedGroups(depth: number): unknown {
  let g: unknown = { path: '$.webhook.a', op: 'exists' };
  for (let i = 0; i < depth; i++) g = { mode: 'ALL', rules: [g] };
  return g;
}
function circular(): unknown {
  const d: Record<string, unknown> = def();
  d.self = d;
  return d;
}
function throwingProxy(): unknown {
  return new Proxy(def(), {
    ownKeys() {
      throw new Error('trap');
    },
  });
}

const HOSTILE_DEFINITIONS: [string, unknown][] = [
  ['null', null],
  ['undefined', undefined],
  ['a number', 42],
  ['a string', '{"version":1}'],
  ['an array', [def()]],
  ['a function', () => def()],
  ['a Date', new Date()],
  ['a Map', new Map()],
  ['circular', circular()],
  ['a throwing proxy', throwingProxy()],
  ['1 MB name', withDef((d) => (d.name = 'x'.repeat(1_000_000)))],
  [
    '100 000 actions',
    withDef(
      (d) =>
        (d.actions = Array.from({ length: 100_000 }, (_, i) => ({
          id: `a${i}`,
          type: 'webhook',
          endpointId: 'e',
        }))),
    ),
  ],
  [
    'sparse actions',
    withDef((d) => {
      const a: unknown[] = [];
      a.length = 1_000_000_000;
      d.actions = a as Record<string, unknown>[];
    }),
  ],
  ['JSON nested 10 000 deep', withDef((d) => (d.actions[0]!.body = deepObject(10_000)))],
  ['groups nested 1 000 deep', withDef((d) => (d.conditions = nestedGroups(1_000)))],
  ['groups nested 4 deep', withDef((d) => (d.conditions = nestedGroups(4)))],
  [
    '10 000 rules',
    withDef(
      (d) =>
        (d.conditions = {
          mode: 'ALL',
          rules: Array.from({ length: 10_000 }, () => ({ path: '$.webhook.a', op: 'exists' })),
        }),
    ),
  ],
  [
    '__proto__ at the top',
    JSON.parse(
      JSON.stringify(def()).replace('"version":1', '"__proto__":{"polluted":1},"version":1'),
    ) as unknown,
  ],
  [
    '__proto__ in a body',
    withDef((d) => (d.actions[0]!.body = JSON.parse('{"name":"x","__proto__":{"polluted":1}}') as unknown)),
  ],
  [
    'constructor in headers',
    withDef((d) => (d.actions[1]!.headers = JSON.parse('{"constructor":"x"}') as unknown)),
  ],
  [
    'prototype in pathParams',
    withDef((d) => (d.actions[0]!.pathParams = { projectId: 'p', prototype: 'x' })),
  ],
  ['action id __proto__', withDef((d) => (d.actions[0]!.id = '__proto__'))],
  ['action id constructor', withDef((d) => (d.actions[0]!.id = 'constructor'))],
  [
    'a getter field',
    withDef((d) => Object.defineProperty(d, 'description', { get: () => 'ran', enumerable: true })),
  ],
  ['a symbol key', withDef((d) => ((d as Record<symbol, unknown>)[Symbol('x')] = 1))],
  ['a BigInt', withDef((d) => (d.actions[0]!.timeoutMs = 10n))],
  ['NaN', withDef((d) => (d.actions[0]!.timeoutMs = Number.NaN))],
  [
    'Infinity in a rule',
    withDef(
      (d) => (d.conditions = { mode: 'ALL', rules: [{ path: '$.webhook.a', op: '>', value: Infinity }] }),
    ),
  ],
  ['undefined value', withDef((d) => (d.actions[0]!.body = { name: undefined }))],
  ['a class instance', withDef((d) => (d.actions[0]!.body = new (class Evil {})()))],
  [
    'script JSONPath in filter',
    withDef(
      (d) =>
        (d.trigger.filter = {
          mode: 'ALL',
          rules: [{ path: "$[?(@.constructor.constructor('return process')())]", op: 'exists' }],
        }),
    ),
  ],
  [
    '$..* in a condition',
    withDef((d) => (d.conditions = { mode: 'ALL', rules: [{ path: '$..*', op: 'exists' }] })),
  ],
  [
    'forbidden root in url',
    withDef((d) => (d.actions[1]!.url = 'https://x.example/{{ process.env.TOKEN }}')),
  ],
  ['template host', withDef((d) => (d.actions[1]!.url = 'https://{{ webhook.host }}.example/'))],
  ['javascript: url', withDef((d) => (d.actions[1]!.url = 'javascript:alert(1)'))],
  ['file url', withDef((d) => (d.actions[1]!.url = 'file:///etc/passwd'))],
  [
    'CRLF in header value',
    withDef((d) => (d.actions[1]!.headers = { 'X-A': '{{ webhook.a }}\r\nX-Injected: 1' })),
  ],
  ['header name with newline', withDef((d) => (d.actions[1]!.headers = { 'X-A\r\nX-B': '1' }))],
  [
    'workspaceId override',
    withDef(
      (d) => (d.actions[0]!.pathParams = { projectId: 'p', workspaceId: '{{ webhook.otherWorkspace }}' }),
    ),
  ],
  ['operationId __proto__', withDef((d) => (d.actions[0]!.operationId = '__proto__'))],
  ['operationId constructor', withDef((d) => (d.actions[0]!.operationId = 'constructor'))],
  ['type __proto__', withDef((d) => (d.actions[0]!.type = '__proto__'))],
  ['type toString', withDef((d) => (d.actions[0]!.type = 'toString'))],
  ['event pattern injection', withDef((d) => (d.trigger.events = ['NEW_*; DROP TABLE flow']))],
  [
    '10 000 event patterns',
    withDef((d) => (d.trigger.events = Array.from({ length: 10_000 }, (_, i) => `E${i}`))),
  ],
  ['source id injection', withDef((d) => (d.trigger.sources = ["src_' OR 1=1 --"]))],
  ['unicode action id', withDef((d) => (d.actions[0]!.id = 'créer'))],
  [
    'zero-width action reference',
    withDef(
      (d) => ((d.actions[1]!.body as Record<string, unknown>).x = '{{ actions.create\u200bTask.body }}'),
    ),
  ],
  [
    'template in a filter path',
    withDef((d) => (d.conditions = { mode: 'ALL', rules: [{ path: '{{ secrets.key }}', op: 'exists' }] })),
  ],
  [
    'huge in list',
    withDef(
      (d) =>
        (d.conditions = {
          mode: 'ALL',
          rules: [{ path: '$.webhook.a', op: 'in', value: Array.from({ length: 5_000 }, (_, i) => i) }],
        }),
    ),
  ],
  ['version as string', withDef((d) => (d.version = '1'))],
  ['enabled as string', withDef((d) => (d.enabled = 'false'))],
  ['retry attempts 1e9', withDef((d) => (d.actions[0]!.retry = { attempts: 1e9, backoff: 'fixed' }))],
  ['timeout 1e9', withDef((d) => (d.actions[0]!.timeoutMs = 1e9))],
];

describe('hostile definitions end as validation issues', () => {
  it.each(HOSTILE_DEFINITIONS)('%#: %s', (_name, input) => {
    const r = bounded(() => validateFlowDefinition(input, { catalogue }));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.issues.length).toBeGreaterThan(0);
      expect(r.issues.length).toBeLessThanOrEqual(200);
      for (const i of r.issues) {
        expect(typeof i.path).toBe('string');
        expect(typeof i.message).toBe('string');
        expect(i.message.length).toBeLessThan(2_000);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// 6. Triggers

describe('hostile events meet triggers', () => {
  it.each([
    ['__proto__', '*'],
    ['constructor', 'constructor'],
    ['x'.repeat(100_000), 'x*'],
    ['', '*'],
    ['TIME_ENTRY_\u0000', 'TIME_ENTRY_*'],
  ])('%#: %s', (eventType, pattern) => {
    const trigger = { sources: '*' as const, events: [pattern] };
    const event = {
      ...ctx,
      id: 'e',
      workspaceId: 'w',
      sourceKind: 'custom' as const,
      sourceId: 'src_x',
      eventType,
      payload: {},
      receivedAt: new Date(0),
    };
    expect(bounded(() => matchesTrigger(trigger, event))).toBe(true);
    const index = createTriggerIndex([{ trigger }], (f) => f.trigger);
    expect(bounded(() => index.candidates(event))).toHaveLength(1);
  });
});
