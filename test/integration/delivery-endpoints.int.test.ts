/** Outbound endpoints: CRUD, save-time checks, secrets, the event catalogue, tenant isolation. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOCKIFY_WEBHOOK_EVENTS } from '../../src/integrations/clockify/webhook-events.js';
import { type TestApp, buildTestApp, manualClock } from '../helpers/build-test-app.js';
import { install } from '../helpers/clockify.js';
import {
  type Receiver,
  adminHeaders,
  createEndpoint,
  receiverEnv,
  startReceiver,
} from '../helpers/delivery.js';

const clock = manualClock(new Date('2026-12-01T10:00:00Z'));
let t: TestApp;
let rx: Receiver;
let ws: string;
let other: string;

beforeAll(async () => {
  rx = await startReceiver();
  t = await buildTestApp({ clock, env: receiverEnv(rx) });
  ws = (await install(t)).workspaceId;
  other = (await install(t)).workspaceId;
});
afterAll(async () => {
  await t.close();
  await rx.close();
});

const call = async (
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  payload?: unknown,
  workspaceId = ws,
) =>
  t.app.inject({
    method,
    url,
    headers: await adminHeaders(t, workspaceId),
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });

describe('endpoints', () => {
  it('creates an endpoint with a secret shown once, stored encrypted', async () => {
    const created = await createEndpoint(t, ws, { url: rx.url, eventTypes: ['TIME_ENTRY_*'] });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(created.secret.slice(6), 'base64')).toHaveLength(32);
    expect(created).toMatchObject({ status: 'enabled', timeoutMs: 15_000, sources: '*', rateLimit: null });

    const got = await call('GET', `/ui/endpoints/${created.id}`);
    expect(got.statusCode).toBe(200);
    expect(got.json()).not.toHaveProperty('secret');
    expect(got.body).not.toContain(created.secret.slice(6));

    const rows = await t.db.prisma.webhookEndpointSecret.findMany({ where: { endpointId: created.id } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.secretEncrypted).not.toContain(created.secret.slice(6));

    const list = await call('GET', '/ui/endpoints');
    expect(list.json<{ items: { id: string }[] }>().items.map((e) => e.id)).toContain(created.id);
  });

  it('updates, pauses, resumes and deletes', async () => {
    const { id } = await createEndpoint(t, ws, { url: rx.url, eventTypes: ['*'] });
    const patched = await call('PATCH', `/ui/endpoints/${id}`, {
      description: 'billing',
      timeoutMs: 30_000,
      rateLimit: 5,
      concurrency: 2,
      headers: { 'X-Api-Key': 'k' },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({
      description: 'billing',
      timeoutMs: 30_000,
      rateLimit: 5,
      concurrency: 2,
      headers: { 'X-Api-Key': 'k' },
    });
    expect((await call('POST', `/ui/endpoints/${id}/pause`)).json()).toMatchObject({ status: 'paused' });
    expect((await call('POST', `/ui/endpoints/${id}/resume`)).json()).toMatchObject({ status: 'enabled' });
    expect((await call('DELETE', `/ui/endpoints/${id}`)).statusCode).toBe(200);
    expect((await call('GET', `/ui/endpoints/${id}`)).statusCode).toBe(404);
  });

  it('refuses URLs the SSRF guard refuses at save time (422), and changes nothing', async () => {
    const before = await t.db.prisma.webhookEndpoint.count();
    for (const url of [
      'http://169.254.169.254/latest/meta-data',
      'http://10.0.0.1/hook',
      'http://[::ffff:127.0.0.2]:80/x',
      'ftp://example.com/x',
      'http://user:pass@example.com/x',
      `http://127.0.0.1:1/x`,
    ]) {
      const res = await call('POST', '/ui/endpoints', { url, eventTypes: ['*'] });
      expect(res.statusCode, url).toBe(422);
      expect(res.json()).toMatchObject({ error: { code: 'URL_NOT_ALLOWED' } });
    }
    const { id } = await createEndpoint(t, ws, { url: rx.url, eventTypes: ['*'] });
    const res = await call('PATCH', `/ui/endpoints/${id}`, { url: 'http://192.168.1.1/x' });
    expect(res.statusCode).toBe(422);
    expect((await call('GET', `/ui/endpoints/${id}`)).json()).toMatchObject({ url: rx.url });
    expect(await t.db.prisma.webhookEndpoint.count()).toBe(before + 1);
  });

  it('validates filters, transformations, headers and bounds', async () => {
    const bad = [
      { filter: { mode: 'ALL', rules: [{ path: '{{ secrets.x }}', op: 'exists' }] } },
      { filter: { mode: 'SOME', rules: [] } },
      { transformation: { x: '{{ webhook.id ' } },
      { transformation: { x: '{{ env.HOME }}' } },
    ];
    for (const extra of bad) {
      const res = await call('POST', '/ui/endpoints', { url: rx.url, eventTypes: ['*'], ...extra });
      expect(res.statusCode, JSON.stringify(extra)).toBe(422);
      expect(res.json()).toMatchObject({ error: { code: 'INVALID_DEFINITION' } });
    }
    for (const extra of [
      { headers: { 'webhook-signature': 'v1,forged' } },
      { headers: { 'Content-Type': 'text/plain' } },
      { timeoutMs: 30_001 },
      { concurrency: 0 },
      { rateLimit: 51 },
      { eventTypes: [] },
      { eventTypes: ['bad pattern'] },
      { sources: ['nope'] },
      // Refused by the request guards before the route (nesting), as the service's own bound would.
      { transformation: JSON.parse('['.repeat(500) + ']'.repeat(500)) as unknown },
    ]) {
      const res = await call('POST', '/ui/endpoints', { url: rx.url, eventTypes: ['*'], ...extra });
      expect(res.statusCode, JSON.stringify(extra)).toBe(400);
    }
  });

  it('rotates the secret with a grace period of 0–7 days', async () => {
    const { id, secret } = await createEndpoint(t, ws, { url: rx.url, eventTypes: ['*'] });
    expect(
      (await call('POST', `/ui/endpoints/${id}/rotate-secret`, { graceSeconds: 8 * 86_400 })).statusCode,
    ).toBe(400);
    const r = await call('POST', `/ui/endpoints/${id}/rotate-secret`, { graceSeconds: 3_600 });
    expect(r.statusCode).toBe(200);
    const body = r.json<{ secret: string; previousSecretsExpireAt: string[] }>();
    expect(body.secret).toMatch(/^whsec_/);
    expect(body.secret).not.toBe(secret);
    expect(body.previousSecretsExpireAt).toEqual([new Date(clock.now().getTime() + 3_600_000).toISOString()]);
    const r0 = await call('POST', `/ui/endpoints/${id}/rotate-secret`, { graceSeconds: 0 });
    // Grace 0: the previous secret stops at once; the one rotated out an hour ago still signs until then.
    expect(r0.json<{ previousSecretsExpireAt: string[] }>().previousSecretsExpireAt).toHaveLength(1);
  });

  it("answers 404 for another workspace's endpoints and messages", async () => {
    const { id } = await createEndpoint(t, ws, { url: rx.url, eventTypes: ['*'] });
    for (const [method, url, payload] of [
      ['GET', `/ui/endpoints/${id}`],
      ['PATCH', `/ui/endpoints/${id}`, { description: 'x' }],
      ['DELETE', `/ui/endpoints/${id}`],
      ['POST', `/ui/endpoints/${id}/pause`],
      ['POST', `/ui/endpoints/${id}/rotate-secret`, { graceSeconds: 0 }],
      ['GET', `/ui/endpoints/${id}/messages`],
      ['GET', `/ui/endpoints/${id}/stats`],
      ['POST', `/ui/endpoints/${id}/test`, { eventType: 'NEW_PROJECT' }],
      ['POST', `/ui/endpoints/${id}/recover`, { since: '2026-11-01T00:00:00Z' }],
      ['POST', `/ui/endpoints/${id}/preview`, {}],
    ] as const) {
      const res = await call(method, url, payload, other);
      expect(res.statusCode, `${method} ${url}`).toBe(404);
    }
    expect((await call('GET', `/ui/endpoints/${id}`)).statusCode).toBe(200);
  });

  it('lists the event catalogue: Clockify 51, custom types seen, the gateway own', async () => {
    const res = await call('GET', '/ui/event-types');
    expect(res.statusCode).toBe(200);
    const items = res.json<{
      items: { type: string; source: string; description: string; sample: unknown }[];
    }>().items;
    const clockify = items.filter((i) => i.source === 'clockify');
    expect(clockify.map((i) => i.type).sort()).toEqual([...CLOCKIFY_WEBHOOK_EVENTS].sort());
    expect(items.filter((i) => i.source === 'gateway').map((i) => i.type)).toEqual([
      'endpoint.disabled',
      'message.failed',
      'flow.execution.failed',
    ]);
    for (const i of items) {
      expect(i.description.length).toBeGreaterThan(5);
      expect(i.sample).toBeTypeOf('object');
    }
    expect(clockify.find((i) => i.type === 'NEW_PROJECT')!.sample).toMatchObject({
      name: 'Webhook Test Project',
    });
  });
});
