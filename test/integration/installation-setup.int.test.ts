import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FakeClockify, createFakeClockify } from '../../tools/fake-clockify/server.js';
import type { JobContext } from '../../src/jobs/runner.js';
import { ADDON_KEY, type TestApp, buildTestApp, hexId } from '../helpers/build-test-app.js';
import { ADDON_ID, installAgainstFake } from '../helpers/clockify.js';
import { waitFor } from '../helpers/wait-for.js';

/**
 * installation.setup is retried when a step fails (a webhook registration, an unreachable Clockify). The
 * retry resumes: steps already done (the bootstrap this installation started, the webhooks registered)
 * are not done again. The set-up is driven by hand here, attempt by attempt, so each test decides what
 * happens between two attempts.
 */
const W = { registration: hexId(), unreachable: hexId() };

let t: TestApp;
let fake: FakeClockify;
beforeAll(async () => {
  t = await buildTestApp({ env: { CLOCKIFY_REGISTER_EVENTS: 'rest' } });
  fake = await createFakeClockify({
    workspaces: Object.values(W).map((id) => ({
      id,
      tokens: [`unused-${id}`],
      counts: { users: 1, clients: 1, projects: 1, tasksPerProject: 1, tags: 1, timeEntriesPerUser: 1 },
    })),
    acceptInstallationTokens: true,
    rateLimitPerSecond: 1_000,
    webhookAuthToken: (w) =>
      t.sign({ workspaceId: w.workspaceId, addonId: ADDON_ID, webhookId: w.id }, { addonKey: ADDON_KEY }),
  });
});
afterEach(async () => {
  fake.clearFaults();
  await t.deps.runner.stop(5_000);
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

const ctx = (workspaceId: string, attempt: number): JobContext => ({
  jobId: `setup-attempt-${attempt}`,
  attempt,
  workspaceId,
  log: t.deps.log,
  signal: new AbortController().signal,
});
/** One attempt of installation.setup, through the job's real binding (every module's steps, in order). */
const setupAttempt = (workspaceId: string, attempt: number) =>
  t.deps.registry.get('installation.setup')!.handler({ workspaceId }, ctx(workspaceId, attempt));
const runs = (workspaceId: string) =>
  t.db.prisma.bootstrapRun.findMany({ where: { workspaceId }, orderBy: { createdAt: 'asc' } });
/** Install, and keep the queued set-up job out of the runner's way: the test runs the set-up itself. */
async function installForHandRun(workspaceId: string, apiUrls: { apiUrl: string; reportsUrl: string }) {
  await installAgainstFake(t, apiUrls, workspaceId);
  await t.db.prisma.job.deleteMany({ where: { workspaceId, name: 'installation.setup' } });
}

describe('a retried installation set-up resumes', () => {
  it('after a failed webhook registration: no second bootstrap, no webhook registered twice', async () => {
    const ws = W.registration;
    await installForHandRun(ws, fake);
    fake.setFault({ operationId: 'createWebhook', workspaceId: ws, status: 500, times: 1 });
    await expect(setupAttempt(ws, 1)).rejects.toThrow(/could not register 1/);
    expect(await runs(ws)).toHaveLength(1);

    // Between the attempts the bootstrap the first attempt started runs to its end.
    t.deps.runner.start();
    await waitFor(async () => (await runs(ws))[0]?.status === 'completed', { what: 'first bootstrap' });
    await t.deps.runner.stop(5_000);

    await setupAttempt(ws, 2);
    expect(await runs(ws)).toHaveLength(1);
    const created = fake.recorded.filter(
      (r) => r.workspaceId === ws && r.operationId === 'createWebhook' && r.status < 300,
    );
    const events = created.map((r) => (r.body as { webhookEvent: string }).webhookEvent);
    expect(events).toHaveLength(41);
    expect(new Set(events).size).toBe(41);
  });

  it('while Clockify cannot be reached: one bootstrap for the installation, however many attempts', async () => {
    const ws = W.unreachable;
    // Nothing listens on port 9 of this machine: every call fails to connect.
    await installForHandRun(ws, {
      apiUrl: 'http://127.0.0.1:9/api',
      reportsUrl: 'http://127.0.0.1:9/reports',
    });
    for (let attempt = 1; attempt <= 4; attempt++) {
      await expect(setupAttempt(ws, attempt)).rejects.toThrow();
      // The run the set-up started finds Clockify unreachable and fails before the next attempt.
      const open = (await runs(ws)).filter((r) => r.status === 'queued');
      for (const run of open) await t.deps.bootstrap.runJob(run.id, ctx(ws, attempt));
    }
    const all = await runs(ws);
    expect(all.map((r) => r.status)).toEqual(['failed']);
    expect(all[0]!.lastError).toMatch(/network/);
  });
});
