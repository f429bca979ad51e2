import type { Logger } from 'pino';
import type { InsertOutcome, NewEvent } from './events.repo.js';

/**
 * Group commit for inbound events. Requests that arrive within a short window (or while the previous
 * batch is being written) are written together by one statement, then each request is answered. A
 * commit (with its fsync) costs about the same for 1 row as for 100, so under load this turns N
 * commits into one and the throughput follows the batch size, while an idle gateway adds at most
 * `windowMs` to a request. A request is answered only after its batch committed (invariant 1).
 *
 * Measured with bench/ingest.bench.ts (50 connections, PostgreSQL with fsync on): see docs/ingestion.md.
 */
export type WriteBatch = (events: NewEvent[]) => Promise<InsertOutcome[]>;

export type IngestBatcher = {
  submit(event: NewEvent): Promise<InsertOutcome>;
  /** Writes what is pending and waits for every batch in flight. */
  flush(): Promise<void>;
};

export function createIngestBatcher(opts: {
  write: WriteBatch;
  windowMs: number;
  maxBatch: number;
  /** Batches written at once. 1 (the default) makes the fewest, biggest statements: measured best on 2 CPUs. */
  maxInFlight?: number;
  log?: Logger;
  onCommitted?: (outcomes: InsertOutcome[]) => void;
}): IngestBatcher {
  type Pending = { event: NewEvent; resolve: (o: InsertOutcome) => void; reject: (e: unknown) => void };
  const maxInFlight = opts.maxInFlight ?? 1;
  let queue: Pending[] = [];
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  const inFlight = new Set<Promise<void>>();

  function schedule(): void {
    if (queue.length >= opts.maxBatch) {
      startBatch();
      return;
    }
    if (timer !== undefined || immediate !== undefined || inFlight.size >= maxInFlight) return; // a finishing batch picks the queue up
    if (opts.windowMs <= 0) {
      // No window: the batch leaves once this turn of the event loop has read every request it could,
      // so requests parsed together travel together without waiting a timer's millisecond.
      immediate = setImmediate(() => {
        immediate = undefined;
        startBatch();
      });
      return;
    }
    timer = setTimeout(() => {
      timer = undefined;
      startBatch();
    }, opts.windowMs);
  }

  function startBatch(): void {
    if (queue.length === 0 || inFlight.size >= maxInFlight) return;
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (immediate !== undefined) {
      clearImmediate(immediate);
      immediate = undefined;
    }
    const batch = queue.slice(0, opts.maxBatch);
    queue = queue.slice(batch.length);
    const p = writeWithRetry(batch).finally(() => {
      inFlight.delete(p);
      // Everything that arrived while this batch was being written goes out now, as one batch.
      if (queue.length > 0) startBatch();
    });
    inFlight.add(p);
  }

  async function writeWithRetry(batch: Pending[]): Promise<void> {
    const events = batch.map((b) => b.event);
    for (let attempt = 1; ; attempt++) {
      try {
        const outcomes = await opts.write(events);
        batch.forEach((b, i) => b.resolve(outcomes[i]!));
        opts.onCommitted?.(outcomes);
        return;
      } catch (err) {
        // Two batches inserting the same dedup keys in different orders can deadlock; the loser is rolled
        // back whole, so writing it again is safe. Anything else fails the batch's requests (500: the sender retries).
        const code =
          (err as { code?: unknown; meta?: { code?: unknown } }).meta?.code ??
          (err as { code?: unknown }).code;
        if (attempt < 3 && (code === '40P01' || code === '40001')) continue;
        opts.log?.error({ err, size: batch.length }, 'ingest batch failed');
        for (const b of batch) b.reject(err);
        return;
      }
    }
  }

  return {
    submit(event) {
      return new Promise<InsertOutcome>((resolve, reject) => {
        queue.push({ event, resolve, reject });
        schedule();
      });
    },
    async flush() {
      startBatch();
      while (inFlight.size > 0 || queue.length > 0) {
        await Promise.allSettled([...inFlight]);
        startBatch();
      }
    },
  };
}
