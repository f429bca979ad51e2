import type { PrismaClient } from '../../generated/prisma/client.js';
import type { Tx } from '../../store/tx.js';

export type CacheEntry = {
  entityType: string;
  entityId: string;
  data: unknown;
  fetchedAt: Date;
  updatedAt: Date;
};
type Db = PrismaClient | Tx;

export function createCacheRepo(db: PrismaClient) {
  return {
    /** One statement per page. Ids must be unique within the batch (the caller dedupes). */
    async upsertMany(
      workspaceId: string,
      entityType: string,
      items: { id: string; data: unknown }[],
      at: Date,
      tx: Db = db,
    ): Promise<number> {
      if (items.length === 0) return 0;
      return tx.$executeRaw`
        INSERT INTO cached_entity (workspace_id, entity_type, entity_id, data, fetched_at, updated_at)
        SELECT ${workspaceId}, ${entityType}, e->>'id', e->'data', ${at}, ${at}
        FROM jsonb_array_elements(${JSON.stringify(items)}::jsonb) AS e
        ON CONFLICT (workspace_id, entity_type, entity_id) DO UPDATE
          SET data = EXCLUDED.data, fetched_at = EXCLUDED.fetched_at, updated_at = EXCLUDED.updated_at`;
    },

    /** A webhook's change: replaces the data, or merges a partial payload into what is cached. */
    async applyEvent(
      workspaceId: string,
      entityType: string,
      entityId: string,
      data: unknown,
      merge: boolean,
      at: Date,
      tx: Db = db,
    ): Promise<void> {
      const json = JSON.stringify(data);
      // fetched_at stays what the last API read was: it tells how old the Clockify-confirmed copy is.
      await (merge
        ? tx.$executeRaw`
            INSERT INTO cached_entity AS c (workspace_id, entity_type, entity_id, data, fetched_at, updated_at)
            VALUES (${workspaceId}, ${entityType}, ${entityId}, ${json}::jsonb, ${at}, ${at})
            ON CONFLICT (workspace_id, entity_type, entity_id) DO UPDATE
              SET data = c.data || EXCLUDED.data, updated_at = EXCLUDED.updated_at`
        : tx.$executeRaw`
            INSERT INTO cached_entity AS c (workspace_id, entity_type, entity_id, data, fetched_at, updated_at)
            VALUES (${workspaceId}, ${entityType}, ${entityId}, ${json}::jsonb, ${at}, ${at})
            ON CONFLICT (workspace_id, entity_type, entity_id) DO UPDATE
              SET data = EXCLUDED.data, updated_at = EXCLUDED.updated_at`);
    },

    async remove(workspaceId: string, entityType: string, entityId: string, tx: Db = db): Promise<number> {
      return (await tx.cachedEntity.deleteMany({ where: { workspaceId, entityType, entityId } })).count;
    },

    /** Keyset page by entity id: stable while entries are added or removed. */
    async list(
      workspaceId: string,
      entityType: string,
      limit: number,
      after?: string,
    ): Promise<CacheEntry[]> {
      return db.cachedEntity.findMany({
        where: { workspaceId, entityType, ...(after !== undefined ? { entityId: { gt: after } } : {}) },
        orderBy: { entityId: 'asc' },
        take: limit,
        select: { entityType: true, entityId: true, data: true, fetchedAt: true, updatedAt: true },
      });
    },

    get(workspaceId: string, entityType: string, entityId: string) {
      return db.cachedEntity.findUnique({
        where: { workspaceId_entityType_entityId: { workspaceId, entityType, entityId } },
      });
    },

    async countsByType(workspaceId: string): Promise<Record<string, number>> {
      const rows = await db.cachedEntity.groupBy({
        by: ['entityType'],
        where: { workspaceId },
        _count: { _all: true },
      });
      return Object.fromEntries(rows.map((r) => [r.entityType, r._count._all]));
    },

    /** Entries neither read from Clockify nor changed by a webhook since `before` (types limited when given). */
    async dropOlderThan(
      workspaceId: string,
      before: Date,
      entityTypes?: string[],
      tx: Db = db,
    ): Promise<number> {
      const { count } = await tx.cachedEntity.deleteMany({
        where: {
          workspaceId,
          fetchedAt: { lt: before },
          updatedAt: { lt: before },
          ...(entityTypes !== undefined ? { entityType: { in: entityTypes } } : {}),
        },
      });
      return count;
    },

    async purge(workspaceId: string, tx: Db): Promise<number> {
      return (await tx.cachedEntity.deleteMany({ where: { workspaceId } })).count;
    },
  };
}
export type CacheRepo = ReturnType<typeof createCacheRepo>;
