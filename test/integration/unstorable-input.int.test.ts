import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, buildTestApp, hexId } from '../helpers/build-test-app.js';
import { bearer, install, installedPayload, lifecycleToken, userToken } from '../helpers/clockify.js';

/**
 * Text PostgreSQL cannot store (a NUL character, an unpaired UTF-16 surrogate: both legal in JSON as
 * `\u0000` and `\ud800`) is refused with a 400 that names the field, before anything is written, on
 * every route that takes input (one check for all, src/http/plugins/request-guards.ts).
 */
let t: TestApp;
let ws: string;
let owner: Record<string, string>;
let sourceId: string;
beforeAll(async () => {
  t = await buildTestApp();
  ws = (await install(t)).workspaceId;
  owner = bearer(await userToken(t, ws, 'OWNER'));
  const res = await t.app.inject({
    method: 'POST',
    url: '/ui/sources',
    headers: owner,
    payload: { name: 'plain', verification: { scheme: 'none' } },
  });
  sourceId = res.json<{ id: string }>().id;
});
afterAll(async () => t.close());

// JSON text, so the escapes reach the server as a sender would write them.
const UNSTORABLE = [
  ['a lone high surrogate', '"x\\ud800y"'],
  ['a lone low surrogate', '"\\udfff"'],
  ['a NUL character', '"nul\\u0000byte"'],
] as const;

const rows = async () => ({
  sources: await t.db.prisma.webhookSource.findMany({ where: { workspaceId: ws }, orderBy: { id: 'asc' } }),
  keys: await t.db.prisma.adminApiKey.count({ where: { workspaceId: ws } }),
  installations: await t.db.prisma.installation.count(),
});

const send = (method: 'POST' | 'PATCH', url: string, json: string, headers: Record<string, string>) =>
  t.app.inject({ method, url, headers: { ...headers, 'content-type': 'application/json' }, payload: json });

function expectNamed(res: { statusCode: number; body: string; json: () => unknown }, field: string) {
  expect(res.statusCode, res.body).toBe(400);
  const { error } = res.json() as { error: { code: string; message: string; details: unknown } };
  expect(error.code).toBe('VALIDATION_FAILED');
  expect(error.message).toContain(field);
  expect(error.details).toEqual({ issues: [expect.objectContaining({ path: field })] });
}

describe.each(UNSTORABLE)('text with %s', (_name, text) => {
  it('is refused in POST /ui/sources, naming the field, and nothing is stored', async () => {
    const before = await rows();
    expectNamed(
      await send('POST', '/ui/sources', `{"name":${text},"verification":{"scheme":"none"}}`, owner),
      'body.name',
    );
    expectNamed(
      await send(
        'POST',
        '/ui/sources',
        `{"name":"ok","verification":{"scheme":"api-key","header":"X-Key"},"secret":${text}}`,
        owner,
      ),
      'body.secret',
    );
    expect(await rows()).toEqual(before);
  });

  it('is refused in PATCH /ui/sources/{id}, naming the field, and the source is unchanged', async () => {
    const before = await rows();
    expectNamed(await send('PATCH', `/ui/sources/${sourceId}`, `{"name":${text}}`, owner), 'body.name');
    expect(await rows()).toEqual(before);
  });

  it('is refused in POST /ui/api-keys, naming the field, and no key is created', async () => {
    const before = await rows();
    expectNamed(await send('POST', '/ui/api-keys', `{"name":${text}}`, owner), 'body.name');
    expect(await rows()).toEqual(before);
  });

  it('is refused in a signed INSTALLED (asUser), and nothing is stored', async () => {
    const workspaceId = hexId();
    const body = JSON.stringify(await installedPayload(t, workspaceId)).replace('"owner-user"', text);
    const before = await rows();
    const res = await send('POST', '/lifecycle/installed', body, {
      'x-addon-lifecycle-token': await lifecycleToken(t, workspaceId),
    });
    expectNamed(res, 'body.asUser');
    expect(await rows()).toEqual(before);
  });
});

it('refuses a NUL in a query parameter, naming it', async () => {
  const res = await t.app.inject({ method: 'GET', url: '/ui/webhooks?source=a%00b', headers: owner });
  expectNamed(res, 'query.source');
});
