import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FakeClockify, createFakeClockify } from '../../tools/fake-clockify/server.js';
import { type Catalogue, loadCatalogue } from '../../src/integrations/clockify/catalogue.js';
import {
  type ClockifyClientDeps,
  type ClockifyConnection,
  createClockifyClient,
} from '../../src/integrations/clockify/clockify.client.js';

const WS = 'cccccccccccccccccccccccc';
const TOKEN = 'client-test-token';

let fake: FakeClockify;
let catalogue: Catalogue;
let conn: ClockifyConnection;

beforeAll(async () => {
  catalogue = await loadCatalogue();
  fake = await createFakeClockify({
    workspaces: [{ id: WS, name: 'Client tests', tokens: [TOKEN], counts: { projects: 100, clients: 7 } }],
    rateLimitPerSecond: 1_000,
  });
  conn = { workspaceId: WS, token: TOKEN, apiUrl: fake.apiUrl, reportsUrl: fake.reportsUrl };
});
afterAll(async () => fake.close());
afterEach(() => fake.clearFaults());

/** A client whose limiter and sleeps are recorded instead of waited on. */
function setup(options: ClockifyClientDeps['options'] = {}) {
  const acquired: [string, number][] = [];
  const paused: number[] = [];
  const sleeps: number[] = [];
  const client = createClockifyClient({
    catalogue,
    limiter: {
      acquire: async (ws, rate) => void acquired.push([ws, rate]),
      pause: async (_ws, seconds) => void paused.push(seconds),
    },
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0.5,
    options,
  });
  return { client, api: client.connect(conn), acquired, paused, sleeps };
}

describe('Clockify client', () => {
  it('calls an operation with the add-on token after taking a rate-limit slot', async () => {
    const { client, api, acquired } = setup();
    const r = await api.call('getClients', { query: { page: 1, 'page-size': 5 } });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.status).toBe(200);
    expect(r.body).toHaveLength(5);
    expect(r.headers['last-page']).toBe('false');
    expect(acquired).toEqual([[WS, 25]]);
    await client.close();
  });

  it('maps a rejected token to unauthorized without retrying', async () => {
    const { client, acquired } = setup();
    const r = await client.connect({ ...conn, token: 'wrong' }).call('getClients');
    expect(r).toMatchObject({ ok: false, kind: 'unauthorized', status: 401 });
    expect(acquired).toHaveLength(1);
    await client.close();
  });

  it('pages until Last-Page, on an exact multiple without fetching an empty page', async () => {
    const { client, api, acquired } = setup();
    const sizes: number[] = [];
    for await (const page of api.pages('getProjects', {}, { pageSize: 50 })) sizes.push(page.items.length);
    expect(sizes).toEqual([50, 50]);
    expect(acquired).toHaveLength(2);
    const short: number[] = [];
    for await (const page of api.pages('getProjects', {}, { pageSize: 30 })) short.push(page.items.length);
    expect(short).toEqual([30, 30, 30, 10]);
    await client.close();
  });

  it('waits out a 429 per Retry-After, shares the pause, and then succeeds', async () => {
    const { client, api, sleeps, paused, acquired } = setup();
    fake.setFault({ operationId: 'getClients', status: 429, headers: { 'retry-after': '1' }, times: 1 });
    const r = await api.call('getClients');
    expect(r.ok).toBe(true);
    expect(sleeps).toEqual([1000]);
    expect(paused).toEqual([1]);
    expect(acquired).toHaveLength(2);
    await client.close();
  });

  it('gives up on 429 after the attempt limit', async () => {
    const { client, api, acquired } = setup({ retry: { maxAttempts: 3 } });
    fake.setFault({ operationId: 'getClients', status: 429, headers: { 'retry-after': '1' } });
    expect(await api.call('getClients')).toMatchObject({ ok: false, kind: 'rate-limited', status: 429 });
    expect(acquired).toHaveLength(3);
    await client.close();
  });

  it('retries 5xx on a GET with growing backoff', async () => {
    const { client, api, sleeps } = setup();
    fake.setFault({ operationId: 'getClients', status: 503, times: 2 });
    expect((await api.call('getClients')).ok).toBe(true);
    expect(sleeps).toEqual([188, 375]); // 250 ms × 2^(n−1) × 0.75 (jitter fixed by random = 0.5)
    await client.close();
  });

  it('does not retry 5xx on a POST', async () => {
    const { client, api, acquired } = setup();
    fake.setFault({ operationId: 'createClient', status: 502, times: 1 });
    const r = await api.call('createClient', { body: { name: 'New' } });
    expect(r).toMatchObject({ ok: false, kind: 'upstream', status: 502 });
    expect(acquired).toHaveLength(1);
    expect((await api.call('createClient', { body: { name: 'New' } })).ok).toBe(true);
    expect(fake.recorded.at(-1)).toMatchObject({ operationId: 'createClient', body: { name: 'New' } });
    await client.close();
  });

  it('maps 403 to forbidden with Clockify’s message, and 404 to not-found', async () => {
    const { client, api, acquired } = setup();
    fake.setFault({
      operationId: 'getTags',
      status: 403,
      body: { message: 'Access denied', code: 403 },
      times: 1,
    });
    const r = await api.call('getTags');
    expect(r).toMatchObject({ ok: false, kind: 'forbidden', status: 403 });
    expect(!r.ok && r.message).toContain('Access denied');
    expect(acquired).toHaveLength(1);
    // Path params are URL-encoded: this id reaches the fake as one segment and is unknown there.
    expect(await api.call('getProject', { pathParams: { projectId: 'no/such' } })).toMatchObject({
      kind: 'not-found',
    });
    await client.close();
  });

  it('times out a hanging call, retrying only when the operation is safe', async () => {
    const { client, api, acquired } = setup({ timeoutMs: 200, retry: { maxAttempts: 2 } });
    fake.setFault({ operationId: 'getClients', hang: true });
    expect(await api.call('getClients')).toMatchObject({ ok: false, kind: 'timeout' });
    expect(acquired).toHaveLength(2);
    fake.setFault({ operationId: 'createNewTag', hang: true });
    expect(await api.call('createNewTag', { body: { name: 'x' } })).toMatchObject({
      ok: false,
      kind: 'timeout',
    });
    expect(acquired).toHaveLength(3);
    await client.close();
  });

  it('stops reading a response above the size cap', async () => {
    const { client, api } = setup({ maxBodyBytes: 64 * 1024 });
    fake.setFault({
      operationId: 'getClients',
      status: 200,
      body: [{ blob: 'x'.repeat(200 * 1024) }],
      times: 1,
    });
    expect(await api.call('getClients')).toMatchObject({ ok: false, kind: 'too-large' });
    await client.close();
  });

  it('rejects unknown operations and missing path params before sending anything', async () => {
    const { client, api, acquired } = setup();
    expect(await api.call('noSuchOperation')).toMatchObject({ ok: false, kind: 'invalid' });
    const r = await api.call('getTasks');
    expect(r).toMatchObject({ ok: false, kind: 'invalid' });
    expect(!r.ok && r.message).toContain('projectId');
    expect(acquired).toHaveLength(0);
    await client.close();
  });

  it('sends reports operations to the reports server, derived from apiUrl when no claim is stored', async () => {
    const { client, api } = setup();
    expect(await api.call('getSharedReportsV1')).toMatchObject({ ok: true, status: 200 });
    const derived = client.connect({ workspaceId: WS, token: TOKEN, apiUrl: fake.apiUrl });
    expect(await derived.call('getSharedReportsV1')).toMatchObject({ ok: true, status: 200 });
    await client.close();
  });

  it('reports a network failure when Clockify cannot be reached', async () => {
    const { client } = setup({ retry: { maxAttempts: 1 } });
    const r = await client.connect({ ...conn, apiUrl: 'http://127.0.0.1:9/api' }).call('getClients');
    expect(r).toMatchObject({ ok: false, kind: 'network' });
    await client.close();
  });
});
