import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DEFAULT_LEASE_SECONDS, MAX_LEASE_SECONDS, defineJob } from '../../src/jobs/catalog.js';
import { claim, enqueue } from '../../src/jobs/queue.js';
import { JobRegistry } from '../../src/jobs/runner.js';
import type { Database } from '../../src/store/database.js';
import { type TestDatabase, createTestDatabase } from '../helpers/database.js';
import { gate, testRunner } from '../helpers/jobs.js';
import { waitFor } from '../helpers/wait-for.js';

let db: TestDatabase;
let other: Database;
beforeAll(async () => {
  db = await createTestDatabase();
  other = await db.openAnother();
});
afterAll(async () => {
  await other.close();
  await db.close();
});
beforeEach(async () => {
  await db.sql.query('TRUNCATE job, job_fairness, job_concurrency');
});

const jobRow = (id: string) => db.prisma.job.findUniqueOrThrow({ where: { id } });
/** Milliseconds on the database clock, the clock leases are measured with. */
const dbNowMs = async () =>
  Number(
    (await db.sql.query<{ ms: string }>(`SELECT (extract(epoch FROM now()) * 1000)::bigint::text AS ms`))[0]!
      .ms,
  );

describe('fast takeover after a crash (#11)', () => {
  it('keeps every job lease short enough for a takeover within 30 s', () => {
    expect(DEFAULT_LEASE_SECONDS).toBe(20);
    expect(MAX_LEASE_SECONDS).toBeLessThan(30);
    expect(() =>
      defineJob('test.long-lease', { schema: z.object({}), leaseSeconds: 60, maxAttempts: 1 }),
    ).toThrow(/leaseSeconds/);
  });

  it('lets a second runner take over a job whose worker died, once its lease runs out', async () => {
    // A one-second lease stands in for the real 20 s one: the mechanism is the same.
    const def = defineJob('test.takeover', { schema: z.object({}), leaseSeconds: 1, maxAttempts: 3 });
    const id = (await enqueue(db.prisma, def, {}))!;
    // Worker A claims the job and dies: no heartbeat, no completion.
    const [claimed] = await claim(other.sql, 'worker-a', [def.name], 1);
    expect(claimed?.id).toBe(id);
    const leaseEnd = (await jobRow(id)).lockedUntil!.getTime();
    const ranBy: string[] = [];
    const registry = new JobRegistry().register(def, async (_, ctx) => void ranBy.push(ctx.jobId));
    const runnerB = testRunner(db, registry);
    runnerB.start();
    let row;
    try {
      row = await waitFor(async () => ((await jobRow(id)).status === 'succeeded' ? jobRow(id) : null), {
        what: 'the job taken over and finished',
      });
    } finally {
      await runnerB.stop(1_000);
    }
    expect(ranBy).toEqual([id]);
    expect(row.attempts).toBe(2); // the dead worker's attempt counts
    // Not before the lease ran out, and within a few polls after it (database clock throughout).
    const afterLeaseMs = row.finishedAt!.getTime() - leaseEnd;
    expect(afterLeaseMs).toBeGreaterThanOrEqual(0);
    expect(afterLeaseMs).toBeLessThan(3_000);
  });

  it('takes an expired job only on a claim that looks for expired leases', async () => {
    const def = defineJob('test.expired', { schema: z.object({}), leaseSeconds: 1, maxAttempts: 3 });
    const id = (await enqueue(db.prisma, def, {}))!;
    expect((await claim(other.sql, 'worker-a', [def.name], 1))[0]?.id).toBe(id);
    // Worker A died long ago: its lease ran out a minute back.
    await db.sql.query(`UPDATE job SET locked_until = now() - interval '1 minute' WHERE id = $1`, [id]);
    expect(await claim(db.sql, 'worker-b', [def.name], 1, { takeExpired: false })).toEqual([]);
    expect((await jobRow(id)).lockedBy).toBe('worker-a');
    const [taken] = await claim(db.sql, 'worker-b', [def.name], 1);
    expect(taken).toMatchObject({ id, attempts: 2 });
    expect((await jobRow(id)).lockedBy).toBe('worker-b');
  });

  it('renews the lease of a live worker by heartbeat, so nobody takes a long job over', async () => {
    const def = defineJob('test.long-job', { schema: z.object({}), leaseSeconds: 1, maxAttempts: 3 });
    const id = (await enqueue(db.prisma, def, {}))!;
    const done = gate();
    const runs: string[] = [];
    let startedAt = 0;
    const registryA = new JobRegistry().register(def, async () => {
      runs.push('a');
      startedAt = await dbNowMs();
      await done.opened;
    });
    const registryB = new JobRegistry().register(def, async () => void runs.push('b'));
    const runnerA = testRunner(db, registryA);
    runnerA.start();
    await waitFor(() => runs.length === 1, { what: 'runner A started the job' });
    // Runner B polls all along, on another connection.
    const runnerB = testRunner(other, registryB);
    runnerB.start();
    try {
      // Three lease lengths pass while the job runs: without heartbeats it would have been taken over.
      await waitFor(async () => (await dbNowMs()) - startedAt > 3_000, { what: 'three leases passed' });
      const row = await jobRow(id);
      expect(row).toMatchObject({ status: 'running', attempts: 1 });
      expect(row.lockedUntil!.getTime()).toBeGreaterThan(startedAt + 2_000);
      done.open();
      await waitFor(async () => (await jobRow(id)).status === 'succeeded', { what: 'the job finished' });
    } finally {
      done.open();
      await Promise.all([runnerA.stop(1_000), runnerB.stop(1_000)]);
    }
    expect(runs).toEqual(['a']);
  });

  it('does not run a job again after its worker died during the last attempt', async () => {
    const def = defineJob('test.crashes', { schema: z.object({}), leaseSeconds: 1, maxAttempts: 1 });
    const id = (await enqueue(db.prisma, def, {}))!;
    await claim(other.sql, 'worker-a', [def.name], 1);
    let ran = false;
    const registry = new JobRegistry().register(def, async () => void (ran = true));
    const runner = testRunner(db, registry);
    runner.start();
    let row;
    try {
      row = await waitFor(async () => ((await jobRow(id)).status === 'dead' ? jobRow(id) : null), {
        what: 'the job dead',
      });
    } finally {
      await runner.stop(1_000);
    }
    expect(ran).toBe(false);
    expect(row.lastError).toMatch(/lease expired/);
  });
});
