import { AppError } from '../../platform/errors.js';
import type { Tx } from '../../store/tx.js';
import { ENTITY_TYPES } from '../bootstrap/bootstrap.plan.js';
import type { InstallationsService } from '../installations/installations.service.js';
import type { CacheRepo } from './cache.repo.js';

const KNOWN = new Set(ENTITY_TYPES);

/**
 * The entity cache: reads for the admin API (always scoped by the caller's workspace) and the writes
 * of a bootstrap run, which it makes inside its own page transaction.
 */
export function createCacheService(deps: {
  repo: Pick<CacheRepo, 'list' | 'get' | 'countsByType' | 'upsertMany' | 'dropOlderThan'>;
  installations: Pick<InstallationsService, 'requireInstalled'>;
}) {
  return {
    entityTypes: ENTITY_TYPES,

    /** Unknown types are 404 (a typo should not look like an empty cache). */
    async list(workspaceId: string, entityType: string, opts: { limit: number; cursor?: string }) {
      if (!KNOWN.has(entityType)) {
        throw new AppError('NOT_FOUND', `Unknown entity type ${entityType}`, {
          details: { entityTypes: ENTITY_TYPES },
        });
      }
      await deps.installations.requireInstalled(workspaceId);
      // One extra row tells whether another page exists without a count query.
      const rows = await deps.repo.list(workspaceId, entityType, opts.limit + 1, opts.cursor);
      const page = rows.slice(0, opts.limit);
      return {
        entityType,
        items: page.map((r) => ({
          id: r.entityId,
          data: r.data,
          fetchedAt: r.fetchedAt.toISOString(),
          updatedAt: r.updatedAt.toISOString(),
        })),
        nextCursor: rows.length > opts.limit ? (page.at(-1)?.entityId ?? null) : null,
      };
    },

    counts: (workspaceId: string) => deps.repo.countsByType(workspaceId),

    /** Cached entities by (type, id), for flows' `cache.<type>.<id>` templates; absent ones are left out. */
    async lookup(
      workspaceId: string,
      refs: readonly { entityType: string; id: string }[],
    ): Promise<Map<string, unknown>> {
      const found = new Map<string, unknown>();
      for (const r of refs.slice(0, 50)) {
        const row = await deps.repo.get(workspaceId, r.entityType, r.id);
        if (row !== null) found.set(`${r.entityType}\u0000${r.id}`, row.data);
      }
      return found;
    },

    /** A page of entities read from Clockify (ids unique within the page). */
    storePage: (
      workspaceId: string,
      entityType: string,
      items: { id: string; data: unknown }[],
      at: Date,
      tx?: Tx,
    ): Promise<number> => deps.repo.upsertMany(workspaceId, entityType, items, at, tx),

    /** Entries neither read from Clockify nor changed by a webhook since `before` (types limited when given). */
    dropOlderThan: (workspaceId: string, before: Date, entityTypes?: string[], tx?: Tx): Promise<number> =>
      deps.repo.dropOlderThan(workspaceId, before, entityTypes, tx),
  };
}
export type CacheService = ReturnType<typeof createCacheService>;
