import { completeJobsSql, retryJobsSql } from '../../jobs/complete-sql.js';
import { insertJobsParams, insertKeyedJobsSql } from '../../jobs/insert-sql.js';
import type { Sql } from '../../store/database.js';
import { deliveryAttemptJob } from './delivery.jobs.js';
import type { StoredEndpoint } from './endpoints.repo.js';
import type { StoredMessage } from './messages.repo.js';

/**
 * The statements every delivery attempt runs, as plain SQL prepared once per connection (like the job
 * claim), not through the ORM: measured with bench/deliver.bench.ts, the ORM's per-query work was most of
 * the CPU an attempt cost. Each is ONE statement (atomic on its own, no interactive transaction):
 * - `claimForAttempts`: the messages taken by their jobs (all those of one claim), with their endpoints and
 *   signing secrets;
 * - `settleDelivered`: the attempt rows of one endpoint's delivered messages, the messages delivered, the
 *   endpoint's failure window reset and their jobs completed;
 * - `settleRetry`: likewise for failed attempts to retry: attempt rows, the messages' next attempt, the
 *   endpoints' failure windows started, their jobs requeued in the retry lane;
 * - `listReceiving` and `insertFanOut`: events' messages and their first-attempt jobs (fan-out), for
 *   several events at once.
 * Tables: `webhook_message`, `webhook_attempt`, `webhook_endpoint`, `webhook_endpoint_secret` (all owned by
 * this module).
 */
type Row = Record<string, unknown>;

const MESSAGE_COLS = `m.workspace_id, m.id, m.endpoint_id, m.unique_key, m.event_type, m.body, m.status, m.attempts,
  m.next_attempt_at, m.last_error, m.job_id, m.created_at, m.finished_at`;
const ENDPOINT_COLS = `e.workspace_id AS e_workspace_id, e.id AS e_id, e.url AS e_url, e.description AS e_description,
  e.event_types AS e_event_types, e.sources AS e_sources, e.filter AS e_filter,
  e.transformation AS e_transformation, e.headers AS e_headers, e.timeout_ms AS e_timeout_ms,
  e.rate_limit AS e_rate_limit, e.concurrency AS e_concurrency, e.status AS e_status,
  e.disabled_reason AS e_disabled_reason, e.failing_since AS e_failing_since, e.created_at AS e_created_at,
  e.updated_at AS e_updated_at`;

const date = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(v as string));

export function messageFromRow(r: Row): StoredMessage {
  return {
    workspaceId: r.workspace_id as string,
    id: r.id as string,
    endpointId: r.endpoint_id as string,
    uniqueKey: r.unique_key as string,
    eventType: r.event_type as string,
    body: r.body as string,
    status: r.status as string,
    attempts: Number(r.attempts),
    nextAttemptAt: date(r.next_attempt_at),
    lastError: (r.last_error as string | null) ?? null,
    jobId: (r.job_id as string | null) ?? null,
    createdAt: date(r.created_at)!,
    finishedAt: date(r.finished_at),
  };
}

export function endpointFromRow(r: Row, prefix = ''): StoredEndpoint {
  const v = (k: string) => r[`${prefix}${k}`];
  return {
    workspaceId: v('workspace_id') as string,
    id: v('id') as string,
    url: v('url') as string,
    description: v('description') as string,
    eventTypes: v('event_types') as string[],
    sources: v('sources') as string[],
    filter: v('filter') ?? null,
    transformation: v('transformation') ?? null,
    headers: v('headers') ?? {},
    timeoutMs: Number(v('timeout_ms')),
    rateLimit: v('rate_limit') === null ? null : Number(v('rate_limit')),
    concurrency: Number(v('concurrency')),
    status: v('status') as string,
    disabledReason: (v('disabled_reason') as string | null) ?? null,
    failingSince: date(v('failing_since')),
    createdAt: date(v('created_at'))!,
    updatedAt: date(v('updated_at'))!,
  };
}

export type ClaimedAttempt = {
  message: StoredMessage;
  /** Null when the endpoint was deleted meanwhile. */
  endpoint: StoredEndpoint | null;
  /** Encrypted signing secrets: the current one(s) first, then those in their grace period, newest first. */
  secretsEncrypted: string[];
};

export type DeliveredAttempt = {
  workspaceId: string;
  id: string;
  messageId: string;
  endpointId: string;
  attemptedAt: Date;
  status: number | null;
  latencyMs: number;
  responseHeaders: Record<string, string> | null;
  responseBody: string | null;
  address: string | null;
};

/**
 * $1 workspace ids, $2 message ids, $3 job ids (one row per attempt), $4 the time secrets must sign at.
 * The pending messages each job owns: the fan-out wrote the job's id with the message, so only a message
 * no job owns yet (one created without its job) is written to; the others are read.
 * An endpoint's columns and signing secrets come once, on the first row of its messages (`first`); the
 * other rows of that endpoint carry NULLs there. A claim takes ~25 messages of a few endpoints: reading
 * and parsing the endpoint and its secrets for every message was most of what the statement returned.
 * On a first row whose `e_id` is NULL, the endpoint was deleted.
 */
const CLAIM_SQL = `
  WITH req AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS u(workspace_id, id, job_id)
  ),
  taken AS (
    UPDATE webhook_message w SET job_id = req.job_id
    FROM req
    WHERE w.workspace_id = req.workspace_id AND w.id = req.id AND w.status = 'pending' AND w.job_id IS NULL
    RETURNING w.*
  ),
  m AS (
    SELECT t.*, row_number() OVER (PARTITION BY t.workspace_id, t.endpoint_id) = 1 AS first FROM (
      SELECT * FROM taken
      UNION ALL
      SELECT w.* FROM webhook_message w JOIN req ON w.workspace_id = req.workspace_id AND w.id = req.id
      WHERE w.status = 'pending' AND w.job_id = req.job_id
    ) t
  )
  SELECT ${MESSAGE_COLS}, m.first, ${ENDPOINT_COLS},
    CASE WHEN m.first THEN
      (SELECT COALESCE(array_agg(s.secret_encrypted ORDER BY (s.expires_at IS NOT NULL), s.created_at DESC, s.id DESC),
                       '{}'::text[])
       FROM webhook_endpoint_secret s
       WHERE s.workspace_id = m.workspace_id AND s.endpoint_id = m.endpoint_id
         AND (s.expires_at IS NULL OR s.expires_at > $4::timestamptz)) END AS secrets
  FROM m LEFT JOIN webhook_endpoint e ON m.first AND e.id = m.endpoint_id AND e.workspace_id = m.workspace_id`;

/**
 * The claim read of `delivery.attempt` (src/jobs/claim.ts `ClaimRead`): in the job claim's own statement,
 * each scheduled attempt job's message, when the fan-out (or a retry) left it pending and owned by that job,
 * with its endpoint and all its signing secrets with their expiry (the caller keeps those signing at its
 * clock's time). As in CLAIM_SQL, an endpoint and its secrets come once, on the first of its messages. A
 * job that finds nothing here (a message no job owns yet, a manual attempt) takes it with `claimForAttempts`.
 */
export const attemptClaimRead = (jobs: string): string => `
  SELECT t.job_id, jsonb_build_object(
    'message', to_jsonb(t.w),
    'first', t.first,
    'endpoint', CASE WHEN t.first THEN (
      SELECT to_jsonb(e) FROM webhook_endpoint e WHERE e.workspace_id = (t.w).workspace_id AND e.id = (t.w).endpoint_id) END,
    'secrets', CASE WHEN t.first THEN (
      SELECT COALESCE(jsonb_agg(jsonb_build_array(s.secret_encrypted, s.expires_at)
                                ORDER BY (s.expires_at IS NOT NULL), s.created_at DESC, s.id DESC), '[]'::jsonb)
      FROM webhook_endpoint_secret s
      WHERE s.workspace_id = (t.w).workspace_id AND s.endpoint_id = (t.w).endpoint_id) END
  ) AS data
  FROM (
    SELECT j.id AS job_id, w,
           row_number() OVER (PARTITION BY w.workspace_id, w.endpoint_id ORDER BY j.id) = 1 AS first
    FROM ${jobs} j
    JOIN webhook_message w ON w.id = j.payload->>'messageId' AND w.workspace_id = j.payload->>'workspaceId'
    WHERE w.status = 'pending' AND w.job_id = j.id AND j.payload->>'manual' IS DISTINCT FROM 'true'
  ) t`;

type ReadRow = {
  message: Row;
  first: boolean;
  endpoint: Row | null;
  secrets: [string, string | null][] | null;
};

/**
 * The attempts the claim read found (`attemptClaimRead`), keyed by message id, with the secrets signing at
 * `at`. Jobs without a read are absent; so is every job of an endpoint whose first row is not among them
 * (it cannot be, as one claim returns all of them, but a caller handing a part over looks it up itself).
 */
export function attemptsFromClaimReads(
  reads: readonly { jobId: string; read: unknown }[],
  at: Date,
): Map<string, ClaimedAttempt> {
  const rows = reads.flatMap((r) => (isReadRow(r.read) ? [r.read] : []));
  const endpointsOf = new Map<string, { endpoint: StoredEndpoint | null; secretsEncrypted: string[] }>();
  const keyOf = (m: Row) => `${m.workspace_id as string} ${m.endpoint_id as string}`;
  for (const r of rows)
    if (r.first)
      endpointsOf.set(keyOf(r.message), {
        endpoint: r.endpoint === null ? null : endpointFromRow(r.endpoint),
        secretsEncrypted: (r.secrets ?? [])
          .filter(([, expires]) => expires === null || new Date(expires).getTime() > at.getTime())
          .map(([secret]) => secret),
      });
  const claimed = new Map<string, ClaimedAttempt>();
  for (const r of rows) {
    const of = endpointsOf.get(keyOf(r.message));
    if (of === undefined) continue;
    const message = messageFromRow(r.message);
    claimed.set(message.id, { message, ...of });
  }
  return claimed;
}

const isReadRow = (v: unknown): v is ReadRow =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as ReadRow).message === 'object' &&
  (v as ReadRow).message !== null;

/**
 * One array element per delivered attempt: $1 workspace, $2 endpoint, $3 attempt id, $4 message id,
 * $5 attempted at, $6 HTTP status, $7 latency ms, $8 response headers (JSON text), $9 response body,
 * $10 address, $11 job id and $12 the worker holding its lease (null: no job to complete).
 * The endpoints to reset are locked in id order first, then the jobs' concurrency slots in key order
 * (complete-sql.ts), so two of these statements never deadlock.
 */
const SETTLE_DELIVERED_SQL = `
  WITH src AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::int[],
                         $8::text[], $9::text[], $10::text[], $11::text[], $12::text[])
      AS u(workspace_id, endpoint_id, id, message_id, attempted_at, status, latency_ms, response_headers,
           response_body, address, job_id, worker_id)
  ),
  a AS (
    INSERT INTO webhook_attempt (workspace_id, id, message_id, endpoint_id, attempted_at, status, latency_ms,
                                 response_headers, response_body, error_class, error, address, trigger)
    SELECT workspace_id, id, message_id, endpoint_id, attempted_at::timestamptz, status, latency_ms,
           response_headers::jsonb, response_body, NULL, NULL, address, 'scheduled'
    FROM src
    RETURNING 1
  ),
  m AS (
    UPDATE webhook_message w SET status = 'delivered', attempts = w.attempts + 1, next_attempt_at = NULL,
                                 finished_at = src.attempted_at::timestamptz, last_error = NULL
    FROM src
    WHERE w.workspace_id = src.workspace_id AND w.id = src.message_id
    RETURNING 1
  ),
  failing AS MATERIALIZED (
    SELECT e.workspace_id, e.id FROM webhook_endpoint e
    WHERE (e.workspace_id, e.id) IN (SELECT workspace_id, endpoint_id FROM src) AND e.failing_since IS NOT NULL
    ORDER BY e.id
    FOR UPDATE
  ),
  h AS (
    UPDATE webhook_endpoint e SET failing_since = NULL
    FROM failing f WHERE e.workspace_id = f.workspace_id AND e.id = f.id
    RETURNING 1
  ),
  ${completeJobsSql('done', 'SELECT job_id, worker_id FROM src WHERE job_id IS NOT NULL AND (SELECT count(*) FROM h) >= 0', { keep: false })}
  SELECT COALESCE((SELECT array_agg(id) FROM done), '{}'::text[]) AS completed`;

/** One message of an event's fan-out (see `insertFanOut`). */
export type FanOutRow = {
  workspaceId: string;
  /** The event's: `(endpoint, unique key)` is unique. */
  uniqueKey: string;
  eventType: string;
  createdAt: Date;
  id: string;
  endpointId: string;
  body: string;
  /** `failed`: its transformation failed for this event (recorded, never sent). */
  status: 'pending' | 'failed';
  lastError: string | null;
  /** Enabled: a first-attempt job now. Otherwise (paused) the message is parked without one. */
  enabled: boolean;
  concurrency: number;
  jobId: string;
};

/** $1 workspace ids: the endpoints of all of them. */
const LIST_RECEIVING_SQL = `
  SELECT ${ENDPOINT_COLS} FROM webhook_endpoint e
  WHERE e.workspace_id = ANY($1::text[]) AND e.status IN ('enabled', 'paused')
  ORDER BY e.created_at, e.id`;

/**
 * One array element per message, of any events: $1 workspace, $2 unique key, $3 event type, $4 created at,
 * $5… the message's columns; the job fragment's parameters after them. A message whose (endpoint, unique
 * key) exists already is skipped, and so is its job.
 */
const FAN_OUT_SQL = `
  WITH src AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                         $8::text[], $9::text[], $10::bool[], $11::int[], $12::text[])
      AS u(workspace_id, unique_key, event_type, created_at, id, endpoint_id, body, status, last_error, enabled,
           conc, job_id)
  ),
  ins AS (
    INSERT INTO webhook_message (workspace_id, id, endpoint_id, unique_key, event_type, body, status, last_error,
                                 next_attempt_at, created_at, finished_at, job_id)
    SELECT workspace_id, id, endpoint_id, unique_key, event_type, body, status, last_error,
           CASE WHEN status = 'failed' OR NOT enabled THEN NULL ELSE created_at::timestamptz END,
           created_at::timestamptz, CASE WHEN status = 'failed' THEN created_at::timestamptz END,
           CASE WHEN status = 'pending' AND enabled THEN job_id END
    FROM src
    ON CONFLICT (endpoint_id, unique_key) DO NOTHING
    RETURNING id
  ),
  jobs AS (${insertKeyedJobsSql(
    `SELECT src.job_id AS id, src.workspace_id,
            jsonb_build_object('workspaceId', src.workspace_id, 'messageId', src.id) AS payload,
            'endpoint:' || src.endpoint_id AS fair_key, 'endpoint:' || src.endpoint_id AS concurrency_key,
            src.conc AS concurrency_limit, NULL::text AS dedupe_key
     FROM ins JOIN src ON src.id = ins.id
     WHERE src.status = 'pending' AND src.enabled`,
    13,
  )})
  SELECT id FROM ins`;

export type FailedAttempt = DeliveredAttempt & { errorClass: string; error: string | null };

/**
 * One array element per failed attempt to retry: $1 workspace, $2 endpoint, $3 attempt id, $4 message id,
 * $5 attempted at, $6 HTTP status, $7 latency ms, $8 response headers (JSON text), $9 response body,
 * $10 address, $11 error class, $12 error, $13 next attempt at, $14 the message's last error, $15 job id
 * and $16 the worker holding its lease (null: no job to requeue). Endpoints whose failure window starts
 * are locked in id order first, then the jobs' slots in key order (complete-sql.ts).
 * Returns per attempt its endpoint's failure window start and whether its job was requeued.
 */
const SETTLE_RETRY_SQL = `
  WITH src AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::int[],
                         $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[],
                         $15::text[], $16::text[])
      AS u(workspace_id, endpoint_id, id, message_id, attempted_at, status, latency_ms, response_headers,
           response_body, address, error_class, error, next_attempt_at, last_error, job_id, worker_id)
  ),
  a AS (
    INSERT INTO webhook_attempt (workspace_id, id, message_id, endpoint_id, attempted_at, status, latency_ms,
                                 response_headers, response_body, error_class, error, address, trigger)
    SELECT workspace_id, id, message_id, endpoint_id, attempted_at::timestamptz, status, latency_ms,
           response_headers::jsonb, response_body, error_class, error, address, 'scheduled'
    FROM src
    RETURNING 1
  ),
  m AS (
    UPDATE webhook_message w SET attempts = w.attempts + 1, next_attempt_at = src.next_attempt_at::timestamptz,
                                 last_error = src.last_error
    FROM src
    WHERE w.workspace_id = src.workspace_id AND w.id = src.message_id
    RETURNING 1
  ),
  healthy AS MATERIALIZED (
    SELECT e.workspace_id, e.id FROM webhook_endpoint e
    WHERE (e.workspace_id, e.id) IN (SELECT workspace_id, endpoint_id FROM src) AND e.failing_since IS NULL
    ORDER BY e.id
    FOR UPDATE
  ),
  f AS (
    UPDATE webhook_endpoint e SET failing_since = (
      SELECT min(s.attempted_at::timestamptz) FROM src s WHERE s.workspace_id = e.workspace_id AND s.endpoint_id = e.id)
    FROM healthy h WHERE e.workspace_id = h.workspace_id AND e.id = h.id
    RETURNING e.workspace_id, e.id, e.failing_since
  ),
  ${retryJobsSql(
    'requeued',
    `SELECT job_id, worker_id, next_attempt_at::timestamptz, last_error FROM src
     WHERE job_id IS NOT NULL AND (SELECT count(*) FROM f) >= 0`,
  )}
  SELECT src.id, COALESCE(f.failing_since, e.failing_since) AS since,
         src.job_id IN (SELECT id FROM requeued) AS requeued
  FROM src
  LEFT JOIN f ON f.workspace_id = src.workspace_id AND f.id = src.endpoint_id
  LEFT JOIN webhook_endpoint e ON e.workspace_id = src.workspace_id AND e.id = src.endpoint_id`;

export function createHotPathRepo(sql: Pick<Sql, 'prepared' | 'textArray'>) {
  /** $1–$10 of both settle statements: the attempt rows' columns, one array each. */
  const attemptColumns = (attempts: readonly DeliveredAttempt[]): unknown[] => {
    const col = (f: (a: DeliveredAttempt) => string | null) => sql.textArray(attempts.map(f));
    return [
      col((a) => a.workspaceId),
      col((a) => a.endpointId),
      col((a) => a.id),
      col((a) => a.messageId),
      col((a) => a.attemptedAt.toISOString()),
      attempts.map((a) => a.status),
      attempts.map((a) => a.latencyMs),
      col((a) => (a.responseHeaders === null ? null : JSON.stringify(a.responseHeaders))),
      col((a) => a.responseBody),
      col((a) => a.address),
    ];
  };
  return {
    /** Endpoints that take new messages (enabled or paused), for fan-out, of each workspace asked for. */
    async listReceiving(workspaceIds: readonly string[]): Promise<Map<string, StoredEndpoint[]>> {
      const out = new Map<string, StoredEndpoint[]>(workspaceIds.map((w) => [w, []]));
      if (workspaceIds.length === 0) return out;
      const rows = await sql.prepared<Row>('delivery_receiving_v2', LIST_RECEIVING_SQL, [
        sql.textArray([...new Set(workspaceIds)]),
      ]);
      for (const r of rows) out.get(r.e_workspace_id as string)?.push(endpointFromRow(r, 'e_'));
      return out;
    },
    /**
     * Events' messages and, for those created on enabled endpoints, their first-attempt jobs (the same
     * as `enqueue` with the endpoint as fairness and concurrency key), in one statement. Returns the ids
     * of the messages created.
     */
    async insertFanOut(rows: readonly FanOutRow[]): Promise<Set<string>> {
      if (rows.length === 0) return new Set();
      const col = (f: (r: FanOutRow) => string | null) => sql.textArray(rows.map(f));
      const out = await sql.prepared<{ id: string }>('delivery_fan_out_v5', FAN_OUT_SQL, [
        col((r) => r.workspaceId),
        col((r) => r.uniqueKey),
        col((r) => r.eventType),
        col((r) => r.createdAt.toISOString()),
        col((r) => r.id),
        col((r) => r.endpointId),
        col((r) => r.body),
        col((r) => r.status),
        col((r) => r.lastError),
        rows.map((r) => r.enabled),
        rows.map((r) => r.concurrency),
        col((r) => r.jobId),
        ...insertJobsParams(deliveryAttemptJob),
      ]);
      return new Set(out.map((r) => r.id));
    },
    /**
     * Each scheduled attempt job takes its message (pending, owned by no job or this one), in the same
     * statement as reading the messages' endpoints and the secrets signing at `at`: one statement for all
     * the attempts one claim returned. Keyed by message id; a message another job owns, or delivered or
     * failed, is absent.
     */
    async claimForAttempts(
      attempts: readonly { workspaceId: string; messageId: string; jobId: string }[],
      at: Date,
    ): Promise<Map<string, ClaimedAttempt>> {
      if (attempts.length === 0) return new Map();
      const rows = await sql.prepared<Row>('delivery_claim_v4', CLAIM_SQL, [
        sql.textArray(attempts.map((a) => a.workspaceId)),
        sql.textArray(attempts.map((a) => a.messageId)),
        sql.textArray(attempts.map((a) => a.jobId)),
        at.toISOString(),
      ]);
      // Each endpoint (and its secrets) from the first row of its messages.
      const endpointsOf = new Map<string, { endpoint: StoredEndpoint | null; secretsEncrypted: string[] }>();
      for (const r of rows)
        if (r.first === true)
          endpointsOf.set(`${r.workspace_id as string} ${r.endpoint_id as string}`, {
            endpoint: r.e_id === null || r.e_id === undefined ? null : endpointFromRow(r, 'e_'),
            secretsEncrypted: (r.secrets as string[] | null) ?? [],
          });
      const claimed = new Map<string, ClaimedAttempt>();
      for (const r of rows) {
        const of = endpointsOf.get(`${r.workspace_id as string} ${r.endpoint_id as string}`);
        claimed.set(r.id as string, {
          message: messageFromRow(r),
          endpoint: of?.endpoint ?? null,
          secretsEncrypted: of?.secretsEncrypted ?? [],
        });
      }
      return claimed;
    },
    /**
     * Delivered scheduled attempts (any endpoints): attempt rows, messages delivered, endpoints healthy, and
     * the attempts' jobs completed for the worker holding each one's lease — one statement. Returns, per
     * attempt, whether it completed its job.
     */
    async settleDelivered(
      attempts: readonly (DeliveredAttempt & { jobId: string | null; workerId: string | null })[],
    ): Promise<boolean[]> {
      if (attempts.length === 0) return [];
      const col = (f: (a: (typeof attempts)[number]) => string | null) => sql.textArray(attempts.map(f));
      const rows = await sql.prepared<{ completed: string[] | null }>(
        'delivery_settle_ok_v4',
        SETTLE_DELIVERED_SQL,
        [...attemptColumns(attempts), col((a) => a.jobId), col((a) => a.workerId)],
      );
      const completed = new Set(rows[0]?.completed ?? []);
      return attempts.map((a) => a.jobId !== null && completed.has(a.jobId));
    },
    /**
     * Failed scheduled attempts that will be retried (any endpoints): attempt rows, messages' next attempt,
     * endpoints' failure windows started unless they run already, and the jobs requeued in the retry lane
     * for the worker holding each one's lease — one statement. Returns per attempt the failure window's
     * start and whether its job was requeued.
     */
    async settleRetry(
      attempts: readonly (FailedAttempt & {
        nextAttemptAt: Date;
        lastError: string;
        jobId: string | null;
        workerId: string | null;
      })[],
    ): Promise<{ since: Date | null; requeued: boolean }[]> {
      if (attempts.length === 0) return [];
      const col = (f: (a: (typeof attempts)[number]) => string | null) => sql.textArray(attempts.map(f));
      const rows = await sql.prepared<{ id: string; since: unknown; requeued: boolean | null }>(
        'delivery_settle_retry_v2',
        SETTLE_RETRY_SQL,
        [
          ...attemptColumns(attempts),
          col((a) => a.errorClass),
          col((a) => a.error),
          col((a) => a.nextAttemptAt.toISOString()),
          col((a) => a.lastError),
          col((a) => a.jobId),
          col((a) => a.workerId),
        ],
      );
      const byId = new Map(rows.map((r) => [r.id, r]));
      return attempts.map((a) => {
        const r = byId.get(a.id);
        return { since: date(r?.since), requeued: r?.requeued === true };
      });
    },
  };
}
export type HotPathRepo = ReturnType<typeof createHotPathRepo>;
