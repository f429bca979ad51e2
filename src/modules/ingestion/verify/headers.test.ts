import { describe, expect, it } from 'vitest';
import { headerLookup, normaliseHeaders } from './headers.js';

describe('headerLookup', () => {
  it('reads Node-style headers (lowercase names) case-insensitively, trimmed, empty as absent', () => {
    const h = headerLookup({ 'x-github-delivery': ' abc ', 'x-empty': '  ', 'set-cookie': ['a=1', 'b=2'] });
    expect(h('X-GitHub-Delivery')).toBe('abc');
    expect(h('x-empty')).toBeUndefined();
    expect(h('x-missing')).toBeUndefined();
    expect(h('Set-Cookie')).toBe('a=1, b=2');
  });

  it('merges names that differ only in case, so a sender cannot pick which copy is read', () => {
    const h = headerLookup({ 'X-Sig': 'one', 'x-sig': 'two', 'X-SIG': ['three'], Skipped: undefined });
    expect(h('x-sig')).toBe('one, two, three');
    expect(h('skipped')).toBeUndefined();
  });
});

describe('normaliseHeaders', () => {
  it('lowercases names and joins repeats and arrays with ", "', () => {
    expect(
      normaliseHeaders({
        'Content-Type': 'application/json',
        'X-A': ['1', '2'],
        'x-a': '3',
        gone: undefined,
      }),
    ).toEqual({
      'content-type': 'application/json',
      'x-a': '1, 2, 3',
    });
  });
});
