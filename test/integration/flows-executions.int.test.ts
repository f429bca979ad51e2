import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobContext } from '../../src/jobs/runner.js';
import { type FakeClockify, createFakeClockify } from '../../tools/fake-clockify/server.js';
import { type TestApp, buildTestApp, hexId } from '../helpers/build-test-app.js';
import { installAgainstFake } from '../helpers/clockify.js';
import { type Api, flowsApi, tagFlow } from '../helpers/flows.js';
import { manualClock } from '../helpers/jobs.js';
import { postClockify, samplePayload, seedWebhookTokens } from '../helpers/webhooks.js';

/** The executions admin API: lists and traces, retry, replays, dashboard stats, retention, isolation. */
const clock = manualClock(new Date('2026-06-01T10:00:00Z'));
const W = Array.from({ length: 8 }, () => hexId());
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
/** Runs queued jobs of `name` by hand until none is left (deleting each, as completing it would). */
async function drain(ws: string, name: string) {
  for (;;) {
    const jobs = await t.db.prisma.job.findMany({ where: { workspaceId: ws, name, status: 'queued' } });
    if (jobs.length === 0) return;
    for (const j of jobs) {
      await t.db.prisma.job.delete({ where: { id: j.id } });
      await t.deps.registry
        .get(name)!
        .handler(j.payload as never, ctxFor(ws))
        .catch(() => undefined);
    }
  }
}
const tagWrites = (ws: string) =>
  fake.recorded.filter((r) => r.workspaceId === ws && r.operationId === 'createNewTag');

/** A flow that reads a project, then writes a tag named after it. */
const twoStep = (projectId: string) => ({
  version: 1,
  name: 'two steps',
  trigger: { sources: ['clockify'], events: ['NEW_PROJECT'] },
  actions: [
    { id: 'read', type: 'clockify', operationId: 'getProject', pathParams: { projectId } },
    {
      id: 'tag',
      type: 'clockify',
      operationId: 'createNewTag',
      body: { name: '{{ actions.read.body.name }}' },
    },
  ],
});

describe('executions API', () => {
  it('lists with filters and a cursor, and shows the step trace', async () => {
    const { ws, token } = await workspace();
    const flowId = await createFlow(ws, tagFlow());
    for (let i = 0; i < 3; i++) {
      await sendEvent(ws, token, { name: `p${i}` });
      clock.advance(1_000);
    }
    await drain(ws, 'event.process');
    await drain(ws, 'flow.execute');
    const first = await api(ws, 'GET', '/ui/executions?limit=2');
    const p1 = first.json<{ items: { id: string; status: string }[]; nextCursor: string }>();
    expect(p1.items).toHaveLength(2);
    const second = await api(ws, 'GET', `/ui/executions?limit=2&cursor=${p1.nextCursor}`);
    const p2 = second.json<{ items: { id: string }[]; nextCursor: string | null }>();
    expect(p2.items).toHaveLength(1);
    expect(p2.nextCursor).toBeNull();
    expect(new Set([...p1.items, ...p2.items].map((e) => e.id)).size).toBe(3);
    const ok = await api(ws, 'GET', `/ui/flows/${flowId}/executions?status=succeeded`);
    expect(ok.json<{ items: unknown[] }>().items).toHaveLength(3);
    expect(
      (await api(ws, 'GET', '/ui/executions?status=failed')).json<{ items: unknown[] }>().items,
    ).toHaveLength(0);
    expect((await api(ws, 'GET', '/ui/executions?cursor=garbage')).statusCode).toBe(400);

    const detail = await api(ws, 'GET', `/ui/executions/${p1.items[0]!.id}`);
    expect(detail.statusCode).toBe(200);
    const d = detail.json<{ steps: { actionId: string; state: string; request: { body: unknown } }[] }>();
    expect(d.steps).toHaveLength(1);
    expect(d.steps[0]).toMatchObject({
      actionId: 'tag',
      state: 'succeeded',
      request: { body: { name: 'project p2' } },
    });

    const dash = await api(ws, 'GET', '/ui/dashboard');
    expect(dash.statusCode, dash.body).toBe(200);
    expect(dash.json<{ flows: { last24h: Record<string, number> } }>().flows.last24h).toEqual({
      succeeded: 3,
    });
  });

  it('retries from the failed step (reusing earlier outputs) or from the start', async () => {
    const { ws, token } = await workspace();
    const project = fake.data.get(ws)!.projects[0] as { id: string; name: string };
    await createFlow(ws, twoStep(project.id));
    fake.setFault({ operationId: 'createNewTag', status: 400, times: 1 });
    await sendEvent(ws, token);
    await drain(ws, 'event.process');
    await drain(ws, 'flow.execute');
    const [failed] = (await api(ws, 'GET', '/ui/executions?status=failed')).json<{
      items: { id: string }[];
    }>().items;
    expect(failed).toBeDefined();
    const reads = () => fake.stats.requests(ws).filter((r) => r.operationId === 'getProject').length;
    const readsBefore = reads();

    const retried = await api(ws, 'POST', `/ui/executions/${failed!.id}/retry`, { from: 'failed-step' });
    expect(retried.statusCode, retried.body).toBe(202);
    const r = retried.json<{ id: string; replayOf: string; origin: string }>();
    expect(r).toMatchObject({ replayOf: failed!.id, origin: 'retry' });
    await drain(ws, 'flow.execute');
    const detail = (await api(ws, 'GET', `/ui/executions/${r.id}`)).json<{
      status: string;
      steps: { actionId: string; copiedFrom: string | null }[];
    }>();
    expect(detail.status).toBe('succeeded');
    expect(detail.steps.map((s) => [s.actionId, s.copiedFrom !== null])).toEqual([
      ['read', true],
      ['tag', false],
    ]);
    expect(reads()).toBe(readsBefore);
    expect(tagWrites(ws).at(-1)?.body).toEqual({ name: project.name });

    const again = await api(ws, 'POST', `/ui/executions/${failed!.id}/retry`, {
      from: 'start',
      version: 'current',
    });
    expect(again.statusCode).toBe(202);
    await drain(ws, 'flow.execute');
    expect(reads()).toBe(readsBefore + 1);
    expect((await api(ws, 'POST', `/ui/executions/${failed!.id}/retry`, { from: 'nope' })).statusCode).toBe(
      400,
    );
  });

  it('replays one stored event through the current flows, and a flow over stored events as a job with progress', async () => {
    const { ws, token } = await workspace();
    for (let i = 0; i < 130; i++) await sendEvent(ws, token, { name: `old${i}` });
    // Stored before any flow existed: processing them creates nothing.
    await drain(ws, 'event.process');
    const flowId = await createFlow(ws, tagFlow());
    expect(await t.db.prisma.flowExecution.count({ where: { workspaceId: ws } })).toBe(0);
    const [event] = await t.db.prisma.webhookEvent.findMany({ where: { workspaceId: ws }, take: 1 });
    const one = await api(ws, 'POST', `/ui/webhooks/${event!.id}/replay`);
    expect(one.statusCode, one.body).toBe(202);
    expect(one.json<{ executions: string[] }>().executions).toHaveLength(1);
    const twice = await api(ws, 'POST', `/ui/webhooks/${event!.id}/replay`);
    expect(twice.json<{ executions: string[] }>().executions).toHaveLength(1);

    const started = await api(ws, 'POST', `/ui/flows/${flowId}/replay`, {
      eventTypes: ['NEW_PROJECT'],
      limit: 120,
    });
    expect(started.statusCode, started.body).toBe(202);
    const replay = started.json<{ id: string; status: string }>();
    expect(replay.status).toBe('running');
    await drain(ws, 'flow.replay');
    const progress = await api(ws, 'GET', `/ui/flows/${flowId}/replays/${replay.id}`);
    expect(progress.json()).toMatchObject({ status: 'succeeded', scanned: 120, executions: 120 });
    const replays = await t.db.prisma.flowExecution.count({ where: { workspaceId: ws, origin: 'replay' } });
    expect(replays).toBe(122);
    expect((await api(ws, 'POST', `/ui/webhooks/evt_doesnotexist000000/replay`)).statusCode).toBe(404);
  });

  it("hides another workspace's executions, events and replays (404)", async () => {
    const { ws, token } = await workspace();
    const { ws: other } = await workspace();
    const flowId = await createFlow(ws, tagFlow());
    await sendEvent(ws, token);
    await drain(ws, 'event.process');
    const exec = await t.db.prisma.flowExecution.findFirstOrThrow({ where: { workspaceId: ws } });
    const event = await t.db.prisma.webhookEvent.findFirstOrThrow({ where: { workspaceId: ws } });
    await drain(ws, 'flow.execute');
    for (const [m, u] of [
      ['GET', `/ui/executions/${exec.id}`],
      ['POST', `/ui/executions/${exec.id}/retry`],
      ['POST', `/ui/webhooks/${event.id}/replay`],
      ['GET', `/ui/flows/${flowId}/executions`],
      ['POST', `/ui/flows/${flowId}/replay`],
    ] as const) {
      const r = await api(other, m, u, m === 'POST' ? {} : undefined);
      expect(r.statusCode, `${m} ${u}`).toBe(404);
    }
    expect((await api(other, 'GET', '/ui/executions')).json<{ items: unknown[] }>().items).toEqual([]);
    expect((await api(ws, 'POST', `/ui/executions/${exec.id}/retry`, {}, 'USER')).statusCode).toBe(403);
  });

  it('prunes executions and their steps past the retention setting', async () => {
    const { ws, token } = await workspace();
    await createFlow(ws, tagFlow());
    await sendEvent(ws, token);
    await drain(ws, 'event.process');
    await drain(ws, 'flow.execute');
    expect(await t.db.prisma.flowStep.count({ where: { workspaceId: ws } })).toBe(1);
    const repo = t.deps.modules.flows.executionsRepo;
    expect(
      await repo.pruneExpired(
        [{ workspaceId: ws, days: 30 }],
        new Date(clock.now().getTime() + 29 * 86_400_000),
      ),
    ).toBe(0);
    expect(
      await repo.pruneExpired(
        [{ workspaceId: ws, days: 30 }],
        new Date(clock.now().getTime() + 31 * 86_400_000),
      ),
    ).toBe(1);
    expect(await t.db.prisma.flowStep.count({ where: { workspaceId: ws } })).toBe(0);
  });
});
