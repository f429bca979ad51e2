import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LINGER_BOUNDS } from '../../src/http/client-error.js';
import { type TestApp, buildTestApp } from '../helpers/build-test-app.js';
import { install, userToken } from '../helpers/clockify.js';
import { rawRequest, writeWholeBodyThenRead } from '../helpers/raw-http.js';

/** What a client on a real socket sees: requests Fastify's inject() cannot send. */
let t: TestApp;
let port: number;
let ownerToken: string;
let sourceId: string;
beforeAll(async () => {
  t = await buildTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  port = (t.app.server.address() as AddressInfo).port;
  const { workspaceId } = await install(t);
  ownerToken = await userToken(t, workspaceId, 'OWNER');
  const created = await t.app.inject({
    method: 'POST',
    url: '/ui/sources',
    headers: { authorization: `Bearer ${ownerToken}` },
    payload: { name: 'open', verification: { scheme: 'none' } },
  });
  sourceId = created.json<{ id: string }>().id;
});
afterAll(async () => t.close());

const envelope = {
  error: { code: 'VALIDATION_FAILED', message: expect.stringMatching(/Host/), requestId: expect.any(String) },
};

describe('a request without a Host header', () => {
  it.each([
    ['GET /healthz', 'GET /healthz HTTP/1.1\r\n\r\n'],
    [
      'POST /lifecycle/installed',
      'POST /lifecycle/installed HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}',
    ],
    ['GET /ui/me', 'GET /ui/me HTTP/1.1\r\nAuthorization: Bearer x\r\n\r\n'],
  ])('gets a 400 in the error envelope (%s)', async (_name, request) => {
    const res = await rawRequest(port, request);
    expect(res.status, res.text).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(res.body)).toEqual(envelope);
    expect(res.headers['x-request-id']).toBe(JSON.parse(res.body).error.requestId);
  });

  it('is fine in HTTP/1.0, which has no Host header', async () => {
    const res = await rawRequest(port, 'GET /healthz HTTP/1.0\r\n\r\n');
    expect(res.status, res.text).toBe(200);
  });
});

describe('an oversized body, from a sender that writes all of it before reading', () => {
  // 4 MiB against the default 1 MiB limits (lifecycle, admin, Clockify webhooks, a custom source).
  const BODY = 4 * 1_048_576;
  const routes = (): [string, Record<string, string>][] => [
    ['/lifecycle/installed', {}],
    ['/ui/sources', { authorization: `Bearer ${ownerToken}` }],
    ['/webhooks/clockify/NEW_PROJECT', {}],
    ['/webhooks/clockify', {}],
    [`/webhooks/custom/${sourceId}`, {}],
  ];

  for (const chunked of [false, true]) {
    it(`reads the 413 instead of a connection reset, on every route (${chunked ? 'chunked' : 'Content-Length'})`, async () => {
      const wrong: string[] = [];
      for (const [path, headers] of routes()) {
        const res = await writeWholeBodyThenRead(port, { path, bodyBytes: BODY, headers, chunked });
        const body = (() => {
          try {
            return JSON.parse(res.body) as { error?: { code?: string } };
          } catch {
            return null;
          }
        })();
        if (res.status !== 413 || body?.error?.code !== 'PAYLOAD_TOO_LARGE' || res.error !== null)
          wrong.push(`${path}: status ${res.status}, error ${res.error}, ${res.text.slice(0, 120)}`);
        else if (res.headers.connection !== 'close')
          wrong.push(`${path}: connection ${res.headers.connection}`);
      }
      expect(wrong).toEqual([]);
    }, 60_000);
  }

  it('still stops reading a sender that goes on past the bound', async () => {
    // The bound is checked every LINGER_BOUNDS.checkEveryMs, so the server may read somewhat past it
    // before it closes; a sender of 1 GiB must still be cut off long before the end.
    const declared = 1_024 * 1_048_576;
    const res = await writeWholeBodyThenRead(port, {
      path: '/webhooks/clockify/NEW_PROJECT',
      bodyBytes: declared,
    });
    expect(res.error).not.toBeNull();
    expect(res.written).toBeGreaterThan(LINGER_BOUNDS.maxBytes);
    expect(res.written).toBeLessThan(declared);
  }, 60_000);
});
