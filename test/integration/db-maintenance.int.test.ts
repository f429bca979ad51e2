import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maintainOnce, selfMaintenanceNeeded } from '../../src/store/maintenance.js';
import { type TestApp, buildTestApp } from '../helpers/build-test-app.js';
import { waitFor } from '../helpers/wait-for.js';

/**
 * Where nothing else maintains the database (PGlite has no autovacuum; this machine's server runs with it
 * off), the gateway VACUUMs and ANALYZEs its own tables; before, the planner kept the plans it chose for
 * empty tables (sequential scans in the flows executor's statements, bench:flows).
 */
describe('the gateway maintains its own tables', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ env: { DB_MAINTENANCE: 'always', DB_MAINTENANCE_INTERVAL_MS: '1000' } });
    await t.db.sql.query(`CREATE TABLE maintenance_probe (id int PRIMARY KEY, v text)`);
  });
  afterAll(async () => t?.close());

  const stats = async (table: string) =>
    (
      await t.db.sql.query<{ analyzed: boolean; dead: string; vacuums: string; live: string }>(
        `SELECT last_analyze IS NOT NULL AS analyzed, n_dead_tup::text AS dead, vacuum_count::text AS vacuums,
                n_live_tup::text AS live
         FROM pg_stat_user_tables WHERE relname = $1`,
        [table],
      )
    )[0];

  it('analyzes a table that grew, with the workers, within a few passes', async () => {
    await t.db.sql.query(`INSERT INTO maintenance_probe SELECT g, 'x' FROM generate_series(1, 500) g`);
    expect((await stats('maintenance_probe'))?.analyzed).toBe(false);
    t.deps.startWorkers();
    await waitFor(async () => (await stats('maintenance_probe'))?.analyzed === true, {
      timeoutMs: 20_000,
      what: 'maintenance_probe analyzed',
    });
  });

  it('vacuums a table full of dead rows, and leaves a table that did not change alone', async () => {
    const before = Number((await stats('maintenance_probe'))?.vacuums);
    await t.db.sql.query(`DELETE FROM maintenance_probe WHERE id <= 400`);
    // The statistics system reports a backend's counts within a second or so; the workers' pass (every
    // second here) or this test's own may be the one that finds them: either is the gateway's.
    await waitFor(
      async () => {
        await maintainOnce(t.db);
        const s = await stats('maintenance_probe');
        return Number(s?.vacuums) > before && Number(s?.dead) === 0;
      },
      { timeoutMs: 20_000, everyMs: 200, what: 'maintenance_probe vacuumed' },
    );
    // Nothing changed since: the next pass has nothing to do for either.
    const next = await maintainOnce(t.db);
    expect(next.vacuum).not.toContain('maintenance_probe');
    expect(next.vacuum).not.toContain('installation');
  });

  it('decides when to maintain: always, never, or where nothing else does (embedded, autovacuum off)', async () => {
    expect(await selfMaintenanceNeeded(t.db, 'always')).toBe(true);
    expect(await selfMaintenanceNeeded(t.db, 'off')).toBe(false);
    const [server] = await t.db.sql.query<{ autovacuum: string }>(
      `SELECT current_setting('autovacuum') AS autovacuum`,
    );
    expect(await selfMaintenanceNeeded(t.db, 'auto')).toBe(
      t.db.kind === 'embedded' || server?.autovacuum === 'off',
    );
  });
});

describe('the growth pass (between full passes)', () => {
  // No workers and no maintenance of its own here: only this test's passes touch the table.
  let q: TestApp;
  beforeAll(async () => {
    q = await buildTestApp({ env: { DB_MAINTENANCE: 'off' } });
  });
  afterAll(async () => q?.close());
  // The statistics system hears of a connection's inserts when it flushes them: at once when asked in the
  // same transaction.
  const insert = (range: string) =>
    q.db.sql.query(
      `WITH ins AS (INSERT INTO growth_probe SELECT g FROM generate_series(${range}) g RETURNING 1)
       SELECT pg_stat_force_next_flush(), count(*) FROM ins`,
    );
  const live = async () =>
    Number(
      (
        await q.db.sql.query<{ n: string }>(
          `SELECT n_live_tup::text AS n FROM pg_stat_user_tables WHERE relname = 'growth_probe'`,
        )
      )[0]?.n,
    );

  it('between full passes, analyzes a table grown to twice the rows its plans were made for, and only that', async () => {
    await q.db.sql.query(`CREATE TABLE growth_probe (id int PRIMARY KEY)`);
    await insert('1, 300');
    await q.db.sql.query(`ANALYZE growth_probe`);
    const planned = async () =>
      Number(
        (
          await q.db.sql.query<{ n: string }>(
            `SELECT reltuples::bigint::text AS n FROM pg_class WHERE relname = 'growth_probe'`,
          )
        )[0]?.n,
      );
    expect(await planned()).toBe(300);
    // Grown, but not yet twice: the growth pass leaves it (a full pass would analyze it).
    await insert('301, 500');
    await waitFor(async () => Number(await live()) === 500, {
      everyMs: 100,
      what: 'growth_probe counted',
    });
    expect((await maintainOnce(q.db, undefined, 'growth')).analyze).not.toContain('growth_probe');
    await insert('501, 700');
    await waitFor(async () => Number(await live()) === 700, {
      everyMs: 100,
      what: 'growth_probe counted',
    });
    const pass = await maintainOnce(q.db, undefined, 'growth');
    expect(pass.analyze).toContain('growth_probe');
    expect(pass.vacuum).toEqual([]);
    expect(await planned()).toBe(700);
  });
});
