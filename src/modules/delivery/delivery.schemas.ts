import { z } from 'zod';
import { EventPattern, SourceRef } from '../flows/definition.js';

/** Our own ids: `ep_…` for endpoints, `msg_…` for messages, `att_…` for attempts. */
export const EndpointId = z.string().regex(/^ep_[0-9a-z]{20}$/, 'not an endpoint id');
export const MessageId = z.string().regex(/^msg_[0-9a-z]{12,40}$/, 'not a message id');

export const DEFAULT_TIMEOUT_MS = 15_000;
export const MAX_TIMEOUT_MS = 30_000;
export const DEFAULT_CONCURRENCY = 10;
export const MAX_CONCURRENCY = 100;
/** The shared limiter's ceiling (src/rate-limit). */
export const MAX_RATE_LIMIT = 50;
export const MAX_CUSTOM_HEADERS = 20;
export const MAX_ROTATION_GRACE_SECONDS = 7 * 86_400;

/** Source of the gateway's own events (`endpoint.disabled`, `message.failed`, `flow.execution.failed`). */
export const GATEWAY_SOURCE = 'gateway';

const HeaderName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'not a valid header name');
const HeaderValue = z
  .string()
  .max(2_000)
  .regex(/^[\t\x20-\x7e]*$/, 'header values are printable ASCII');

/** Set by the gateway on every delivery, or by the HTTP client: never by an admin. */
export const RESERVED_HEADERS = new Set([
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'content-type',
  'content-length',
  'host',
  'connection',
  'transfer-encoding',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
  'proxy-authorization',
  'proxy-connection',
  'user-agent',
]);

export const CustomHeaders = z
  .record(HeaderName, HeaderValue)
  .refine((h) => Object.keys(h).length <= MAX_CUSTOM_HEADERS, `at most ${MAX_CUSTOM_HEADERS} headers`)
  .refine(
    (h) => Object.keys(h).every((k) => !RESERVED_HEADERS.has(k.toLowerCase())),
    'the signature headers, content-type, user-agent and hop-by-hop headers are set by the gateway',
  )
  .refine(
    (h) => new Set(Object.keys(h).map((k) => k.toLowerCase())).size === Object.keys(h).length,
    'a header is named twice',
  );

const Sources = z.union([
  z.literal('*'),
  z
    .array(z.union([SourceRef, z.literal(GATEWAY_SOURCE)]))
    .min(1)
    .max(50),
]);

const endpointFields = {
  url: z.string().min(1).max(4_096),
  description: z.string().max(500),
  eventTypes: z.array(EventPattern).min(1).max(100),
  sources: Sources,
  /** A condition group in the flows' language, evaluated over `{ webhook, event, workspace }`. */
  filter: z.unknown().nullable(),
  /** A template object (flows' template language) that builds the payload; null for the default body. */
  transformation: z.unknown().nullable(),
  headers: CustomHeaders,
  timeoutMs: z.number().int().min(1_000).max(MAX_TIMEOUT_MS),
  /** Deliveries per second; null for no limit. */
  rateLimit: z.number().int().min(1).max(MAX_RATE_LIMIT).nullable(),
  concurrency: z.number().int().min(1).max(MAX_CONCURRENCY),
  enabled: z.boolean(),
};

export const CreateEndpointBody = z.strictObject({
  url: endpointFields.url,
  description: endpointFields.description.default(''),
  eventTypes: endpointFields.eventTypes,
  sources: endpointFields.sources.default('*'),
  filter: endpointFields.filter.optional(),
  transformation: endpointFields.transformation.optional(),
  headers: endpointFields.headers.default({}),
  timeoutMs: endpointFields.timeoutMs.default(DEFAULT_TIMEOUT_MS),
  rateLimit: endpointFields.rateLimit.default(null),
  concurrency: endpointFields.concurrency.default(DEFAULT_CONCURRENCY),
  enabled: endpointFields.enabled.default(true),
});
export type CreateEndpointBody = z.infer<typeof CreateEndpointBody>;

export const UpdateEndpointBody = z
  .strictObject({
    url: endpointFields.url.optional(),
    description: endpointFields.description.optional(),
    eventTypes: endpointFields.eventTypes.optional(),
    sources: endpointFields.sources.optional(),
    filter: endpointFields.filter.optional(),
    transformation: endpointFields.transformation.optional(),
    headers: endpointFields.headers.optional(),
    timeoutMs: endpointFields.timeoutMs.optional(),
    rateLimit: endpointFields.rateLimit.optional(),
    concurrency: endpointFields.concurrency.optional(),
    enabled: endpointFields.enabled.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'nothing to update');
export type UpdateEndpointBody = z.infer<typeof UpdateEndpointBody>;

export const RotateEndpointSecretBody = z.strictObject({
  /** How long the previous secret keeps signing too (0–7 days). Default one day. */
  graceSeconds: z.number().int().min(0).max(MAX_ROTATION_GRACE_SECONDS).default(86_400),
});

export const EndpointStatus = z.enum(['enabled', 'paused', 'disabled']);
export type EndpointStatus = z.infer<typeof EndpointStatus>;

export const EndpointView = z
  .object({
    id: z.string(),
    url: z.string(),
    description: z.string(),
    eventTypes: z.array(z.string()),
    sources: z.union([z.literal('*'), z.array(z.string())]),
    filter: z.unknown().nullable(),
    transformation: z.unknown().nullable(),
    headers: z.record(z.string(), z.string()),
    timeoutMs: z.number().int(),
    rateLimit: z.number().int().nullable(),
    concurrency: z.number().int(),
    status: EndpointStatus,
    disabledReason: z.string().nullable(),
    failingSince: z.iso.datetime().nullable(),
    /** Rotated-out secrets that still sign, until when. */
    previousSecretsExpireAt: z.array(z.iso.datetime()),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'WebhookEndpoint' });
export type EndpointView = z.infer<typeof EndpointView>;

export const EndpointWithSecret = EndpointView.extend({
  /** `whsec_…`: shown in this response only. */
  secret: z.string(),
}).meta({ id: 'WebhookEndpointWithSecret' });

export const MessageStatus = z.enum(['pending', 'delivered', 'failed']);

export const AttemptView = z
  .object({
    id: z.string(),
    attemptedAt: z.iso.datetime(),
    status: z.number().int().nullable(),
    latencyMs: z.number().int(),
    responseHeaders: z.record(z.string(), z.string()).nullable(),
    responseBody: z.string().nullable(),
    errorClass: z.string().nullable(),
    error: z.string().nullable(),
    address: z.string().nullable(),
    trigger: z.string(),
  })
  .meta({ id: 'WebhookAttempt' });
export type AttemptView = z.infer<typeof AttemptView>;

export const MessageSummary = z
  .object({
    id: z.string(),
    endpointId: z.string(),
    eventType: z.string(),
    status: MessageStatus,
    attempts: z.number().int(),
    nextAttemptAt: z.iso.datetime().nullable(),
    lastError: z.string().nullable(),
    createdAt: z.iso.datetime(),
    finishedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'WebhookMessageSummary' });
export type MessageSummary = z.infer<typeof MessageSummary>;

export const MessageDetail = MessageSummary.extend({
  /** The exact JSON text sent. */
  body: z.string(),
  attemptList: z.array(AttemptView),
}).meta({ id: 'WebhookMessage' });
export type MessageDetail = z.infer<typeof MessageDetail>;

export const ListMessagesQuery = z.strictObject({
  status: MessageStatus.optional(),
  eventType: z.string().min(1).max(100).optional(),
  from: z.iso.datetime().optional(),
  to: z.iso.datetime().optional(),
  cursor: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type ListMessagesQuery = z.infer<typeof ListMessagesQuery>;

export const RecoverBody = z.strictObject({ since: z.iso.datetime() });
export const TestBody = z.strictObject({ eventType: z.string().min(1).max(100) });
export const PreviewBody = z.strictObject({
  /** `sample`: the catalogue's sample for each of the endpoint's event types; `recent`: the last 10 matching events. */
  source: z.enum(['sample', 'recent']).default('sample'),
  /** Preview this transformation instead of the saved one (to try one before saving it). */
  transformation: z.unknown().nullable().optional(),
});

export const EndpointStats = z
  .object({
    delivered: z.number().int(),
    failed: z.number().int(),
    pending: z.number().int(),
    /** Of the attempts in the last 24 h, the share that succeeded; null without attempts. */
    successRate24h: z.number().nullable(),
    lastSuccessAt: z.iso.datetime().nullable(),
    lastFailureAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'WebhookEndpointStats' });
export type EndpointStats = z.infer<typeof EndpointStats>;

export const EventTypeView = z
  .object({
    type: z.string(),
    source: z.string(),
    description: z.string(),
    sample: z.unknown(),
  })
  .meta({ id: 'OutboundEventType' });
export type EventTypeView = z.infer<typeof EventTypeView>;
