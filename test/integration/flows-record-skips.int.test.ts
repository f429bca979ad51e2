import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobContext } from '../../src/jobs/runner.js';
import { type FakeClockify, createFakeClockify } from '../../tools/fake-clockify/server.js';
import { type TestApp, buildTestApp, hexId } from '../helpers/build-test-app.js';
import { installAgainstFake } from '../helpers/clockify.js';
import { type Api, flowsApi, tagFlow } from '../helpers/flows.js';
import { manualClock } from '../helpers/jobs.js';
import { postClockify, samplePayload, seedWebhookTokens } from '../helpers/webhooks.js';

/**
 * `recordSkips`: an event that triggers a flow whose conditions do not hold gets one `skipped` execution
 * (no job, no steps, the deciding rules in `error`), listed with the status filter; flows without the
 * option are only counted. Jobs are run by hand through their real bindings.
 */
const clock = manualClock(new Date('2026-06-01T10:00:00Z'));
const W = Array.from({ length: 4 }, () => hexId());
let t: TestApp;
let api: Api;
let fake: FakeClockify;

beforeAll(async () => {
  t = await buildTestApp({ clock });
  api = flowsApi(t);
  fake = await createFakeClockify({
    workspaces: W.map((id) => ({ id, tokens: [`unused-${id}`], counts: { projects: 2, tags: 1 } })),
    acceptInstallationTokens: true,
    rateLimitPerSecond: 10_000,
  });
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

let wsIndex = 0;
async function workspace() {
  const ws = W[wsIndex++]!;
  await installAgainstFake(t, fake, ws);
  await t.db.prisma.job.deleteMany({ where: { workspaceId: ws } });
  const tokens = await seedWebhookTokens(t, ws, ['NEW_PROJECT']);
  return { ws, token: tokens.get('NEW_PROJECT')! };
}
async function createFlow(ws: string, def: Record<string, unknown>) {
  const res = await api(ws, 'POST', '/ui/flows', def);
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ id: string }>().id;
}
async function sendEvent(ws: string, token: string, body: Record<string, unknown> = {}) {
  const res = await postClockify(t, {
    event: 'NEW_PROJECT',
    token,
    body: { ...samplePayload('NEW_PROJECT', ws), id: hexId(), ...body },
  });
  expect(res.statusCode, res.body).toBe(202);
  await t.deps.modules.ingestion.batcher.flush();
}
let seq = 0;
const ctxFor = (ws: string): JobContext => ({
  jobId: `hand-${seq++}`,
  attempt: 1,
  workspaceId: ws,
  log: t.deps.log,
  signal: new AbortController().signal,
});
const onlyApollo = { mode: 'ALL', rules: [{ path: '$.webhook.name', op: '==', value: 'Apollo' }] };
type Summary = { id: string; flowId: string; status: string; error: string | null; eventId: string };

describe('recordSkips', () => {
  it('is validated by the definition schema and kept in the saved definition', async () => {
    const { ws } = await workspace();
    const bad = await api(ws, 'POST', '/ui/flows', tagFlow({ recordSkips: 'yes' }));
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toMatch(/recordSkips/);
    const id = await createFlow(ws, tagFlow({ recordSkips: true, conditions: onlyApollo }));
    const got = await api(ws, 'GET', `/ui/flows/${id}`);
    expect(got.json<{ definition: Record<string, unknown> }>().definition).toMatchObject({
      recordSkips: true,
    });
  });

  it('stores one skipped execution per (event, flow), no job and no steps, listed with status=skipped', async () => {
    const { ws, token } = await workspace();
    const recording = await createFlow(
      ws,
      tagFlow({ name: 'records', recordSkips: true, conditions: onlyApollo }),
    );
    const counting = await createFlow(ws, tagFlow({ name: 'counts', conditions: onlyApollo }));
    const filtered = await createFlow(
      ws,
      tagFlow({
        name: 'filtered',
        recordSkips: true,
        trigger: {
          sources: ['clockify'],
          events: ['NEW_PROJECT'],
          filter: { mode: 'ALL', rules: [{ path: '$.webhook.billable', op: '==', value: true }] },
        },
      }),
    );
    await sendEvent(ws, token, { name: 'Zeus', billable: false });
    const [job] = await t.db.prisma.job.findMany({ where: { workspaceId: ws, name: 'event.process' } });
    const handler = t.deps.registry.get('event.process')!.handler;
    await handler(job!.payload, ctxFor(ws));
    // event.process runs again (at-least-once): still one row per (event, flow).
    await t.db.prisma.webhookEvent.updateMany({ where: { workspaceId: ws }, data: { status: 'queued' } });
    await handler(job!.payload, { ...ctxFor(ws), attempt: 2 });

    const rows = await t.db.prisma.flowExecution.findMany({ where: { workspaceId: ws } });
    expect(rows.map((r) => r.flowId).sort()).toEqual([recording, filtered].sort());
    expect(rows.every((r) => r.status === 'skipped' && r.finishedAt !== null && r.startedAt === null)).toBe(
      true,
    );
    expect(await t.db.prisma.job.count({ where: { workspaceId: ws, name: 'flow.execute' } })).toBe(0);
    expect(await t.db.prisma.flowStep.count({ where: { workspaceId: ws } })).toBe(0);
    // The daily count is kept as before, for every skipped flow (both runs counted, as before).
    const skips = await t.db.prisma.flowSkipCount.findMany({ where: { workspaceId: ws } });
    expect(skips.reduce((n, s) => n + Number(s.skipped), 0)).toBe(6);
    expect(new Set(skips.map((s) => s.flowId))).toEqual(new Set([recording, counting, filtered]));

    const list = await api(ws, 'GET', `/ui/flows/${recording}/executions?status=skipped`);
    expect(list.statusCode).toBe(200);
    const [mine] = list.json<{ items: Summary[] }>().items;
    expect(mine).toMatchObject({
      flowId: recording,
      status: 'skipped',
      origin: 'event',
      error: 'conditions did not hold: conditions.rules[0]: $.webhook.name == "Apollo" (actual "Zeus")',
    });
    const all = await api(ws, 'GET', '/ui/executions?status=skipped');
    const items = all.json<{ items: Summary[] }>().items;
    expect(items).toHaveLength(2);
    expect(items.find((e) => e.flowId === filtered)?.error).toBe(
      'trigger filter did not hold: trigger.filter.rules[0]: $.webhook.billable == true (actual false)',
    );
    expect(
      (await api(ws, 'GET', '/ui/executions?status=succeeded')).json<{ items: unknown[] }>().items,
    ).toHaveLength(0);
    const detail = await api(ws, 'GET', `/ui/executions/${mine!.id}`);
    expect(detail.json()).toMatchObject({ status: 'skipped', steps: [] });
    // Not retried as if it had run: the event is replayed instead.
    const retry = await api(ws, 'POST', `/ui/executions/${mine!.id}/retry`, { from: 'start' });
    expect(retry.statusCode).toBe(409);
    expect(retry.body).toMatch(/was skipped/);
  });

  it('an event whose conditions hold runs as usual, with no skipped row', async () => {
    const { ws, token } = await workspace();
    const flowId = await createFlow(ws, tagFlow({ recordSkips: true, conditions: onlyApollo }));
    await sendEvent(ws, token, { name: 'Apollo' });
    const [job] = await t.db.prisma.job.findMany({ where: { workspaceId: ws, name: 'event.process' } });
    await t.deps.registry.get('event.process')!.handler(job!.payload, ctxFor(ws));
    const rows = await t.db.prisma.flowExecution.findMany({ where: { workspaceId: ws, flowId } });
    expect(rows.map((r) => r.status)).toEqual(['queued']);
    expect(await t.db.prisma.job.count({ where: { workspaceId: ws, name: 'flow.execute' } })).toBe(1);
  });
});
