import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PermanentJobError, defineJob } from '../../src/jobs/catalog.js';
import { claim, complete, enqueue, fail, heartbeat, redrive } from '../../src/jobs/queue.js';
import { JobRegistry, createRunner } from '../../src/jobs/runner.js';
import { systemClock } from '../../src/platform/clock.js';
import type { Database } from '../../src/store/database.js';
import { createTestDatabase } from '../helpers/database.js';
import { waitFor } from '../helpers/wait-for.js';

const echoJob = defineJob('test.echo', {
  schema: z.object({ n: z.number() }),
  leaseSeconds: 20,
  maxAttempts: 3,
});

let db: Database;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db.close());
beforeEach(async () => {
  await db.prisma.job.deleteMany();
});

const expireLease = (id: string) =>
  db.prisma.$executeRaw`UPDATE job SET locked_until = now() - interval '1 second' WHERE id = ${id}`;

describe('job queue', () => {
  it('enqueues once per dedupe key', async () => {
    const a = await enqueue(db.prisma, echoJob, { n: 1 }, { dedupeKey: 'k1' });
    const b = await enqueue(db.prisma, echoJob, { n: 2 }, { dedupeKey: 'k1' });
    expect(a).toMatch(/^job_/);
    expect(b).toBeNull();
    expect(await db.prisma.job.count()).toBe(1);
  });

  it('rejects a payload that does not match the job schema', async () => {
    await expect(enqueue(db.prisma, echoJob, { n: 'x' } as never)).rejects.toThrow();
    expect(await db.prisma.job.count()).toBe(0);
  });

  it('does not hand the same job to two workers', async () => {
    await enqueue(db.prisma, echoJob, { n: 1 });
    const [a, b] = await Promise.all([
      claim(db.sql, 'worker-a', ['test.echo'], 5),
      claim(db.sql, 'worker-b', ['test.echo'], 5),
    ]);
    expect(a.length + b.length).toBe(1);
  });

  it('lets a second worker reclaim a job whose lease expired, and the stale owner cannot finish it', async () => {
    const id = (await enqueue(db.prisma, echoJob, { n: 1 }))!;
    const [first] = await claim(db.sql, 'worker-a', ['test.echo'], 1);
    expect(first?.id).toBe(id);
    expect(await claim(db.sql, 'worker-b', ['test.echo'], 1)).toEqual([]);
    await expireLease(id);
    const [reclaimed] = await claim(db.sql, 'worker-b', ['test.echo'], 1);
    expect(reclaimed?.id).toBe(id);
    expect(reclaimed?.attempts).toBe(2);
    expect(await complete(db.sql, id, 'worker-a')).toBe(false);
    expect(await heartbeat(db.sql, id, 'worker-a')).toBe(false);
    expect(await complete(db.sql, id, 'worker-b')).toBe(true);
    expect((await db.prisma.job.findUnique({ where: { id } }))?.status).toBe('succeeded');
  });

  it('claims jobs whose lease expired first, then due ones oldest first, and only the names asked for', async () => {
    const now = Date.now();
    const stuck = (await enqueue(db.prisma, echoJob, { n: 1 }, { runAt: new Date(now - 60_000) }))!;
    const newer = (await enqueue(db.prisma, echoJob, { n: 3 }, { runAt: new Date(now - 1_000) }))!;
    const older = (await enqueue(db.prisma, echoJob, { n: 2 }, { runAt: new Date(now - 2_000) }))!;
    const other = defineJob('test.other', { schema: z.object({}), leaseSeconds: 20, maxAttempts: 1 });
    await enqueue(db.prisma, other, {}, { runAt: new Date(now - 120_000) });
    expect((await claim(db.sql, 'dead-worker', ['test.echo'], 1)).map((j) => j.id)).toEqual([stuck]);
    // Its worker died; the job is no longer the oldest by run_at, but an expired lease goes first.
    await db.prisma.$executeRaw`UPDATE job SET run_at = now() + interval '1 hour' WHERE id = ${stuck}`;
    await expireLease(stuck);

    const first = await claim(db.sql, 'w', ['test.echo'], 1);
    expect(first).toEqual([expect.objectContaining({ id: stuck, attempts: 2, name: 'test.echo' })]);
    expect((await claim(db.sql, 'w', ['test.echo'], 1)).map((j) => j.id)).toEqual([older]);
    expect((await claim(db.sql, 'w', ['test.echo'], 5)).map((j) => j.id)).toEqual([newer]);
    expect(await claim(db.sql, 'w', ['test.echo'], 5)).toEqual([]);
  });

  it('does not claim a job before its run_at', async () => {
    await enqueue(db.prisma, echoJob, { n: 1 }, { runAt: new Date(Date.now() + 60_000) });
    expect(await claim(db.sql, 'w', ['test.echo'], 1)).toEqual([]);
  });

  it('dead-letters on fail without retry and can be redriven', async () => {
    const id = (await enqueue(db.prisma, echoJob, { n: 1 }, { workspaceId: 'ws1' }))!;
    await claim(db.sql, 'w', ['test.echo'], 1);
    expect(await fail(db.sql, id, 'w', 'boom', null)).toBe(true);
    expect((await db.prisma.job.findUnique({ where: { id } }))?.status).toBe('dead');
    expect(await redrive(db.prisma, id, 'other-ws')).toBe(false);
    expect(await redrive(db.prisma, id, 'ws1')).toBe(true);
    const row = await db.prisma.job.findUnique({ where: { id } });
    expect(row).toMatchObject({ status: 'queued', attempts: 0 });
  });
});

describe('job runner', () => {
  const log = pino({ level: 'silent' });

  it('runs handlers, retries failures with backoff and dead-letters permanent errors', async () => {
    const seen: number[] = [];
    let failures = 0;
    const registry = new JobRegistry().register(
      defineJob('test.flaky', {
        schema: z.object({ n: z.number() }),
        leaseSeconds: 20,
        maxAttempts: 3,
        backoffSeconds: () => 0,
      }),
      async ({ n }) => {
        if (n === 2 && failures++ === 0) throw new Error('transient');
        if (n === 3) throw new PermanentJobError('never');
        seen.push(n);
      },
    );
    const runner = createRunner({
      sql: db.sql,
      registry,
      log,
      clock: systemClock,
      concurrency: 2,
      pollIntervalMs: 20,
    });
    for (const n of [1, 2, 3]) await enqueue(db.prisma, registry.get('test.flaky')!.def, { n });
    runner.start();
    try {
      await waitFor(
        async () => (await db.prisma.job.count({ where: { status: { in: ['succeeded', 'dead'] } } })) === 3,
      );
    } finally {
      await runner.stop(1_000);
    }
    expect(seen.sort()).toEqual([1, 2]);
    const dead = await db.prisma.job.findMany({ where: { status: 'dead' } });
    expect(dead).toHaveLength(1);
    expect(dead[0]?.lastError).toBe('never');
  });

  it('does not sleep through a job enqueued while it was claiming', async () => {
    const def = defineJob('test.quick', {
      schema: z.object({ n: z.number() }),
      leaseSeconds: 20,
      maxAttempts: 1,
    });
    const done: number[] = [];
    const registry = new JobRegistry().register(def, async ({ n }) => void done.push(n));
    // While the first claim is on its way back, a job is enqueued in this process and the runner poked.
    let duringClaim: (() => Promise<void>) | undefined = async () => {
      await enqueue(db.prisma, def, { n: 1 });
      runner.poke();
    };
    const sql = {
      prepared: async <T>(name: string, text: string, params: unknown[]) => {
        const rows = await db.sql.prepared<T>(name, text, params);
        const hook = name.startsWith('job_claim') ? duringClaim : undefined;
        if (hook) {
          duringClaim = undefined;
          await hook();
        }
        return rows;
      },
    };
    // The poll interval is far beyond the wait below: only the poke can get the job run in time.
    const runner = createRunner({
      sql,
      registry,
      log,
      clock: systemClock,
      concurrency: 1,
      pollIntervalMs: 60_000,
    });
    runner.start();
    try {
      await waitFor(() => done.length === 1, {
        timeoutMs: 5_000,
        what: 'the job enqueued during a claim ran',
      });
    } finally {
      await runner.stop(1_000);
    }
  });

  it('waits for an in-flight job when stopped', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let finished = false;
    const def = defineJob('test.slow', { schema: z.object({}), leaseSeconds: 20, maxAttempts: 1 });
    const registry = new JobRegistry().register(def, async () => {
      await gate;
      finished = true;
    });
    const runner = createRunner({
      sql: db.sql,
      registry,
      log,
      clock: systemClock,
      concurrency: 1,
      pollIntervalMs: 20,
    });
    await enqueue(db.prisma, def, {});
    runner.start();
    await waitFor(async () => (await db.prisma.job.count({ where: { status: 'running' } })) === 1);
    const stopping = runner.stop(5_000);
    release();
    await stopping;
    expect(finished).toBe(true);
    expect(await db.prisma.job.count({ where: { status: 'succeeded' } })).toBe(1);
  });
});
