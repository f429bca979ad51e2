import { afterEach, describe, expect, it, vi } from 'vitest';
import { createStatementBatcher } from './statement-batcher.js';

/** A write the test finishes by hand, recording each batch it was given. */
function manualWrite() {
  const batches: number[][] = [];
  const finish: ((fail?: Error) => void)[] = [];
  const write = (items: number[]) => {
    batches.push(items);
    return new Promise<string[]>((resolve, reject) => {
      finish.push((fail) => (fail ? reject(fail) : resolve(items.map((i) => `r${i}`))));
    });
  };
  return { batches, finish, write };
}

const turn = () => new Promise<void>((r) => setImmediate(r));

describe('statement batcher', () => {
  it('writes what was submitted in one turn together and answers each submitter with its own result', async () => {
    const w = manualWrite();
    const b = createStatementBatcher({ write: w.write, maxBatch: 10 });
    const results = [1, 2, 3].map((i) => b.submit(i));
    await turn();
    expect(w.batches).toEqual([[1, 2, 3]]);
    w.finish[0]!();
    expect(await Promise.all(results)).toEqual(['r1', 'r2', 'r3']);
  });

  it('gathers what arrives while a statement runs into the next one, one statement at a time', async () => {
    const w = manualWrite();
    const b = createStatementBatcher({ write: w.write, maxBatch: 10 });
    const first = b.submit(1);
    await turn();
    const later = [2, 3, 4].map((i) => b.submit(i));
    await turn();
    expect(w.batches).toEqual([[1]]); // the first statement still runs
    w.finish[0]!();
    expect(await first).toBe('r1');
    await turn();
    expect(w.batches).toEqual([[1], [2, 3, 4]]);
    w.finish[1]!();
    expect(await Promise.all(later)).toEqual(['r2', 'r3', 'r4']);
  });

  it('splits at maxBatch, and runs up to maxInFlight statements at once', async () => {
    const w = manualWrite();
    const b = createStatementBatcher({ write: w.write, maxBatch: 2, maxInFlight: 2 });
    const all = [1, 2, 3, 4, 5].map((i) => b.submit(i));
    await turn();
    expect(w.batches).toEqual([
      [1, 2],
      [3, 4],
    ]);
    w.finish[0]!();
    await all[0];
    await turn();
    expect(w.batches).toEqual([[1, 2], [3, 4], [5]]);
    w.finish[1]!();
    w.finish[2]!();
    expect(await Promise.all(all)).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
  });

  it('fails every submitter of a failed statement, and goes on with the next', async () => {
    const w = manualWrite();
    const b = createStatementBatcher({ write: w.write, maxBatch: 10 });
    const failed = [1, 2].map((i) => b.submit(i));
    await turn();
    const next = b.submit(3);
    w.finish[0]!(new Error('deadlock'));
    for (const p of failed) await expect(p).rejects.toThrow('deadlock');
    await turn();
    w.finish[1]!();
    expect(await next).toBe('r3');
  });

  it('fails a batch whose statement returns the wrong number of results', async () => {
    const b = createStatementBatcher({ write: async () => ['only one'], maxBatch: 10 });
    const all = [b.submit(1), b.submit(2)];
    for (const p of all) await expect(p).rejects.toThrow(/1 results for 2 items/);
  });

  it('flush waits for everything submitted', async () => {
    const written: number[] = [];
    const b = createStatementBatcher({
      write: async (items: number[]) => {
        written.push(...items);
        return items;
      },
      maxBatch: 2,
    });
    void b.submit(1);
    void b.submit(2);
    void b.submit(3);
    await b.flush();
    expect(written).toEqual([1, 2, 3]);
  });

  describe('with gatherMs', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('starts a statement no sooner than gatherMs after its oldest item, unless maxBatch items wait', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      let t = 0;
      const w = manualWrite();
      const b = createStatementBatcher({ write: w.write, maxBatch: 3, gatherMs: 20, now: () => t });
      const first = b.submit(1);
      await turn();
      t = 10;
      const second = b.submit(2);
      await turn();
      expect(w.batches).toEqual([]); // still gathering
      t = 20;
      await vi.advanceTimersByTimeAsync(20);
      expect(w.batches).toEqual([[1, 2]]);
      w.finish[0]!();
      expect(await Promise.all([first, second])).toEqual(['r1', 'r2']);
      // A full batch goes at once.
      const full = [3, 4, 5].map((i) => b.submit(i));
      await turn();
      expect(w.batches).toEqual([
        [1, 2],
        [3, 4, 5],
      ]);
      w.finish[1]!();
      expect(await Promise.all(full)).toEqual(['r3', 'r4', 'r5']);
    });

    it('flush writes what waits without waiting for the gathering time', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const w = manualWrite();
      const b = createStatementBatcher({ write: w.write, maxBatch: 10, gatherMs: 60_000, now: () => 0 });
      const r = b.submit(7);
      await turn();
      expect(w.batches).toEqual([]);
      const flushed = b.flush();
      await turn();
      expect(w.batches).toEqual([[7]]);
      w.finish[0]!();
      await flushed;
      expect(await r).toBe('r7');
    });
  });
});
