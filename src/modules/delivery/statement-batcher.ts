/**
 * Group commit for the delivery hot path's writes: items submitted while a statement is running (or in
 * the same turn of the event loop) are written together by the next one, each submitter then gets its own
 * result. A statement costs about the same for 1 row as for 100 on a loaded database, so under load N
 * statements become one and the throughput follows the batch size, while an idle gateway waits for
 * nothing but `setImmediate`. Only `maxInFlight` statements run at once (1: the fewest, biggest ones, and
 * the rows two statements of one process lock can never cross).
 */
export type StatementBatcher<In, Out> = {
  submit(item: In): Promise<Out>;
  /** Resolves once everything submitted so far is written (or failed). */
  flush(): Promise<void>;
};

export function createStatementBatcher<In, Out>(opts: {
  /** Writes the items in one statement and returns one result per item, in order. */
  write: (items: In[]) => Promise<Out[]>;
  maxBatch: number;
  maxInFlight?: number;
  /**
   * For writes nobody waits on to go fast (a failed attempt's settlement: its next attempt is seconds
   * away): a statement starts no sooner than this many ms after its oldest item arrived, unless
   * `maxBatch` items are waiting, so items that trickle in share a statement. Default 0.
   */
  gatherMs?: number;
  /** Milliseconds, for `gatherMs`; default performance.now. */
  now?: () => number;
}): StatementBatcher<In, Out> {
  type Pending = { item: In; resolve: (o: Out) => void; reject: (e: unknown) => void; at: number };
  const maxInFlight = opts.maxInFlight ?? 1;
  const gatherMs = opts.gatherMs ?? 0;
  const now = opts.now ?? (() => performance.now());
  let queue: Pending[] = [];
  let immediate: NodeJS.Immediate | undefined;
  let gathering: NodeJS.Timeout | undefined;
  const inFlight = new Set<Promise<void>>();

  function start(): void {
    while (queue.length > 0 && inFlight.size < maxInFlight) {
      const wait = gatherMs - (now() - queue[0]!.at);
      if (wait > 0 && queue.length < opts.maxBatch) {
        gathering ??= setTimeout(() => {
          gathering = undefined;
          start();
        }, wait);
        return;
      }
      const batch = queue.slice(0, opts.maxBatch);
      queue = queue.slice(batch.length);
      const p = write(batch).finally(() => {
        inFlight.delete(p);
        // Everything that arrived while this statement ran goes out now, together.
        start();
      });
      inFlight.add(p);
    }
  }

  async function write(batch: Pending[]): Promise<void> {
    try {
      const out = await opts.write(batch.map((b) => b.item));
      if (out.length !== batch.length)
        throw new Error(`statement returned ${out.length} results for ${batch.length} items`);
      batch.forEach((b, i) => b.resolve(out[i]!));
    } catch (err) {
      for (const b of batch) b.reject(err);
    }
  }

  return {
    submit(item) {
      return new Promise<Out>((resolve, reject) => {
        queue.push({ item, resolve, reject, at: gatherMs > 0 ? now() : 0 });
        if (queue.length >= opts.maxBatch) start();
        else if (immediate === undefined && inFlight.size < maxInFlight)
          // Items submitted in this turn of the event loop travel together.
          immediate = setImmediate(() => {
            immediate = undefined;
            start();
          });
      });
    },
    async flush() {
      while (queue.length > 0 || inFlight.size > 0) {
        if (gathering !== undefined) {
          clearTimeout(gathering);
          gathering = undefined;
        }
        // Nothing waits for the gathering time: flush writes what there is now.
        for (const p of queue) p.at = Number.NEGATIVE_INFINITY;
        start();
        await Promise.allSettled([...inFlight]);
      }
    },
  };
}
