import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FakeClockify, createFakeClockify } from '../../tools/fake-clockify/server.js';
import { type Catalogue, loadCatalogue } from '../../src/integrations/clockify/catalogue.js';

const WS = 'aaaaaaaaaaaaaaaaaaaaaaaa';
const EMPTY = 'bbbbbbbbbbbbbbbbbbbbbbbb';
const TOKEN = 'token-ws';
const EMPTY_TOKEN = 'token-empty';

let fake: FakeClockify;
let catalogue: Catalogue;
let clock = 1_000_000;
let frozen = false;

beforeAll(async () => {
  catalogue = await loadCatalogue();
  fake = await createFakeClockify({
    workspaces: [
      { id: WS, name: 'Acme', tokens: [TOKEN], counts: { projects: 100, clients: 3, tags: 0 } },
      { id: EMPTY, name: 'Empty', tokens: [EMPTY_TOKEN], counts: { users: 0, projects: 0, clients: 0 } },
    ],
    rateLimitPerSecond: 5,
    // Every clock read is a new simulated second unless a test freezes the clock.
    now: () => (frozen ? clock : (clock += 1_000)),
  });
});
afterAll(async () => fake.close());
afterEach(() => {
  fake.clearFaults();
  frozen = false;
});

async function get(path: string, token = TOKEN) {
  const res = await request(`${fake.apiUrl}${path}`, { headers: { 'x-addon-token': token } });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) };
}

describe('fake Clockify', () => {
  it('pages a collection with Last-Page, ending on an exact multiple with an empty next page', async () => {
    const ids: string[] = [];
    for (let page = 1; page <= 2; page++) {
      const r = await get(`/v1/workspaces/${WS}/projects?page=${page}&page-size=50`);
      expect(r.status).toBe(200);
      expect(r.body).toHaveLength(50);
      expect(r.headers['last-page']).toBe(page === 2 ? 'true' : 'false');
      ids.push(...r.body.map((p: { id: string }) => p.id));
    }
    expect(new Set(ids).size).toBe(100);
    expect(ids.every((id) => /^[0-9a-f]{24}$/.test(id))).toBe(true);
    const past = await get(`/v1/workspaces/${WS}/projects?page=3&page-size=50`);
    expect(past.body).toEqual([]);
    expect(past.headers['last-page']).toBe('true');
  });

  it('defaults to page 1 of 50 and serves a short last page', async () => {
    const first = await get(`/v1/workspaces/${WS}/projects`);
    expect(first.body).toHaveLength(50);
    const last = await get(`/v1/workspaces/${WS}/projects?page=4&page-size=30`);
    expect(last.body).toHaveLength(10);
    expect(last.headers['last-page']).toBe('true');
  });

  it('answers an empty collection with [] and Last-Page true', async () => {
    const r = await get(`/v1/workspaces/${EMPTY}/projects?page=1`, EMPTY_TOKEN);
    expect(r).toMatchObject({ status: 200, body: [] });
    expect(r.headers['last-page']).toBe('true');
    expect((await get(`/v1/workspaces/${WS}/tags`)).body).toEqual([]);
  });

  it('serves nested collections and single entities, and 404s unknown ids', async () => {
    const [project] = (await get(`/v1/workspaces/${WS}/projects?page-size=1`)).body;
    const tasks = await get(`/v1/workspaces/${WS}/projects/${project.id}/tasks`);
    expect(tasks.body.length).toBeGreaterThan(0);
    expect((await get(`/v1/workspaces/${WS}/projects/${project.id}`)).body).toMatchObject({ id: project.id });
    expect((await get(`/v1/workspaces/${WS}/projects/ffffffffffffffffffffffff`)).status).toBe(404);
    expect((await get(`/v1/workspaces/${WS}/projects/ffffffffffffffffffffffff/tasks`)).status).toBe(404);
    const [user] = (await get(`/v1/workspaces/${WS}/users`)).body;
    const entries = await get(`/v1/workspaces/${WS}/user/${user.id}/time-entries?page-size=3`);
    expect(entries.body).toHaveLength(3);
    expect((await get(`/v1/workspaces/${WS}/time-entries/${entries.body[0].id}`)).body.id).toBe(
      entries.body[0].id,
    );
  });

  it('answers every GET operation of the catalogue for a known workspace', async () => {
    const [project] = (await get(`/v1/workspaces/${WS}/projects?page-size=1`)).body;
    const [user] = (await get(`/v1/workspaces/${WS}/users`)).body;
    const sample: Record<string, string> = { workspaceId: WS, projectId: project.id, userId: user.id };
    for (const op of catalogue.operations.filter((o) => o.method === 'GET')) {
      const path = op.path.replace(/\{([^}]+)\}/g, (_, name: string) => sample[name] ?? 'x1');
      const base =
        op.server === 'api' ? fake.apiUrl : op.server === 'reports' ? fake.reportsUrl : fake.auditLogUrl;
      const res = await request(`${base}${path}`, { headers: { 'x-addon-token': TOKEN } });
      await res.body.dump();
      // Ids we generate must exist (404 otherwise); ids of kinds we keep no data for get an empty answer.
      expect([200, 404], `${op.operationId} ${path}`).toContain(res.statusCode);
      if (!/tasks\/x1|clients\/x1|tags\/x1|time-entries\/x1|webhooks\/x1/.test(path))
        expect(res.statusCode, op.operationId).toBe(200);
    }
  });

  it('rejects a missing or wrong X-Addon-Token with 401', async () => {
    expect((await get(`/v1/workspaces/${WS}/projects`, 'nope')).status).toBe(401);
    expect((await get(`/v1/workspaces/${WS}/projects`, EMPTY_TOKEN)).status).toBe(401);
    const res = await request(`${fake.apiUrl}/v1/workspaces/${WS}/projects`);
    expect(res.statusCode).toBe(401);
    await res.body.dump();
  });

  it('answers 429 with Retry-After: 1 above the per-second limit', async () => {
    frozen = true; // all seven requests in the same simulated instant
    const before = fake.stats.rejected(WS);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await get(`/v1/workspaces/${WS}/clients`);
      statuses.push(r.status);
      if (r.status === 429) expect(r.headers['retry-after']).toBe('1');
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2);
    expect(fake.stats.rejected(WS) - before).toBe(2);
    // The histogram counts every request of that second, the rejected ones too.
    expect(fake.stats.perSecond(WS).get(Math.floor(clock / 1000))).toBeGreaterThanOrEqual(7);
    frozen = false;
  });

  it('injects failures a given number of times, by operationId or path', async () => {
    fake.setFault({ operationId: 'getClients', status: 503, times: 2 });
    expect((await get(`/v1/workspaces/${WS}/clients`)).status).toBe(503);
    expect((await get(`/v1/workspaces/${WS}/clients`)).status).toBe(503);
    expect((await get(`/v1/workspaces/${WS}/clients`)).status).toBe(200);
    fake.setFault({ pathPattern: '/tags$', status: 403, times: 1 });
    expect((await get(`/v1/workspaces/${WS}/tags`)).status).toBe(403);
  });

  it('accepts fault definitions over HTTP for the CLI', async () => {
    const res = await request(`${fake.url}/__fake/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ operationId: 'getUserGroups', status: 500, times: 1 }),
    });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
    expect((await get(`/v1/workspaces/${WS}/user-groups`)).status).toBe(500);
    expect((await get(`/v1/workspaces/${WS}/user-groups`)).status).toBe(200);
  });

  it('records writes and answers webhook creation with an id and authToken', async () => {
    const res = await request(`${fake.apiUrl}/v1/workspaces/${WS}/webhooks`, {
      method: 'POST',
      headers: { 'x-addon-token': TOKEN, 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'https://example.com/hook', webhookEvent: 'NEW_PROJECT' }),
    });
    const body = (await res.body.json()) as { id: string; authToken: string };
    expect(res.statusCode).toBe(201);
    expect(body.id).toMatch(/^[0-9a-f]{24}$/);
    expect(body.authToken).toEqual(expect.any(String));
    expect(fake.recorded.at(-1)).toMatchObject({
      operationId: 'createWebhook',
      workspaceId: WS,
      body: { webhookEvent: 'NEW_PROJECT' },
    });
    expect((await get(`/v1/workspaces/${WS}/webhooks`)).body.webhooks).toHaveLength(1);
    expect((await get(`/v1/workspaces/${WS}/webhooks/${body.id}`)).body.id).toBe(body.id);
  });
});

describe('fake Clockify latency', () => {
  it('delays a response by the injected latency', async () => {
    fake.setFault({ operationId: 'getClients', latencyMs: 150, times: 1 });
    const started = performance.now();
    expect((await get(`/v1/workspaces/${WS}/clients`)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });
});
