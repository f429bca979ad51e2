/**
 * Owner of `explorer_call`: the API explorer's history (every call sent to Clockify, and the writes the
 * write gate refused). Rows are written redacted by the service; this file only stores and reads them.
 */
import type { Prisma, PrismaClient } from '../../generated/prisma/client.js';
import type { Tx } from '../../store/tx.js';

export type CallOutcome = 'sent' | 'refused-write' | 'network-error' | 'timeout';
export const CALL_OUTCOMES: readonly CallOutcome[] = ['sent', 'refused-write', 'network-error', 'timeout'];

/** Status classes a history list filters by; `none`: no HTTP status (refused, network error, timeout). */
export type StatusClass = '2xx' | '3xx' | '4xx' | '5xx' | 'none';
export const STATUS_CLASSES: readonly StatusClass[] = ['2xx', '3xx', '4xx', '5xx', 'none'];

export type NewCall = {
  id: string;
  workspaceId: string;
  createdAt: Date;
  actorKind: 'user-token' | 'api-key';
  actorId: string | null;
  actorName: string | null;
  operationId: string;
  method: string;
  path: string;
  input: unknown;
  outcome: CallOutcome;
  status: number | null;
  latencyMs: number;
  waitedMs: number;
  request: unknown;
  result: unknown;
};

export type StoredCall = NewCall;

export type CallFilter = {
  operationId?: string;
  statusClass?: StatusClass;
  outcome?: CallOutcome;
  /** Matches the actor's id (user id or API key id) or an API key's name. */
  who?: string;
  /** Keyset cursor: calls with a smaller id (ids sort by creation time). */
  beforeId?: string;
  limit: number;
};

const json = (v: unknown) => (v === undefined || v === null ? undefined : (v as Prisma.InputJsonValue));

function statusWhere(c: StatusClass): Prisma.ExplorerCallWhereInput {
  if (c === 'none') return { status: null };
  const base = Number(c[0]) * 100;
  return { status: { gte: base, lt: base + 100 } };
}

type Row = Prisma.ExplorerCallGetPayload<object>;
const toStored = (r: Row): StoredCall => ({
  id: r.id,
  workspaceId: r.workspaceId,
  createdAt: r.createdAt,
  actorKind: r.actorKind === 'api-key' ? 'api-key' : 'user-token',
  actorId: r.actorId,
  actorName: r.actorName,
  operationId: r.operationId,
  method: r.method,
  path: r.path,
  input: r.input,
  outcome: (CALL_OUTCOMES as readonly string[]).includes(r.outcome) ? (r.outcome as CallOutcome) : 'sent',
  status: r.status,
  latencyMs: r.latencyMs,
  waitedMs: r.waitedMs,
  request: r.request,
  result: r.result,
});

export function createExplorerRepo(db: PrismaClient) {
  return {
    async insert(call: NewCall): Promise<void> {
      await db.explorerCall.create({
        data: {
          ...call,
          input: json(call.input) ?? {},
          request: json(call.request),
          result: json(call.result) ?? {},
        },
      });
    },

    /** Newest first; one more than `limit` is read by the caller to know whether a next page exists. */
    async list(workspaceId: string, f: CallFilter): Promise<StoredCall[]> {
      const rows = await db.explorerCall.findMany({
        where: {
          workspaceId,
          ...(f.operationId !== undefined ? { operationId: f.operationId } : {}),
          ...(f.statusClass !== undefined ? statusWhere(f.statusClass) : {}),
          ...(f.outcome !== undefined ? { outcome: f.outcome } : {}),
          ...(f.who !== undefined ? { OR: [{ actorId: f.who }, { actorName: f.who }] } : {}),
          ...(f.beforeId !== undefined ? { id: { lt: f.beforeId } } : {}),
        },
        orderBy: { id: 'desc' },
        take: f.limit,
      });
      return rows.map(toStored);
    },

    /** Scoped by workspace: another workspace's id does not match. */
    async get(workspaceId: string, id: string): Promise<StoredCall | null> {
      const row = await db.explorerCall.findFirst({ where: { id, workspaceId } });
      return row === null ? null : toStored(row);
    },

    /** Deletes calls older than each workspace's retention, in batches. */
    async pruneExpired(
      retention: readonly { workspaceId: string; days: number }[],
      now: Date,
      batch = 5_000,
    ): Promise<number> {
      let total = 0;
      for (const { workspaceId, days } of retention) {
        const cutoff = new Date(now.getTime() - days * 86_400_000);
        for (;;) {
          const n = await db.$executeRaw`
            DELETE FROM explorer_call WHERE id IN (
              SELECT id FROM explorer_call WHERE workspace_id = ${workspaceId} AND created_at < ${cutoff}
              LIMIT ${batch})`;
          total += n;
          if (n < batch) break;
        }
      }
      return total;
    },

    /** A deleted workspace's history (rows written up to `before`). */
    async purgeWorkspace(workspaceId: string, before: Date, tx: Tx): Promise<number> {
      const { count } = await tx.explorerCall.deleteMany({
        where: { workspaceId, createdAt: { lte: before } },
      });
      return count;
    },
  };
}
export type ExplorerRepo = ReturnType<typeof createExplorerRepo>;
