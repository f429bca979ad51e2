import { describe, expect, it } from 'vitest';
import { createTtlCache } from './ttl-cache.js';

const deferred = <T>() => {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

describe('TtlCache', () => {
  it('expires entries after their TTL and drops the oldest above max', () => {
    let now = 0;
    const c = createTtlCache<string>({ max: 2, ttlMs: 100, now: () => now });
    c.set('a', 'A');
    c.set('b', 'B');
    c.set('a', 'A2'); // set again: now the newest
    c.set('c', 'C');
    expect([c.get('a'), c.get('b'), c.get('c')]).toEqual(['A2', undefined, 'C']);
    now = 100;
    expect(c.get('a')).toBeUndefined();
  });

  it('shares one load among everyone asking for a key while it loads, then serves the cached value', async () => {
    const c = createTtlCache<string | null>({ max: 10, ttlMs: 1_000 });
    const d = deferred<string | null>();
    let loads = 0;
    const load = () => {
      loads++;
      return d.promise;
    };
    const waiting = Array.from({ length: 20 }, () => c.getOrLoad('k', load));
    d.resolve(null); // "no such thing" is an answer worth caching too
    expect(await Promise.all(waiting)).toEqual(Array(20).fill(null));
    expect(await c.getOrLoad('k', load)).toBeNull();
    expect(loads).toBe(1);
  });

  it('does not cache a failed load, nor a value `keep` refuses; the next caller loads again', async () => {
    const c = createTtlCache<{ live: boolean }>({ max: 10, ttlMs: 1_000 });
    await expect(c.getOrLoad('k', () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    const notLive = await c.getOrLoad(
      'k',
      async () => ({ live: false }),
      (v) => v.live,
    );
    expect(notLive).toEqual({ live: false });
    expect(c.get('k')).toBeUndefined();
    await c.getOrLoad(
      'k',
      async () => ({ live: true }),
      (v) => v.live,
    );
    expect(c.get('k')).toEqual({ live: true });
  });

  it('does not cache a load that was running when the key was deleted; the next caller loads anew', async () => {
    const c = createTtlCache<string>({ max: 10, ttlMs: 1_000 });
    const stale = deferred<string>();
    const first = c.getOrLoad('k', () => stale.promise);
    c.delete('k'); // e.g. the source was changed on this instance meanwhile
    const second = c.getOrLoad('k', async () => 'fresh');
    stale.resolve('stale');
    expect(await first).toBe('stale');
    expect(await second).toBe('fresh');
    expect(c.get('k')).toBe('fresh');
  });
});
