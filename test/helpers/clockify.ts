import type { TestApp } from './build-test-app.js';
import { ADDON_KEY, hexId } from './build-test-app.js';

export const ADDON_ID = '62ddf9b201f42e74228efa3c';

export async function installedPayload(
  t: TestApp,
  workspaceId: string,
  overrides: Record<string, unknown> = {},
) {
  const authToken = await t.sign(
    {
      workspaceId,
      addonId: ADDON_ID,
      user: 'owner-user',
      backendUrl: 'https://api.clockify.test/api',
      reportsUrl: 'https://reports.clockify.test',
      nonce: hexId(), // makes every installation token distinct, like a real reinstall
    },
    { addonKey: ADDON_KEY },
  );
  return {
    addonId: ADDON_ID,
    authToken,
    workspaceId,
    asUser: 'owner-user',
    apiUrl: 'https://api.clockify.test/api',
    addonUserId: 'addon-user',
    webhooks: [
      {
        path: 'https://gateway.test/webhooks/clockify/NEW_PROJECT',
        webhookType: 'ADDON',
        authToken: await t.sign({ workspaceId, addonId: ADDON_ID }, { addonKey: ADDON_KEY }),
      },
    ],
    ...overrides,
  };
}

export const lifecycleToken = (t: TestApp, workspaceId: string) =>
  t.sign({ workspaceId, addonId: ADDON_ID }, { addonKey: ADDON_KEY, expiresInS: 300 });

export async function postLifecycle(t: TestApp, path: string, body: unknown, token?: string | null) {
  const workspaceId = (body as { workspaceId?: string } | null)?.workspaceId ?? 'none';
  const header =
    token === null ? {} : { 'x-addon-lifecycle-token': token ?? (await lifecycleToken(t, workspaceId)) };
  return t.app.inject({ method: 'POST', url: path, headers: header, payload: body as object });
}

export async function install(t: TestApp, workspaceId = hexId()) {
  const body = await installedPayload(t, workspaceId);
  const res = await postLifecycle(t, '/lifecycle/installed', body);
  if (res.statusCode !== 200) throw new Error(`install failed: ${res.statusCode} ${res.body}`);
  return { workspaceId, body };
}

export const userToken = (t: TestApp, workspaceId: string, role = 'OWNER', expiresInS = 1_800) =>
  t.sign(
    { workspaceId, addonId: ADDON_ID, user: `user-${role.toLowerCase()}`, workspaceRole: role },
    { addonKey: ADDON_KEY, expiresInS },
  );

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/**
 * Installs a workspace whose installation points at a fake Clockify (`createFakeClockify` with
 * `acceptInstallationTokens: true`), so the gateway's calls with its installation token are accepted.
 */
export async function installAgainstFake(
  t: TestApp,
  fake: { apiUrl: string; reportsUrl: string },
  workspaceId: string,
  settings: { id: string; value: unknown }[] = [],
) {
  const authToken = await t.sign(
    {
      workspaceId,
      addonId: ADDON_ID,
      user: 'owner-user',
      backendUrl: fake.apiUrl,
      reportsUrl: fake.reportsUrl,
      nonce: hexId(),
    },
    { addonKey: ADDON_KEY },
  );
  const body = {
    addonId: ADDON_ID,
    authToken,
    workspaceId,
    asUser: 'owner-user',
    apiUrl: fake.apiUrl,
    addonUserId: 'addon-user',
    webhooks: [],
  };
  const res = await postLifecycle(t, '/lifecycle/installed', body);
  if (res.statusCode !== 200) throw new Error(`install failed: ${res.statusCode} ${res.body}`);
  if (settings.length > 0) {
    const s = await postLifecycle(t, '/lifecycle/settings-updated', {
      addonId: ADDON_ID,
      workspaceId,
      settings,
    });
    if (s.statusCode !== 200) throw new Error(`settings failed: ${s.statusCode} ${s.body}`);
  }
  return { workspaceId, body };
}
