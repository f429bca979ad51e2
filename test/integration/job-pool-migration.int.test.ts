/**
 * Migration 20261204090000_job_pool on a database with jobs in it: delivery attempts that can still run
 * move to the outbound pool (their runner would otherwise never claim them), everything else stays.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claim } from '../../src/jobs/queue.js';
import { migrate, readMigrations } from '../../src/store/migrate.js';
import { type Database, openEmbedded } from '../../src/store/database.js';

const POOL_MIGRATION = '20261204090000_job_pool';
let db: Database;
beforeAll(async () => {
  db = await openEmbedded('memory://');
});
afterAll(async () => db.close());

describe(`migration ${POOL_MIGRATION}`, () => {
  it('moves the delivery attempts that can run again to the outbound pool, and only them', async () => {
    const all = readMigrations();
    const at = all.findIndex((m) => m.name === POOL_MIGRATION);
    expect(at).toBeGreaterThan(0);
    await migrate(db.sql, all.slice(0, at));
    const job = (id: string, name: string, status: string) =>
      db.sql.query(
        `INSERT INTO job (id, name, payload, status, run_at, max_attempts, lease_seconds, fair_key)
         VALUES ($1, $2, '{}'::jsonb, $3::"JobStatus", now() - interval '1 minute', 3, 20, $1)`,
        [id, name, status],
      );
    await job('j-queued', 'delivery.attempt', 'queued');
    await job('j-dead', 'delivery.attempt', 'dead');
    await job('j-done', 'delivery.attempt', 'succeeded');
    await job('j-event', 'event.process', 'queued');
    await migrate(db.sql, all);
    const rows = await db.sql.query<{ id: string; pool: string }>('SELECT id, pool FROM job ORDER BY id');
    expect(rows).toEqual([
      { id: 'j-dead', pool: 'outbound' },
      { id: 'j-done', pool: 'default' },
      { id: 'j-event', pool: 'default' },
      { id: 'j-queued', pool: 'outbound' },
    ]);
    // The outbound runner's claim finds the queued attempt; the default runner's finds the event's job.
    expect(
      (await claim(db.sql, 'w', ['delivery.attempt'], 5, { pool: 'outbound' })).map((j) => j.id),
    ).toEqual(['j-queued']);
    expect((await claim(db.sql, 'w', ['event.process'], 5)).map((j) => j.id)).toEqual(['j-event']);
  });
});
