import { Readable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOCKIFY_WEBHOOK_EVENTS } from '../../src/integrations/clockify/webhook-events.js';
import type { EventProcessor, ProcessedEvent } from '../../src/modules/ingestion/event-processors.js';
import { createClockifySigner, generateKeyPair } from '../../tools/simulator/clockify-signer.js';
import { ADDON_KEY, type TestApp, buildTestApp, hexId } from '../helpers/build-test-app.js';
import { ADDON_ID, install, postLifecycle } from '../helpers/clockify.js';
import { waitFor } from '../helpers/wait-for.js';
import {
  eventCount,
  postClockify,
  processJobCount,
  samplePayload,
  seedWebhookTokens,
} from '../helpers/webhooks.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

async function installWithTokens(events: readonly string[] = CLOCKIFY_WEBHOOK_EVENTS) {
  const { workspaceId } = await install(t);
  const tokens = await seedWebhookTokens(t, workspaceId, events);
  return { workspaceId, tokens, token: (e: string) => tokens.get(e)! };
}

describe('Clockify webhooks: every event type', () => {
  it('accepts all 51 events on their own path, stores each with one event.process job', async () => {
    const { workspaceId, token } = await installWithTokens();
    for (const event of CLOCKIFY_WEBHOOK_EVENTS) {
      const res = await postClockify(t, {
        event,
        token: token(event),
        body: samplePayload(event, workspaceId),
      });
      expect(res.statusCode, `${event}: ${res.body}`).toBe(202);
      expect(res.json()).toEqual({ eventId: expect.stringMatching(/^evt_/) });
    }
    expect(await eventCount(t, workspaceId)).toBe(51);
    expect(await processJobCount(t, workspaceId)).toBe(51);
    const types = await t.db.prisma.webhookEvent.findMany({
      where: { workspaceId },
      select: { eventType: true, status: true },
    });
    expect(new Set(types.map((r) => r.eventType))).toEqual(new Set(CLOCKIFY_WEBHOOK_EVENTS));
    expect(types.every((r) => r.status === 'queued')).toBe(true);
  });

  it('accepts all 51 events on the single path, the type taken from Clockify-Webhook-Event-Type', async () => {
    const { workspaceId, token } = await installWithTokens();
    for (const event of CLOCKIFY_WEBHOOK_EVENTS) {
      const res = await postClockify(t, {
        event,
        token: token(event),
        body: samplePayload(event, workspaceId),
        single: true,
      });
      expect(res.statusCode, `${event}: ${res.body}`).toBe(202);
    }
    expect(await eventCount(t, workspaceId)).toBe(51);
  });

  it('stores the raw bytes exactly and the headers without the token', async () => {
    const { workspaceId, token } = await installWithTokens(['NEW_PROJECT']);
    const raw = `{ "workspaceId" : "${workspaceId}",  "name": "Spaces   kept" }`;
    const res = await postClockify(t, { event: 'NEW_PROJECT', token: token('NEW_PROJECT'), body: raw });
    expect(res.statusCode).toBe(202);
    const row = await t.db.prisma.webhookEvent.findUniqueOrThrow({
      where: { id: res.json<{ eventId: string }>().eventId },
    });
    expect(Buffer.from(row.body).toString('utf8')).toBe(raw);
    expect(JSON.stringify(row.headers)).not.toContain(token('NEW_PROJECT'));
    expect((row.headers as Record<string, string>)['clockify-webhook-event-type']).toBe('NEW_PROJECT');
  });
});

describe('Clockify webhooks: verification', () => {
  const other = createClockifySigner(generateKeyPair().privateKeyPem);

  it('rejects bad tokens with 401 SIGNATURE_INVALID and stores nothing', async () => {
    const a = await installWithTokens(['NEW_PROJECT', 'NEW_CLIENT']);
    const b = await installWithTokens(['NEW_PROJECT']);
    const body = samplePayload('NEW_PROJECT', a.workspaceId);
    const forged = await other({ workspaceId: a.workspaceId, addonId: ADDON_ID }, { addonKey: ADDON_KEY });
    const cases = [
      { why: 'signed with another key', event: 'NEW_PROJECT', token: forged },
      { why: 'another workspace’s token', event: 'NEW_PROJECT', token: b.token('NEW_PROJECT') },
      { why: 'the token of another event', event: 'NEW_CLIENT', token: a.token('NEW_PROJECT') },
      {
        why: 'header and path disagree',
        event: 'NEW_PROJECT',
        token: a.token('NEW_PROJECT'),
        headerEvent: 'NEW_CLIENT',
      },
      {
        why: 'a valid but unstored token',
        event: 'NEW_PROJECT',
        token: await t.sign({ workspaceId: a.workspaceId, addonId: ADDON_ID }, { addonKey: ADDON_KEY }),
      },
      { why: 'no token', event: 'NEW_PROJECT', token: '' },
    ];
    for (const c of cases) {
      const res = await postClockify(t, { event: c.event, token: c.token, body, headerEvent: c.headerEvent });
      expect(res.statusCode, c.why).toBe(401);
      expect(res.json().error.code, c.why).toBe('SIGNATURE_INVALID');
      const single = await postClockify(t, {
        event: c.event,
        token: c.token,
        body,
        headerEvent: c.headerEvent ?? c.event,
        single: true,
      });
      expect(single.statusCode, `${c.why} (single path)`).toBe(401);
    }
    expect(await eventCount(t, a.workspaceId)).toBe(0);
    expect(await eventCount(t, b.workspaceId)).toBe(0);
    // Rejections are counted and quarantined under the workspace, without the token.
    const rejections = await t.db.prisma.webhookRejection.findMany({ where: { workspaceId: a.workspaceId } });
    expect(rejections.length).toBeGreaterThan(0);
    expect(JSON.stringify(rejections)).not.toContain(a.token('NEW_PROJECT'));
  });

  it('rejects a payload naming another workspace than the token’s', async () => {
    const a = await installWithTokens(['NEW_PROJECT']);
    const res = await postClockify(t, {
      event: 'NEW_PROJECT',
      token: a.token('NEW_PROJECT'),
      body: samplePayload('NEW_PROJECT', hexId()),
    });
    expect(res.statusCode).toBe(401);
    expect(await eventCount(t, a.workspaceId)).toBe(0);
  });

  it('answers 404 for an unknown or deleted workspace and stores nothing', async () => {
    const unknownWs = hexId();
    const token = await t.sign({ workspaceId: unknownWs, addonId: ADDON_ID }, { addonKey: ADDON_KEY });
    const res = await postClockify(t, {
      event: 'NEW_PROJECT',
      token,
      body: samplePayload('NEW_PROJECT', unknownWs),
    });
    expect(res.statusCode).toBe(404);

    const { workspaceId, token: tok } = await installWithTokens(['NEW_PROJECT']);
    const before = await postClockify(t, {
      event: 'NEW_PROJECT',
      token: tok('NEW_PROJECT'),
      body: { workspaceId, n: 1 },
    });
    expect(before.statusCode).toBe(202);
    expect(
      (await postLifecycle(t, '/lifecycle/deleted', { addonId: ADDON_ID, workspaceId })).statusCode,
    ).toBe(200);
    const after = await postClockify(t, {
      event: 'NEW_PROJECT',
      token: tok('NEW_PROJECT'),
      body: { workspaceId, n: 2 },
    });
    expect(after.statusCode).toBe(404);
    expect(await eventCount(t, workspaceId)).toBe(1);
  });

  it('answers 404 for an unknown event path and 415 for a non-JSON body', async () => {
    const { workspaceId, token } = await installWithTokens(['NEW_PROJECT']);
    expect(
      (await postClockify(t, { event: 'NOT_AN_EVENT', token: token('NEW_PROJECT'), body: {} })).statusCode,
    ).toBe(404);
    const res = await postClockify(t, {
      event: 'NEW_PROJECT',
      token: token('NEW_PROJECT'),
      body: 'x=1',
      contentType: 'text/plain',
    });
    expect(res.statusCode).toBe(415);
    const bad = await postClockify(t, {
      event: 'NEW_PROJECT',
      token: token('NEW_PROJECT'),
      body: '{"workspaceId":',
    });
    expect(bad.statusCode).toBe(400);
    expect(await eventCount(t, workspaceId)).toBe(0);
  });

  it('answers 413 above BODY_LIMIT_BYTES on both path styles, declared or streamed, storing nothing', async () => {
    const { workspaceId, token } = await installWithTokens(['NEW_PROJECT']);
    const big = JSON.stringify({ workspaceId, pad: 'x'.repeat(t.deps.config.http.bodyLimitBytes) });
    for (const single of [false, true]) {
      const res = await postClockify(t, {
        event: 'NEW_PROJECT',
        token: token('NEW_PROJECT'),
        body: big,
        single,
      });
      expect(res.statusCode).toBe(413);
      expect(res.json().error.code).toBe('PAYLOAD_TOO_LARGE');
    }
    const half = Math.floor(big.length / 2);
    const streamed = await t.app.inject({
      method: 'POST',
      url: '/webhooks/clockify/NEW_PROJECT',
      headers: {
        'content-type': 'application/json',
        'transfer-encoding': 'chunked',
        'clockify-signature': token('NEW_PROJECT'),
      },
      payload: Readable.from([Buffer.from(big.slice(0, half)), Buffer.from(big.slice(half))]),
    });
    expect(streamed.statusCode).toBe(413);
    expect(streamed.json().error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await eventCount(t, workspaceId)).toBe(0);
  });
});

describe('Clockify webhooks: inactive workspaces and duplicates', () => {
  it('stores events of an inactive workspace without processing them', async () => {
    const { workspaceId, token } = await installWithTokens(['NEW_PROJECT']);
    const st = await postLifecycle(t, '/lifecycle/status-changed', {
      addonId: ADDON_ID,
      workspaceId,
      status: 'INACTIVE',
    });
    expect(st.statusCode).toBe(200);
    const res = await postClockify(t, {
      event: 'NEW_PROJECT',
      token: token('NEW_PROJECT'),
      body: samplePayload('NEW_PROJECT', workspaceId),
    });
    expect(res.statusCode).toBe(202);
    const row = await t.db.prisma.webhookEvent.findFirstOrThrow({ where: { workspaceId } });
    expect(row).toMatchObject({ status: 'skipped', jobId: null });
    expect(await processJobCount(t, workspaceId)).toBe(0);
  });

  it('turns 20 identical concurrent deliveries into one row, one job: 1×202 and 19×200 duplicate', async () => {
    const { workspaceId, token } = await installWithTokens(['TIMER_STOPPED']);
    const body = samplePayload('TIMER_STOPPED', workspaceId);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        postClockify(t, { event: 'TIMER_STOPPED', token: token('TIMER_STOPPED'), body }),
      ),
    );
    const accepted = answers.filter((r) => r.statusCode === 202);
    const dups = answers.filter((r) => r.statusCode === 200);
    expect(accepted).toHaveLength(1);
    expect(dups).toHaveLength(19);
    const eventId = accepted[0]!.json<{ eventId: string }>().eventId;
    for (const d of dups) expect(d.json()).toEqual({ eventId, duplicate: true });
    expect(await eventCount(t, workspaceId)).toBe(1);
    expect(await processJobCount(t, workspaceId)).toBe(1);
    // Both path styles share the dedup key (event type + body).
    const single = await postClockify(t, {
      event: 'TIMER_STOPPED',
      token: token('TIMER_STOPPED'),
      body,
      single: true,
    });
    expect(single.json()).toEqual({ eventId, duplicate: true });
  });
});

describe('event.process', () => {
  it('hands each accepted event to every registered processor once, then marks it processed', async () => {
    const seen: ProcessedEvent[] = [];
    const processor: EventProcessor = { name: 'test', process: async (e) => void seen.push(e) };
    t.deps.processors.push(processor);
    t.deps.runner.start();
    try {
      const { workspaceId, token } = await installWithTokens(['NEW_TAG']);
      const body = { workspaceId, id: 'tag-1', name: 'urgent' };
      const res = await postClockify(t, { event: 'NEW_TAG', token: token('NEW_TAG'), body });
      const { eventId } = res.json<{ eventId: string }>();
      await waitFor(
        async () =>
          (await t.db.prisma.webhookEvent.findUnique({ where: { id: eventId } }))?.status === 'processed',
        { what: 'event processed' },
      );
      const mine = seen.filter((e) => e.id === eventId);
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({
        workspaceId,
        sourceKind: 'clockify',
        sourceId: null,
        eventType: 'NEW_TAG',
        payload: body,
      });
      // The handler marks the event processed; the runner completes the job after it (its own statement).
      await waitFor(
        async () =>
          (await t.db.prisma.job.findFirst({ where: { workspaceId, name: 'event.process' } }))?.status ===
          'succeeded',
        { what: 'event.process job succeeded' },
      );
    } finally {
      t.deps.processors.splice(t.deps.processors.indexOf(processor), 1);
      await t.deps.runner.stop(5_000);
    }
  });

  it('retries only the events still pending when a processor fails on one event of a batch', async () => {
    const { workspaceId, token } = await installWithTokens(['NEW_TAG']);
    const ids: string[] = [];
    for (const n of [1, 2]) {
      const res = await postClockify(t, {
        event: 'NEW_TAG',
        token: token('NEW_TAG'),
        body: { workspaceId, id: `tag-${n}` },
      });
      ids.push(res.json<{ eventId: string }>().eventId);
    }
    const calls = new Map<string, number>();
    let failOnce = true;
    const processor: EventProcessor = {
      name: 'flaky',
      process: async (e) => {
        calls.set(e.id, (calls.get(e.id) ?? 0) + 1);
        if (e.id === ids[1] && failOnce) {
          failOnce = false;
          throw new Error('boom');
        }
      },
    };
    t.deps.processors.push(processor);
    try {
      const { handler } = t.deps.registry.get('event.process')!;
      const ctx = {
        jobId: 'job_test',
        attempt: 1,
        workspaceId,
        log: pino({ level: 'silent' }),
        signal: new AbortController().signal,
      };
      await expect(handler({ workspaceId, eventIds: ids }, ctx)).rejects.toThrow(/1 event\(s\) failed/);
      const status = async (id: string) => t.db.prisma.webhookEvent.findUniqueOrThrow({ where: { id } });
      expect(await status(ids[0]!)).toMatchObject({ status: 'processed', lastError: null });
      expect(await status(ids[1]!)).toMatchObject({ status: 'queued', lastError: 'boom', processedAt: null });

      await handler({ workspaceId, eventIds: ids }, { ...ctx, attempt: 2 });
      expect(Object.fromEntries(calls)).toEqual({ [ids[0]!]: 1, [ids[1]!]: 2 });
      expect(await status(ids[1]!)).toMatchObject({ status: 'processed', lastError: null });
    } finally {
      t.deps.processors.splice(t.deps.processors.indexOf(processor), 1);
    }
  });
  it('marks the events still failing on the last attempt failed, with the error and a time', async () => {
    const { workspaceId, token } = await installWithTokens(['NEW_TAG']);
    const res = await postClockify(t, {
      event: 'NEW_TAG',
      token: token('NEW_TAG'),
      body: { workspaceId, id: 'tag-x' },
    });
    const { eventId } = res.json<{ eventId: string }>();
    const processor: EventProcessor = {
      name: 'broken',
      process: async () => {
        throw new Error('always');
      },
    };
    t.deps.processors.push(processor);
    try {
      const { def, handler } = t.deps.registry.get('event.process')!;
      const ctx = {
        jobId: 'job_test',
        attempt: def.maxAttempts,
        workspaceId,
        log: pino({ level: 'silent' }),
        signal: new AbortController().signal,
      };
      await expect(handler({ workspaceId, eventIds: [eventId] }, ctx)).rejects.toThrow(/1 event\(s\) failed/);
      const row = await t.db.prisma.webhookEvent.findUniqueOrThrow({ where: { id: eventId } });
      expect(row).toMatchObject({ status: 'failed', lastError: 'always' });
      expect(row.processedAt).toBeInstanceOf(Date);
    } finally {
      t.deps.processors.splice(t.deps.processors.indexOf(processor), 1);
    }
  });
});
