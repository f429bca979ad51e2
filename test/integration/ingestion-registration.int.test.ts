import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeClockify, createFakeClockify } from '../../tools/fake-clockify/server.js';
import {
  CLOCKIFY_WEBHOOK_EVENTS,
  DEFAULT_MANIFEST_EVENTS,
} from '../../src/integrations/clockify/webhook-events.js';
import { ADDON_KEY, type TestApp, buildTestApp, hexId } from '../helpers/build-test-app.js';
import { ADDON_ID, installedPayload, postLifecycle } from '../helpers/clockify.js';
import { waitFor } from '../helpers/wait-for.js';
import { postClockify, samplePayload } from '../helpers/webhooks.js';

let t: TestApp;
let fake: FakeClockify;
const workspaceId = hexId();
let installToken: string;
let installedBody: Record<string, unknown>;

beforeAll(async () => {
  t = await buildTestApp({ env: { CLOCKIFY_REGISTER_EVENTS: 'rest' } });
  installToken = await t.sign(
    { workspaceId, addonId: ADDON_ID, user: 'owner-user' },
    { addonKey: ADDON_KEY },
  );
  fake = await createFakeClockify({
    workspaces: [{ id: workspaceId, tokens: [installToken] }],
    rateLimitPerSecond: 1_000,
    // Clockify signs each webhook's token like its other tokens: the gateway verifies them the same way.
    webhookAuthToken: (w) =>
      t.sign({ workspaceId: w.workspaceId, addonId: ADDON_ID, webhookId: w.id }, { addonKey: ADDON_KEY }),
  });
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

const created = () =>
  fake.recorded.filter((r) => r.operationId === 'createWebhook' && r.workspaceId === workspaceId);
const rest = CLOCKIFY_WEBHOOK_EVENTS.filter((e) => !DEFAULT_MANIFEST_EVENTS.includes(e));

describe('registering the events the manifest does not declare', () => {
  it('registers the other 41 events through Clockify’s API at install, once, and accepts their deliveries', async () => {
    const body = await installedPayload(t, workspaceId, { authToken: installToken, apiUrl: fake.apiUrl });
    installedBody = body;
    expect((await postLifecycle(t, '/lifecycle/installed', body)).statusCode).toBe(200);
    t.deps.runner.start();
    try {
      await waitFor(
        async () =>
          (await t.db.prisma.job.findFirst({
            where: { workspaceId, name: 'installation.setup', status: 'succeeded' },
          })) !== null,
        {
          what: 'installation.setup',
          timeoutMs: 20_000,
        },
      );
    } finally {
      await t.deps.runner.stop(5_000);
    }
    expect(rest).toHaveLength(41);
    expect(
      created()
        .map((r) => (r.body as { webhookEvent: string }).webhookEvent)
        .sort(),
    ).toEqual([...rest].sort());
    expect(created()[0]!.body).toMatchObject({
      url: expect.stringMatching(/^https:\/\/gateway\.test\/webhooks\/clockify\/[A-Z_]+$/),
      triggerSourceType: 'WORKSPACE_ID',
      triggerSource: [workspaceId],
    });
    const rows = await t.db.prisma.clockifyWebhookToken.findMany({
      where: { workspaceId, clockifyWebhookId: { not: null } },
    });
    expect(rows).toHaveLength(41);

    // Running the set-up again registers nothing new.
    await t.deps.modules.installations.registrar.register(workspaceId, {
      jobId: 'x',
      attempt: 1,
      workspaceId,
      log: t.deps.log,
      signal: new AbortController().signal,
    });
    expect(created()).toHaveLength(41);

    // A delivery with the token Clockify returned for EXPENSE_CREATED is accepted, on both path styles.
    const hook = fake.data.get(workspaceId)!.webhooks.find((w) => w.webhookEvent === 'EXPENSE_CREATED')!;
    const token = String(hook.authToken);
    const res = await postClockify(t, {
      event: 'EXPENSE_CREATED',
      token,
      body: samplePayload('EXPENSE_CREATED', workspaceId),
    });
    expect(res.statusCode, res.body).toBe(202);
    const single = await postClockify(t, {
      event: 'EXPENSE_CREATED',
      token,
      body: { ...samplePayload('EXPENSE_CREATED', workspaceId), n: 2 },
      single: true,
    });
    expect(single.statusCode).toBe(202);
    // That token is for EXPENSE_CREATED only.
    expect(
      (await postClockify(t, { event: 'EXPENSE_UPDATED', token, body: { workspaceId } })).statusCode,
    ).toBe(401);
  });

  it('keeps the registered webhooks working when Clockify delivers the same INSTALLED again', async () => {
    const tokensBefore = await t.db.prisma.clockifyWebhookToken.findMany({
      where: { workspaceId },
      orderBy: { path: 'asc' },
    });
    expect(tokensBefore).toHaveLength(42); // the manifest's one in this payload + the 41 registered
    expect((await postLifecycle(t, '/lifecycle/installed', installedBody)).statusCode).toBe(200);
    expect(
      await t.db.prisma.clockifyWebhookToken.findMany({ where: { workspaceId }, orderBy: { path: 'asc' } }),
    ).toEqual(tokensBefore);
    const hook = fake.data.get(workspaceId)!.webhooks.find((w) => w.webhookEvent === 'TAG_DELETED')!;
    const res = await postClockify(t, {
      event: 'TAG_DELETED',
      token: String(hook.authToken),
      body: samplePayload('TAG_DELETED', workspaceId),
    });
    expect(res.statusCode, res.body).toBe(202);
  });

  it('reuses a webhook Clockify already has for our URL instead of creating a second one', async () => {
    await t.db.prisma.clockifyWebhookToken.deleteMany({ where: { workspaceId, event: 'EXPENSE_DELETED' } });
    const r = await t.deps.modules.installations.registrar.register(workspaceId, {
      jobId: 'y',
      attempt: 1,
      workspaceId,
      log: t.deps.log,
      signal: new AbortController().signal,
    });
    expect(r).toEqual({ registered: [], reused: ['EXPENSE_DELETED'] });
    expect(created()).toHaveLength(41);
  });

  it('deletes the registered webhooks at Clockify after DELETED (best effort) and scrubs the token from the job', async () => {
    expect(
      (await postLifecycle(t, '/lifecycle/deleted', { addonId: ADDON_ID, workspaceId })).statusCode,
    ).toBe(200);
    t.deps.runner.start();
    try {
      await waitFor(
        () => fake.recorded.filter((r) => r.operationId === 'deleteWebhook').length === 41 || undefined,
        { what: 'webhooks deleted', timeoutMs: 20_000 },
      );
      await waitFor(async () => (await t.db.prisma.installation.count({ where: { workspaceId } })) === 0, {
        what: 'purge',
        timeoutMs: 20_000,
      });
    } finally {
      await t.deps.runner.stop(5_000);
    }
    expect(fake.data.get(workspaceId)!.webhooks).toHaveLength(0);
    const leftovers = await t.db.sql.query<{ payload: string }>(
      `SELECT payload::text FROM job WHERE payload::text LIKE '%tokenEncrypted%'`,
    );
    expect(leftovers).toEqual([]);
  });
});
