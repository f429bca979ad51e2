import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineJob } from '../../src/jobs/catalog.js';
import { claim, enqueue, fail, redrive, runNow } from '../../src/jobs/queue.js';
import { JobRegistry } from '../../src/jobs/runner.js';
import type { Database } from '../../src/store/database.js';
import { createTestDatabase } from '../helpers/database.js';
import { testRunner } from '../helpers/jobs.js';
import { waitFor } from '../helpers/wait-for.js';

let db: Database;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db.close());
beforeEach(async () => {
  await db.prisma.job.deleteMany();
});

const work = defineJob('test.work', { schema: z.object({ n: z.number() }), maxAttempts: 5 });
const ago = (ms: number) => new Date(Date.now() - ms);

/** A job that already failed once and waits in the retry lane, due `dueAgoMs` ago. */
async function retryJob(n: number, dueAgoMs: number): Promise<string> {
  const id = (await enqueue(db.prisma, work, { n }, { runAt: ago(dueAgoMs) }))!;
  const [c] = await db.sql.prepared<{ id: string }>(
    'test_claim_one',
    `UPDATE job SET status = 'running', locked_by = 'w0', locked_until = now() + interval '1 minute',
                    attempts = attempts + 1 WHERE id = $1 RETURNING id`,
    [id],
  );
  expect(c?.id).toBe(id);
  expect(await fail(db.sql, id, 'w0', 'boom', ago(dueAgoMs))).toBe(true);
  return id;
}

const ns = (jobs: { payload: unknown }[]) => jobs.map((j) => (j.payload as { n: number }).n);

describe('job lanes', () => {
  it('claims first attempts before retries, even older retries', async () => {
    await retryJob(1, 60_000);
    await retryJob(2, 50_000);
    await enqueue(db.prisma, work, { n: 3 }, { runAt: ago(1_000) });
    await enqueue(db.prisma, work, { n: 4 }, { runAt: ago(500) });
    const first = await claim(db.sql, 'w', [work.name], 2);
    expect(ns(first).sort()).toEqual([3, 4]);
    expect(first.every((j) => j.lane === 'normal')).toBe(true);
    const next = await claim(db.sql, 'w', [work.name], 2);
    expect(ns(next).sort()).toEqual([1, 2]);
    expect(next.map((j) => [j.lane, j.attempts])).toEqual([
      ['retry', 2],
      ['retry', 2],
    ]);
  });

  it("serves retries first on the claims that carry the retry lane's share", async () => {
    await retryJob(1, 60_000);
    await enqueue(db.prisma, work, { n: 2 });
    expect(ns(await claim(db.sql, 'w', [work.name], 1, { retriesFirst: true }))).toEqual([1]);
    expect(ns(await claim(db.sql, 'w', [work.name], 1, { retriesFirst: true }))).toEqual([2]);
  });

  it('claims the interactive lane before everything else', async () => {
    await retryJob(1, 60_000);
    await enqueue(db.prisma, work, { n: 2 }, { runAt: ago(30_000) });
    await enqueue(db.prisma, work, { n: 3 }, { lane: 'interactive' });
    const [first] = await claim(db.sql, 'w', [work.name], 1, { retriesFirst: true });
    expect(first).toMatchObject({ lane: 'interactive', payload: { n: 3 } });
  });

  it('puts a redriven dead job and a "retry now" job in the interactive lane', async () => {
    const dead = (await enqueue(db.prisma, work, { n: 1 }, { workspaceId: 'ws-1' }))!;
    await claim(db.sql, 'w', [work.name], 1);
    await fail(db.sql, dead, 'w', 'gone', null);
    const waiting = await retryJob(2, -3_600_000); // next attempt in an hour
    await db.prisma.job.update({ where: { id: waiting }, data: { workspaceId: 'ws-1' } });
    await enqueue(db.prisma, work, { n: 3 }, { runAt: ago(60_000) });

    expect(await runNow(db.prisma, waiting, 'ws-other')).toBe(false);
    expect(await runNow(db.prisma, waiting, 'ws-1')).toBe(true);
    expect(await redrive(db.prisma, dead, 'ws-1')).toBe(true);
    const claimed = await claim(db.sql, 'w', [work.name], 2);
    expect(ns(claimed).sort()).toEqual([1, 2]);
    expect(claimed.every((j) => j.lane === 'interactive')).toBe(true);
    // The retry kept its attempt count; the redriven job starts over.
    expect(claimed.find((j) => j.id === waiting)?.attempts).toBe(2);
    expect(claimed.find((j) => j.id === dead)?.attempts).toBe(1);
  });

  it('keeps retries progressing under a sustained load of first attempts', async () => {
    // Every first attempt enqueues another one, so the normal lane never runs dry. With strict lane order
    // the retry would wait forever; the reserved share (a quarter of the claims) gets it run.
    const retryId = await retryJob(0, 1_000);
    let firstAttempts = 0;
    let firstAttemptsBeforeRetry = -1;
    let normalQueuedWhenRetryRan = -1;
    const registry = new JobRegistry().register(work, async ({ n }, ctx) => {
      if (ctx.jobId === retryId) {
        // Counted when the retry runs: first attempts keep running until the test stops the runner.
        firstAttemptsBeforeRetry = firstAttempts;
        normalQueuedWhenRetryRan = await db.prisma.job.count({ where: { status: 'queued', lane: 'normal' } });
        return;
      }
      firstAttempts++;
      await enqueue(db.prisma, work, { n: n + 1 });
    });
    for (let i = 1; i <= 3; i++) await enqueue(db.prisma, work, { n: i * 100 });
    const runner = testRunner(db, registry, { concurrency: 1 });
    runner.start();
    try {
      await waitFor(
        async () =>
          (await db.prisma.job.findUniqueOrThrow({ where: { id: retryId } })).status === 'succeeded',
        {
          what: 'the retry ran',
        },
      );
    } finally {
      await runner.stop(1_000);
    }
    expect(normalQueuedWhenRetryRan).toBeGreaterThan(0);
    // It waited for at most a few claims, not for the first attempts to run out.
    expect(firstAttemptsBeforeRetry).toBeGreaterThanOrEqual(0);
    expect(firstAttemptsBeforeRetry).toBeLessThanOrEqual(4);
  });
});
