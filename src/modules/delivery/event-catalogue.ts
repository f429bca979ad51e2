/**
 * What an endpoint can subscribe to: Clockify's 51 webhook events (with a captured sample where one
 * exists), each custom source's types (as seen so far), and the gateway's own events.
 */
import { CLOCKIFY_WEBHOOK_EVENTS } from '../../integrations/clockify/webhook-events.js';
import samples from './clockify-event-samples.json' with { type: 'json' };
import { GATEWAY_SOURCE, type EventTypeView } from './delivery.schemas.js';

export const GATEWAY_EVENT_TYPES = ['endpoint.disabled', 'message.failed', 'flow.execution.failed'] as const;
export type GatewayEventType = (typeof GATEWAY_EVENT_TYPES)[number];

const GATEWAY_EVENTS: readonly EventTypeView[] = [
  {
    type: 'endpoint.disabled',
    source: GATEWAY_SOURCE,
    description:
      'An outbound endpoint was disabled: it failed continuously for the failure window, or answered 410 Gone.',
    sample: {
      endpointId: 'ep_0123456789abcdefghij',
      url: 'https://receiver.example.com/hooks',
      reason: 'failing since 2026-11-27T10:00:00.000Z (5 days)',
    },
  },
  {
    type: 'message.failed',
    source: GATEWAY_SOURCE,
    description: 'A message was dead-lettered: every scheduled attempt failed.',
    sample: {
      messageId: 'msg_0mh3k2x9a0010123456789ab',
      endpointId: 'ep_0123456789abcdefghij',
      eventType: 'NEW_TIME_ENTRY',
      attempts: 10,
      lastError: '5xx: HTTP 503',
    },
  },
  {
    type: 'flow.execution.failed',
    source: GATEWAY_SOURCE,
    description: 'A flow execution failed.',
    sample: {
      flowId: 'flw_0123456789abcdefghij',
      executionId: 'fex_0123456789abcdefghij',
      eventId: 'evt_0123456789abcdefghij',
      error: 'action 2 (http): HTTP 500',
    },
  },
];

type Sample = { type: string; category: string; description: string; sample: unknown };
const BY_TYPE = new Map((samples as Sample[]).map((s) => [s.type, s]));

export const CLOCKIFY_EVENT_TYPES: readonly EventTypeView[] = CLOCKIFY_WEBHOOK_EVENTS.map((type) => {
  const s = BY_TYPE.get(type);
  return {
    type,
    source: 'clockify',
    description: s?.description ?? `Clockify: ${type}.`,
    // No capture for a few events: a minimal body of the shape they share.
    sample: s?.sample ?? { id: '5f1185197db7a8637ffcaf1d', workspaceId: '5f11791a4e759e12c40733ba' },
  };
});

/** The fixed part of the catalogue (Clockify's and the gateway's). */
export const STATIC_EVENT_TYPES: readonly EventTypeView[] = [...CLOCKIFY_EVENT_TYPES, ...GATEWAY_EVENTS];

export function customEventType(sourceId: string, eventType: string): EventTypeView {
  return {
    type: eventType,
    source: sourceId,
    description: `Custom source ${sourceId}: ${eventType} (seen).`,
    sample: { type: eventType },
  };
}

export const findStatic = (type: string): EventTypeView | undefined =>
  STATIC_EVENT_TYPES.find((t) => t.type === type);
