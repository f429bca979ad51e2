import type { Prisma, PrismaClient, WebhookAttempt, WebhookMessage } from '../../generated/prisma/client.js';
import type { Tx } from '../../store/tx.js';

export type StoredMessage = WebhookMessage;
export type StoredAttempt = WebhookAttempt;
type Db = PrismaClient | Tx;

export type NewMessage = {
  workspaceId: string;
  id: string;
  endpointId: string;
  uniqueKey: string;
  eventType: string;
  body: string;
  createdAt: Date;
  status?: 'pending' | 'failed';
  lastError?: string | null;
};

export type NewAttempt = Omit<StoredAttempt, 'responseHeaders'> & {
  responseHeaders: Record<string, string> | null;
};

export type MessageFilter = {
  status?: string;
  eventType?: string;
  from?: Date;
  to?: Date;
  /** Keyset cursor: messages strictly older than (createdAt, id). */
  before?: { createdAt: Date; id: string };
  limit: number;
};

/** `webhook_message` and `webhook_attempt`, always scoped by workspace. */
export function createMessagesRepo(db: PrismaClient) {
  return {
    /** Inserts messages; those whose (endpoint, unique key) exists already are skipped. Returns the new ids. */
    async insert(tx: Db, rows: readonly NewMessage[]): Promise<string[]> {
      const created: string[] = [];
      for (const m of rows) {
        const r = await tx.$queryRaw<{ id: string }[]>`
          INSERT INTO webhook_message (workspace_id, id, endpoint_id, unique_key, event_type, body, status,
                                       last_error, next_attempt_at, created_at, finished_at)
          VALUES (${m.workspaceId}, ${m.id}, ${m.endpointId}, ${m.uniqueKey}, ${m.eventType}, ${m.body},
                  ${m.status ?? 'pending'}, ${m.lastError ?? null},
                  ${m.status === 'failed' ? null : m.createdAt}, ${m.createdAt},
                  ${m.status === 'failed' ? m.createdAt : null})
          ON CONFLICT (endpoint_id, unique_key) DO NOTHING
          RETURNING id`;
        if (r[0] !== undefined) created.push(r[0].id);
      }
      return created;
    },
    get(workspaceId: string, id: string, tx: Db = db): Promise<StoredMessage | null> {
      return tx.webhookMessage.findFirst({ where: { workspaceId, id } });
    },
    byUniqueKey(workspaceId: string, endpointId: string, uniqueKey: string): Promise<StoredMessage | null> {
      return db.webhookMessage.findFirst({ where: { workspaceId, endpointId, uniqueKey } });
    },
    /**
     * The scheduled attempt job `jobId` takes the message: it must be pending and owned by no job or this one.
     * Null when another job owns it, or it is delivered or failed.
     */
    async claim(workspaceId: string, id: string, jobId: string): Promise<StoredMessage | null> {
      const { count } = await db.webhookMessage.updateMany({
        where: { workspaceId, id, status: 'pending', OR: [{ jobId: null }, { jobId }] },
        data: { jobId },
      });
      return count === 1 ? db.webhookMessage.findFirst({ where: { workspaceId, id } }) : null;
    },
    async list(workspaceId: string, endpointId: string, f: MessageFilter): Promise<StoredMessage[]> {
      return db.webhookMessage.findMany({
        where: {
          workspaceId,
          endpointId,
          ...(f.status !== undefined ? { status: f.status } : {}),
          ...(f.eventType !== undefined ? { eventType: f.eventType } : {}),
          createdAt: { ...(f.from ? { gte: f.from } : {}), ...(f.to ? { lte: f.to } : {}) },
          ...(f.before
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
    attempts(workspaceId: string, messageId: string): Promise<StoredAttempt[]> {
      return db.webhookAttempt.findMany({
        where: { workspaceId, messageId },
        orderBy: [{ attemptedAt: 'asc' }, { id: 'asc' }],
      });
    },
    async recordAttempt(tx: Db, a: NewAttempt): Promise<void> {
      await tx.webhookAttempt.create({
        data: {
          ...a,
          responseHeaders: a.responseHeaders ?? undefined,
        },
      });
    },
    async update(
      tx: Db,
      workspaceId: string,
      id: string,
      data: Prisma.WebhookMessageUpdateManyMutationInput,
    ) {
      await tx.webhookMessage.updateMany({ where: { workspaceId, id }, data });
    },
    /** Pending messages of an endpoint that no job owns (parked while it was paused or disabled). */
    parked(workspaceId: string, endpointId: string, limit: number): Promise<{ id: string }[]> {
      return db.webhookMessage.findMany({
        where: { workspaceId, endpointId, status: 'pending', jobId: null },
        select: { id: true },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        take: limit,
      });
    },
    /** Dead-lettered messages of an endpoint created at or after `since`, oldest first, after `afterId`. */
    failedSince(
      workspaceId: string,
      endpointId: string,
      since: Date,
      afterId: string,
      limit: number,
    ): Promise<{ id: string }[]> {
      return db.webhookMessage.findMany({
        where: { workspaceId, endpointId, status: 'failed', createdAt: { gte: since }, id: { gt: afterId } },
        select: { id: true },
        orderBy: { id: 'asc' },
        take: limit,
      });
    },
    /** Gives a message to a new scheduled job: pending, `attempts` reset when asked. */
    async assign(tx: Db, workspaceId: string, id: string, jobId: string, at: Date, resetAttempts: boolean) {
      await tx.webhookMessage.updateMany({
        where: { workspaceId, id },
        data: {
          jobId,
          status: 'pending',
          nextAttemptAt: at,
          finishedAt: null,
          ...(resetAttempts ? { attempts: 0 } : {}),
        },
      });
    },
    async stats(workspaceId: string, endpointId: string, since: Date) {
      const [byStatus, recent, lastOk, lastBad] = await Promise.all([
        db.webhookMessage.groupBy({
          by: ['status'],
          where: { workspaceId, endpointId },
          _count: { _all: true },
        }),
        db.webhookAttempt.groupBy({
          by: ['errorClass'],
          where: { workspaceId, endpointId, attemptedAt: { gte: since } },
          _count: { _all: true },
        }),
        db.webhookAttempt.findFirst({
          where: { workspaceId, endpointId, errorClass: null },
          orderBy: { attemptedAt: 'desc' },
          select: { attemptedAt: true },
        }),
        db.webhookAttempt.findFirst({
          where: { workspaceId, endpointId, NOT: { errorClass: null } },
          orderBy: { attemptedAt: 'desc' },
          select: { attemptedAt: true },
        }),
      ]);
      const count = (s: string) => byStatus.find((r) => r.status === s)?._count._all ?? 0;
      const ok = recent.find((r) => r.errorClass === null)?._count._all ?? 0;
      const total = recent.reduce((n, r) => n + r._count._all, 0);
      return {
        delivered: count('delivered'),
        failed: count('failed'),
        pending: count('pending'),
        successRate24h: total === 0 ? null : ok / total,
        lastSuccessAt: lastOk?.attemptedAt ?? null,
        lastFailureAt: lastBad?.attemptedAt ?? null,
      };
    },
    /**
     * Deletes finished messages (and their attempts) and attempts older than each workspace's retention.
     * Pending messages are kept. In chunks. Attempts are found through their endpoints (every attempt's
     * message belongs to one of the workspace's endpoints, and goes with it): the attempts have no index by
     * workspace and time, which every attempt would pay for on insert for the sake of this hourly job.
     */
    async pruneExpired(
      retention: readonly { workspaceId: string; days: number; endpointIds: readonly string[] }[],
      now: Date,
      chunk = 5_000,
    ): Promise<number> {
      let total = 0;
      for (const { workspaceId, days, endpointIds } of retention) {
        const before = new Date(now.getTime() - days * 86_400_000);
        for (;;) {
          const n = await db.$executeRaw`
            DELETE FROM webhook_message WHERE id IN (
              SELECT id FROM webhook_message
              WHERE workspace_id = ${workspaceId} AND status <> 'pending' AND created_at < ${before}
              LIMIT ${chunk})`;
          total += n;
          if (n < chunk) break;
        }
        if (endpointIds.length === 0) continue;
        const { count } = await db.webhookAttempt.deleteMany({
          where: { workspaceId, endpointId: { in: [...endpointIds] }, attemptedAt: { lt: before } },
        });
        total += count;
      }
      return total;
    },
  };
}
export type MessagesRepo = ReturnType<typeof createMessagesRepo>;
