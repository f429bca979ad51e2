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

const INSERT_NAME = 'flow_execution_insert_v2';
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
            jsonb_build_object('workspaceId', ins.workspace_id, 'executionId', ins.id) AS payload
     FROM ins JOIN input i ON i.id = ins.id`,
    job,
  )})
  SELECT id FROM ins`;

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
      extra: { error?: string | null; started?: boolean; finished?: boolean } = {},
    ): Promise<boolean> {
      const { count } = await db.flowExecution.updateMany({
        where: { workspaceId, id, status: { notIn: ['succeeded', 'failed', 'outcome_unknown'] } },
        data: {
          status,
          updatedAt: at,
          ...(extra.error !== undefined ? { error: extra.error } : {}),
          ...(extra.finished === true ? { finishedAt: at } : {}),
        },
      });
      if (extra.started === true)
        await db.flowExecution.updateMany({
          where: { workspaceId, id, startedAt: null },
          data: { startedAt: at },
        });
      return count === 1;
    },

    steps(workspaceId: string, executionId: string): Promise<StoredStep[]> {
      return db.flowStep.findMany({
        where: { workspaceId, executionId },
        orderBy: [{ actionIndex: 'asc' }, { attempt: 'asc' }],
      });
    },

    /** Commits a step row (usually `started`) before the call it records. */
    async insertStep(step: StoredStep): Promise<void> {
      await db.flowStep.create({ data: step as never });
    },

    async insertSteps(steps: StoredStep[]): Promise<void> {
      if (steps.length > 0) await db.flowStep.createMany({ data: steps as never });
    },

    /** Records a step's outcome; only a `started` step can be completed (once). */
    async completeStep(workspaceId: string, id: string, patch: Partial<StoredStep>): Promise<boolean> {
      const { count } = await db.flowStep.updateMany({
        where: { workspaceId, id, state: 'started' },
        data: patch as never,
      });
      return count === 1;
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
