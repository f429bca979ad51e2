import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, buildTestApp } from '../helpers/build-test-app.js';
import { install } from '../helpers/clockify.js';
import { type Api, flowsApi, tagFlow } from '../helpers/flows.js';

let t: TestApp;
let api: Api;
beforeAll(async () => {
  t = await buildTestApp();
  api = flowsApi(t);
});
afterAll(async () => t.close());

type Template = { id: string; inputs: { name: string; required: boolean; type: string }[] };

describe('dry run and templates', () => {
  it('dry-runs a saved or unsaved definition on a sample: traces and rendered requests, nothing stored', async () => {
    const { workspaceId: ws } = await install(t);
    const flowId = (await api(ws, 'POST', '/ui/flows', tagFlow())).json<{ id: string }>().id;
    const jobsBefore = await t.db.prisma.job.count({ where: { workspaceId: ws } });
    const res = await api(ws, 'POST', `/ui/flows/${flowId}/test`, { sample: { name: 'Dry' } });
    expect(res.statusCode, res.body).toBe(200);
    const report = res.json<{ matches: boolean; actions: { request?: unknown }[] }>();
    expect(report.matches).toBe(true);
    expect(JSON.stringify(report.actions[0])).toContain('project Dry');

    const unsaved = tagFlow({
      conditions: { mode: 'ALL', rules: [{ path: '$.webhook.name', op: '==', value: 'x' }] },
    });
    const r2 = await api(ws, 'POST', `/ui/flows/${flowId}/test`, {
      definition: unsaved,
      sample: { name: 'Dry' },
    });
    expect(r2.json<{ matches: boolean }>().matches).toBe(false);
    const bad = await api(ws, 'POST', `/ui/flows/${flowId}/test`, { definition: { version: 1 }, sample: {} });
    expect(bad.statusCode).toBe(422);
    expect(await t.db.prisma.flowExecution.count({ where: { workspaceId: ws } })).toBe(0);
    expect(await t.db.prisma.flowStep.count({ where: { workspaceId: ws } })).toBe(0);
    expect(await t.db.prisma.job.count({ where: { workspaceId: ws } })).toBe(jobsBefore);
    expect((await api(ws, 'POST', `/ui/flows/${flowId}/test`, { eventId: 'evt_nope' })).statusCode).toBe(404);
  });

  it('lists at least six templates and installs one disabled; unknown → 404, bad inputs → 422', async () => {
    const { workspaceId: ws } = await install(t);
    const list = await api(ws, 'GET', '/ui/flow-templates');
    const items = list.json<{ items: Template[] }>().items;
    expect(items.length).toBeGreaterThanOrEqual(6);
    const easy = items.find((i) => i.inputs.every((x) => !x.required || x.type === 'number'));
    expect(easy).toBeDefined();
    const inputs = Object.fromEntries(easy!.inputs.filter((i) => i.required).map((i) => [i.name, 8]));
    const installed = await api(ws, 'POST', `/ui/flow-templates/${easy!.id}/install`, { inputs });
    expect(installed.statusCode, installed.body).toBe(201);
    expect(installed.json()).toMatchObject({ enabled: false, version: 1 });
    expect((await api(ws, 'POST', '/ui/flow-templates/nope/install', { inputs: {} })).statusCode).toBe(404);
    const badInputs = await api(ws, 'POST', `/ui/flow-templates/${easy!.id}/install`, {
      inputs: { bogus: 1 },
    });
    expect(badInputs.statusCode).toBe(422);
    expect(
      (await api(ws, 'POST', `/ui/flow-templates/${easy!.id}/install`, { inputs }, 'USER')).statusCode,
    ).toBe(403);
  });
});
