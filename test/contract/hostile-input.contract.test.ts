import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventProcessJob } from '../../src/modules/ingestion/ingestion.jobs.js';
import { type TestApp, buildTestApp } from '../helpers/build-test-app.js';
import { ADDON_ID, bearer, install, lifecycleToken, userToken } from '../helpers/clockify.js';
import { rawRequest, writeWholeBodyThenRead } from '../helpers/raw-http.js';
import { seedWebhookTokens } from '../helpers/webhooks.js';

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
let workspaceId: string;
let port: number;
const ids = [...IDS];
beforeAll(async () => {
  t = await buildTestApp();
  ({ workspaceId } = await install(t));
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  port = (t.app.server.address() as AddressInfo).port;
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
    // Every hostile body on every documented route: more routes, more time (outbound webhooks added 15).
  }, 300_000);
});

/**
 * The classes of hostile input found by testing from outside (issue #10), on every documented route,
 * with every credential a route may want (an owner's user token, a lifecycle token, a Clockify webhook
 * token), so the input reaches as far into each route as it can.
 */
describe('hostile input classes of issue #10 on every documented route', () => {
  const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((method) => ({ path, method: method.toUpperCase() })),
  );
  const takesBody = (method: string) => method === 'POST' || method === 'PATCH' || method === 'PUT';

  /** Real ids for every path parameter (fresh: the first test deletes and revokes what it finds). */
  async function realPaths(): Promise<{ path: string; method: string; url: string }[]> {
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
    const values: Record<string, string> = {
      event: 'NEW_PROJECT',
      sourceId,
      eventId: event.json<{ eventId: string }>().eventId,
      keyId: key.json<{ id: string }>().id,
      entityType: 'project',
    };
    return operations.map((o) => ({
      ...o,
      url: o.path.replace(/\{([^}]+)\}/g, (_m, name: string) => encodeURIComponent(values[name] ?? 'x')),
    }));
  }

  async function allCredentials(): Promise<Record<string, string>> {
    const tokens = await seedWebhookTokens(t, workspaceId, ['NEW_PROJECT']);
    return {
      ...auth,
      'x-addon-lifecycle-token': await lifecycleToken(t, workspaceId),
      'clockify-signature': tokens.get('NEW_PROJECT')!,
      'clockify-webhook-event-type': 'NEW_PROJECT',
    };
  }

  const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
  const UNSTORABLE = ['"x\\ud800y"', '"\\udfff"', '"nul\\u0000byte"'];
  const hostileBodies = async (): Promise<string[]> => {
    const installed = JSON.parse(
      JSON.stringify({
        addonId: ADDON_ID,
        workspaceId,
        authToken: await lifecycleToken(t, workspaceId),
        apiUrl: 'https://api.clockify.test/api',
        asUser: 'PLACEHOLDER',
      }),
    ) as Record<string, unknown>;
    return [
      ...UNSTORABLE.flatMap((text) => [
        `{"name":${text},"verification":{"scheme":"none"}}`,
        `{"name":"ok","verification":{"scheme":"api-key","header":"X-K"},"secret":${text}}`,
        `{"name":${text}}`,
        `{${text}:1}`,
        `{"graceSeconds":0,"secret":${text}}`,
        `{"workspaceId":"${workspaceId}","id":${text},"name":${text}}`,
        // Shaped like each lifecycle body, with the text in a field every lifecycle schema has (addonId),
        // so no route can strip it as unknown and act on the rest (a valid DELETED would purge the test's
        // workspace).
        JSON.stringify(installed).replace('"PLACEHOLDER"', text).replace(`"${ADDON_ID}"`, text),
        `{"addonId":${text},"workspaceId":"${workspaceId}","status":"INACTIVE"}`,
        `{"addonId":${text},"workspaceId":"${workspaceId}","settings":[{"id":"cache_ttl_days","value":${text}}]}`,
        `{"addonId":${text},"workspaceId":"${workspaceId}","asUser":${text}}`,
      ]),
      deep(10_000),
      `{"name":"deep","verification":{"scheme":"none"},"x":${deep(10_000)}}`,
      `{"addonId":${UNSTORABLE[0]},"workspaceId":"${workspaceId}","settings":[{"id":"cache_ttl_days","value":${deep(10_000)}}]}`,
      `{"workspaceId":"${workspaceId}","id":"at-limit","x":${deep(127)}}`,
    ];
  };

  it('NUL, lone surrogates and deep nesting: never a 5xx, 4xx in the envelope, and whatever was accepted is processed', async () => {
    const headers = { ...(await allCredentials()), 'content-type': 'application/json' };
    const bodies = await hostileBodies();
    const wrong: string[] = [];
    for (const { method, url } of await realPaths()) {
      const queries = method === 'GET' ? ['?source=a%00b', '?eventType=%ED%A0%80', '?cursor=%00'] : [''];
      const payloads = takesBody(method) ? bodies : [undefined];
      for (const q of queries)
        for (const payload of payloads) {
          const res = await t.app.inject({
            method: method as 'GET',
            url: url + q,
            headers: payload === undefined ? auth : headers,
            ...(payload !== undefined ? { payload } : {}),
          });
          const what = `${method} ${url}${q} ${payload?.slice(0, 60) ?? ''}`;

          if (res.statusCode >= 500) wrong.push(`${what} → ${res.statusCode} ${res.body.slice(0, 200)}`);
          else if (
            res.statusCode >= 400 &&
            typeof res.json<{ error?: { code?: unknown } }>().error?.code !== 'string'
          )
            wrong.push(`${what} → ${res.statusCode} outside the envelope`);
        }
    }
    expect(wrong).toEqual([]);
    expect((await t.db.prisma.installation.findUniqueOrThrow({ where: { workspaceId } })).status).toBe(
      'ACTIVE',
    );

    // Every event those requests stored is processed, or failed with its reason; none is left to retry.
    const { handler } = t.deps.registry.get(eventProcessJob.name)!;
    const jobs = await t.db.prisma.job.findMany({
      where: { workspaceId, name: eventProcessJob.name, status: 'queued' },
    });
    expect(jobs.length).toBeGreaterThan(0); // the webhook routes did accept some of it
    for (const job of jobs) {
      await handler(job.payload, {
        jobId: job.id,
        attempt: 1,
        workspaceId,
        log: pino({ level: 'silent' }),
        signal: new AbortController().signal,
      });
    }
    const left = await t.db.prisma.webhookEvent.findMany({
      where: { workspaceId, OR: [{ status: 'queued' }, { status: 'failed', lastError: null }] },
      select: { id: true, status: true, lastError: true },
    });
    expect(left).toEqual([]);
  }, 120_000);

  it('a request without a Host header: 400 in the envelope on every route', async () => {
    const wrong: string[] = [];
    for (const { method, url } of await realPaths()) {
      const body = takesBody(method) ? '{}' : '';
      const res = await rawRequest(
        port,
        `${method} ${url} HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
      const code = (() => {
        try {
          return (JSON.parse(res.body) as { error?: { code?: string } }).error?.code;
        } catch {
          return undefined;
        }
      })();
      if (res.status !== 400 || code !== 'VALIDATION_FAILED')
        wrong.push(`${method} ${url} → ${res.status} ${res.text.slice(0, 120)}`);
    }
    expect(wrong).toEqual([]);
  }, 60_000);

  it('an oversized body from a client that keeps writing: it reads the 413 in the envelope on every route that takes a body', async () => {
    const headers = await allCredentials();
    const wrong: string[] = [];
    for (const { method, url } of (await realPaths()).filter((o) => takesBody(o.method))) {
      const res = await writeWholeBodyThenRead(port, {
        path: url,
        bodyBytes: 4 * 1_048_576,
        headers,
        method,
      });
      const code = (() => {
        try {
          return (JSON.parse(res.body) as { error?: { code?: string } }).error?.code;
        } catch {
          return undefined;
        }
      })();
      if (res.error !== null || res.status !== 413 || code !== 'PAYLOAD_TOO_LARGE')
        wrong.push(`${method} ${url} → ${res.status} ${res.error} ${res.text.slice(0, 120)}`);
    }
    expect(wrong).toEqual([]);
  }, 120_000);
});
