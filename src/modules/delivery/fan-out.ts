/**
 * Which endpoints take an event and what they are sent: pure, with the flows' event patterns,
 * conditions and templates (one language for triggers, filters and transformations).
 */
import { type ConditionGroup, evaluate } from '../flows/conditions.js';
import type { FlowContext } from '../flows/context.js';
import { eventTypeMatches } from '../flows/event-match.js';
import { render } from '../flows/templates.js';

/** An event as delivery sees it: an inbound event, a gateway event or a flow's message. */
export type DeliveryEvent = {
  id: string;
  workspaceId: string;
  /** `clockify`, a custom source id, or `gateway`. */
  source: string;
  eventType: string;
  /** The event's body (what filters and templates see as `webhook`). */
  payload: unknown;
  occurredAt: Date;
};

export type EndpointRules = {
  sources: readonly string[];
  eventTypes: readonly string[];
  filter: unknown;
  transformation: unknown;
};

/** What filters and transformations read: `webhook` (the payload), `event`, `workspace`. */
export function contextOf(ev: DeliveryEvent): FlowContext {
  return {
    webhook: ev.payload,
    event: { id: ev.id, type: ev.eventType, source: ev.source, receivedAt: ev.occurredAt.toISOString() },
    workspace: { id: ev.workspaceId },
  };
}

export const sourceAndTypeMatch = (ep: EndpointRules, ev: DeliveryEvent): boolean =>
  (ep.sources.includes('*') || ep.sources.includes(ev.source)) &&
  ep.eventTypes.some((p) => eventTypeMatches(p, ev.eventType));

/** Source, event type and filter. */
export function endpointMatches(ep: EndpointRules, ev: DeliveryEvent, ctx = contextOf(ev)): boolean {
  if (!sourceAndTypeMatch(ep, ev)) return false;
  if (ep.filter === null || ep.filter === undefined) return true;
  return evaluate(ep.filter as ConditionGroup, ctx, { location: 'filter' }).result;
}

/** The default body: `{ type, timestamp, workspaceId, data }`. */
export const defaultBody = (ev: DeliveryEvent) => ({
  type: ev.eventType,
  timestamp: ev.occurredAt.toISOString(),
  workspaceId: ev.workspaceId,
  data: ev.payload,
});

export type BuiltBody = { ok: true; body: string } | { ok: false; error: string };

/** The JSON text to send: the transformation's result, or the default body. */
export function buildBody(transformation: unknown, ev: DeliveryEvent, ctx = contextOf(ev)): BuiltBody {
  if (transformation === null || transformation === undefined)
    return { ok: true, body: JSON.stringify(defaultBody(ev)) };
  const r = render(transformation, ctx, { location: 'transformation' });
  if (!r.ok) return { ok: false, error: `transformation: ${r.error.message}` };
  const body = JSON.stringify(r.value);
  return body === undefined
    ? { ok: false, error: 'transformation: the result is not JSON' }
    : { ok: true, body };
}
