import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, buildTestApp } from '../helpers/build-test-app.js';
import { rawRequest } from '../helpers/raw-http.js';

/** What a client on a real socket sees: requests Fastify's inject() cannot send. */
let t: TestApp;
let port: number;
beforeAll(async () => {
  t = await buildTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  port = (t.app.server.address() as AddressInfo).port;
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
