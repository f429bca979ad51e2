import { describe, expect, it } from 'vitest';
import { readSettings } from '../installations/settings.js';
import { classifyAttempt } from './classify-attempt.js';
import {
  DEFAULT_RETRY_DELAYS_S,
  DEFAULT_RETRY_SCHEDULE,
  maxAttempts,
  nextAttemptAt,
} from './retry-schedule.js';
import { createWorkspaceSchedules, scheduleFromDelays } from './workspace-schedule.js';

const NOW = new Date('2026-01-01T00:00:00Z');
const clock = { now: () => NOW };
const failed500 = {
  kind: 'response',
  status: 500,
  class: '5xx',
} as unknown as Parameters<typeof classifyAttempt>[0]['result'];

describe('workspace retry schedule', () => {
  it('the setting’s default is the default schedule', () => {
    expect(readSettings({}).delivery.retryDelaysS).toEqual(DEFAULT_RETRY_DELAYS_S);
  });

  it('a custom schedule sets the waits and the number of attempts', () => {
    const s = scheduleFromDelays(
      readSettings({ delivery_retry_schedule: '2s,10s,1m' }).delivery.retryDelaysS,
    );
    expect(maxAttempts(s)).toBe(4);
    const waits = [1, 2, 3, 4].map((n) => {
      const at = nextAttemptAt({ schedule: s, attemptsMade: n, now: NOW, random: () => 0.5 });
      return at === null ? null : at.getTime() - NOW.getTime();
    });
    expect(waits).toEqual([2_000, 10_000, 60_000, null]);
    // The last attempt dead-letters; the 60 s floor after a 429 still holds on a 2 s slot.
    expect(
      classifyAttempt({ result: failed500, attemptsMade: 4, now: NOW, random: () => 0.5, schedule: s }),
    ).toEqual({ outcome: 'dead-letter', errorClass: '5xx' });
    const r429 = { ...failed500, status: 429, class: '429' } as typeof failed500;
    const d = classifyAttempt({ result: r429, attemptsMade: 1, now: NOW, random: () => 0.5, schedule: s });
    expect(d.outcome === 'retry' && d.at.getTime() - NOW.getTime()).toBe(60_000);
  });

  it('reads each workspace’s setting, and falls back to the default when it cannot', async () => {
    const scheduleOf = createWorkspaceSchedules({
      settingsOf: async (ws) => {
        if (ws === 'gone') throw new Error('not installed');
        return readSettings(ws === 'short' ? { delivery_retry_schedule: '1s,1s' } : {});
      },
      clock,
    });
    expect((await scheduleOf('short')).delaysMs).toEqual([1_000, 1_000]);
    expect(await scheduleOf('other')).toEqual(DEFAULT_RETRY_SCHEDULE);
    expect(await scheduleOf('gone')).toBe(DEFAULT_RETRY_SCHEDULE);
  });
});
