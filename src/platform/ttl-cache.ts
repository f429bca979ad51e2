/**
 * A small bounded cache: each entry expires after its TTL, and above `max` the oldest entries go first
 * (insertion order: a hit does not reorder, which would cost two map writes per request).
 * Used on the webhook hot path (verified Clockify tokens, source and workspace lookups) so a request
 * costs no extra query. Time comes in as `now` (ms) so tests can drive it.
 */
export type TtlCache<V> = {
  get(key: string): V | undefined;
  /**
   * The cached value, else the result of `load`, cached when `keep` allows it (default: always). Callers
   * asking for a key while it is being loaded share that one load, so an entry expiring under load costs
   * one query, not one per request in flight. A failed load is not cached; the next caller tries again.
   */
  getOrLoad(key: string, load: () => Promise<V>, keep?: (value: V) => boolean): Promise<V>;
  set(key: string, value: V, ttlMs?: number): void;
  delete(key: string): void;
  clear(): void;
  readonly size: number;
};

export function createTtlCache<V>(opts: { max: number; ttlMs: number; now?: () => number }): TtlCache<V> {
  const now = opts.now ?? Date.now;
  const map = new Map<string, { value: V; expiresAt: number }>();
  const loading = new Map<string, Promise<V>>();
  const cache: TtlCache<V> = {
    get(key) {
      const hit = map.get(key);
      if (hit === undefined) return undefined;
      if (hit.expiresAt <= now()) {
        map.delete(key);
        return undefined;
      }
      return hit.value;
    },
    getOrLoad(key, load, keep) {
      const hit = cache.get(key);
      if (hit !== undefined) return Promise.resolve(hit);
      const pending = loading.get(key);
      if (pending !== undefined) return pending;
      // A delete() while this load runs (the entry changed here) means its result may predate the change:
      // it is still returned to those who asked, but not cached.
      const current = () => loading.get(key) === p;
      const p: Promise<V> = load()
        .then((value) => {
          if (current() && (keep === undefined || keep(value))) cache.set(key, value);
          return value;
        })
        .finally(() => {
          if (current()) loading.delete(key);
        });
      loading.set(key, p);
      return p;
    },
    set(key, value, ttlMs = opts.ttlMs) {
      map.delete(key);
      map.set(key, { value, expiresAt: now() + ttlMs });
      while (map.size > opts.max) {
        const oldest = map.keys().next().value;
        if (oldest === undefined) break;
        map.delete(oldest);
      }
    },
    delete(key) {
      map.delete(key);
      loading.delete(key);
    },
    clear() {
      map.clear();
      loading.clear();
    },
    get size() {
      return map.size;
    },
  };
  return cache;
}
