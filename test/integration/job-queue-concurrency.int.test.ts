import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineJob } from '../../src/jobs/catalog.js';
import { claim, complete, enqueue } from '../../src/jobs/queue.js';
import { JobRegistry, type Runner } from '../../src/jobs/runner.js';
import type { Database } from '../../src/store/database.js';
import { type TestDatabase, createTestDatabase } from '../helpers/database.js';
import { countingSql, gate, testRunner } from '../helpers/jobs.js';
import { waitFor } from '../helpers/wait-for.js';

let db: TestDatabase;
let others: Database[];
beforeAll(async () => {
  db = await createTestDatabase();
  // Two more connections (pools on a server), as two more gateway instances would have.
  others = [await db.openAnother(), await db.openAnother()];
});
afterAll(async () => {
  for (const o of others) await o.close();
  await db.close();
});
beforeEach(async () => {
  await db.sql.query('TRUNCATE job, job_fairness, job_concurrency');
});

const deliver = defineJob('test.deliver', { schema: z.object({ n: z.number() }), maxAttempts: 1 });
const endpoint = (key: string, limit: number) => ({ concurrency: { key, limit } });
const slotsOf = async (key: string) =>
  (await db.prisma.jobConcurrency.findUnique({ where: { key } }))?.running ?? 0;

describe('per-key concurrency cap', () => {
  it('never grants more than the limit, even to claims racing on several connections', async () => {
    for (let n = 0; n < 10; n++) await enqueue(db.prisma, deliver, { n }, endpoint('ep-race', 3));
    const conns = [db, ...others];
    const claims = await Promise.all(
      Array.from({ length: 6 }, (_, i) => claim(conns[i % conns.length]!.sql, `w${i}`, [deliver.name], 4)),
    );
    expect(claims.flat()).toHaveLength(3);
    expect(await slotsOf('ep-race')).toBe(3);
    expect(await db.prisma.job.count({ where: { status: 'running' } })).toBe(3);
  });

  it('gives the slot back when a job ends, and does not count a capped job as an attempt', async () => {
    const a = (await enqueue(db.prisma, deliver, { n: 1 }, endpoint('ep-one', 1)))!;
    const b = (await enqueue(db.prisma, deliver, { n: 2 }, endpoint('ep-one', 1)))!;
    const free = (await enqueue(db.prisma, deliver, { n: 3 }))!;
    // capWaitMs 0: a job the cap leaves out is due again at once (it would be a second later by default).
    const first = await claim(db.sql, 'w', [deliver.name], 3, { capWaitMs: 0 });
    // One of the capped key's jobs and the uncapped one; the other capped job is left for later.
    expect(first.map((j) => j.id).sort()).toEqual([a, free].sort());
    expect(await slotsOf('ep-one')).toBe(1);
    // While the slot is taken, the capped job is not claimed, and waiting does not use an attempt.
    expect(await claim(db.sql, 'w', [deliver.name], 3, { capWaitMs: 0 })).toEqual([]);
    expect(await db.prisma.job.findUniqueOrThrow({ where: { id: b } })).toMatchObject({
      status: 'queued',
      attempts: 0,
    });
    expect(await complete(db.sql, a, 'w')).toBe(true);
    expect(await slotsOf('ep-one')).toBe(0);
    expect((await claim(db.sql, 'w', [deliver.name], 3)).map((j) => j.id)).toEqual([b]);
    expect(await slotsOf('ep-one')).toBe(1);
  });

  it('passes over a key whose slots are all taken, leaving its jobs where they were', async () => {
    // The fairness key is the concurrency key (as for outbound endpoints): a full key is not even taken.
    const opts = { fairnessKey: 'ep-full', concurrency: { key: 'ep-full', limit: 1 } };
    const first = (await enqueue(db.prisma, deliver, { n: 1 }, opts))!;
    const waiting = [
      (await enqueue(db.prisma, deliver, { n: 2 }, opts))!,
      (await enqueue(db.prisma, deliver, { n: 3 }, opts))!,
    ];
    expect((await claim(db.sql, 'w', [deliver.name], 1)).map((j) => j.id)).toEqual([first]);
    const before = await db.prisma.job.findMany({ where: { id: { in: waiting } }, orderBy: { id: 'asc' } });
    const other = (await enqueue(db.prisma, deliver, { n: 4 }, { fairnessKey: 'ep-other' }))!;
    // The full key's jobs are older and its key was served longer ago, yet the claim takes the other's.
    expect((await claim(db.sql, 'w', [deliver.name], 3)).map((j) => j.id)).toEqual([other]);
    const after = await db.prisma.job.findMany({ where: { id: { in: waiting } }, orderBy: { id: 'asc' } });
    expect(after.map((j) => [j.status, j.runAt.getTime(), j.attempts])).toEqual(
      before.map((j) => [j.status, j.runAt.getTime(), j.attempts]),
    );
    // Its slot back: its next job is claimed at once.
    expect(await complete(db.sql, first, 'w')).toBe(true);
    expect((await claim(db.sql, 'w', [deliver.name], 1)).map((j) => j.id)).toEqual([waiting[0]]);
  });

  it('takes no more of a key’s jobs than it has free slots, leaving the rest where they were', async () => {
    const opts = { fairnessKey: 'ep-room', concurrency: { key: 'ep-room', limit: 3 } };
    const ids: string[] = [];
    for (let n = 0; n < 6; n++) ids.push((await enqueue(db.prisma, deliver, { n }, opts))!);
    expect(await claim(db.sql, 'w', [deliver.name], 2)).toHaveLength(2);
    const before = await db.prisma.job.findMany({ where: { status: 'queued' }, orderBy: { id: 'asc' } });
    // One slot left: one job taken, the other three not locked, not pushed back.
    expect(await claim(db.sql, 'w', [deliver.name], 4)).toHaveLength(1);
    const after = await db.prisma.job.findMany({
      where: { id: { in: before.map((j) => j.id) } },
      orderBy: { id: 'asc' },
    });
    expect(after.filter((j) => j.status === 'queued').map((j) => j.runAt.getTime())).toEqual(
      before.slice(1).map((j) => j.runAt.getTime()),
    );
    expect(await slotsOf('ep-room')).toBe(3);
  });

  it('holds the cap with several runners on several connections, and runs every job once', async () => {
    // Twelve deliveries to one endpoint (cap 2) and four to another (cap 1), three runners of four slots:
    // even a runner holding all three capped jobs still has a free slot and keeps claiming.
    const ran = new Map<number, number>();
    const runningNow = new Map<string, number>();
    const maxRunning = new Map<string, number>();
    const release = gate();
    const registry = new JobRegistry().register(deliver, async ({ n }) => {
      const key = n < 100 ? 'ep-a' : 'ep-b';
      runningNow.set(key, (runningNow.get(key) ?? 0) + 1);
      maxRunning.set(key, Math.max(maxRunning.get(key) ?? 0, runningNow.get(key)!));
      ran.set(n, (ran.get(n) ?? 0) + 1);
      try {
        await release.opened; // held until the test has seen the runners poll with the cap reached
      } finally {
        runningNow.set(key, runningNow.get(key)! - 1);
      }
    });
    for (let n = 0; n < 12; n++) await enqueue(db.prisma, deliver, { n }, endpoint('ep-a', 2));
    for (let n = 100; n < 104; n++) await enqueue(db.prisma, deliver, { n }, endpoint('ep-b', 1));
    const sqls = [db, ...others].map(countingSql);
    const runners: Runner[] = sqls.map((sql) =>
      testRunner(db, registry, { sql, concurrency: 4, capWaitMs: 50 }),
    );
    for (const r of runners) r.start();
    try {
      await waitFor(() => runningNow.get('ep-a') === 2 && runningNow.get('ep-b') === 1, {
        what: 'both caps reached',
      });
      // Every runner has free slots and claims again and again; none may take a third ep-a job.
      const before = sqls.map((s) => s.claims);
      await waitFor(() => sqls.every((s, i) => s.claims >= before[i]! + 5), {
        what: 'five more claims each',
      });
      expect(runningNow.get('ep-a')).toBe(2);
      expect(runningNow.get('ep-b')).toBe(1);
      expect(await slotsOf('ep-a')).toBe(2);
      release.open();
      await waitFor(async () => (await db.prisma.job.count({ where: { status: 'succeeded' } })) === 16, {
        what: 'all deliveries done',
      });
    } finally {
      release.open();
      await Promise.all(runners.map((r) => r.stop(1_000)));
    }
    expect(maxRunning.get('ep-a')).toBe(2);
    expect(maxRunning.get('ep-b')).toBe(1);
    expect([...ran.values()].every((times) => times === 1)).toBe(true);
    expect(ran.size).toBe(16);
    // Pushed back many times while capped, never charged an attempt (maxAttempts is 1).
    expect(await db.prisma.job.count({ where: { status: 'dead' } })).toBe(0);
    expect(await slotsOf('ep-a')).toBe(0);
    expect(await slotsOf('ep-b')).toBe(0);
  });
});
