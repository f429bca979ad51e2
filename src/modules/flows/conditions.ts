/**
 * Condition groups: `{ mode: 'ALL' | 'ANY', rules: [...] }`, a rule being `{ path, op, value,
 * caseInsensitive? }` or a nested group. Pure: the context goes in, a result and a trace come out.
 *
 * Values compare as users expect:
 * - a number on either side against a number or numeric string compares as numbers; `>`/`<`/`>=`/`<=`
 *   also compare two numeric strings as numbers ("10" > "9"), while `==` keeps two strings as text
 *   (so ids such as "0012" and "12" stay different);
 * - two ISO-8601 strings compare as instants (`2024-05-01T12:00:00+02:00 == 2024-05-01T10:00:00Z`);
 * - text is case-sensitive unless the rule says `caseInsensitive`, and Unicode-normalised (NFC);
 * - a missing value is never equal to anything: only `not_exists` and `!=` hold for it.
 * A rule that cannot be evaluated (a path over its limits, input too long for `matches`) is false and
 * its trace entry says why.
 */
import {
  type CompiledJsonPath,
  checkJsonPath,
  isJsonPathError,
  queryJsonPath,
} from '../../platform/jsonpath.js';
import { type FlowContext, conditionView } from './context.js';
import { parseInstant } from './instants.js';
import { testRegex } from './regex.js';
import { hasTemplate, render, resolveTemplateValue } from './templates.js';
import { boundedJson, isRecord, jsonLength, preview } from './values.js';

export const OPERATORS = [
  '==',
  '!=',
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
  'exists',
  'not_exists',
  'matches',
] as const;
export type Operator = (typeof OPERATORS)[number];

/** Operators that take no `value`. */
export const UNARY_OPERATORS: ReadonlySet<Operator> = new Set(['exists', 'not_exists']);

export type ConditionRule = { path: string; op: Operator; value?: unknown; caseInsensitive?: boolean };
export type ConditionGroup = { mode: 'ALL' | 'ANY'; rules: ConditionNode[] };
export type ConditionNode = ConditionRule | ConditionGroup;

export const isGroup = (n: ConditionNode): n is ConditionGroup => 'mode' in n;

export type RuleTrace = {
  kind: 'rule';
  /** Where the rule is in the definition, e.g. `conditions.rules[1].rules[0]`. */
  location: string;
  path: string;
  op: Operator;
  /** The rule's value after templates were rendered. */
  expected: unknown;
  /** What the path found (a short preview when large); absent when nothing was found. */
  actual?: unknown;
  found: boolean;
  result: boolean;
  /** Why the rule could not be evaluated; the rule is then false. */
  error?: string;
};

export type GroupTrace = {
  kind: 'group';
  location: string;
  mode: 'ALL' | 'ANY';
  result: boolean;
  rules: (RuleTrace | GroupTrace)[];
};

export type Evaluation = { result: boolean; trace: GroupTrace };

export type EvaluateOptions = {
  /** Location of the group in the definition (default `conditions`). */
  location?: string;
  /** Evaluate every rule even after the group's outcome is known (dry runs); default false. */
  exhaustive?: boolean;
  /** Default time zone for `date` filters in rule values. */
  timeZone?: string;
};

// ---------------------------------------------------------------------------------------------------
// Value comparison

const NUMERIC = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

function numberOf(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.length <= 64 && NUMERIC.test(v)) {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

const instantOf = (v: unknown): number | undefined =>
  typeof v === 'string' ? parseInstant(v.trim()) : undefined;

const fold = (s: string, ci: boolean): string => {
  const n = s.normalize('NFC');
  return ci ? n.toUpperCase().toLowerCase() : n;
};

const textOf = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;

const booleanOf = (v: unknown): boolean | undefined => {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const t = v.trim().toLowerCase();
    if (t === 'true') return true;
    if (t === 'false') return false;
  }
  return undefined;
};

/** Equality as `==` sees it (see the module comment). */
export function valuesEqual(a: unknown, b: unknown, ci = false, depth = 0): boolean {
  if (depth > 64) return false;
  if (typeof a === 'number' || typeof b === 'number') {
    const x = numberOf(a);
    const y = numberOf(b);
    return x !== undefined && y !== undefined && x === y;
  }
  if (typeof a === 'boolean' || typeof b === 'boolean') {
    const x = booleanOf(a);
    return x !== undefined && x === booleanOf(b);
  }
  if (typeof a === 'string' && typeof b === 'string') {
    const x = instantOf(a);
    const y = x === undefined ? undefined : instantOf(b);
    if (x !== undefined && y !== undefined) return x === y;
    return fold(a, ci) === fold(b, ci);
  }
  if (a === null || b === null) return a === b;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => valuesEqual(x, b[i], ci, depth + 1));
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && valuesEqual(a[k], b[k], ci, depth + 1));
  }
  return false;
}

/** Ordering for `>`, `<`, `>=`, `<=`: negative, zero, positive, or undefined when not comparable. */
export function compareValues(a: unknown, b: unknown, ci = false): number | undefined {
  const x = numberOf(a);
  const y = numberOf(b);
  if (x !== undefined && y !== undefined) return x - y;
  if (typeof a !== 'string' || typeof b !== 'string') return undefined;
  const ia = instantOf(a);
  const ib = ia === undefined ? undefined : instantOf(b);
  if (ia !== undefined && ib !== undefined) return ia - ib;
  const fa = fold(a, ci);
  const fb = fold(b, ci);
  return fa < fb ? -1 : fa > fb ? 1 : 0;
}

type Outcome = { result: boolean; error?: string };

function applyOperator(
  op: Operator,
  found: boolean,
  actual: unknown,
  expected: unknown,
  ci: boolean,
): Outcome {
  if (op === 'exists') return { result: found };
  if (op === 'not_exists') return { result: !found };
  if (op === '!=') return { result: !found || !valuesEqual(actual, expected, ci) };
  if (!found) return { result: false };
  switch (op) {
    case '==':
      return { result: valuesEqual(actual, expected, ci) };
    case '>':
    case '<':
    case '>=':
    case '<=': {
      const c = compareValues(actual, expected, ci);
      if (c === undefined) return { result: false };
      return { result: op === '>' ? c > 0 : op === '<' ? c < 0 : op === '>=' ? c >= 0 : c <= 0 };
    }
    case 'contains':
    case 'not_contains': {
      let has: boolean;
      if (Array.isArray(actual)) has = actual.some((x) => valuesEqual(x, expected, ci));
      else {
        const t = textOf(actual);
        const e = textOf(expected);
        has = t !== undefined && e !== undefined && fold(t, ci).includes(fold(e, ci));
      }
      return { result: op === 'contains' ? has : !has };
    }
    case 'starts_with':
    case 'ends_with': {
      const t = textOf(actual);
      const e = textOf(expected);
      if (t === undefined || e === undefined) return { result: false };
      const ft = fold(t, ci);
      const fe = fold(e, ci);
      return { result: op === 'starts_with' ? ft.startsWith(fe) : ft.endsWith(fe) };
    }
    case 'in':
    case 'not_in': {
      if (!Array.isArray(expected)) return { result: false, error: `'${op}' needs a list as its value` };
      const has = expected.some((x) => valuesEqual(actual, x, ci));
      return { result: op === 'in' ? has : !has };
    }
    case 'matches': {
      const t = textOf(actual);
      if (t === undefined) return { result: false };
      const r = testRegex(expected, t, ci);
      return r.ok ? { result: r.matched } : { result: false, error: r.message };
    }
  }
  // Only reachable with a group that skipped validation.
  return { result: false, error: `unknown operator '${String(op).slice(0, 20)}'` };
}

// ---------------------------------------------------------------------------------------------------
// Paths

type Lookup = { found: true; value: unknown } | { found: false } | { error: string };

function lookup(path: string, view: Record<string, unknown>, ctx: FlowContext, timeZone?: string): Lookup {
  if (path.startsWith('{{')) {
    const r = resolveTemplateValue(path, ctx, timeZone === undefined ? {} : { timeZone });
    if (!r.ok) return { error: r.message };
    return r.found ? { found: true, value: r.value } : { found: false };
  }
  const c = checkJsonPath(path);
  if (!c.ok) return { error: c.error.message };
  return queryView(c.path, view);
}

function queryView(path: CompiledJsonPath, view: Record<string, unknown>): Lookup {
  try {
    if (path.singular) {
      const values = queryJsonPath(path, view, { first: 1 });
      return values.length > 0 ? { found: true, value: values[0] } : { found: false };
    }
    // A path that fans out yields the list of what it found (`contains` then tests membership).
    const values = queryJsonPath(path, view);
    return values.length > 0 ? { found: true, value: values } : { found: false };
  } catch (err) {
    return { error: isJsonPathError(err) ? err.message : 'the path could not be evaluated' };
  }
}

/** Large values are cut to a preview so a dry-run trace stays small. */
function forTrace(v: unknown): unknown {
  if (typeof v === 'string') return v.length > 500 ? `${v.slice(0, 500)}…` : v;
  if (typeof v !== 'object' || v === null || jsonLength(v, 500) <= 500) return v;
  const json = boundedJson(v, 100_000);
  return json === undefined ? preview(v) : `${json.slice(0, 500)}…`;
}

// ---------------------------------------------------------------------------------------------------
// Evaluation

type Env = { ctx: FlowContext; view: Record<string, unknown>; exhaustive: boolean; timeZone?: string };

function evaluateRule(rule: ConditionRule, env: Env, location: string): RuleTrace {
  try {
    return evaluateRuleUnsafe(rule, env, location);
  } catch {
    // Every path above returns a trace; this keeps a malformed, unvalidated rule from throwing.
    return {
      kind: 'rule',
      location,
      path: String(rule.path),
      op: rule.op,
      expected: undefined,
      found: false,
      result: false,
      error: 'the rule could not be evaluated',
    };
  }
}

function evaluateRuleUnsafe(rule: ConditionRule, env: Env, location: string): RuleTrace {
  const ci = rule.caseInsensitive === true;
  let expected: unknown = rule.value;
  const base = { kind: 'rule' as const, location, path: rule.path, op: rule.op };
  if (containsTemplate(expected)) {
    const r = render(expected, env.ctx, {
      location: `${location}.value`,
      ...(env.timeZone ? { timeZone: env.timeZone } : {}),
    });
    if (!r.ok) return { ...base, expected, found: false, result: false, error: r.error.message };
    expected = r.value;
  }
  const l = lookup(rule.path, env.view, env.ctx, env.timeZone);
  if ('error' in l)
    return { ...base, expected: forTrace(expected), found: false, result: false, error: l.error };
  const o = applyOperator(rule.op, l.found, l.found ? l.value : undefined, expected, ci);
  const trace: RuleTrace = { ...base, expected: forTrace(expected), found: l.found, result: o.result };
  if (l.found) trace.actual = forTrace(l.value);
  if (o.error !== undefined) trace.error = o.error;
  return trace;
}

function containsTemplate(v: unknown, depth = 0): boolean {
  if (depth > 8) return false;
  if (typeof v === 'string') return hasTemplate(v);
  if (Array.isArray(v)) return v.some((x) => containsTemplate(x, depth + 1));
  if (isRecord(v)) return Object.values(v).some((x) => containsTemplate(x, depth + 1));
  return false;
}

function evaluateGroup(group: ConditionGroup, env: Env, location: string, depth: number): GroupTrace {
  const trace: GroupTrace = {
    kind: 'group',
    location,
    mode: group.mode,
    result: group.mode === 'ALL',
    rules: [],
  };
  if (depth > 16) {
    trace.result = false;
    return trace;
  }
  let decided = false;
  for (let i = 0; i < group.rules.length; i++) {
    if (decided && !env.exhaustive) break;
    const node = group.rules[i]!;
    const at = `${location}.rules[${i}]`;
    const t = isGroup(node) ? evaluateGroup(node, env, at, depth + 1) : evaluateRule(node, env, at);
    trace.rules.push(t);
    if (decided) continue;
    if (group.mode === 'ALL' && !t.result) {
      trace.result = false;
      decided = true;
    } else if (group.mode === 'ANY' && t.result) {
      trace.result = true;
      decided = true;
    }
  }
  return trace;
}

/**
 * Evaluates a condition group (as validated by `validateFlowDefinition`) against a context. Never
 * throws for hostile paths or values: problems become false rules with an `error` in the trace. An
 * empty ALL group is true and an empty ANY group is false.
 */
export function evaluate(
  group: ConditionGroup,
  context: FlowContext,
  options: EvaluateOptions = {},
): Evaluation {
  const env: Env = {
    ctx: context,
    view: conditionView(context),
    exhaustive: options.exhaustive === true,
    ...(options.timeZone !== undefined ? { timeZone: options.timeZone } : {}),
  };
  const trace = evaluateGroup(group, env, options.location ?? 'conditions', 1);
  return { result: trace.result, trace };
}
