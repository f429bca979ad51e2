import { describe, expect, it } from 'vitest';
import { formatRetryDelays, parseRetryDelays } from './retry-delays.js';

const fail = (text: string) => {
  const r = parseRetryDelays(text);
  return r.ok ? null : r.message;
};

describe('retry delays setting', () => {
  it('reads compact durations in s, m, h and d, and bare seconds', () => {
    expect(parseRetryDelays('5s,5m,30m,2h,5h,10h,14h,20h,24h')).toEqual({
      ok: true,
      delaysS: [5, 300, 1_800, 7_200, 18_000, 36_000, 50_400, 72_000, 86_400],
    });
    expect(parseRetryDelays(' 10 , 90s, 2M, 1d, ')).toEqual({ ok: true, delaysS: [10, 90, 120, 86_400] });
  });

  it('writes the canonical text back in the largest exact unit', () => {
    expect(formatRetryDelays([10, 90, 120, 7_200, 86_400])).toBe('10s,90s,2m,2h,24h');
  });

  it('names the problem: count, format, bounds, order', () => {
    expect(fail('')).toMatch(/at least one delay/);
    expect(fail(Array.from({ length: 21 }, () => '1m').join(','))).toMatch(
      /must list at most 20 delays \(it lists 21\)/,
    );
    expect(fail('5s,soon,1h')).toMatch(
      /^must list numbers with s, m, h or d, .*: delay 2 \("soon"\) is not one$/,
    );
    expect(fail('5s,,1h')).toMatch(/delay 2 \(""\) is not one/);
    expect(fail('-5s')).toMatch(/delay 1 .* is not one/);
    expect(fail('1.5h')).toMatch(/is not one/);
    expect(fail('0s')).toBe('must keep each delay between 1s and 24h: delay 1 (0s) is shorter');
    expect(fail('5s,25h')).toBe('must keep each delay between 1s and 24h: delay 2 (25h) is longer');
    expect(fail('2d')).toMatch(/is longer$/);
    expect(fail('5m,1m')).toBe('must not decrease: delay 2 (1m) is shorter than delay 1 (5m)');
    expect(fail('x'.repeat(301))).toMatch(/at most 300 characters/);
    expect(fail(Array.from({ length: 20 }, () => '1m').join(','))).toBeNull();
  });
});
