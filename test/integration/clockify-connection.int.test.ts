import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, buildTestApp, hexId } from '../helpers/build-test-app.js';
import { ADDON_ID, installedPayload, postLifecycle } from '../helpers/clockify.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

describe("a workspace's Clockify connection", () => {
  it('uses the token’s backendUrl, the token itself and the workspace’s rate, read from one row', async () => {
    const workspaceId = hexId();
    const body = await installedPayload(t, workspaceId, { apiUrl: 'https://unsigned-body.example/api' });
    expect((await postLifecycle(t, '/lifecycle/installed', body)).statusCode).toBe(200);
    await postLifecycle(t, '/lifecycle/settings-updated', {
      addonId: ADDON_ID,
      workspaceId,
      settings: [{ id: 'bootstrap_max_rps', value: 12 }],
    });
    expect(await t.deps.installations.clockifyConnection(workspaceId)).toEqual({
      workspaceId,
      token: body.authToken,
      apiUrl: 'https://api.clockify.test/api',
      reportsUrl: 'https://reports.clockify.test',
      ratePerSecond: 12,
    });
  });

  it('is null for a workspace that is not installed, or was deleted', async () => {
    expect(await t.deps.installations.clockifyConnection(hexId())).toBeNull();
    const workspaceId = hexId();
    await postLifecycle(t, '/lifecycle/installed', await installedPayload(t, workspaceId));
    await postLifecycle(t, '/lifecycle/deleted', { addonId: ADDON_ID, workspaceId });
    expect(await t.deps.installations.clockifyConnection(workspaceId)).toBeNull();
  });
});
