import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineJob } from '../../src/jobs/catalog.js';
import { enqueue } from '../../src/jobs/queue.js';
import { JobRegistry } from '../../src/jobs/runner.js';
import { type TestDatabase, createTestDatabase } from '../helpers/database.js';
import { testRunner } from '../helpers/jobs.js';
import { waitFor } from '../helpers/wait-for.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db.close());
beforeEach(async () => {
  await db.sql.query('TRUNCATE job, job_fairness, job_concurrency');
});

/** A handler that waits until its job's signal is aborted, and records why. */
function waitsForAbort() {
  const reasons: string[] = [];
  let started = 0;
  const handler = async (_: unknown, ctx: { signal: AbortSignal }) => {
    started++;
    await new Promise<void>((resolve) =>
      ctx.signal.addEventListener('abort', () => {
        reasons.push(String((ctx.signal.reason as Error).message));
        resolve();
      }),
    );
  };
  return { handler, reasons, started: () => started };
}

describe("a job's abort signal", () => {
  it('is its own: no signal derived from a runner-wide one (Node 20 keeps those for good: nodejs/node#55351)', async () => {
    const def = defineJob('test.signal-quick', { schema: z.object({ n: z.number() }), maxAttempts: 1 });
    for (let n = 0; n < 20; n++) await enqueue(db.prisma, def, { n });
    let done = 0;
    const registry = new JobRegistry().register(def, async () => void done++);
    // Counts AbortSignal.any calls while the runner works.
    const original = AbortSignal.any.bind(AbortSignal);
    let anyCalls = 0;
    AbortSignal.any = (signals) => {
      anyCalls++;
      return original(signals);
    };
    const runner = testRunner(db, registry);
    runner.start();
    try {
      await waitFor(() => done === 20, { what: '20 jobs run' });
    } finally {
      await runner.stop(1_000);
      AbortSignal.any = original;
    }
    // Each call would have tied a job's signal to the runner's for the life of the process (~70 bytes a job).
    expect(anyCalls).toBe(0);
  });

  it('is aborted when the runner stops past its grace period, for every running job', async () => {
    const def = defineJob('test.signal-stop', { schema: z.object({ n: z.number() }), maxAttempts: 1 });
    for (let n = 0; n < 3; n++) await enqueue(db.prisma, def, { n });
    const w = waitsForAbort();
    const runner = testRunner(db, new JobRegistry().register(def, w.handler), { concurrency: 4 });
    runner.start();
    await waitFor(() => w.started() === 3, { what: 'three jobs running' });
    await runner.stop(50);
    expect(w.reasons).toEqual(['shutting down', 'shutting down', 'shutting down']);
  });

  it('is aborted when its lease was lost (another worker took the job)', async () => {
    const def = defineJob('test.signal-lease', { schema: z.object({}), leaseSeconds: 1, maxAttempts: 1 });
    const id = (await enqueue(db.prisma, def, {}))!;
    const w = waitsForAbort();
    const runner = testRunner(db, new JobRegistry().register(def, w.handler));
    runner.start();
    try {
      await waitFor(() => w.started() === 1, { what: 'the job running' });
      await db.sql.query(`UPDATE job SET locked_by = 'another-worker' WHERE id = $1`, [id]);
      await waitFor(() => w.reasons.length === 1, { what: 'the job aborted' });
      expect(w.reasons).toEqual(['lease lost']);
    } finally {
      await runner.stop(1_000);
    }
  });
});
