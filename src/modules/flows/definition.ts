/**
 * The flow definition language, version 1: name, trigger, conditions and an ordered list of actions.
 * These zod schemas check shape; `validateFlowDefinition` (validate.ts) adds the semantic checks
 * (templates, regexes, paths, catalogue, action order) and is what callers use.
 *
 * Action types live in a registry (type → schema of its own fields, which fields are templated, and a
 * semantic validator), so another feature can add or replace one (`createActionRegistry`).
 */
import { z } from 'zod';
import type { ClockifyOperation } from '../../integrations/clockify/catalogue.js';
import { PROTOTYPE_KEYS } from '../../platform/jsonpath.js';
import { type ConditionGroup, type ConditionRule, OPERATORS } from './conditions.js';
import type { Trigger } from './event-match.js';
import type { RegexLimits } from './regex.js';
import { type TemplateLimits, hasTemplate } from './templates.js';
import { isRecord } from './values.js';

export const FLOW_DEFINITION_VERSION = 1;

export type FlowLimits = {
  /** UTF-8 bytes of the definition as JSON. */
  maxDefinitionBytes: number;
  maxActions: number;
  /** Rules in all groups together (trigger filter, conditions, every `when`). */
  maxRules: number;
  /** Nesting of condition groups; the top group is depth 1. */
  maxDepth: number;
  /** Nesting of the definition's JSON (bodies included). */
  maxJsonDepth: number;
  /** Items in an `in` / `not_in` list. */
  maxListItems: number;
  template: Partial<TemplateLimits>;
  regex: Partial<RegexLimits>;
};

export const DEFAULT_FLOW_LIMITS: Readonly<FlowLimits> = Object.freeze({
  maxDefinitionBytes: 65_536,
  maxActions: 20,
  maxRules: 100,
  maxDepth: 3,
  maxJsonDepth: 32,
  maxListItems: 500,
  template: {},
  regex: {},
});

// ---------------------------------------------------------------------------------------------------
// Conditions and trigger

export const ConditionRuleSchema = z.strictObject({
  path: z.string().min(1, 'a path is required').max(512),
  op: z.enum(OPERATORS),
  value: z.unknown().optional(),
  caseInsensitive: z.boolean().optional(),
}) satisfies z.ZodType<ConditionRule>;

export const ConditionGroupSchema: z.ZodType<ConditionGroup> = z.strictObject({
  mode: z.enum(['ALL', 'ANY']),
  rules: z.array(z.lazy(() => z.union([ConditionGroupSchema, ConditionRuleSchema]))).max(100),
});

/** A custom source id (`src_…`) or `clockify`. */
export const SourceRef = z.union([
  z.literal('clockify'),
  z.string().regex(/^src_[0-9a-z]{24}$/, "a source is 'clockify' or a custom source id (src_…)"),
]);

export const EventPattern = z
  .string()
  .max(100)
  .regex(
    /^(\*|[A-Za-z0-9_.:/-]+\*?)$/,
    'an event type (NEW_TIME_ENTRY), a prefix ending in * (TIME_ENTRY_*), or * for every event',
  );

export const TriggerSchema = z.strictObject({
  sources: z.union([z.literal('*'), z.array(SourceRef).min(1).max(20)]),
  events: z.array(EventPattern).min(1).max(60),
  filter: ConditionGroupSchema.optional(),
}) satisfies z.ZodType<Trigger>;

// ---------------------------------------------------------------------------------------------------
// Actions

export const ActionId = z
  .string()
  .regex(
    /^[A-Za-z][A-Za-z0-9_]{0,63}$/,
    'an action id is a letter followed by letters, digits or _ (64 at most)',
  )
  .refine((id) => !PROTOTYPE_KEYS.has(id), 'this name is reserved');

export const RetrySchema = z.strictObject({
  /** Further attempts after the first one. */
  attempts: z.int().min(0).max(10),
  backoff: z.enum(['fixed', 'exponential']),
  /** Wait before the first retry; exponential doubles it each time. */
  delayMs: z.int().min(100).max(3_600_000).default(1_000),
});

export const ActionCommonSchema = z.object({
  id: ActionId,
  type: z.string().min(1).max(64),
  description: z.string().max(1_000).optional(),
  when: ConditionGroupSchema.optional(),
  onError: z.enum(['stop', 'continue']).default('stop'),
  retry: RetrySchema.optional(),
  timeoutMs: z.int().min(100).max(120_000).optional(),
});
export const ACTION_COMMON_FIELDS: readonly string[] = Object.keys(ActionCommonSchema.shape);

export type ActionCommon = z.output<typeof ActionCommonSchema>;

/** Any action after validation: the common fields plus its type's own fields. */
export type FlowAction = ActionCommon & Record<string, unknown>;

/** The subset of the Clockify operation catalogue validation needs (src/integrations/clockify/catalogue.ts). */
export type CatalogueOperation = Pick<
  ClockifyOperation,
  'operationId' | 'method' | 'pathParams' | 'parameters' | 'requestBody'
>;
export type OperationCatalogue = {
  get(operationId: string): CatalogueOperation | undefined;
  /** When present, used to suggest an operation id whose case differs. */
  readonly operations?: readonly { operationId: string }[];
};

/** What semantic validators of action types may consult. */
export type ActionValidationContext = {
  catalogue: OperationCatalogue;
  /** Free slots for other features' validators (e.g. the workspace's outbound endpoints). */
  extensions: Readonly<Record<string, unknown>>;
};

export type ActionIssue = { path: readonly (string | number)[]; message: string };

export type ActionTypeSpec = {
  type: string;
  /** A strict zod object of the type's own fields (the common fields are removed before parsing). */
  schema: z.ZodType<Record<string, unknown>>;
  /** Own fields whose string leaves are templates; `{{` anywhere else is refused. */
  templated: readonly string[];
  /** Semantic checks on the parsed own fields; paths are relative to the action. */
  validate?: (fields: Record<string, unknown>, ctx: ActionValidationContext) => ActionIssue[];
};

export type ActionTypeRegistry = ReadonlyMap<string, ActionTypeSpec>;

const TemplatedValue = z.unknown();
const TemplatedRecord = z.record(z.string().max(200), z.unknown());

// --- clockify

export const ClockifyActionFields = z.strictObject({
  operationId: z.string().min(1).max(200),
  pathParams: TemplatedRecord.optional(),
  query: TemplatedRecord.optional(),
  body: TemplatedValue.optional(),
});
export type ClockifyAction = ActionCommon & { type: 'clockify' } & z.output<typeof ClockifyActionFields>;

/** Path parameter the engine fills from the event's workspace; users may not set it. */
export const ENGINE_PATH_PARAMS: readonly string[] = ['workspaceId'];

const scalarOrTemplate = (v: unknown): boolean =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

function validateClockify(fields: Record<string, unknown>, ctx: ActionValidationContext): ActionIssue[] {
  const a = fields as z.output<typeof ClockifyActionFields>;
  const issues: ActionIssue[] = [];
  const op = ctx.catalogue.get(a.operationId);
  if (op === undefined) {
    const near = hasTemplate(a.operationId) ? undefined : suggestOperation(ctx.catalogue, a.operationId);
    issues.push({
      path: ['operationId'],
      message: hasTemplate(a.operationId)
        ? 'operationId must be written out, not templated'
        : `unknown Clockify operation '${a.operationId}'${near ? ` (did you mean '${near}'?)` : ''}`,
    });
    return issues;
  }
  const pathParams = a.pathParams ?? {};
  for (const name of Object.keys(pathParams)) {
    if (ENGINE_PATH_PARAMS.includes(name))
      issues.push({
        path: ['pathParams', name],
        message: `${name} is filled in by the engine (the event's workspace)`,
      });
    else if (!op.pathParams.includes(name))
      issues.push({
        path: ['pathParams', name],
        message: `'${name}' is not a path parameter of ${op.operationId} (it has: ${op.pathParams.join(', ') || 'none'})`,
      });
    else if (!scalarOrTemplate(pathParams[name]))
      issues.push({
        path: ['pathParams', name],
        message: 'a path parameter is text, a number or a template',
      });
  }
  for (const name of op.pathParams)
    if (!ENGINE_PATH_PARAMS.includes(name) && !Object.hasOwn(pathParams, name))
      issues.push({
        path: ['pathParams', name],
        message: `required path parameter '${name}' of ${op.operationId} is missing`,
      });
  const query = a.query ?? {};
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  for (const name of Object.keys(query))
    if (!queryParams.some((p) => p.name === name))
      issues.push({
        path: ['query', name],
        message: `'${name}' is not a query parameter of ${op.operationId}`,
      });
  for (const p of queryParams)
    if (p.required && !Object.hasOwn(query, p.name))
      issues.push({
        path: ['query', p.name],
        message: `required query parameter '${p.name}' of ${op.operationId} is missing`,
      });
  if (a.body !== undefined && op.requestBody === undefined)
    issues.push({ path: ['body'], message: `${op.operationId} (${op.method}) takes no body` });
  if (a.body === undefined && op.requestBody?.required === true)
    issues.push({ path: ['body'], message: `${op.operationId} requires a body` });
  const required = op.requestBody?.schema?.required;
  if (isRecord(a.body) && Array.isArray(required))
    for (const prop of required)
      if (typeof prop === 'string' && !Object.hasOwn(a.body, prop))
        issues.push({
          path: ['body', prop],
          message: `required body field '${prop}' of ${op.operationId} is missing`,
        });
  return issues;
}

/** A same-name-but-for-case operation, when the catalogue can list its operations. */
function suggestOperation(catalogue: OperationCatalogue, operationId: string): string | undefined {
  const lower = operationId.toLowerCase();
  return catalogue.operations?.find((o) => o.operationId.toLowerCase() === lower)?.operationId;
}

// --- http

const HeaderName = z
  .string()
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/, 'a header name is a token (letters, digits, - …)');
const FORBIDDEN_HEADERS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'upgrade',
  'te',
  'trailer',
  'keep-alive',
  'expect',
]);

export const HttpActionFields = z.strictObject({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']),
  url: z.string().min(1).max(2_048),
  headers: z
    .record(
      HeaderName,
      z
        .string()
        .max(8_192)
        .regex(/^[^\r\n\0]*$/, 'a header value cannot contain line breaks or NUL'),
    )
    .optional(),
  body: TemplatedValue.optional(),
});
export type HttpAction = ActionCommon & { type: 'http' } & z.output<typeof HttpActionFields>;

/** The scheme and host must be written out: data from a webhook may fill a path or query, not pick the server. */
const LITERAL_ORIGIN = /^https?:\/\/[^/?#{}\s@]+(?:[/?#]|$)/i;

function validateHttp(fields: Record<string, unknown>): ActionIssue[] {
  const a = fields as z.output<typeof HttpActionFields>;
  const issues: ActionIssue[] = [];
  const literalPrefix = a.url.split('{{')[0] ?? '';
  if (!LITERAL_ORIGIN.test(literalPrefix) && !(!hasTemplate(a.url) && LITERAL_ORIGIN.test(a.url)))
    issues.push({
      path: ['url'],
      message:
        'the URL must start with http:// or https:// and a written-out host (templates may fill the path or query)',
    });
  else if (!hasTemplate(a.url)) {
    try {
      new URL(a.url);
    } catch {
      issues.push({ path: ['url'], message: 'not a valid URL' });
    }
  }
  const seen = new Set<string>();
  for (const name of Object.keys(a.headers ?? {})) {
    const lower = name.toLowerCase();
    if (FORBIDDEN_HEADERS.has(lower) || lower.startsWith('proxy-'))
      issues.push({ path: ['headers', name], message: `header '${name}' is set by the HTTP client` });
    if (seen.has(lower)) issues.push({ path: ['headers', name], message: `header '${name}' is given twice` });
    seen.add(lower);
  }
  if ((a.method === 'GET' || a.method === 'HEAD') && a.body !== undefined)
    issues.push({ path: ['body'], message: `${a.method} requests have no body` });
  return issues;
}

// --- webhook (outbound webhooks; that feature may replace this spec through the registry)

export const WebhookActionFields = z.strictObject({
  endpointId: z.string().min(1).max(100),
  payload: TemplatedValue.optional(),
});
export type WebhookAction = ActionCommon & { type: 'webhook' } & z.output<typeof WebhookActionFields>;

/** Extension slot: `{ has(id): boolean }` over the workspace's outbound endpoints. */
export const WEBHOOK_ENDPOINTS_EXTENSION = 'webhookEndpoints';

function validateWebhook(fields: Record<string, unknown>, ctx: ActionValidationContext): ActionIssue[] {
  const a = fields as z.output<typeof WebhookActionFields>;
  if (hasTemplate(a.endpointId))
    return [{ path: ['endpointId'], message: 'endpointId must be written out, not templated' }];
  const endpoints = ctx.extensions[WEBHOOK_ENDPOINTS_EXTENSION] as { has(id: string): boolean } | undefined;
  if (endpoints !== undefined && !endpoints.has(a.endpointId))
    return [{ path: ['endpointId'], message: `unknown outbound endpoint '${a.endpointId}'` }];
  return [];
}

export const BUILTIN_ACTION_TYPES: readonly ActionTypeSpec[] = [
  {
    type: 'clockify',
    schema: ClockifyActionFields,
    templated: ['pathParams', 'query', 'body'],
    validate: validateClockify,
  },
  { type: 'http', schema: HttpActionFields, templated: ['url', 'headers', 'body'], validate: validateHttp },
  { type: 'webhook', schema: WebhookActionFields, templated: ['payload'], validate: validateWebhook },
];

/** The built-in action types plus `extra` (a spec with an existing type replaces it). */
export function createActionRegistry(extra: readonly ActionTypeSpec[] = []): ActionTypeRegistry {
  const map = new Map<string, ActionTypeSpec>();
  for (const spec of [...BUILTIN_ACTION_TYPES, ...extra]) map.set(spec.type, spec);
  return map;
}

export const DEFAULT_ACTION_TYPES: ActionTypeRegistry = createActionRegistry();

export function isActionOfType(action: FlowAction, type: 'clockify'): action is ClockifyAction;
export function isActionOfType(action: FlowAction, type: 'http'): action is HttpAction;
export function isActionOfType(action: FlowAction, type: 'webhook'): action is WebhookAction;
export function isActionOfType(action: FlowAction, type: string): boolean {
  return action.type === type;
}

// ---------------------------------------------------------------------------------------------------
// The definition

export const FlowDefinitionShape = z.strictObject({
  version: z.literal(FLOW_DEFINITION_VERSION, {
    error: `unsupported version: this gateway reads version ${FLOW_DEFINITION_VERSION}`,
  }),
  name: z.string().trim().min(1, 'a name is required').max(200),
  description: z.string().max(2_000).optional(),
  enabled: z.boolean().default(true),
  trigger: z.unknown(),
  conditions: z.unknown().optional(),
  /** Also store a `skipped` execution (no job, no steps) when the conditions do not hold; default false. */
  recordSkips: z.boolean().optional(),
  actions: z.array(z.unknown()).min(1, 'a flow needs at least one action'),
});

export type FlowDefinition = {
  version: typeof FLOW_DEFINITION_VERSION;
  name: string;
  description?: string;
  enabled: boolean;
  trigger: z.output<typeof TriggerSchema>;
  conditions?: ConditionGroup;
  recordSkips?: boolean;
  actions: FlowAction[];
};
