import { describe, expect, it } from 'vitest';
import { makeContext } from '../../../test/helpers/flow-fixtures.js';
import {
  type ConditionGroup,
  type ConditionRule,
  type Operator,
  type RuleTrace,
  compareValues,
  evaluate,
  valuesEqual,
} from './conditions.js';

const ctx = makeContext();
const one = (rule: ConditionRule, context = ctx): boolean =>
  evaluate({ mode: 'ALL', rules: [rule] }, context).result;
const rule = (path: string, op: Operator, value?: unknown, caseInsensitive?: boolean): ConditionRule => ({
  path,
  op,
  ...(value !== undefined ? { value } : {}),
  ...(caseInsensitive !== undefined ? { caseInsensitive } : {}),
});
const traceOf = (r: ConditionRule, context = ctx): RuleTrace =>
  evaluate({ mode: 'ALL', rules: [r] }, context).trace.rules[0] as RuleTrace;

describe('operators', () => {
  it('== and != with numbers, text, booleans, null, lists and objects', () => {
    expect(one(rule('$.webhook.zero', '==', 0))).toBe(true);
    expect(one(rule('$.webhook.description', '==', 'Fix Login bug'))).toBe(true);
    expect(one(rule('$.webhook.description', '==', 'fix login bug'))).toBe(false);
    expect(one(rule('$.webhook.billable', '==', true))).toBe(true);
    expect(one(rule('$.webhook.note', '==', null))).toBe(true);
    expect(one(rule('$.webhook.tagIds', '==', ['t1', 't2']))).toBe(true);
    expect(one(rule('$.webhook.hourlyRate', '==', { currency: 'EUR', amount: 5000 }))).toBe(true);
    expect(one(rule('$.webhook.hourlyRate', '==', { currency: 'EUR' }))).toBe(false);
    expect(one(rule('$.webhook.description', '!=', 'other'))).toBe(true);
    expect(one(rule('$.webhook.description', '!=', 'Fix Login bug'))).toBe(false);
  });

  it('>, <, >=, <= on numbers, numeric strings, dates and text', () => {
    expect(one(rule('$.webhook.hourlyRate.amount', '>', 4999))).toBe(true);
    expect(one(rule('$.webhook.hourlyRate.amount', '<', 4999))).toBe(false);
    expect(one(rule('$.webhook.hourlyRate.amount', '>=', 5000))).toBe(true);
    expect(one(rule('$.webhook.hourlyRate.amount', '<=', 5000))).toBe(true);
    expect(one(rule('$.webhook.duration', '>', 600))).toBe(true); // "3600" vs 600
    expect(one(rule('$.webhook.duration', '>', '900'))).toBe(true); // two numeric strings: numbers, not text
    expect(one(rule('$.webhook.timeInterval.start', '<', '2024-05-01T09:00:00+01:00'))).toBe(false); // same instant
    expect(one(rule('$.webhook.timeInterval.start', '<', '2024-05-01T09:30:00+01:00'))).toBe(true);
    expect(one(rule('$.webhook.timeInterval.start', '>=', '2024-05-01'))).toBe(true);
    expect(one(rule('$.webhook.description', '<', 'Z'))).toBe(true);
    expect(one(rule('$.webhook.hourlyRate', '>', 1))).toBe(false); // not comparable
  });

  it('contains / not_contains on text and lists', () => {
    expect(one(rule('$.webhook.description', 'contains', 'Login'))).toBe(true);
    expect(one(rule('$.webhook.description', 'contains', 'login'))).toBe(false);
    expect(one(rule('$.webhook.description', 'contains', 'login', true))).toBe(true);
    expect(one(rule('$.webhook.tagIds', 'contains', 't2'))).toBe(true);
    expect(one(rule('$.webhook.tagIds', 'contains', 't3'))).toBe(false);
    expect(one(rule('$.webhook.duration', 'contains', 60))).toBe(true);
    expect(one(rule('$.webhook.description', 'not_contains', 'feature'))).toBe(true);
    expect(one(rule('$.webhook.tagIds', 'not_contains', 't1'))).toBe(false);
  });

  it('starts_with / ends_with', () => {
    expect(one(rule('$.webhook.description', 'starts_with', 'Fix'))).toBe(true);
    expect(one(rule('$.webhook.description', 'starts_with', 'fix'))).toBe(false);
    expect(one(rule('$.webhook.description', 'starts_with', 'fix', true))).toBe(true);
    expect(one(rule('$.webhook.description', 'ends_with', 'bug'))).toBe(true);
    expect(one(rule('$.webhook.zero', 'ends_with', '0'))).toBe(true);
    expect(one(rule('$.webhook.tagIds', 'starts_with', 't'))).toBe(false);
  });

  it('in / not_in with coercion inside the list', () => {
    expect(one(rule('$.webhook.projectId', 'in', ['p0', 'p1']))).toBe(true);
    expect(one(rule('$.webhook.projectId', 'in', ['p0']))).toBe(false);
    expect(one(rule('$.webhook.duration', 'in', [3600, 7200]))).toBe(true);
    expect(one(rule('$.webhook.projectId', 'not_in', ['p0']))).toBe(true);
    expect(one(rule('$.webhook.projectId', 'not_in', ['P1'], true))).toBe(false);
    const t = traceOf(rule('$.webhook.projectId', 'in', 'p1'));
    expect(t).toMatchObject({ result: false, error: "'in' needs a list as its value" });
  });

  it('exists / not_exists: null exists, a missing key does not', () => {
    expect(one(rule('$.webhook.note', 'exists'))).toBe(true);
    expect(one(rule('$.webhook.nope', 'exists'))).toBe(false);
    expect(one(rule('$.webhook.nope', 'not_exists'))).toBe(true);
    expect(one(rule('$.webhook.note', 'not_exists'))).toBe(false);
  });

  it('matches (RE2), with case-insensitivity and numbers as text', () => {
    expect(one(rule('$.webhook.customFields[0].value', 'matches', '^JIRA-\\d+$'))).toBe(true);
    expect(one(rule('$.webhook.customFields[0].value', 'matches', '^jira-\\d+$'))).toBe(false);
    expect(one(rule('$.webhook.customFields[0].value', 'matches', '^jira-\\d+$', true))).toBe(true);
    expect(one(rule('$.webhook.hourlyRate.amount', 'matches', '^5\\d{3}$'))).toBe(true);
    expect(traceOf(rule('$.webhook.description', 'matches', '(a'))).toMatchObject({
      result: false,
      error: expect.stringMatching(/invalid regular expression/),
    });
  });
});

describe('a missing value', () => {
  const ops: Operator[] = [
    '==',
    '>',
    '<',
    '>=',
    '<=',
    'contains',
    'not_contains',
    'starts_with',
    'ends_with',
    'in',
    'not_in',
    'matches',
    'exists',
  ];
  it('is never equal to anything; only not_exists and != hold', () => {
    for (const op of ops) {
      const value =
        op === 'in' || op === 'not_in'
          ? [null, '', 0]
          : op === 'exists'
            ? undefined
            : op === 'matches'
              ? '.*'
              : null;
      expect(one(rule('$.webhook.missing', op, value)), op).toBe(false);
    }
    expect(one(rule('$.webhook.missing', '!=', null))).toBe(true);
    expect(one(rule('$.webhook.missing', 'not_exists'))).toBe(true);
    expect(one(rule('$.webhook.missing', '==', ''))).toBe(false);
    expect(one(rule('$.webhook.missing', '==', 0))).toBe(false);
  });

  it('includes a path through a scalar and an action that has not run', () => {
    expect(one(rule('$.webhook.description.text', '==', null))).toBe(false);
    expect(one(rule('$.actions.notify.status', 'exists'))).toBe(false);
  });
});

describe('type coercion', () => {
  it('numbers against numeric strings compare numerically; two strings stay text for ==', () => {
    expect(valuesEqual(1, '1.0')).toBe(true);
    expect(valuesEqual('1e3', 1000)).toBe(true);
    expect(valuesEqual(' 42 ', 42)).toBe(true);
    expect(valuesEqual('0012', '12')).toBe(false);
    expect(valuesEqual('abc', 0)).toBe(false);
    expect(valuesEqual('', 0)).toBe(false);
    expect(valuesEqual('Infinity', Infinity)).toBe(false);
    expect(compareValues('10', '9')).toBeGreaterThan(0);
    expect(compareValues('0x10', 1)).toBeUndefined();
  });

  it('ISO-8601 strings compare as instants when both sides are dates', () => {
    expect(valuesEqual('2024-05-01T12:00:00+02:00', '2024-05-01T10:00:00Z')).toBe(true);
    expect(valuesEqual('2024-05-01T10:00:00.000Z', '2024-05-01T10:00:00Z')).toBe(true);
    expect(valuesEqual('2024-05-01', '2024-05-01T00:00:00Z')).toBe(true);
    expect(valuesEqual('2024-05-01T10:00', '2024-05-01T10:00:00Z')).toBe(true); // no zone = UTC
    expect(compareValues('2024-05-01T23:30:00-02:00', '2024-05-02T00:00:00Z')).toBeGreaterThan(0);
    expect(valuesEqual('2024-02-30', '2024-03-01')).toBe(false); // not a date: compared as text
    expect(compareValues('2024-05-01T10:00:00Z', 'tomorrow')).toBeLessThan(0); // text ordering
  });

  it('booleans against "true"/"false" strings', () => {
    expect(valuesEqual(true, 'true')).toBe(true);
    expect(valuesEqual('FALSE', false)).toBe(true);
    expect(valuesEqual(true, 1)).toBe(false);
    expect(valuesEqual(true, 'yes')).toBe(false);
  });

  it('text is Unicode-normalised; case folding only when asked', () => {
    expect(valuesEqual('Caf\u00e9', 'Cafe\u0301')).toBe(true);
    expect(valuesEqual('STRASSE', 'straße')).toBe(false);
    expect(valuesEqual('STRASSE', 'straße', true)).toBe(true);
    expect(valuesEqual(null, undefined)).toBe(false);
  });
});

describe('groups', () => {
  const t = rule('$.webhook.billable', '==', true);
  const f = rule('$.webhook.billable', '==', false);
  it('ALL needs every rule, ANY one; an empty ALL is true and an empty ANY false', () => {
    expect(evaluate({ mode: 'ALL', rules: [t, t] }, ctx).result).toBe(true);
    expect(evaluate({ mode: 'ALL', rules: [t, f] }, ctx).result).toBe(false);
    expect(evaluate({ mode: 'ANY', rules: [f, t] }, ctx).result).toBe(true);
    expect(evaluate({ mode: 'ANY', rules: [f, f] }, ctx).result).toBe(false);
    expect(evaluate({ mode: 'ALL', rules: [] }, ctx).result).toBe(true);
    expect(evaluate({ mode: 'ANY', rules: [] }, ctx).result).toBe(false);
  });

  it('nests groups (ALL of [ANY of [...], rule])', () => {
    const g: ConditionGroup = {
      mode: 'ALL',
      rules: [{ mode: 'ANY', rules: [f, { mode: 'ALL', rules: [t, t] }] }, t],
    };
    expect(evaluate(g, ctx).result).toBe(true);
    expect(evaluate({ mode: 'ALL', rules: [{ mode: 'ANY', rules: [f, f] }, t] }, ctx).result).toBe(false);
  });

  it('short-circuits unless asked for every rule (dry runs)', () => {
    const short = evaluate({ mode: 'ALL', rules: [f, t, t] }, ctx);
    expect(short.trace.rules).toHaveLength(1);
    const full = evaluate({ mode: 'ALL', rules: [f, t, t] }, ctx, { exhaustive: true });
    expect(full.result).toBe(false);
    expect(full.trace.rules.map((r) => r.result)).toEqual([false, true, true]);
  });
});

describe('the trace', () => {
  it('gives each rule its location, path, actual value, operator, expected value and result', () => {
    const e = evaluate(
      {
        mode: 'ALL',
        rules: [
          rule('$.webhook.hourlyRate.amount', '>', 100),
          { mode: 'ANY', rules: [rule('$.webhook.missing', '==', 'x')] },
        ],
      },
      ctx,
      { location: 'actions[2].when', exhaustive: true },
    );
    expect(e.trace).toEqual({
      kind: 'group',
      location: 'actions[2].when',
      mode: 'ALL',
      result: false,
      rules: [
        {
          kind: 'rule',
          location: 'actions[2].when.rules[0]',
          path: '$.webhook.hourlyRate.amount',
          op: '>',
          expected: 100,
          actual: 5000,
          found: true,
          result: true,
        },
        {
          kind: 'group',
          location: 'actions[2].when.rules[1]',
          mode: 'ANY',
          result: false,
          rules: [
            {
              kind: 'rule',
              location: 'actions[2].when.rules[1].rules[0]',
              path: '$.webhook.missing',
              op: '==',
              expected: 'x',
              found: false,
              result: false,
            },
          ],
        },
      ],
    });
  });

  it('shows a preview of large values', () => {
    const big = makeContext({
      webhook: { text: 'x'.repeat(5_000), list: Array.from({ length: 2_000 }, (_, i) => i) },
    });
    const a = traceOf(rule('$.webhook.text', 'exists'), big);
    expect(typeof a.actual === 'string' && a.actual.length).toBeLessThan(510);
    const b = traceOf(rule('$.webhook.list', 'exists'), big);
    expect(typeof b.actual).toBe('string');
  });
});

describe('paths', () => {
  it('reads the event, workspace, flow and earlier actions', () => {
    expect(one(rule('$.event.type', 'starts_with', 'NEW_'))).toBe(true);
    expect(one(rule('$.event.source', '==', 'clockify'))).toBe(true);
    expect(one(rule('$.workspace.id', '==', 'ws1'))).toBe(true);
    expect(one(rule('$.flow.version', '>=', 3))).toBe(true);
    expect(one(rule('$.actions.createTask.status', '==', 201))).toBe(true);
    expect(one(rule('$.actions.createTask.body.name', '==', 'Follow-up'))).toBe(true);
  });

  it('collects the values of a path that fans out into a list', () => {
    expect(traceOf(rule('$.webhook.customFields[*].name', '==', ['Ticket']))).toMatchObject({ result: true });
    expect(one(rule('$..currency', 'contains', 'EUR'))).toBe(true);
    expect(one(rule('$.webhook.nothing[*]', 'exists'))).toBe(false);
  });

  it('reads the cache through a {{ }} path', () => {
    expect(one(rule('{{ cache.project[webhook.projectId].name }}', '==', 'Internal Tools'))).toBe(true);
    expect(one(rule('{{ cache.project[webhook.userId].name }}', 'exists'))).toBe(false);
    expect(one(rule('{{ cache.project[webhook.projectId].name | upper }}', 'ends_with', 'TOOLS'))).toBe(true);
  });

  it('renders templates in the expected value', () => {
    expect(one(rule('$.webhook.workspaceId', '==', '{{ workspace.id }}'))).toBe(true);
    expect(one(rule('$.webhook.projectId', 'in', ['{{ cache.project.p1.id }}', 'other']))).toBe(true);
    expect(traceOf(rule('$.webhook.projectId', '==', '{{ webhook.nope }}'))).toMatchObject({
      result: false,
      error: expect.stringMatching(/did not resolve/),
    });
  });

  it('turns a bad path into a false rule with an error, not a throw', () => {
    expect(traceOf(rule('$[?(@.x)]', '==', 1))).toMatchObject({
      result: false,
      error: expect.stringMatching(/filter/),
    });
    expect(traceOf(rule('webhook.x', '!=', 1))).toMatchObject({ result: false, error: expect.any(String) });
    expect(traceOf(rule('{{ secrets.x }}', 'not_exists'))).toMatchObject({
      result: false,
      error: expect.any(String),
    });
  });
});
