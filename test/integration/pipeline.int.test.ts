import { afterAll, beforeAll, expect, it } from 'vitest';
import { type TestApp, buildTestApp } from '../helpers/build-test-app.js';
import { bearer, install, userToken } from '../helpers/clockify.js';
import { waitFor } from '../helpers/wait-for.js';
import { postClockify, samplePayload, seedWebhookTokens } from '../helpers/webhooks.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

// End to end through the real wiring: webhook → stored + event.process job → cache processor → /ui/cache.
it('keeps the entity cache fresh from Clockify webhooks', async () => {
  const { workspaceId } = await install(t);
  const tokens = await seedWebhookTokens(t, workspaceId, ['NEW_PROJECT', 'PROJECT_DELETED']);
  const project = samplePayload('NEW_PROJECT', workspaceId);
  const created = await postClockify(t, {
    event: 'NEW_PROJECT',
    token: tokens.get('NEW_PROJECT')!,
    body: project,
  });
  expect(created.statusCode).toBe(202);

  t.deps.runner.start();
  try {
    const cached = await waitFor(
      async () => {
        const res = await t.app.inject({
          method: 'GET',
          url: '/ui/cache/project',
          headers: bearer(await userToken(t, workspaceId)),
        });
        const items = res.json<{ items: { id: string; data: { name: string } }[] }>().items;
        return items.length > 0 ? items : null;
      },
      { what: 'project cached' },
    );
    expect(cached.map((i) => i.id)).toEqual([project.id]);
    expect(cached[0]?.data.name).toBe(project.name);

    const deleted = await postClockify(t, {
      event: 'PROJECT_DELETED',
      token: tokens.get('PROJECT_DELETED')!,
      body: samplePayload('PROJECT_DELETED', workspaceId),
    });
    expect(deleted.statusCode).toBe(202);
    await waitFor(
      async () =>
        (await t.db.prisma.cachedEntity.count({ where: { workspaceId, entityType: 'project' } })) === 0,
      { what: 'project removed from the cache' },
    );
    const event = await t.db.prisma.webhookEvent.findFirstOrThrow({
      where: { workspaceId, eventType: 'NEW_PROJECT' },
    });
    expect(event.status).toBe('processed');
  } finally {
    await t.deps.runner.stop(5_000);
  }
});
