/**
 * Outbound deliveries against local receivers (127.0.0.1, allow-listed exactly). The attempt job's
 * handler is called directly with a fake clock, so the schedule is checked without sleeping; the
 * runner is started only where the queue's caps are what is tested.
 */
import type { ServerResponse } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { Reschedule, RetryAt } from '../../src/jobs/catalog.js';
import { claim, enqueue } from '../../src/jobs/queue.js';
import { deliveryRecoverJob } from '../../src/modules/delivery/delivery.jobs.js';
import {
  attemptClaimRead,
  attemptsFromClaimReads,
  createHotPathRepo,
} from '../../src/modules/delivery/hot-path.repo.js';
import type { ProcessedEvent } from '../../src/modules/ingestion/event-processors.js';
import { newId } from '../../src/platform/ids.js';
import { type TestApp, buildTestApp, manualClock } from '../helpers/build-test-app.js';
import { install } from '../helpers/clockify.js';
import {
  type Receiver,
  adminHeaders,
  createEndpoint,
  firstJobOf,
  jobContext,
  receiverEnv,
  startReceiver,
} from '../helpers/delivery.js';
import { waitFor } from '../helpers/wait-for.js';

const clock = manualClock();
const START = clock.now().getTime();
let t: TestApp;
let rx: Receiver;
let rx2: Receiver;
let ws: string;

beforeAll(async () => {
  rx = await startReceiver();
  rx2 = await startReceiver();
  t = await buildTestApp({ clock, env: receiverEnv(rx, rx2) });
  ws = (await install(t)).workspaceId;
});
afterAll(async () => {
  await t.close();
  await rx.close();
  await rx2.close();
});
beforeEach(() => {
  // Tests move the clock by days; admin tokens are checked against it, so each test starts at the start.
  clock.advance(START - clock.now().getTime());
  rx.hits.length = 0;
  rx2.hits.length = 0;
  rx.respond = (_req, res) => res.end('ok');
  rx2.respond = (_req, res) => res.end('ok');
});

const prisma = () => t.db.prisma;
const delivery = () => t.deps.delivery;

function event(eventType: string, payload: unknown, workspaceId = ws): ProcessedEvent {
  return {
    id: newId('evt'),
    workspaceId,
    sourceKind: 'clockify',
    sourceId: null,
    eventType,
    payload,
    receivedAt: clock.now(),
  };
}

/** As an event.process job would: each fan-out is its own job (the processor reads endpoints once per job). */
async function fanOut(e: ProcessedEvent) {
  await delivery().processor.process(e, jobContext(newId('job'), e.workspaceId));
}

const messagesOf = (endpointId: string) =>
  prisma().webhookMessage.findMany({ where: { endpointId }, orderBy: { createdAt: 'asc' } });

/** Runs the scheduled attempt job of a message once, as the runner would; returns what it threw. */
async function attempt(messageId: string, jobId?: string): Promise<unknown> {
  const m = await prisma().webhookMessage.findUniqueOrThrow({ where: { id: messageId } });
  const job = jobId ?? m.jobId ?? (await prisma().job.findFirst(firstJobOf(messageId)))?.id ?? 'job_direct';
  try {
    await delivery().runAttempt({ workspaceId: m.workspaceId, messageId }, jobContext(job, m.workspaceId));
    return undefined;
  } catch (err) {
    return err;
  }
}

const signatureOf = (secret: string, hit: { headers: Record<string, unknown>; body: string }) =>
  new Webhook(secret).sign(
    String(hit.headers['webhook-id']),
    new Date(Number(hit.headers['webhook-timestamp']) * 1_000),
    hit.body,
  );

describe('fan-out and signing', () => {
  it('creates one message per (event, endpoint), signed so standardwebhooks verifies it', async () => {
    const ep = await createEndpoint(t, ws, { url: rx.url, eventTypes: ['TIME_ENTRY_*', 'NEW_TIME_ENTRY'] });
    const other = await createEndpoint(t, ws, { url: rx.url, eventTypes: ['NEW_PROJECT'] });
    const e = event('NEW_TIME_ENTRY', { id: 'te1', description: 'x' });
    await fanOut(e);
    await fanOut(e); // at-least-once processing: the unique key keeps it one message
    const msgs = await messagesOf(ep.id);
    expect(msgs).toHaveLength(1);
    expect(await messagesOf(other.id)).toHaveLength(0);
    const job = await prisma().job.findFirstOrThrow(firstJobOf(msgs[0]!.id));
    expect(job).toMatchObject({
      lane: 'normal',
      fairKey: `endpoint:${ep.id}`,
      concurrencyKey: `endpoint:${ep.id}`,
      concurrencyLimit: 10,
    });
    // The fan-out gives the message to its job, so the job's claim of it writes nothing; a job that does
    // not own it (an old one, after a manual retry gave it a new job) sends nothing.
    expect(msgs[0]!.jobId).toBe(job.id);
    expect(await attempt(msgs[0]!.id, 'job_not_the_owner')).toBeUndefined();
    expect(rx.hits).toHaveLength(0);

    expect(await attempt(msgs[0]!.id)).toBeUndefined();
    expect(rx.hits).toHaveLength(1);
    const hit = rx.hits[0]!;
    const payload = new Webhook(ep.secret).verify(hit.body, hit.headers as Record<string, string>);
    expect(payload).toEqual({
      type: 'NEW_TIME_ENTRY',
      timestamp: e.receivedAt.toISOString(),
      workspaceId: ws,
      data: { id: 'te1', description: 'x' },
    });
    expect(hit.headers['webhook-id']).toBe(msgs[0]!.id);
    expect(hit.headers['content-type']).toBe('application/json');

    const detail = await t.app.inject({
      method: 'GET',
      url: `/ui/messages/${msgs[0]!.id}`,
      headers: await adminHeaders(t, ws),
    });
    expect(detail.json()).toMatchObject({
      status: 'delivered',
      attempts: 1,
      attemptList: [{ status: 200, errorClass: null, responseBody: 'ok', address: `127.0.0.1:${rx.port}` }],
    });
  });

  it('one claim of several messages per endpoint signs each with its own endpoint and secret', async () => {
    await prisma().webhookEndpoint.deleteMany({ where: { workspaceId: ws } });
    const a = await createEndpoint(t, ws, { url: rx.url, eventTypes: ['NEW_CLIENT'] });
    const b = await createEndpoint(t, ws, { url: rx2.url, eventTypes: ['NEW_CLIENT'] });
    for (let i = 0; i < 3; i++) await fanOut(event('NEW_CLIENT', { n: i }));
    const all = [...(await messagesOf(a.id)), ...(await messagesOf(b.id))];
    expect(all).toHaveLength(6);
    // All six attempts in one batch, as one claim hands them to the handler: the endpoint and its
    // secrets are read once per endpoint (hot-path.repo.ts) and must reach every message of it.
    const results = await Promise.all(
      delivery().runAttempts(
        all.map((m) => ({
          payload: { workspaceId: ws, messageId: m.id },
          ctx: jobContext(m.jobId!, ws),
        })),
      ),
    );
    expect(results).toHaveLength(6);
    for (const [r, ep, n] of [
      [rx, a, 3],
      [rx2, b, 3],
    ] as const) {
      expect(r.hits).toHaveLength(n);
      for (const hit of r.hits)
        expect(() =>
          new Webhook(ep.secret).verify(hit.body, hit.headers as Record<string, string>),
        ).not.toThrow();
    }
    expect(new Set([...rx.hits, ...rx2.hits].map((h) => h.headers['webhook-id']))).toEqual(
      new Set(all.map((m) => m.id)),
    );
    for (const m of all)
      expect((await prisma().webhookMessage.findUniqueOrThrow({ where: { id: m.id } })).status).toBe(
        'delivered',
      );
  });

  it('applies the filter and the transformation (flows language), and previews them', async () => {
    const ep = await createEndpoint(t, ws, {
      url: rx.url,
      eventTypes: ['NEW_PROJECT'],
      filter: { mode: 'ALL', rules: [{ path: '$.webhook.billable', op: '==', value: true }] },
      transformation: {
        project: '{{ webhook.name }}',
        kind: '{{ event.type | lower }}',
        ws: '{{ workspace.id }}',
      },
    });
    await fanOut(event('NEW_PROJECT', { name: 'Cheap', billable: false }));
    await fanOut(event('NEW_PROJECT', { name: 'Paid', billable: true }));
    const msgs = await messagesOf(ep.id);
    expect(msgs).toHaveLength(1);
    expect(JSON.parse(msgs[0]!.body)).toEqual({ project: 'Paid', kind: 'new_project', ws });

    const preview = await t.app.inject({
      method: 'POST',
      url: `/ui/endpoints/${ep.id}/preview`,
      headers: await adminHeaders(t, ws),
      payload: { source: 'sample' },
    });
    expect(preview.statusCode).toBe(200);
    expect(preview.json()).toEqual({
      items: [
        {
          eventId: null,
          eventType: 'NEW_PROJECT',
          source: 'clockify',
          matched: true,
          body: { project: 'Webhook Test Project', kind: 'new_project', ws },
          error: null,
        },
      ],
    });
    const tried = await t.app.inject({
      method: 'POST',
      url: `/ui/endpoints/${ep.id}/preview`,
      headers: await adminHeaders(t, ws),
      payload: { source: 'sample', transformation: { n: '{{ webhook.nope }}' } },
    });
    expect(tried.json<{ items: { error: string | null }[] }>().items[0]!.error).toMatch(/transformation/);
  });
});

describe('retries', () => {
  it('follows the schedule with a fake clock, then dead-letters and emits message.failed', async () => {
    const ep = await createEndpoint(t, ws, { url: rx.url, eventTypes: ['NEW_TAG'] });
    const watcher = await createEndpoint(t, ws, {
      url: rx2.url,
      eventTypes: ['message.failed'],
      sources: ['gateway'],
    });
    rx.respond = (_req, res) => {
      res.statusCode = 500;
      res.end('boom');
    };
    await fanOut(event('NEW_TAG', { id: 'tag' }));
    const [m] = await messagesOf(ep.id);
    const expected = [5, 300, 1_800, 7_200, 18_000, 36_000, 50_400, 72_000, 86_400];
    for (const [i, delayS] of expected.entries()) {
      const before = clock.now().getTime();
      const thrown = await attempt(m!.id);
      expect(thrown, `attempt ${i + 1}`).toBeInstanceOf(RetryAt);
      const wait = (thrown as RetryAt).at.getTime() - before;
      expect(wait).toBeGreaterThanOrEqual(delayS * 800);
      expect(wait).toBeLessThanOrEqual(delayS * 1_200);
      // Not due yet: the job only reschedules itself, no request.
      expect(await attempt(m!.id)).toBeInstanceOf(Reschedule);
      clock.advance(wait);
    }
    expect(await attempt(m!.id)).toBeUndefined();
    const dead = await prisma().webhookMessage.findUniqueOrThrow({ where: { id: m!.id } });
    expect(dead).toMatchObject({ status: 'failed', attempts: 10 });
    expect(rx.hits).toHaveLength(10);
    expect(new Set(rx.hits.map((h) => h.headers['webhook-id']))).toEqual(new Set([m!.id]));
    expect(new Set(rx.hits.map((h) => h.headers['webhook-timestamp'])).size).toBe(10);

    const [failed] = await messagesOf(watcher.id);
    expect(failed).toMatchObject({ eventType: 'message.failed' });
    expect(JSON.parse(failed!.body)).toMatchObject({
      type: 'message.failed',
      data: { messageId: m!.id, endpointId: ep.id, eventType: 'NEW_TAG', attempts: 10 },
    });
    await prisma().webhookEndpoint.delete({ where: { id: ep.id } });
    await prisma().webhookEndpoint.delete({ where: { id: watcher.id } });
  });

  it('honours Retry-After within the slot, and waits at least 60 s after a 429', async () => {
    const ep = await createEndpoint(t, ws, { url: rx.url, eventTypes: ['NEW_CLIENT'] });
    await fanOut(event('NEW_CLIENT', { id: 'c' }));
    const [m] = await messagesOf(ep.id);
    rx.respond = (_req, res) => {
      res.statusCode = 503;
      res.setHeader('retry-after', '2');
      res.end();
    };
    let now = clock.now().getTime();
    expect(((await attempt(m!.id)) as RetryAt).at.getTime() - now).toBe(2_000);
    clock.advance(2_000);
    rx.respond = (_req, res) => {
      res.statusCode = 429;
      res.setHeader('retry-after', '1');
      res.end();
    };
    now = clock.now().getTime();
    expect(((await attempt(m!.id)) as RetryAt).at.getTime() - now).toBe(60_000);
    await prisma().webhookEndpoint.delete({ where: { id: ep.id } });
  });

  it('410 disables the endpoint and emits endpoint.disabled to another endpoint', async () => {
    const ep = await createEndpoint(t, ws, { url: rx.url, eventTypes: ['NEW_TASK'] });
    const watcher = await createEndpoint(t, ws, {
      url: rx2.url,
      eventTypes: ['endpoint.*'],
      sources: ['gateway'],
    });
    rx.respond = (_req, res) => {
      res.statusCode = 410;
      res.end();
    };
    await fanOut(event('NEW_TASK', { id: 't' }));
    const [m] = await messagesOf(ep.id);
    expect(await attempt(m!.id)).toBeUndefined();
    expect(await prisma().webhookEndpoint.findUniqueOrThrow({ where: { id: ep.id } })).toMatchObject({
      status: 'disabled',
      disabledReason: 'the receiver answered 410 Gone',
    });
    const [disabled] = await messagesOf(watcher.id);
    expect(JSON.parse(disabled!.body)).toMatchObject({
      type: 'endpoint.disabled',
      data: { endpointId: ep.id },
    });
    // The gateway's event is itself delivered, signed.
    expect(await attempt(disabled!.id)).toBeUndefined();
    expect(rx2.hits[0]!.headers['webhook-signature']).toBe(signatureOf(watcher.secret, rx2.hits[0]!));
    // Disabled: no new messages.
    await fanOut(event('NEW_TASK', { id: 't2' }));
    expect(await messagesOf(ep.id)).toHaveLength(1);
    await prisma().webhookEndpoint.deleteMany({ where: { id: { in: [ep.id, watcher.id] } } });
  });

  it('disables an endpoint failing continuously for the window; a success resets it', async () => {
    const ep = await createEndpoint(t, ws, { url: rx.url, eventTypes: ['NEW_INVOICE'] });
    const watcher = await createEndpoint(t, ws, {
      url: rx2.url,
      eventTypes: ['endpoint.disabled'],
      sources: ['gateway'],
    });
    rx.respond = (_req, res) => {
      res.statusCode = 502;
      res.end();
    };
    await fanOut(event('NEW_INVOICE', { n: 1 }));
    const [m1] = await messagesOf(ep.id);
    await attempt(m1!.id);
    const started = (await prisma().webhookEndpoint.findUniqueOrThrow({ where: { id: ep.id } })).failingSince;
    expect(started).not.toBeNull();
    // A success resets the window.
    rx.respond = (_req, res) => res.end('ok');
    await fanOut(event('NEW_INVOICE', { n: 2 }));
    const m2 = (await messagesOf(ep.id)).find((m) => m.id !== m1!.id)!;
    await attempt(m2.id);
    expect(
      (await prisma().webhookEndpoint.findUniqueOrThrow({ where: { id: ep.id } })).failingSince,
    ).toBeNull();
    // Failing again, for 5 days (the default window): disabled at the first failure past it.
    rx.respond = (_req, res) => {
      res.statusCode = 502;
      res.end();
    };
    const events = [];
    for (let i = 0; i < 3; i++) {
      const e = event('NEW_INVOICE', { n: 10 + i });
      events.push(e);
      await fanOut(e);
    }
    const fresh = (await messagesOf(ep.id)).filter((m) => m.id !== m1!.id && m.id !== m2.id);
    await attempt(fresh[0]!.id);
    clock.advance(5 * 86_400_000 - 1_000);
    await attempt(fresh[1]!.id);
    expect((await prisma().webhookEndpoint.findUniqueOrThrow({ where: { id: ep.id } })).status).toBe(
      'enabled',
    );
    clock.advance(1_000);
    await attempt(fresh[2]!.id);
    expect(await prisma().webhookEndpoint.findUniqueOrThrow({ where: { id: ep.id } })).toMatchObject({
      status: 'disabled',
    });
    expect((await messagesOf(watcher.id)).map((m) => m.eventType)).toEqual(['endpoint.disabled']);
    await prisma().webhookEndpoint.deleteMany({ where: { id: { in: [ep.id, watcher.id] } } });
  });
});

describe('admin actions', () => {
  it('retries a dead-lettered message now, and recovers failed messages since a time', async () => {
    const ep = await createEndpoint(t, ws, { url: rx.url, eventTypes: ['TAG_UPDATED'] });
    rx.respond = (_req, res) => {
      res.statusCode = 500;
      res.end();
    };
    for (let i = 0; i < 3; i++) await fanOut(event('TAG_UPDATED', { i }));
    const msgs = await messagesOf(ep.id);
    // Dead-letter them quickly: the last attempt of the schedule.
    await prisma().webhookMessage.updateMany({ where: { endpointId: ep.id }, data: { attempts: 9 } });
    for (const m of msgs) expect(await attempt(m.id)).toBeUndefined();
    expect((await messagesOf(ep.id)).every((m) => m.status === 'failed')).toBe(true);

    rx.respond = (_req, res) => res.end('ok');
    const headers = await adminHeaders(t, ws);
    const retry = await t.app.inject({ method: 'POST', url: `/ui/messages/${msgs[0]!.id}/retry`, headers });
    expect(retry.statusCode).toBe(202);
    const job = await prisma().job.findUniqueOrThrow({
      where: { id: retry.json<{ jobId: string }>().jobId },
    });
    expect(job.lane).toBe('interactive');
    await delivery().runAttempt(job.payload as never, jobContext(job.id, ws));
    expect((await prisma().webhookMessage.findUniqueOrThrow({ where: { id: msgs[0]!.id } })).status).toBe(
      'delivered',
    );

    const rec = await t.app.inject({
      method: 'POST',
      url: `/ui/endpoints/${ep.id}/recover`,
      headers,
      payload: { since: new Date(clock.now().getTime() - 3_600_000).toISOString() },
    });
    expect(rec.statusCode).toBe(202);
    const recJob = await prisma().job.findUniqueOrThrow({
      where: { id: rec.json<{ jobId: string }>().jobId },
    });
    await delivery().runRecover(recJob.payload as never);
    const requeued = (await messagesOf(ep.id)).filter((m) => m.id !== msgs[0]!.id);
    expect(requeued.map((m) => [m.status, m.attempts])).toEqual([
      ['pending', 0],
      ['pending', 0],
    ]);
    for (const m of requeued) expect(await attempt(m.id)).toBeUndefined();
    expect((await messagesOf(ep.id)).every((m) => m.status === 'delivered')).toBe(true);
    // Same webhook-id on the recovered delivery as on the failed attempts.
    const ids = rx.hits.map((h) => h.headers['webhook-id']);
    for (const m of msgs) expect(ids.filter((id) => id === m.id).length).toBe(2);

    const list = await t.app.inject({
      method: 'GET',
      url: `/ui/endpoints/${ep.id}/messages?status=delivered&limit=2`,
      headers,
    });
    const page = list.json<{ items: { id: string }[]; nextCursor: string | null }>();
    expect(page.items).toHaveLength(2);
    const next = await t.app.inject({
      method: 'GET',
      url: `/ui/endpoints/${ep.id}/messages?status=delivered&limit=2&cursor=${page.nextCursor}`,
      headers,
    });
    expect(next.json<{ items: unknown[]; nextCursor: string | null }>()).toMatchObject({ nextCursor: null });
    expect(next.json<{ items: unknown[] }>().items).toHaveLength(1);
    const stats = await t.app.inject({ method: 'GET', url: `/ui/endpoints/${ep.id}/stats`, headers });
    expect(stats.json()).toMatchObject({ delivered: 3, failed: 0, pending: 0 });
    expect(stats.json<{ successRate24h: number }>().successRate24h).toBeCloseTo(3 / 6);
  });

  it('sends a signed test message now and returns the attempt', async () => {
    const ep = await createEndpoint(t, ws, { url: rx.url, eventTypes: ['*'] });
    const res = await t.app.inject({
      method: 'POST',
      url: `/ui/endpoints/${ep.id}/test`,
      headers: await adminHeaders(t, ws),
      payload: { eventType: 'NEW_PROJECT' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 200, errorClass: null, trigger: 'test' });
    const hit = rx.hits.at(-1)!;
    expect(new Webhook(ep.secret).verify(hit.body, hit.headers as Record<string, string>)).toMatchObject({
      type: 'NEW_PROJECT',
      data: { name: 'Webhook Test Project' },
    });
    const bad = await t.app.inject({
      method: 'POST',
      url: `/ui/endpoints/${ep.id}/test`,
      headers: await adminHeaders(t, ws),
      payload: { eventType: 'NOT_A_TYPE' },
    });
    expect(bad.statusCode).toBe(400);
    await prisma().webhookEndpoint.delete({ where: { id: ep.id } });
  });

  it('signs with both secrets during a rotation grace period, then only the new one', async () => {
    const ep = await createEndpoint(t, ws, { url: rx.url, eventTypes: ['NEW_TAG'] });
    const rot = await t.app.inject({
      method: 'POST',
      url: `/ui/endpoints/${ep.id}/rotate-secret`,
      headers: await adminHeaders(t, ws),
      payload: { graceSeconds: 3_600 },
    });
    const newSecret = rot.json<{ secret: string }>().secret;
    await fanOut(event('NEW_TAG', { r: 1 }));
    await fanOut(event('NEW_TAG', { r: 2 }));
    const [a, b] = await messagesOf(ep.id);
    await attempt(a!.id);
    const during = rx.hits.at(-1)!;
    expect(String(during.headers['webhook-signature']).split(' ')).toEqual([
      signatureOf(newSecret, during),
      signatureOf(ep.secret, during),
    ]);
    expect(() =>
      new Webhook(ep.secret).verify(during.body, during.headers as Record<string, string>),
    ).not.toThrow();
    expect(() =>
      new Webhook(newSecret).verify(during.body, during.headers as Record<string, string>),
    ).not.toThrow();
    clock.advance(3_600_000);
    await attempt(b!.id);
    const after = rx.hits.at(-1)!;
    expect(after.headers['webhook-signature']).toBe(signatureOf(newSecret, after));
    await prisma().webhookEndpoint.delete({ where: { id: ep.id } });
  });
});

describe('safety', () => {
  it('records an SSRF refusal at connect time and dead-letters (the URL will not change)', async () => {
    const ep = await createEndpoint(t, ws, { url: rx.url, eventTypes: ['NEW_TAG'] });
    // As if the operator narrowed the policy after the endpoint was saved.
    await prisma().webhookEndpoint.update({
      where: { id: ep.id },
      data: { url: `http://10.1.2.3:${rx.port}/x` },
    });
    await fanOut(event('NEW_TAG', { s: 1 }));
    const [m] = await messagesOf(ep.id);
    expect(await attempt(m!.id)).toBeUndefined();
    const rows = await prisma().webhookAttempt.findMany({ where: { messageId: m!.id } });
    expect(rows).toMatchObject([{ errorClass: 'blocked', status: null }]);
    expect(rows[0]!.error).toMatch(/private/);
    expect((await prisma().webhookMessage.findUniqueOrThrow({ where: { id: m!.id } })).status).toBe('failed');
    await prisma().webhookEndpoint.delete({ where: { id: ep.id } });
  });

  it('after a crash mid-delivery the job taken over sends again with the same webhook-id', async () => {
    const ep = await createEndpoint(t, ws, { url: rx.url, eventTypes: ['NEW_TAG'] });
    await fanOut(event('NEW_TAG', { c: 1 }));
    const [m] = await messagesOf(ep.id);
    const job = await prisma().job.findFirstOrThrow(firstJobOf(m!.id));
    // The first worker's request reaches the receiver, then the worker dies before it records anything.
    let hang!: () => void;
    rx.respond = (_req, res) => {
      hang = () => res.end('late');
    };
    const dying = new AbortController();
    const first = delivery().runAttempt(
      { workspaceId: ws, messageId: m!.id },
      { ...jobContext(job.id, ws), signal: dying.signal },
    );
    await waitFor(() => rx.hits.length === 1, { what: 'first request' });
    dying.abort(new Error('lease lost'));
    await first.catch(() => undefined);
    hang();
    // The lease ran out; the queue hands the same job to another worker.
    rx.respond = (_req, res) => res.end('ok');
    expect(await attempt(m!.id, job.id)).toBeUndefined();
    expect(rx.hits.map((h) => h.headers['webhook-id'])).toEqual([m!.id, m!.id]);
    expect((await prisma().webhookMessage.findUniqueOrThrow({ where: { id: m!.id } })).status).toBe(
      'delivered',
    );
    await prisma().webhookEndpoint.delete({ where: { id: ep.id } });
  });

  it('holds the endpoint concurrency cap and rate limit through the job queue', async () => {
    // Only this endpoint's messages: earlier tests' endpoints (and so their queued jobs' messages) go.
    await prisma().webhookEndpoint.deleteMany({ where: { workspaceId: ws } });
    const ep = await createEndpoint(t, ws, {
      url: rx.url,
      eventTypes: ['NEW_TAG'],
      concurrency: 2,
      rateLimit: 5,
    });
    // A slow receiver: each answer takes 300 ms, so without the cap all six would overlap.
    rx.maxInFlight = 0;
    rx.respond = (_req, res) => setTimeout(() => res.end('ok'), 300);
    for (let i = 0; i < 6; i++) await fanOut(event('NEW_TAG', { k: i }));
    t.deps.runner.start();
    try {
      await waitFor(async () => (await messagesOf(ep.id)).every((m) => m.status === 'delivered'), {
        what: 'all delivered',
        timeoutMs: 30_000,
      });
      expect(rx.maxInFlight).toBe(2);
      expect(rx.hits).toHaveLength(6);
      // 5 per second: no second holds more than 5 requests (slots are granted on the database clock).
      const at = rx.hits.map((h) => h.at).sort((x, y) => x - y);
      for (let i = 5; i < at.length; i++) expect(at[i]! - at[i - 5]!).toBeGreaterThanOrEqual(900);
    } finally {
      await t.deps.runner.stop(5_000);
    }
  });

  it('a hanging endpoint holds only its own slots: other endpoints and other jobs go on (default workers)', async () => {
    await prisma().webhookEndpoint.deleteMany({ where: { workspaceId: ws } });
    await prisma().job.deleteMany({ where: { name: 'delivery.attempt' } }); // earlier tests' leftovers
    // The hanging receiver answers nothing until the test ends; its endpoint allows 10 requests at once,
    // more than the gateway's default 4 workers.
    const held: ServerResponse[] = [];
    rx2.respond = (_req, res) => held.push(res);
    const hanging = await createEndpoint(t, ws, { url: rx2.url, eventTypes: ['NEW_TAG'], timeoutMs: 30_000 });
    const ok = await createEndpoint(t, ws, { url: rx.url, eventTypes: ['NEW_TAG'] });
    for (let i = 0; i < 12; i++) await fanOut(event('NEW_TAG', { k: i }));
    t.deps.runner.start();
    try {
      await waitFor(async () => (await messagesOf(ok.id)).every((m) => m.status === 'delivered'), {
        what: 'the healthy endpoint’s messages delivered meanwhile',
      });
      await waitFor(() => held.length === 10, { what: 'the hanging endpoint holding its 10 requests' });
      // A job of another kind runs too.
      const id = await enqueue(prisma(), deliveryRecoverJob, {
        workspaceId: ws,
        endpointId: ok.id,
        since: new Date(0).toISOString(),
      });
      await waitFor(
        async () => (await prisma().job.findUnique({ where: { id: id! } }))?.status === 'succeeded',
        {
          what: 'another job run',
        },
      );
      expect((await messagesOf(hanging.id)).every((m) => m.status === 'pending')).toBe(true);
    } finally {
      for (const res of held) res.end('late');
      await t.deps.runner.stop(5_000);
    }
  });

  it("prunes messages and attempts past the workspace's log retention, keeping pending messages", async () => {
    await prisma().webhookEndpoint.deleteMany({ where: { workspaceId: ws } });
    const ep = await createEndpoint(t, ws, { url: rx.url, eventTypes: ['NEW_TASK'] });
    // The messages of one event (their clock time is the same, so they are found by event).
    const messageOf = async (e: ProcessedEvent) => {
      await fanOut(e);
      return prisma().webhookMessage.findFirstOrThrow({
        where: { endpointId: ep.id, uniqueKey: { endsWith: e.id } },
      });
    };
    const oldDelivered = await messageOf(event('NEW_TASK', { n: 'old-delivered' }));
    expect(await attempt(oldDelivered.id)).toBeUndefined();
    rx.respond = (_req, res) => {
      res.statusCode = 500;
      res.end();
    };
    const oldPending = await messageOf(event('NEW_TASK', { n: 'old-pending' }));
    expect(await attempt(oldPending.id)).toBeInstanceOf(RetryAt);
    rx.respond = (_req, res) => res.end('ok');
    // Past the default retention (30 days): a new message, delivered now.
    clock.advance(31 * 86_400_000);
    const recent = await messageOf(event('NEW_TASK', { n: 'recent' }));
    expect(await attempt(recent.id)).toBeUndefined();

    const task = t.deps.modules.delivery.periodic.find((p) => p.job.name === 'delivery.retention')!;
    const logs: unknown[] = [];
    await task.run({ log: { info: (o: unknown) => logs.push(o) } } as never);
    // The old delivered message with its attempt, and the old attempt of the pending message (kept).
    expect(logs).toEqual([{ removed: 2 }]);
    expect((await messagesOf(ep.id)).map((m) => m.id).sort()).toEqual([oldPending.id, recent.id].sort());
    const attempts = await prisma().webhookAttempt.findMany({ where: { endpointId: ep.id } });
    expect(attempts.map((a) => a.messageId)).toEqual([recent.id]);
  });

  it('the claim read gives each attempt job what claimForAttempts takes, secrets signing at the caller’s time', async () => {
    await prisma().webhookEndpoint.deleteMany({ where: { workspaceId: ws } });
    await prisma().job.deleteMany({ where: { name: 'delivery.attempt' } }); // earlier tests' leftovers
    const a = await createEndpoint(t, ws, { url: rx.url, eventTypes: ['NEW_TAG'] });
    const b = await createEndpoint(t, ws, { url: rx2.url, eventTypes: ['NEW_TAG'] });
    // a: the new secret and the old one (in its grace period for an hour) both sign.
    await delivery().endpoints.rotateSecret(ws, a.id, 3_600);
    for (let i = 0; i < 3; i++) await fanOut(event('NEW_TAG', { k: i }));
    // One message no job owns yet (as after a resume): the read leaves it to claimForAttempts.
    const [unowned] = await messagesOf(b.id);
    await prisma().webhookMessage.update({ where: { id: unowned!.id }, data: { jobId: null } });
    const jobs = await claim(t.db.sql, 'w', ['delivery.attempt'], 10, {
      reads: [{ name: 'delivery.attempt', sql: attemptClaimRead }],
      pool: 'outbound',
    });
    expect(jobs).toHaveLength(6);
    const messageOf = (j: (typeof jobs)[number]) => (j.payload as { messageId: string }).messageId;
    expect(jobs.filter((j) => j.read === undefined).map(messageOf)).toEqual([unowned!.id]);
    const reads = jobs.map((j) => ({ jobId: j.id, read: j.read }));
    const hot = createHotPathRepo(t.db.sql);
    for (const [at, secretsOfA] of [
      [clock.now(), 2],
      [new Date(clock.now().getTime() + 2 * 3_600_000), 1],
    ] as const) {
      const read = attemptsFromClaimReads(reads, at);
      expect(read.size).toBe(5);
      expect(read.get(unowned!.id)).toBeUndefined();
      const owned = jobs.filter((j) => j.read !== undefined);
      const taken = await hot.claimForAttempts(
        owned.map((j) => ({ workspaceId: ws, messageId: messageOf(j), jobId: j.id })),
        at,
      );
      expect(read).toEqual(taken);
      for (const c of read.values())
        expect(c.secretsEncrypted).toHaveLength(c.endpoint!.id === a.id ? secretsOfA : 1);
    }
    await prisma().job.deleteMany({ where: { id: { in: jobs.map((j) => j.id) } } }); // claimed by no runner
  });

  it('through the runner, settles deliveries and retries in batches that also end their jobs', async () => {
    await prisma().webhookEndpoint.deleteMany({ where: { workspaceId: ws } });
    const ok = await createEndpoint(t, ws, { url: rx.url, eventTypes: ['NEW_TAG'], concurrency: 3 });
    const busy = await createEndpoint(t, ws, { url: rx2.url, eventTypes: ['NEW_TAG'], concurrency: 3 });
    // 429 without Retry-After: the next attempt is at least 60 s away, so the runner leaves it queued.
    rx2.respond = (_req, res) => {
      res.statusCode = 429;
      res.end();
    };
    for (let i = 0; i < 3; i++) await fanOut(event('NEW_TAG', { k: i }));
    // The jobs find their messages in the claim's statement (the claim read): no separate message claim.
    const statements = vi.spyOn(t.db.sql, 'prepared');
    let names: string[] = [];
    t.deps.runner.start();
    try {
      await waitFor(
        async () =>
          (await messagesOf(ok.id)).every((m) => m.status === 'delivered') &&
          (await messagesOf(busy.id)).every((m) => m.attempts === 1),
        { what: 'every message attempted once', timeoutMs: 30_000 },
      );
      await waitFor(async () => (await prisma().job.count({ where: { status: 'running' } })) === 0, {
        what: 'no job running',
      });
    } finally {
      await t.deps.runner.stop(5_000);
      names = statements.mock.calls.map(([name]) => name);
      statements.mockRestore();
    }
    expect(names.filter((n) => /^job_claim_v\d+_r/.test(n)).length).toBeGreaterThan(0);
    expect(names.filter((n) => n.startsWith('delivery_claim'))).toEqual([]);
    const jobOf = (id: string) => prisma().job.findFirstOrThrow(firstJobOf(id));
    // A delivered message's job is deleted by the settlement: the message and its attempts are the record.
    for (const m of await messagesOf(ok.id)) {
      expect(m.jobId).not.toBeNull();
      expect(await prisma().job.count({ where: { id: m.jobId! } })).toBe(0);
    }
    for (const m of await messagesOf(busy.id)) {
      expect(m.status).toBe('pending');
      const job = await jobOf(m.id);
      expect(job).toMatchObject({ status: 'queued', lane: 'retry', attempts: 1, lockedBy: null });
      expect(job.runAt).toEqual(m.nextAttemptAt);
      expect(job.lastError).toMatch(/429/);
    }
    expect(await prisma().webhookAttempt.count({ where: { endpointId: { in: [ok.id, busy.id] } } })).toBe(6);
    // Every slot taken was given back once.
    const slots = await prisma().jobConcurrency.findMany({
      where: { key: { in: [`endpoint:${ok.id}`, `endpoint:${busy.id}`] } },
    });
    expect(slots.map((s) => s.running)).toEqual([0, 0]);
    expect(
      (await prisma().webhookEndpoint.findUniqueOrThrow({ where: { id: busy.id } })).failingSince,
    ).not.toBeNull();
  });
});
