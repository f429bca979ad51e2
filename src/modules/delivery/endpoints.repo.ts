import { Prisma, type PrismaClient, type WebhookEndpoint } from '../../generated/prisma/client.js';
import type { Tx } from '../../store/tx.js';

export type StoredEndpoint = WebhookEndpoint;
export type StoredSecret = { id: string; secretEncrypted: string; createdAt: Date; expiresAt: Date | null };

export type NewEndpoint = {
  workspaceId: string;
  id: string;
  url: string;
  description: string;
  eventTypes: string[];
  sources: string[];
  filter: unknown;
  transformation: unknown;
  headers: Record<string, string>;
  timeoutMs: number;
  rateLimit: number | null;
  concurrency: number;
  status: string;
};

export type EndpointPatch = Partial<Omit<NewEndpoint, 'workspaceId' | 'id'>> & {
  disabledReason?: string | null;
  failingSince?: Date | null;
};

type Db = PrismaClient | Tx;

/**
 * `webhook_endpoint` and `webhook_endpoint_secret`. Every read and write is scoped by workspace: another
 * workspace's id is "not found".
 */
export function createEndpointsRepo(db: PrismaClient) {
  const data = (p: EndpointPatch): Prisma.WebhookEndpointUpdateManyMutationInput => {
    const out: Prisma.WebhookEndpointUpdateManyMutationInput = {};
    for (const [k, v] of Object.entries(p)) {
      if (v === undefined) continue;
      (out as Record<string, unknown>)[k] = k === 'filter' || k === 'transformation' ? nullableJson(v) : v;
    }
    return out;
  };
  return {
    async create(input: NewEndpoint, secretId: string, secretEncrypted: string, at: Date) {
      return db.$transaction(async (tx) => {
        const row = await tx.webhookEndpoint.create({
          data: {
            ...input,
            filter: nullableJson(input.filter),
            transformation: nullableJson(input.transformation),
            createdAt: at,
            updatedAt: at,
          },
        });
        await tx.webhookEndpointSecret.create({
          data: {
            workspaceId: input.workspaceId,
            id: secretId,
            endpointId: input.id,
            secretEncrypted,
            createdAt: at,
          },
        });
        return row;
      });
    },
    get(workspaceId: string, id: string, tx: Db = db): Promise<StoredEndpoint | null> {
      return tx.webhookEndpoint.findFirst({ where: { workspaceId, id } });
    },
    list(workspaceId: string): Promise<StoredEndpoint[]> {
      return db.webhookEndpoint.findMany({
        where: { workspaceId },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      });
    },
    /** Every endpoint's id, by workspace, in one read (the retention prune finds attempts through them). */
    async idsByWorkspace(): Promise<Map<string, string[]>> {
      const rows = await db.webhookEndpoint.findMany({ select: { workspaceId: true, id: true } });
      const ids = new Map<string, string[]>();
      for (const r of rows) ids.set(r.workspaceId, [...(ids.get(r.workspaceId) ?? []), r.id]);
      return ids;
    },
    /** Endpoints that take new messages (enabled or paused), for fan-out. */
    listReceiving(workspaceId: string, tx: Db = db): Promise<StoredEndpoint[]> {
      return tx.webhookEndpoint.findMany({
        where: { workspaceId, status: { in: ['enabled', 'paused'] } },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      });
    },
    async update(workspaceId: string, id: string, patch: EndpointPatch, tx: Db = db) {
      const { count } = await tx.webhookEndpoint.updateMany({
        where: { workspaceId, id },
        data: data(patch),
      });
      return count === 1 ? tx.webhookEndpoint.findFirst({ where: { workspaceId, id } }) : null;
    },
    /** Starts the failure window unless it runs already; returns its start. */
    async markFailing(workspaceId: string, id: string, at: Date, tx: Db = db): Promise<Date | null> {
      await tx.webhookEndpoint.updateMany({
        where: { workspaceId, id, failingSince: null },
        data: { failingSince: at },
      });
      const row = await tx.webhookEndpoint.findFirst({
        where: { workspaceId, id },
        select: { failingSince: true },
      });
      return row?.failingSince ?? null;
    },
    async markHealthy(workspaceId: string, id: string, tx: Db = db): Promise<void> {
      await tx.webhookEndpoint.updateMany({
        where: { workspaceId, id, NOT: { failingSince: null } },
        data: { failingSince: null },
      });
    },
    /** Disables an enabled or paused endpoint; false when it was disabled already (emit the event once). */
    async disable(workspaceId: string, id: string, reason: string, tx: Db = db): Promise<boolean> {
      const { count } = await tx.webhookEndpoint.updateMany({
        where: { workspaceId, id, status: { not: 'disabled' } },
        data: { status: 'disabled', disabledReason: reason },
      });
      return count === 1;
    },
    async delete(workspaceId: string, id: string): Promise<boolean> {
      const { count } = await db.webhookEndpoint.deleteMany({ where: { workspaceId, id } });
      return count === 1;
    },

    /** The secrets that sign now: the current one first, then rotated-out ones not yet expired. */
    async signingSecrets(workspaceId: string, endpointId: string, at: Date): Promise<StoredSecret[]> {
      const rows = await db.webhookEndpointSecret.findMany({
        where: { workspaceId, endpointId, OR: [{ expiresAt: null }, { expiresAt: { gt: at } }] },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      });
      return [...rows.filter((r) => r.expiresAt === null), ...rows.filter((r) => r.expiresAt !== null)];
    },
    /** Secrets per endpoint still signing (for views): rotated-out ones' expiry. */
    async graceExpiries(workspaceId: string, endpointIds: string[], at: Date): Promise<Map<string, Date[]>> {
      const rows = await db.webhookEndpointSecret.findMany({
        where: { workspaceId, endpointId: { in: endpointIds }, expiresAt: { gt: at } },
        select: { endpointId: true, expiresAt: true },
        orderBy: { expiresAt: 'asc' },
      });
      const out = new Map<string, Date[]>();
      for (const r of rows) out.set(r.endpointId, [...(out.get(r.endpointId) ?? []), r.expiresAt!]);
      return out;
    },
    /**
     * Rotation: the current secret expires at `expiresAt` (or is deleted when that is not after `at`), the
     * new one becomes current. At most `keep` rotated-out secrets keep signing (the newest ones).
     */
    async rotateSecret(
      workspaceId: string,
      endpointId: string,
      next: { id: string; secretEncrypted: string },
      at: Date,
      expiresAt: Date,
      keep: number,
    ): Promise<void> {
      await db.$transaction(async (tx) => {
        if (expiresAt > at) {
          await tx.webhookEndpointSecret.updateMany({
            where: { workspaceId, endpointId, expiresAt: null },
            data: { expiresAt },
          });
        } else {
          await tx.webhookEndpointSecret.deleteMany({ where: { workspaceId, endpointId, expiresAt: null } });
        }
        // Expired ones, and any beyond `keep`, are dropped.
        const old = await tx.webhookEndpointSecret.findMany({
          where: { workspaceId, endpointId, NOT: { expiresAt: null } },
          orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
          select: { id: true, expiresAt: true },
        });
        const drop = old.filter((r, i) => i >= keep || r.expiresAt! <= at).map((r) => r.id);
        if (drop.length > 0) await tx.webhookEndpointSecret.deleteMany({ where: { id: { in: drop } } });
        await tx.webhookEndpointSecret.create({
          data: {
            workspaceId,
            id: next.id,
            endpointId,
            secretEncrypted: next.secretEncrypted,
            createdAt: at,
          },
        });
      });
    },

    async purgeWorkspace(workspaceId: string, before: Date, tx: Tx): Promise<number> {
      const { count } = await tx.webhookEndpoint.deleteMany({
        where: { workspaceId, createdAt: { lt: before } },
      });
      return count;
    },
  };
}
export type EndpointsRepo = ReturnType<typeof createEndpointsRepo>;

function nullableJson(v: unknown): Prisma.InputJsonValue | typeof Prisma.DbNull {
  return v === null || v === undefined ? Prisma.DbNull : v;
}
