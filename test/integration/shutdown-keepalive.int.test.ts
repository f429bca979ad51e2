import { Agent, request } from 'node:http';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { installShutdownDrain } from '../../src/http/plugins/shutdown-drain.js';
import { type TestApp, buildTestApp } from '../helpers/build-test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

/** One request on the agent's (kept-alive) connection; resolves with status, headers and the socket used. */
function get(agent: Agent, port: number, path: string) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string; socket: Socket }>(
    (resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () =>
          resolve({ status: res.statusCode!, headers: res.headers, body, socket: req.socket! }),
        );
      });
      req.on('error', reject);
      req.end();
    },
  );
}

it('answers requests on open keep-alive connections during shutdown with 503 and Connection: close', async () => {
  // A fresh app on the same deps: the drain's hooks go in before it is ready, as in src/main.ts.
  const { buildApp } = await import('../../src/app.js');
  const app = await buildApp(t.deps);
  const shutdown = installShutdownDrain(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const first = await get(agent, port, '/healthz');
    expect(first.status).toBe(200);
    expect(first.headers.connection).toBe('keep-alive');

    // SIGTERM: the drain begins while the client still holds its idle keep-alive connection.
    const draining = shutdown.drain(10_000);
    const second = await get(agent, port, '/readyz');
    expect(second.socket).toBe(first.socket); // the same connection, answered rather than reset
    expect(second.status).toBe(503);
    expect(second.headers.connection).toBe('close');
    expect(second.headers['retry-after']).toBe('1');
    expect(JSON.parse(second.body)).toMatchObject({ error: { code: 'SERVICE_UNAVAILABLE' } });
    await draining; // ends as soon as no connection is left open, well before its limit
    await app.close();
  } finally {
    agent.destroy();
    await app.close();
  }
});
