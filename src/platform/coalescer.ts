/**
 * Coalesces concurrent calls of one statement into batches (group commit in the application): a call made
 * while fewer than `maxInFlight` batches run (default one) goes out at once, alone, so an idle system waits
 * for nothing; calls made while that many are running wait together and go out as the next batch, one
 * statement and one commit for all of them. Under load a batch holds what arrived during one statement's
 * round trip (bench:flows: one in flight made fewer statements than two, at no cost in latency). Each caller's promise settles with its own item's result, only after the
 * batch that carried it has returned, so a caller never proceeds on a write that has not committed.
 *
 * `run` gets the items in call order and returns one result per item, in the same order; an `Error` in
 * that array rejects that caller alone. `run` must be atomic (one statement): when it throws for a batch
 * of several, nothing of it happened, and each item is run again alone, so one item the database refuses
 * (a value it cannot store) fails only its own caller; a lone item's error goes to its caller.
 */
export type Coalesced<I, O> = (item: I) => Promise<O>;

type Waiting<I, O> = { item: I; resolve: (o: O) => void; reject: (e: unknown) => void };

export function createCoalescer<I, O>(
  run: (items: I[]) => Promise<(O | Error)[]>,
  opts: { maxInFlight?: number; maxBatch?: number } = {},
): Coalesced<I, O> {
  const maxInFlight = Math.max(1, opts.maxInFlight ?? 1);
  const maxBatch = Math.max(1, opts.maxBatch ?? 200);
  let inFlight = 0;
  let queue: Waiting<I, O>[] = [];

  async function runAndSettle(batch: Waiting<I, O>[]): Promise<void> {
    let results: (O | Error)[];
    try {
      results = await run(batch.map((w) => w.item));
    } catch (err) {
      if (batch.length === 1) batch[0]!.reject(err);
      else for (const w of batch) await runAndSettle([w]);
      return;
    }
    batch.forEach((w, i) => {
      const r = results[i];
      if (r instanceof Error) w.reject(r);
      else if (i >= results.length) w.reject(new Error('coalesced statement returned too few results'));
      else w.resolve(r as O);
    });
  }

  function send(batch: Waiting<I, O>[]): void {
    inFlight++;
    void runAndSettle(batch).finally(() => {
      inFlight--;
      next();
    });
  }

  function next(): void {
    while (inFlight < maxInFlight && queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      send(batch);
    }
  }

  return (item) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      next();
    });
}
