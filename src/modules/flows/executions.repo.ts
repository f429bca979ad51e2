import type { FlowExecution, FlowReplay, FlowStep, PrismaClient } from '../../generated/prisma/client.js';
import type { JobDefinition } from '../../jobs/catalog.js';
import { insertJobsParams, insertJobsSql } from '../../jobs/insert-sql.js';
import { newSortableId } from '../../platform/ids.js';
import type { Sql } from '../../store/database.js';
import type { Tx } from '../../store/tx.js';

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

const INSERT_NAME = 'flow_execution_insert_v3';
/**
 * Executions of one event and their flow.execute jobs in ONE statement. Non-replays carry the event id in
 * `dedupe_event_id`, so (flow_id, dedupe_event_id) makes a second insert for the same (event, flow) a no-op
 * and its job is not inserted either.
 */
const INSERT_SQL = (job: number) => `
  WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS t(id, flow_id, version, job_id)
  ),
  ins AS (
    INSERT INTO flow_execution (workspace_id, id, flow_id, version, event_id, dedupe_event_id, replay_of, origin,
                                status, event, created_at, updated_at)
    SELECT $5, i.id, i.flow_id, i.version::int, $6, CASE WHEN $7::text = 'event' THEN $6 ELSE NULL END, $8, $7,
           'queued', $9::jsonb, $13::timestamptz, $13::timestamptz
    FROM input i
    ON CONFLICT (flow_id, dedupe_event_id) DO NOTHING
    RETURNING id, workspace_id
  ),
  jobs AS (${insertJobsSql(
    `SELECT i.job_id AS id, ins.workspace_id,
            jsonb_build_object('workspaceId', ins.workspace_id, 'executionId', ins.id, 'flowId', i.flow_id,
                               'version', i.version::int) AS payload
     FROM ins JOIN input i ON i.id = ins.id`,
    job,
  )})
  SELECT id FROM ins`;

const TERMINAL_SQL = `('succeeded', 'failed', 'outcome_unknown')`;

/**
 * The statements every flow.execute job runs, in plain SQL prepared once per connection (like the job claim
 * and the delivery hot path), not through the ORM: measured with bench/flows.bench.ts, the ORM's per-query
 * work was most of an execution's CPU, and its updates each took a transaction of three round trips.
 * Each is ONE statement (atomic on its own). A one-action execution runs `RUN_LOAD` (a read), `STEP_WRITE`
 * (the step `started` and the execution `running`, committed before the call) and `STEP_SETTLE` (the
 * outcome and the execution's end), against nine statements (fifteen round trips) before.
 */
const RUN_LOAD_NAME = 'flow_run_load_v1';
/** $1 workspace, $2 execution, $3 whether to return the version's definition (not cached here yet). */
const RUN_LOAD_SQL = `
  SELECT e.workspace_id, e.id, e.flow_id, e.version, e.event_id, e.status, e.event,
         v.flow_id IS NOT NULL AS version_exists,
         CASE WHEN $3::boolean THEN v.definition END AS definition,
         COALESCE((
           SELECT json_agg(json_build_object(
                    'id', s.id, 'actionId', s.action_id, 'actionIndex', s.action_index, 'attempt', s.attempt,
                    'state', s.state, 'status', s.status, 'responseBody', s.response_body,
                    'error', s.error, 'retryAt', s.retry_at) ORDER BY s.action_index, s.attempt)
           FROM flow_step s WHERE s.execution_id = e.id AND s.workspace_id = e.workspace_id), '[]'::json) AS steps
  FROM flow_execution e
  LEFT JOIN flow_version v ON v.flow_id = e.flow_id AND v.version = e.version AND v.workspace_id = e.workspace_id
  WHERE e.workspace_id = $1 AND e.id = $2`;

const STEP_WRITE_NAME = 'flow_step_write_v1';
/**
 * Inserts a step row; when $17 the execution becomes `running` (started_at set once) unless it ended.
 * $1 workspace, $2 step id, $3 execution, $4 action id, $5 index, $6 attempt, $7 state, $8 idempotency key,
 * $9 request (jsonb text), $10 error class, $11 error, $12 started at, $13 finished at, $14 copied from,
 * $15 status, $16 response body (jsonb text), $17 mark running.
 */
const STEP_WRITE_SQL = `
  WITH step AS (
    INSERT INTO flow_step (workspace_id, id, execution_id, action_id, action_index, attempt, state, idempotency_key,
                           request, error_class, error, started_at, finished_at, copied_from, status,
                           response_body, body_truncated)
    VALUES ($1, $2, $3, $4, $5::int, $6::int, $7, $8, $9::jsonb, $10, $11, $12::timestamptz, $13::timestamptz, $14,
            $15::int, $16::jsonb, false)
  ),
  exec AS (
    UPDATE flow_execution SET status = 'running', started_at = COALESCE(started_at, $12::timestamptz),
                              updated_at = $12::timestamptz
    WHERE $17::boolean AND workspace_id = $1 AND id = $3 AND status NOT IN ${TERMINAL_SQL} AND status <> 'running'
    RETURNING 1
  )
  SELECT (SELECT count(*) FROM exec)::int AS changed`;

const STEP_SETTLE_NAME = 'flow_step_settle_v1';
/**
 * Records a `started` step's outcome (once) and, when $13 is not null, moves the execution to status $13
 * unless it ended ($14 error when $15, finished_at when $16). Returns whether each row changed.
 * $1 workspace, $2 step id, $3 execution, $4 state, $5 status, $6 response body (jsonb text), $7 truncated,
 * $8 latency, $9 error class, $10 error, $11 retry at, $12 finished at.
 */
const STEP_SETTLE_SQL = `
  WITH step AS (
    UPDATE flow_step SET state = $4, status = $5::int, response_body = $6::jsonb, body_truncated = $7::boolean,
                         latency_ms = $8::int, error_class = $9, error = $10, retry_at = $11::timestamptz,
                         finished_at = $12::timestamptz
    WHERE workspace_id = $1 AND id = $2 AND state = 'started'
    RETURNING 1
  ),
  exec AS (
    UPDATE flow_execution SET status = $13, updated_at = $12::timestamptz,
                              error = CASE WHEN $15::boolean THEN $14 ELSE error END,
                              finished_at = CASE WHEN $16::boolean THEN $12::timestamptz ELSE finished_at END
    WHERE $13::text IS NOT NULL AND workspace_id = $1 AND id = $3 AND status NOT IN ${TERMINAL_SQL}
    RETURNING 1
  )
  SELECT (SELECT count(*) FROM step)::int AS step, (SELECT count(*) FROM exec)::int AS exec`;

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
  execution: Pick<StoredExecution, 'workspaceId' | 'id' | 'flowId' | 'version' | 'eventId' | 'status' | 'event'>;
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
const jsonText = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));
const isoOrNull = (d: Date | null | undefined): string | null => (d == null ? null : d.toISOString());

/**
 * Executions, their steps, skip counters and replays (owner of `flow_execution`, `flow_step`,
 * `flow_skip_count`, `flow_replay`). Every read is scoped by workspace.
 */
export function createExecutionsRepo(db: PrismaClient, sql: Pick<Sql, 'prepared' | 'textArray'>) {
  const insertSql = INSERT_SQL(10);
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
      const rows = await sql.prepared<{ id: string }>(INSERT_NAME, insertSql, [
        sql.textArray(executions.map((e) => e.id)),
        sql.textArray(executions.map((e) => e.flowId)),
        sql.textArray(executions.map((e) => String(e.version))),
        sql.textArray(executions.map(() => newSortableId('job'))),
        workspaceId,
        event.id,
        origin,
        replayOf,
        JSON.stringify(event),
        ...insertJobsParams(job),
        at.toISOString(),
      ]);
      return rows.map((r) => r.id);
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
    async runState(workspaceId: string, id: string, withDefinition: boolean): Promise<RunState | null> {
      const [r] = await sql.prepared<Row>(RUN_LOAD_NAME, RUN_LOAD_SQL, [workspaceId, id, withDefinition]);
      if (r === undefined) return null;
      return {
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
      };
    },

    /**
     * Commits a step row (`started` before its call, or `skipped`/`failed` without one); with `markRunning`
     * the execution becomes `running` in the same statement. Returns whether the execution changed.
     */
    async writeStep(step: StoredStep, markRunning: boolean): Promise<boolean> {
      const [r] = await sql.prepared<{ changed: number }>(STEP_WRITE_NAME, STEP_WRITE_SQL, [
        step.workspaceId,
        step.id,
        step.executionId,
        step.actionId,
        step.actionIndex,
        step.attempt,
        step.state,
        step.idempotencyKey,
        jsonText(step.request),
        step.errorClass,
        step.error,
        step.startedAt.toISOString(),
        isoOrNull(step.finishedAt),
        step.copiedFrom,
        step.status,
        jsonText(step.responseBody),
        markRunning,
      ]);
      return r?.changed === 1;
    },

    /**
     * Records a `started` step's outcome (only once) and, with `end`, the execution's next status, in one
     * statement. Returns whether the step and the execution changed.
     */
    async settleStep(
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
    ): Promise<{ step: boolean; execution: boolean }> {
      const [r] = await sql.prepared<{ step: number; exec: number }>(STEP_SETTLE_NAME, STEP_SETTLE_SQL, [
        workspaceId,
        stepId,
        executionId,
        outcome.state,
        outcome.status ?? null,
        jsonText(outcome.responseBody),
        outcome.bodyTruncated === true,
        outcome.latencyMs ?? null,
        outcome.errorClass ?? null,
        outcome.error ?? null,
        isoOrNull(outcome.retryAt),
        outcome.finishedAt.toISOString(),
        end?.status ?? null,
        end?.error ?? null,
        end?.error !== undefined,
        end?.finished === true,
      ]);
      return { step: r?.step === 1, execution: r?.exec === 1 };
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
