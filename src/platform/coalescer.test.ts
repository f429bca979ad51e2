import { describe, expect, it } from 'vitest';
import { createCoalescer } from './coalescer.js';

/** A `run` whose batches finish when the test says so. */
function controlled() {
  const batches: { items: number[]; finish: (r?: (number | Error)[]) => void; fail: (e: unknown) => void }[] =
    [];
  const run = (items: number[]) =>
    new Promise<(number | Error)[]>((resolve, reject) => {
      batches.push({ items, finish: (r) => resolve(r ?? items.map((i) => i * 10)), fail: reject });
    });
  return { batches, run };
}
const flush = () => new Promise((r) => setImmediate(r));

describe('createCoalescer', () => {
  it('sends a lone call at once, by itself', async () => {
    const c = controlled();
    const call = createCoalescer(c.run, { maxInFlight: 1 });
    const p = call(1);
    expect(c.batches.map((b) => b.items)).toEqual([[1]]);
    c.batches[0]!.finish();
    await expect(p).resolves.toBe(10);
  });

  it('sends calls made while the batches in flight run as one batch, answering each only after it returns', async () => {
    const c = controlled();
    const call = createCoalescer(c.run, { maxInFlight: 1 });
    const first = call(1);
    const settled: number[] = [];
    const rest = [2, 3, 4].map((n) => call(n).then((v) => settled.push(v)));
    expect(c.batches.map((b) => b.items)).toEqual([[1]]);
    c.batches[0]!.finish();
    await first;
    await flush();
    expect(c.batches.map((b) => b.items)).toEqual([[1], [2, 3, 4]]);
    expect(settled).toEqual([]); // not before their own batch returned
    c.batches[1]!.finish();
    await Promise.all(rest);
    expect(settled).toEqual([20, 30, 40]);
  });

  it('runs up to maxInFlight batches at once and caps a batch at maxBatch', async () => {
    const c = controlled();
    const call = createCoalescer(c.run, { maxInFlight: 2, maxBatch: 2 });
    const all = [1, 2, 3, 4, 5].map((n) => call(n));
    expect(c.batches.map((b) => b.items)).toEqual([[1], [2]]);
    c.batches[0]!.finish();
    await flush();
    expect(c.batches.map((b) => b.items)).toEqual([[1], [2], [3, 4]]);
    c.batches[1]!.finish();
    await flush();
    expect(c.batches.map((b) => b.items)).toEqual([[1], [2], [3, 4], [5]]);
    c.batches[2]!.finish();
    c.batches[3]!.finish();
    await expect(Promise.all(all)).resolves.toEqual([10, 20, 30, 40, 50]);
  });

  it('rejects only the caller whose result is an Error; a batch that throws is run again item by item', async () => {
    const c = controlled();
    const call = createCoalescer(c.run, { maxInFlight: 1 });
    const first = call(1);
    const a = call(2);
    const b = call(3);
    c.batches[0]!.fail(new Error('connection lost'));
    await expect(first).rejects.toThrow('connection lost'); // alone: its own error
    await flush();
    expect(c.batches.map((x) => x.items)).toEqual([[1], [2, 3]]);
    c.batches[1]!.fail(new Error('unsupported Unicode escape sequence'));
    await flush();
    expect(c.batches.map((x) => x.items)).toEqual([[1], [2, 3], [2]]); // then each alone, in order
    c.batches[2]!.finish();
    await expect(a).resolves.toBe(20);
    await flush();
    expect(c.batches.map((x) => x.items)).toEqual([[1], [2, 3], [2], [3]]);
    c.batches[3]!.fail(new Error('unsupported Unicode escape sequence'));
    await expect(b).rejects.toThrow('unsupported Unicode');
    // Results that are Errors reject only their callers.
    const blocker = call(4);
    const d = call(5);
    const e = call(6);
    c.batches[4]!.finish();
    await blocker;
    await flush();
    expect(c.batches[5]!.items).toEqual([5, 6]);
    c.batches[5]!.finish([50, new Error('duplicate step')]);
    await expect(d).resolves.toBe(50);
    await expect(e).rejects.toThrow('duplicate step');
  });
});
