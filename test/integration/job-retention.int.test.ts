import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineJob } from '../../src/jobs/catalog.js';
import { enqueue, pruneFinished } from '../../src/jobs/queue.js';
import { type TestApp, buildTestApp, manualClock } from '../helpers/build-test-app.js';

const DAY = 86_400_000;
const echoJob = defineJob('test.echo', {
  schema: z.object({ n: z.number() }),
  leaseSeconds: 20,
  maxAttempts: 3,
});
const clock = manualClock(new Date('2026-12-01T10:00:00.000Z'));
let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ clock, env: { JOB_RETENTION_DAYS: '7', JOB_DEAD_RETENTION_DAYS: '30' } });
});
afterAll(async () => t.close());
beforeEach(async () => {
  await t.db.prisma.job.deleteMany();
});

/** A job in `status`, finished (and due) `daysAgo` days before the test clock's now. */
async function jobFinished(status: 'succeeded' | 'dead' | 'queued' | 'running', daysAgo: number) {
  const at = new Date(clock.now().getTime() - daysAgo * DAY);
  const id = (await enqueue(t.db.prisma, echoJob, { n: daysAgo }, { runAt: at }))!;
  await t.db.prisma.job.update({
    where: { id },
    data: { status, finishedAt: status === 'succeeded' || status === 'dead' ? at : null },
  });
  return id;
}

const ctx = () => ({
  jobId: 'job_test',
  attempt: 1,
  workspaceId: null,
  log: t.deps.log,
  signal: new AbortController().signal,
});

describe('finished jobs are pruned (jobs.prune, hourly)', () => {
  it('deletes succeeded jobs past JOB_RETENTION_DAYS and dead ones past JOB_DEAD_RETENTION_DAYS, never pending ones', async () => {
    const kept = [
      await jobFinished('succeeded', 6),
      await jobFinished('dead', 8),
      await jobFinished('dead', 29),
      await jobFinished('queued', 60),
      await jobFinished('running', 60),
    ];
    const pruned = [
      await jobFinished('succeeded', 8),
      await jobFinished('succeeded', 40),
      await jobFinished('dead', 31),
    ];

    await t.deps.registry.get('jobs.prune')!.handler({ slot: '2026-12-01T10:00:00.000Z' }, ctx());

    const left = await t.db.prisma.job.findMany({ where: { name: 'test.echo' }, select: { id: true } });
    expect(left.map((j) => j.id).sort()).toEqual([...kept].sort());
    expect(await t.db.prisma.job.count({ where: { id: { in: pruned } } })).toBe(0);
  });

  it('schedules the next hour once it has run', async () => {
    await t.deps.registry.get('jobs.prune')!.handler({ slot: '2026-12-01T10:00:00.000Z' }, ctx());
    const next = await t.db.prisma.job.findFirst({
      where: { name: 'jobs.prune', dedupeKey: 'jobs.prune:2026-12-01T11:00:00.000Z' },
    });
    expect(next?.runAt.toISOString()).toBe('2026-12-01T11:00:00.000Z');
  });

  it('works through a backlog in chunks and counts every row', async () => {
    for (let i = 0; i < 5; i++) await jobFinished('succeeded', 10);
    const cutoff = new Date(clock.now().getTime() - 7 * DAY);
    expect(await pruneFinished(t.db.prisma, { succeededBefore: cutoff, deadBefore: cutoff }, 2)).toBe(5);
    expect(await t.db.prisma.job.count()).toBe(0);
  });
});
