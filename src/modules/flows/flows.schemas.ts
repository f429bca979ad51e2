/** Zod schemas of the flows admin API (request and response shapes; the definition itself is validated by validate.ts). */
import { z } from 'zod';

export const FlowId = z.string().regex(/^flw_[0-9a-z]{20}$/, 'not a flow id');
export const ExecutionId = z.string().regex(/^fex_[0-9a-z]{20}$/, 'not an execution id');
export const ReplayId = z.string().regex(/^frp_[0-9a-z]{20}$/, 'not a replay id');

/** A flow definition (docs/flows.md); checked in full when saved, 422 naming each problem's location. */
export const FlowDefinitionBody = z
  .record(z.string(), z.unknown())
  .meta({ description: 'A flow definition, version 1 (docs/flows.md)' });

const Trigger = z.object({ sources: z.array(z.string()), events: z.array(z.string()) });

export const FlowSummaryView = z.object({
  id: z.string(),
  name: z.string(),
  enabled: z.boolean(),
  version: z.number().int(),
  trigger: Trigger,
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const FlowView = FlowSummaryView.omit({ trigger: true }).extend({
  definition: z.record(z.string(), z.unknown()),
});
export const FlowVersionView = z.object({
  version: z.number().int(),
  definition: z.unknown(),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
});

export const EXECUTION_STATUSES = [
  'queued',
  'running',
  'waiting',
  'succeeded',
  'failed',
  'outcome_unknown',
  'skipped',
] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

export const ExecutionSummary = z.object({
  id: z.string(),
  flowId: z.string(),
  version: z.number().int(),
  eventId: z.string(),
  replayOf: z.string().nullable(),
  origin: z.enum(['event', 'replay', 'retry']),
  status: z.enum(EXECUTION_STATUSES),
  error: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export const StepView = z.object({
  id: z.string(),
  actionId: z.string(),
  actionIndex: z.number().int(),
  attempt: z.number().int(),
  state: z.enum(['started', 'succeeded', 'failed', 'skipped']),
  idempotencyKey: z.string(),
  request: z.unknown(),
  status: z.number().int().nullable(),
  responseBody: z.unknown(),
  bodyTruncated: z.boolean(),
  latencyMs: z.number().int().nullable(),
  errorClass: z.string().nullable(),
  error: z.string().nullable(),
  retryAt: z.string().nullable(),
  copiedFrom: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
});
export const ExecutionDetail = ExecutionSummary.extend({ steps: z.array(StepView) });

export const ListExecutionsQuery = z.strictObject({
  status: z.enum(EXECUTION_STATUSES).optional(),
  flowId: FlowId.optional(),
  eventId: z.string().min(1).max(64).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  cursor: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type ListExecutionsQuery = z.infer<typeof ListExecutionsQuery>;

export const RetryBody = z.strictObject({
  from: z.enum(['failed-step', 'start']).default('failed-step'),
  version: z.enum(['original', 'current']).default('original'),
});

export const ReplayFilter = z.strictObject({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  eventTypes: z.array(z.string().min(1).max(100)).max(50).optional(),
  /** At most this many events (newest first within the range are NOT implied: oldest first). */
  limit: z.number().int().min(1).max(100_000).default(10_000),
});
export type ReplayFilter = z.infer<typeof ReplayFilter>;

export const ReplayView = z.object({
  id: z.string(),
  flowId: z.string(),
  filter: z.unknown(),
  status: z.enum(['running', 'succeeded', 'failed']),
  scanned: z.number().int(),
  executions: z.number().int(),
  error: z.string().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});

export const FlowStats = z.object({
  last24h: z.record(z.string(), z.number().int()),
  skippedLast24h: z.number().int(),
  recent: z.array(ExecutionSummary),
});
