import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewEvent } from '../../src/modules/ingestion/events.repo.js';
import { eventProcessJob } from '../../src/modules/ingestion/ingestion.jobs.js';
import { type TestApp, buildTestApp } from '../helpers/build-test-app.js';
import { ADDON_ID, bearer, install, postLifecycle, userToken } from '../helpers/clockify.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

async function source(ws: string, enabled = true): Promise<string> {
  const headers = bearer(await userToken(t, ws));
  const res = await t.app.inject({
    method: 'POST',
    url: '/ui/sources',
    headers,
    payload: { name: 's', verification: { scheme: 'none' } },
  });
  const id = res.json<{ id: string }>().id;
  if (!enabled)
    await t.app.inject({ method: 'PATCH', url: `/ui/sources/${id}`, headers, payload: { enabled: false } });
  return id;
}

let n = 0;
const event = (workspaceId: string, sourceKey: string, dedupKey = `k${n++}`): NewEvent => ({
  workspaceId,
  sourceKind: sourceKey === 'clockify' ? 'clockify' : 'custom',
  sourceKey,
  eventType: 'test',
  dedupKey,
  contentType: 'application/json',
  body: Buffer.from(`{"n":${n}}`),
  headers: { 'content-type': 'application/json' },
  verification: { method: 'none' },
  receivedAt: new Date(),
});

describe('the ingest batch statement', () => {
  it('decides each event of a mixed batch on its own: stored, skipped, duplicate or gone', async () => {
    const { workspaceId: active } = await install(t);
    const { workspaceId: inactive } = await install(t);
    const { workspaceId: deleted } = await install(t);
    const ok = await source(active);
    const off = await source(active, false);
    const idle = await source(inactive);
    const gone = await source(deleted);
    await postLifecycle(t, '/lifecycle/status-changed', {
      addonId: ADDON_ID,
      workspaceId: inactive,
      status: 'INACTIVE',
    });
    await postLifecycle(t, '/lifecycle/deleted', { addonId: ADDON_ID, workspaceId: deleted });

    const batch = [
      event(active, ok, 'same'),
      event(active, off),
      event(inactive, idle),
      event(deleted, gone),
      event(active, ok, 'same'), // the same delivery twice in one batch
      event(active, 'clockify'),
    ];
    const outcomes = await t.deps.modules.ingestion.eventsRepo.insertBatch(batch, eventProcessJob);
    expect(outcomes.map((o) => o.kind)).toEqual([
      'accepted',
      'gone',
      'accepted',
      'gone',
      'duplicate',
      'accepted',
    ]);
    const first = outcomes[0] as { eventId: string; jobId: string | null };
    expect(outcomes[4]).toEqual({ kind: 'duplicate', eventId: first.eventId });
    expect((outcomes[2] as { jobId: string | null }).jobId).toBeNull(); // inactive: stored as skipped, no job

    const rows = await t.db.prisma.webhookEvent.findMany({
      where: { id: { in: outcomes.flatMap((o) => (o.kind === 'accepted' ? [o.eventId] : [])) } },
      select: { workspaceId: true, status: true, jobId: true },
    });
    expect(rows.map((r) => r.status).sort()).toEqual(['queued', 'queued', 'skipped']);
    // One event.process job for the active workspace, listing both of its stored events.
    const jobs = await t.db.prisma.job.findMany({ where: { id: first.jobId! } });
    expect(jobs).toHaveLength(1);
    expect((jobs[0]!.payload as { eventIds: string[] }).eventIds).toHaveLength(2);
  });
});
