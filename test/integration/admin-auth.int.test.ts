import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClockifySigner, generateKeyPair } from '../../tools/simulator/clockify-signer.js';
import { ADDON_KEY, type TestApp, buildTestApp, hexId } from '../helpers/build-test-app.js';
import { ADDON_ID, bearer, install, postLifecycle, userToken } from '../helpers/clockify.js';

let t: TestApp;
let wsA: string;
let wsB: string;
beforeAll(async () => {
  t = await buildTestApp();
  wsA = (await install(t)).workspaceId;
  wsB = (await install(t)).workspaceId;
});
afterAll(async () => t.close());

const get = (url: string, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'GET', url, headers });

async function createKey(workspaceId: string, canWrite = true) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/ui/api-keys',
    headers: bearer(await userToken(t, workspaceId)),
    payload: { name: `script ${hexId()}`, canWrite },
  });
  expect(res.statusCode).toBe(201);
  return res.json<{ id: string; key: string; prefix: string }>();
}

describe('admin authentication', () => {
  it('accepts an owner’s user token and takes the workspace from it', async () => {
    const res = await get('/ui/me', bearer(await userToken(t, wsA)));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      workspaceId: wsA,
      via: 'user-token',
      canWrite: true,
      userId: 'user-owner',
      role: 'OWNER',
    });
    expect(res.headers['x-request-id']).toMatch(/^req_/);
  });

  it('accepts the token in X-Addon-Token as Clockify’s iframe sends it', async () => {
    expect((await get('/ui/me', { 'x-addon-token': await userToken(t, wsA) })).statusCode).toBe(200);
  });

  const other = createClockifySigner(generateKeyPair().privateKeyPem);
  const bad: [string, () => Promise<Record<string, string>>][] = [
    ['missing', async () => ({})],
    [
      'forged (other key)',
      async () =>
        bearer(
          await other({ workspaceId: wsA, workspaceRole: 'OWNER' }, { addonKey: ADDON_KEY, expiresInS: 600 }),
        ),
    ],
    ['expired', async () => bearer(await userToken(t, wsA, 'OWNER', -120))],
    [
      'without exp',
      async () => bearer(await t.sign({ workspaceId: wsA, workspaceRole: 'OWNER' }, { addonKey: ADDON_KEY })),
    ],
    [
      'for another add-on',
      async () =>
        bearer(await t.sign({ workspaceId: wsA }, { addonKey: ADDON_KEY, sub: 'x', expiresInS: 60 })),
    ],
    ['for a workspace that is not installed', async () => bearer(await userToken(t, hexId()))],
    ['an unknown API key', async () => bearer('gwk_0000000000000000000000000000000000000000000')],
    ['gibberish', async () => bearer('hello')],
  ];
  it.each(bad)('rejects a %s credential with 401', async (_name, headers) => {
    const res = await get('/ui/me', await headers());
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toMatchObject({ code: 'UNAUTHENTICATED', requestId: expect.any(String) });
  });

  // Every name Clockify gives owners and admins (openapi.json: the role enums of GET /v1/workspaces and
  // GetUsersRequestV1 say WORKSPACE_ADMIN and OWNER; add-on user tokens have been seen with ADMIN).
  it.each(['OWNER', 'ADMIN', 'WORKSPACE_ADMIN'])('lets %s write', async (role) => {
    const headers = bearer(await userToken(t, wsA, role));
    expect((await get('/ui/me', headers)).json()).toMatchObject({ canWrite: true, role });
    const name = `by ${role}`;
    const res = await t.app.inject({ method: 'POST', url: '/ui/api-keys', headers, payload: { name } });
    expect(res.statusCode).toBe(201);
    expect(await t.db.prisma.adminApiKey.count({ where: { workspaceId: wsA, name } })).toBe(1);
  });

  it.each(['USER', 'TEAM_MANAGER', 'PROJECT_MANAGER', 'owner', 'WORKSPACE_OWNER'])(
    'lets %s read but not write',
    async (role) => {
      const headers = bearer(await userToken(t, wsA, role));
      expect((await get('/ui/me', headers)).json()).toMatchObject({ canWrite: false, role });
      const name = `by ${role}`;
      const res = await t.app.inject({ method: 'POST', url: '/ui/api-keys', headers, payload: { name } });
      expect(res.statusCode).toBe(403);
      expect(await t.db.prisma.adminApiKey.count({ where: { workspaceId: wsA, name } })).toBe(0);
    },
  );

  it('lets a plain user read but not write', async () => {
    const headers = bearer(await userToken(t, wsA, 'USER'));
    expect((await get('/ui/installation', headers)).statusCode).toBe(200);
    const res = await t.app.inject({
      method: 'POST',
      url: '/ui/api-keys',
      headers,
      payload: { name: 'nope' },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('FORBIDDEN');
    expect(await t.db.prisma.adminApiKey.count({ where: { workspaceId: wsA, name: 'nope' } })).toBe(0);
  });

  it('shows the installation of the caller’s workspace only', async () => {
    const res = await get('/ui/installation', bearer(await userToken(t, wsB)));
    expect(res.json()).toMatchObject({ workspaceId: wsB, status: 'ACTIVE', webhookCount: 1 });
    expect(JSON.stringify(res.json())).not.toContain('authToken');
  });
});

describe('admin API keys', () => {
  it('creates a key shown once, stored hashed, usable for reads and writes', async () => {
    const created = await createKey(wsA);
    expect(created.key).toMatch(/^gwk_[\w-]{40,}$/);
    const row = await t.db.prisma.adminApiKey.findUniqueOrThrow({ where: { id: created.id } });
    expect(JSON.stringify(row)).not.toContain(created.key);
    const list = await get('/ui/api-keys', bearer(created.key));
    expect(list.statusCode).toBe(200);
    expect(JSON.stringify(list.json())).not.toContain(created.key);
    expect((await get('/ui/me', bearer(created.key))).json()).toMatchObject({
      workspaceId: wsA,
      via: 'api-key',
      canWrite: true,
    });
    expect((await get('/ui/me', { 'x-api-key': created.key })).statusCode).toBe(200);
  });

  it('does not let an API key mint or revoke keys', async () => {
    const created = await createKey(wsA);
    const res = await t.app.inject({
      method: 'POST',
      url: '/ui/api-keys',
      headers: bearer(created.key),
      payload: { name: 'child' },
    });
    expect(res.statusCode).toBe(403);
  });

  it('keeps a read-only key out of write routes', async () => {
    const created = await createKey(wsA, false);
    const res = await t.app.inject({
      method: 'DELETE',
      url: `/ui/api-keys/${created.id}`,
      headers: bearer(created.key),
    });
    expect(res.statusCode).toBe(403);
  });

  it('revokes a key so it stops working at once', async () => {
    const created = await createKey(wsA);
    const owner = bearer(await userToken(t, wsA));
    const res = await t.app.inject({ method: 'DELETE', url: `/ui/api-keys/${created.id}`, headers: owner });
    expect(res.statusCode).toBe(200);
    expect(res.json().revokedAt).toEqual(expect.any(String));
    expect((await get('/ui/me', bearer(created.key))).statusCode).toBe(401);
  });

  it('answers 404 for another workspace’s key and leaves it working', async () => {
    const keyOfB = await createKey(wsB);
    const res = await t.app.inject({
      method: 'DELETE',
      url: `/ui/api-keys/${keyOfB.id}`,
      headers: bearer(await userToken(t, wsA)),
    });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('NOT_FOUND');
    expect((await get('/ui/me', bearer(keyOfB.key))).json().workspaceId).toBe(wsB);
    const listA = await get('/ui/api-keys', bearer(await userToken(t, wsA)));
    expect(listA.json().items.map((k: { id: string }) => k.id)).not.toContain(keyOfB.id);
  });

  it('rejects an invalid body with 400 and stores nothing', async () => {
    const owner = bearer(await userToken(t, wsA));
    const before = await t.db.prisma.adminApiKey.count();
    const res = await t.app.inject({
      method: 'POST',
      url: '/ui/api-keys',
      headers: owner,
      payload: { name: '' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('VALIDATION_FAILED');
    expect(await t.db.prisma.adminApiKey.count()).toBe(before);
  });

  it('stops every credential of a workspace when the add-on is deleted', async () => {
    const { workspaceId } = await install(t);
    const created = await createKey(workspaceId);
    const token = await userToken(t, workspaceId);
    await postLifecycle(t, '/lifecycle/deleted', { addonId: ADDON_ID, workspaceId });
    expect((await get('/ui/me', bearer(created.key))).statusCode).toBe(401);
    expect((await get('/ui/me', bearer(token))).statusCode).toBe(401);
  });
});

describe('hostile input reaching the database or the router', () => {
  it('answers 400 in the error shape for a NUL byte, never 500, and stores nothing', async () => {
    const owner = bearer(await userToken(t, wsA));
    const before = await t.db.prisma.adminApiKey.count();
    const res = await t.app.inject({
      method: 'POST',
      url: '/ui/api-keys',
      headers: owner,
      payload: { name: 'nul\u0000byte' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('VALIDATION_FAILED');
    expect(await t.db.prisma.adminApiKey.count()).toBe(before);
    const del = await t.app.inject({ method: 'DELETE', url: '/ui/api-keys/%00', headers: owner });
    expect(del.statusCode).toBe(400);
  });

  it('answers 400 in the error shape for a URL that is not valid percent-encoding', async () => {
    const res = await get('/ui/%ff%fe', bearer(await userToken(t, wsA)));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error: { code: 'VALIDATION_FAILED', message: expect.any(String), requestId: expect.any(String) },
    });
  });
});
