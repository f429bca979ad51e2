import { describe, expect, it } from 'vitest';
import {
  applySettingsUpdate,
  defaultSettings,
  readSettings,
} from '../../src/modules/installations/settings.js';

describe('settings', () => {
  it('defaults to 25 requests per second, no heavy endpoints, time entries on', () => {
    expect(readSettings({}).bootstrap).toEqual({
      maxRequestsPerSecond: 25,
      includeHeavy: false,
      includeTimeEntries: true,
      timeEntryDaysBack: 30,
    });
  });

  it('ignores stored garbage when reading', () => {
    expect(
      readSettings({ bootstrap_max_rps: 'lots', cache_ttl_days: 3 }).bootstrap.maxRequestsPerSecond,
    ).toBe(25);
    expect(readSettings(null).cache.ttlDays).toBe(7);
  });

  it('rejects out-of-range, fractional and wrongly typed values, all or nothing', () => {
    const r = applySettingsUpdate(defaultSettings(), [
      { id: 'bootstrap_max_rps', value: 0 },
      { id: 'bootstrap_time_entry_days', value: 1.5 },
      { id: 'webhooks_accept_custom', value: 1 },
      { id: 'cache_ttl_days', value: 10 },
    ]);
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.problems.map((p) => p.id)).toEqual([
        'bootstrap_max_rps',
        'bootstrap_time_entry_days',
        'webhooks_accept_custom',
      ]);
  });

  it('accepts the 1–50 bounds and reports unknown ids as ignored', () => {
    const r = applySettingsUpdate({}, [
      { id: 'bootstrap_max_rps', value: 50 },
      { id: 'mystery', value: 1 },
    ]);
    expect(r).toMatchObject({ ok: true, ignored: ['mystery'], settings: { bootstrap_max_rps: 50 } });
  });

  it('stores the retry schedule as canonical text and rejects one out of bounds, naming the problem', () => {
    expect(applySettingsUpdate({}, [{ id: 'delivery_retry_schedule', value: '30 , 90s,2H' }])).toMatchObject({
      ok: true,
      settings: { delivery_retry_schedule: '30s,90s,2h' },
    });
    expect(readSettings({ delivery_retry_schedule: '30s,90s,2h' }).delivery.retryDelaysS).toEqual([
      30, 90, 7_200,
    ]);
    expect(applySettingsUpdate({}, [{ id: 'delivery_retry_schedule', value: '1h,2d' }])).toEqual({
      ok: false,
      problems: [
        {
          id: 'delivery_retry_schedule',
          message: 'Retry schedule must keep each delay between 1s and 24h: delay 2 (2d) is longer',
        },
      ],
    });
    expect(readSettings({ delivery_retry_schedule: '1h,2d' }).delivery.retryDelaysS).toHaveLength(9);
  });
});
