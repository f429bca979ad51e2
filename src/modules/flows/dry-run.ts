/**
 * Dry runs (`POST /ui/flows/{id}/test`): what a flow would do with one event, computed without doing
 * it. Pure: the caller builds the event, its context (with a cache lookup) and hands in the
 * catalogue and, optionally, the API explorer's request validator; nothing is called or stored.
 *
 * The report explains the trigger, traces every condition rule (path, actual value, operator,
 * expected value, result), and renders each action, in order, into the exact request it would send.
 *
 * What a dry run cannot know, and how it says so (never a silent `null` or empty string):
 * - Results of earlier actions. A template that reads `actions.<id>` / `actions[N]` of an action that
 *   would (or might) run renders to a placeholder, `⟨dry run: actions.create.body.id⟩`, listed in
 *   the action's `placeholders`. A `when` rule that reads one is `unknown`, and so is the group when
 *   the other rules do not decide it (ALL: a false rule decides; ANY: a true rule decides), in which
 *   case the action is reported as `may_run` and rendered anyway. An action that the dry run knows is
 *   skipped has no result, exactly as in a real run: templates reading it resolve as missing (so
 *   `| default:` applies, or the template error is reported).
 * - `flow.id` / `flow.version` of an unsaved definition and `execution.id` (no execution exists): the
 *   same placeholders, unless the caller's context has them.
 * - Clockify validation issues located at or under a placeholder are not reported as issues (the real
 *   value is unknown); they are listed in `validation.notChecked`.
 * Output is bounded: each action renders within the template output cap, and all actions together
 * within `maxOutputChars` (default 2 MiB); an action over the budget reports a `limit` error.
 */
import { buildUrl, type QueryValue } from '../../integrations/clockify/clockify.urls.js';
import type { ClockifyOperation } from '../../integrations/clockify/catalogue.js';
import { checkJsonPath } from '../../platform/jsonpath.js';
import { type ConditionGroup, type Evaluation, type GroupTrace, evaluate, isGroup } from './conditions.js';
import type { FlowContext, FlowEvent } from './context.js';
import {
  type ActionTypeRegistry,
  type CatalogueOperation,
  DEFAULT_ACTION_TYPES,
  ENGINE_PATH_PARAMS,
  type FlowAction,
  type FlowDefinition,
} from './definition.js';
import { type TriggerExplanation, explainTrigger } from './event-match.js';
import { renderAction } from './render-action.js';
import {
  DEFAULT_TEMPLATE_LIMITS,
  type TemplateErrorCode,
  type TemplateExpression,
  type TemplateLimits,
  type TemplateReference,
  hasTemplate,
  parseTemplate,
} from './templates.js';
import { isRecord, joinPath, jsonLength } from './values.js';

// ---------------------------------------------------------------------------------------------------
// Input and report

/** A catalogue operation with its path template (the real catalogue's operations have it). */
export type DryRunOperation = CatalogueOperation & Pick<ClockifyOperation, 'path'>;
export type DryRunCatalogue = { get(operationId: string): DryRunOperation | undefined };

/** What the API explorer validates (src/modules/explorer: ExplorerInput). */
export type ClockifyRequestInput = {
  pathParams?: Record<string, unknown>;
  query?: Record<string, unknown>;
  body?: unknown;
};
/** One problem, addressed as the explorer does: `pathParams.projectId`, `query.page-size`, `body.items[0].name`. */
export type RequestIssue = { path: string; message: string };
/**
 * The explorer's validator (`createInputValidator().validate(op, input, { workspaceId })`), adapted
 * by the caller to an operation id; returns no issues for a valid request.
 */
export type ValidateClockifyRequest = (
  operationId: string,
  input: ClockifyRequestInput,
) => readonly RequestIssue[];

/**
 * Adapts the API explorer's validator (`createInputValidator()` of src/modules/explorer/validate-input.ts)
 * to `ValidateClockifyRequest` for one workspace. Structural types: flows import nothing of the explorer.
 */
export function explorerRequestValidator<Op>(
  catalogue: { get(operationId: string): Op | undefined },
  validator: {
    validate(
      op: Op,
      input: ClockifyRequestInput,
      context: { workspaceId: string },
    ): { ok: true } | { ok: false; issues: readonly RequestIssue[] };
  },
  workspaceId: string,
): ValidateClockifyRequest {
  return (operationId, input) => {
    const op = catalogue.get(operationId);
    if (op === undefined)
      return [{ path: 'operationId', message: `unknown operation '${operationId.slice(0, 200)}'` }];
    const r = validator.validate(op, input, { workspaceId });
    return r.ok ? [] : r.issues;
  };
}

export type DryRunInput = {
  /** A definition that passed `validateFlowDefinition`. */
  definition: FlowDefinition;
  event: FlowEvent;
  /** `flowContextFor(event, { flow, cache })`; its `actions` are ignored (nothing has run). */
  context: FlowContext;
  catalogue: DryRunCatalogue;
  validateClockifyRequest?: ValidateClockifyRequest;
  actionTypes?: ActionTypeRegistry;
  /** Default time zone of `date` filters (as the engine uses). */
  timeZone?: string;
  templateLimits?: Partial<TemplateLimits>;
  /** Characters (JSON) of all rendered actions together; default 2 MiB. */
  maxOutputChars?: number;
};

export const DRY_RUN_MAX_OUTPUT_CHARS = 2 * 1024 * 1024;

/** `⟨dry run: actions.create.body.id⟩`: a value the dry run cannot know. */
export const placeholderFor = (path: string): string => `⟨dry run: ${path}⟩`;
export const isPlaceholder = (v: unknown): boolean => typeof v === 'string' && v.startsWith('⟨dry run: ');

export type Tri = true | false | 'unknown';

export type DryRunWhen = {
  result: Tri;
  trace: GroupTrace;
  /** Locations of rules that read a result of an earlier action (their trace shows them as not found). */
  unknownRules: string[];
};

export type DryRunPlaceholder = {
  /** Where the value is in the definition, e.g. `actions[1].body.task`. */
  location: string;
  expression: string;
  /** The path that cannot be known in a dry run, e.g. `actions.create.body.id`. */
  path: string;
  reason: string;
};

export type DryRunTemplateError = {
  code: TemplateErrorCode | 'operation';
  message: string;
  location: string;
  /** The template as written in the definition. */
  template: string;
  expression?: string;
  path?: string;
};

export type DryRunValidation =
  | { checked: false; reason: string }
  | {
      checked: true;
      issues: RequestIssue[];
      /** Issues at or under a placeholder: not reported, the real value is unknown. */
      notChecked: RequestIssue[];
    };

export type DryRunRequest =
  | {
      type: 'clockify';
      operationId: string;
      method: string;
      /** The operation's path with every parameter filled (URL-encoded) and the query; relative to the installation's API base. */
      path: string;
      pathParams: Record<string, unknown>;
      query: Record<string, unknown>;
      body?: unknown;
      validation: DryRunValidation;
    }
  | {
      type: 'http';
      method: string;
      url: string;
      headers: Record<string, unknown>;
      body?: unknown;
      issues: RequestIssue[];
    }
  | { type: 'webhook'; endpointId: string; payload?: unknown }
  | { type: string; fields: Record<string, unknown> };

export type DryRunActionOutcome =
  /** `when` holds (or there is none) and every template rendered. */
  | 'would_run'
  /** `when` depends on an earlier action's result; rendered as if it held. */
  | 'may_run'
  /** `when` is false. */
  | 'skipped'
  /** A template failed: the step would fail with this error. */
  | 'template_error';

export type DryRunAction = {
  index: number;
  id: string;
  type: string;
  onError: 'stop' | 'continue';
  /** False when an earlier action that certainly runs certainly fails with `onError: stop`. */
  reached: boolean;
  outcome: DryRunActionOutcome;
  when?: DryRunWhen;
  request?: DryRunRequest;
  error?: DryRunTemplateError;
  placeholders: DryRunPlaceholder[];
};

export type DryRunReport = {
  event: { id: string; type: string; source: string; receivedAt: string };
  trigger: TriggerExplanation & { summary: string };
  /** Absent when the flow has no conditions (they hold). */
  conditions?: Evaluation;
  /** Trigger and conditions hold for this event. */
  matches: boolean;
  enabled: boolean;
  /** `matches` and the flow is enabled: a real run would start an execution. */
  wouldRun: boolean;
  /** Every action, in order, rendered whether or not the flow matches (so templates are checked). */
  actions: DryRunAction[];
  notes: string[];
};

// ---------------------------------------------------------------------------------------------------
// What is unknown

type Unknowns = {
  /** Ids of earlier actions that would or may run: their results are unknown. */
  actions: Set<string>;
  /** Ids of earlier actions that are skipped: their results are absent. */
  skipped: Set<string>;
  /** Action id by position, for `actions[N]`. */
  idAt: readonly string[];
  flow: boolean;
  execution: boolean;
};

/** Why a reference cannot be known in this dry run, or undefined when it can. */
function unknownReason(ref: TemplateReference, u: Unknowns): string | undefined {
  if (ref.root === 'actions') {
    const id = ref.actionId ?? (ref.actionIndex !== undefined ? u.idAt[ref.actionIndex] : undefined);
    if (id !== undefined && u.actions.has(id))
      return `the result of action '${id}' is known only when it runs`;
    return undefined;
  }
  if (ref.root === 'flow' && u.flow) return 'the flow has no id or version until it is saved';
  if (ref.root === 'execution' && u.execution) return 'a dry run has no execution';
  return undefined;
}

function expressionUnknown(
  expr: TemplateExpression,
  u: Unknowns,
): { path: string; reason: string } | undefined {
  if (expr.head.kind !== 'path') return undefined;
  const parsed = parseTemplate(expr.text);
  if (!parsed.ok) return undefined;
  for (const ref of parsed.template.references) {
    const reason = unknownReason(ref, u);
    if (reason !== undefined) return { path: ref.path, reason };
  }
  return undefined;
}

/** A template literal that renders to exactly `s`. */
const quoteLiteral = (s: string): string =>
  `{{ '${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\t/g, '\\t')}' }}`;

type Rewrite = {
  value: unknown;
  placeholders: DryRunPlaceholder[];
  /** Original template by location, for error messages. */
  originals: Map<string, string>;
  /** Placeholder locations as segments below the action (e.g. ['body', 'task']). */
  placeholderSegments: (string | number)[][];
};

/** Replaces expressions that read unknown values with literal placeholders, leaf by leaf. */
function rewriteUnknowns(
  value: unknown,
  location: string,
  segments: (string | number)[],
  u: Unknowns,
  out: Rewrite,
  depth: number,
): unknown {
  if (depth > 40) return value; // render refuses it with a located error
  if (typeof value === 'string') {
    if (!hasTemplate(value)) return value;
    const parsed = parseTemplate(value);
    if (!parsed.ok) return value; // render reports the error
    let changed = false;
    let text = '';
    for (const part of parsed.template.parts) {
      if (part.kind === 'text') {
        text += part.text;
        continue;
      }
      const unknown = expressionUnknown(part.expression, u);
      if (unknown === undefined) {
        text += part.expression.text;
        continue;
      }
      changed = true;
      text += quoteLiteral(placeholderFor(unknown.path));
      out.placeholders.push({
        location,
        expression: part.expression.text,
        path: unknown.path,
        reason: unknown.reason,
      });
      out.placeholderSegments.push(segments);
    }
    if (!changed) return value;
    out.originals.set(location, value);
    return text;
  }
  if (Array.isArray(value))
    return value.map((v: unknown, i) =>
      rewriteUnknowns(v, joinPath(location, i), [...segments, i], u, out, depth + 1),
    );
  if (isRecord(value)) {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(value))
      Object.defineProperty(o, k, {
        value: rewriteUnknowns(value[k], joinPath(location, k), [...segments, k], u, out, depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    return o;
  }
  return value;
}

// ---------------------------------------------------------------------------------------------------
// `when` with unknown results: three-valued

function ruleReadsUnknown(rule: { path: string; value?: unknown }, u: Unknowns): boolean {
  const refs: TemplateReference[] = [];
  const collect = (v: unknown, depth: number): void => {
    if (depth > 16) return;
    if (typeof v === 'string' && hasTemplate(v)) {
      const p = parseTemplate(v);
      if (p.ok) refs.push(...p.template.references);
    } else if (Array.isArray(v)) for (const x of v as unknown[]) collect(x, depth + 1);
    else if (isRecord(v)) for (const x of Object.values(v)) collect(x, depth + 1);
  };
  if (rule.path.startsWith('{{')) collect(rule.path, 0);
  else {
    const c = checkJsonPath(rule.path);
    if (c.ok) {
      const [first, second] = c.path.segments;
      if (first?.kind === 'name') {
        if (first.name === 'actions' && second?.kind === 'name')
          refs.push({ root: 'actions', path: rule.path, actionId: second.name, hasDefault: false });
        if (first.name === 'flow' || first.name === 'execution')
          refs.push({ root: first.name, path: rule.path, hasDefault: false });
      }
    }
  }
  collect(rule.value, 0);
  return refs.some((r) => unknownReason(r, u) !== undefined);
}

function unknownRuleLocations(
  group: ConditionGroup,
  location: string,
  u: Unknowns,
  out: Set<string>,
  depth = 0,
): void {
  if (depth > 16) return;
  group.rules.forEach((node, i) => {
    const at = `${location}.rules[${i}]`;
    if (isGroup(node)) unknownRuleLocations(node, at, u, out, depth + 1);
    else if (ruleReadsUnknown(node, u)) out.add(at);
  });
}

/** Kleene logic over an exhaustive trace: ALL is false if a rule is false, ANY true if a rule is true. */
function triResult(trace: GroupTrace, unknown: ReadonlySet<string>): Tri {
  const results: Tri[] = trace.rules.map((t) =>
    t.kind === 'group' ? triResult(t, unknown) : unknown.has(t.location) ? 'unknown' : t.result,
  );
  if (trace.mode === 'ALL') {
    if (results.includes(false)) return false;
    return results.includes('unknown') ? 'unknown' : true;
  }
  if (results.includes(true)) return true;
  return results.includes('unknown') ? 'unknown' : false;
}

// ---------------------------------------------------------------------------------------------------
// Requests

/** `body.items[0].name` / `query.page-size`: the explorer's issue paths. */
function explorerPath(segments: readonly (string | number)[]): string {
  const [head, ...rest] = segments;
  let out = String(head);
  if (head !== 'body') return rest.length > 0 ? `${out}.${rest.map(String).join('.')}` : out;
  for (const s of rest)
    out +=
      typeof s === 'number' ? `[${s}]` : /^[A-Za-z_$][\w$-]*$/.test(s) ? `.${s}` : `[${JSON.stringify(s)}]`;
  return out;
}

const under = (path: string, prefix: string): boolean =>
  path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);

const asStringRecord = (v: unknown): Record<string, unknown> => (isRecord(v) ? v : {});

function clockifyRequest(
  action: FlowAction,
  op: DryRunOperation,
  input: DryRunInput,
  placeholderSegments: readonly (string | number)[][],
): DryRunRequest {
  const pathParams: Record<string, unknown> = {};
  for (const name of ENGINE_PATH_PARAMS)
    if (op.pathParams.includes(name)) pathParams[name] = input.context.workspace.id;
  Object.assign(pathParams, asStringRecord(action.pathParams));
  const query = asStringRecord(action.query);
  const filled: Record<string, string> = {};
  for (const [k, v] of Object.entries(pathParams))
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') filled[k] = String(v);
  const queryValues: Record<string, QueryValue> = {};
  for (const [k, v] of Object.entries(query))
    if (
      typeof v === 'string' ||
      typeof v === 'number' ||
      typeof v === 'boolean' ||
      (Array.isArray(v) && v.every((x) => ['string', 'number', 'boolean'].includes(typeof x)))
    )
      queryValues[k] = v as QueryValue;
  const request: DryRunRequest & { type: 'clockify' } = {
    type: 'clockify',
    operationId: op.operationId,
    method: op.method,
    path: buildUrl('', op.path, filled, queryValues),
    pathParams,
    query,
    validation: { checked: false, reason: 'no validator was given' },
  };
  if (action.body !== undefined) request.body = action.body;
  if (input.validateClockifyRequest !== undefined) {
    const prefixes = placeholderSegments.map(explorerPath);
    const issues: RequestIssue[] = [];
    const notChecked: RequestIssue[] = [];
    let all: readonly RequestIssue[];
    try {
      all = input.validateClockifyRequest(op.operationId, {
        pathParams,
        query,
        ...(action.body !== undefined ? { body: action.body } : {}),
      });
    } catch {
      all = [{ path: 'input', message: 'the request could not be validated' }];
    }
    for (const i of all.slice(0, 200))
      (prefixes.some((p) => under(i.path, p)) ? notChecked : issues).push({
        path: i.path,
        message: i.message,
      });
    request.validation = { checked: true, issues, notChecked };
  }
  return request;
}

function httpRequest(action: FlowAction): DryRunRequest {
  const url = typeof action.url === 'string' ? action.url : '';
  const issues: RequestIssue[] = [];
  if (!url.includes('⟨dry run: ')) {
    try {
      const u = new URL(url);
      if (u.protocol !== 'http:' && u.protocol !== 'https:')
        issues.push({ path: 'url', message: 'the rendered URL is not http(s)' });
    } catch {
      issues.push({ path: 'url', message: 'the rendered URL is not a valid URL' });
    }
  }
  const r: DryRunRequest = {
    type: 'http',
    method: String(action.method),
    url,
    headers: asStringRecord(action.headers),
    issues,
  };
  if (action.body !== undefined) r.body = action.body;
  return r;
}

function otherRequest(action: FlowAction, templated: readonly string[]): DryRunRequest {
  if (action.type === 'webhook') {
    const r: DryRunRequest = { type: 'webhook', endpointId: String(action.endpointId) };
    if (action.payload !== undefined) r.payload = action.payload;
    return r;
  }
  const fields: Record<string, unknown> = {};
  for (const f of templated) if (Object.hasOwn(action, f)) fields[f] = action[f];
  return { type: action.type, fields };
}

// ---------------------------------------------------------------------------------------------------
// The dry run

function summarize(t: TriggerExplanation, event: FlowEvent, source: string): string {
  switch (t.stage) {
    case 'source':
      return `the trigger does not listen to source '${source}'`;
    case 'event':
      return `the trigger does not listen to event type '${event.eventType.slice(0, 100)}'`;
    case 'filter':
      return t.matched
        ? 'source, event type and filter match'
        : 'source and event type match; the filter does not hold';
    case 'matched':
      return 'source and event type match';
  }
}

/** Runs the flow on paper. Never throws for a validated definition and any event or context. */
export function dryRun(input: DryRunInput): DryRunReport {
  const { definition, event } = input;
  const registry = input.actionTypes ?? DEFAULT_ACTION_TYPES;
  const timeZone = input.timeZone;
  const tz = timeZone === undefined ? {} : { timeZone };
  const notes: string[] = [];
  const base: FlowContext = { ...input.context, actions: [] };

  const trigger = explainTrigger(definition.trigger, event, { context: base, exhaustive: true });
  const source = input.context.event.source;
  const conditions =
    definition.conditions === undefined
      ? undefined
      : evaluate(definition.conditions, base, { exhaustive: true, ...tz });
  const matches = trigger.matched && (conditions?.result ?? true);
  if (!matches)
    notes.push('The flow does not match this event; its actions are rendered anyway to check them.');
  if (!definition.enabled)
    notes.push('The flow is disabled: a real event starts nothing until it is enabled.');

  const unknowns: Unknowns = {
    actions: new Set(),
    skipped: new Set(),
    idAt: definition.actions.map((a) => a.id),
    flow: input.context.flow === undefined,
    execution: input.context.execution === undefined,
  };
  let budget = input.maxOutputChars ?? DRY_RUN_MAX_OUTPUT_CHARS;
  const perAction = { ...DEFAULT_TEMPLATE_LIMITS, ...input.templateLimits };
  let stopped = false;
  const actions: DryRunAction[] = [];
  let anyPlaceholder = false;

  definition.actions.forEach((action, index) => {
    const report: DryRunAction = {
      index,
      id: action.id,
      type: action.type,
      onError: action.onError,
      reached: !stopped,
      outcome: 'would_run',
      placeholders: [],
    };
    actions.push(report);
    const settle = (certain: boolean) => {
      if (report.outcome === 'skipped') unknowns.skipped.add(action.id);
      else unknowns.actions.add(action.id);
      if (report.outcome === 'template_error' && certain && report.reached && action.onError === 'stop')
        stopped = true;
    };

    let certain = true;
    if (action.when !== undefined) {
      const location = `actions[${index}].when`;
      const evaluation = evaluate(action.when, base, { location, exhaustive: true, ...tz });
      const unknownRules = new Set<string>();
      unknownRuleLocations(action.when, location, unknowns, unknownRules);
      const result = triResult(evaluation.trace, unknownRules);
      report.when = { result, trace: evaluation.trace, unknownRules: [...unknownRules] };
      if (result === false) {
        report.outcome = 'skipped';
        settle(true);
        return;
      }
      if (result === 'unknown') {
        report.outcome = 'may_run';
        certain = false;
      }
    }

    const spec = registry.get(action.type);
    const rewrite: Rewrite = {
      value: undefined,
      placeholders: [],
      originals: new Map(),
      placeholderSegments: [],
    };
    const rewritten: FlowAction = { ...action };
    for (const field of spec?.templated ?? [])
      if (Object.hasOwn(action, field))
        rewritten[field] = rewriteUnknowns(
          action[field],
          `actions[${index}].${field}`,
          [field],
          unknowns,
          rewrite,
          0,
        );
    report.placeholders = rewrite.placeholders;
    if (rewrite.placeholders.length > 0) anyPlaceholder = true;

    const limits = { ...perAction, maxOutputChars: Math.max(0, Math.min(perAction.maxOutputChars, budget)) };
    const rendered = renderAction(rewritten, index, base, { ...tz, limits, actionTypes: registry });
    if (!rendered.ok) {
      const e = rendered.error;
      report.outcome = 'template_error';
      report.error = {
        code: e.code,
        message: e.message,
        location: e.location,
        template: rewrite.originals.get(e.location) ?? e.template,
        ...(e.expression !== undefined ? { expression: e.expression } : {}),
        ...(e.path !== undefined ? { path: e.path } : {}),
      };
      settle(certain);
      return;
    }
    const a = rendered.action;
    if (a.type === 'clockify') {
      const op = input.catalogue.get(String(a.operationId));
      if (op === undefined) {
        report.outcome = 'template_error';
        report.error = {
          code: 'operation',
          message: `unknown Clockify operation '${String(a.operationId).slice(0, 200)}'`,
          location: `actions[${index}].operationId`,
          template: '',
        };
        settle(certain);
        return;
      }
      report.request = clockifyRequest(a, op, input, rewrite.placeholderSegments);
    } else if (a.type === 'http') report.request = httpRequest(a);
    else report.request = otherRequest(a, spec?.templated ?? []);
    budget -= Math.min(budget, jsonLength(report.request, budget));
    settle(certain);
  });

  if (anyPlaceholder)
    notes.push(
      'Values marked ⟨dry run: …⟩ are known only when the flow runs (results of earlier actions, the execution id, or the id of an unsaved flow); Clockify checks of those values are skipped.',
    );
  if (actions.some((a) => !a.reached))
    notes.push('An earlier action fails with onError: stop, so the actions after it would not be reached.');

  return {
    event: { ...input.context.event },
    trigger: { ...trigger, summary: summarize(trigger, event, source) },
    ...(conditions !== undefined ? { conditions } : {}),
    matches,
    enabled: definition.enabled,
    wouldRun: matches && definition.enabled,
    actions,
    notes,
  };
}
