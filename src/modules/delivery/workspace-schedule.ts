/**
 * Each workspace's retry schedule, from its `delivery_retry_schedule` setting (validated when saved, in
 * src/modules/installations/settings.ts). Read when an attempt is classified, so a changed setting applies
 * from the next attempt of every pending message. Cached for a second per workspace: an attempt costs no
 * extra query under load.
 */
import type { Clock } from '../../platform/clock.js';
import { createTtlCache } from '../../platform/ttl-cache.js';
import type { WorkspaceSettings } from '../installations/settings.js';
import { DEFAULT_RETRY_SCHEDULE, type RetrySchedule, defineRetrySchedule } from './retry-schedule.js';

/** The schedule of a list of retry delays (seconds), with the default jitter. Pure; throws on bad input. */
export const scheduleFromDelays = (delaysS: readonly number[]): RetrySchedule =>
  defineRetrySchedule({ delaysS });

export function createWorkspaceSchedules(deps: {
  settingsOf: (workspaceId: string) => Promise<Pick<WorkspaceSettings, 'delivery'>>;
  clock: Clock;
  /** Used when the workspace's settings cannot be read (e.g. it was uninstalled meanwhile). */
  fallback?: RetrySchedule | undefined;
}): (workspaceId: string) => Promise<RetrySchedule> {
  const fallback = deps.fallback ?? DEFAULT_RETRY_SCHEDULE;
  const cache = createTtlCache<RetrySchedule>({
    max: 10_000,
    ttlMs: 1_000,
    now: () => deps.clock.now().getTime(),
  });
  // Schedules are immutable: workspaces with the same text share one.
  const byText = new Map<string, RetrySchedule>();
  const load = async (workspaceId: string): Promise<RetrySchedule> => {
    let delaysS: readonly number[];
    try {
      delaysS = (await deps.settingsOf(workspaceId)).delivery.retryDelaysS;
    } catch {
      return fallback;
    }
    const key = delaysS.join(',');
    let s = byText.get(key);
    if (s === undefined) {
      try {
        s = scheduleFromDelays(delaysS);
      } catch {
        return fallback;
      }
      if (byText.size < 1_000) byText.set(key, s);
    }
    return s;
  };
  return (workspaceId) => cache.getOrLoad(workspaceId, () => load(workspaceId));
}
