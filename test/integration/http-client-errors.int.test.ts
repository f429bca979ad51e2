import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, buildTestApp } from '../helpers/build-test-app.js';

let t: TestApp;
let port: number;
beforeAll(async () => {
  t = await buildTestApp();
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  port = (t.app.server.address() as AddressInfo).port;
});
afterAll(async () => t.close());

/** Sends raw bytes (what a broken or hostile client may send) and reads until the server closes. */
function raw(request: string): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(request));
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (data += d));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', body = ''] = data.split('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1]), headers: head, body });
    });
  });
}

describe('requests the HTTP parser rejects get the error envelope', () => {
  it('a Content-Length that is not a number → 400 VALIDATION_FAILED, connection closed, nothing stored', async () => {
    const before = await t.db.prisma.webhookEvent.count();
    const r = await raw(
      'POST /webhooks/clockify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        'Content-Length: 99999999999999999999\r\n\r\n{}',
    );
    expect(r.status).toBe(400);
    expect(r.headers).toMatch(/connection: close/i);
    expect(JSON.parse(r.body)).toEqual({
      error: {
        code: 'VALIDATION_FAILED',
        message: 'Malformed HTTP request',
        requestId: expect.stringMatching(/^req_/),
      },
    });
    expect(await t.db.prisma.webhookEvent.count()).toBe(before);
  });

  it('headers over Node’s limit → 431 HEADERS_TOO_LARGE', async () => {
    const r = await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(r.status).toBe(431);
    expect(JSON.parse(r.body)).toMatchObject({ error: { code: 'HEADERS_TOO_LARGE' } });
  });

  it('a URL that is not valid percent-encoding → 400 VALIDATION_FAILED', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/ui/webhooks/%zz' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
  });
});
