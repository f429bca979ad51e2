import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Reschedule, RetryAt, defineJob } from '../../src/jobs/catalog.js';
import { claim, enqueue, reschedule } from '../../src/jobs/queue.js';
import { JobRegistry } from '../../src/jobs/runner.js';
import type { Database } from '../../src/store/database.js';
import { createTestDatabase } from '../helpers/database.js';
import { manualClock, testRunner } from '../helpers/jobs.js';
import { waitFor } from '../helpers/wait-for.js';

let db: Database;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db.close());
beforeEach(async () => {
  await db.prisma.job.deleteMany();
});

const jobRow = (id: string) => db.prisma.job.findUniqueOrThrow({ where: { id } });
const finished = (id: string) => async () => {
  const row = await jobRow(id);
  return row.status === 'succeeded' || row.status === 'dead' ? row : null;
};

describe('RetryAt: a handler sets the next attempt time (counted)', () => {
  it('stores the requested time, counts the attempt and moves the job to the retry lane', async () => {
    // The clock the handler and the runner read; the backoff (an hour) would give another time.
    const clock = manualClock(new Date('2030-01-01T00:00:00Z'));
    const def = defineJob('test.retry-at', {
      schema: z.object({}),
      maxAttempts: 5,
      backoffSeconds: () => 3_600,
    });
    const retryAt = new Date(clock.now().getTime() + 42_000); // e.g. a 429's Retry-After: 42
    const registry = new JobRegistry().register(def, async () => {
      throw new RetryAt(retryAt, 'rate limited by the endpoint');
    });
    const runner = testRunner(db, registry, { clock });
    const id = (await enqueue(db.prisma, def, {}))!;
    runner.start();
    try {
      await waitFor(async () => (await jobRow(id)).attempts === 1 && (await jobRow(id)).status === 'queued', {
        what: 'the attempt recorded',
      });
    } finally {
      await runner.stop(1_000);
    }
    const row = await jobRow(id);
    expect(row).toMatchObject({
      status: 'queued',
      attempts: 1,
      lane: 'retry',
      lastError: 'rate limited by the endpoint',
    });
    expect(row.runAt.toISOString()).toBe(retryAt.toISOString());
  });

  it('is still bounded by maxAttempts: the last RetryAt makes the job dead', async () => {
    // A clock an hour behind the database: every requested time is already due, so no test waits for it.
    const clock = manualClock(new Date(Date.now() - 3_600_000));
    const def = defineJob('test.retry-at-bounded', { schema: z.object({}), maxAttempts: 3 });
    let runs = 0;
    const registry = new JobRegistry().register(def, async () => {
      runs++;
      clock.advance(1_000);
      throw new RetryAt(clock.now(), `try ${runs}`);
    });
    const runner = testRunner(db, registry, { clock });
    const id = (await enqueue(db.prisma, def, {}))!;
    runner.start();
    let row;
    try {
      row = await waitFor(finished(id), { what: 'the job finished' });
    } finally {
      await runner.stop(1_000);
    }
    expect(row).toMatchObject({ status: 'dead', attempts: 3, lastError: 'try 3' });
    expect(runs).toBe(3);
  });
});

describe('Reschedule: a handler waits without using an attempt', () => {
  it('puts the job back at the requested time, in its lane, with the attempt given back', async () => {
    const def = defineJob('test.reschedule-direct', { schema: z.object({}), maxAttempts: 1 });
    const id = (await enqueue(db.prisma, def, {}))!;
    const [claimed] = await claim(db.sql, 'w', [def.name], 1);
    expect(claimed).toMatchObject({ id, attempts: 1, lane: 'normal' });
    const at = new Date('2031-06-01T12:00:00Z');
    expect(await reschedule(db.sql, id, 'someone-else', at)).toBe(false); // only the lease holder
    expect(await reschedule(db.sql, id, 'w', at)).toBe(true);
    const row = await jobRow(id);
    expect(row).toMatchObject({ status: 'queued', attempts: 0, lane: 'normal', lockedBy: null });
    expect(row.runAt.toISOString()).toBe(at.toISOString());
  });

  it('lets a job with one attempt wait many times and still run', async () => {
    const clock = manualClock(new Date(Date.now() - 3_600_000));
    const def = defineJob('test.reschedule', { schema: z.object({}), maxAttempts: 1 });
    let waits = 0;
    const registry = new JobRegistry().register(def, async () => {
      // Waiting for a rate limit or a concurrency slot five times, then running.
      if (waits < 5) {
        waits++;
        clock.advance(500);
        throw new Reschedule(clock.now(), 'waiting for a slot');
      }
    });
    const runner = testRunner(db, registry, { clock });
    const id = (await enqueue(db.prisma, def, {}))!;
    runner.start();
    let row;
    try {
      row = await waitFor(finished(id), { what: 'the job finished' });
    } finally {
      await runner.stop(1_000);
    }
    // Five waits and one run on a budget of one attempt: the waits were not counted.
    expect(waits).toBe(5);
    expect(row).toMatchObject({ status: 'succeeded', attempts: 1, lane: 'normal' });
  });

  it('keeps a retry in the retry lane while it waits', async () => {
    const clock = manualClock(new Date(Date.now() - 3_600_000));
    const def = defineJob('test.reschedule-retry', { schema: z.object({}), maxAttempts: 2 });
    let runs = 0;
    const registry = new JobRegistry().register(def, async () => {
      runs++;
      clock.advance(100);
      if (runs === 1) throw new RetryAt(clock.now(), 'first attempt failed');
      if (runs <= 3) throw new Reschedule(clock.now());
    });
    const runner = testRunner(db, registry, { clock });
    const id = (await enqueue(db.prisma, def, {}))!;
    runner.start();
    let row;
    try {
      row = await waitFor(finished(id), { what: 'the job finished' });
    } finally {
      await runner.stop(1_000);
    }
    expect(runs).toBe(4);
    expect(row).toMatchObject({ status: 'succeeded', attempts: 2, lane: 'retry' });
  });
});
