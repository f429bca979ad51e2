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
      t.app.inject({ method: 'GET', url: `/ui/api-explorer/operations?${q}`, headers: h }).then((r) => r.json());
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
    const bad = await t.app.inject({ method: 'GET', url: '/ui/api-explorer/operations?safe=maybe', headers: h });
    expect(bad.statusCode).toBe(400);
  });

  it('describes one operation with an example request for this workspace; unknown → 404', async () => {
    const h = await as(W.main);
    const res = await t.app.inject({ method: 'GET', url: '/ui/api-explorer/operations/getProjects', headers: h });
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
