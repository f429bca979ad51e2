import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineJob } from '../../src/jobs/catalog.js';
import { insertJobsParams, insertJobsSql, insertKeyedJobsSql } from '../../src/jobs/insert-sql.js';
import { claim, enqueue } from '../../src/jobs/queue.js';
import {
  countRunningJobs,
  deleteWorkspaceJobs,
  jobsByIds,
  removePayloadKey,
} from '../../src/jobs/workspace-jobs.js';
import { newSortableId } from '../../src/platform/ids.js';
import type { Database } from '../../src/store/database.js';
import { createTestDatabase } from '../helpers/database.js';

let db: Database;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db.close());
beforeEach(async () => {
  await db.sql.query('TRUNCATE job, job_fairness, job_concurrency');
});

const processJob = defineJob('test.process', {
  schema: z.object({ workspaceId: z.string(), eventIds: z.array(z.string()) }),
  maxAttempts: 7,
  leaseSeconds: 15,
});

describe('insertJobsSql: jobs written by a caller’s own statement', () => {
  it('inserts one queued job per source row with the definition’s settings, claimable like any other', async () => {
    // A stand-in for the ingest batch: parameters of its own first, the fragment's after them.
    const statement = `
      WITH input AS (
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS u(job_id, workspace_id, event_id)
      ),
      jobs AS (${insertJobsSql(
        `SELECT job_id AS id, workspace_id,
                jsonb_build_object('workspaceId', workspace_id, 'eventIds', jsonb_agg(event_id ORDER BY event_id)) AS payload
         FROM input GROUP BY job_id, workspace_id`,
        4,
      )})
      SELECT id FROM jobs`;
    const [j1, j2] = [newSortableId('job'), newSortableId('job')];
    const rows = await db.sql.prepared<{ id: string }>('test_insert_jobs', statement, [
      [j1, j1, j2],
      ['ws-1', 'ws-1', 'ws-2'],
      ['evt_1', 'evt_2', 'evt_3'],
      ...insertJobsParams(processJob),
    ]);
    expect(rows.map((r) => r.id).sort()).toEqual([j1, j2].sort());
    const job = await db.prisma.job.findUniqueOrThrow({ where: { id: j1 } });
    expect(job).toMatchObject({
      name: 'test.process',
      workspaceId: 'ws-1',
      fairKey: 'ws-1',
      lane: 'normal',
      status: 'queued',
      maxAttempts: 7,
      leaseSeconds: 15,
      payload: { workspaceId: 'ws-1', eventIds: ['evt_1', 'evt_2'] },
    });
    const claimed = await claim(db.sql, 'w', [processJob.name], 5);
    expect(claimed.map((c) => c.id).sort()).toEqual([j1, j2].sort());
    expect(processJob.schema.parse(claimed.find((c) => c.id === j2)!.payload)).toEqual({
      workspaceId: 'ws-2',
      eventIds: ['evt_3'],
    });
  });

  it('refuses a parameter number that cannot be one', () => {
    expect(() => insertJobsSql('SELECT 1', 0)).toThrow();
  });
});

describe('insertKeyedJobsSql: keyed jobs written by a caller’s own statement', () => {
  it('writes fairness key, concurrency cap and dedupe key; a known dedupe key is skipped; the cap holds on claim', async () => {
    const statement = `
      WITH input AS (
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[]) AS u(job_id, fair_key, dedupe_key, lim)
      ),
      jobs AS (${insertKeyedJobsSql(
        `SELECT job_id AS id, 'ws-1' AS workspace_id, jsonb_build_object('n', 1) AS payload, fair_key,
                'key:' || fair_key AS concurrency_key, lim AS concurrency_limit, dedupe_key
         FROM input`,
        5,
      )})
      SELECT id FROM jobs`;
    const echo = defineJob('test.keyed', { schema: z.object({ n: z.number() }), maxAttempts: 4 });
    const ids = [newSortableId('job'), newSortableId('job'), newSortableId('job')];
    const first = await db.sql.prepared<{ id: string }>('test_insert_keyed', statement, [
      ids,
      ['ep-1', 'ep-1', 'ep-2'],
      ['d1', 'd2', 'd3'],
      [1, 1, 0],
      ...insertJobsParams(echo),
    ]);
    expect(first.map((r) => r.id).sort()).toEqual([...ids].sort());
    const again = await db.sql.prepared<{ id: string }>('test_insert_keyed', statement, [
      [newSortableId('job')],
      ['ep-1'],
      ['d1'],
      [1],
      ...insertJobsParams(echo),
    ]);
    expect(again).toEqual([]);
    const job = await db.prisma.job.findUniqueOrThrow({ where: { id: ids[0] } });
    expect(job).toMatchObject({
      name: 'test.keyed',
      workspaceId: 'ws-1',
      fairKey: 'ep-1',
      concurrencyKey: 'key:ep-1',
      concurrencyLimit: 1,
      dedupeKey: 'd1',
      lane: 'normal',
      status: 'queued',
      maxAttempts: 4,
    });
    expect((await db.prisma.job.findUniqueOrThrow({ where: { id: ids[2] } })).concurrencyLimit).toBe(1);
    // ep-1 allows one at a time: of its two jobs one is claimed, with ep-2's.
    const claimed = await claim(db.sql, 'w', [echo.name], 5);
    expect(claimed.map((c) => c.concurrency_key).sort()).toEqual(['key:ep-1', 'key:ep-2']);
  });

  it('refuses a parameter number that cannot be one', () => {
    expect(() => insertKeyedJobsSql('SELECT 1', 0)).toThrow();
  });
});

describe('workspace job helpers', () => {
  const echo = defineJob('test.echo', { schema: z.object({ n: z.number() }), maxAttempts: 3 });

  async function jobAt(
    workspaceId: string,
    createdAt: Date,
    status: 'queued' | 'running' | 'dead' = 'queued',
  ) {
    const id = (await enqueue(db.prisma, echo, { n: 1 }, { workspaceId }))!;
    await db.prisma.job.update({ where: { id }, data: { createdAt, status } });
    return id;
  }

  it('deletes a workspace’s jobs created before a time, never running ones or another workspace’s', async () => {
    const cutoff = new Date('2030-01-01T00:00:00Z');
    const before = new Date(cutoff.getTime() - 1_000);
    const oldQueued = await jobAt('ws-1', before);
    const oldDead = await jobAt('ws-1', before, 'dead');
    const oldRunning = await jobAt('ws-1', before, 'running');
    const newer = await jobAt('ws-1', new Date(cutoff.getTime() + 1_000));
    const otherWs = await jobAt('ws-2', before);
    expect(await deleteWorkspaceJobs(db.prisma, 'ws-1', cutoff)).toBe(2);
    const left = (await db.prisma.job.findMany({ select: { id: true } })).map((j) => j.id).sort();
    expect(left).toEqual([oldRunning, newer, otherWs].sort());
    expect(left).not.toContain(oldQueued);
    expect(left).not.toContain(oldDead);
  });

  it('counts a workspace’s running jobs', async () => {
    await jobAt('ws-1', new Date(), 'running');
    await jobAt('ws-1', new Date(), 'running');
    await jobAt('ws-1', new Date());
    await jobAt('ws-2', new Date(), 'running');
    expect(await countRunningJobs(db.prisma, 'ws-1')).toBe(2);
    expect(await countRunningJobs(db.prisma, 'ws-3')).toBe(0);
  });

  it('removes one key from a job’s payload', async () => {
    const scrub = defineJob('test.scrub', {
      schema: z.object({ apiUrl: z.string(), tokenEncrypted: z.string().optional() }),
      maxAttempts: 1,
    });
    const id = (await enqueue(db.prisma, scrub, { apiUrl: 'https://x', tokenEncrypted: 'secret' }))!;
    expect(await removePayloadKey(db.prisma, id, 'tokenEncrypted')).toBe(true);
    expect((await db.prisma.job.findUniqueOrThrow({ where: { id } })).payload).toEqual({
      apiUrl: 'https://x',
    });
    expect(await removePayloadKey(db.prisma, 'job_missing', 'tokenEncrypted')).toBe(false);
  });

  it('reads a workspace’s jobs by id, oldest first, without another workspace’s', async () => {
    const a = await jobAt('ws-1', new Date('2030-01-01T00:00:02Z'));
    const b = await jobAt('ws-1', new Date('2030-01-01T00:00:01Z'), 'dead');
    const c = await jobAt('ws-2', new Date('2030-01-01T00:00:00Z'));
    const jobs = await jobsByIds(db.prisma, 'ws-1', [a, b, c]);
    expect(jobs.map((j) => j.id)).toEqual([b, a]);
    expect(jobs[0]).toMatchObject({
      name: 'test.echo',
      status: 'dead',
      lane: 'normal',
      attempts: 0,
      maxAttempts: 3,
    });
    expect(jobs[0]!.createdAt).toBeInstanceOf(Date);
    expect(jobs[0]!.createdAt.toISOString()).toBe('2030-01-01T00:00:01.000Z');
    expect(await jobsByIds(db.prisma, 'ws-1', [])).toEqual([]);
  });
});
