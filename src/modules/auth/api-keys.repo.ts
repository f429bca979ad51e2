import type { AdminApiKey, PrismaClient } from '../../generated/prisma/client.js';
import type { Tx } from '../../store/tx.js';

export type StoredApiKey = AdminApiKey;

export function createApiKeysRepo(db: PrismaClient) {
  return {
    create(data: {
      id: string;
      workspaceId: string;
      name: string;
      prefix: string;
      keyHash: string;
      canWrite: boolean;
      createdBy: string | null;
    }): Promise<StoredApiKey> {
      return db.adminApiKey.create({ data });
    },

    findByHash(keyHash: string): Promise<StoredApiKey | null> {
      return db.adminApiKey.findUnique({ where: { keyHash } });
    },

    list(workspaceId: string): Promise<StoredApiKey[]> {
      return db.adminApiKey.findMany({ where: { workspaceId }, orderBy: { createdAt: 'desc' }, take: 200 });
    },

    /** Scoped by workspace: another workspace's key id simply does not match. */
    async revoke(workspaceId: string, id: string, at: Date): Promise<StoredApiKey | null> {
      const { count } = await db.adminApiKey.updateMany({
        where: { id, workspaceId, revokedAt: null },
        data: { revokedAt: at },
      });
      if (count === 0) {
        const existing = await db.adminApiKey.findFirst({ where: { id, workspaceId } });
        return existing; // already revoked → idempotent; null → not found
      }
      return db.adminApiKey.findFirst({ where: { id, workspaceId } });
    },

    /** Every key of the workspace (DELETED, inside its transaction). */
    async deleteWorkspace(workspaceId: string, tx: Tx): Promise<number> {
      return (await tx.adminApiKey.deleteMany({ where: { workspaceId } })).count;
    },

    async touch(id: string, at: Date): Promise<void> {
      await db.adminApiKey.updateMany({ where: { id }, data: { lastUsedAt: at } });
    },
  };
}
export type ApiKeysRepo = ReturnType<typeof createApiKeysRepo>;
