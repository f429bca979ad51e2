import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from './retry-after.js';

const NOW = Date.UTC(1994, 10, 6, 8, 49, 0); // Sun, 06 Nov 1994 08:49:00 GMT

describe('parseRetryAfter', () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', NOW)).toBe(0);
  });

  it('reads an HTTP date in each form RFC 9110 names, relative to now', () => {
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', NOW)).toBe(37_000);
    expect(parseRetryAfter('Sunday, 06-Nov-94 08:49:37 GMT', NOW)).toBe(37_000);
    expect(parseRetryAfter('Sun Nov  6 08:49:37 1994', NOW)).toBe(37_000);
  });

  it('treats a date in the past as now', () => {
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:00:00 GMT', NOW)).toBe(0);
  });

  it('caps absurd values at a week', () => {
    expect(parseRetryAfter('99999999999', NOW)).toBe(7 * 24 * 3_600_000);
    expect(parseRetryAfter('Fri, 01 Jan 2100 00:00:00 GMT', NOW)).toBe(7 * 24 * 3_600_000);
  });

  it('ignores what is neither', () => {
    for (const v of [
      undefined,
      '',
      '-1',
      '1.5',
      '1e3',
      'soon',
      '2024-01-01T00:00:00Z',
      'Sun, 06 Nov 1994 08:49:37 PST',
    ]) {
      expect(parseRetryAfter(v, NOW), String(v)).toBeUndefined();
    }
  });
});
