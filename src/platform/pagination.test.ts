import { describe, expect, it } from 'vitest';
import { keysetPage, timeRange } from './pagination.js';

describe('timeRange', () => {
  it('parses both ends and refuses from after to', () => {
    expect(timeRange({ from: '2026-01-01T00:00:00Z' }).from?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(() => timeRange({ from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' })).toThrow(
      /must not be after/,
    );
  });
});

describe('keysetPage', () => {
  it('gives a cursor only when a row beyond the limit came back', () => {
    expect(keysetPage([1, 2, 3], 2, (n) => n * 10, String)).toEqual({ items: [10, 20], nextCursor: '2' });
    expect(keysetPage([1, 2], 2, (n) => n, String)).toEqual({ items: [1, 2], nextCursor: null });
  });
});
