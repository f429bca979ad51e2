import { createHmac, createPrivateKey } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair, createClockifySigner } from '../../tools/simulator/clockify-signer.js';
import { ADDON_KEY, type TestApp, buildTestApp, hexId } from '../helpers/build-test-app.js';
import { ADDON_ID, install, installedPayload, lifecycleToken, postLifecycle } from '../helpers/clockify.js';
import { waitFor } from '../helpers/wait-for.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

const countRows = async (workspaceId: string) => ({
  installations: await t.db.prisma.installation.count({ where: { workspaceId } }),
  tokens: await t.db.prisma.clockifyWebhookToken.count({ where: { workspaceId } }),
  jobs: await t.db.prisma.job.count({ where: { workspaceId } }),
});

describe('INSTALLED', () => {
  it('stores the installation with the token encrypted, URLs, users and default settings', async () => {
    const { workspaceId, body } = await install(t);
    const row = await t.db.prisma.installation.findUniqueOrThrow({ where: { workspaceId } });
    expect(row).toMatchObject({
      addonId: ADDON_ID,
      status: 'ACTIVE',
      apiUrl: 'https://api.clockify.test/api',
      installedByUserId: 'owner-user',
      addonUserId: 'addon-user',
    });
    expect(row.apiUrls).toEqual({
      backendUrl: 'https://api.clockify.test/api',
      reportsUrl: 'https://reports.clockify.test',
    });
    expect(row.settings).toMatchObject({ bootstrap_max_rps: 25, flows_enabled: true });
    // The plaintext token appears nowhere in the table; the stored value decrypts back to it.
    const raw = await t.db.sql.query<{ r: string }>(
      'SELECT row_to_json(i)::text AS r FROM installation i WHERE workspace_id = $1',
      [workspaceId],
    );
    expect(raw[0]?.r).not.toContain(body.authToken);
    expect(raw[0]?.r).not.toContain(body.authToken.split('.')[2]);
    expect((await t.deps.installations.clockifyConnection(workspaceId))?.token ?? null).toBe(body.authToken);
    const tokens = await t.db.prisma.clockifyWebhookToken.findMany({ where: { workspaceId } });
    expect(tokens).toEqual([
      expect.objectContaining({ path: '/webhooks/clockify/NEW_PROJECT', event: 'NEW_PROJECT' }),
    ]);
    expect(JSON.stringify(tokens)).not.toContain(body.webhooks[0]!.authToken);
    expect(await t.db.prisma.job.count({ where: { workspaceId, name: 'installation.setup' } })).toBe(1);
  });

  it('is idempotent when Clockify replays the same INSTALLED', async () => {
    const workspaceId = hexId();
    const body = await installedPayload(t, workspaceId);
    for (let i = 0; i < 3; i++)
      expect((await postLifecycle(t, '/lifecycle/installed', body)).statusCode).toBe(200);
    expect(await countRows(workspaceId)).toEqual({ installations: 1, tokens: 1, jobs: 1 });
  });

  it('changes nothing when the same INSTALLED is delivered again (settings, status, tokens, set-up)', async () => {
    const { workspaceId, body } = await install(t);
    // What the set-up and the admins did after the first delivery: webhooks registered through the API,
    // settings changed, the add-on deactivated.
    for (const event of ['EXPENSE_CREATED', 'TAG_DELETED']) {
      await t.db.prisma.clockifyWebhookToken.create({
        data: {
          id: `wht_${hexId()}`,
          workspaceId,
          path: `/webhooks/clockify/${event}`,
          event,
          tokenHash: `hash-${event}`,
          clockifyWebhookId: `hook-${event}`,
        },
      });
    }
    const settings = [{ id: 'cache_ttl_days', value: 14 }];
    expect(
      (await postLifecycle(t, '/lifecycle/settings-updated', { addonId: ADDON_ID, workspaceId, settings }))
        .statusCode,
    ).toBe(200);
    expect(
      (
        await postLifecycle(t, '/lifecycle/status-changed', {
          addonId: ADDON_ID,
          workspaceId,
          status: 'INACTIVE',
        })
      ).statusCode,
    ).toBe(200);
    const state = async () => ({
      installation: await t.db.prisma.installation.findUniqueOrThrow({ where: { workspaceId } }),
      tokens: await t.db.prisma.clockifyWebhookToken.findMany({
        where: { workspaceId },
        orderBy: { path: 'asc' },
      }),
      jobs: await t.db.prisma.job.findMany({ where: { workspaceId }, orderBy: { id: 'asc' } }),
      runs: await t.db.prisma.bootstrapRun.count({ where: { workspaceId } }),
    });
    const before = await state();
    expect(before.tokens).toHaveLength(3);

    const res = await postLifecycle(t, '/lifecycle/installed', body);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ workspaceId, status: 'INACTIVE' });
    expect(await state()).toEqual(before);
    expect((await t.deps.installations.settingsOf(workspaceId)).cache.ttlDays).toBe(14);
  });

  it('replaces tokens on a reinstall without duplicating rows', async () => {
    const { workspaceId } = await install(t);
    const again = await installedPayload(t, workspaceId);
    expect((await postLifecycle(t, '/lifecycle/installed', again)).statusCode).toBe(200);
    expect((await t.deps.installations.clockifyConnection(workspaceId))?.token ?? null).toBe(again.authToken);
    const counts = await countRows(workspaceId);
    expect(counts).toMatchObject({ installations: 1, tokens: 1 });
    expect(counts.jobs).toBe(2); // a genuine reinstall runs the set-up again
  });

  it('accepts the token in Clockify-Signature too', async () => {
    const workspaceId = hexId();
    const body = await installedPayload(t, workspaceId);
    const res = await t.app.inject({
      method: 'POST',
      url: '/lifecycle/installed',
      headers: { 'clockify-signature': await lifecycleToken(t, workspaceId) },
      payload: body,
    });
    expect(res.statusCode).toBe(200);
  });
});

describe('lifecycle token verification', () => {
  const other = generateKeyPair();
  const otherSigner = createClockifySigner(other.privateKeyPem);
  // An attacker knows the public key; HS256 "signed" with it must not pass as RS256.
  const publicPem = () => t.config.clockifyPublicKeyPem;

  const cases: [string, (ws: string) => Promise<string | null>][] = [
    ['missing header', async () => null],
    ['garbage', async () => 'not-a-jwt'],
    [
      'alg none',
      async (ws) =>
        new UnsecuredJWT({ workspaceId: ws, type: 'addon' })
          .setIssuer('clockify')
          .setSubject(ADDON_KEY)
          .encode(),
    ],
    [
      'HS256 signed with the public key',
      async (ws) => {
        const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
        const payload = Buffer.from(
          JSON.stringify({ iss: 'clockify', sub: ADDON_KEY, type: 'addon', workspaceId: ws }),
        ).toString('base64url');
        const sig = createHmac('sha256', publicPem()).update(`${header}.${payload}`).digest('base64url');
        return `${header}.${payload}.${sig}`;
      },
    ],
    ['wrong key', (ws) => otherSigner({ workspaceId: ws }, { addonKey: ADDON_KEY })],
    ['wrong iss', (ws) => t.sign({ workspaceId: ws }, { addonKey: ADDON_KEY, iss: 'evil' })],
    ['wrong type', (ws) => t.sign({ workspaceId: ws }, { addonKey: ADDON_KEY, type: 'user' })],
    ['wrong sub', (ws) => t.sign({ workspaceId: ws }, { addonKey: ADDON_KEY, sub: 'another-addon' })],
    ['other workspace', () => t.sign({ workspaceId: 'someone-else' }, { addonKey: ADDON_KEY })],
    ['expired', (ws) => t.sign({ workspaceId: ws }, { addonKey: ADDON_KEY, expiresInS: -60 })],
    [
      'RS512 with the right key',
      async (ws) =>
        new SignJWT({ workspaceId: ws, type: 'addon' })
          .setProtectedHeader({ alg: 'RS512' })
          .setIssuer('clockify')
          .setSubject(ADDON_KEY)
          .sign(createPrivateKey(t.privateKeyPem)),
    ],
  ];

  it.each(cases)('rejects %s with 401 and stores nothing', async (_name, makeToken) => {
    const workspaceId = hexId();
    const body = await installedPayload(t, workspaceId);
    const res = await postLifecycle(t, '/lifecycle/installed', body, await makeToken(workspaceId));
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({
      error: { code: 'SIGNATURE_INVALID', message: expect.any(String), requestId: expect.any(String) },
    });
    expect(await countRows(workspaceId)).toEqual({ installations: 0, tokens: 0, jobs: 0 });
  });

  it('rejects a bad token on every lifecycle route and changes nothing', async () => {
    const { workspaceId } = await install(t);
    const bad = await otherSigner({ workspaceId }, { addonKey: ADDON_KEY });
    const before = await t.db.prisma.installation.findUniqueOrThrow({ where: { workspaceId } });
    for (const [path, body] of [
      ['/lifecycle/status-changed', { addonId: ADDON_ID, workspaceId, status: 'INACTIVE' }],
      [
        '/lifecycle/settings-updated',
        { addonId: ADDON_ID, workspaceId, settings: [{ id: 'cache_ttl_days', value: 9 }] },
      ],
      ['/lifecycle/deleted', { addonId: ADDON_ID, workspaceId }],
    ] as const) {
      expect((await postLifecycle(t, path, body, bad)).statusCode).toBe(401);
    }
    expect(await t.db.prisma.installation.findUniqueOrThrow({ where: { workspaceId } })).toEqual(before);
  });
});

describe('lifecycle authority (tokens a workspace member can obtain)', () => {
  /** A user token as Clockify puts it in every member's add-on iframe (PLATFORM.md §4). */
  const userTokenOf = (workspaceId: string, workspaceRole: string, addonId = ADDON_ID) =>
    t.sign(
      {
        workspaceId,
        addonId,
        user: `member-${workspaceRole.toLowerCase()}`,
        workspaceRole,
        language: 'EN',
        theme: 'DEFAULT',
        backendUrl: 'https://api.clockify.test/api',
      },
      { addonKey: ADDON_KEY, expiresInS: 1_800 },
    );
  const snapshot = async (workspaceId: string) => ({
    installation: await t.db.prisma.installation.findUnique({ where: { workspaceId } }),
    tokens: await t.db.prisma.clockifyWebhookToken.findMany({
      where: { workspaceId },
      orderBy: { path: 'asc' },
    }),
    jobs: await t.db.prisma.job.count({ where: { workspaceId } }),
  });
  const lifecycleCalls = async (workspaceId: string, addonId = ADDON_ID): Promise<[string, unknown][]> => [
    ['/lifecycle/installed', await installedPayload(t, workspaceId, { addonId })],
    ['/lifecycle/status-changed', { addonId, workspaceId, status: 'INACTIVE' }],
    ['/lifecycle/settings-updated', { addonId, workspaceId, settings: [{ id: 'cache_ttl_days', value: 9 }] }],
    ['/lifecycle/deleted', { addonId, workspaceId, asUser: 'member' }],
    ['/lifecycle/uninstalled', { addonId, workspaceId }],
  ];
  const postWith = (path: string, body: unknown, header: string, token: string) =>
    t.app.inject({ method: 'POST', url: path, headers: { [header]: token }, payload: body as object });

  const members = ['USER', 'TEAM_MANAGER', 'PROJECT_MANAGER', 'SOMETHING_NEW'].flatMap((role) =>
    ['x-addon-lifecycle-token', 'clockify-signature'].map((header) => [role, header] as const),
  );
  it.each(members)(
    'refuses a %s user token in %s on every lifecycle route with 401 and changes nothing',
    async (role, header) => {
      const { workspaceId } = await install(t);
      const before = await snapshot(workspaceId);
      const token = await userTokenOf(workspaceId, role);
      for (const [path, body] of await lifecycleCalls(workspaceId)) {
        const res = await postWith(path, body, header, token);
        expect(res.statusCode, `${path}: ${res.body}`).toBe(401);
        expect(res.json().error).toMatchObject({ code: 'SIGNATURE_INVALID', requestId: expect.any(String) });
      }
      expect(await snapshot(workspaceId)).toEqual(before);
    },
  );

  it.each(['OWNER', 'ADMIN', 'WORKSPACE_ADMIN'])(
    'does not refuse the claims a genuine lifecycle token might carry (workspaceRole %s, user, exp, URLs)',
    async (role) => {
      const { workspaceId } = await install(t);
      const token = await userTokenOf(workspaceId, role);
      const res = await postWith(
        '/lifecycle/status-changed',
        { addonId: ADDON_ID, workspaceId, status: 'INACTIVE' },
        'x-addon-lifecycle-token',
        token,
      );
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({ workspaceId, status: 'INACTIVE' });
    },
  );

  it('refuses a token or body naming another add-on than the stored installation, and changes nothing', async () => {
    const { workspaceId } = await install(t);
    const before = await snapshot(workspaceId);
    const otherAddon = 'aaaaaaaaaaaaaaaaaaaaaaaa';
    // The token names the other add-on (and the body agrees with the token)…
    const token = await t.sign(
      { workspaceId, addonId: otherAddon },
      { addonKey: ADDON_KEY, expiresInS: 300 },
    );
    for (const [path, body] of await lifecycleCalls(workspaceId, otherAddon)) {
      const res = await postWith(path, body, 'x-addon-lifecycle-token', token);
      expect(res.statusCode, `${path}: ${res.body}`).toBe(401);
      expect(res.json().error.code).toBe('SIGNATURE_INVALID');
    }
    // …or the token names no add-on and only the body does.
    const anonymous = await t.sign({ workspaceId }, { addonKey: ADDON_KEY, expiresInS: 300 });
    for (const [path, body] of await lifecycleCalls(workspaceId, otherAddon)) {
      const res = await postWith(path, body, 'x-addon-lifecycle-token', anonymous);
      expect(res.statusCode, `${path}: ${res.body}`).toBe(401);
    }
    expect(await snapshot(workspaceId)).toEqual(before);
  });

  const badInstallationTokens: [string, (ws: string) => Promise<string>][] = [
    [
      'signed by another key',
      (ws) =>
        createClockifySigner(generateKeyPair().privateKeyPem)(
          { workspaceId: ws, addonId: ADDON_ID },
          { addonKey: ADDON_KEY },
        ),
    ],
    [
      'for another workspace',
      () => t.sign({ workspaceId: hexId(), addonId: ADDON_ID }, { addonKey: ADDON_KEY }),
    ],
    [
      'for another add-on',
      (ws) => t.sign({ workspaceId: ws, addonId: 'aaaaaaaaaaaaaaaaaaaaaaaa' }, { addonKey: ADDON_KEY }),
    ],
    ['a member’s user token', (ws) => userTokenOf(ws, 'USER')],
    ['an admin’s 30-minute user token', (ws) => userTokenOf(ws, 'OWNER')],
  ];
  it.each(badInstallationTokens)(
    'refuses an INSTALLED whose installation token is %s, and changes nothing',
    async (_name, makeToken) => {
      const { workspaceId } = await install(t);
      const before = await snapshot(workspaceId);
      const body = await installedPayload(t, workspaceId, { authToken: await makeToken(workspaceId) });
      const res = await postLifecycle(t, '/lifecycle/installed', body);
      expect(res.statusCode, res.body).toBe(401);
      expect(res.json().error).toMatchObject({
        code: 'SIGNATURE_INVALID',
        message: expect.stringContaining('authToken'),
      });
      expect(await snapshot(workspaceId)).toEqual(before);
    },
  );
});

describe('malformed lifecycle requests', () => {
  it('names the missing field with 400', async () => {
    const workspaceId = hexId();
    const { authToken: _omit, ...body } = await installedPayload(t, workspaceId);
    const res = await postLifecycle(t, '/lifecycle/installed', body);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('authToken'),
    });
    expect(await countRows(workspaceId)).toEqual({ installations: 0, tokens: 0, jobs: 0 });
  });

  it('rejects a body that is not JSON with 400', async () => {
    const workspaceId = hexId();
    const res = await t.app.inject({
      method: 'POST',
      url: '/lifecycle/installed',
      headers: {
        'content-type': 'application/json',
        'x-addon-lifecycle-token': await lifecycleToken(t, workspaceId),
      },
      payload: '{"workspaceId": ',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('INVALID_JSON');
  });

  it('rejects a non-JSON content type with 415', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/lifecycle/installed',
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('rejects an oversized body with 413', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/lifecycle/installed',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ pad: 'x'.repeat(t.config.http.bodyLimitBytes + 10) }),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('rejects an authToken that is not a JWT with 400', async () => {
    const workspaceId = hexId();
    const body = await installedPayload(t, workspaceId, { authToken: 'definitely-not-a-jwt' });
    const res = await postLifecycle(t, '/lifecycle/installed', body);
    expect(res.statusCode).toBe(400);
    expect(await countRows(workspaceId)).toEqual({ installations: 0, tokens: 0, jobs: 0 });
  });
});

describe('STATUS_CHANGED, SETTINGS_UPDATED, DELETED', () => {
  it('records ACTIVE and INACTIVE', async () => {
    const { workspaceId } = await install(t);
    for (const status of ['INACTIVE', 'ACTIVE', 'INACTIVE'] as const) {
      const res = await postLifecycle(t, '/lifecycle/status-changed', {
        addonId: ADDON_ID,
        workspaceId,
        status,
      });
      expect(res.json()).toEqual({ workspaceId, status });
    }
    expect((await t.db.prisma.installation.findUniqueOrThrow({ where: { workspaceId } })).status).toBe(
      'INACTIVE',
    );
  });

  it('answers 404 for a workspace that never installed', async () => {
    const workspaceId = hexId();
    const res = await postLifecycle(t, '/lifecycle/status-changed', {
      addonId: ADDON_ID,
      workspaceId,
      status: 'ACTIVE',
    });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('INSTALLATION_NOT_FOUND');
  });

  it('stores valid settings, coercing Clockify’s string forms', async () => {
    const { workspaceId } = await install(t);
    const res = await postLifecycle(t, '/lifecycle/settings-updated', {
      addonId: ADDON_ID,
      workspaceId,
      settings: [
        { id: 'bootstrap_max_rps', name: 'Max requests per second', value: 40 },
        { id: 'flows_allow_http', value: 'false' },
        { id: 'cache_ttl_days', value: '14' },
        { id: 'some-future-setting', value: 'x' },
      ],
    });
    expect(res.statusCode).toBe(200);
    const settings = await t.deps.installations.settingsOf(workspaceId);
    expect(settings.bootstrap.maxRequestsPerSecond).toBe(40);
    expect(settings.flows.allowHttp).toBe(false);
    expect(settings.cache.ttlDays).toBe(14);
  });

  it('rejects an invalid value with 422 and keeps the stored settings', async () => {
    const { workspaceId } = await install(t);
    const before = (await t.db.prisma.installation.findUniqueOrThrow({ where: { workspaceId } })).settings;
    const res = await postLifecycle(t, '/lifecycle/settings-updated', {
      addonId: ADDON_ID,
      workspaceId,
      settings: [
        { id: 'cache_ttl_days', value: 3 },
        { id: 'bootstrap_max_rps', value: 51 },
        { id: 'flows_enabled', value: 'maybe' },
      ],
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe('SETTINGS_INVALID');
    expect(res.json().error.details.problems.map((p: { id: string }) => p.id)).toEqual([
      'bootstrap_max_rps',
      'flows_enabled',
    ]);
    expect((await t.db.prisma.installation.findUniqueOrThrow({ where: { workspaceId } })).settings).toEqual(
      before,
    );
  });

  it('wipes tokens at once on DELETED and purges the workspace through a job', async () => {
    const { workspaceId } = await install(t);
    const res = await postLifecycle(t, '/lifecycle/deleted', {
      addonId: ADDON_ID,
      workspaceId,
      asUser: 'owner-user',
    });
    expect(res.json()).toEqual({ workspaceId, status: 'DELETED' });
    const row = await t.db.prisma.installation.findUniqueOrThrow({ where: { workspaceId } });
    expect(row).toMatchObject({ status: 'DELETED', tokenEncrypted: null });
    expect(await t.db.prisma.clockifyWebhookToken.count({ where: { workspaceId } })).toBe(0);
    expect((await t.deps.installations.clockifyConnection(workspaceId))?.token ?? null).toBeNull();
    // A replayed DELETED is harmless, and later lifecycle calls see no installation.
    expect(
      (await postLifecycle(t, '/lifecycle/uninstalled', { addonId: ADDON_ID, workspaceId })).statusCode,
    ).toBe(200);
    expect(
      (
        await postLifecycle(t, '/lifecycle/status-changed', {
          addonId: ADDON_ID,
          workspaceId,
          status: 'ACTIVE',
        })
      ).statusCode,
    ).toBe(404);

    t.deps.runner.start();
    try {
      await waitFor(async () => (await t.db.prisma.installation.count({ where: { workspaceId } })) === 0, {
        what: 'purge',
        timeoutMs: 20_000,
      });
    } finally {
      await t.deps.runner.stop(5_000);
    }
    expect(await t.db.prisma.job.count({ where: { workspaceId } })).toBe(0);
  });
});
