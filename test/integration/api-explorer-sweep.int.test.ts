/**
 * The sweep over the catalogue through HTTP: every GET operation, described by the explorer and executed
 * from its own example request against the fake Clockify, gets the fake's answer. No 5xx of ours and no
 * validation error on our own example. Path ids that name entities the fake generates are replaced by
 * ids it has (the spec's example ids exist nowhere); everything else is the example as the explorer gave it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClockifyOperation, loadCatalogue } from '../../src/integrations/clockify/catalogue.js';
import type { WorkspaceData } from '../../tools/fake-clockify/data.js';
import { type FakeClockify, createFakeClockify } from '../../tools/fake-clockify/server.js';
import { type TestApp, buildTestApp, hexId } from '../helpers/build-test-app.js';
import { bearer, installAgainstFake, userToken } from '../helpers/clockify.js';

const ws = hexId();
let t: TestApp;
let fake: FakeClockify;

beforeAll(async () => {
  t = await buildTestApp();
  fake = await createFakeClockify({
    workspaces: [{ id: ws, name: ws, tokens: [`unused-${ws}`] }],
    acceptInstallationTokens: true,
  });
  await installAgainstFake(t, fake, ws, [{ id: 'bootstrap_max_rps', value: 50 }]);
});
afterAll(async () => {
  await fake?.close();
  await t?.close();
});

/** An id the fake has for the entity a path segment names, or undefined (keep the example's). */
function knownId(
  collection: string,
  params: Record<string, string>,
  data: WorkspaceData,
): string | undefined {
  const first = (items: { id: string }[]) => items[0]?.id;
  switch (collection) {
    case 'projects':
      return first(data.projects);
    case 'clients':
      return first(data.clients);
    case 'users':
    case 'user':
    case 'member-profile':
      return first(data.users);
    case 'tasks':
      return first(data.tasks.get(params.projectId ?? '') ?? []);
    case 'tags':
      return first(data.tags);
    case 'time-entries':
      return first([...data.timeEntries.values()].flat());
    case 'webhooks':
      return first(data.webhooks);
    case 'user-groups':
      return first(data.userGroups);
    case 'custom-fields':
      return first(data.customFields);
    default:
      return undefined;
  }
}

function withKnownIds(op: ClockifyOperation, example: Record<string, string>, data: WorkspaceData) {
  const params = { ...example };
  const segments = op.path.split('/');
  segments.forEach((segment, i) => {
    const name = /^\{([^}]+)\}$/.exec(segment)?.[1];
    if (name === undefined || name === 'workspaceId') return;
    const id = knownId(segments[i - 1] ?? '', params, data);
    if (id !== undefined) params[name] = id;
  });
  return params;
}

describe('explorer sweep over every GET operation', () => {
  it('executes each GET from its example request and returns the fake’s answer', async () => {
    const catalogue = await loadCatalogue();
    const data = fake.data.get(ws)!;
    // One webhook, so the webhook GETs have an id to read.
    data.webhooks.push({ id: hexId(), workspaceId: ws, name: 'sweep', url: 'https://example.com/hook' });
    const h = bearer(await userToken(t, ws, 'USER'));
    const gets = catalogue.operations.filter((op) => op.method === 'GET');
    expect(gets).toHaveLength(50);
    const problems: string[] = [];
    for (const op of gets) {
      const described = await t.app.inject({
        method: 'GET',
        url: `/ui/api-explorer/operations/${op.operationId}`,
        headers: h,
      });
      expect(described.statusCode, op.operationId).toBe(200);
      const { example } = described.json();
      const pathParams = withKnownIds(op, example.pathParams, data);
      const before = fake.stats.requests(ws).length;
      const res = await t.app.inject({
        method: 'POST',
        url: '/ui/api-explorer/execute',
        headers: h,
        payload: { operationId: op.operationId, pathParams, query: example.query },
      });
      if (res.statusCode !== 200) {
        problems.push(`${op.operationId}: ${res.statusCode} ${res.body.slice(0, 300)}`);
        continue;
      }
      const result = res.json();
      // The fake saw exactly this call, and its answer is what the explorer returned.
      const seen = fake.stats.requests(ws).slice(before);
      expect(
        seen.map((r) => r.operationId),
        op.operationId,
      ).toEqual([op.operationId]);
      expect(result.status, op.operationId).toBe(seen[0]!.status);
      if (result.status < 200 || result.status >= 300)
        problems.push(`${op.operationId}: upstream ${result.status} ${result.explanation}`);
      expect(result.outcome, op.operationId).toBe('success');
      expect(result.request.method).toBe('GET');
    }
    expect(problems).toEqual([]);
    const history = await t.app.inject({
      method: 'GET',
      url: '/ui/api-explorer/history?limit=100',
      headers: h,
    });
    expect(history.json().items).toHaveLength(50);
  }, 120_000);
});
