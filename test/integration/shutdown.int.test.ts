import { connect } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createDeps } from '../../src/deps.js';
import type { Database } from '../../src/store/database.js';
import { testConfig } from '../helpers/build-test-app.js';
import { createTestDatabase } from '../helpers/database.js';
import { waitFor } from '../helpers/wait-for.js';

let db: Database;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db.close());

it('finishes an in-flight request on close and refuses new connections', async () => {
  const deps = await createDeps(testConfig(), { database: db, logger: pino({ level: 'silent' }) });
  const app = await buildApp(deps);
  let started = false;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  // A deliberately slow route, only in this test, stands in for any request still running at SIGTERM.
  app.get('/slow', async () => {
    started = true;
    await gate;
    return { done: true };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };

  const inFlight = fetch(`http://127.0.0.1:${port}/slow`);
  await waitFor(() => started, { what: 'slow request started' });
  const closing = app.close();
  await waitFor(() => !app.server.listening, { what: 'server stopped listening' });
  const refused = await new Promise<string>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => resolve('connected'));
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
  });
  expect(refused).toBe('ECONNREFUSED');
  release();
  const res = await inFlight;
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ done: true });
  await closing;
  await deps.close();
});
