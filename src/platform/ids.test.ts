import { describe, expect, it } from 'vitest';
import { newId, newSortableId, randomId } from './ids.js';

describe('ids', () => {
  it('draws random ids of the requested length from the base-36 alphabet, without repeats', () => {
    const ids = Array.from({ length: 5_000 }, () => randomId());
    for (const id of ids) expect(id).toMatch(/^[0-9a-z]{20}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(randomId(7)).toMatch(/^[0-9a-z]{7}$/);
    expect(newId('key')).toMatch(/^key_[0-9a-z]{20}$/);
  });

  it('spreads characters evenly (no modulo bias worth the name)', () => {
    const counts = new Map<string, number>();
    for (const c of randomId(72_000)) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(36);
    for (const n of counts.values()) expect(Math.abs(n - 2_000)).toBeLessThan(300);
  });

  it('makes sortable ids of the same shape that strictly increase, also within one millisecond', () => {
    const ids = Array.from({ length: 3_000 }, (_, i) =>
      newSortableId('evt', 1_800_000_000_000 + Math.floor(i / 1_000)),
    );
    for (const id of ids) expect(id).toMatch(/^evt_[0-9a-z]{20}$/);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('keeps increasing when the clock steps back or one millisecond runs out of counter values', () => {
    const a = newSortableId('job', 1_900_000_000_000);
    const b = newSortableId('job', 1_899_999_999_000);
    expect(b > a).toBe(true);
    let prev = newSortableId('job', 1_950_000_000_000);
    for (let i = 0; i < 50_000; i++) {
      const next = newSortableId('job', 1_950_000_000_000);
      expect(next > prev).toBe(true);
      prev = next;
    }
    expect(prev.slice(4, 13)).toBe((1_950_000_000_001).toString(36).padStart(9, '0'));
  });
});
