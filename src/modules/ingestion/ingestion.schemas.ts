import { z } from 'zod';
import { DedupRule } from './dedup-key.js';
import { SourceVerification } from './source-config.js';

export const MAX_SOURCE_BODY_BYTES = 10 * 1_048_576;
export const DEFAULT_SOURCE_BODY_BYTES = 1_048_576;
export const DEFAULT_CONTENT_TYPES = ['application/json'];

export const SourceId = z.string().regex(/^src_[0-9a-z]{24}$/, 'not a source id');
export const EventId = z.string().regex(/^evt_[0-9a-z]{20}$/, 'not an event id');

/** `type/subtype` (lowercase, no parameters), `type/*`, or `*\/*` for anything. */
export const MediaType = z
  .string()
  .trim()
  .toLowerCase()
  .regex(
    /^(\*\/\*|[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/(\*|[a-z0-9][a-z0-9!#$&^_.+-]{0,126}))$/,
    'expected a media type like application/json',
  );

const Name = z.string().trim().min(1).max(100);
const ContentTypes = z.array(MediaType).min(1).max(20);
const MaxBodyBytes = z.number().int().min(1).max(MAX_SOURCE_BODY_BYTES);

export const CreateSourceBody = z.strictObject({
  name: Name,
  verification: SourceVerification,
  /** Omit to have one generated (returned once in the response). */
  secret: z.string().min(1).max(1024).optional(),
  dedupRule: DedupRule.optional(),
  maxBodyBytes: MaxBodyBytes.default(DEFAULT_SOURCE_BODY_BYTES),
  contentTypes: ContentTypes.default(DEFAULT_CONTENT_TYPES),
  enabled: z.boolean().default(true),
});
export type CreateSourceBody = z.infer<typeof CreateSourceBody>;

export const UpdateSourceBody = z
  .strictObject({
    name: Name.optional(),
    /** Changing the scheme replaces the secret (a new one is returned, or give `secret`). */
    verification: SourceVerification.optional(),
    secret: z.string().min(1).max(1024).optional(),
    dedupRule: DedupRule.optional(),
    maxBodyBytes: MaxBodyBytes.optional(),
    contentTypes: ContentTypes.optional(),
    enabled: z.boolean().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'nothing to update');
export type UpdateSourceBody = z.infer<typeof UpdateSourceBody>;

export const RotateSecretBody = z.strictObject({
  /** How long the previous secret keeps working (0 = it stops at once; at most 30 days). */
  graceSeconds: z
    .number()
    .int()
    .min(0)
    .max(30 * 86_400),
  secret: z.string().min(1).max(1024).optional(),
});
export type RotateSecretBody = z.infer<typeof RotateSecretBody>;

export const SourceView = z
  .object({
    id: z.string(),
    name: z.string(),
    /** Where the external system POSTs. */
    url: z.string(),
    verification: z.record(z.string(), z.unknown()),
    dedupRule: z.record(z.string(), z.unknown()),
    maxBodyBytes: z.number().int(),
    contentTypes: z.array(z.string()),
    enabled: z.boolean(),
    hasSecret: z.boolean(),
    /** Set while a rotated-out secret is still accepted. */
    previousSecretExpiresAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'WebhookSource' });
export type SourceView = z.infer<typeof SourceView>;

export const SourceWithSecret = SourceView.extend({
  /** Shown in this response only; null for the `none` scheme. */
  secret: z.string().nullable(),
}).meta({ id: 'WebhookSourceWithSecret' });

export const EventStatusEnum = z.enum(['queued', 'processed', 'failed', 'skipped']);

export const EventSummary = z
  .object({
    id: z.string(),
    sourceKind: z.enum(['clockify', 'custom']),
    sourceId: z.string().nullable(),
    eventType: z.string(),
    status: EventStatusEnum,
    dedupKey: z.string(),
    contentType: z.string().nullable(),
    sizeBytes: z.number().int(),
    receivedAt: z.iso.datetime(),
    processedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'WebhookEventSummary' });
export type EventSummary = z.infer<typeof EventSummary>;

export const EventDetail = EventSummary.extend({
  body: z.object({ encoding: z.enum(['utf8', 'base64']), data: z.string() }),
  headers: z.record(z.string(), z.string()),
  verification: z.record(z.string(), z.unknown()),
  lastError: z.string().nullable(),
  jobs: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      status: z.string(),
      attempts: z.number().int(),
      lastError: z.string().nullable(),
      createdAt: z.iso.datetime(),
      finishedAt: z.iso.datetime().nullable(),
    }),
  ),
}).meta({ id: 'WebhookEventDetail' });
export type EventDetail = z.infer<typeof EventDetail>;

export const ListEventsQuery = z.strictObject({
  source: z.string().min(1).max(64).optional(),
  eventType: z.string().min(1).max(100).optional(),
  status: EventStatusEnum.optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
export type ListEventsQuery = z.infer<typeof ListEventsQuery>;

export const SourceStats = z
  .object({
    source: z.string(),
    sourceKind: z.enum(['clockify', 'custom']),
    name: z.string().nullable(),
    received: z.number().int(),
    accepted: z.number().int(),
    duplicates: z.number().int(),
    rejected: z.number().int(),
    lastReceivedAt: z.iso.datetime().nullable(),
    processed: z.number().int(),
    failed: z.number().int(),
    /** processed / (processed + failed) over the retained events; null before any finished. */
    processingSuccessRate: z.number().nullable(),
  })
  .meta({ id: 'WebhookSourceStats' });

export const RejectionView = z
  .object({
    id: z.string(),
    reason: z.string(),
    eventType: z.string().nullable(),
    headers: z.record(z.string(), z.string()),
    bodyBytes: z.number().int(),
    receivedAt: z.iso.datetime(),
  })
  .meta({ id: 'WebhookRejection' });
