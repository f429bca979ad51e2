/**
 * What conditions and templates can see while a flow runs: the event, its body, the workspace, the
 * flow and execution ids, earlier actions' results, and cached Clockify entities through a lookup.
 * Nothing else: no environment, tokens, secrets or other workspaces (the engine builds this object and
 * puts nothing more in it). Outbound-webhook filters use the same shape with `webhook` = the payload.
 */

export type FlowEventInfo = {
  id: string;
  /** Clockify event type (NEW_TIME_ENTRY …) or the custom source's event type. */
  type: string;
  /** `clockify`, or the custom source's id (`src_…`). */
  source: string;
  /** ISO-8601 instant. */
  receivedAt: string;
};

/** The result of an action that ran, as later actions see it. */
export type ActionResult = {
  id: string;
  /** Position of the action in the definition (what `actions[N]` refers to). */
  index: number;
  /** HTTP status of the action's response, or null when there was none (timeout, network error). */
  status: number | null;
  /** The parsed response body (JSON), or its text, or null. */
  body: unknown;
};

/**
 * Cached Clockify entity by type and id (`project`, `time-entry`, …), or `undefined` when it is not
 * cached. Synchronous: the engine preloads what `listCacheReferences` names before rendering.
 */
export type CacheLookup = (entityType: string, id: string) => unknown;

export type FlowContext = {
  webhook: unknown;
  event: FlowEventInfo;
  workspace: { id: string };
  flow?: { id: string; version: number };
  execution?: { id: string };
  /** Results of the actions that ran so far, in order. Actions that were skipped are absent. */
  actions?: readonly ActionResult[];
  cache?: CacheLookup;
};

/** The event fields flows need, as the ingestion feature hands them to processors (ProcessedEvent). */
export type FlowEvent = {
  id: string;
  workspaceId: string;
  sourceKind: 'clockify' | 'custom';
  sourceId: string | null;
  eventType: string;
  payload: unknown;
  receivedAt: Date;
};

export const eventSource = (event: Pick<FlowEvent, 'sourceKind' | 'sourceId'>): string =>
  event.sourceKind === 'clockify' ? 'clockify' : (event.sourceId ?? 'custom');

/** The context for an event, before any action ran. */
export function flowContextFor(
  event: FlowEvent,
  extras: Pick<FlowContext, 'flow' | 'execution' | 'actions' | 'cache'> = {},
): FlowContext {
  return {
    webhook: event.payload,
    event: {
      id: event.id,
      type: event.eventType,
      source: eventSource(event),
      receivedAt: event.receivedAt.toISOString(),
    },
    workspace: { id: event.workspaceId },
    ...extras,
  };
}

/** Roots a template or a condition path may start with. */
export const CONTEXT_ROOTS = [
  'webhook',
  'event',
  'cache',
  'actions',
  'workspace',
  'flow',
  'execution',
] as const;
export type ContextRoot = (typeof CONTEXT_ROOTS)[number];

/** The fields of the fixed-shape roots; anything else under them is refused when a flow is saved. */
export const ROOT_FIELDS: Readonly<Record<'event' | 'workspace' | 'flow' | 'execution', readonly string[]>> =
  {
    event: ['id', 'type', 'source', 'receivedAt'],
    workspace: ['id'],
    flow: ['id', 'version'],
    execution: ['id'],
  };

/** The fields of `actions.<id>`. */
export const ACTION_RESULT_FIELDS: readonly string[] = ['status', 'body'];

/**
 * The plain object JSONPath conditions run against: `$.webhook…`, `$.event.type`,
 * `$.actions.<id>.status`. Action results are keyed by id in a null-prototype object. The cache is
 * not in it (it is a lookup, not data): conditions reach it with a `{{ cache… }}` path.
 */
export function conditionView(ctx: FlowContext): Record<string, unknown> {
  const actions = Object.create(null) as Record<string, unknown>;
  for (const a of ctx.actions ?? []) actions[a.id] = { status: a.status, body: a.body };
  const view: Record<string, unknown> = {
    webhook: ctx.webhook,
    event: ctx.event,
    workspace: ctx.workspace,
    actions,
  };
  if (ctx.flow !== undefined) view.flow = ctx.flow;
  if (ctx.execution !== undefined) view.execution = ctx.execution;
  return view;
}
