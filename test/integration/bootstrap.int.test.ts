import { readFileSync } from 'node:fs';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDeps } from '../../src/deps.js';
import type { WorkspaceCounts } from '../../tools/fake-clockify/data.js';
import { type FakeClockify, createFakeClockify } from '../../tools/fake-clockify/server.js';
import { loadCatalogue } from '../../src/integrations/clockify/catalogue.js';
import type { Database } from '../../src/store/database.js';
import { type TestApp, buildTestApp, hexId } from '../helpers/build-test-app.js';
import {
  ADDON_ID,
  bearer,
  install,
  installAgainstFake,
  postLifecycle,
  userToken,
} from '../helpers/clockify.js';
import { waitFor } from '../helpers/wait-for.js';

// Each test has its own workspace in one fake Clockify, so rate limits and request logs do not mix.
const W = {
  full: hexId(),
  edges: hexId(),
  throttled: hexId(),
  forbidden: hexId(),
  crash: hexId(),
  twoInstances: hexId(),
  conflict: hexId(),
  other: hexId(),
  purge: hexId(),
};
const SMALL: Partial<WorkspaceCounts> = {
  users: 2,
  clients: 2,
  projects: 3,
  tasksPerProject: 1,
  tags: 2,
  timeEntriesPerUser: 3,
  userGroups: 1,
  customFields: 1,
};
const counts: Record<string, Partial<WorkspaceCounts>> = {
  [W.full]: {
    users: 7,
    clients: 3,
    projects: 60,
    tasksPerProject: 2,
    tags: 4,
    timeEntriesPerUser: 12,
    userGroups: 2,
    customFields: 2,
  },
  // Empty collections (custom fields, user groups) and an exact multiple of the page size (50 tags).
  [W.edges]: {
    users: 1,
    clients: 0,
    projects: 0,
    tags: 50,
    timeEntriesPerUser: 0,
    userGroups: 0,
    customFields: 0,
  },
  [W.crash]: {
    users: 6,
    clients: 2,
    projects: 12,
    tasksPerProject: 1,
    tags: 2,
    timeEntriesPerUser: 120,
    userGroups: 1,
    customFields: 1,
  },
  [W.twoInstances]: {
    users: 3,
    clients: 2,
    projects: 12,
    tasksPerProject: 1,
    tags: 2,
    timeEntriesPerUser: 2,
    userGroups: 1,
    customFields: 1,
  },
};

let t: TestApp;
let fake: FakeClockify;
const FAST = [{ id: 'bootstrap_max_rps', value: 50 }];

beforeAll(async () => {
  t = await buildTestApp();
  fake = await createFakeClockify({
    workspaces: Object.values(W).map((id) => ({
      id,
      name: id,
      tokens: [`unused-${id}`],
      counts: counts[id] ?? SMALL,
    })),
    acceptInstallationTokens: true,
  });
});
afterAll(async () => {
  await fake.close();
  await t.close();
});
afterEach(async () => {
  fake.clearFaults();
  await t.deps.runner.stop(5_000);
});

const latestRun = (workspaceId: string) =>
  t.db.prisma.bootstrapRun.findFirst({ where: { workspaceId }, orderBy: { createdAt: 'desc' } });

async function finishedRun(workspaceId: string, timeoutMs = 30_000) {
  return waitFor(
    async () => {
      const run = await latestRun(workspaceId);
      return run !== null && ['completed', 'failed', 'cancelled'].includes(run.status) ? run : null;
    },
    { timeoutMs, what: `bootstrap of ${workspaceId} finished` },
  );
}

async function cachedIds(workspaceId: string, entityType: string): Promise<string[]> {
  const rows = await t.db.prisma.cachedEntity.findMany({
    where: { workspaceId, entityType },
    select: { entityId: true },
  });
  return rows.map((r) => r.entityId).sort();
}

const ids = (items: { id: string }[]) => items.map((e) => e.id).sort();
const requestsTo = (workspaceId: string, pathEnd: string) =>
  fake.stats.requests(workspaceId).filter((r) => r.path.endsWith(pathEnd) && r.status !== 429).length;

describe('bootstrap', () => {
  it('runs after INSTALLED and fills the cache with exactly the fake workspace’s entities', async () => {
    t.deps.runner.start();
    await installAgainstFake(t, fake, W.full, FAST);
    const run = await finishedRun(W.full);
    expect(run).toMatchObject({ status: 'completed', trigger: 'installed', errors: 0 });
    expect(run.opsDone).toBe(run.opsTotal);

    const data = fake.data.get(W.full)!;
    expect(await cachedIds(W.full, 'workspace')).toEqual([W.full]);
    expect(await cachedIds(W.full, 'user')).toEqual(ids(data.users));
    expect(await cachedIds(W.full, 'client')).toEqual(ids(data.clients));
    expect(await cachedIds(W.full, 'project')).toEqual(ids(data.projects));
    expect(await cachedIds(W.full, 'task')).toEqual(ids([...data.tasks.values()].flat()));
    expect(await cachedIds(W.full, 'tag')).toEqual(ids(data.tags));
    expect(await cachedIds(W.full, 'time-entry')).toEqual(ids([...data.timeEntries.values()].flat()));
    expect(await cachedIds(W.full, 'user-group')).toEqual(ids(data.userGroups));
    expect(await cachedIds(W.full, 'custom-field')).toEqual(ids(data.customFields));
    expect(run.entities).toBe(await t.db.prisma.cachedEntity.count({ where: { workspaceId: W.full } }));

    // 60 projects at 50 per page: two pages; one task list per project, one time-entry list per user.
    expect(requestsTo(W.full, '/projects')).toBe(2);
    expect(requestsTo(W.full, '/tasks')).toBe(60);
    expect(requestsTo(W.full, '/time-entries')).toBe(7);
    // Heavy operations are off by default.
    expect(requestsTo(W.full, '/shared-reports')).toBe(0);

    const res = await t.app.inject({
      method: 'GET',
      url: '/ui/bootstrap',
      headers: bearer(await userToken(t, W.full)),
    });
    expect(res.statusCode).toBe(200);
    const view = res.json().run;
    expect(view).toMatchObject({ id: run.id, status: 'completed', estimatedSecondsLeft: 0 });
    expect(view.summary.find((s: { operationId: string }) => s.operationId === 'getTasks')).toMatchObject({
      lists: 60,
      done: 60,
      entities: 120,
    });
    expect(view.excluded.map((e: { operationId: string }) => e.operationId)).toContain('getSharedReportsV1');

    const dash = await t.app.inject({
      method: 'GET',
      url: '/ui/dashboard',
      headers: bearer(await userToken(t, W.full)),
    });
    expect(dash.json()).toMatchObject({
      bootstrap: { runId: run.id, status: 'completed' },
      cache: { byType: { project: 60, task: 120, 'time-entry': 84 } },
    });
  });

  it('handles empty collections and an exact multiple of the page size without an extra request', async () => {
    t.deps.runner.start();
    await installAgainstFake(t, fake, W.edges, FAST);
    const run = await finishedRun(W.edges);
    expect(run.status).toBe('completed');
    expect(await cachedIds(W.edges, 'tag')).toHaveLength(50);
    expect(requestsTo(W.edges, '/tags')).toBe(1);
    expect(await cachedIds(W.edges, 'project')).toEqual([]);
    expect(await cachedIds(W.edges, 'custom-field')).toEqual([]);
    expect(requestsTo(W.edges, '/tasks')).toBe(0); // no projects, so no task lists
  });

  it('waits out 429s from Clockify and completes', async () => {
    fake.setFault({
      operationId: 'getClients',
      workspaceId: W.throttled,
      status: 429,
      headers: { 'retry-after': '1' },
      times: 2,
    });
    t.deps.runner.start();
    await installAgainstFake(t, fake, W.throttled, FAST);
    const run = await finishedRun(W.throttled);
    expect(run).toMatchObject({ status: 'completed', errors: 0 });
    expect(fake.stats.requests(W.throttled).filter((r) => r.status === 429)).toHaveLength(2);
    expect(await cachedIds(W.throttled, 'client')).toEqual(ids(fake.data.get(W.throttled)!.clients));
  });

  it('records a missing scope (403) on its operation, skips it, and completes the run', async () => {
    fake.setFault({
      operationId: 'getTags',
      workspaceId: W.forbidden,
      status: 403,
      body: { code: 403, message: 'Missing scope TAG_READ' },
    });
    t.deps.runner.start();
    await installAgainstFake(t, fake, W.forbidden, FAST);
    const run = await finishedRun(W.forbidden);
    expect(run).toMatchObject({ status: 'completed', errors: 1 });
    const op = await t.db.prisma.bootstrapOperation.findFirstOrThrow({
      where: { runId: run.id, operationId: 'getTags' },
    });
    expect(op.status).toBe('failed');
    expect(op.error).toMatch(/missing scope.*TAG_READ/i);
    expect(await cachedIds(W.forbidden, 'tag')).toEqual([]);
    expect(await cachedIds(W.forbidden, 'project')).toHaveLength(3);
    const res = await t.app.inject({
      method: 'GET',
      url: '/ui/bootstrap',
      headers: bearer(await userToken(t, W.forbidden)),
    });
    expect(res.json().run.failures).toEqual([
      expect.objectContaining({ operationId: 'getTags', status: 'failed' }),
    ]);
  });

  it('resumes after a crash without refetching finished operations', async () => {
    // Instance A stalls on one user's time entries (page 2) and dies there; instance B takes over.
    const [firstUser] = fake.data.get(W.crash)!.users;
    const stalled = `/user/${firstUser!.id}/time-entries`;
    // Faults match in order: page 1 passes (the operation is half done), then every later call hangs.
    fake.setFault({ workspaceId: W.crash, pathPattern: `${stalled}$`, latencyMs: 0, times: 1 });
    fake.setFault({ workspaceId: W.crash, pathPattern: `${stalled}$`, hang: true, hangMs: 30_000 });

    // Instance A: its own database client and runner (a stopped runner cannot be restarted after an abort).
    const dbA = await t.db.openAnother();
    const a = await createDeps(t.config, { database: dbA, logger: pino({ level: 'silent' }) });
    a.runner.start();
    await installAgainstFake(t, fake, W.crash, FAST);
    const runId = (await waitFor(() => latestRun(W.crash), { what: 'run created' })).id;
    const halfDone = await waitFor(
      async () => {
        const op = await t.db.prisma.bootstrapOperation.findFirst({
          where: { runId, operationId: 'getTimeEntries', paramsKey: `userId=${firstUser!.id}` },
        });
        return op !== null && op.pagesFetched === 1 ? op : null;
      },
      { what: 'first user’s time entries half fetched' },
    );
    expect(halfDone.status).toBe('running');
    // Let other lists finish, then kill instance A mid-flight (the stalled call is aborted, not answered).
    await waitFor(
      async () => (await t.db.prisma.bootstrapOperation.count({ where: { runId, status: 'done' } })) >= 10,
      { what: 'ten lists done' },
    );
    await a.runner.stop(0);
    await a.close();
    await dbA.close();
    const doneBefore = await t.db.prisma.bootstrapOperation.findMany({ where: { runId, status: 'done' } });
    const requestsBefore = fake.stats.requests(W.crash).length;
    fake.clearFaults();
    // A crashed worker's jobs come back when their leases expire; make them due now instead of waiting.
    await t.db.prisma.job.updateMany({
      where: { workspaceId: W.crash, name: 'bootstrap.operation', status: { in: ['queued', 'running'] } },
      data: { status: 'queued', runAt: new Date(Date.now() - 1_000), lockedBy: null, lockedUntil: null },
    });

    // Instance B finishes the run.
    t.deps.runner.start();
    const run = await finishedRun(W.crash);
    expect(run).toMatchObject({ status: 'completed', errors: 0 });
    expect(fake.stats.requests(W.crash).length).toBeGreaterThan(requestsBefore);
    const after = fake.stats.requests(W.crash);
    const wsPath = `/v1/workspaces/${W.crash}`;
    for (const op of doneBefore) {
      // A list finished before the crash was requested exactly as many times as it has pages.
      const params = op.pathParams as Record<string, string>;
      const path = (await loadCatalogue())
        .get(op.operationId)!
        .path.replace('{workspaceId}', W.crash)
        .replace(/\{(\w+)\}/g, (_, n: string) => params[n] ?? '');
      expect(after.filter((r) => r.path === path).length, `${op.operationId} ${op.paramsKey}`).toBe(
        op.pagesFetched,
      );
    }
    // The half-done list resumed at page 2: page 1 went out once, page 2 at most twice (the aborted call).
    const resumed = await t.db.prisma.bootstrapOperation.findUniqueOrThrow({ where: { id: halfDone.id } });
    expect(resumed).toMatchObject({ status: 'done', pagesFetched: 3 });
    expect(after.filter((r) => r.path === `${wsPath}${stalled}`).length).toBeLessThanOrEqual(4);
    expect(await cachedIds(W.crash, 'time-entry')).toEqual(
      ids([...fake.data.get(W.crash)!.timeEntries.values()].flat()),
    );
  });

  it('fails the run at once, with the reason, when Clockify cannot be reached', async () => {
    const { workspaceId } = await install(t); // points at https://api.clockify.test, which does not resolve
    t.deps.runner.start();
    const run = await finishedRun(workspaceId);
    expect(run.status).toBe('failed');
    expect(run.lastError).toMatch(/network/);
    expect(await t.db.prisma.bootstrapOperation.count({ where: { runId: run.id } })).toBe(0);
  });

  it('keeps two instances on one database under the workspace’s rate in every sliding second', async () => {
    const other: Database = await t.db.openAnother();
    const b = await createDeps(t.config, { database: other, logger: pino({ level: 'silent' }) });
    try {
      await installAgainstFake(t, fake, W.twoInstances, [{ id: 'bootstrap_max_rps', value: 10 }]);
      t.deps.runner.start();
      b.runner.start();
      const run = await finishedRun(W.twoInstances);
      expect(run.status).toBe('completed');
    } finally {
      await b.close();
      await other.close();
    }
    expect(fake.stats.requests(W.twoInstances).length).toBeGreaterThan(20);
    expect(fake.stats.maxPerSlidingSecond(W.twoInstances)).toBeLessThanOrEqual(10);
    expect(fake.stats.rejected(W.twoInstances)).toBe(0);
  });
});

describe('admin API', () => {
  it('answers a second trigger while a run is active with 409 and the running run’s id', async () => {
    await installAgainstFake(t, fake, W.conflict);
    // The runner is stopped and the install's set-up job removed: only the admin's triggers start runs.
    await t.db.prisma.job.deleteMany({ where: { workspaceId: W.conflict, name: 'installation.setup' } });
    const headers = bearer(await userToken(t, W.conflict));
    const first = await t.app.inject({ method: 'POST', url: '/ui/bootstrap/trigger', headers });
    expect(first.statusCode).toBe(202);
    const { runId } = first.json();
    const second = await t.app.inject({ method: 'POST', url: '/ui/bootstrap/trigger', headers });
    expect(second.statusCode).toBe(409);
    expect(second.json().error).toMatchObject({ code: 'CONFLICT', details: { runId } });
    // Readers may not trigger.
    const reader = await t.app.inject({
      method: 'POST',
      url: '/ui/bootstrap/trigger',
      headers: bearer(await userToken(t, W.conflict, 'TEAM_MANAGER')),
    });
    expect(reader.statusCode).toBe(403);
    t.deps.runner.start();
    expect((await finishedRun(W.conflict)).id).toBe(runId);
    const third = await t.app.inject({ method: 'POST', url: '/ui/bootstrap/trigger', headers });
    expect(third.statusCode).toBe(202);
  });

  it('pages the cache by cursor and never shows another workspace’s entries', async () => {
    await installAgainstFake(t, fake, W.other);
    await t.deps.cache.counts(W.other); // installed, nothing cached
    const mine = bearer(await userToken(t, W.full));
    const theirs = bearer(await userToken(t, W.other));
    const page1 = await t.app.inject({ method: 'GET', url: '/ui/cache/project?limit=40', headers: mine });
    expect(page1.statusCode).toBe(200);
    expect(page1.json().items).toHaveLength(40);
    const page2 = await t.app.inject({
      method: 'GET',
      url: `/ui/cache/project?limit=40&cursor=${page1.json().nextCursor}`,
      headers: mine,
    });
    expect(page2.json().items).toHaveLength(20);
    expect(page2.json().nextCursor).toBeNull();
    expect([...page1.json().items, ...page2.json().items].map((i: { id: string }) => i.id)).toEqual(
      ids(fake.data.get(W.full)!.projects),
    );

    const foreign = await t.app.inject({ method: 'GET', url: '/ui/cache/project', headers: theirs });
    expect(foreign.json()).toEqual({ entityType: 'project', items: [], nextCursor: null });
    expect(
      (await t.app.inject({ method: 'GET', url: '/ui/bootstrap', headers: theirs })).json().run,
    ).toBeNull();
    expect(
      (await t.app.inject({ method: 'GET', url: '/ui/dashboard', headers: theirs })).json().cache.total,
    ).toBe(0);

    expect(
      (await t.app.inject({ method: 'GET', url: '/ui/cache/no-such-type', headers: mine })).statusCode,
    ).toBe(404);
    const bad = await t.app.inject({ method: 'GET', url: '/ui/cache/project?limit=500', headers: mine });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('VALIDATION_FAILED');
    expect((await t.app.inject({ method: 'GET', url: '/ui/cache/project' })).statusCode).toBe(401);
  });

  it('purges the cache, runs, operations and rate-limit row on DELETED', async () => {
    t.deps.runner.start();
    await installAgainstFake(t, fake, W.purge, FAST);
    await finishedRun(W.purge);
    expect(await t.db.prisma.cachedEntity.count({ where: { workspaceId: W.purge } })).toBeGreaterThan(0);
    expect(await t.db.prisma.rateLimitSlot.count({ where: { key: W.purge } })).toBe(1);
    await postLifecycle(t, '/lifecycle/deleted', {
      addonId: ADDON_ID,
      workspaceId: W.purge,
      asUser: 'owner-user',
    });
    await waitFor(
      async () => (await t.db.prisma.installation.count({ where: { workspaceId: W.purge } })) === 0,
      { what: 'purge', timeoutMs: 20_000 },
    );
    expect(await t.db.prisma.cachedEntity.count({ where: { workspaceId: W.purge } })).toBe(0);
    expect(await t.db.prisma.bootstrapRun.count({ where: { workspaceId: W.purge } })).toBe(0);
    expect(await t.db.prisma.bootstrapOperation.count({ where: { workspaceId: W.purge } })).toBe(0);
    expect(await t.db.prisma.rateLimitSlot.count({ where: { key: W.purge } })).toBe(0);
  });
});

describe('cache event processor', () => {
  const sample = (name: string): Record<string, unknown> =>
    JSON.parse(readFileSync(`test/fixtures/clockify/webhook-samples/${name}.json`, 'utf8')) as Record<
      string,
      unknown
    >;
  const ctx = () => ({
    jobId: 'job_test',
    attempt: 1,
    workspaceId: null,
    log: pino({ level: 'silent' }),
    signal: new AbortController().signal,
  });
  const event = (
    workspaceId: string,
    eventType: string,
    payload: unknown,
    sourceKind: 'clockify' | 'custom' = 'clockify',
  ) => ({
    id: `evt_${hexId()}`,
    workspaceId,
    sourceKind,
    sourceId: null,
    eventType,
    payload,
    receivedAt: new Date(),
  });

  it('is registered for the ingestion pipeline and keeps the cache fresh from webhook payloads', async () => {
    const processor = t.deps.processors.find((p) => p.name === 'entity-cache')!;
    expect(processor).toBeDefined();
    const ws = '5f11791a4e759e12c40733ba'; // the samples' workspace
    const project = sample('NEW_PROJECT');
    await processor.process(event(ws, 'NEW_PROJECT', project), ctx());
    await processor.process(event(ws, 'NEW_PROJECT', project), ctx()); // at-least-once: twice is fine
    expect((await t.deps.cache.counts(ws)).project).toBe(1);

    await processor.process(
      event(ws, 'PROJECT_UPDATED', { ...sample('PROJECT_UPDATED'), name: 'Renamed' }),
      ctx(),
    );
    const row = await t.db.prisma.cachedEntity.findUniqueOrThrow({
      where: {
        workspaceId_entityType_entityId: {
          workspaceId: ws,
          entityType: 'project',
          entityId: project.id as string,
        },
      },
    });
    expect(row.data).toMatchObject({ name: 'Renamed', clientId: project.clientId });

    // A partial user payload is merged into the cached user.
    const user = sample('USER_UPDATED');
    await processor.process(
      event(ws, 'USER_JOINED_WORKSPACE', { ...user, status: 'ACTIVE', email: 'old@example.com' }),
      ctx(),
    );
    await processor.process(event(ws, 'USER_UPDATED', user), ctx());
    const cachedUser = await t.db.prisma.cachedEntity.findUniqueOrThrow({
      where: {
        workspaceId_entityType_entityId: { workspaceId: ws, entityType: 'user', entityId: user.id as string },
      },
    });
    expect(cachedUser.data).toMatchObject({ status: 'ACTIVE', email: user.email });

    await processor.process(event(ws, 'PROJECT_DELETED', sample('PROJECT_DELETED')), ctx());
    await processor.process(
      event(ws, 'USER_DELETED_FROM_WORKSPACE', sample('USER_DELETED_FROM_WORKSPACE')),
      ctx(),
    );
    expect(await t.deps.cache.counts(ws)).toEqual({});

    // Other workspaces' payloads and custom sources change nothing.
    await processor.process(event('another-workspace', 'NEW_PROJECT', project), ctx());
    await processor.process(event(ws, 'NEW_PROJECT', project, 'custom'), ctx());
    expect(
      await t.db.prisma.cachedEntity.count({ where: { workspaceId: { in: [ws, 'another-workspace'] } } }),
    ).toBe(0);
  });

  it('updates entries a bootstrap run filled', async () => {
    const processor = t.deps.processors.find((p) => p.name === 'entity-cache')!;
    const [project] = fake.data.get(W.full)!.projects;
    await processor.process(
      event(W.full, 'PROJECT_UPDATED', { ...project, workspaceId: W.full, name: 'From webhook' }),
      ctx(),
    );
    const res = await t.app.inject({
      method: 'GET',
      url: '/ui/cache/project?limit=100',
      headers: bearer(await userToken(t, W.full)),
    });
    const item = res.json().items.find((i: { id: string }) => i.id === project!.id);
    expect(item.data.name).toBe('From webhook');
    expect(Date.parse(item.updatedAt)).toBeGreaterThan(Date.parse(item.fetchedAt));
  });
});
