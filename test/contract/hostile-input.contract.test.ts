import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, buildTestApp } from '../helpers/build-test-app.js';
import { bearer, install, userToken } from '../helpers/clockify.js';

/**
 * Every route in the generated OpenAPI document, called with hostile input (wrong types, absurd sizes,
 * odd ids and query strings, with and without credentials): the answer is never a 5xx, and every 4xx is
 * in the error envelope (docs/errors.md). New routes are covered as soon as they are documented.
 */
const doc = JSON.parse(readFileSync('openapi/openapi.json', 'utf8')) as {
  paths: Record<string, Record<string, unknown>>;
};

const BODIES: unknown[] = [
  null,
  -1,
  1e308,
  'x',
  [],
  [1, 'a'],
  {},
  { a: { b: { c: [] } } },
  { name: null },
  { name: 'x'.repeat(100_000) },
  { name: 'ok', verification: 'github' },
  { name: 'ok', verification: { scheme: 'nope' } },
  { name: 'ok', verification: { scheme: 'generic-hmac', algorithm: 'md5' } },
  { name: 'ok', verification: { scheme: 'github' }, maxBodyBytes: -5 },
  { name: 'ok', verification: { scheme: 'github' }, dedup: { kind: 'jsonpath', path: '$..[?(@.a' } },
  { name: 'ok', verification: { scheme: 'github' }, contentTypes: ['***'] },
  { graceSeconds: 'abc' },
  { graceSeconds: 1e12 },
  { enabled: 'yes' },
  JSON.parse('{"__proto__": {"admin": true}}'),
  { constructor: { prototype: { x: 1 } } },
  { name: 'k', canWrite: 'maybe' },
];
const QUERIES = [
  '',
  '?limit=-1',
  '?limit=abc',
  '?limit=1e9',
  '?cursor=%00%ff',
  '?cursor=zzz',
  '?from=notadate&to=2020',
  '?status=weird',
  `?source=${'x'.repeat(5_000)}`,
  '?limit=10&limit=20',
  '?from=2030-01-01&to=2020-01-01',
];
const IDS = [
  'x',
  `src_${'a'.repeat(24)}`,
  '..%2F..',
  'a'.repeat(300),
  '%00',
  '💥',
  `evt_${'0'.repeat(20)}`,
  'NEW_PROJECT',
  'project',
];

let t: TestApp;
let auth: Record<string, string>;
const ids = [...IDS];
beforeAll(async () => {
  t = await buildTestApp();
  const { workspaceId } = await install(t);
  auth = bearer(await userToken(t, workspaceId, 'OWNER'));
  // Real ids too, so the routes get past "not found" into their validation.
  const source = await t.app.inject({
    method: 'POST',
    url: '/ui/sources',
    headers: auth,
    payload: { name: 's', verification: { scheme: 'none' } },
  });
  const sourceId = source.json<{ id: string }>().id;
  const event = await t.app.inject({
    method: 'POST',
    url: `/webhooks/custom/${sourceId}`,
    headers: { 'content-type': 'application/json' },
    payload: { a: 1 },
  });
  const key = await t.app.inject({
    method: 'POST',
    url: '/ui/api-keys',
    headers: auth,
    payload: { name: 'k' },
  });
  ids.push(sourceId, event.json<{ eventId: string }>().eventId, key.json<{ id: string }>().id);
});
afterAll(async () => t.close());

describe('hostile input on every documented route', () => {
  it('never gets a 5xx, and every 4xx carries the error envelope', async () => {
    const wrong: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const method of Object.keys(ops)) {
        const urls = path.includes('{')
          ? ids.map((id) => path.replace(/\{[^}]+\}/g, encodeURIComponent(id)))
          : [path];
        const queries = method === 'get' ? QUERIES : [''];
        const bodies = method === 'get' || method === 'delete' ? [undefined] : BODIES;
        for (const url of urls)
          for (const q of queries)
            for (const body of bodies)
              for (const headers of [auth, {}]) {
                const res = await t.app.inject({
                  method: method.toUpperCase() as 'GET',
                  url: url + q,
                  headers: {
                    ...headers,
                    ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
                  },
                  ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
                });
                const what = `${method.toUpperCase()} ${url.slice(0, 80)}${q.slice(0, 40)} ${JSON.stringify(body)?.slice(0, 60)}`;
                if (res.statusCode >= 500)
                  wrong.push(`${what} → ${res.statusCode} ${res.body.slice(0, 200)}`);
                else if (
                  res.statusCode >= 400 &&
                  typeof res.json<{ error?: { code?: unknown } }>().error?.code !== 'string'
                )
                  wrong.push(`${what} → ${res.statusCode} outside the envelope: ${res.body.slice(0, 200)}`);
              }
      }
    }
    expect(wrong).toEqual([]);
  }, 120_000);
});
