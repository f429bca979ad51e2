import { keysetPage, timeRange } from '../../platform/pagination.js';
import type { JobRecords } from '../../jobs/job-records.js';
import type { JobContext } from '../../jobs/runner.js';
import type { Clock } from '../../platform/clock.js';
import { AppError, errorReason, sqlStateOf } from '../../platform/errors.js';
import {
  MAX_JSON_DEPTH,
  jsonNestingDepth,
  storableJson,
  storableText,
} from '../../platform/storable-text.js';
import { type EventProcessor, type ProcessedEvent, UnprocessableEventError } from './event-processors.js';
import type { EventsRepo, StatusUpdate, StoredEvent } from './events.repo.js';
import { eventProcessJob } from './ingestion.jobs.js';
import type { EventDetail, EventSummary, ListEventsQuery } from './ingestion.schemas.js';
import type { SourcesRepo } from './sources.repo.js';

type Deps = {
  repo: EventsRepo;
  jobs: Pick<JobRecords, 'byIds'>;
  sources: Pick<SourcesRepo, 'list'>;
  clock: Clock;
  /** Filled by features at start-up (flows, cache refresh); read at each run, so late registration works. */
  processors: readonly EventProcessor[];
};

/** Processing statuses are written in one statement per this many events, or this often, and at the end. */
const STATUS_FLUSH_EVENTS = 100;
const STATUS_FLUSH_MS = 1_000;

const summary = (e: StoredEvent): EventSummary => ({
  id: e.id,
  sourceKind: e.sourceKind,
  sourceId: e.sourceKind === 'custom' ? e.sourceKey : null,
  eventType: e.eventType,
  status: e.status,
  dedupKey: e.dedupKey,
  contentType: e.contentType,
  sizeBytes: e.body.length,
  receivedAt: e.receivedAt.toISOString(),
  processedAt: e.processedAt?.toISOString() ?? null,
});

/** Keyset cursor over (receivedAt, id), newest first; opaque to clients. */
const encodeCursor = (e: StoredEvent) =>
  Buffer.from(`${e.receivedAt.toISOString()}|${e.id}`).toString('base64url');
function decodeCursor(cursor: string): { receivedAt: Date; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const receivedAt = new Date(at ?? '');
  if (id === undefined || !/^evt_[0-9a-z]{20}$/.test(id) || Number.isNaN(receivedAt.getTime())) {
    throw new AppError('VALIDATION_FAILED', 'query.cursor: not a cursor from this API', {
      details: { field: 'cursor' },
    });
  }
  return { receivedAt, id };
}

function bodyView(body: Buffer): EventDetail['body'] {
  const text = body.toString('utf8');
  // Round-trips only when the bytes are valid UTF-8; otherwise show them losslessly as base64.
  return Buffer.from(text, 'utf8').equals(body)
    ? { encoding: 'utf8', data: text }
    : { encoding: 'base64', data: body.toString('base64') };
}

export function createEventsService(deps: Deps) {
  const { repo, clock } = deps;

  return {
    async list(
      workspaceId: string,
      q: ListEventsQuery,
    ): Promise<{ items: EventSummary[]; nextCursor: string | null }> {
      const { from, to } = timeRange(q);
      const rows = await repo.list(workspaceId, {
        sourceKey: q.source,
        eventType: q.eventType,
        status: q.status,
        from,
        to,
        before: q.cursor !== undefined ? decodeCursor(q.cursor) : undefined,
        limit: q.limit + 1,
      });
      return keysetPage(rows, q.limit, summary, encodeCursor);
    },

    async get(workspaceId: string, id: string): Promise<EventDetail> {
      const e = await repo.get(workspaceId, id);
      if (e === null) throw new AppError('NOT_FOUND', `No event ${id} in this workspace`);
      const jobs = e.jobId === null ? [] : await deps.jobs.byIds(workspaceId, [e.jobId]);
      return {
        ...summary(e),
        body: bodyView(e.body),
        headers: e.headers,
        verification: e.verification,
        lastError: e.lastError,
        jobs: jobs.map((j) => ({
          id: j.id,
          name: j.name,
          status: j.status,
          attempts: j.attempts,
          lastError: j.lastError,
          createdAt: j.createdAt.toISOString(),
          finishedAt: j.finishedAt?.toISOString() ?? null,
        })),
      };
    },

    /** Per source (Clockify, when it has sent anything, and every existing custom source). */
    async stats(workspaceId: string) {
      const bySource = await repo.stats(workspaceId);
      const names = new Map((await deps.sources.list(workspaceId)).map((s) => [s.id, s.name]));
      // A deleted source's events stay in the log until retention, but the source is gone from the stats.
      const keys = [...(bySource.has('clockify') ? ['clockify'] : []), ...names.keys()].sort();
      return keys.map((key) => {
        const c = bySource.get(key);
        const processed = c?.byStatus.get('processed') ?? 0;
        const failed = c?.byStatus.get('failed') ?? 0;
        const accepted = c?.accepted ?? 0;
        const duplicates = c?.duplicates ?? 0;
        const rejected = c?.rejected ?? 0;
        return {
          source: key,
          sourceKind: key === 'clockify' ? ('clockify' as const) : ('custom' as const),
          name: key === 'clockify' ? 'Clockify' : (names.get(key) ?? null),
          received: accepted + duplicates + rejected,
          accepted,
          duplicates,
          rejected,
          lastReceivedAt: c?.lastReceivedAt?.toISOString() ?? null,
          processed,
          failed,
          processingSuccessRate: processed + failed === 0 ? null : processed / (processed + failed),
        };
      });
    },

    /** Event types each custom source of the workspace has sent (the outbound event catalogue lists them). */
    async seenCustomTypes(workspaceId: string): Promise<{ sourceId: string; eventType: string }[]> {
      return (await repo.seenCustomTypes(workspaceId)).map((r) => ({
        sourceId: r.sourceKey,
        eventType: r.eventType,
      }));
    },

    /**
     * The workspace's newest events as processors see them (outbound previews), newest first; events whose
     * body cannot be read are left out.
     */
    async recent(workspaceId: string, limit: number): Promise<ProcessedEvent[]> {
      const out: ProcessedEvent[] = [];
      for (const e of await repo.list(workspaceId, { limit })) {
        try {
          out.push({
            id: e.id,
            workspaceId: e.workspaceId,
            sourceKind: e.sourceKind,
            sourceId: e.sourceKind === 'custom' ? e.sourceKey : null,
            eventType: storableText(e.eventType),
            payload: payloadOf(e),
            receivedAt: e.receivedAt,
          });
        } catch {
          // unreadable body: not previewable
        }
      }
      return out;
    },

    /** Events received per hour over the last `hours` hours, oldest first; the last bucket is the current hour. */
    async hourly(workspaceId: string, hours = 24) {
      const HOUR = 3_600_000;
      const current = Math.floor(clock.now().getTime() / HOUR);
      const first = current - hours + 1;
      const counts = await repo.countsByHour(workspaceId, new Date(first * HOUR));
      return {
        buckets: Array.from({ length: hours }, (_, i) => ({
          hour: new Date((first + i) * HOUR).toISOString(),
          events: counts.get(first + i) ?? 0,
        })),
      };
    },

    /**
     * Stored events as processors see them, for replays (flows): unknown ids and other workspaces' are
     * left out, and so are events that can never be processed.
     */
    async processedEvents(workspaceId: string, ids: string[]): Promise<ProcessedEvent[]> {
      if (ids.length === 0) return [];
      const byId = new Map((await repo.getMany(workspaceId, ids)).map((e) => [e.id, e]));
      return ids.flatMap((id) => {
        const e = byId.get(id);
        if (e === undefined) return [];
        try {
          return [processedEventOf(e)];
        } catch {
          return [];
        }
      });
    },

    async rejections(workspaceId: string, sourceKey: string) {
      return (await repo.listRejections(workspaceId, sourceKey)).map((r) => ({
        id: r.id,
        reason: r.reason,
        eventType: r.eventType,
        headers: r.headers as Record<string, string>,
        bodyBytes: r.bodyBytes,
        receivedAt: r.receivedAt.toISOString(),
      }));
    },

    /**
     * Job handler for event.process: hands each event of the job to every processor, in order. Events
     * already processed (by an earlier attempt) are skipped. An event that can never be processed (see
     * `cannotSucceed`: too deeply nested, a data error of the database, a stack overflow) is marked
     * `failed` with its reason at once and does not fail the job. Any other error keeps the event
     * `queued` with its error and fails the job, which is retried with backoff for the events still
     * pending (processors must be idempotent); on the last attempt those are marked failed too. Either
     * way the job's other events are processed. Statuses are written in one statement per
     * `STATUS_FLUSH_EVENTS` events or `STATUS_FLUSH_MS`, and at the end: a crash in between only means
     * those events are handed to the processors again on the retry.
     */
    async process(payload: { workspaceId: string; eventIds: string[] }, ctx: JobContext): Promise<void> {
      const events = await repo.getMany(payload.workspaceId, payload.eventIds);
      const last = ctx.attempt >= eventProcessJob.maxAttempts;
      const failures: string[] = [];
      let pending: StatusUpdate[] = [];
      let flushedAt = clock.now().getTime();
      const flush = async () => {
        await repo.setStatuses(payload.workspaceId, pending, clock.now());
        pending = [];
        flushedAt = clock.now().getTime();
      };
      for (const e of events) {
        if (e.status === 'processed' || e.status === 'skipped' || e.status === 'failed') continue;
        try {
          const event = processedEventOf(e);
          for (const p of deps.processors) await p.process(event, ctx);
          pending.push({ id: e.id, status: 'processed', error: null });
        } catch (err) {
          const message = storableText(errorReason(err));
          if (cannotSucceed(err)) {
            pending.push({ id: e.id, status: 'failed', error: message });
            ctx.log.warn({ eventId: e.id, reason: message }, 'event cannot be processed; marked failed');
          } else {
            pending.push({ id: e.id, status: last ? 'failed' : 'queued', error: message });
            failures.push(`${e.id}: ${message}`);
          }
        }
        if (pending.length >= STATUS_FLUSH_EVENTS || clock.now().getTime() - flushedAt >= STATUS_FLUSH_MS)
          await flush();
      }
      await flush();
      if (failures.length > 0) throw new Error(`${failures.length} event(s) failed: ${failures.join('; ')}`);
    },
  };
}
export type EventsService = ReturnType<typeof createEventsService>;

/** A stored event as processors see it; throws UnprocessableEventError when it can never be processed. */
function processedEventOf(e: StoredEvent): ProcessedEvent {
  return {
    id: e.id,
    workspaceId: e.workspaceId,
    sourceKind: e.sourceKind,
    sourceId: e.sourceKind === 'custom' ? e.sourceKey : null,
    eventType: storableText(e.eventType),
    payload: payloadOf(e),
    receivedAt: e.receivedAt,
  };
}

/**
 * What processors get: JSON bodies parsed, anything else the raw text (UTF-8) or base64. Every string
 * in it can be stored (NUL and unpaired surrogates become U+FFFD; the stored raw body keeps the exact
 * bytes), and JSON is nested at most MAX_JSON_DEPTH deep, so processors may walk and store it freely.
 * Ingest refuses deeper JSON; a deeper body stored before that limit existed cannot be processed.
 */
function payloadOf(e: StoredEvent): unknown {
  const text = e.body.toString('utf8');
  if (e.contentType?.includes('json')) {
    if (jsonNestingDepth(e.body, MAX_JSON_DEPTH) > MAX_JSON_DEPTH)
      throw new UnprocessableEventError(
        `the body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels (docs/ingestion.md, "Limits")`,
      );
    let parsed: unknown;
    try {
      parsed = JSON.parse(text) as unknown;
    } catch {
      return storableText(text);
    }
    return storableJson(parsed);
  }
  const v = bodyView(e.body);
  return v.encoding === 'utf8' ? storableText(v.data) : v.data;
}

/**
 * Failures that the same event would meet on every retry: the event says it cannot be processed, the
 * JavaScript stack or another engine limit ran out (RangeError), or the database refused its data
 * (SQLSTATE class 22 "data exception", 54 "program limit exceeded"). Anything else (a lost connection,
 * a timeout, an upstream error) may pass on a retry.
 */
function cannotSucceed(err: unknown): boolean {
  if (err instanceof UnprocessableEventError || err instanceof RangeError) return true;
  const state = sqlStateOf(err);
  return state !== undefined && (state.startsWith('22') || state.startsWith('54'));
}
