import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RetryAt } from '../../src/jobs/catalog.js';
import type { JobContext } from '../../src/jobs/runner.js';
import { runClaimRead, runStateFromClaimRead } from '../../src/modules/flows/executions.repo.js';
import { type FakeClockify, createFakeClockify } from '../../tools/fake-clockify/server.js';
import { type TestApp, buildTestApp, hexId } from '../helpers/build-test-app.js';
import { installAgainstFake } from '../helpers/clockify.js';
import { createEndpoint } from '../helpers/delivery.js';
import { type Api, flowsApi, tagFlow } from '../helpers/flows.js';
import { manualClock } from '../helpers/jobs.js';
import { waitFor } from '../helpers/wait-for.js';
import { postClockify, samplePayload, seedWebhookTokens } from '../helpers/webhooks.js';

/**
 * The engine end to end: a Clockify event → event.process → the flows processor → flow.execute → the fake
 * Clockify (or a local HTTP receiver). Jobs are run by hand here (through their real bindings), except in
 * the first test, so each test decides what happens between two attempts; the clock is a manual one.
 */
const clock = manualClock(new Date('2026-06-01T10:00:00Z'));
const W = Array.from({ length: 14 }, () => hexId());
let t: TestApp;
let api: Api;
let fake: FakeClockify;
let receiver: Server;
let receiverUrl: string;
/** What the local receiver answers next (a queue; then 200 {ok:true}), and what it got. */
const answers: { status: number; headers?: Record<string, string>; body?: unknown }[] = [];
const received: { method: string; url: string; headers: Record<string, unknown>; body: string }[] = [];

beforeAll(async () => {
  t = await buildTestApp({
    clock,
    env: { OUTBOUND_ALLOW_CIDRS: '127.0.0.1/32', OUTBOUND_ALLOW_HTTP: 'true', OUTBOUND_ALLOWED_PORTS: '*' },
  });
  api = flowsApi(t);
  fake = await createFakeClockify({
    workspaces: W.map((id) => ({ id, tokens: [`unused-${id}`], counts: { projects: 2, tags: 1 } })),
    acceptInstallationTokens: true,
    rateLimitPerSecond: 10_000,
  });
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const a = answers.shift() ?? { status: 200, body: { ok: true } };
      res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
      res.end(JSON.stringify(a.body ?? {}));
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterEach(async () => {
  fake.clearFaults();
  answers.length = 0;
  received.length = 0;
  t.deps.modules.flows.hooks.afterCall = undefined;
  await t.deps.runner.stop(5_000);
});
afterAll(async () => {
  await t.close();
  await fake.close();
  await new Promise((r) => receiver.close(r));
});

let wsIndex = 0;
async function workspace(settings: { id: string; value: unknown }[] = []) {
  const ws = W[wsIndex++]!;
  await installAgainstFake(t, fake, ws, settings);
  // The installation's set-up (bootstrap) is not under test: keep its jobs out of the way.
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

let jobSeq = 0;
const ctxFor = (ws: string, attempt = 1): JobContext => ({
  jobId: `hand-${jobSeq++}`,
  attempt,
  workspaceId: ws,
  log: t.deps.log,
  signal: new AbortController().signal,
});

/** Runs every queued job of `name` of the workspace once by hand (deleting it, as the runner would complete it). */
async function runJobs(ws: string, name: string, attempt = 1): Promise<unknown[]> {
  const jobs = await t.db.prisma.job.findMany({ where: { workspaceId: ws, name, status: 'queued' } });
  const thrown: unknown[] = [];
  for (const j of jobs) {
    await t.db.prisma.job.delete({ where: { id: j.id } });
    try {
      await t.deps.registry.get(name)!.handler(j.payload, ctxFor(ws, attempt));
    } catch (err) {
      thrown.push(err);
    }
  }
  return thrown;
}
const executions = (ws: string) =>
  t.db.prisma.flowExecution.findMany({ where: { workspaceId: ws }, orderBy: { createdAt: 'asc' } });
const steps = (executionId: string) =>
  t.db.prisma.flowStep.findMany({
    where: { executionId },
    orderBy: [{ actionIndex: 'asc' }, { attempt: 'asc' }],
  });
const tagWrites = (ws: string) =>
  fake.recorded.filter((r) => r.workspaceId === ws && r.operationId === 'createNewTag');

/** Runs one execution's flow.execute job by hand: returns what it threw (RetryAt …) or undefined. */
async function execute(ws: string, executionId: string, attempt = 1) {
  try {
    await t.deps.modules.flows.executor.execute({ workspaceId: ws, executionId }, ctxFor(ws, attempt));
    return undefined;
  } catch (err) {
    return err;
  }
}

describe('flow engine', () => {
  it('runs a flow for a Clockify event: the fake Clockify receives the rendered body (real runner)', async () => {
    const { ws, token } = await workspace();
    const flowId = await createFlow(ws, tagFlow());
    await sendEvent(ws, token, { name: 'Apollo' });
    t.deps.runner.start();
    const [exec] = await waitFor(
      async () => {
        const e = await executions(ws);
        return e.length === 1 && e[0]!.status === 'succeeded' ? e : null;
      },
      { what: 'execution succeeded', timeoutMs: 30_000 },
    );
    expect(exec).toMatchObject({ flowId, version: 1, origin: 'event', status: 'succeeded' });
    const writes = tagWrites(ws);
    expect(writes).toHaveLength(1);
    expect(writes[0]?.body).toEqual({ name: 'project Apollo' });
    const [step] = await steps(exec!.id);
    expect(step).toMatchObject({ actionId: 'tag', state: 'succeeded', status: 201, attempt: 1 });
    expect(step?.idempotencyKey).toBe(`${exec!.id}:tag`);
  });

  it("completes the job in the last step's own statement: no separate completion, the lease ended once (real runner)", async () => {
    const { ws, token } = await workspace();
    await createFlow(ws, tagFlow());
    const sql = t.deps.db.sql;
    const inner = sql.prepared.bind(sql);
    const calls: { name: string; params: unknown[] }[] = [];
    sql.prepared = async <T>(name: string, text: string, params: unknown[]) => {
      calls.push({ name, params });
      return inner<T>(name, text, params);
    };
    try {
      await sendEvent(ws, token, { name: 'Hermes' });
      t.deps.runner.start();
      const job = await waitFor(
        async () => {
          const [j] = await t.db.prisma.job.findMany({ where: { workspaceId: ws, name: 'flow.execute' } });
          return j?.status === 'succeeded' ? j : null;
        },
        { what: 'flow.execute job succeeded', timeoutMs: 30_000 },
      );
      expect(job).toMatchObject({ lockedBy: null, lockedUntil: null, attempts: 1 });
      expect((await executions(ws))[0]?.status).toBe('succeeded');
      const completions = calls.filter((c) => c.name.startsWith('job_complete'));
      const ids = completions.flatMap((c) => (Array.isArray(c.params[0]) ? c.params[0] : [c.params[0]]));
      expect(ids).not.toContain(job.id);
      // The settle statement carried the job: it is the one that ended it.
      const settles = calls.filter((c) => c.name.startsWith('flow_step_settle'));
      expect(settles.some((c) => String(c.params[0]).includes(job.id))).toBe(true);
    } finally {
      sql.prepared = inner;
    }
  });

  it('reads an execution’s run in the job claim’s statement: no run load of its own once the definition is known (real runner)', async () => {
    const { ws, token } = await workspace();
    await createFlow(ws, tagFlow());
    const sql = t.deps.db.sql;
    const inner = sql.prepared.bind(sql);
    const calls: string[] = [];
    sql.prepared = async <T>(name: string, text: string, params: unknown[]) => {
      calls.push(name);
      return inner<T>(name, text, params);
    };
    const succeeded = (n: number) =>
      waitFor(
        async () => {
          const e = await executions(ws);
          return e.length === n && e.every((x) => x.status === 'succeeded') ? e : null;
        },
        { what: `${n} executions succeeded`, timeoutMs: 30_000 },
      );
    try {
      t.deps.runner.start();
      await sendEvent(ws, token, { name: 'First' });
      await succeeded(1); // its run loads the version's definition
      calls.length = 0;
      await sendEvent(ws, token, { name: 'Second' });
      await succeeded(2);
      expect(calls.some((n) => /^job_claim_v\d+_r/.test(n))).toBe(true);
      expect(calls.filter((n) => n.startsWith('flow_run_load'))).toEqual([]);
    } finally {
      sql.prepared = inner;
    }
    expect(tagWrites(ws)).toHaveLength(2);
    // What the claim read finds is what the run load reads (steps included), less the definition.
    for (const e of await executions(ws)) {
      const [row] = await t.db.sql.query<{ data: unknown }>(
        `WITH r(job_id, data) AS (${runClaimRead(`(SELECT 'j'::text AS id, $1::jsonb AS payload, $2::text AS workspace_id)`)})
         SELECT data FROM r`,
        [JSON.stringify({ workspaceId: ws, executionId: e.id }), ws],
      );
      const loaded = await t.deps.modules.flows.executionsRepo.runState(ws, e.id, false);
      expect(loaded?.steps).toHaveLength(1);
      expect(runStateFromClaimRead(row!.data)).toEqual(loaded);
    }
  });

  it('creates exactly one execution per (event, flow) when event.process runs twice; skips are counted', async () => {
    const { ws, token } = await workspace();
    await createFlow(ws, tagFlow());
    await createFlow(
      ws,
      tagFlow({
        name: 'never',
        conditions: { mode: 'ALL', rules: [{ path: '$.webhook.name', op: '==', value: 'nope' }] },
      }),
    );
    await sendEvent(ws, token, { name: 'Twice' });
    const [job] = await t.db.prisma.job.findMany({ where: { workspaceId: ws, name: 'event.process' } });
    const handler = t.deps.registry.get('event.process')!.handler;
    await handler(job!.payload, ctxFor(ws));
    await t.db.prisma.webhookEvent.updateMany({ where: { workspaceId: ws }, data: { status: 'queued' } });
    await handler(job!.payload, ctxFor(ws, 2));
    expect(await executions(ws)).toHaveLength(1);
    expect(await t.db.prisma.job.count({ where: { workspaceId: ws, name: 'flow.execute' } })).toBe(1);
    const skips = await t.db.prisma.flowSkipCount.findMany({ where: { workspaceId: ws } });
    expect(skips.reduce((n, s) => n + Number(s.skipped), 0)).toBe(2);
    await runJobs(ws, 'flow.execute');
    await runJobs(ws, 'flow.execute');
    expect(tagWrites(ws)).toHaveLength(1);
  });

  it('runs at once share statements without mixing rows up: one execution per (event, flow), each its own call and outcome', async () => {
    const { ws, token } = await workspace();
    await createFlow(ws, tagFlow());
    const names = ['A', 'B', 'C', 'D', 'E', 'F'];
    for (const name of names) await sendEvent(ws, token, { name });
    const processJobs = await t.db.prisma.job.findMany({ where: { workspaceId: ws, name: 'event.process' } });
    const processEvents = t.deps.registry.get('event.process')!.handler;
    // Four runs of each event.process job at once: inserts that wait for a statement in flight go out
    // together in the next one, some holding the same (event, flow) pair twice.
    await Promise.all(
      [1, 2, 3, 4].flatMap((n) => processJobs.map((j) => processEvents(j.payload, ctxFor(ws, n)))),
    );
    const made = await executions(ws);
    expect(made).toHaveLength(names.length);
    const jobs = await t.db.prisma.job.findMany({ where: { workspaceId: ws, name: 'flow.execute' } });
    expect(jobs).toHaveLength(names.length);
    // Every execution's job at once: loads, step writes and outcomes are batched across them.
    await t.db.prisma.job.deleteMany({ where: { workspaceId: ws, name: 'flow.execute' } });
    const executeJob = t.deps.registry.get('flow.execute')!.handler;
    await Promise.all(jobs.map((j) => executeJob(j.payload, ctxFor(ws))));
    expect(
      tagWrites(ws)
        .map((w) => (w.body as { name: string }).name)
        .sort(),
    ).toEqual(names.map((n) => `project ${n}`));
    for (const e of await executions(ws)) {
      expect(e.status).toBe('succeeded');
      expect(e.startedAt).not.toBeNull();
      expect(e.finishedAt).not.toBeNull();
      const [step, ...more] = await steps(e.id);
      expect(more).toEqual([]);
      const name = (e.event as { payload: { name: string } }).payload.name;
      expect(step).toMatchObject({
        state: 'succeeded',
        status: 201,
        idempotencyKey: `${e.id}:tag`,
        responseBody: expect.objectContaining({ name: `project ${name}` }),
      });
      expect(step!.request).toMatchObject({ operationId: 'createNewTag', body: { name: `project ${name}` } });
    }
  });

  it('a disabled flow, a deleted flow and flows_enabled=false produce nothing', async () => {
    const { ws, token } = await workspace([{ id: 'flows_enabled', value: false }]);
    await createFlow(ws, tagFlow());
    await sendEvent(ws, token);
    await runJobs(ws, 'event.process');
    expect(await executions(ws)).toHaveLength(0);

    const other = await workspace();
    const a = await createFlow(other.ws, tagFlow());
    const b = await createFlow(other.ws, tagFlow());
    await api(other.ws, 'POST', `/ui/flows/${a}/disable`);
    await api(other.ws, 'DELETE', `/ui/flows/${b}`);
    await sendEvent(other.ws, other.token);
    await runJobs(other.ws, 'event.process');
    expect(await executions(other.ws)).toHaveLength(0);
  });

  it('sees a flow saved through another instance (generation counter), without a restart', async () => {
    const { ws, token } = await workspace();
    await sendEvent(ws, token);
    await runJobs(ws, 'event.process');
    expect(await executions(ws)).toHaveLength(0);
    // Another instance's save: written to the tables directly, as its repo would, bumping the counter.
    const id = await createFlow(ws, tagFlow());
    await t.db.prisma.flow.update({ where: { id }, data: { enabled: false } });
    await t.db.sql.query('UPDATE flow_workspace SET generation = generation + 1 WHERE workspace_id = $1', [
      ws,
    ]);
    await sendEvent(ws, token);
    await runJobs(ws, 'event.process');
    expect(await executions(ws)).toHaveLength(0);
    await t.db.prisma.flow.update({ where: { id }, data: { enabled: true } });
    await t.db.sql.query('UPDATE flow_workspace SET generation = generation + 1 WHERE workspace_id = $1', [
      ws,
    ]);
    await sendEvent(ws, token);
    await runJobs(ws, 'event.process');
    expect(await executions(ws)).toHaveLength(1);
  });

  it('chains results, honours `when`, and stops or continues on error', async () => {
    const { ws, token } = await workspace();
    const project = fake.data.get(ws)!.projects[0] as { id: string; name: string };
    await createFlow(ws, {
      version: 1,
      name: 'chain',
      trigger: { sources: ['clockify'], events: ['NEW_PROJECT'] },
      actions: [
        {
          id: 'read',
          type: 'clockify',
          operationId: 'getProject',
          pathParams: { projectId: '{{ webhook.pid }}' },
        },
        {
          id: 'skipme',
          type: 'clockify',
          operationId: 'createNewTag',
          when: { mode: 'ALL', rules: [{ path: '$.actions.read.status', op: '==', value: 500 }] },
          body: { name: 'never' },
        },
        {
          id: 'broken',
          type: 'http',
          method: 'POST',
          url: `${receiverUrl}/x`,
          body: { n: '{{ actions.read.body.name }}' },
          onError: 'continue',
        },
        {
          id: 'tag',
          type: 'clockify',
          operationId: 'createNewTag',
          body: { name: 'of {{ actions.read.body.name }}' },
        },
      ],
    });
    answers.push({ status: 400, body: { bad: true } });
    await sendEvent(ws, token, { pid: project.id });
    await runJobs(ws, 'event.process');
    const [exec] = await executions(ws);
    // flows_allow_http is off by default: the http step fails (blocked), onError continue goes on.
    expect(await execute(ws, exec!.id)).toBeUndefined();
    const s = await steps(exec!.id);
    expect(s.map((x) => [x.actionId, x.state, x.errorClass])).toEqual([
      ['read', 'succeeded', null],
      ['skipme', 'skipped', null],
      ['broken', 'failed', 'blocked'],
      ['tag', 'succeeded', null],
    ]);
    expect(tagWrites(ws).map((w) => w.body)).toEqual([{ name: `of ${project.name}` }]);
    expect((await executions(ws))[0]?.status).toBe('succeeded');

    // onError stop: a 4xx from Clockify fails the execution and the next action never runs.
    fake.setFault({ operationId: 'getProject', status: 404, times: 1 });
    await sendEvent(ws, token, { pid: project.id });
    await runJobs(ws, 'event.process');
    const second = (await executions(ws))[1]!;
    expect(await execute(ws, second.id)).toBeUndefined();
    expect((await t.db.prisma.flowExecution.findUnique({ where: { id: second.id } }))?.status).toBe('failed');
    expect((await steps(second.id)).map((x) => x.actionId)).toEqual(['read']);
  });

  it('stores an answer PostgreSQL cannot hold as is (a NUL in the body): the outcome is recorded, not lost', async () => {
    const { ws, token } = await workspace([{ id: 'flows_allow_http', value: true }]);
    await createFlow(ws, {
      version: 1,
      name: 'nul',
      trigger: { sources: ['clockify'], events: ['NEW_PROJECT'] },
      actions: [{ id: 'post', type: 'http', method: 'POST', url: `${receiverUrl}/nul`, body: { a: 1 } }],
    });
    answers.push({ status: 200, body: { note: 'a\u0000b' } });
    await sendEvent(ws, token);
    await runJobs(ws, 'event.process');
    const [exec] = await executions(ws);
    expect(await execute(ws, exec!.id)).toBeUndefined();
    expect(received).toHaveLength(1);
    expect((await executions(ws))[0]?.status).toBe('succeeded');
    const [step] = await steps(exec!.id);
    expect(step).toMatchObject({ state: 'succeeded', status: 200, responseBody: { note: 'a\ufffdb' } });
  });

  it('a failed execution emits flow.execution.failed once, with the failure, also when its job runs again', async () => {
    const { ws, token } = await workspace([{ id: 'flows_allow_http', value: true }]);
    const watcher = await createEndpoint(t, ws, {
      url: `${receiverUrl}/watch`,
      eventTypes: ['flow.execution.failed'],
    });
    const flowId = await createFlow(ws, {
      version: 1,
      name: 'fails',
      trigger: { sources: ['clockify'], events: ['NEW_PROJECT'] },
      actions: [{ id: 'post', type: 'http', method: 'POST', url: `${receiverUrl}/no`, body: { a: 1 } }],
    });
    answers.push({ status: 400, body: { bad: true } });
    await sendEvent(ws, token);
    await runJobs(ws, 'event.process');
    const [exec] = await executions(ws);
    expect(await execute(ws, exec!.id)).toBeUndefined();
    expect(await execute(ws, exec!.id, 2)).toBeUndefined(); // ended: nothing again
    expect((await executions(ws))[0]).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('HTTP 400'),
    });
    const messages = await t.db.prisma.webhookMessage.findMany({ where: { endpointId: watcher.id } });
    expect(messages.map((m) => m.eventType)).toEqual(['flow.execution.failed']);
    expect(JSON.parse(messages[0]!.body)).toMatchObject({
      data: {
        flowId,
        executionId: exec!.id,
        error: expect.stringContaining("action 'post' failed: HTTP 400"),
      },
    });
  });

  it('retries a failed action on a fake clock, honouring Retry-After, with the idempotency key as a header', async () => {
    const { ws, token } = await workspace([{ id: 'flows_allow_http', value: true }]);
    await createFlow(ws, {
      version: 1,
      name: 'http',
      trigger: { sources: ['clockify'], events: ['NEW_PROJECT'] },
      actions: [
        {
          id: 'post',
          type: 'http',
          method: 'POST',
          url: `${receiverUrl}/hook/{{ webhook.id }}`,
          headers: { authorization: 'Bearer secret-value' },
          body: { name: '{{ webhook.name }}' },
          retry: { attempts: 3, backoff: 'exponential', delayMs: 1000 },
        },
      ],
    });
    answers.push(
      { status: 503 },
      { status: 429, headers: { 'retry-after': '120' } },
      { status: 200, body: { id: 'r1' } },
    );
    await sendEvent(ws, token, { name: 'Retry me' });
    await runJobs(ws, 'event.process');
    const [exec] = await executions(ws);
    const t0 = clock.now().getTime();
    const first = await execute(ws, exec!.id);
    expect(first).toBeInstanceOf(RetryAt);
    const at1 = (first as RetryAt).at.getTime() - t0;
    expect(at1).toBeGreaterThanOrEqual(750);
    expect(at1).toBeLessThanOrEqual(1250);
    expect((await executions(ws))[0]?.status).toBe('waiting');
    clock.advance(at1);
    const second = await execute(ws, exec!.id, 2);
    expect(second).toBeInstanceOf(RetryAt);
    expect((second as RetryAt).at.getTime() - clock.now().getTime()).toBeGreaterThanOrEqual(120_000);
    clock.advance(120_000);
    expect(await execute(ws, exec!.id, 3)).toBeUndefined();
    expect((await executions(ws))[0]?.status).toBe('succeeded');
    expect(received).toHaveLength(3);
    expect(new Set(received.map((r) => r.headers['idempotency-key']))).toEqual(new Set([`${exec!.id}:post`]));
    const s = await steps(exec!.id);
    expect(s.map((x) => [x.attempt, x.state, x.status])).toEqual([
      [1, 'failed', 503],
      [2, 'failed', 429],
      [3, 'succeeded', 200],
    ]);
    expect(JSON.stringify(s[0]?.request)).not.toContain('secret-value');
    expect(s[2]?.responseBody).toEqual({ id: 'r1' });
  });

  it("waits for a Clockify 429's Retry-After before the next attempt of a Clockify action", async () => {
    const { ws, token } = await workspace();
    await createFlow(ws, tagFlow());
    fake.setFault({ operationId: 'createNewTag', status: 429, headers: { 'retry-after': '90' }, times: 1 });
    await sendEvent(ws, token, { name: 'Rate limited' });
    await runJobs(ws, 'event.process');
    const [exec] = await executions(ws);
    const first = await execute(ws, exec!.id);
    expect(first).toBeInstanceOf(RetryAt);
    expect((first as RetryAt).at.getTime() - clock.now().getTime()).toBeGreaterThanOrEqual(90_000);
    clock.advance(90_000);
    expect(await execute(ws, exec!.id, 2)).toBeUndefined();
    expect((await executions(ws))[0]?.status).toBe('succeeded');
    expect((await steps(exec!.id)).map((x) => [x.attempt, x.state, x.status])).toEqual([
      [1, 'failed', 429],
      [2, 'succeeded', 201],
    ]);
  });

  it('a crash between call and outcome: a write is not sent again (outcome_unknown), a read is called again', async () => {
    const { ws, token } = await workspace();
    await createFlow(ws, tagFlow());
    await sendEvent(ws, token, { name: 'Crash' });
    await runJobs(ws, 'event.process');
    const [exec] = await executions(ws);
    t.deps.modules.flows.hooks.afterCall = () => {
      throw new Error('simulated kill -9 between call and outcome');
    };
    expect(String(await execute(ws, exec!.id))).toContain('simulated kill');
    t.deps.modules.flows.hooks.afterCall = undefined;
    expect(tagWrites(ws)).toHaveLength(1);
    expect(await execute(ws, exec!.id, 2)).toBeUndefined();
    expect(tagWrites(ws)).toHaveLength(1);
    const after = await t.db.prisma.flowExecution.findUnique({ where: { id: exec!.id } });
    expect(after?.status).toBe('outcome_unknown');
    expect((await steps(exec!.id)).map((s) => [s.state, s.errorClass])).toEqual([['failed', 'interrupted']]);

    // A GET found `started` is simply called again.
    const project = fake.data.get(ws)!.projects[0] as { id: string };
    await createFlow(ws, {
      version: 1,
      name: 'read',
      trigger: { sources: ['clockify'], events: ['NEW_PROJECT'] },
      actions: [
        { id: 'read', type: 'clockify', operationId: 'getProject', pathParams: { projectId: project.id } },
      ],
    });
    await sendEvent(ws, token, { name: 'Crash read' });
    await runJobs(ws, 'event.process');
    const read = (await executions(ws)).find((e) => e.flowId !== exec!.flowId)!;
    let crashed = false;
    t.deps.modules.flows.hooks.afterCall = () => {
      if (!crashed) {
        crashed = true;
        throw new Error('simulated kill -9');
      }
    };
    await execute(ws, read.id);
    expect(await execute(ws, read.id, 2)).toBeUndefined();
    expect((await t.db.prisma.flowExecution.findUnique({ where: { id: read.id } }))?.status).toBe(
      'succeeded',
    );
    expect((await steps(read.id)).map((s) => [s.attempt, s.state])).toEqual([
      [1, 'failed'],
      [2, 'succeeded'],
    ]);
  });
});
