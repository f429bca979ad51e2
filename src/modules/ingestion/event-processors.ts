import type { JobContext } from '../../jobs/runner.js';

/**
 * An accepted inbound event, as the features that react to events see it. The ingestion feature
 * stores events and, in a job, hands each one to every registered processor (flows, cache refresh, …).
 */
export type ProcessedEvent = {
  id: string;
  workspaceId: string;
  sourceKind: 'clockify' | 'custom';
  /** The custom source's id; null for Clockify events. */
  sourceId: string | null;
  /** Clockify event type (e.g. NEW_PROJECT) or the custom source's event type, if it has one. */
  eventType: string;
  payload: unknown;
  receivedAt: Date;
};

/** Must be safe to run twice for the same event (jobs are at-least-once). */
export type EventProcessor = {
  name: string;
  process(event: ProcessedEvent, ctx: JobContext): Promise<void>;
};

/**
 * Thrown (by a processor, or while preparing an event for them) when this event can never be processed:
 * retrying cannot help, so the event is marked `failed` at once with this message.
 */
export class UnprocessableEventError extends Error {
  override readonly name = 'UnprocessableEventError';
}
