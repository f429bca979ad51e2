import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventProcessor } from '../../src/modules/ingestion/event-processors.js';
import { eventProcessJob } from '../../src/modules/ingestion/ingestion.jobs.js';
import { clockifyDedupKey } from '../../src/modules/ingestion/clockify-events.js';
import { type TestApp, buildTestApp } from '../helpers/build-test-app.js';
import { bearer, install, userToken } from '../helpers/clockify.js';
import { eventCount, postClockify, seedWebhookTokens } from '../helpers/webhooks.js';

/**
 * Events that were accepted must be processable, and an event whose processing can never succeed ends
 * as `failed` with its reason at once, without holding up the other events of its job. What cannot be
 * processed at all (JSON nested deeper than 128 levels) is refused at ingest, before it is stored.
 */
let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

/** `{"workspaceId": …, "id": …, "deep": [[[…]]]}` with arrays `levels` deep inside the top-level object. */
const deepJson = (workspaceId: string, id: string, levels: number) =>
  `{"workspaceId":"${workspaceId}","id":"${id}","deep":${'['.repeat(levels)}${']'.repeat(levels)}}`;

async function installed(events = ['NEW_PROJECT']) {
  const { workspaceId } = await install(t);
  const tokens = await seedWebhookTokens(t, workspaceId, events);
  return { workspaceId, token: (e: string) => tokens.get(e)! };
}

const runProcessJob = (workspaceId: string, eventIds: string[], attempt = 1) =>
  t.deps.registry.get(eventProcessJob.name)!.handler(
    { workspaceId, eventIds },
    {
      jobId: 'job_test',
      attempt,
      workspaceId,
      log: pino({ level: 'silent' }),
      signal: new AbortController().signal,
    },
  );
const eventRow = (id: string) => t.db.prisma.webhookEvent.findUniqueOrThrow({ where: { id } });

describe('at ingest: JSON nested deeper than 128 levels is refused before it is stored', () => {
  it('on Clockify webhooks', async () => {
    const { workspaceId, token } = await installed();
    const deep = await postClockify(t, {
      event: 'NEW_PROJECT',
      token: token('NEW_PROJECT'),
      body: deepJson(workspaceId, 'p-deep', 10_000),
    });
    expect(deep.statusCode, deep.body).toBe(400);
    expect(deep.json().error).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringMatching(/128/),
    });
    expect(await eventCount(t, workspaceId)).toBe(0);
    // The limit itself is fine: the top-level object plus 127 arrays.
    const atLimit = await postClockify(t, {
      event: 'NEW_PROJECT',
      token: token('NEW_PROJECT'),
      body: deepJson(workspaceId, 'p-limit', 127),
    });
    expect(atLimit.statusCode, atLimit.body).toBe(202);
  });

  it('on custom sources with a JSON media type', async () => {
    const { workspaceId } = await installed();
    const created = await t.app.inject({
      method: 'POST',
      url: '/ui/sources',
      headers: bearer(await userToken(t, workspaceId)),
      payload: { name: 'open', verification: { scheme: 'none' } },
    });
    const sourceId = created.json<{ id: string }>().id;
    const res = await t.app.inject({
      method: 'POST',
      url: `/webhooks/custom/${sourceId}`,
      headers: { 'content-type': 'application/json' },
      payload: deepJson(workspaceId, 'x', 129),
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.code).toBe('VALIDATION_FAILED');
    expect(await eventCount(t, workspaceId)).toBe(0);
  });
});

describe('processing copes with any accepted body', () => {
  it.each([
    ['a NUL character', 'nul\\u0000name', 'nul\uFFFDname'],
    ['a lone surrogate', 'lone\\ud800name', 'lone\uFFFDname'],
  ])('stores text with %s made storable, and the event is processed', async (_name, escaped, stored) => {
    const { workspaceId, token } = await installed();
    const res = await postClockify(t, {
      event: 'NEW_PROJECT',
      token: token('NEW_PROJECT'),
      body: `{"workspaceId":"${workspaceId}","id":"p1","name":"${escaped}","${escaped}":1}`,
    });
    expect(res.statusCode, res.body).toBe(202);
    const { eventId } = res.json<{ eventId: string }>();
    await runProcessJob(workspaceId, [eventId]);
    expect(await eventRow(eventId)).toMatchObject({ status: 'processed', lastError: null });
    const cached = await t.db.prisma.cachedEntity.findUniqueOrThrow({
      where: { workspaceId_entityType_entityId: { workspaceId, entityType: 'project', entityId: 'p1' } },
    });
    expect(cached.data).toMatchObject({ name: stored, [stored]: 1 });
  });
});

describe('an event that cannot succeed on retry', () => {
  it('ends failed at once with its reason, visible in the log and stats, and the rest of its job is processed', async () => {
    const { workspaceId } = await installed();
    // Stored as an older gateway (without the ingest limit) would have: 10 000 arrays deep.
    const base = {
      workspaceId,
      sourceKind: 'clockify' as const,
      sourceKey: 'clockify',
      eventType: 'NEW_PROJECT',
    };
    const deepBody = Buffer.from(deepJson(workspaceId, 'p-deep', 10_000));
    const fineBody = Buffer.from(JSON.stringify({ workspaceId, id: 'p-fine', name: 'fine' }));
    const outcomes = await t.deps.modules.ingestion.eventsRepo.insertBatch(
      [deepBody, fineBody].map((body) => ({
        ...base,
        dedupKey: clockifyDedupKey('NEW_PROJECT', body),
        contentType: 'application/json',
        body,
        headers: {},
        verification: {},
        receivedAt: new Date(),
      })),
      eventProcessJob,
    );
    const ids = outcomes.map((o) => (o.kind === 'accepted' ? o.eventId : ''));

    await runProcessJob(workspaceId, ids); // the job succeeds: nothing in it is worth retrying
    const deep = await eventRow(ids[0]!);
    expect(deep).toMatchObject({ status: 'failed', lastError: expect.stringMatching(/deeper than 128/) });
    expect(deep.processedAt).toBeInstanceOf(Date);
    expect(await eventRow(ids[1]!)).toMatchObject({ status: 'processed' });

    const owner = bearer(await userToken(t, workspaceId));
    const detail = await t.app.inject({ method: 'GET', url: `/ui/webhooks/${ids[0]}`, headers: owner });
    expect(detail.json()).toMatchObject({ status: 'failed', lastError: expect.stringMatching(/deeper/) });
    const stats = await t.app.inject({ method: 'GET', url: '/ui/stats', headers: owner });
    expect(stats.json().items ?? stats.json()).toEqual(
      expect.arrayContaining([expect.objectContaining({ source: 'clockify', processed: 1, failed: 1 })]),
    );
  });

  it('ends failed at once when a processor hits a data error of the database, and other events go on', async () => {
    const { workspaceId, token } = await installed(['NEW_TAG']);
    const ids: string[] = [];
    for (const id of ['t1', 't2']) {
      const res = await postClockify(t, {
        event: 'NEW_TAG',
        token: token('NEW_TAG'),
        body: { workspaceId, id },
      });
      ids.push(res.json<{ eventId: string }>().eventId);
    }
    const processor: EventProcessor = {
      name: 'stores-a-nul',
      process: async (e) => {
        // PostgreSQL refuses this on every attempt (22P05 untranslatable character).
        if (e.id === ids[0]) await t.db.prisma.$executeRawUnsafe(`SELECT '"\\u0000"'::jsonb`);
      },
    };
    t.deps.processors.push(processor);
    try {
      await runProcessJob(workspaceId, ids);
    } finally {
      t.deps.processors.splice(t.deps.processors.indexOf(processor), 1);
    }
    expect(await eventRow(ids[0]!)).toMatchObject({ status: 'failed', lastError: expect.any(String) });
    expect(await eventRow(ids[1]!)).toMatchObject({ status: 'processed', lastError: null });
  });
});
