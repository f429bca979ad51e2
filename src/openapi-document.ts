import pino from 'pino';
import { buildApp } from './app.js';
import { loadConfig } from './config/env.js';

/**
 * Our own API's OpenAPI document, generated from the route schemas. The app is built with stub
 * services: generating the document never touches a database or a route handler.
 */
export async function openApiDocument(): Promise<string> {
  const config = loadConfig({ NODE_ENV: 'test', PUBLIC_BASE_URL: 'https://gateway.example.com' });
  const stub = new Proxy({}, { get: () => () => Promise.reject(new Error('stub')) });
  const app = await buildApp({
    config,
    logger: pino({ level: 'silent' }),
    clock: { now: () => new Date() },
    readiness: async () => ({ ok: true }),
    verifier: stub as never,
    installations: stub as never,
    adminAuth: stub as never,
    bootstrap: stub as never,
    cache: stub as never,
    ingestion: stub as never,
    explorer: stub as never,
    delivery: stub as never,
    flows: stub as never,
  });
  await app.ready();
  const doc = app.swagger();
  await app.close();
  return JSON.stringify(doc, null, 2) + '\n';
}
