import type { BootstrapOperation, BootstrapRun, PrismaClient } from '../../generated/prisma/client.js';
import type { Tx } from '../../store/tx.js';
import type { BootstrapPlan, PlannedOperation } from './bootstrap.plan.js';

export type RunRow = BootstrapRun;
export type OperationRow = BootstrapOperation;
type Db = PrismaClient | Tx;

const TERMINAL_OPS = ['done', 'skipped', 'failed'] as const;

export function createBootstrapRepo(db: PrismaClient) {
  return {
    /**
     * Inserts a queued run, unless the workspace already has a queued or running one, or (with an
     * `installKey`) a run for that installation already: the unique indexes on active_workspace_id and on
     * (workspace_id, install_key) decide, for every instance at once. Null means "not inserted".
     */
    async insertRun(
      input: {
        id: string;
        workspaceId: string;
        trigger: string;
        ratePerSecond: number;
        pageSize: number;
        installKey?: string | null;
      },
      tx: Db,
    ): Promise<string | null> {
      const rows = await tx.$queryRaw<{ id: string }[]>`
        INSERT INTO bootstrap_run (id, workspace_id, active_workspace_id, status, trigger, install_key, rate_per_second, page_size, created_at, updated_at)
        VALUES (${input.id}, ${input.workspaceId}, ${input.workspaceId}, 'queued', ${input.trigger}, ${input.installKey ?? null}, ${input.ratePerSecond}, ${input.pageSize}, now(), now())
        ON CONFLICT DO NOTHING
        RETURNING id`;
      return rows[0]?.id ?? null;
    },

    /** The run started for this installation (see insertRun), if any. */
    runForInstallation(workspaceId: string, installKey: string, tx: Db = db): Promise<RunRow | null> {
      return tx.bootstrapRun.findUnique({
        where: { workspaceId_installKey: { workspaceId, installKey } },
      });
    },

    activeRun(workspaceId: string, tx: Db = db): Promise<RunRow | null> {
      return tx.bootstrapRun.findUnique({ where: { activeWorkspaceId: workspaceId } });
    },

    latestRun(workspaceId: string): Promise<RunRow | null> {
      return db.bootstrapRun.findFirst({
        where: { workspaceId },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      });
    },

    getRun(runId: string, tx: Db = db): Promise<RunRow | null> {
      return tx.bootstrapRun.findUnique({ where: { id: runId } });
    },

    getOperation(id: string, tx: Db = db): Promise<OperationRow | null> {
      return tx.bootstrapOperation.findUnique({ where: { id } });
    },

    /** queued → running with its plan and root operations. False when the run was not queued any more. */
    async startRun(
      runId: string,
      plan: BootstrapPlan,
      ops: (PlannedOperation & { id: string; workspaceId: string })[],
      at: Date,
      tx: Tx,
    ): Promise<boolean> {
      const { count } = await tx.bootstrapRun.updateMany({
        where: { id: runId, status: 'queued' },
        data: { status: 'running', startedAt: at, plan, opsTotal: ops.length },
      });
      if (count === 0) return false;
      await tx.bootstrapOperation.createMany({ data: ops.map((o) => toRow(runId, o)), skipDuplicates: true });
      return true;
    },

    /** Child lists found on a page; returns the ids actually inserted (a replayed page adds none). */
    async addOperations(
      runId: string,
      ops: (PlannedOperation & { id: string; workspaceId: string })[],
      tx: Tx,
    ): Promise<string[]> {
      if (ops.length === 0) return [];
      const rows = await tx.bootstrapOperation.createManyAndReturn({
        data: ops.map((o) => toRow(runId, o)),
        skipDuplicates: true,
        select: { id: true },
      });
      if (rows.length > 0)
        await tx.bootstrapRun.update({
          where: { id: runId },
          data: { opsTotal: { increment: rows.length } },
        });
      return rows.map((r) => r.id);
    },

    async markOperationRunning(id: string, at: Date): Promise<void> {
      await db.bootstrapOperation.updateMany({
        where: { id, status: { in: ['pending', 'running'] } },
        data: { status: 'running', startedAt: at },
      });
    },

    /**
     * Records one fetched page: advances the cursor only if it is still at `page` (a worker that lost
     * its lease cannot apply a page twice) and adds the page's counts to the run.
     */
    async savePage(
      op: Pick<OperationRow, 'id' | 'runId'>,
      page: number,
      entities: number,
      lastPage: boolean,
      at: Date,
      tx: Tx,
    ): Promise<boolean> {
      const { count } = await tx.bootstrapOperation.updateMany({
        where: { id: op.id, nextPage: page, status: 'running' },
        data: {
          nextPage: page + 1,
          pagesFetched: { increment: 1 },
          entities: { increment: entities },
          ...(lastPage ? { status: 'done', finishedAt: at } : {}),
        },
      });
      if (count === 0) return false;
      await tx.bootstrapRun.update({
        where: { id: op.runId },
        data: {
          pages: { increment: 1 },
          entities: { increment: entities },
          ...(lastPage ? { opsDone: { increment: 1 } } : {}),
        },
      });
      return true;
    },

    /** Ends an operation without (more) data: failed (with the reason) or skipped. */
    async endOperation(
      op: Pick<OperationRow, 'id' | 'runId'>,
      status: 'failed' | 'skipped',
      reason: string,
      at: Date,
    ): Promise<void> {
      await db.$transaction(async (tx) => {
        const { count } = await tx.bootstrapOperation.updateMany({
          where: { id: op.id, status: { notIn: [...TERMINAL_OPS] } },
          data: { status, error: reason.slice(0, 1_000), finishedAt: at },
        });
        if (count === 1) {
          await tx.bootstrapRun.update({
            where: { id: op.runId },
            data: { opsDone: { increment: 1 }, ...(status === 'failed' ? { errors: { increment: 1 } } : {}) },
          });
        }
      });
    },

    /**
     * running → completed once no operation is open. Safe from any number of workers at once: each
     * commits its own operation first, so the last one to check sees all of them finished.
     */
    async completeIfDone(runId: string, at: Date, tx: Tx): Promise<RunRow | null> {
      const rows = await tx.$queryRaw<{ id: string }[]>`
        UPDATE bootstrap_run SET status = 'completed', active_workspace_id = NULL, finished_at = ${at}, updated_at = now()
        WHERE id = ${runId} AND status = 'running'
          AND NOT EXISTS (SELECT 1 FROM bootstrap_operation o WHERE o.run_id = ${runId} AND o.status IN ('pending', 'running'))
        RETURNING id`;
      return rows.length === 1 ? tx.bootstrapRun.findUnique({ where: { id: runId } }) : null;
    },

    /** Ends a run early (installation gone, planning failed); open operations are marked skipped. */
    async endRun(runId: string, status: 'failed' | 'cancelled', reason: string, at: Date): Promise<void> {
      await db.$transaction(async (tx) => {
        const { count } = await tx.bootstrapRun.updateMany({
          where: { id: runId, status: { in: ['queued', 'running'] } },
          data: { status, activeWorkspaceId: null, finishedAt: at, lastError: reason.slice(0, 1_000) },
        });
        if (count === 1) {
          await tx.bootstrapOperation.updateMany({
            where: { runId, status: { in: ['pending', 'running'] } },
            data: { status: 'skipped', error: `run ${status}: ${reason}`.slice(0, 1_000), finishedAt: at },
          });
        }
      });
    },

    async hasFailedOperations(runId: string, tx: Db = db): Promise<boolean> {
      return (
        (await tx.bootstrapOperation.count({ where: { runId, status: { in: ['failed', 'skipped'] } } })) > 0
      );
    },

    /** Per operation id: how many lists, in which state, pages and entities, and a few error reasons. */
    async operationSummary(runId: string, workspaceId: string) {
      const groups = await db.bootstrapOperation.groupBy({
        by: ['operationId', 'entityType', 'status'],
        where: { runId, workspaceId },
        _count: { _all: true },
        _sum: { pagesFetched: true, entities: true },
      });
      const failures = await db.bootstrapOperation.findMany({
        where: { runId, workspaceId, status: { in: ['failed', 'skipped'] } },
        select: { operationId: true, paramsKey: true, status: true, error: true },
        orderBy: { finishedAt: 'asc' },
        take: 50,
      });
      return { groups, failures };
    },

    async purge(workspaceId: string, before: Date, tx: Tx): Promise<number> {
      const ops = await tx.bootstrapOperation.deleteMany({
        where: { workspaceId, run: { createdAt: { lt: before } } },
      });
      const runs = await tx.bootstrapRun.deleteMany({ where: { workspaceId, createdAt: { lt: before } } });
      return ops.count + runs.count;
    },
  };
}
export type BootstrapRepo = ReturnType<typeof createBootstrapRepo>;

function toRow(runId: string, o: PlannedOperation & { id: string; workspaceId: string }) {
  return {
    id: o.id,
    workspaceId: o.workspaceId,
    runId,
    operationId: o.operationId,
    paramsKey: o.paramsKey,
    pathParams: o.pathParams,
    query: o.query,
    entityType: o.entityType,
  };
}
