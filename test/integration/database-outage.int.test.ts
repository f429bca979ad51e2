/**
 * A database outage is the server's temporary condition (#11): every route that needs the database answers
 * 503 SERVICE_UNAVAILABLE with Retry-After in the error envelope, /readyz answers 503, and everything works
 * again when the database is back, without a restart.
 *
 * On a PostgreSQL server the test database really goes away: connections are refused
 * (ALLOW_CONNECTIONS false) and its open ones are cut (pg_terminate_backend). On PGlite, which has no
 * connections to cut, the app's database is switched for the time of the outage to a real pg pool on a
 * closed port, so the errors are the driver's own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import pg from 'pg';
import { type Database, openServer } from '../../src/store/database.js';
import { type TestApp, buildTestApp } from '../helpers/build-test-app.js';
import { bearer, install, installedPayload, lifecycleToken, userToken } from '../helpers/clockify.js';
import type { TestDatabase } from '../helpers/database.js';
import { freePort } from '../helpers/gateway-process.js';

/** A Database whose calls go to `real`, or to `down` while an outage is simulated. */
function switchable(real: Database, down: () => Database) {
  let cut = false;
  const active = () => (cut ? down() : real);
  const forward = <T extends object>(pick: (d: Database) => T): T =>
    new Proxy({} as T, {
      get(_, key) {
        const target = pick(active());
        const v = Reflect.get(target, key) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  const db: Database = {
    kind: real.kind,
    prisma: forward((d) => d.prisma),
    sql: forward((d) => d.sql),
    close: () => real.close(),
  };
  return { db, set: (v: boolean) => void (cut = v) };
}

const server = inject('database').kind === 'server';
let t: TestApp;
let closedPortDb: Database | undefined;
let sw: ReturnType<typeof switchable> | undefined;
let admin: pg.Client | undefined;
let dbName = '';

beforeAll(async () => {
  const port = await freePort();
  t = await buildTestApp({
    wrapDatabase: (db: TestDatabase) => {
      if (server) return db;
      sw = switchable(db, () => closedPortDb!);
      return sw.db;
    },
  });
  if (server) {
    dbName = (await t.db.sql.query<{ name: string }>('SELECT current_database() AS name'))[0]!.name;
    const target = inject('database');
    admin = new pg.Client({ connectionString: target.kind === 'server' ? target.url : '' });
    await admin.connect();
  } else {
    closedPortDb = await openServer(`postgresql://gw:s3cret@127.0.0.1:${port}/gw`, 2, {
      connectTimeoutMs: 1_000,
    });
  }
});
afterAll(async () => {
  await cut(false).catch(() => undefined);
  await admin?.end();
  await closedPortDb?.close();
  await t.close();
});

async function cut(down: boolean) {
  if (sw !== undefined) return sw.set(down);
  await admin!.query(`ALTER DATABASE ${dbName} ALLOW_CONNECTIONS ${down ? 'false' : 'true'}`);
  if (down)
    await admin!.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [dbName]);
}

describe('a database outage', () => {
  it('answers 503 with Retry-After on the routes that need the database, then recovers without a restart', async () => {
    const { workspaceId } = await install(t);
    const h = bearer(await userToken(t, workspaceId));
    const created = await t.app.inject({
      method: 'POST',
      url: '/ui/sources',
      headers: h,
      payload: { name: 'outage', verification: { scheme: 'api-key' } },
    });
    expect(created.statusCode, created.body).toBe(201);
    const source = created.json<{ id: string; secret: string }>();
    const requests = async () => [
      await t.app.inject({
        method: 'POST',
        url: `/webhooks/custom/${source.id}`,
        headers: { 'content-type': 'application/json', 'x-api-key': source.secret },
        payload: { id: `evt-${Date.now()}-${Math.random()}` },
      }),
      await t.app.inject({ method: 'GET', url: '/ui/sources', headers: h }),
      await t.app.inject({ method: 'GET', url: '/ui/webhooks', headers: h }),
      await t.app.inject({
        method: 'POST',
        url: '/lifecycle/installed',
        headers: { 'x-addon-lifecycle-token': await lifecycleToken(t, 'b'.repeat(24)) },
        payload: await installedPayload(t, 'b'.repeat(24)),
      }),
    ];
    const before = await requests();
    expect(before.map((r) => r.statusCode)).toEqual([202, 200, 200, 200]);

    await cut(true);
    const during = await requests();
    for (const r of during) {
      expect(
        { status: r.statusCode, code: r.json<{ error: { code: string } }>().error.code },
        r.body,
      ).toEqual({
        status: 503,
        code: 'SERVICE_UNAVAILABLE',
      });
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
      expect(r.json<{ error: { requestId: string } }>().error.requestId).toBe(r.headers['x-request-id']);
    }
    const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json<{ error: { code: string } }>().error.code).toBe('NOT_READY');

    await cut(false);
    const after = await requests();
    expect(after.map((r) => r.statusCode)).toEqual([202, 200, 200, 200]);
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });
});
