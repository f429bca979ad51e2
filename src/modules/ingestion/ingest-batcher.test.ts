import { describe, expect, it } from 'vitest';
import type { InsertOutcome, NewEvent } from './events.repo.js';
import { type WriteBatch, createIngestBatcher } from './ingest-batcher.js';

const ev = (key: string): NewEvent => ({
  workspaceId: 'w',
  sourceKind: 'custom',
  sourceKey: 's',
  eventType: 't',
  dedupKey: key,
  contentType: 'application/json',
  body: Buffer.from('{}'),
  headers: {},
  verification: {},
  receivedAt: new Date(0),
});
const accepted = (events: NewEvent[]): InsertOutcome[] =>
  events.map((e) => ({ kind: 'accepted', eventId: `evt_${e.dedupKey}`, jobId: null }));

/** A write whose batches the test finishes by hand, recording what happened in which order. */
function manualWrite() {
  const log: string[] = [];
  const open: { keys: string[]; finish: (err?: Error) => void }[] = [];
  const write: WriteBatch = (events) =>
    new Promise((resolve, reject) => {
      const keys = events.map((e) => e.dedupKey);
      log.push(`write ${keys.join(',')}`);
      open.push({ keys, finish: (err) => (err === undefined ? resolve(accepted(events)) : reject(err)) });
    });
  return { write, log, open };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('ingest batcher (group commit)', () => {
  it('writes requests that arrive together as one batch and answers each with its own outcome', async () => {
    const w = manualWrite();
    const b = createIngestBatcher({ write: w.write, windowMs: 0, maxBatch: 100 });
    const answers = ['a', 'b', 'c'].map((k) => b.submit(ev(k)));
    await tick();
    expect(w.log).toEqual(['write a,b,c']);
    w.open[0]!.finish();
    expect(await Promise.all(answers)).toEqual(accepted([ev('a'), ev('b'), ev('c')]));
  });

  it('splits at maxBatch and keeps at most maxInFlight batches in the database', async () => {
    const w = manualWrite();
    const b = createIngestBatcher({ write: w.write, windowMs: 0, maxBatch: 2, maxInFlight: 1 });
    const answers = ['a', 'b', 'c', 'd', 'e'].map((k) => b.submit(ev(k)));
    await tick();
    expect(w.log).toEqual(['write a,b']);
    w.open[0]!.finish();
    await tick();
    expect(w.log).toEqual(['write a,b', 'write c,d']);
    w.open[1]!.finish();
    await tick();
    w.open[2]!.finish();
    expect((await Promise.all(answers)).map((o) => (o as { eventId: string }).eventId)).toEqual(
      ['a', 'b', 'c', 'd', 'e'].map((k) => `evt_${k}`),
    );
  });

  it('writes a deadlocked batch again, and fails the requests of a batch that cannot be written', async () => {
    const w = manualWrite();
    const b = createIngestBatcher({ write: w.write, windowMs: 0, maxBatch: 100 });
    const retried = b.submit(ev('a'));
    await tick();
    w.open[0]!.finish(Object.assign(new Error('deadlock detected'), { code: '40P01' }));
    await tick();
    expect(w.log).toEqual(['write a', 'write a']);
    w.open[1]!.finish();
    expect(await retried).toMatchObject({ kind: 'accepted' });

    const failed = b.submit(ev('b'));
    await tick();
    w.open[2]!.finish(new Error('disk full'));
    await expect(failed).rejects.toThrow('disk full');
    // The slot is free again: later requests are written.
    const later = b.submit(ev('c'));
    await tick();
    w.open[3]!.finish();
    expect(await later).toMatchObject({ kind: 'accepted' });
  });

  it('flush writes what is queued and waits until every request is answered', async () => {
    const answered: string[] = [];
    const b = createIngestBatcher({ write: async (events) => accepted(events), windowMs: 50, maxBatch: 100 });
    for (const k of ['a', 'b']) void b.submit(ev(k)).then(() => answered.push(k));
    await b.flush();
    await Promise.resolve();
    expect(answered).toEqual(['a', 'b']);
  });
});
