/**
 * The API explorer through HTTP against the fake Clockify: listing and filters, execution (reads,
 * pagination, confirmed writes, the write gate), validation, upstream failures as results, history
 * (scoping, filters, rerun, snippets, flow action), secrets, limits and retention.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../src/integrations/clockify/catalogue.js';
import { explorerRetentionJob } from '../../src/modules/explorer/explorer.jobs.js';
import { type FakeClockify, createFakeClockify } from '../../tools/fake-clockify/server.js';
import { type TestApp, buildTestApp, hexId } from '../helpers/build-test-app.js';
import { ADDON_ID, bearer, installAgainstFake, postLifecycle, userToken } from '../helpers/clockify.js';

const W = { main: hexId(), writes: hexId(), other: hexId(), retention: hexId() };

let t: TestApp;
let fake: FakeClockify;
/** Installation tokens by workspace, to check they never leave the server. */
const tokens = new Map<string, string>();

beforeAll(async () => {
  t = await buildTestApp();
  fake = await createFakeClockify({
    workspaces: Object.values(W).map((id) => ({
      id,
      name: id,
      tokens: [`unused-${id}`],
      counts: { projects: 7, tags: 3 },
    })),
    acceptInstallationTokens: true,
  });
  for (const ws of Object.values(W)) {
    const { body } = await installAgainstFake(t, fake, ws, [{ id: 'bootstrap_max_rps', value: 50 }]);
    tokens.set(ws, body.authToken);
  }
});
afterAll(async () => {
  await fake?.close();
  await t?.close();
});
afterEach(() => fake.clearFaults());

async function as(ws: string, role = 'OWNER') {
  return bearer(await userToken(t, ws, role));
}

async function setSetting(ws: string, id: string, value: unknown) {
  const res = await postLifecycle(t, '/lifecycle/settings-updated', {
    addonId: ADDON_ID,
    workspaceId: ws,
    settings: [{ id, value }],
  });
  expect(res.statusCode).toBe(200);
}

async function execute(ws: string, payload: unknown, headers?: Record<string, string>) {
  return t.app.inject({
    method: 'POST',
    url: '/ui/api-explorer/execute',
    headers: headers ?? (await as(ws)),
    payload: payload as object,
  });
}

/** Every installation token must be absent from `text`. */
function expectNoToken(text: string) {
  for (const token of tokens.values()) {
    expect(text).not.toContain(token);
    // Also the token's signature part alone, the most specific piece of it.
    expect(text).not.toContain(token.split('.')[2]!);
  }
}

describe('operations', () => {
  it('lists all 166 operations, and every filter narrows the list', async () => {
    const h = await as(W.main, 'USER');
    const all = await t.app.inject({ method: 'GET', url: '/ui/api-explorer/operations', headers: h });
    expect(all.statusCode).toBe(200);
    const body = all.json();
    expect(body.total).toBe(166);
    expect(body.items).toHaveLength(166);
    const catalogue = await loadCatalogue();
    expect(new Set(body.items.map((o: { operationId: string }) => o.operationId))).toEqual(
      new Set(catalogue.operations.map((o) => o.operationId)),
    );
    expect(body.items[0]).toMatchObject({
      operationId: expect.any(String),
      flags: { safe: expect.any(Boolean), write: expect.any(Boolean) },
      scope: expect.stringMatching(/_(READ|WRITE)$/),
    });

    const get = (q: string) =>
      t.app
        .inject({ method: 'GET', url: `/ui/api-explorer/operations?${q}`, headers: h })
        .then((r) => r.json());
    const byMethod = await get('method=DELETE');
    expect(byMethod.total).toBe(catalogue.operations.filter((o) => o.method === 'DELETE').length);
    expect(byMethod.items.every((o: { method: string }) => o.method === 'DELETE')).toBe(true);
    const safe = await get('safe=true');
    expect(safe.total).toBe(50);
    const unsafe = await get('safe=false');
    expect(unsafe.total).toBe(116);
    const tag = body.tags[0].tag as string;
    const byTag = await get(`tag=${encodeURIComponent(tag.toUpperCase())}`);
    expect(byTag.total).toBe(body.tags[0].count);
    expect(byTag.items.every((o: { tags: string[] }) => o.tags.some((x) => x === tag))).toBe(true);
    const text = await get('q=PROJECT%20%20task');
    const expected = catalogue.operations.filter((o) => {
      const hay = `${o.summary}\n${o.path}\n${o.operationId}`.toLowerCase();
      return hay.includes('project') && hay.includes('task');
    });
    expect(text.total).toBe(expected.length);
    expect(text.total).toBeGreaterThan(0);
    expect(text.total).toBeLessThan(166);
    const grouped = await get('group=tag&method=GET');
    expect(grouped.groups.length).toBeGreaterThan(1);
    const groupedIds = new Set(grouped.groups.flatMap((g: { operationIds: string[] }) => g.operationIds));
    expect(groupedIds.size).toBe(grouped.total);
    const none = await get('q=zzzz-no-such-thing');
    expect(none).toMatchObject({ total: 0, items: [] });
    const bad = await t.app.inject({
      method: 'GET',
      url: '/ui/api-explorer/operations?safe=maybe',
      headers: h,
    });
    expect(bad.statusCode).toBe(400);
  });

  it('describes one operation with an example request for this workspace; unknown → 404', async () => {
    const h = await as(W.main);
    const res = await t.app.inject({
      method: 'GET',
      url: '/ui/api-explorer/operations/getProjects',
      headers: h,
    });
    expect(res.statusCode).toBe(200);
    const d = res.json();
    expect(d).toMatchObject({ operationId: 'getProjects', method: 'GET' });
    expect(d.example.pathParams.workspaceId).toBe(W.main);
    expect(d.parameters.some((p: { name: string }) => p.name === 'page-size')).toBe(true);
    const missing = await t.app.inject({
      method: 'GET',
      url: '/ui/api-explorer/operations/noSuchOperation',
      headers: h,
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('NOT_FOUND');
  });
});

describe('execute', () => {
  it('runs a paginated GET and returns the page, the request and the timings; the token never shows', async () => {
    const res = await execute(W.main, {
      operationId: 'getProjects',
      query: { page: '2', 'page-size': 3 },
    });
    expect(res.statusCode).toBe(200);
    const r = res.json();
    const projects = fake.data.get(W.main)!.projects;
    expect(r).toMatchObject({
      ok: true,
      status: 200,
      outcome: 'success',
      bodyKind: 'json',
      truncated: false,
    });
    expect(r.body.map((p: { id: string }) => p.id)).toEqual(projects.slice(3, 6).map((p) => p.id));
    expect(r.headers['last-page']).toBe('false');
    expect(r.request.url).toContain(`/v1/workspaces/${W.main}/projects?`);
    expect(r.request.query).toEqual({ page: 2, 'page-size': 3 });
    expect(r.request.headers['x-addon-token']).toBe('[redacted]');
    expect(r.waitedMs).toBeGreaterThanOrEqual(0);
    expect(r.latencyMs).toBeGreaterThanOrEqual(0);
    expect(r.id).toMatch(/^xpl_/);
    expectNoToken(res.body);
    const last = await execute(W.main, { operationId: 'getProjects', query: { page: 3, 'page-size': 3 } });
    expect(last.json().body).toHaveLength(1);
    expect(last.json().headers['last-page']).toBe('true');
  });

  it('returns upstream 404, 429 (Retry-After) and 500 as results, with explanations', async () => {
    const missing = await execute(W.main, {
      operationId: 'getProject',
      pathParams: { projectId: 'ffffffffffffffffffffffff' },
    });
    expect(missing.statusCode).toBe(200);
    expect(missing.json()).toMatchObject({ ok: false, status: 404, outcome: 'http-error' });
    expect(missing.json().explanation).toContain('projectId');

    fake.setFault({ operationId: 'getTags', status: 429, headers: { 'retry-after': '7' }, times: 1 });
    const tagCalls = () => fake.stats.requests(W.main).filter((r) => r.operationId === 'getTags').length;
    const tagCallsBefore = tagCalls();
    const limited = await execute(W.main, { operationId: 'getTags' });
    // One attempt: the explorer shows the 429 instead of waiting it out and retrying.
    expect(tagCalls()).toBe(tagCallsBefore + 1);
    expect(limited.statusCode).toBe(200);
    expect(limited.json()).toMatchObject({ status: 429, retryAfterS: 7, headers: { 'retry-after': '7' } });
    expect(limited.json().explanation).toMatch(/rate limit/i);

    fake.setFault({ operationId: 'getClients', status: 500, body: { message: 'boom' }, times: 1 });
    const failed = await execute(W.main, { operationId: 'getClients' });
    expect(failed.statusCode).toBe(200);
    expect(failed.json()).toMatchObject({ status: 500, outcome: 'http-error', body: { message: 'boom' } });
    // Each was one attempt: the explorer shows the answer instead of retrying.
    const history = await t.app.inject({
      method: 'GET',
      url: '/ui/api-explorer/history?status=5xx',
      headers: await as(W.main),
    });
    expect(history.json().items[0]).toMatchObject({
      operationId: 'getClients',
      status: 500,
      outcome: 'sent',
    });
  });

  it('returns a network failure as a result, recorded as network-error', async () => {
    // An installation whose Clockify does not listen: nothing accepts connections on port 1.
    const ws = hexId();
    const { body } = await installAgainstFake(
      t,
      { apiUrl: 'http://127.0.0.1:1/api', reportsUrl: 'http://127.0.0.1:1/reports' },
      ws,
    );
    tokens.set(ws, body.authToken);
    const res = await execute(ws, { operationId: 'getTags' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ ok: false, status: null, outcome: 'network' });
    expect(res.json().explanation).toMatch(/Could not reach Clockify/);
    expectNoToken(res.body);
    const row = await t.db.prisma.explorerCall.findFirst({ where: { workspaceId: ws } });
    expect(row).toMatchObject({ outcome: 'network-error', status: null });
  });

  it('answers 422 by field for bad input, 404 for an unknown operation, and stores nothing', async () => {
    const before = await t.db.prisma.explorerCall.count({ where: { workspaceId: W.main } });
    const sent = fake.stats.requests(W.main).length;
    const cases: [unknown, string[]][] = [
      [{ operationId: 'getProjects', query: { 'page-size': 'abc' } }, ['query.page-size']],
      [{ operationId: 'getProjects', query: { pagesize: 10 } }, ['query.pagesize']],
      [{ operationId: 'getProject', pathParams: {} }, ['pathParams.projectId']],
      [{ operationId: 'getProjects', pathParams: { workspaceId: W.other } }, ['pathParams.workspaceId']],
      [{ operationId: 'createNewTag' }, ['body']],
      [{ operationId: 'createNewTag', body: { name: 12 } }, ['body.name']],
      [{ operationId: 'getTags', body: { name: 'x' } }, ['body']],
      [{ operationId: 'getProject', pathParams: { projectId: '../../users' } }, ['pathParams.projectId']],
      [{ operationId: 'getProject', pathParams: { projectId: 'a%2Fb' } }, ['pathParams.projectId']],
      [{ operationId: 'getProject', pathParams: { projectId: 'a?b=1' } }, ['pathParams.projectId']],
      [{ operationId: 'getProject', pathParams: { projectId: 'a/b' } }, ['pathParams.projectId']],
    ];
    for (const [payload, paths] of cases) {
      const res = await execute(W.main, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(422);
      expect(res.json().error.code).toBe('INPUT_INVALID');
      const issues = res.json().error.details.issues.map((i: { path: string }) => i.path);
      expect(issues, JSON.stringify(payload)).toEqual(expect.arrayContaining(paths));
    }
    const unknown = await execute(W.main, { operationId: 'deleteEverything' });
    expect(unknown.statusCode).toBe(404);
    const malformed = await execute(W.main, { operationId: 'getTags', extra: 1 });
    expect(malformed.statusCode).toBe(400);
    expect(await t.db.prisma.explorerCall.count({ where: { workspaceId: W.main } })).toBe(before);
    expect(fake.stats.requests(W.main).length).toBe(sent);
  });

  it('answers 413 for a body over the limit', async () => {
    const res = await execute(W.main, {
      operationId: 'createNewTag',
      body: { name: 'x'.repeat(t.config.http.bodyLimitBytes + 10) },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('writes', () => {
  const createTag = (ws: string, confirm?: string) => ({
    operationId: 'createNewTag',
    body: { name: 'From the explorer' },
    ...(confirm !== undefined ? { confirm } : {}),
  });

  it('refuses a write while the setting is off (403 naming it), and audits the refusal', async () => {
    const res = await execute(W.main, createTag(W.main, `POST /v1/workspaces/${W.main}/tags`));
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toMatchObject({
      code: 'FORBIDDEN',
      details: { reason: 'writes-disabled', setting: 'explorer_allow_writes' },
    });
    expect(res.json().error.message).toContain('explorer_allow_writes');
    expect(fake.recorded.filter((w) => w.workspaceId === W.main)).toEqual([]);
    const audit = await t.app.inject({
      method: 'GET',
      url: '/ui/api-explorer/history?outcome=refused-write',
      headers: await as(W.main),
    });
    expect(audit.json().items[0]).toMatchObject({
      operationId: 'createNewTag',
      outcome: 'refused-write',
      status: null,
      who: { kind: 'user-token', id: 'user-owner' },
    });
  });

  it('sends a confirmed write when allowed, seen by the fake; refuses without or with a wrong confirm, and for a read-only credential', async () => {
    await setSetting(W.writes, 'explorer_allow_writes', true);
    const phrase = `POST /v1/workspaces/${W.writes}/tags`;

    const noConfirm = await execute(W.writes, createTag(W.writes));
    expect(noConfirm.statusCode).toBe(422);
    expect(noConfirm.json().error).toMatchObject({
      code: 'CONFIRMATION_REQUIRED',
      details: { expectedConfirm: phrase },
    });
    const wrong = await execute(W.writes, createTag(W.writes, `POST /v1/workspaces/${W.main}/tags`));
    expect(wrong.statusCode).toBe(422);
    expect(wrong.json().error.code).toBe('CONFIRMATION_REQUIRED');

    const readOnly = await execute(W.writes, createTag(W.writes, phrase), await as(W.writes, 'USER'));
    expect(readOnly.statusCode).toBe(403);
    expect(readOnly.json().error.details.reason).toBe('read-only-credential');
    expect(fake.recorded.filter((w) => w.workspaceId === W.writes)).toEqual([]);

    const ok = await execute(W.writes, createTag(W.writes, phrase));
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ ok: true, status: 201, body: { name: 'From the explorer' } });
    const writes = fake.recorded.filter((w) => w.workspaceId === W.writes);
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatchObject({ operationId: 'createNewTag', body: { name: 'From the explorer' } });

    // A DELETE needs its own phrase, with the id filled in.
    const tagId = fake.data.get(W.writes)!.tags[0]!.id;
    const del = { operationId: 'deleteTag', pathParams: { id: tagId } };
    const refused = await execute(W.writes, del);
    expect(refused.json().error.details.expectedConfirm).toBe(
      `DELETE /v1/workspaces/${W.writes}/tags/${tagId}`,
    );
    const deleted = await execute(W.writes, {
      ...del,
      confirm: `DELETE /v1/workspaces/${W.writes}/tags/${tagId}`,
    });
    expect(deleted.statusCode).toBe(200);
    expect(fake.recorded.filter((w) => w.workspaceId === W.writes).map((w) => w.method)).toEqual([
      'POST',
      'DELETE',
    ]);

    // Refusals audited: no confirm, wrong confirm, read-only, the DELETE without confirm.
    const rows = await t.db.prisma.explorerCall.findMany({ where: { workspaceId: W.writes } });
    expect(rows.filter((r) => r.outcome === 'refused-write')).toHaveLength(4);
    expect(rows.filter((r) => r.outcome === 'sent')).toHaveLength(2);
  });
});

describe('history', () => {
  it('lists with filters and a cursor, shows one call, and hides other workspaces (404)', async () => {
    const h = await as(W.other);
    for (const operationId of ['getTags', 'getClients', 'getTags']) {
      expect((await execute(W.other, { operationId }, h)).statusCode).toBe(200);
    }
    fake.setFault({ operationId: 'getTags', status: 404, times: 1 });
    await execute(W.other, { operationId: 'getTags' }, h);

    const page1 = await t.app.inject({ method: 'GET', url: '/ui/api-explorer/history?limit=2', headers: h });
    expect(page1.statusCode).toBe(200);
    expect(page1.json().items).toHaveLength(2);
    const cursor = page1.json().nextCursor as string;
    const page2 = await t.app.inject({
      method: 'GET',
      url: `/ui/api-explorer/history?limit=2&cursor=${cursor}`,
      headers: h,
    });
    expect(page2.json().items).toHaveLength(2);
    expect(page2.json().nextCursor).toBeNull();
    const all = [...page1.json().items, ...page2.json().items];
    expect(all.map((i: { operationId: string }) => i.operationId)).toEqual([
      'getTags',
      'getTags',
      'getClients',
      'getTags',
    ]);
    const q = (s: string) =>
      t.app.inject({ method: 'GET', url: `/ui/api-explorer/history?${s}`, headers: h }).then((r) => r.json());
    expect((await q('operation=getTags')).items).toHaveLength(3);
    expect((await q('status=4xx')).items).toHaveLength(1);
    expect((await q('status=2xx')).items).toHaveLength(3);
    expect((await q('who=user-owner')).items).toHaveLength(4);
    expect((await q('who=someone-else')).items).toHaveLength(0);
    const badCursor = await t.app.inject({
      method: 'GET',
      url: '/ui/api-explorer/history?cursor=zzz',
      headers: h,
    });
    expect(badCursor.statusCode).toBe(400);

    const id = all[2].id as string;
    const one = await t.app.inject({ method: 'GET', url: `/ui/api-explorer/history/${id}`, headers: h });
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ id, operationId: 'getClients', status: 200, inputRedacted: false });
    expect(one.json().result.body).toHaveLength(fake.data.get(W.other)!.clients.length);

    // Another workspace's id is not found, on every history route.
    const foreign = await as(W.main);
    for (const url of [
      `/ui/api-explorer/history/${id}`,
      `/ui/api-explorer/history/${id}/snippet?lang=curl`,
      `/ui/api-explorer/history/${id}/as-flow-action`,
    ]) {
      const res = await t.app.inject({ method: 'GET', url, headers: foreign });
      expect(res.statusCode, url).toBe(404);
    }
    const rerunForeign = await t.app.inject({
      method: 'POST',
      url: `/ui/api-explorer/history/${id}/rerun`,
      headers: foreign,
      payload: {},
    });
    expect(rerunForeign.statusCode).toBe(404);
    const noSuch = await t.app.inject({
      method: 'GET',
      url: '/ui/api-explorer/history/xpl_00000000000000000000',
      headers: h,
    });
    expect(noSuch.statusCode).toBe(404);
  });

  it('reruns a call, makes snippets (stored and unsent) and a flow action', async () => {
    const h = await as(W.other);
    const projectId = fake.data.get(W.other)!.projects[1]!.id;
    const first = await execute(W.other, { operationId: 'getProject', pathParams: { projectId } }, h);
    const id = first.json().id as string;

    const rerun = await t.app.inject({
      method: 'POST',
      url: `/ui/api-explorer/history/${id}/rerun`,
      headers: h,
    });
    expect(rerun.statusCode, rerun.body).toBe(200);
    expect(rerun.json().id).not.toBe(id);
    expect(rerun.json()).toMatchObject({ operationId: 'getProject', status: 200, body: { id: projectId } });

    for (const lang of ['curl', 'fetch', 'python']) {
      const s = await t.app.inject({
        method: 'GET',
        url: `/ui/api-explorer/history/${id}/snippet?lang=${lang}`,
        headers: h,
      });
      expect(s.statusCode, lang).toBe(200);
      expect(s.json().code).toContain('CLOCKIFY_ADDON_TOKEN');
      expect(s.json().code).toContain(`/v1/workspaces/${W.other}/projects/${projectId}`);
      expectNoToken(s.body);
    }
    const badLang = await t.app.inject({
      method: 'GET',
      url: `/ui/api-explorer/history/${id}/snippet?lang=cobol`,
      headers: h,
    });
    expect(badLang.statusCode).toBe(400);

    const sent = fake.stats.requests(W.other).length;
    const unsent = await t.app.inject({
      method: 'POST',
      url: '/ui/api-explorer/snippet?lang=python',
      headers: h,
      payload: { operationId: 'createNewTag', body: { name: 'Later' } },
    });
    expect(unsent.statusCode).toBe(200);
    expect(unsent.json().code).toContain('os.environ["CLOCKIFY_ADDON_TOKEN"]');
    expect(unsent.json().code).toContain('Later');
    const invalidUnsent = await t.app.inject({
      method: 'POST',
      url: '/ui/api-explorer/snippet',
      headers: h,
      payload: { operationId: 'createNewTag', body: { name: 12 } },
    });
    expect(invalidUnsent.statusCode).toBe(422);
    expect(fake.stats.requests(W.other).length).toBe(sent);

    const action = await t.app.inject({
      method: 'GET',
      url: `/ui/api-explorer/history/${id}/as-flow-action`,
      headers: h,
    });
    expect(action.statusCode).toBe(200);
    expect(action.json()).toEqual({
      type: 'clockify',
      operationId: 'getProject',
      pathParams: { projectId },
      query: {},
    });
  });

  it('never stores or returns an installation token', async () => {
    const rows = await t.db.prisma.explorerCall.findMany();
    expect(rows.length).toBeGreaterThan(5);
    expectNoToken(JSON.stringify(rows));
    for (const ws of [W.main, W.writes, W.other]) {
      const list = await t.app.inject({
        method: 'GET',
        url: '/ui/api-explorer/history?limit=100',
        headers: await as(ws),
      });
      expectNoToken(list.body);
      for (const item of list.json().items as { id: string }[]) {
        const one = await t.app.inject({
          method: 'GET',
          url: `/ui/api-explorer/history/${item.id}`,
          headers: await as(ws),
        });
        expectNoToken(one.body);
      }
    }
  });

  it('prunes calls older than the workspace retention, and purges a deleted workspace', async () => {
    await setSetting(W.retention, 'explorer_history_days', 1);
    const h = await as(W.retention);
    const old = (await execute(W.retention, { operationId: 'getTags' }, h)).json().id as string;
    const recent = (await execute(W.retention, { operationId: 'getTags' }, h)).json().id as string;
    await t.db.prisma.explorerCall.update({
      where: { id: old },
      data: { createdAt: new Date(Date.now() - 2 * 86_400_000) },
    });
    const task = t.deps.modules.explorer.periodic.find((p) => p.job.name === explorerRetentionJob.name)!;
    const logs: unknown[] = [];
    await task.run({ log: { info: (o: unknown) => logs.push(o) } } as never);
    const left = await t.db.prisma.explorerCall.findMany({ where: { workspaceId: W.retention } });
    expect(left.map((r) => r.id)).toEqual([recent]);
    expect(logs).toEqual([{ removed: 1 }]);

    const purger = t.deps.modules.explorer.purgers[0]!;
    const removed = await t.db.prisma.$transaction((tx) => purger.purge(W.retention, new Date(), tx));
    expect(removed).toBe(1);
    expect(await t.db.prisma.explorerCall.count({ where: { workspaceId: W.retention } })).toBe(0);
  });
});
