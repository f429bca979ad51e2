import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, buildTestApp } from '../helpers/build-test-app.js';
import { install } from '../helpers/clockify.js';
import { type Api, flowsApi, tagFlow } from '../helpers/flows.js';

let t: TestApp;
let api: Api;
beforeAll(async () => {
  t = await buildTestApp({ env: { FLOWS_MAX_PER_WORKSPACE: '3' } });
  api = flowsApi(t);
});
afterAll(async () => t.close());

describe('flows admin API', () => {
  it('creates, reads, versions, disables and deletes a flow', async () => {
    const { workspaceId: ws } = await install(t);
    const created = await api(ws, 'POST', '/ui/flows', tagFlow());
    expect(created.statusCode, created.body).toBe(201);
    const flow = created.json<{
      id: string;
      version: number;
      enabled: boolean;
      definition: { name: string };
    }>();
    expect(flow).toMatchObject({ version: 1, enabled: true, definition: { name: 'Tag from event' } });
    expect(flow.id).toMatch(/^flw_[0-9a-z]{20}$/);

    const updated = await api(ws, 'PUT', `/ui/flows/${flow.id}`, tagFlow({ name: 'Renamed' }));
    expect(updated.statusCode, updated.body).toBe(200);
    expect(updated.json()).toMatchObject({ version: 2, name: 'Renamed' });

    const versions = await api(ws, 'GET', `/ui/flows/${flow.id}/versions`);
    expect(versions.json<{ items: { version: number }[] }>().items.map((v) => v.version)).toEqual([2, 1]);

    const disabled = await api(ws, 'POST', `/ui/flows/${flow.id}/disable`);
    expect(disabled.json()).toMatchObject({ enabled: false, version: 2 });
    expect((await api(ws, 'POST', `/ui/flows/${flow.id}/enable`)).json()).toMatchObject({ enabled: true });

    const list = await api(ws, 'GET', '/ui/flows');
    expect(list.json<{ items: { id: string }[] }>().items.map((f) => f.id)).toEqual([flow.id]);

    expect((await api(ws, 'DELETE', `/ui/flows/${flow.id}`)).statusCode).toBe(200);
    expect((await api(ws, 'GET', `/ui/flows/${flow.id}`)).statusCode).toBe(404);
    expect((await api(ws, 'GET', '/ui/flows')).json<{ items: unknown[] }>().items).toEqual([]);
  });

  it('refuses an invalid definition with 422 naming the exact location, and stores nothing', async () => {
    const { workspaceId: ws } = await install(t);
    const bad = tagFlow({
      actions: [
        { id: 'a', type: 'clockify', operationId: 'createNewTag', body: { name: 'x' } },
        {
          id: 'b',
          type: 'clockify',
          operationId: 'getProject',
          pathParams: { projectId: '{{ secrets.token }}' },
        },
      ],
    });
    const res = await api(ws, 'POST', '/ui/flows', bad);
    expect(res.statusCode).toBe(422);
    const body = res.json<{
      error: { code: string; details: { issues: { path: string; message: string }[] } };
    }>();
    expect(body.error.code).toBe('INVALID_DEFINITION');
    expect(body.error.details.issues[0]?.path).toBe('actions[1].pathParams.projectId');
    expect(body.error.details.issues[0]?.message).toContain("'secrets'");
    expect(await t.db.prisma.flow.count({ where: { workspaceId: ws } })).toBe(0);

    for (const hostile of [[], [1, 2], { version: 2 }]) {
      const r = await api(ws, 'POST', '/ui/flows', hostile);
      expect([400, 422], r.body).toContain(r.statusCode);
    }
  });

  it('checks HTTP action URLs against the outbound policy when saving', async () => {
    const { workspaceId: ws } = await install(t);
    const flow = (url: string) =>
      tagFlow({ actions: [{ id: 'h', type: 'http', method: 'POST', url, body: { a: 1 } }] });
    const internal = await api(ws, 'POST', '/ui/flows', flow('https://127.0.0.1/hook'));
    expect(internal.statusCode).toBe(422);
    expect(
      internal.json<{ error: { details: { issues: { path: string }[] } } }>().error.details.issues[0]?.path,
    ).toBe('actions[0].url');
    const templated = await api(ws, 'POST', '/ui/flows', flow('https://169.254.169.254/{{ webhook.id }}'));
    expect(templated.statusCode).toBe(422);
    const ok = await api(ws, 'POST', '/ui/flows', flow('https://hooks.example.com/in/{{ webhook.id }}'));
    expect(ok.statusCode, ok.body).toBe(201);
  });

  it('enforces the per-workspace flow limit and the definition size limit', async () => {
    const { workspaceId: ws } = await install(t);
    for (let i = 0; i < 3; i++) expect((await api(ws, 'POST', '/ui/flows', tagFlow())).statusCode).toBe(201);
    const fourth = await api(ws, 'POST', '/ui/flows', tagFlow());
    expect(fourth.statusCode).toBe(409);
    const { workspaceId: ws2 } = await install(t);
    const huge = await api(
      ws2,
      'POST',
      '/ui/flows',
      tagFlow({ description: 'x'.repeat(1_990), pad: 'y'.repeat(70_000) }),
    );
    expect(huge.statusCode).toBe(422);
  });

  it('needs a write-capable principal to change flows, and hides other workspaces (404)', async () => {
    const { workspaceId: ws } = await install(t);
    const { workspaceId: other } = await install(t);
    const id = (await api(ws, 'POST', '/ui/flows', tagFlow())).json<{ id: string }>().id;
    expect((await api(ws, 'POST', '/ui/flows', tagFlow(), 'USER')).statusCode).toBe(403);
    expect((await api(ws, 'GET', `/ui/flows/${id}`, undefined, 'USER')).statusCode).toBe(200);
    for (const [m, u] of [
      ['GET', `/ui/flows/${id}`],
      ['PUT', `/ui/flows/${id}`],
      ['DELETE', `/ui/flows/${id}`],
      ['POST', `/ui/flows/${id}/disable`],
      ['GET', `/ui/flows/${id}/versions`],
    ] as const) {
      const r = await api(other, m, u, m === 'PUT' ? tagFlow() : undefined);
      expect(r.statusCode, `${m} ${u}`).toBe(404);
    }
    expect((await api(ws, 'GET', `/ui/flows/${id}`)).json()).toMatchObject({ enabled: true, version: 1 });
  });
});
