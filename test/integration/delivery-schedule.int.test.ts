/**
 * A workspace's own retry schedule (`delivery_retry_schedule`): set through SETTINGS_UPDATED (422 naming the
 * problem when out of bounds), followed by the attempt job on a fake clock, dead-lettered after its last
 * delay; another workspace keeps the default. The attempt handler is called directly, as in
 * delivery.int.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Reschedule, RetryAt } from '../../src/jobs/catalog.js';
import type { ProcessedEvent } from '../../src/modules/ingestion/event-processors.js';
import { newId } from '../../src/platform/ids.js';
import { type TestApp, buildTestApp, manualClock } from '../helpers/build-test-app.js';
import { ADDON_ID, install, postLifecycle } from '../helpers/clockify.js';
import {
  type Receiver,
  createEndpoint,
  firstJobOf,
  jobContext,
  receiverEnv,
  startReceiver,
} from '../helpers/delivery.js';

const clock = manualClock();
let t: TestApp;
let rx: Receiver;

beforeAll(async () => {
  rx = await startReceiver();
  t = await buildTestApp({ clock, env: receiverEnv(rx) });
});
afterAll(async () => {
  await t.close();
  await rx.close();
});

const prisma = () => t.db.prisma;

const setSchedule = (workspaceId: string, value: unknown) =>
  postLifecycle(t, '/lifecycle/settings-updated', {
    addonId: ADDON_ID,
    workspaceId,
    settings: [{ id: 'delivery_retry_schedule', value }],
  });

async function messageFor(workspaceId: string, endpointId: string) {
  const e: ProcessedEvent = {
    id: newId('evt'),
    workspaceId,
    sourceKind: 'clockify',
    sourceId: null,
    eventType: 'NEW_TAG',
    payload: { id: 'tag' },
    receivedAt: clock.now(),
  };
  await t.deps.delivery.processor.process(e, jobContext(newId('job'), workspaceId));
  return prisma().webhookMessage.findFirstOrThrow({ where: { endpointId } });
}

/** Runs the message's scheduled attempt job once, as the runner would; returns what it threw. */
async function attempt(workspaceId: string, messageId: string): Promise<unknown> {
  const job = await prisma().job.findFirst(firstJobOf(messageId));
  try {
    await t.deps.delivery.runAttempt(
      { workspaceId, messageId },
      jobContext(job?.id ?? 'job_direct', workspaceId),
    );
    return undefined;
  } catch (err) {
    return err;
  }
}

describe('per-workspace retry schedule', () => {
  it('rejects a schedule out of bounds with a 422 naming the problem, and stores nothing', async () => {
    const { workspaceId } = await install(t);
    const cases: [unknown, RegExp][] = [
      ['5s,25h', /must keep each delay between 1s and 24h: delay 2 \(25h\) is longer$/],
      ['5m,1m', /must not decrease: delay 2 \(1m\) is shorter than delay 1 \(5m\)$/],
      [Array.from({ length: 21 }, () => '1m').join(','), /must list at most 20 delays/],
      ['0s', /delay 1 \(0s\) is shorter$/],
      ['soon', /must list numbers with s, m, h or d/],
      [30, /must be text$/],
    ];
    for (const [value, message] of cases) {
      const res = await setSchedule(workspaceId, value);
      expect(res.statusCode, String(value)).toBe(422);
      const { error } = res.json<{ error: { code: string; message: string } }>();
      expect(error.code).toBe('SETTINGS_INVALID');
      expect(error.message).toMatch(/^delivery_retry_schedule: Retry schedule must /);
      expect(error.message).toMatch(message);
    }
    const inst = await prisma().installation.findUniqueOrThrow({ where: { workspaceId } });
    expect((inst.settings as Record<string, unknown>)['delivery_retry_schedule']).toBe(
      '5s,5m,30m,2h,5h,10h,14h,20h,24h',
    );
  });

  it('follows the workspace’s short schedule on a fake clock, then dead-letters after its last delay', async () => {
    const { workspaceId: ws } = await install(t);
    const { workspaceId: other } = await install(t);
    const set = await setSchedule(ws, ' 2s, 10s ,1M ');
    expect(set.statusCode).toBe(200);
    const inst = await prisma().installation.findUniqueOrThrow({ where: { workspaceId: ws } });
    expect(inst.settings).toMatchObject({ delivery_retry_schedule: '2s,10s,1m' }); // stored canonical

    rx.respond = (_req, res) => {
      res.statusCode = 500;
      res.end('boom');
    };
    const ep = await createEndpoint(t, ws, { url: rx.url, eventTypes: ['NEW_TAG'] });
    const watcher = await createEndpoint(t, ws, {
      url: rx.url,
      eventTypes: ['message.failed'],
      sources: ['gateway'],
    });
    const m = await messageFor(ws, ep.id);
    const hitsBefore = rx.hits.length;
    for (const [i, delayS] of [2, 10, 60].entries()) {
      const before = clock.now().getTime();
      const thrown = await attempt(ws, m.id);
      expect(thrown, `attempt ${i + 1}`).toBeInstanceOf(RetryAt);
      const wait = (thrown as RetryAt).at.getTime() - before;
      expect(wait).toBeGreaterThanOrEqual(delayS * 800);
      expect(wait).toBeLessThanOrEqual(delayS * 1_200);
      expect(await attempt(ws, m.id)).toBeInstanceOf(Reschedule); // not due yet: no request
      clock.advance(wait);
    }
    expect(await attempt(ws, m.id)).toBeUndefined();
    expect(rx.hits.length - hitsBefore).toBe(4);
    expect(await prisma().webhookMessage.findUniqueOrThrow({ where: { id: m.id } })).toMatchObject({
      status: 'failed',
      attempts: 4,
      nextAttemptAt: null,
    });
    const failed = await prisma().webhookMessage.findFirstOrThrow({ where: { endpointId: watcher.id } });
    expect(JSON.parse(failed.body)).toMatchObject({
      type: 'message.failed',
      data: { messageId: m.id, attempts: 4 },
    });

    // Another workspace keeps the default: 5 s after the first failure, ten attempts in all.
    const ep2 = await createEndpoint(t, other, { url: rx.url, eventTypes: ['NEW_TAG'] });
    const m2 = await messageFor(other, ep2.id);
    const before = clock.now().getTime();
    const thrown = await attempt(other, m2.id);
    expect(thrown).toBeInstanceOf(RetryAt);
    const wait = (thrown as RetryAt).at.getTime() - before;
    expect(wait).toBeGreaterThanOrEqual(4_000);
    expect(wait).toBeLessThanOrEqual(6_000);
  });

  it('keeps the 60 s floor after a 429 even when the slot is shorter', async () => {
    const { workspaceId: ws } = await install(t);
    expect((await setSchedule(ws, '1s,1s')).statusCode).toBe(200);
    rx.respond = (_req, res) => {
      res.statusCode = 429;
      res.setHeader('retry-after', '1');
      res.end();
    };
    const ep = await createEndpoint(t, ws, { url: rx.url, eventTypes: ['NEW_TAG'] });
    const m = await messageFor(ws, ep.id);
    const before = clock.now().getTime();
    const thrown = await attempt(ws, m.id);
    expect(thrown).toBeInstanceOf(RetryAt);
    expect((thrown as RetryAt).at.getTime() - before).toBe(60_000);
  });
});
