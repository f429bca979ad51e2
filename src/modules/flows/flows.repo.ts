import type { Flow, FlowVersion, Prisma, PrismaClient } from '../../generated/prisma/client.js';
import { createCoalescer } from '../../platform/coalescer.js';
import type { Sql } from '../../store/database.js';
import type { Tx } from '../../store/tx.js';

type Db = PrismaClient | Tx;

export type StoredFlow = Flow;
export type StoredFlowVersion = FlowVersion;
export type NewFlowVersion = Omit<FlowVersion, 'definition'> & { definition: unknown };

/** An enabled flow with its current definition, as matching reads it. */
export type MatchableFlow = { id: string; version: number; definition: unknown };

/**
 * The generation read of matching runs once per event.process job, and a job often carries one event
 * (bench:flows: 9 227 reads for 9 300 executions, through the ORM ~7 % of the process's CPU): concurrent
 * jobs' reads share one prepared statement.
 */
const GENERATIONS_SQL = `
  SELECT w.workspace_id, COALESCE(f.generation, 0)::text AS generation
  FROM unnest($1::text[]) AS w(workspace_id)
  LEFT JOIN flow_workspace f ON f.workspace_id = w.workspace_id`;

/**
 * Flows and their versions (owner of `flow`, `flow_version`, `flow_workspace`). Every read and write is
 * scoped by workspace: another workspace's id is "not found". A deleted flow (`deleted_at`) is gone for
 * every reader here except the executions that ran it.
 */
export function createFlowsRepo(db: PrismaClient, sql: Pick<Sql, 'prepared' | 'textArray'>) {
  const generations = createCoalescer<string, bigint>(async (workspaceIds) => {
    const rows = await sql.prepared<{ workspace_id: string; generation: string }>(
      'flow_generations_v1',
      GENERATIONS_SQL,
      [sql.textArray([...new Set(workspaceIds)])],
    );
    const of = new Map(rows.map((r) => [r.workspace_id, BigInt(r.generation)]));
    return workspaceIds.map((w) => of.get(w) ?? 0n);
  });
  return {
    countLive(workspaceId: string, tx: Db = db): Promise<number> {
      return tx.flow.count({ where: { workspaceId, deletedAt: null } });
    },

    get(workspaceId: string, id: string, tx: Db = db): Promise<StoredFlow | null> {
      return tx.flow.findFirst({ where: { workspaceId, id, deletedAt: null } });
    },

    list(workspaceId: string): Promise<StoredFlow[]> {
      return db.flow.findMany({
        where: { workspaceId, deletedAt: null },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      });
    },

    async create(flow: Omit<StoredFlow, 'deletedAt'>, version: NewFlowVersion, tx: Db): Promise<void> {
      await tx.flow.create({ data: flow });
      await tx.flowVersion.create({ data: version as Prisma.FlowVersionUncheckedCreateInput });
    },

    /** Adds a version and makes it current; false when the flow is gone. */
    async addVersion(
      workspaceId: string,
      id: string,
      patch: Pick<StoredFlow, 'name' | 'enabled' | 'triggerSources' | 'triggerEvents' | 'updatedAt'>,
      version: NewFlowVersion,
      tx: Db,
    ): Promise<boolean> {
      const { count } = await tx.flow.updateMany({
        where: { workspaceId, id, deletedAt: null, currentVersion: version.version - 1 },
        data: { ...patch, currentVersion: version.version },
      });
      if (count !== 1) return false;
      await tx.flowVersion.create({ data: version as Prisma.FlowVersionUncheckedCreateInput });
      return true;
    },

    async setEnabled(workspaceId: string, id: string, enabled: boolean, at: Date, tx: Db): Promise<boolean> {
      const { count } = await tx.flow.updateMany({
        where: { workspaceId, id, deletedAt: null },
        data: { enabled, updatedAt: at },
      });
      return count === 1;
    },

    async softDelete(workspaceId: string, id: string, at: Date, tx: Db): Promise<boolean> {
      const { count } = await tx.flow.updateMany({
        where: { workspaceId, id, deletedAt: null },
        data: { deletedAt: at, enabled: false, updatedAt: at },
      });
      return count === 1;
    },

    versions(workspaceId: string, flowId: string): Promise<StoredFlowVersion[]> {
      return db.flowVersion.findMany({ where: { workspaceId, flowId }, orderBy: { version: 'desc' } });
    },

    version(workspaceId: string, flowId: string, version: number): Promise<StoredFlowVersion | null> {
      return db.flowVersion.findFirst({ where: { workspaceId, flowId, version } });
    },

    /** Enabled, not deleted flows of a workspace with their current definitions (one query). */
    async matchable(workspaceId: string): Promise<MatchableFlow[]> {
      return db.$queryRaw<MatchableFlow[]>`
        SELECT f.id, f.current_version AS version, v.definition
        FROM flow f JOIN flow_version v ON v.flow_id = f.id AND v.version = f.current_version
        WHERE f.workspace_id = ${workspaceId} AND f.enabled AND f.deleted_at IS NULL
        ORDER BY f.created_at, f.id`;
    },

    /** Bumps the workspace's change counter, in the transaction that changes a flow. */
    async bumpGeneration(workspaceId: string, tx: Db): Promise<void> {
      await tx.$executeRaw`
        INSERT INTO flow_workspace (workspace_id, generation) VALUES (${workspaceId}, 1)
        ON CONFLICT (workspace_id) DO UPDATE SET generation = flow_workspace.generation + 1`;
    },

    /** The workspace's change counter (0 before any flow was saved). */
    generation(workspaceId: string): Promise<bigint> {
      return generations(workspaceId);
    },

    async purgeWorkspace(workspaceId: string, tx: Db): Promise<number> {
      const a = await tx.flowVersion.deleteMany({ where: { workspaceId } });
      const b = await tx.flow.deleteMany({ where: { workspaceId } });
      const c = await tx.flowWorkspace.deleteMany({ where: { workspaceId } });
      return a.count + b.count + c.count;
    },
  };
}
export type FlowsRepo = ReturnType<typeof createFlowsRepo>;
