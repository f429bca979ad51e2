/**
 * Save-time validation of flow definitions: shape (zod) plus the semantic checks, every problem with
 * its exact location (`actions[1].pathParams.projectId`). Pure; never throws on hostile input.
 *
 * `checkConditionGroup` and `checkTemplates` are the same checks on their own, for features that
 * reuse the language (outbound-webhook filters and transformations).
 */
import type { z } from 'zod';
import { PROTOTYPE_KEYS, checkJsonPath } from '../../platform/jsonpath.js';
import { CLOCKIFY_WEBHOOK_EVENTS } from '../../integrations/clockify/webhook-events.js';
import { type ConditionGroup, type ConditionNode, UNARY_OPERATORS, isGroup } from './conditions.js';
import { ACTION_RESULT_FIELDS, CONTEXT_ROOTS, type ContextRoot, ROOT_FIELDS } from './context.js';
import {
  ACTION_COMMON_FIELDS,
  ActionCommonSchema,
  type ActionTypeRegistry,
  ConditionGroupSchema,
  DEFAULT_ACTION_TYPES,
  DEFAULT_FLOW_LIMITS,
  type FlowAction,
  type FlowDefinition,
  FlowDefinitionShape,
  type FlowLimits,
  type OperationCatalogue,
  TriggerSchema,
} from './definition.js';
import { eventTypeMatches, isPrefixPattern } from './event-match.js';
import { compileRegex } from './regex.js';
import {
  type TemplateLimits,
  type TemplateReference,
  hasTemplate,
  listTemplates,
  parseTemplate,
} from './templates.js';
import { isRecord, joinPath, jsonLength } from './values.js';

export type ValidationIssue = { path: string; message: string };

export type ValidationResult =
  { ok: true; definition: FlowDefinition } | { ok: false; issues: ValidationIssue[] };

export type ValidateOptions = {
  catalogue: OperationCatalogue;
  actionTypes?: ActionTypeRegistry;
  limits?: Partial<FlowLimits>;
  /** The workspace's custom source ids; when given, a trigger naming another source is refused. */
  sourceIds?: Iterable<string>;
  /** Known cache entity types (`project`, `time-entry`, …); when given, other types are refused. */
  cacheEntityTypes?: readonly string[];
  /** Passed to action types' validators (e.g. `webhookEndpoints`). */
  extensions?: Readonly<Record<string, unknown>>;
};

/** What a template or condition path may read at one place in a definition. */
export type TemplateScope = {
  roots: readonly ContextRoot[];
  /** Ids of the actions before this point, in order; `actions.<id>` / `actions[N]` may name only these. */
  earlierActions?: readonly string[];
  /** All action ids of the flow, to tell "runs later" from "does not exist". */
  allActions?: readonly string[];
  cacheEntityTypes?: readonly string[];
  /** Words for messages, e.g. "the trigger filter". */
  where?: string;
};

/** Roots before any action ran (trigger filter, top-level conditions). */
export const PRE_ACTION_ROOTS: readonly ContextRoot[] = [
  'webhook',
  'event',
  'workspace',
  'flow',
  'execution',
  'cache',
];

const issue = (path: string, message: string): ValidationIssue => ({ path, message });

const joinAll = (base: string, segments: readonly PropertyKey[]): string =>
  segments.reduce<string>((p, s) => joinPath(p, typeof s === 'number' ? s : String(s)), base);

// ---------------------------------------------------------------------------------------------------
// zod issues → located messages

type ZodIssue = z.core.$ZodIssue;

function branchScore(issues: readonly ZodIssue[]): number {
  // Prefer the branch whose object keys matched (no unrecognized keys at its root), then the fewest issues.
  return issues.reduce((n, i) => n + (i.code === 'unrecognized_keys' && i.path.length === 0 ? 100 : 1), 0);
}

function fromZod(issues: readonly ZodIssue[], base: string, input: unknown, out: ValidationIssue[]): void {
  for (const i of issues) {
    const at = joinAll(base, i.path);
    switch (i.code) {
      case 'invalid_union': {
        const branches = i.errors;
        if (branches.length === 0) {
          out.push(issue(at, i.message));
          break;
        }
        const best = branches.reduce((a, b) => (branchScore(b) < branchScore(a) ? b : a));
        // Nested issues are relative to the union's position.
        fromZod(best, at, valueAt(input, i.path), out);
        break;
      }
      case 'unrecognized_keys':
        for (const k of i.keys) out.push(issue(joinPath(at, k), `unknown field '${k}'`));
        break;
      case 'invalid_type':
        out.push(
          issue(
            at,
            valueAt(input, i.path) === undefined
              ? 'is required'
              : `expected ${i.expected}, got ${kindOf(valueAt(input, i.path))}`,
          ),
        );
        break;
      case 'invalid_value':
        out.push(
          issue(
            at,
            i.values.length === 1 && i.message.startsWith('unsupported')
              ? i.message
              : `must be one of: ${i.values.map((v) => JSON.stringify(v)).join(', ')}`,
          ),
        );
        break;
      case 'too_big':
        out.push(
          issue(
            at,
            i.origin === 'array'
              ? `at most ${String(i.maximum)} items`
              : i.origin === 'string'
                ? `at most ${String(i.maximum)} characters`
                : `at most ${String(i.maximum)}`,
          ),
        );
        break;
      case 'too_small':
        out.push(
          issue(
            at,
            i.message.startsWith('Too small')
              ? i.origin === 'array'
                ? `at least ${String(i.minimum)} item(s)`
                : i.origin === 'string'
                  ? `at least ${String(i.minimum)} character(s)`
                  : `at least ${String(i.minimum)}`
              : i.message,
          ),
        );
        break;
      case 'custom':
      case 'invalid_element':
      case 'invalid_format':
      case 'invalid_key':
      case 'not_multiple_of':
        out.push(issue(at, i.message));
    }
  }
}

const kindOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const k of path) {
    if (typeof v !== 'object' || v === null || typeof k === 'symbol') return undefined;
    const d = Object.getOwnPropertyDescriptor(v, k);
    v = d !== undefined && 'value' in d ? (d.value as unknown) : undefined;
  }
  return v;
}

function parseWith<T>(
  schema: z.ZodType<T>,
  input: unknown,
  base: string,
  out: ValidationIssue[],
): T | undefined {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  fromZod(r.error.issues, base, input, out);
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// Pre-flight: size, depth, JSON-ness, prototype keys (before zod sees anything)

function preflight(input: unknown, l: FlowLimits): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  if (!isRecord(input)) return [issue('', 'a flow definition is a JSON object')];
  const stack: [unknown, string, number][] = [[input, '', 0]];
  let nodes = 0;
  while (stack.length > 0 && out.length < 50) {
    const [v, at, depth] = stack.pop()!;
    if (++nodes > 50_000) return [issue('', 'the definition has too many values')];
    if (depth > l.maxJsonDepth)
      return [issue(at, `the definition nests deeper than ${l.maxJsonDepth} levels`)];
    if (v === null || typeof v === 'string' || typeof v === 'boolean') continue;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) out.push(issue(at, 'numbers must be finite'));
      continue;
    }
    if (Array.isArray(v)) {
      if (v.length > 50_000) return [issue(at, 'the definition has too many values')];
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i] as unknown, joinPath(at, i), depth + 1]);
      continue;
    }
    const proto: unknown = typeof v === 'object' ? Object.getPrototypeOf(v) : undefined;
    if (typeof v !== 'object' || (proto !== Object.prototype && proto !== null)) {
      out.push(issue(at, `${typeof v === 'object' ? 'this object' : `a ${typeof v}`} is not JSON`));
      continue;
    }
    const keys = Reflect.ownKeys(v);
    for (const k of keys.reverse()) {
      if (typeof k === 'symbol') {
        out.push(issue(at, 'symbol keys are not JSON'));
        continue;
      }
      const child = joinPath(at, k);
      if (PROTOTYPE_KEYS.has(k)) {
        out.push(issue(child, `key '${k}' is not allowed`));
        continue;
      }
      const d = Object.getOwnPropertyDescriptor(v, k)!;
      if (!('value' in d)) out.push(issue(child, 'accessor properties are not JSON'));
      else if (d.value === undefined) out.push(issue(child, 'undefined is not JSON'));
      else stack.push([d.value, child, depth + 1]);
    }
  }
  if (out.length > 0) return out;
  // Counted before stringifying, so a huge definition is refused without building its JSON.
  if (jsonLength(input, l.maxDefinitionBytes) > l.maxDefinitionBytes)
    return [issue('', `the definition is larger than ${l.maxDefinitionBytes} bytes`)];
  let bytes: number;
  try {
    bytes = Buffer.byteLength(JSON.stringify(input), 'utf8');
  } catch {
    return [issue('', 'the definition is not JSON')];
  }
  if (bytes > l.maxDefinitionBytes)
    return [issue('', `the definition is larger than ${l.maxDefinitionBytes} bytes (${bytes})`)];
  return [];
}

// ---------------------------------------------------------------------------------------------------
// Templates

function checkReference(ref: TemplateReference, scope: TemplateScope): string | undefined {
  const where = scope.where ?? 'here';
  if (!scope.roots.includes(ref.root))
    return ref.root === 'actions'
      ? `${ref.path}: no action has run yet in ${where}`
      : `${ref.path}: '${ref.root}' is not available in ${where}`;
  if (ref.root === 'actions') {
    const earlier = scope.earlierActions ?? [];
    if (ref.actionId !== undefined && !earlier.includes(ref.actionId)) {
      const later = scope.allActions?.includes(ref.actionId) === true;
      return later
        ? `${ref.path}: action '${ref.actionId}' does not run before this point (only earlier actions' results exist)`
        : `${ref.path}: there is no earlier action '${ref.actionId}'${earlier.length > 0 ? ` (earlier: ${earlier.join(', ')})` : ''}`;
    }
    if (ref.actionIndex !== undefined && ref.actionIndex >= earlier.length)
      return `${ref.path}: actions[${ref.actionIndex}] is not an earlier action (${earlier.length} run before this point)`;
  }
  if (
    ref.root === 'cache' &&
    ref.entityType !== undefined &&
    scope.cacheEntityTypes !== undefined &&
    !scope.cacheEntityTypes.includes(ref.entityType)
  )
    return `${ref.path}: unknown cache entity type '${ref.entityType}' (use ${scope.cacheEntityTypes.join(', ')})`;
  return undefined;
}

/** Checks every template in `value` (syntax, roots, action order, cache types); issues carry their location. */
export function checkTemplates(
  value: unknown,
  location: string,
  scope: TemplateScope,
  limits?: Partial<TemplateLimits>,
): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  for (const site of listTemplates(value, location, limits)) {
    if ('error' in site) {
      out.push(issue(site.location, site.error.message));
      continue;
    }
    for (const ref of site.template.references) {
      const problem = checkReference(ref, scope);
      if (problem !== undefined) out.push(issue(site.location, problem));
    }
  }
  return out;
}

function refuseTemplates(value: unknown, location: string, what: string): ValidationIssue[] {
  return listTemplates(value, location).map((s) => issue(s.location, `${what} cannot contain templates`));
}

// ---------------------------------------------------------------------------------------------------
// Conditions

function checkRulePath(path: string, at: string, scope: TemplateScope, l: FlowLimits): ValidationIssue[] {
  if (path.startsWith('{{')) {
    const p = parseTemplate(path, l.template);
    if (!p.ok) return [issue(at, p.error.message)];
    if (!p.template.single) return [issue(at, 'a {{ … }} path must be one expression and nothing else')];
    return p.template.references.flatMap((ref) => {
      const problem = checkReference(ref, scope);
      return problem === undefined ? [] : [issue(at, problem)];
    });
  }
  const c = checkJsonPath(path);
  if (!c.ok) return [issue(at, c.error.message)];
  const [first, second, third] = c.path.segments;
  const roots = scope.roots.filter((r) => r !== 'cache');
  if (first?.kind !== 'name' || !(CONTEXT_ROOTS as readonly string[]).includes(first.name))
    return [
      issue(
        at,
        `start the path with a root: ${roots.map((r) => `$.${r}`).join(', ')} (e.g. $.webhook.projectId)`,
      ),
    ];
  const root = first.name as ContextRoot;
  if (root === 'cache')
    return [issue(at, 'read the cache with a {{ cache.<type>[<id path>].<field> }} path')];
  if (!scope.roots.includes(root))
    return [
      issue(
        at,
        root === 'actions'
          ? `no action has run yet in ${scope.where ?? 'here'}`
          : `'${root}' is not available in ${scope.where ?? 'here'}`,
      ),
    ];
  if (root === 'event' || root === 'workspace' || root === 'flow' || root === 'execution') {
    const fields = ROOT_FIELDS[root];
    if (second !== undefined && (second.kind !== 'name' || !fields.includes(second.name)))
      return [issue(at, `${root} has only ${fields.join(', ')}`)];
  }
  if (root === 'actions') {
    if (second?.kind !== 'name') return [issue(at, 'name an earlier action: $.actions.<id>.status or .body')];
    const problem = checkReference(
      { root: 'actions', path: path, actionId: second.name, hasDefault: false },
      scope,
    );
    if (problem !== undefined) return [issue(at, problem)];
    if (third !== undefined && (third.kind !== 'name' || !ACTION_RESULT_FIELDS.includes(third.name)))
      return [issue(at, "an action's result has only .status and .body")];
  }
  return [];
}

type GroupStats = { rules: number };

function checkNode(
  node: ConditionNode,
  at: string,
  depth: number,
  scope: TemplateScope,
  l: FlowLimits,
  stats: GroupStats,
  out: ValidationIssue[],
): void {
  if (isGroup(node)) {
    if (depth > l.maxDepth) {
      out.push(issue(at, `condition groups may nest at most ${l.maxDepth} levels`));
      return;
    }
    node.rules.forEach((n, i) => checkNode(n, `${at}.rules[${i}]`, depth + 1, scope, l, stats, out));
    return;
  }
  stats.rules++;
  out.push(...checkRulePath(node.path, `${at}.path`, scope, l));
  const valueAt = `${at}.value`;
  const v = node.value;
  if (UNARY_OPERATORS.has(node.op)) {
    if (v !== undefined) out.push(issue(valueAt, `'${node.op}' takes no value`));
    return;
  }
  if (v === undefined) {
    out.push(issue(valueAt, `'${node.op}' needs a value`));
    return;
  }
  const templated = typeof v === 'string' && hasTemplate(v);
  out.push(...checkTemplates(v, valueAt, scope, l.template));
  switch (node.op) {
    case 'in':
    case 'not_in':
      if (!Array.isArray(v) && !templated)
        out.push(issue(valueAt, `'${node.op}' needs a list, e.g. ["a", "b"]`));
      else if (Array.isArray(v) && v.length > l.maxListItems)
        out.push(issue(valueAt, `at most ${l.maxListItems} items`));
      break;
    case '>':
    case '<':
    case '>=':
    case '<=':
      if (typeof v !== 'number' && typeof v !== 'string')
        out.push(issue(valueAt, `'${node.op}' compares with a number, a date or text`));
      break;
    case 'contains':
    case 'not_contains':
    case 'starts_with':
    case 'ends_with':
      if (typeof v === 'object' && v !== null && (node.op === 'starts_with' || node.op === 'ends_with'))
        out.push(issue(valueAt, `'${node.op}' compares with text`));
      break;
    case 'matches': {
      if (typeof v !== 'string') out.push(issue(valueAt, "'matches' needs a pattern (RE2 syntax) as text"));
      else if (templated) out.push(issue(valueAt, "a 'matches' pattern must be written out, not templated"));
      else {
        const r = compileRegex(v, node.caseInsensitive === true, l.regex);
        if (!r.ok) out.push(issue(valueAt, r.message));
      }
      break;
    }
    case '==':
    case '!=':
    case 'exists':
    case 'not_exists':
      break;
  }
}

function groupDepthOk(input: unknown, max: number): boolean {
  // zod recurses through nested groups; refuse absurd nesting before it does (JSON depth is already capped).
  const stack: [unknown, number][] = [[input, 1]];
  while (stack.length > 0) {
    const [g, d] = stack.pop()!;
    if (d > max) return false;
    if (isRecord(g) && Array.isArray(g.rules)) for (const r of g.rules as unknown[]) stack.push([r, d + 1]);
  }
  return true;
}

/**
 * Parses and checks a condition group: shape, depth, rule count, paths, values, regexes and
 * templates. `location` prefixes every issue path.
 */
export function checkConditionGroup(
  input: unknown,
  options: { location: string; scope: TemplateScope; limits?: Partial<FlowLimits> },
): { ok: true; group: ConditionGroup; rules: number } | { ok: false; issues: ValidationIssue[] } {
  const l = { ...DEFAULT_FLOW_LIMITS, ...options.limits };
  const issues: ValidationIssue[] = [];
  if (!groupDepthOk(input, l.maxDepth + 4))
    return {
      ok: false,
      issues: [issue(options.location, `condition groups may nest at most ${l.maxDepth} levels`)],
    };
  const group = parseWith(ConditionGroupSchema, input, options.location, issues);
  if (group === undefined) return { ok: false, issues };
  const stats = { rules: 0 };
  checkNode(group, options.location, 1, options.scope, l, stats, issues);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, group, rules: stats.rules };
}

// ---------------------------------------------------------------------------------------------------
// The definition

const KNOWN_CLOCKIFY_EVENTS: readonly string[] = CLOCKIFY_WEBHOOK_EVENTS;

function checkTrigger(
  trigger: FlowDefinition['trigger'],
  sourceIds: ReadonlySet<string> | undefined,
): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  if (trigger.sources !== '*') {
    const seen = new Set<string>();
    trigger.sources.forEach((s, i) => {
      if (seen.has(s)) out.push(issue(`trigger.sources[${i}]`, `'${s}' is listed twice`));
      seen.add(s);
      if (s !== 'clockify' && sourceIds !== undefined && !sourceIds.has(s))
        out.push(issue(`trigger.sources[${i}]`, `unknown custom source '${s}'`));
    });
  }
  const onlyClockify = trigger.sources !== '*' && trigger.sources.every((s) => s === 'clockify');
  const seen = new Set<string>();
  trigger.events.forEach((p, i) => {
    const at = `trigger.events[${i}]`;
    if (seen.has(p)) out.push(issue(at, `'${p}' is listed twice`));
    seen.add(p);
    if (p === '*' && trigger.events.length > 1)
      out.push(issue(at, "'*' already matches every event; list nothing else"));
    if (!onlyClockify || p === '*') return;
    if (isPrefixPattern(p)) {
      if (!KNOWN_CLOCKIFY_EVENTS.some((e) => eventTypeMatches(p, e)))
        out.push(issue(at, `'${p}' matches no Clockify event`));
    } else if (!KNOWN_CLOCKIFY_EVENTS.includes(p)) {
      const near = KNOWN_CLOCKIFY_EVENTS.find((e) => e.toLowerCase() === p.toLowerCase());
      out.push(
        issue(at, `unknown Clockify event '${p}'${near !== undefined ? ` (did you mean '${near}'?)` : ''}`),
      );
    }
  });
  return out;
}

/**
 * Validates a definition for saving. `{ ok: true, definition }` holds the parsed definition with
 * defaults filled in (`enabled`, `onError`, `retry.delayMs`); otherwise every issue found, each with
 * its path in the definition and a message a user can act on.
 */
export function validateFlowDefinition(input: unknown, options: ValidateOptions): ValidationResult {
  try {
    return validateUnsafe(input, options);
  } catch {
    // Every check above is meant to return issues; this keeps a bug from turning into a 500.
    return { ok: false, issues: [issue('', 'the definition could not be validated')] };
  }
}

function validateUnsafe(input: unknown, options: ValidateOptions): ValidationResult {
  const l: FlowLimits = { ...DEFAULT_FLOW_LIMITS, ...options.limits };
  const registry = options.actionTypes ?? DEFAULT_ACTION_TYPES;
  const pre = preflight(input, l);
  if (pre.length > 0) return { ok: false, issues: pre };

  const issues: ValidationIssue[] = [];
  const top = parseWith(FlowDefinitionShape, input, '', issues);
  if (top === undefined) return { ok: false, issues };
  if (top.actions.length > l.maxActions)
    issues.push(issue('actions', `a flow may have at most ${l.maxActions} actions`));

  const cacheEntityTypes = options.cacheEntityTypes;
  const sourceIds = options.sourceIds === undefined ? undefined : new Set(options.sourceIds);
  const allActions = top.actions.map((a) => (isRecord(a) && typeof a.id === 'string' ? a.id : ''));
  let rules = 0;
  const preScope = (where: string): TemplateScope => ({
    roots: PRE_ACTION_ROOTS,
    earlierActions: [],
    allActions,
    where,
    ...(cacheEntityTypes !== undefined ? { cacheEntityTypes } : {}),
  });

  // Trigger
  const triggerIssues: ValidationIssue[] = [];
  const triggerShape = isRecord(top.trigger) ? { ...top.trigger, filter: undefined } : top.trigger;
  const trigger = parseWith(TriggerSchema, triggerShape, 'trigger', triggerIssues);
  let filter: ConditionGroup | undefined;
  if (isRecord(top.trigger) && top.trigger.filter !== undefined) {
    const f = checkConditionGroup(top.trigger.filter, {
      location: 'trigger.filter',
      scope: preScope('the trigger filter'),
      limits: l,
    });
    if (f.ok) {
      filter = f.group;
      rules += f.rules;
    } else triggerIssues.push(...f.issues);
  }
  if (trigger !== undefined) triggerIssues.push(...checkTrigger(trigger, sourceIds));
  issues.push(...triggerIssues);

  // Conditions
  let conditions: ConditionGroup | undefined;
  if (top.conditions !== undefined) {
    const c = checkConditionGroup(top.conditions, {
      location: 'conditions',
      scope: preScope('the conditions'),
      limits: l,
    });
    if (c.ok) {
      conditions = c.group;
      rules += c.rules;
    } else issues.push(...c.issues);
  }

  // Actions
  const actions: FlowAction[] = [];
  const firstIndexOf = new Map<string, number>();
  const ctx = { catalogue: options.catalogue, extensions: options.extensions ?? {} };
  top.actions.forEach((raw, i) => {
    const at = `actions[${i}]`;
    const earlier = allActions.slice(0, i);
    const scope: TemplateScope = {
      roots: CONTEXT_ROOTS,
      earlierActions: earlier,
      allActions,
      where: `action '${allActions[i] ?? i}'`,
      ...(cacheEntityTypes !== undefined ? { cacheEntityTypes } : {}),
    };
    if (!isRecord(raw)) {
      issues.push(issue(at, 'an action is an object'));
      return;
    }
    const commonInput: Record<string, unknown> = {};
    const ownInput: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(raw))
      (ACTION_COMMON_FIELDS.includes(k) ? commonInput : ownInput)[k] = v;
    const actionIssues: ValidationIssue[] = [];
    const common = parseWith(ActionCommonSchema, { ...commonInput, when: undefined }, at, actionIssues);
    if (common !== undefined) {
      const first = firstIndexOf.get(common.id);
      if (first !== undefined)
        actionIssues.push(issue(`${at}.id`, `duplicate action id '${common.id}' (also actions[${first}])`));
      else firstIndexOf.set(common.id, i);
    }
    let when: ConditionGroup | undefined;
    if (commonInput.when !== undefined) {
      const w = checkConditionGroup(commonInput.when, { location: `${at}.when`, scope, limits: l });
      if (w.ok) {
        when = w.group;
        rules += w.rules;
      } else actionIssues.push(...w.issues);
    }
    const spec = typeof commonInput.type === 'string' ? registry.get(commonInput.type) : undefined;
    if (spec === undefined) {
      if (typeof commonInput.type === 'string')
        actionIssues.push(
          issue(
            `${at}.type`,
            `unknown action type '${commonInput.type.slice(0, 64)}' (use ${[...registry.keys()].join(', ')})`,
          ),
        );
      issues.push(...actionIssues);
      return;
    }
    const own = parseWith(spec.schema, ownInput, at, actionIssues);
    if (own !== undefined) {
      for (const [k, v] of Object.entries(own)) {
        const fieldAt = joinPath(at, k);
        if (spec.templated.includes(k)) actionIssues.push(...checkTemplates(v, fieldAt, scope, l.template));
        else actionIssues.push(...refuseTemplates(v, fieldAt, `'${k}'`));
      }
      if (spec.validate !== undefined)
        for (const p of spec.validate(own, ctx)) actionIssues.push(issue(joinAll(at, p.path), p.message));
    }
    issues.push(...actionIssues);
    if (common !== undefined && own !== undefined && actionIssues.length === 0) {
      const action: FlowAction = { ...common, ...own };
      if (when !== undefined) action.when = when;
      else delete action.when;
      actions.push(action);
    }
  });

  if (rules > l.maxRules)
    issues.push(issue('', `a flow may have at most ${l.maxRules} rules in all (it has ${rules})`));
  if (issues.length > 0 || trigger === undefined) return { ok: false, issues: dedupe(issues) };
  const definition: FlowDefinition = {
    version: top.version,
    name: top.name,
    enabled: top.enabled,
    trigger: filter === undefined ? stripUndefined(trigger) : { ...stripUndefined(trigger), filter },
    actions,
  };
  if (top.description !== undefined) definition.description = top.description;
  if (conditions !== undefined) definition.conditions = conditions;
  if (top.recordSkips !== undefined) definition.recordSkips = top.recordSkips;
  return { ok: true, definition };
}

function stripUndefined<T extends Record<string, unknown>>(o: T): T {
  const out = { ...o };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}

function dedupe(issues: ValidationIssue[]): ValidationIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.path}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
