/**
 * Batch handlers (runner.ts `batchHandler`) and jobs ended inside a handler's own statement
 * (complete-sql.ts): a claim's jobs of one type reach the handler together, each ends on its own, and a
 * job ended by the handler's statement releases its concurrency slot exactly once.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RetryAt, defineJob } from '../../src/jobs/catalog.js';
import { completeJobsSql, retryJobsSql } from '../../src/jobs/complete-sql.js';
import { claim, enqueue } from '../../src/jobs/queue.js';
import { JobRegistry, type Runner, batchHandler } from '../../src/jobs/runner.js';
import { type TestDatabase, createTestDatabase } from '../helpers/database.js';
import { gate, testRunner } from '../helpers/jobs.js';
import { waitFor } from '../helpers/wait-for.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.close();
});
beforeEach(async () => {
  await db.sql.query('TRUNCATE job, job_fairness, job_concurrency');
});

const work = defineJob('test.batch', { schema: z.object({ n: z.number() }), maxAttempts: 3 });
const slotsOf = async (key: string) =>
  (await db.prisma.jobConcurrency.findUnique({ where: { key } }))?.running ?? 0;

/** Completes the given jobs for `worker` in one statement, as a handler's own statement would. */
const COMPLETE = `WITH ${completeJobsSql('done', 'SELECT unnest($1::text[]), $2::text')}
  SELECT COALESCE((SELECT array_agg(id ORDER BY id) FROM done), '{}'::text[]) AS ids`;
const RETRY = `WITH ${retryJobsSql('again', 'SELECT unnest($1::text[]), $2::text, $3::timestamptz, $4::text')}
  SELECT COALESCE((SELECT array_agg(id ORDER BY id) FROM again), '{}'::text[]) AS ids`;

describe('jobs ended in the caller’s statement', () => {
  it('completes only the jobs whose lease the worker holds, giving each slot back once', async () => {
    const ids: string[] = [];
    for (let n = 0; n < 3; n++)
      ids.push((await enqueue(db.prisma, work, { n }, { concurrency: { key: 'k', limit: 5 } }))!);
    const other = (await enqueue(db.prisma, work, { n: 9 }, { concurrency: { key: 'k', limit: 5 } }))!;
    const mine = await claim(db.sql, 'w1', [work.name], 3);
    const theirs = await claim(db.sql, 'w2', [work.name], 1);
    expect(mine.map((j) => j.id).sort()).toEqual([...ids].sort());
    expect(theirs.map((j) => j.id)).toEqual([other]);
    expect(await slotsOf('k')).toBe(4);
    // w1's three jobs and w2's one, asked for by w1: only w1's are completed, three slots given back.
    const [r] = await db.sql.query<{ ids: string[] }>(COMPLETE, [[...ids, other], 'w1']);
    expect(r!.ids).toEqual([...ids].sort());
    expect(await slotsOf('k')).toBe(1);
    // Again: nothing left to complete, no slot given back twice.
    const [again] = await db.sql.query<{ ids: string[] }>(COMPLETE, [ids, 'w1']);
    expect(again!.ids).toEqual([]);
    expect(await slotsOf('k')).toBe(1);
    expect(await db.prisma.job.count({ where: { status: 'succeeded' } })).toBe(3);
    expect(await db.prisma.job.findUniqueOrThrow({ where: { id: other } })).toMatchObject({
      status: 'running',
    });
  });

  it('with keep: false, deletes the jobs it ends (still only the lease holder’s, each slot back once)', async () => {
    const DELETE = `WITH ${completeJobsSql('done', 'SELECT unnest($1::text[]), $2::text', { keep: false })}
      SELECT COALESCE((SELECT array_agg(id ORDER BY id) FROM done), '{}'::text[]) AS ids`;
    const ids: string[] = [];
    for (let n = 0; n < 2; n++)
      ids.push((await enqueue(db.prisma, work, { n }, { concurrency: { key: 'k', limit: 5 } }))!);
    const other = (await enqueue(db.prisma, work, { n: 9 }, { concurrency: { key: 'k', limit: 5 } }))!;
    await claim(db.sql, 'w1', [work.name], 2);
    await claim(db.sql, 'w2', [work.name], 1);
    expect(await slotsOf('k')).toBe(3);
    const [r] = await db.sql.query<{ ids: string[] }>(DELETE, [[...ids, other], 'w1']);
    expect(r!.ids).toEqual([...ids].sort());
    expect(await slotsOf('k')).toBe(1);
    expect(await db.prisma.job.count({ where: { id: { in: ids } } })).toBe(0);
    const [again] = await db.sql.query<{ ids: string[] }>(DELETE, [ids, 'w1']);
    expect(again!.ids).toEqual([]);
    expect(await slotsOf('k')).toBe(1);
    expect(await db.prisma.job.findUniqueOrThrow({ where: { id: other } })).toMatchObject({
      status: 'running',
    });
  });

  it('requeues failed jobs in the retry lane at the time asked, the attempt counted', async () => {
    const id = (await enqueue(db.prisma, work, { n: 1 }, { concurrency: { key: 'r', limit: 2 } }))!;
    await claim(db.sql, 'w1', [work.name], 1);
    const at = new Date(Date.now() + 60_000);
    const [r] = await db.sql.query<{ ids: string[] }>(RETRY, [[id], 'w1', at.toISOString(), 'http_5xx: 500']);
    expect(r!.ids).toEqual([id]);
    expect(await slotsOf('r')).toBe(0);
    expect(await db.prisma.job.findUniqueOrThrow({ where: { id } })).toMatchObject({
      status: 'queued',
      lane: 'retry',
      attempts: 1,
      lockedBy: null,
      lastError: 'http_5xx: 500',
      runAt: at,
    });
  });
});

describe('batch handlers', () => {
  let runner: Runner | undefined;
  beforeEach(async () => {
    await runner?.stop(1_000);
    runner = undefined;
  });

  it('gets a claim’s jobs together, and ends each one as its own promise says', async () => {
    const release = gate();
    const calls: number[][] = [];
    const registry = new JobRegistry().register(
      work,
      batchHandler((items) => {
        calls.push(items.map((i) => i.payload.n).sort());
        return items.map(async ({ payload, ctx }) => {
          await release.opened;
          if (payload.n === 0) return; // the runner completes it
          if (payload.n === 1) {
            // Completed by the handler's own statement: the runner must not complete it again.
            const [r] = await db.sql.query<{ ids: string[] }>(COMPLETE, [[ctx.jobId], ctx.workerId]);
            expect(r!.ids).toEqual([ctx.jobId]);
            return 'settled';
          }
          throw new RetryAt(new Date(Date.now() + 60_000), 'try later');
        });
      }),
    );
    const ids: string[] = [];
    for (let n = 0; n < 3; n++)
      ids.push((await enqueue(db.prisma, work, { n }, { concurrency: { key: 'b', limit: 3 } }))!);
    runner = testRunner(db, registry, { concurrency: 4 });
    runner.start();
    await waitFor(() => calls.length === 1, { what: 'the batch handler called' });
    expect(calls).toEqual([[0, 1, 2]]);
    release.open();
    await waitFor(async () => (await db.prisma.job.count({ where: { status: 'running' } })) === 0, {
      what: 'every job ended',
    });
    const jobs = await db.prisma.job.findMany({ where: { id: { in: ids } }, orderBy: { id: 'asc' } });
    const byN = new Map(jobs.map((j) => [(j.payload as { n: number }).n, j]));
    expect(byN.get(0)).toMatchObject({ status: 'succeeded' });
    expect(byN.get(1)).toMatchObject({ status: 'succeeded' });
    expect(byN.get(2)).toMatchObject({ status: 'queued', lane: 'retry', lastError: 'try later' });
    // Three slots taken, three given back: none twice (the settled job's), none lost.
    expect(await slotsOf('b')).toBe(0);
  });

  it('completes jobs that end together in fewer statements than jobs, each slot given back once', async () => {
    const release = gate();
    let completions = 0;
    const sql = {
      prepared: <T>(name: string, text: string, params: unknown[]) => {
        if (name.startsWith('job_complete')) completions++;
        return db.sql.prepared<T>(name, text, params);
      },
    };
    const registry = new JobRegistry().register(work, async () => {
      await release.opened;
    });
    for (let n = 0; n < 8; n++)
      await enqueue(db.prisma, work, { n }, { concurrency: { key: 'c', limit: 8 } });
    runner = testRunner(db, registry, { concurrency: 8, sql });
    runner.start();
    await waitFor(async () => (await db.prisma.job.count({ where: { status: 'running' } })) === 8, {
      what: 'all eight running',
    });
    release.open();
    await waitFor(async () => (await db.prisma.job.count({ where: { status: 'succeeded' } })) === 8, {
      what: 'all eight completed',
    });
    // The first completion goes out alone; the ones that end while it is in flight go out together.
    expect(completions).toBeGreaterThan(0);
    expect(completions).toBeLessThan(8);
    expect(await slotsOf('c')).toBe(0);
  });

  it('hands each job the row its claim read found, in the claim’s statement, and nothing to jobs it found none for', async () => {
    const reads: { n: number; read: unknown }[] = [];
    const names: string[] = [];
    const sql = {
      prepared: <T>(name: string, text: string, params: unknown[]) => {
        names.push(name);
        return db.sql.prepared<T>(name, text, params);
      },
    };
    // Reads only the even jobs; a read sees the claimed jobs' id, payload and workspace.
    const evenRead = (jobs: string) => `
      SELECT j.id, jsonb_build_object('twice', (j.payload->>'n')::int * 2, 'ws', j.workspace_id) FROM ${jobs} j
      WHERE (j.payload->>'n')::int % 2 = 0`;
    const registry = new JobRegistry().register(
      work,
      batchHandler((items) =>
        items.map(async ({ payload, ctx }) => {
          reads.push({ n: payload.n, read: ctx.read });
        }),
      ),
      evenRead,
    );
    for (let n = 0; n < 4; n++) await enqueue(db.prisma, work, { n }, { workspaceId: 'ws1' });
    runner = testRunner(db, registry, { concurrency: 4, sql });
    runner.start();
    await waitFor(() => reads.length === 4, { what: 'all four run' });
    expect(reads.sort((a, b) => a.n - b.n)).toEqual([
      { n: 0, read: { twice: 0, ws: 'ws1' } },
      { n: 1, read: undefined },
      { n: 2, read: { twice: 4, ws: 'ws1' } },
      { n: 3, read: undefined },
    ]);
    // One claim statement, named after its reads (a server prepares it once per connection).
    expect(names.filter((n) => n.startsWith('job_claim'))[0]).toMatch(/^job_claim_v\d+_r[0-9a-f]{12}$/);
    await waitFor(async () => (await db.prisma.job.count({ where: { status: 'succeeded' } })) === 4, {
      what: 'all four completed',
    });
  });

  it('a runner of one pool claims only the job types of that pool', async () => {
    const outbound = defineJob('test.outbound', {
      schema: z.object({ n: z.number() }),
      maxAttempts: 3,
      pool: 'outbound',
    });
    const ran: string[] = [];
    const registry = new JobRegistry()
      .register(work, async () => {
        ran.push(work.name);
      })
      .register(outbound, async () => {
        ran.push(outbound.name);
      });
    expect(registry.names('outbound')).toEqual([outbound.name]);
    expect(registry.names('default')).toEqual([work.name]);
    await enqueue(db.prisma, work, { n: 1 });
    await enqueue(db.prisma, outbound, { n: 2 });
    runner = testRunner(db, registry, { concurrency: 2, pool: 'outbound' });
    runner.start();
    await waitFor(() => ran.length === 1, { what: 'the outbound job run' });
    await runner.stop(1_000);
    runner = undefined;
    expect(ran).toEqual([outbound.name]);
    expect(await db.prisma.job.count({ where: { name: work.name, status: 'queued' } })).toBe(1);
  });

  it('fails every job of a batch whose handler throws at once, and runs a single call as a batch of one', async () => {
    const registry = new JobRegistry().register(
      work,
      batchHandler(() => {
        throw new Error('broken');
      }),
    );
    for (let n = 0; n < 2; n++) await enqueue(db.prisma, work, { n });
    runner = testRunner(db, registry, { concurrency: 4 });
    runner.start();
    await waitFor(
      async () => (await db.prisma.job.count({ where: { status: 'queued', lastError: 'broken' } })) === 2,
      { what: 'both failed' },
    );
    const direct = registry.get(work.name)!.handler;
    await expect(
      direct(
        { n: 5 },
        {
          jobId: 'j',
          attempt: 1,
          workspaceId: null,
          log: undefined as never,
          signal: new AbortController().signal,
        },
      ),
    ).rejects.toThrow('broken');
  });
});
