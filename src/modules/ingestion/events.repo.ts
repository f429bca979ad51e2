import type { Prisma, PrismaClient } from '../../generated/prisma/client.js';
import type { JobDefinition } from '../../jobs/catalog.js';
import { insertJobsParams, insertJobsSql } from '../../jobs/insert-sql.js';
import { newId, newSortableId } from '../../platform/ids.js';
import type { Sql } from '../../store/database.js';
import type { Tx } from '../../store/tx.js';

export type SourceKind = 'clockify' | 'custom';
export type EventStatus = 'queued' | 'processed' | 'failed' | 'skipped';

/** An event ready to be stored: verified, with its dedup key. */
export type NewEvent = {
  workspaceId: string;
  sourceKind: SourceKind;
  /** 'clockify', or the custom source's id. */
  sourceKey: string;
  eventType: string;
  dedupKey: string;
  contentType: string | null;
  body: Buffer;
  headers: Record<string, string>;
  verification: Record<string, unknown>;
  receivedAt: Date;
};

export type InsertOutcome =
  | { kind: 'accepted'; eventId: string; jobId: string | null }
  | { kind: 'duplicate'; eventId: string }
  /** The workspace was deleted or the source disabled/removed between the lookup and the insert. */
  | { kind: 'gone' };

/** A stored event: what was received, plus its id and processing state. */
export type StoredEvent = NewEvent & {
  id: string;
  status: EventStatus;
  jobId: string | null;
  processedAt: Date | null;
  lastError: string | null;
};

export type EventFilter = {
  sourceKey?: string;
  eventType?: string;
  status?: EventStatus;
  from?: Date;
  to?: Date;
  /** Keyset cursor: events strictly older than (receivedAt, id). */
  before?: { receivedAt: Date; id: string };
  limit: number;
};

/**
 * The hot statement (see insertBatch), prepared once per connection. It writes the events and their jobs,
 * nothing else: accepted counts are the stored events themselves (see stats), so no counter is touched
 * on the request path. The batch travels column by column
 * as arrays, which a server receives in binary form (store/pg-binary-array.ts): the raw bodies as bytes,
 * no base64, no JSON document to parse, no escaping in the driver.
 */
const INSERT_BATCH_NAME = 'ingest_insert_batch_v6';
/**
 * `liveWorkspaces` is the installations module's SELECT (installations.repo.ts, liveWorkspacesSql): the
 * text that reads `installation` lives with its owner; this statement only embeds it.
 */
const insertBatchSql = (liveWorkspaces: string) => `
        WITH input AS (
          SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                               $8::bytea[], $9::text[], $10::text[], $11::text[], $12::text[])
            AS u(id, workspace_id, source_kind, source_key, event_type, dedup_key, content_type,
                 body, headers, verification, job_id, received_at)
        ),
        ws AS (${liveWorkspaces}),
        -- Whether the workspace (and custom source) may store, checked once per distinct pair in the batch.
        ok AS (
          SELECT p.workspace_id, p.source_kind, p.source_key, ws.active
          FROM (SELECT DISTINCT workspace_id, source_kind, source_key FROM input) p
          JOIN ws ON ws.workspace_id = p.workspace_id
          LEFT JOIN webhook_source s
            ON p.source_kind = 'custom' AND s.id = p.source_key AND s.workspace_id = p.workspace_id
          WHERE p.source_kind = 'clockify' OR (s.enabled AND ws.accept_custom)
        ),
        eligible AS (
          SELECT u.*, ok.active FROM input u JOIN ok USING (workspace_id, source_kind, source_key)
        ),
        ins AS (
          INSERT INTO webhook_event (workspace_id, id, source_kind, source_key, event_type, dedup_key, content_type,
                                     body, headers, verification, status, job_id, received_at)
          SELECT workspace_id, id, source_kind, source_key, event_type, dedup_key, content_type,
                 body, headers::jsonb, verification::jsonb,
                 CASE WHEN active THEN 'queued' ELSE 'skipped' END, CASE WHEN active THEN job_id END,
                 received_at::timestamptz
          FROM eligible
          ON CONFLICT (workspace_id, source_key, dedup_key) DO NOTHING
          RETURNING id, workspace_id, job_id
        ),
        -- One event.process job per workspace per batch, not one per event: a job row and its five index
        -- entries per event cost more than the event itself (bench/ingest.bench.ts, docs/ingestion.md).
        jobs AS (${insertJobsSql(
          `SELECT job_id AS id, workspace_id,
                  jsonb_build_object('workspaceId', workspace_id, 'eventIds', jsonb_agg(id)) AS payload
           FROM ins WHERE job_id IS NOT NULL
           GROUP BY job_id, workspace_id`,
          13,
        )})
        SELECT id, job_id FROM ins`;

/** Moves up to $1 pending counter increments into the totals, in one statement (so exactly once). */
const FOLD_STATS = `
        WITH picked AS (
          SELECT workspace_id, id FROM webhook_source_stats_delta
          ORDER BY workspace_id, id LIMIT $1 FOR UPDATE SKIP LOCKED
        ),
        moved AS (
          DELETE FROM webhook_source_stats_delta d USING picked p
          WHERE d.workspace_id = p.workspace_id AND d.id = p.id
          RETURNING d.workspace_id, d.source_key, d.accepted, d.duplicates, d.rejected, d.last_received_at
        ),
        sums AS (
          SELECT workspace_id, source_key, sum(accepted) AS accepted, sum(duplicates) AS duplicates,
                 sum(rejected) AS rejected, max(last_received_at) AS last
          FROM moved GROUP BY workspace_id, source_key
          ORDER BY workspace_id, source_key
        ),
        upserted AS (
          INSERT INTO webhook_source_stats AS s (workspace_id, source_key, accepted, duplicates, rejected, last_received_at)
          SELECT workspace_id, source_key, accepted, duplicates, rejected, last FROM sums
          ON CONFLICT (workspace_id, source_key) DO UPDATE SET
            accepted = s.accepted + EXCLUDED.accepted,
            duplicates = s.duplicates + EXCLUDED.duplicates,
            rejected = s.rejected + EXCLUDED.rejected,
            last_received_at = GREATEST(s.last_received_at, EXCLUDED.last_received_at)
          RETURNING 1
        )
        SELECT count(*)::int AS n FROM moved`;

const SET_STATUSES_NAME = 'webhook_event_set_statuses_v1';
const SET_STATUSES = `
        UPDATE webhook_event e
        SET status = u.status,
            processed_at = CASE WHEN u.status IN ('processed', 'failed') THEN $5::timestamptz END,
            last_error = u.error
        FROM unnest($2::text[], $3::text[], $4::text[]) AS u(id, status, error)
        WHERE e.workspace_id = $1 AND e.id = u.id`;

const GET_MANY_NAME = 'webhook_event_get_many_v1';
const GET_MANY = `
        SELECT id, workspace_id, source_kind, source_key, event_type, dedup_key, content_type, body, headers,
               verification, status, job_id, received_at, processed_at, last_error
        FROM webhook_event WHERE workspace_id = $1 AND id = ANY($2::text[]) ORDER BY id`;

/** A webhook_event row as plain SQL returns it (PGlite gives bytea as Uint8Array, pg as Buffer). */
type EventRow = {
  id: string;
  workspace_id: string;
  source_kind: string;
  source_key: string;
  event_type: string;
  dedup_key: string;
  content_type: string | null;
  body: Uint8Array;
  headers: Record<string, string>;
  verification: Record<string, unknown>;
  status: string;
  job_id: string | null;
  received_at: Date;
  processed_at: Date | null;
  last_error: string | null;
};

const fromRow = (row: EventRow): StoredEvent => ({
  id: row.id,
  workspaceId: row.workspace_id,
  sourceKind: row.source_kind as SourceKind,
  sourceKey: row.source_key,
  eventType: row.event_type,
  dedupKey: row.dedup_key,
  contentType: row.content_type,
  body: Buffer.isBuffer(row.body)
    ? row.body
    : Buffer.from(row.body.buffer, row.body.byteOffset, row.body.byteLength),
  headers: row.headers,
  verification: row.verification,
  status: row.status as EventStatus,
  jobId: row.job_id,
  receivedAt: new Date(row.received_at),
  processedAt: row.processed_at === null ? null : new Date(row.processed_at),
  lastError: row.last_error,
});

export type StatusUpdate = { id: string; status: EventStatus; error: string | null };

type BatchSql = Pick<Sql, 'prepared' | 'textArray' | 'byteaArray'>;

export function createEventsRepo(
  db: PrismaClient,
  sql: BatchSql,
  fragments: {
    /** SQL selecting (workspace_id, active, accept_custom) of live installations among the given ids. */
    liveWorkspaces: (workspaceIds: string) => string;
  },
) {
  const INSERT_BATCH = insertBatchSql(fragments.liveWorkspaces('SELECT workspace_id FROM input'));
  return {
    /**
     * Stores a batch of events and their event.process jobs in ONE statement (so one implicit
     * transaction, one round trip, one commit for the whole batch: group commit). Whether a row may be stored is re-checked here against the live installation and source,
     * so the in-memory caches in front of it can only ever be too permissive for a moment, never store
     * an event for a deleted workspace or a disabled source. Inactive workspaces: stored as `skipped`,
     * no job. Conflicts on (workspace, source, dedup key) are duplicates: looked up afterwards, because
     * a row committed by a concurrent batch is invisible to this statement's snapshot.
     */
    async insertBatch(events: NewEvent[], job: JobDefinition): Promise<InsertOutcome[]> {
      if (events.length === 0) return [];
      const ids = events.map(() => newSortableId('evt'));
      // Every event of one workspace in this batch shares that workspace's job.
      const jobOf = new Map<string, string>();
      const jobIds = events.map((e) => {
        let id = jobOf.get(e.workspaceId);
        if (id === undefined) jobOf.set(e.workspaceId, (id = newSortableId('job')));
        return id;
      });
      const text = (f: (e: NewEvent) => string) => sql.textArray(events.map(f));
      const inserted = await sql.prepared<{ id: string; job_id: string | null }>(
        INSERT_BATCH_NAME,
        INSERT_BATCH,
        [
          sql.textArray(ids),
          text((e) => e.workspaceId),
          text((e) => e.sourceKind),
          text((e) => e.sourceKey),
          text((e) => e.eventType),
          text((e) => e.dedupKey),
          sql.textArray(events.map((e) => e.contentType)),
          sql.byteaArray(events.map((e) => e.body)),
          text((e) => JSON.stringify(e.headers)),
          text((e) => JSON.stringify(e.verification)),
          sql.textArray(jobIds),
          text((e) => e.receivedAt.toISOString()),
          ...insertJobsParams(job),
        ],
      );
      const byId = new Map(inserted.map((r) => [r.id, r.job_id]));
      const outcomes: (InsertOutcome | undefined)[] = ids.map((id) =>
        byId.has(id) ? { kind: 'accepted', eventId: id, jobId: byId.get(id) ?? null } : undefined,
      );
      const missing = events.filter((_, i) => outcomes[i] === undefined);
      if (missing.length > 0) {
        const found = await db.$queryRaw<
          { id: string; workspace_id: string; source_key: string; dedup_key: string }[]
        >`
          SELECT e.id, e.workspace_id, e.source_key, e.dedup_key
          FROM webhook_event e
          JOIN unnest(${missing.map((e) => e.workspaceId)}::text[], ${missing.map((e) => e.sourceKey)}::text[],
                      ${missing.map((e) => e.dedupKey)}::text[]) AS k(workspace_id, source_key, dedup_key)
            ON e.workspace_id = k.workspace_id AND e.source_key = k.source_key AND e.dedup_key = k.dedup_key`;
        const key = (w: string, s: string, d: string) => `${w}\u0000${s}\u0000${d}`;
        const originals = new Map(found.map((r) => [key(r.workspace_id, r.source_key, r.dedup_key), r.id]));
        const duplicates: NewEvent[] = [];
        events.forEach((e, i) => {
          if (outcomes[i] !== undefined) return;
          const original = originals.get(key(e.workspaceId, e.sourceKey, e.dedupKey));
          outcomes[i] = original === undefined ? { kind: 'gone' } : { kind: 'duplicate', eventId: original };
          if (original !== undefined) duplicates.push(e);
        });
        // Counted before they are answered; a crash in between means the sender retries and is counted then.
        if (duplicates.length > 0) {
          await db.$executeRaw`
            INSERT INTO webhook_source_stats_delta (workspace_id, source_key, duplicates, last_received_at)
            SELECT workspace_id, source_key, count(*), max(received_at)
            FROM unnest(${duplicates.map((e) => e.workspaceId)}::text[], ${duplicates.map((e) => e.sourceKey)}::text[],
                        ${duplicates.map((e) => e.receivedAt)}::timestamptz[]) AS d(workspace_id, source_key, received_at)
            GROUP BY workspace_id, source_key`;
        }
      }
      return outcomes as InsertOutcome[];
    },

    async get(workspaceId: string, id: string): Promise<StoredEvent | null> {
      const row = await db.webhookEvent.findFirst({ where: { workspaceId, id } });
      return row === null ? null : toStored(row);
    },

    async list(workspaceId: string, f: EventFilter): Promise<StoredEvent[]> {
      const rows = await db.webhookEvent.findMany({
        where: {
          workspaceId,
          ...(f.sourceKey !== undefined ? { sourceKey: f.sourceKey } : {}),
          ...(f.eventType !== undefined ? { eventType: f.eventType } : {}),
          ...(f.status !== undefined ? { status: f.status } : {}),
          receivedAt: { ...(f.from ? { gte: f.from } : {}), ...(f.to ? { lte: f.to } : {}) },
          ...(f.before
            ? {
                OR: [
                  { receivedAt: { lt: f.before.receivedAt } },
                  { receivedAt: f.before.receivedAt, id: { lt: f.before.id } },
                ],
              }
            : {}),
        },
        orderBy: [{ receivedAt: 'desc' }, { id: 'desc' }],
        take: f.limit,
      });
      return rows.map(toStored);
    },

    /** Distinct (source, event type) pairs the workspace's custom sources have sent (outbound catalogue). */
    async seenCustomTypes(
      workspaceId: string,
      limit = 1_000,
    ): Promise<{ sourceKey: string; eventType: string }[]> {
      return db.webhookEvent.findMany({
        where: { workspaceId, sourceKind: 'custom' },
        distinct: ['sourceKey', 'eventType'],
        select: { sourceKey: true, eventType: true },
        orderBy: [{ sourceKey: 'asc' }, { eventType: 'asc' }],
        take: limit,
      });
    },

    /**
     * Records what processing did to several events of one workspace, in one statement: `processed_at`
     * is set for processed and failed events, cleared otherwise; the error is kept (2 000 characters).
     */
    async setStatuses(workspaceId: string, updates: readonly StatusUpdate[], at: Date): Promise<void> {
      if (updates.length === 0) return;
      await sql.prepared(SET_STATUSES_NAME, SET_STATUSES, [
        workspaceId,
        sql.textArray(updates.map((u) => u.id)),
        sql.textArray(updates.map((u) => u.status)),
        sql.textArray(updates.map((u) => u.error?.slice(0, 2_000) ?? null)),
        at.toISOString(),
      ]);
    },

    /**
     * Deletes events (and quarantine entries) older than each workspace's retention, workspace by workspace
     * and in chunks, so it rides the (workspace_id, received_at) index and never holds long locks.
     */
    async pruneExpired(
      retention: readonly { workspaceId: string; days: number }[],
      now: Date,
      batch = 5_000,
    ): Promise<number> {
      let total = 0;
      for (const { workspaceId: ws, days } of retention) {
        const cutoff = new Date(now.getTime() - days * 86_400_000);
        for (;;) {
          // The pruned events stop being counted live: their count moves into the counters, in the same
          // statement, so "accepted" never drops when the log is pruned.
          const [row] = await db.$queryRaw<{ n: number }[]>`
            WITH gone AS (
              DELETE FROM webhook_event WHERE id IN (
                SELECT id FROM webhook_event WHERE workspace_id = ${ws} AND received_at < ${cutoff} LIMIT ${batch})
              RETURNING source_key, received_at
            ),
            counted AS (
              INSERT INTO webhook_source_stats_delta (workspace_id, source_key, accepted, last_received_at)
              SELECT ${ws}, source_key, count(*), max(received_at) FROM gone GROUP BY source_key
              RETURNING 1
            )
            SELECT count(*)::int AS n FROM gone`;
          const n = row?.n ?? 0;
          total += n;
          if (n < batch) break;
        }
        total += await db.$executeRaw`
          DELETE FROM webhook_rejection WHERE workspace_id = ${ws} AND received_at < ${cutoff}`;
      }
      return total;
    },

    /** The events of one job, in id order. Plain SQL: the bodies come back as bytes, not through Prisma. */
    async getMany(workspaceId: string, ids: string[]): Promise<StoredEvent[]> {
      const rows = await sql.prepared<EventRow>(GET_MANY_NAME, GET_MANY, [workspaceId, sql.textArray(ids)]);
      return rows.map(fromRow);
    },

    /** workspace.purge: everything the workspace's ingestion left behind. */
    async purgeWorkspace(workspaceId: string, before: Date, tx: Tx): Promise<number> {
      const events = await tx.webhookEvent.deleteMany({
        where: { workspaceId, receivedAt: { lte: before } },
      });
      const sources = await tx.webhookSource.deleteMany({
        where: { workspaceId, createdAt: { lte: before } },
      });
      const rejections = await tx.webhookRejection.deleteMany({ where: { workspaceId } });
      const stats = await tx.webhookSourceStats.deleteMany({ where: { workspaceId } });
      const deltas = await tx.webhookSourceStatsDelta.deleteMany({ where: { workspaceId } });
      return events.count + sources.count + rejections.count + stats.count + deltas.count;
    },

    /** Quarantine: keeps the last `keep` rejections per source and counts every one. */
    async recordRejection(
      input: {
        workspaceId: string;
        sourceKey: string;
        reason: string;
        eventType: string | null;
        headers: Record<string, string>;
        bodyBytes: number;
        receivedAt: Date;
      },
      keep: number,
    ): Promise<void> {
      const id = newId('rej');
      await db.$transaction([
        db.webhookRejection.create({ data: { id, ...input } }),
        db.$executeRaw`
          DELETE FROM webhook_rejection WHERE workspace_id = ${input.workspaceId} AND source_key = ${input.sourceKey}
            AND id NOT IN (SELECT id FROM webhook_rejection
                           WHERE workspace_id = ${input.workspaceId} AND source_key = ${input.sourceKey}
                           ORDER BY received_at DESC, id DESC LIMIT ${keep})`,
        db.$executeRaw`
          INSERT INTO webhook_source_stats_delta (workspace_id, source_key, rejected, last_received_at)
          VALUES (${input.workspaceId}, ${input.sourceKey}, 1, ${input.receivedAt})`,
      ]);
    },

    listRejections(workspaceId: string, sourceKey: string) {
      return db.webhookRejection.findMany({
        where: { workspaceId, sourceKey },
        orderBy: [{ receivedAt: 'desc' }, { id: 'desc' }],
      });
    },

    /**
     * Per-source figures, in one snapshot: the events still in the log (by status, and the newest), plus the
     * counters (folded totals and pending increments) of what is no longer there: pruned events, duplicates,
     * rejections.
     */
    async stats(workspaceId: string) {
      const rows = await db.$queryRaw<
        {
          sourceKey: string;
          status: string | null;
          events: bigint;
          prunedAccepted: bigint;
          duplicates: bigint;
          rejected: bigint;
          lastReceivedAt: Date | null;
        }[]
      >`
        SELECT source_key AS "sourceKey", status, sum(events)::bigint AS events, sum(accepted)::bigint AS "prunedAccepted",
               sum(duplicates)::bigint AS duplicates, sum(rejected)::bigint AS rejected, max(last_received_at) AS "lastReceivedAt"
        FROM (
          SELECT source_key, status, count(*) AS events, 0 AS accepted, 0 AS duplicates, 0 AS rejected,
                 max(received_at) AS last_received_at
          FROM webhook_event WHERE workspace_id = ${workspaceId} GROUP BY source_key, status
          UNION ALL
          SELECT source_key, NULL, 0, accepted, duplicates, rejected, last_received_at
          FROM webhook_source_stats WHERE workspace_id = ${workspaceId}
          UNION ALL
          SELECT source_key, NULL, 0, accepted, duplicates, rejected, last_received_at
          FROM webhook_source_stats_delta WHERE workspace_id = ${workspaceId}
        ) c
        GROUP BY source_key, status ORDER BY source_key, status`;
      const bySource = new Map<
        string,
        {
          accepted: number;
          duplicates: number;
          rejected: number;
          lastReceivedAt: Date | null;
          byStatus: Map<string, number>;
        }
      >();
      for (const r of rows) {
        const s = bySource.get(r.sourceKey) ?? {
          accepted: 0,
          duplicates: 0,
          rejected: 0,
          lastReceivedAt: null,
          byStatus: new Map<string, number>(),
        };
        s.accepted += Number(r.events) + Number(r.prunedAccepted);
        s.duplicates += Number(r.duplicates);
        s.rejected += Number(r.rejected);
        if (r.status !== null) s.byStatus.set(r.status, Number(r.events));
        if (r.lastReceivedAt !== null && (s.lastReceivedAt === null || r.lastReceivedAt > s.lastReceivedAt))
          s.lastReceivedAt = r.lastReceivedAt;
        bySource.set(r.sourceKey, s);
      }
      return bySource;
    },

    /**
     * Events still in the log received at or after `since`, counted per hour (hours since the epoch, UTC),
     * for the overview chart.
     */
    async countsByHour(workspaceId: string, since: Date): Promise<Map<number, number>> {
      const rows = await db.$queryRaw<{ hour: bigint; events: bigint }[]>`
        SELECT floor(extract(epoch FROM received_at) / 3600)::bigint AS hour, count(*)::bigint AS events
        FROM webhook_event WHERE workspace_id = ${workspaceId} AND received_at >= ${since}
        GROUP BY 1`;
      return new Map(rows.map((r) => [Number(r.hour), Number(r.events)]));
    },

    /**
     * webhooks.stats.fold: moves pending counter increments into the totals, `chunk` rows per statement,
     * until none is left. SKIP LOCKED lets two instances fold at once without waiting or counting twice.
     */
    async foldStats(chunk = 10_000): Promise<number> {
      let total = 0;
      for (;;) {
        const [row] = await db.$queryRawUnsafe<{ n: number }[]>(FOLD_STATS, chunk);
        total += row?.n ?? 0;
        if ((row?.n ?? 0) < chunk) return total;
      }
    },
  };
}
export type EventsRepo = ReturnType<typeof createEventsRepo>;

function toStored(row: Prisma.WebhookEventGetPayload<object>): StoredEvent {
  return {
    id: row.id,
    workspaceId: row.workspaceId,
    sourceKind: row.sourceKind as SourceKind,
    sourceKey: row.sourceKey,
    eventType: row.eventType,
    dedupKey: row.dedupKey,
    contentType: row.contentType,
    body: Buffer.from(row.body),
    headers: row.headers as Record<string, string>,
    verification: row.verification as Record<string, unknown>,
    status: row.status as EventStatus,
    jobId: row.jobId,
    receivedAt: row.receivedAt,
    processedAt: row.processedAt,
    lastError: row.lastError,
  };
}
