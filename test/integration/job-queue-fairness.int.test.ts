import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineJob } from '../../src/jobs/catalog.js';
import { MAX_KEYS_PER_CLAIM } from '../../src/jobs/claim.js';
import { claim, complete, enqueue } from '../../src/jobs/queue.js';
import type { Database } from '../../src/store/database.js';
import { createTestDatabase } from '../helpers/database.js';

let db: Database;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db.close());
const clean = () => db.sql.query('TRUNCATE job, job_fairness, job_concurrency');

const work = defineJob('test.fair', { schema: z.object({ n: z.number() }), maxAttempts: 3 });
const ago = (ms: number) => new Date(Date.now() - ms);

/** `count` queued jobs for one key in one statement, oldest first, all due (enqueued over the last minute). */
async function backlog(key: string, count: number): Promise<void> {
  await db.sql.query(
    `INSERT INTO job (id, workspace_id, fair_key, name, payload, status, run_at, max_attempts, lease_seconds)
     SELECT 'job_' || $1 || '_' || lpad(g::text, 7, '0'), $1, $1, $2, jsonb_build_object('n', g), 'queued',
            now() - interval '60 seconds' + g * (interval '50 seconds' / $3::int), 3, 20
     FROM generate_series(1, $3::int) g`,
    [key, work.name, count],
  );
}

const keysOf = (jobs: { workspace_id: string | null }[]) => jobs.map((j) => j.workspace_id);

describe('fair claiming with a 100 000-job backlog', () => {
  // One backlog for both tests: inserting and indexing 100 000 rows takes a while on PGlite.
  beforeAll(async () => {
    await clean();
    await backlog('ws-hog', 100_000);
  }, 120_000);
  afterAll(clean);

  it("does not let a key with 100 000 queued jobs delay another key's next job past one claim", async () => {
    // Enqueued after the whole backlog: in run_at order it would be the 100 001st.
    const small = (await enqueue(db.prisma, work, { n: 1 }, { workspaceId: 'ws-small' }))!;
    const claimed = await claim(db.sql, 'w', [work.name], 2);
    expect(keysOf(claimed).sort()).toEqual(['ws-hog', 'ws-small']);
    expect(claimed.map((j) => j.id)).toContain(small);
  });

  it('takes turns across keys when every claim has one slot, however old the backlog is', async () => {
    const first = await claim(db.sql, 'w', [work.name], 1);
    expect(keysOf(first)).toEqual(['ws-hog']);
    // Enqueued after the hog was served: the very next one-slot claim is the small key's.
    await enqueue(db.prisma, work, { n: 1 }, { workspaceId: 'ws-small-2' });
    await enqueue(db.prisma, work, { n: 2 }, { workspaceId: 'ws-small-2' });
    const turns: (string | null)[] = [];
    for (let i = 0; i < 4; i++) turns.push(...keysOf(await claim(db.sql, 'w', [work.name], 1)));
    expect(turns).toEqual(['ws-small-2', 'ws-hog', 'ws-small-2', 'ws-hog']);
  });
});

describe('fair claiming by key', () => {
  beforeEach(clean);

  it('goes round robin: the 1st job of every key, then the 2nd of every key, oldest first in a round', async () => {
    await enqueue(db.prisma, work, { n: 1 }, { workspaceId: 'ws-a', runAt: ago(50_000) });
    await enqueue(db.prisma, work, { n: 2 }, { workspaceId: 'ws-a', runAt: ago(40_000) });
    await enqueue(db.prisma, work, { n: 3 }, { workspaceId: 'ws-a', runAt: ago(30_000) });
    await enqueue(db.prisma, work, { n: 4 }, { workspaceId: 'ws-b', runAt: ago(20_000) });
    await enqueue(db.prisma, work, { n: 5 }, { workspaceId: 'ws-b', runAt: ago(10_000) });
    // A fairness key of its own, not the workspace (e.g. one outbound endpoint of ws-a).
    await enqueue(db.prisma, work, { n: 6 }, { workspaceId: 'ws-a', fairnessKey: 'endpoint-1' });
    const round = async (limit: number) =>
      (await claim(db.sql, 'w', [work.name], limit)).map((j) => (j.payload as { n: number }).n).sort();
    expect(await round(3)).toEqual([1, 4, 6]);
    expect(await round(2)).toEqual([2, 5]);
    expect(await round(2)).toEqual([3]);
  });

  it('takes jobs from keys whose backlog spans several buckets in run_at order within the key', async () => {
    // Older than the five-minute buckets of the claim index: the walk visits each (bucket, key) once.
    await enqueue(db.prisma, work, { n: 1 }, { workspaceId: 'ws-a', runAt: ago(20 * 60_000) });
    await enqueue(db.prisma, work, { n: 2 }, { workspaceId: 'ws-a', runAt: ago(11 * 60_000) });
    await enqueue(db.prisma, work, { n: 3 }, { workspaceId: 'ws-a', runAt: ago(1_000) });
    await enqueue(db.prisma, work, { n: 4 }, { workspaceId: 'ws-b', runAt: ago(500) });
    const claimed = await claim(db.sql, 'w', [work.name], 2);
    // ws-a's three buckets count as one key: its 1st job, then ws-b's 1st, not ws-a's 2nd.
    expect(claimed.map((j) => (j.payload as { n: number }).n).sort()).toEqual([1, 4]);
  });

  it('never claims a job before its run_at, whatever its key', async () => {
    await enqueue(
      db.prisma,
      work,
      { n: 1 },
      { workspaceId: 'ws-later', runAt: new Date(Date.now() + 60_000) },
    );
    await enqueue(
      db.prisma,
      work,
      { n: 2 },
      { workspaceId: 'ws-next-week', runAt: new Date(Date.now() + 7 * 86_400_000) },
    );
    const now = (await enqueue(db.prisma, work, { n: 3 }, { workspaceId: 'ws-now' }))!;
    const claimed = await claim(db.sql, 'w', [work.name], 5);
    expect(claimed.map((j) => j.id)).toEqual([now]);
  });

  it('still serves every key when more keys have due work than one claim looks at', async () => {
    const keys = MAX_KEYS_PER_CLAIM + 44;
    await db.sql.query(
      `INSERT INTO job (id, workspace_id, fair_key, name, payload, status, run_at, max_attempts, lease_seconds)
       SELECT 'job_k' || lpad(k::text, 4, '0'), 'ws-' || k, 'ws-' || k, $1, jsonb_build_object('n', k), 'queued',
              now() - interval '1 second', 3, 20
       FROM generate_series(1, $2::int) k`,
      [work.name, keys],
    );
    const seen = new Set<string>();
    for (let i = 0; i < keys; i++) {
      const jobs = await claim(db.sql, 'w', [work.name], 16);
      if (jobs.length === 0) break;
      for (const j of jobs) seen.add(j.workspace_id!);
    }
    expect(seen.size).toBe(keys);
  });

  it('drains a backlog to the end, every job once', async () => {
    await backlog('ws-x', 30);
    await backlog('ws-y', 5);
    const seen = new Set<string>();
    for (;;) {
      const jobs = await claim(db.sql, 'w', [work.name], 4);
      if (jobs.length === 0) break;
      for (const j of jobs) {
        expect(seen.has(j.id)).toBe(false);
        seen.add(j.id);
        expect(await complete(db.sql, j.id, 'w')).toBe(true);
      }
    }
    expect(seen.size).toBe(35);
  });
});

describe('fair claiming by pool', () => {
  beforeEach(clean);
  afterAll(clean);

  it("walks only its pool's keys: another pool's older keys never take a winner's place", async () => {
    const outbound = defineJob('test.fair-outbound', {
      schema: z.object({ n: z.number() }),
      maxAttempts: 3,
      pool: 'outbound',
    });
    // Eight keys of the outbound pool, all older than the one default job (the claim ranks keys by age).
    for (let n = 0; n < 8; n++)
      await enqueue(db.prisma, outbound, { n }, { fairnessKey: `endpoint:${n}`, runAt: ago(60_000 - n) });
    const id = await enqueue(db.prisma, work, { n: 99 }, { fairnessKey: 'ws-a', runAt: ago(1_000) });
    const mine = await claim(db.sql, 'w', [work.name], 1);
    expect(mine.map((j) => j.id)).toEqual([id]);
    const theirs = await claim(db.sql, 'w', [outbound.name], 8, { pool: 'outbound' });
    expect(theirs).toHaveLength(8);
  });
});
