import type { FlowExecution, FlowReplay, FlowStep, PrismaClient } from '../../generated/prisma/client.js';
import type { JobDefinition } from '../../jobs/catalog.js';
import { completeJobsSql } from '../../jobs/complete-sql.js';
import { insertJobsParams, insertJobsSql } from '../../jobs/insert-sql.js';
import { newSortableId } from '../../platform/ids.js';
import type { Sql } from '../../store/database.js';
import type { Tx } from '../../store/tx.js';
import { createCoalescer } from '../../platform/coalescer.js';

type Db = PrismaClient | Tx;

export type StoredExecution = FlowExecution;
export type StoredStep = FlowStep;
export type StoredReplay = FlowReplay;

/** The event as an execution keeps it (replays and retries run from this, not from the event log). */
export type ExecutionEvent = {
  id: string;
  type: string;
  sourceKind: 'clockify' | 'custom';
  sourceId: string | null;
  receivedAt: string;
  payload: unknown;
};

export type NewExecution = { id: string; flowId: string; version: number };

export type ExecutionFilter = {
  status?: string | undefined;
  flowId?: string | undefined;
  eventId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  before?: { createdAt: Date; id: string } | undefined;
  limit: number;
};

/**
 * Makes the statement's commit asynchronous (`synchronous_commit = off` for its own transaction): it
 * returns without waiting for the WAL flush, which the next synchronous commit (any session's) does.
 * Only for writes whose loss in a crash of the database server itself (not of a worker) is safe, and that
 * are always followed by a synchronous commit before anything leaves the gateway: an execution's insert
 * by `event.process` (then the event's `processed` status; lost, the event is processed again,
 * deduplicated; replays' and an admin's retries commit synchronously) and a step's
 * outcome (then the job's completion, or the next step's `started` row before its call; lost, the step
 * reads `started` again: a write ends `outcome_unknown`, never sent twice). A step's `started` row is
 * never written this way: it must be on disk before its call.
 */
const ASYNC_COMMIT = `set_config('synchronous_commit', 'off', true) AS async_commit`;

const INSERT_NAME = 'flow_execution_insert_v7';
/**
 * Executions and their flow.execute jobs in ONE statement, for any number of events (the inserts of
 * concurrent event.process jobs are coalesced into one, see platform/coalescer.ts). $1: [{ workspace_id, id,
 * flow_id, version, job_id, event_id, origin, replay_of, event, at }]. Non-replays carry the event id in
 * `dedupe_event_id`, so (flow_id, dedupe_event_id) makes a second insert for the same (event, flow) a no-op
 * and its job is not inserted either. Rows go in (flow, event) order, so two batches never wait on each
 * other's keys in opposite orders.
 */
const INSERT_SQL = (job: number) => `
  WITH input AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(
      workspace_id text, id text, flow_id text, version int, job_id text, event_id text, origin text,
      replay_of text, event jsonb, at timestamptz)
  ),
  ins AS (
    INSERT INTO flow_execution (workspace_id, id, flow_id, version, event_id, dedupe_event_id, replay_of, origin,
                                status, event, created_at, updated_at)
    SELECT i.workspace_id, i.id, i.flow_id, i.version, i.event_id,
           CASE WHEN i.origin = 'event' THEN i.event_id END, i.replay_of, i.origin, 'queued', i.event, i.at, i.at
    FROM input i ORDER BY i.flow_id, i.event_id
    ON CONFLICT (flow_id, dedupe_event_id) DO NOTHING
    RETURNING id, workspace_id
  ),
  jobs AS (${insertJobsSql(
    `SELECT i.job_id AS id, ins.workspace_id,
            jsonb_build_object('workspaceId', ins.workspace_id, 'executionId', ins.id, 'flowId', i.flow_id,
                               'version', i.version) AS payload
     FROM ins JOIN input i ON i.id = ins.id`,
    job,
  )})
  SELECT id, set_config('synchronous_commit',
                        CASE WHEN $${job + 4}::boolean THEN 'off' ELSE current_setting('synchronous_commit') END, true)
  FROM ins`;

const TERMINAL_SQL = `('succeeded', 'failed', 'outcome_unknown')`;

/**
 * The statements every flow.execute job runs, in plain SQL prepared once per connection (like the job claim
 * and the delivery hot path), not through the ORM: measured with bench/flows.bench.ts, the ORM's per-query
 * work was most of an execution's CPU, and each of its updates took a transaction of three round trips.
 * A one-action execution runs `RUN_LOAD` (a read), `STEP_WRITE` (the step `started` and the execution
 * `running`, committed before the call) and `STEP_SETTLE` (the outcome and the execution's end), against
 * nine ORM statements before. Each takes a batch of rows (`jsonb_to_recordset` of one parameter): the repo
 * coalesces the calls of concurrent jobs that arrive while one is running into the next statement (one
 * round trip, one commit for all, see platform/coalescer.ts); a lone call is a batch of one and waits for nothing.
 *
 * Each also names the rows it touches as an array (`id = ANY(ARRAY(SELECT … FROM x))`): the planner takes a
 * set-returning function for 100 rows, and joined to a table of a few hundred rows that makes a sequential
 * scan look cheaper than 100 primary-key lookups, so every batch of four read the whole table (seen in
 * bench:flows with auto_explain: 3–4 ms a statement). An array of ids is an index scan at any table size.
 */
const RUN_LOAD_NAME = 'flow_run_load_v3';
/** $1: [{ ord, workspace_id, id, def }] (`def`: return the version's definition). One row per execution found. */
const RUN_LOAD_SQL = `
  SELECT x.ord, e.workspace_id, e.id, e.flow_id, e.version, e.event_id, e.status, e.event,
         v.flow_id IS NOT NULL AS version_exists,
         CASE WHEN x.def THEN v.definition END AS definition,
         COALESCE((
           SELECT json_agg(json_build_object(
                    'id', s.id, 'actionId', s.action_id, 'actionIndex', s.action_index, 'attempt', s.attempt,
                    'state', s.state, 'status', s.status, 'responseBody', s.response_body,
                    'error', s.error, 'retryAt', s.retry_at) ORDER BY s.action_index, s.attempt)
           FROM flow_step s WHERE s.execution_id = e.id AND s.workspace_id = e.workspace_id), '[]'::json) AS steps
  FROM jsonb_to_recordset($1::jsonb) AS x(ord int, workspace_id text, id text, def boolean)
  JOIN flow_execution e ON e.workspace_id = x.workspace_id AND e.id = x.id
   AND e.id = ANY(ARRAY(SELECT id FROM jsonb_to_recordset($1::jsonb) AS k(id text)))
  LEFT JOIN flow_version v ON v.flow_id = e.flow_id AND v.version = e.version AND v.workspace_id = e.workspace_id`;

/**
 * The claim read of `flow.execute` (src/jobs/claim.ts `ClaimRead`): in the job claim's own statement, what
 * RUN_LOAD reads for the job's execution, without the version's definition (the executor keeps definitions
 * in memory, and reads the run itself when it lacks one). No row when the execution is gone.
 */
export const runClaimRead = (jobs: string): string => `
  SELECT j.id, jsonb_build_object(
    'workspace_id', e.workspace_id, 'id', e.id, 'flow_id', e.flow_id, 'version', e.version,
    'event_id', e.event_id, 'status', e.status, 'event', e.event,
    'version_exists', EXISTS (SELECT 1 FROM flow_version v
                              WHERE v.flow_id = e.flow_id AND v.version = e.version AND v.workspace_id = e.workspace_id),
    'definition', NULL,
    'steps', COALESCE((
      SELECT jsonb_agg(jsonb_build_object(
               'id', s.id, 'actionId', s.action_id, 'actionIndex', s.action_index, 'attempt', s.attempt,
               'state', s.state, 'status', s.status, 'responseBody', s.response_body,
               'error', s.error, 'retryAt', s.retry_at) ORDER BY s.action_index, s.attempt)
      FROM flow_step s WHERE s.execution_id = e.id AND s.workspace_id = e.workspace_id), '[]'::jsonb))
  FROM ${jobs} j
  JOIN flow_execution e ON e.workspace_id = j.payload->>'workspaceId' AND e.id = j.payload->>'executionId'`;

/** The run state a job's claim read found (`runClaimRead`; its definition is null), or null. */
export function runStateFromClaimRead(read: unknown): RunState | null {
  if (typeof read !== 'object' || read === null || !Array.isArray((read as Row).steps)) return null;
  return runStateOf(read as Row);
}

const STEP_WRITE_NAME = 'flow_step_write_v3';
/**
 * Inserts step rows (a row that collides with a recorded step is not inserted: `inserted` false); rows
 * with `mark` make their execution `running` (started_at set once) unless it ended.
 */
const STEP_WRITE_SQL = `
  WITH x AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(
      ord int, workspace_id text, id text, execution_id text, action_id text, action_index int, attempt int,
      state text, idempotency_key text, request jsonb, error_class text, error text, started_at timestamptz,
      finished_at timestamptz, copied_from text, status int, response_body jsonb, mark boolean)
  ),
  step AS (
    INSERT INTO flow_step (workspace_id, id, execution_id, action_id, action_index, attempt, state, idempotency_key,
                           request, error_class, error, started_at, finished_at, copied_from, status,
                           response_body, body_truncated)
    SELECT workspace_id, id, execution_id, action_id, action_index, attempt, state, idempotency_key, request,
           error_class, error, started_at, finished_at, copied_from, status, response_body, false
    FROM x ORDER BY ord
    ON CONFLICT DO NOTHING
    RETURNING id
  ),
  exec AS (
    UPDATE flow_execution e SET status = 'running', started_at = COALESCE(e.started_at, x.started_at),
                                updated_at = x.started_at
    FROM x
    WHERE x.mark AND e.workspace_id = x.workspace_id AND e.id = x.execution_id
      AND e.id = ANY(ARRAY(SELECT execution_id FROM x WHERE mark))
      AND e.status NOT IN ${TERMINAL_SQL} AND e.status <> 'running'
    RETURNING e.id
  )
  SELECT x.ord, EXISTS (SELECT 1 FROM step WHERE step.id = x.id) AS inserted,
         EXISTS (SELECT 1 FROM exec WHERE exec.id = x.execution_id) AS changed
  FROM x`;

const STEP_SETTLE_NAME = 'flow_step_settle_v5';
/**
 * Records `started` steps' outcomes (each once) and, for rows with `end_status`, moves the execution to it
 * unless it ended (`end_error` when `set_error`, finished_at when `set_finished`); rows with `job_id`
 * complete that job for its lease holder `worker_id` (the last step's success: no separate completion).
 * Returns whether each step, execution and job changed.
 */
const STEP_SETTLE_SQL = `
  WITH x AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(
      ord int, workspace_id text, step_id text, execution_id text, state text, status int, response_body jsonb,
      body_truncated boolean, latency_ms int, error_class text, error text, retry_at timestamptz,
      finished_at timestamptz, end_status text, end_error text, set_error boolean, set_finished boolean,
      job_id text, worker_id text)
  ),
  step AS (
    UPDATE flow_step s SET state = x.state, status = x.status, response_body = x.response_body,
                           body_truncated = x.body_truncated, latency_ms = x.latency_ms,
                           error_class = x.error_class, error = x.error, retry_at = x.retry_at,
                           finished_at = x.finished_at
    FROM x
    WHERE s.workspace_id = x.workspace_id AND s.id = x.step_id AND s.state = 'started'
      AND s.id = ANY(ARRAY(SELECT step_id FROM x))
    RETURNING s.id
  ),
  exec AS (
    UPDATE flow_execution e SET status = x.end_status, updated_at = x.finished_at,
                                error = CASE WHEN x.set_error THEN x.end_error ELSE e.error END,
                                finished_at = CASE WHEN x.set_finished THEN x.finished_at ELSE e.finished_at END
    FROM x
    WHERE x.end_status IS NOT NULL AND e.workspace_id = x.workspace_id AND e.id = x.execution_id
      AND e.id = ANY(ARRAY(SELECT execution_id FROM x WHERE end_status IS NOT NULL))
      AND e.status NOT IN ${TERMINAL_SQL}
    RETURNING e.id
  ),
  ${completeJobsSql('done', 'SELECT job_id, worker_id FROM x WHERE job_id IS NOT NULL')}
  SELECT x.ord, EXISTS (SELECT 1 FROM step WHERE step.id = x.step_id) AS step,
         EXISTS (SELECT 1 FROM exec WHERE exec.id = x.execution_id) AS exec,
         EXISTS (SELECT 1 FROM done WHERE done.id = x.job_id) AS job, ${ASYNC_COMMIT}
  FROM x`;

const runStateOf = (r: Row): RunState => ({
  execution: {
    workspaceId: r.workspace_id as string,
    id: r.id as string,
    flowId: r.flow_id as string,
    version: Number(r.version),
    eventId: r.event_id as string,
    status: r.status as string,
    event: r.event as never,
  },
  versionExists: r.version_exists === true,
  definition: r.definition ?? null,
  steps: (r.steps as Row[]).map((s) => ({
    id: s.id as string,
    actionId: s.actionId as string,
    actionIndex: Number(s.actionIndex),
    attempt: Number(s.attempt),
    state: s.state as string,
    status: s.status === null ? null : Number(s.status),
    responseBody: (s.responseBody ?? null) as never,
    error: (s.error as string | null) ?? null,
    retryAt: s.retryAt === null ? null : new Date(s.retryAt as string),
  })),
});

const SET_STATUS_NAME = 'flow_execution_status_v1';
/** $1 workspace, $2 execution, $3 status, $4 at, $5 error, $6 set error, $7 set finished_at. */
const SET_STATUS_SQL = `
  UPDATE flow_execution SET status = $3, updated_at = $4::timestamptz,
                            error = CASE WHEN $6::boolean THEN $5 ELSE error END,
                            finished_at = CASE WHEN $7::boolean THEN $4::timestamptz ELSE finished_at END
  WHERE workspace_id = $1 AND id = $2 AND status NOT IN ${TERMINAL_SQL}
  RETURNING 1 AS changed`;

/** What a flow.execute job reads first: its execution, the version's definition and the steps so far. */
export type RunState = {
  execution: Pick<
    StoredExecution,
    'workspaceId' | 'id' | 'flowId' | 'version' | 'eventId' | 'status' | 'event'
  >;
  /** False when the recorded version no longer exists (its workspace is being purged). */
  versionExists: boolean;
  /** The version's definition, when it was asked for. */
  definition: unknown;
  steps: RunStep[];
};
export type RunStep = Pick<
  StoredStep,
  'id' | 'actionId' | 'actionIndex' | 'attempt' | 'state' | 'status' | 'responseBody' | 'error' | 'retryAt'
>;

/** An execution's next status, written with a step's outcome (`error` only when given). */
export type ExecutionEnd = { status: string; error?: string | null; finished?: boolean };

type Row = Record<string, unknown>;
const isoOrNull = (d: Date | null | undefined): string | null => (d == null ? null : d.toISOString());

/**
 * Executions, their steps, skip counters and replays (owner of `flow_execution`, `flow_step`,
 * `flow_skip_count`, `flow_replay`). Every read is scoped by workspace.
 */
export function createExecutionsRepo(db: PrismaClient, sql: Pick<Sql, 'prepared' | 'textArray'>) {
  const insertSql = INSERT_SQL(2);
  /** One coalescer per job definition (its name, attempts and lease are the statement's parameters). */
  const inserters = new Map<string, (rows: Row[]) => Promise<string[]>>();
  /** Runs a batched statement over `items` (each given its index as `ord`); its rows by `ord`. */
  const batch = async (name: string, text: string, items: Row[]): Promise<Map<number, Row>> => {
    const rows = await sql.prepared<Row>(name, text, [
      JSON.stringify(items.map((it, ord) => ({ ...it, ord }))),
    ]);
    return new Map(rows.map((r) => [Number(r.ord), r]));
  };
  const loadRun = createCoalescer<Row, RunState | null>(async (items) => {
    const rows = await batch(RUN_LOAD_NAME, RUN_LOAD_SQL, items);
    return items.map((_, i) => {
      const r = rows.get(i);
      return r === undefined ? null : runStateOf(r);
    });
  });
  const writeSteps = createCoalescer<Row, boolean>(async (items) => {
    const rows = await batch(STEP_WRITE_NAME, STEP_WRITE_SQL, items);
    return items.map((it, i) => {
      const r = rows.get(i);
      if (r?.inserted !== true)
        return new Error(
          `step ${String(it.action_index)}/${String(it.attempt)} of execution ${String(it.execution_id)} is already recorded`,
        );
      return r.changed === true;
    });
  });
  const settleSteps = createCoalescer<Row, { step: boolean; execution: boolean; job: boolean }>(
    async (items) => {
      const rows = await batch(STEP_SETTLE_NAME, STEP_SETTLE_SQL, items);
      return items.map((_, i) => ({
        step: rows.get(i)?.step === true,
        execution: rows.get(i)?.exec === true,
        job: rows.get(i)?.job === true,
      }));
    },
  );
  return {
    /** Inserts executions (and their jobs) for one event; returns the ids actually inserted. */
    async insertForEvent(
      workspaceId: string,
      event: ExecutionEvent,
      executions: readonly NewExecution[],
      origin: 'event' | 'replay' | 'retry',
      replayOf: string | null,
      job: JobDefinition,
      at: Date,
    ): Promise<string[]> {
      if (executions.length === 0) return [];
      let insert = inserters.get(job.name);
      if (insert === undefined) {
        insert = createCoalescer<Row[], string[]>(async (calls) => {
          const rows = await sql.prepared<{ id: string }>(INSERT_NAME, insertSql, [
            JSON.stringify(calls.flat()),
            ...insertJobsParams(job),
            calls.every((call) => call.every((r) => r.origin === 'event')),
          ]);
          const inserted = new Set(rows.map((r) => r.id));
          return calls.map((call) => call.map((r) => r.id as string).filter((id) => inserted.has(id)));
        });
        inserters.set(job.name, insert);
      }
      return insert(
        executions.map((e) => ({
          workspace_id: workspaceId,
          id: e.id,
          flow_id: e.flowId,
          version: e.version,
          job_id: newSortableId('job'),
          event_id: event.id,
          origin,
          replay_of: replayOf,
          event,
          at: at.toISOString(),
        })),
      );
    },

    /** Adds to today's skip counters of the flows whose conditions did not hold. */
    async countSkips(workspaceId: string, flowIds: readonly string[], day: Date): Promise<void> {
      if (flowIds.length === 0) return;
      await sql.prepared(
        'flow_skip_count_v1',
        `INSERT INTO flow_skip_count (workspace_id, flow_id, day, skipped)
         SELECT $1, f, $2::date, count(*) FROM unnest($3::text[]) AS f GROUP BY f
         ON CONFLICT (workspace_id, flow_id, day) DO UPDATE SET skipped = flow_skip_count.skipped + EXCLUDED.skipped`,
        [workspaceId, day.toISOString().slice(0, 10), sql.textArray(flowIds)],
      );
    },

    /**
     * `skipped` executions (no job, no steps) of the flows that record skips, for one event; the same
     * unique (flow, event) key as `insertForEvent`, so a second run inserts nothing. Returns the ids inserted.
     */
    async insertSkipped(
      workspaceId: string,
      event: ExecutionEvent,
      skipped: readonly (NewExecution & { reason: string })[],
      at: Date,
    ): Promise<string[]> {
      if (skipped.length === 0) return [];
      const rows = await sql.prepared<{ id: string }>(
        'flow_execution_insert_skipped_v1',
        `INSERT INTO flow_execution (workspace_id, id, flow_id, version, event_id, dedupe_event_id, origin, status,
                                     error, event, created_at, finished_at, updated_at)
         SELECT $1, t.id, t.flow_id, t.version::int, $2, $2, 'event', 'skipped', t.reason, $3::jsonb,
                $4::timestamptz, $4::timestamptz, $4::timestamptz
         FROM unnest($5::text[], $6::text[], $7::text[], $8::text[]) AS t(id, flow_id, version, reason)
         ON CONFLICT (flow_id, dedupe_event_id) DO NOTHING
         RETURNING id`,
        [
          workspaceId,
          event.id,
          JSON.stringify(event),
          at.toISOString(),
          sql.textArray(skipped.map((e) => e.id)),
          sql.textArray(skipped.map((e) => e.flowId)),
          sql.textArray(skipped.map((e) => String(e.version))),
          sql.textArray(skipped.map((e) => e.reason)),
        ],
      );
      return rows.map((r) => r.id);
    },

    get(workspaceId: string, id: string, tx: Db = db): Promise<StoredExecution | null> {
      return tx.flowExecution.findFirst({ where: { workspaceId, id } });
    },

    list(workspaceId: string, f: ExecutionFilter): Promise<StoredExecution[]> {
      const createdAt: { gte?: Date; lte?: Date } = {};
      if (f.from !== undefined) createdAt.gte = f.from;
      if (f.to !== undefined) createdAt.lte = f.to;
      return db.flowExecution.findMany({
        where: {
          workspaceId,
          ...(f.status !== undefined ? { status: f.status } : {}),
          ...(f.flowId !== undefined ? { flowId: f.flowId } : {}),
          ...(f.eventId !== undefined ? { eventId: f.eventId } : {}),
          ...(f.from !== undefined || f.to !== undefined ? { createdAt } : {}),
          ...(f.before !== undefined
            ? {
                OR: [
                  { createdAt: { lt: f.before.createdAt } },
                  { createdAt: f.before.createdAt, id: { lt: f.before.id } },
                ],
              }
            : {}),
        },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: f.limit,
      });
    },

    /** Moves an execution to `status` unless it already ended; returns whether it changed. */
    async setStatus(
      workspaceId: string,
      id: string,
      status: string,
      at: Date,
      extra: { error?: string | null; finished?: boolean } = {},
    ): Promise<boolean> {
      const rows = await sql.prepared(SET_STATUS_NAME, SET_STATUS_SQL, [
        workspaceId,
        id,
        status,
        at.toISOString(),
        extra.error ?? null,
        extra.error !== undefined,
        extra.finished === true,
      ]);
      return rows.length === 1;
    },

    steps(workspaceId: string, executionId: string): Promise<StoredStep[]> {
      return db.flowStep.findMany({
        where: { workspaceId, executionId },
        orderBy: [{ actionIndex: 'asc' }, { attempt: 'asc' }],
      });
    },

    async insertSteps(steps: StoredStep[]): Promise<void> {
      if (steps.length > 0) await db.flowStep.createMany({ data: steps as never });
    },

    /** The execution, its version's definition (when `withDefinition`) and its steps, in one read. */
    runState(workspaceId: string, id: string, withDefinition: boolean): Promise<RunState | null> {
      return loadRun({ workspace_id: workspaceId, id, def: withDefinition });
    },

    /**
     * Commits a step row (`started` before its call, or `skipped`/`failed` without one); with `markRunning`
     * the execution becomes `running` in the same statement. Returns whether the execution changed; throws
     * when the step collides with one already recorded (another run of the same execution).
     */
    writeStep(step: StoredStep, markRunning: boolean): Promise<boolean> {
      return writeSteps({
        workspace_id: step.workspaceId,
        id: step.id,
        execution_id: step.executionId,
        action_id: step.actionId,
        action_index: step.actionIndex,
        attempt: step.attempt,
        state: step.state,
        idempotency_key: step.idempotencyKey,
        request: step.request ?? null,
        error_class: step.errorClass,
        error: step.error,
        started_at: step.startedAt.toISOString(),
        finished_at: isoOrNull(step.finishedAt),
        copied_from: step.copiedFrom,
        status: step.status,
        response_body: step.responseBody ?? null,
        mark: markRunning,
      });
    },

    /**
     * Records a `started` step's outcome (only once) and, with `end`, the execution's next status, in one
     * statement. Returns whether the step and the execution changed.
     */
    settleStep(
      workspaceId: string,
      executionId: string,
      stepId: string,
      outcome: {
        state: string;
        status?: number | null;
        responseBody?: unknown;
        bodyTruncated?: boolean;
        latencyMs?: number | null;
        errorClass?: string | null;
        error?: string | null;
        retryAt?: Date | null;
        finishedAt: Date;
      },
      end?: ExecutionEnd,
      /**
       * The job to complete in the same statement (its lease holder), when this outcome ends the job's
       * work: `job` true means it was completed, and the handler returns `'settled'` (jobs/complete-sql.ts).
       */
      job?: { jobId: string; workerId: string },
    ): Promise<{ step: boolean; execution: boolean; job: boolean }> {
      return settleSteps({
        workspace_id: workspaceId,
        step_id: stepId,
        execution_id: executionId,
        state: outcome.state,
        status: outcome.status ?? null,
        response_body: outcome.responseBody ?? null,
        body_truncated: outcome.bodyTruncated === true,
        latency_ms: outcome.latencyMs ?? null,
        error_class: outcome.errorClass ?? null,
        error: outcome.error ?? null,
        retry_at: isoOrNull(outcome.retryAt),
        finished_at: outcome.finishedAt.toISOString(),
        end_status: end?.status ?? null,
        end_error: end?.error ?? null,
        set_error: end?.error !== undefined,
        set_finished: end?.finished === true,
        job_id: job?.jobId ?? null,
        worker_id: job?.workerId ?? null,
      });
    },

    /** Executions by status created since `since`, and skips counted since that day. */
    async stats(
      workspaceId: string,
      since: Date,
    ): Promise<{ byStatus: Record<string, number>; skipped: number }> {
      const rows = await db.flowExecution.groupBy({
        by: ['status'],
        where: { workspaceId, createdAt: { gte: since } },
        _count: { _all: true },
      });
      const skips = await db.flowSkipCount.aggregate({
        where: { workspaceId, day: { gte: new Date(since.toISOString().slice(0, 10)) } },
        _sum: { skipped: true },
      });
      return {
        byStatus: Object.fromEntries(rows.map((r) => [r.status, r._count._all])),
        skipped: Number(skips._sum.skipped ?? 0n),
      };
    },

    /** Deletes executions (and their steps) created before each workspace's cutoff, in chunks. */
    async pruneExpired(retention: { workspaceId: string; days: number }[], now: Date): Promise<number> {
      let total = 0;
      for (const { workspaceId, days } of retention) {
        const before = new Date(now.getTime() - days * 86_400_000);
        for (;;) {
          const old = await db.flowExecution.findMany({
            where: {
              workspaceId,
              createdAt: { lt: before },
              status: { in: ['succeeded', 'failed', 'outcome_unknown', 'skipped'] },
            },
            select: { id: true },
            take: 1_000,
          });
          if (old.length === 0) break;
          const ids = old.map((o) => o.id);
          await db.$transaction([
            db.flowStep.deleteMany({ where: { workspaceId, executionId: { in: ids } } }),
            db.flowExecution.deleteMany({ where: { workspaceId, id: { in: ids } } }),
          ]);
          total += ids.length;
          if (old.length < 1_000) break;
        }
        await db.flowSkipCount.deleteMany({ where: { workspaceId, day: { lt: before } } });
        await db.flowReplay.deleteMany({ where: { workspaceId, createdAt: { lt: before } } });
      }
      return total;
    },

    // --- replays

    async createReplay(r: Omit<StoredReplay, 'filter'> & { filter: unknown }, tx: Db = db): Promise<void> {
      await tx.flowReplay.create({ data: r as never });
    },
    getReplay(workspaceId: string, id: string): Promise<StoredReplay | null> {
      return db.flowReplay.findFirst({ where: { workspaceId, id } });
    },
    async updateReplay(workspaceId: string, id: string, patch: Partial<StoredReplay>): Promise<void> {
      await db.flowReplay.updateMany({ where: { workspaceId, id }, data: patch as never });
    },

    async purgeWorkspace(workspaceId: string, tx: Db): Promise<number> {
      const counts = [
        await tx.flowStep.deleteMany({ where: { workspaceId } }),
        await tx.flowExecution.deleteMany({ where: { workspaceId } }),
        await tx.flowSkipCount.deleteMany({ where: { workspaceId } }),
        await tx.flowReplay.deleteMany({ where: { workspaceId } }),
      ];
      return counts.reduce((n, c) => n + c.count, 0);
    },
  };
}
export type ExecutionsRepo = ReturnType<typeof createExecutionsRepo>;
