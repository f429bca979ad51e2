import type { Clock } from '../../platform/clock.js';
import type { EventProcessor } from '../ingestion/event-processors.js';
import { cacheActionFor } from './cache-events.js';
import type { CacheRepo } from './cache.repo.js';

/**
 * Keeps the entity cache fresh from Clockify webhooks. Idempotent (upserts and deletes), so an event
 * processed twice leaves the same cache. Custom-source events are not Clockify entities: ignored.
 */
export function createCacheEventProcessor(deps: {
  cache: Pick<CacheRepo, 'applyEvent' | 'remove'>;
  clock: Clock;
}): EventProcessor {
  return {
    name: 'entity-cache',
    async process(event, ctx) {
      if (event.sourceKind !== 'clockify') return;
      const action = cacheActionFor(event.eventType, event.payload, event.workspaceId);
      switch (action.kind) {
        case 'upsert':
          await deps.cache.applyEvent(
            event.workspaceId,
            action.entityType,
            action.entityId,
            action.data,
            action.merge,
            deps.clock.now(),
          );
          return;
        case 'delete':
          await deps.cache.remove(event.workspaceId, action.entityType, action.entityId);
          return;
        case 'ignore':
          ctx.log.debug(
            { eventId: event.id, eventType: event.eventType, reason: action.reason },
            'cache: event ignored',
          );
          return;
      }
    },
  };
}
