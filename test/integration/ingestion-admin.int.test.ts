import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retentionSlot } from '../../src/modules/ingestion/ingestion.jobs.js';
import { type TestApp, buildTestApp, manualClock } from '../helpers/build-test-app.js';
import { ADDON_ID, bearer, install, postLifecycle, userToken } from '../helpers/clockify.js';
import { waitFor } from '../helpers/wait-for.js';
import { postClockify, seedWebhookTokens } from '../helpers/webhooks.js';

const clock = manualClock();
let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ clock });
});
afterAll(async () => t.close());

const auth = async (ws: string, role = 'OWNER') => bearer(await userToken(t, ws, role));
const api = async (
  ws: string,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  payload?: unknown,
  role?: string,
) =>
  t.app.inject({
    method,
    url,
    headers: await auth(ws, role),
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });

async function noneSource(ws: string) {
  const res = await api(ws, 'POST', '/ui/sources', { name: 'plain', verification: { scheme: 'none' } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ id: string }>().id;
}
const post = (sourceId: string, body: object) =>
  t.app.inject({
    method: 'POST',
    url: `/webhooks/custom/${sourceId}`,
    headers: { 'content-type': 'application/json' },
    payload: body,
  });

describe('sources admin API', () => {
  it('returns the secret only at creation and never stores it in plain text', async () => {
    const { workspaceId: ws } = await install(t);
    const created = await api(ws, 'POST', '/ui/sources', {
      name: 'GitHub',
      verification: { scheme: 'github' },
    });
    expect(created.statusCode).toBe(201);
    const src = created.json<{
      id: string;
      secret: string;
      url: string;
      dedupRule: unknown;
      maxBodyBytes: number;
      contentTypes: string[];
    }>();
    expect(src.id).toMatch(/^src_[0-9a-z]{24}$/);
    expect(src.secret.length).toBeGreaterThanOrEqual(32);
    expect(src).toMatchObject({
      url: `https://gateway.test/webhooks/custom/${src.id}`,
      dedupRule: { kind: 'header', header: 'X-GitHub-Delivery' },
      maxBodyBytes: 1_048_576,
      contentTypes: ['application/json'],
    });
    const read = await api(ws, 'GET', `/ui/sources/${src.id}`);
    expect(read.statusCode).toBe(200);
    expect(read.body).not.toContain(src.secret);
    expect((await api(ws, 'GET', '/ui/sources')).json().items).toHaveLength(1);
    const raw = await t.db.sql.query<{ r: string }>(
      'SELECT row_to_json(s)::text AS r FROM webhook_source s WHERE id = $1',
      [src.id],
    );
    expect(raw[0]?.r).not.toContain(src.secret);
    const supplied = await api(ws, 'POST', '/ui/sources', {
      name: 'mine',
      verification: { scheme: 'hmac', header: 'X-Sig' },
      secret: 'my-own-secret-1234567890',
    });
    expect(supplied.json().secret).toBe('my-own-secret-1234567890');
  });

  it('hides other workspaces’ sources and events (404) and changes nothing', async () => {
    const { workspaceId: a } = await install(t);
    const { workspaceId: b } = await install(t);
    const src = await noneSource(a);
    const ev = (await post(src, { x: 1 })).json<{ eventId: string }>().eventId;
    for (const [method, url, payload] of [
      ['GET', `/ui/sources/${src}`],
      ['PATCH', `/ui/sources/${src}`, { enabled: false }],
      ['POST', `/ui/sources/${src}/rotate-secret`, { graceSeconds: 0 }],
      ['DELETE', `/ui/sources/${src}`],
      ['GET', `/ui/sources/${src}/rejections`],
      ['GET', `/ui/webhooks/${ev}`],
    ] as const) {
      const res = await api(b, method, url, payload);
      expect(res.statusCode, `${method} ${url}`).toBe(404);
    }
    expect((await api(b, 'GET', '/ui/webhooks')).json().items).toEqual([]);
    expect((await api(a, 'GET', `/ui/sources/${src}`)).json().enabled).toBe(true);
    expect((await api(a, 'GET', `/ui/webhooks/${ev}`)).statusCode).toBe(200);
  });

  it('rejects bad input with 400/422 in the error shape and a read-only user with 403, changing nothing', async () => {
    const { workspaceId: ws } = await install(t);
    const cases: [string, string, unknown, number][] = [
      ['POST', '/ui/sources', { verification: { scheme: 'github' } }, 400],
      ['POST', '/ui/sources', { name: 'x', verification: { scheme: 'nope' } }, 400],
      [
        'POST',
        '/ui/sources',
        { name: 'x', verification: { scheme: 'github' }, maxBodyBytes: 20 * 1_048_576 },
        400,
      ],
      [
        'POST',
        '/ui/sources',
        { name: 'x', verification: { scheme: 'github' }, contentTypes: ['not a type'] },
        400,
      ],
      [
        'POST',
        '/ui/sources',
        {
          name: 'x',
          verification: { scheme: 'github' },
          dedupRule: { kind: 'jsonpath', path: '$..[?(@.x)]' },
        },
        400,
      ],
      ['POST', '/ui/sources', { name: 'x', verification: { scheme: 'github' }, secret: 'short' }, 422],
      [
        'POST',
        '/ui/sources',
        { name: 'x', verification: { scheme: 'none' }, secret: 'a-secret-for-none-scheme' },
        422,
      ],
      ['POST', '/ui/sources', { name: 'x', verification: { scheme: 'github' }, unknownField: 1 }, 400],
      ['GET', '/ui/webhooks?limit=101', undefined, 400],
      ['GET', '/ui/webhooks?status=weird', undefined, 400],
      ['GET', '/ui/webhooks?from=yesterday', undefined, 400],
      ['GET', '/ui/webhooks?cursor=garbage', undefined, 400],
      ['GET', '/ui/webhooks?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', undefined, 400],
      ['GET', '/ui/sources/not-an-id', undefined, 400],
    ];
    for (const [method, url, payload, status] of cases) {
      const res = await api(ws, method as 'GET', url, payload);
      expect(res.statusCode, `${method} ${url} ${JSON.stringify(payload)}: ${res.body}`).toBe(status);
      expect(res.json()).toMatchObject({
        error: { code: expect.any(String), message: expect.any(String), requestId: expect.any(String) },
      });
    }
    const src = await noneSource(ws);
    expect((await api(ws, 'PATCH', `/ui/sources/${src}`, {})).statusCode).toBe(400);
    expect((await api(ws, 'POST', `/ui/sources/${src}/rotate-secret`, { graceSeconds: -1 })).statusCode).toBe(
      400,
    );
    expect((await api(ws, 'POST', `/ui/sources/${src}/rotate-secret`, { graceSeconds: 10 })).statusCode).toBe(
      422,
    );
    expect((await api(ws, 'PATCH', `/ui/sources/${src}`, { enabled: false }, 'USER')).statusCode).toBe(403);
    expect((await api(ws, 'GET', `/ui/sources/${src}`)).json().enabled).toBe(true);
    expect((await api(ws, 'GET', '/ui/sources')).json().items).toHaveLength(1);
  });

  it('changing the scheme returns a new secret and the new scheme’s default dedup rule', async () => {
    const { workspaceId: ws } = await install(t);
    const src = await noneSource(ws);
    const res = await api(ws, 'PATCH', `/ui/sources/${src}`, { verification: { scheme: 'stripe' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      secret: expect.any(String),
      hasSecret: true,
      dedupRule: { kind: 'jsonpath', path: '$.id' },
    });
  });

  it('lists the provider presets', async () => {
    const { workspaceId: ws } = await install(t);
    const res = await api(ws, 'GET', '/ui/providers');
    expect(res.json().items.map((p: { id: string }) => p.id)).toContain('standard-webhooks');
  });
});

describe('event log and stats', () => {
  it('lists newest first with filters and cursor pagination', async () => {
    const { workspaceId: ws } = await install(t);
    const s1 = await noneSource(ws);
    const s2 = await noneSource(ws);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      clock.advance(1_000);
      ids.push(
        (await post(i % 2 === 0 ? s1 : s2, { i, type: i % 2 === 0 ? 'even' : 'odd' })).json<{
          eventId: string;
        }>().eventId,
      );
    }
    await post(s1, { i: 0, type: 'even' }); // duplicate: not listed twice
    const page1 = (await api(ws, 'GET', '/ui/webhooks?limit=2')).json<{
      items: { id: string }[];
      nextCursor: string;
    }>();
    expect(page1.items.map((e) => e.id)).toEqual([ids[4], ids[3]]);
    const page2 = (await api(ws, 'GET', `/ui/webhooks?limit=2&cursor=${page1.nextCursor}`)).json<{
      items: { id: string }[];
      nextCursor: string;
    }>();
    expect(page2.items.map((e) => e.id)).toEqual([ids[2], ids[1]]);
    const page3 = (await api(ws, 'GET', `/ui/webhooks?limit=2&cursor=${page2.nextCursor}`)).json<{
      items: { id: string }[];
      nextCursor: string | null;
    }>();
    expect(page3.items.map((e) => e.id)).toEqual([ids[0]]);
    expect(page3.nextCursor).toBeNull();
    const bySource = (await api(ws, 'GET', `/ui/webhooks?source=${s2}`)).json<{ items: { id: string }[] }>();
    expect(bySource.items.map((e) => e.id)).toEqual([ids[3], ids[1]]);
    const byType = (await api(ws, 'GET', '/ui/webhooks?eventType=even&status=queued')).json<{
      items: unknown[];
    }>();
    expect(byType.items).toHaveLength(3);
    const from = new Date(clock.now().getTime() - 500).toISOString();
    expect((await api(ws, 'GET', `/ui/webhooks?from=${from}`)).json().items).toHaveLength(1);
    clock.advance(-5_000);

    const stats = (await api(ws, 'GET', '/ui/stats')).json<{
      items: { source: string; accepted: number; duplicates: number; received: number }[];
    }>();
    expect(stats.items.find((s) => s.source === s1)).toMatchObject({
      accepted: 3,
      duplicates: 1,
      received: 4,
      rejected: 0,
      processingSuccessRate: null,
    });
  });
});

describe('events per hour', () => {
  it('counts the last 24 hours per hour, oldest first, for the caller’s workspace only', async () => {
    const HOUR = 3_600_000;
    const { workspaceId: ws } = await install(t);
    const { workspaceId: other } = await install(t);
    const src = await noneSource(ws);
    const otherSrc = await noneSource(other);
    // Events are stamped with the (manual) clock; tokens are checked against it, so it returns to now.
    try {
      clock.advance(-25 * HOUR);
      expect((await post(src, { hourly: 'too old' })).statusCode).toBe(202);
      clock.advance(24 * HOUR);
      for (const i of [1, 2]) expect((await post(src, { hourly: i })).statusCode).toBe(202);
      expect((await post(otherSrc, { hourly: 'other' })).statusCode).toBe(202);
    } finally {
      clock.advance(HOUR);
    }
    expect((await post(src, { hourly: 3 })).statusCode).toBe(202);
    const res = await api(ws, 'GET', '/ui/stats/hourly');
    expect(res.statusCode, res.body).toBe(200);
    const { buckets } = res.json<{ buckets: { hour: string; events: number }[] }>();
    expect(buckets).toHaveLength(24);
    const currentHour = Math.floor(clock.now().getTime() / HOUR) * HOUR;
    expect(buckets[0]!.hour).toBe(new Date(currentHour - 23 * HOUR).toISOString());
    expect(buckets.at(-1)).toEqual({ hour: new Date(currentHour).toISOString(), events: 1 });
    expect(buckets.at(-2)).toEqual({ hour: new Date(currentHour - HOUR).toISOString(), events: 2 });
    expect(buckets.reduce((a, b) => a + b.events, 0)).toBe(3);
    expect((await t.app.inject({ method: 'GET', url: '/ui/stats/hourly' })).statusCode).toBe(401);
  });
});

describe('stats counters (appended per batch, folded every minute)', () => {
  const statsOf = async (ws: string, source: string) =>
    (await api(ws, 'GET', '/ui/stats'))
      .json<{ items: { source: string }[] }>()
      .items.find((s) => s.source === source);

  it('count stored events, duplicates and rejections exactly, before and after folding; two folds at once count nothing twice', async () => {
    const { workspaceId: ws } = await install(t);
    const src = await noneSource(ws);
    const github = (
      await api(ws, 'POST', '/ui/sources', { name: 'gh', verification: { scheme: 'github' } })
    ).json<{ id: string }>().id;
    for (const i of [1, 2, 3]) expect((await post(src, { i })).statusCode).toBe(202);
    expect((await post(src, { i: 1 })).statusCode).toBe(200);
    expect((await post(github, { unsigned: true })).statusCode).toBe(401);
    const expected = { accepted: 3, duplicates: 1, rejected: 0, received: 4 };
    expect(await statsOf(ws, src)).toMatchObject(expected);
    expect(await statsOf(ws, github)).toMatchObject({ accepted: 0, rejected: 1, received: 1 });
    expect(await t.db.prisma.webhookSourceStatsDelta.count({ where: { workspaceId: ws } })).toBeGreaterThan(
      0,
    );

    const folds = await Promise.all([
      t.deps.modules.ingestion.eventsRepo.foldStats(2),
      t.deps.modules.ingestion.eventsRepo.foldStats(2),
    ]);
    expect(folds[0] + folds[1]).toBeGreaterThan(0);
    expect(await t.db.prisma.webhookSourceStatsDelta.count({ where: { workspaceId: ws } })).toBe(0);
    expect(await statsOf(ws, src)).toMatchObject(expected);
    expect(await statsOf(ws, github)).toMatchObject({ accepted: 0, rejected: 1, received: 1 });

    expect((await post(src, { i: 4 })).statusCode).toBe(202);
    expect(await statsOf(ws, src)).toMatchObject({ accepted: 4, duplicates: 1, received: 5 });
  });

  it('a fold run folds what is pending and schedules the next minute', async () => {
    const { workspaceId: ws } = await install(t);
    const src = await noneSource(ws);
    expect((await post(src, { dup: 1 })).statusCode).toBe(202);
    expect((await post(src, { dup: 1 })).statusCode).toBe(200);
    const slot = '2026-12-01T10:00:00.000Z';
    const fold = t.deps.registry.get('webhooks.stats.fold')!;
    const ctx = {
      jobId: 'job_test',
      attempt: 1,
      workspaceId: null,
      log: t.deps.log,
      signal: new AbortController().signal,
    };
    await fold.handler({ slot }, ctx);
    expect(await t.db.prisma.webhookSourceStatsDelta.count({ where: { workspaceId: ws } })).toBe(0);
    expect(await statsOf(ws, src)).toMatchObject({ accepted: 1, duplicates: 1 });
    const next = await t.db.prisma.job.findFirst({
      where: { name: 'webhooks.stats.fold', dedupeKey: 'webhooks.stats.fold:2026-12-01T10:01:00.000Z' },
    });
    expect(next?.runAt.toISOString()).toBe('2026-12-01T10:01:00.000Z');
  });

  it('schedules one fold job per minute slot, however many instances start', async () => {
    await t.deps.schedulePeriodic(clock.now());
    await t.deps.schedulePeriodic(clock.now());
    const slot = new Date(Math.floor(clock.now().getTime() / 60_000) * 60_000).toISOString();
    expect(
      await t.db.prisma.job.count({
        where: { name: 'webhooks.stats.fold', dedupeKey: `webhooks.stats.fold:${slot}` },
      }),
    ).toBe(1);
  });
});

describe('retention and purge', () => {
  it('prunes only events older than each workspace’s retention', async () => {
    const { workspaceId: short } = await install(t);
    const { workspaceId: long } = await install(t);
    const set = await postLifecycle(t, '/lifecycle/settings-updated', {
      addonId: ADDON_ID,
      workspaceId: short,
      settings: [{ id: 'webhooks_log_retention_days', value: 1 }],
    });
    expect(set.statusCode).toBe(200);
    const sShort = await noneSource(short);
    const sLong = await noneSource(long);
    // Stored "2 days ago": the clock is moved back for the insert only.
    clock.advance(-2 * 86_400_000);
    const oldShort = (await post(sShort, { age: 'old' })).json<{ eventId: string }>().eventId;
    const oldLong = (await post(sLong, { age: 'old' })).json<{ eventId: string }>().eventId;
    clock.advance(2 * 86_400_000);
    const newShort = (await post(sShort, { age: 'new' })).json<{ eventId: string }>().eventId;

    const retention = (await t.deps.installations.allSettings()).map((w) => ({
      workspaceId: w.workspaceId,
      days: w.settings.webhooks.logRetentionDays,
    }));
    const removed = await t.deps.modules.ingestion.eventsRepo.pruneExpired(retention, clock.now());
    expect(removed).toBeGreaterThanOrEqual(1);
    const left = await t.db.prisma.webhookEvent.findMany({
      where: { id: { in: [oldShort, oldLong, newShort] } },
      select: { id: true },
    });
    expect(left.map((r) => r.id).sort()).toEqual([oldLong, newShort].sort());
    // Pruning the log does not make the counts go down.
    const stats = (await api(short, 'GET', '/ui/stats')).json<{ items: { source: string }[] }>();
    expect(stats.items.find((i) => i.source === sShort)).toMatchObject({ accepted: 2, received: 2 });
  });

  it('schedules one retention job per slot, however often it is asked', async () => {
    await t.deps.schedulePeriodic(clock.now());
    await t.deps.schedulePeriodic(clock.now());
    const slot = retentionSlot(clock.now()).toISOString();
    expect(
      await t.db.prisma.job.count({
        where: { name: 'webhooks.retention', dedupeKey: `webhooks.retention:${slot}` },
      }),
    ).toBe(1);
  });

  it('DELETED purges the workspace’s events, sources, quarantine and counters', async () => {
    const { workspaceId: ws } = await install(t);
    const { workspaceId: other } = await install(t);
    const tokens = await seedWebhookTokens(t, ws, ['NEW_CLIENT']);
    expect(
      (
        await postClockify(t, {
          event: 'NEW_CLIENT',
          token: tokens.get('NEW_CLIENT')!,
          body: { workspaceId: ws, id: 'c1' },
        })
      ).statusCode,
    ).toBe(202);
    const src = await noneSource(ws);
    expect((await post(src, { a: 1 })).statusCode).toBe(202);
    const keyed = (
      await api(ws, 'POST', '/ui/sources', { name: 'k', verification: { scheme: 'api-key' } })
    ).json<{ id: string }>().id;
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: `/webhooks/custom/${keyed}`,
          headers: { 'content-type': 'application/json', 'x-api-key': 'wrong-wrong-wrong-wrong' },
          payload: {},
        })
      ).statusCode,
    ).toBe(401);
    const otherSrc = await noneSource(other);
    expect((await post(otherSrc, { b: 1 })).statusCode).toBe(202);

    expect(
      (await postLifecycle(t, '/lifecycle/deleted', { addonId: ADDON_ID, workspaceId: ws })).statusCode,
    ).toBe(200);
    t.deps.runner.start();
    try {
      await waitFor(
        async () => (await t.db.prisma.installation.count({ where: { workspaceId: ws } })) === 0,
        { what: 'purge', timeoutMs: 20_000 },
      );
    } finally {
      await t.deps.runner.stop(5_000);
    }
    const where = { where: { workspaceId: ws } };
    expect({
      events: await t.db.prisma.webhookEvent.count(where),
      sources: await t.db.prisma.webhookSource.count(where),
      rejections: await t.db.prisma.webhookRejection.count(where),
      stats: await t.db.prisma.webhookSourceStats.count(where),
      pendingStats: await t.db.prisma.webhookSourceStatsDelta.count(where),
    }).toEqual({ events: 0, sources: 0, rejections: 0, stats: 0, pendingStats: 0 });
    expect(await t.db.prisma.webhookEvent.count({ where: { workspaceId: other } })).toBe(1);
  });
});
