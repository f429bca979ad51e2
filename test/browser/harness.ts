/**
 * What the browser tests and `npm run screenshots` run against: a real gateway listening on a local
 * port, on an in-memory embedded database, installed (by a signed INSTALLED, as Clockify would) into a
 * workspace of the fake Clockify; and Debian's Chromium driven by playwright-core.
 */
import { type IncomingHttpHeaders, createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import pino from 'pino';
import { type Browser, type Page, chromium } from 'playwright-core';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/env.js';
import { createDeps } from '../../src/deps.js';
import { openEmbedded } from '../../src/store/database.js';
import { migrate } from '../../src/store/migrate.js';
import { type FakeClockify, createFakeClockify } from '../../tools/fake-clockify/server.js';
import { createClockifySigner, generateKeyPair } from '../../tools/simulator/clockify-signer.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ADDON_KEY = 'browser-test-gateway';
const ADDON_ID = '62ddf9b201f42e74228efa3c';
export const WORKSPACE_ID = '64a1b2c3d4e5f6a7b8c9d0e1';

export type Stack = {
  /** http://127.0.0.1:<port> of the gateway. */
  baseUrl: string;
  fake: FakeClockify;
  browser: Browser;
  /** A local webhook receiver (allow-listed for outbound calls): answers 200 and keeps what it got. */
  receiver: Receiver;
  /** A user token as Clockify would put in the iframe URL; role OWNER/ADMIN can write, others read. */
  userToken(opts?: { role?: string; expiresInS?: number }): Promise<string>;
  /** Clockify's signed SETTINGS_UPDATED (an admin changed the add-on's settings in Clockify). */
  updateSettings(settings: Record<string, unknown>): Promise<void>;
  /** Posts a Clockify webhook (NEW_TIME_ENTRY only) signed as Clockify would; returns the HTTP status. */
  clockifyWebhook(event: 'NEW_TIME_ENTRY', body: unknown): Promise<number>;
  /** A new page at 1000×800 (or `width`), opened at /app?auth_token=…#/<view>. */
  open(token: string, view?: string, width?: number): Promise<Page>;
  close(): Promise<void>;
};

export type Receiver = {
  url: string;
  received: { path: string; headers: IncomingHttpHeaders; body: string }[];
  /** From now on, answer with this HTTP status (200 by default): a failing receiver, then a fixed one. */
  respondWith(status: number): void;
  close(): Promise<void>;
};

async function startReceiver(): Promise<Receiver> {
  const received: Receiver['received'] = [];
  let status = 200;
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString() });
      res
        .writeHead(status, { 'content-type': 'application/json' })
        .end(status < 300 ? '{"received":true}' : '{"error":"receiver is down"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    respondWith: (s) => {
      status = s;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function startStack(): Promise<Stack> {
  const keys = generateKeyPair();
  const sign = createClockifySigner(keys.privateKeyPem);
  const fake = await createFakeClockify({
    workspaces: [
      {
        id: WORKSPACE_ID,
        name: 'Acme',
        tokens: ['unused'],
        counts: { users: 3, projects: 4, clients: 2, tasksPerProject: 2, timeEntriesPerUser: 3 },
      },
    ],
    acceptInstallationTokens: true,
  });
  const receiver = await startReceiver();
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    ADDON_KEY,
    PORT: String(port),
    PUBLIC_BASE_URL: baseUrl,
    ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'),
    CLOCKIFY_PUBLIC_KEY: keys.publicKeyPem,
    CLOCKIFY_REGISTER_EVENTS: 'none',
    JOB_POLL_INTERVAL_MS: '50',
    // The local receiver: loopback, plain http, any port (docs/outbound-http.md).
    OUTBOUND_ALLOW_CIDRS: '127.0.0.1/32',
    OUTBOUND_ALLOW_HTTP: 'true',
    OUTBOUND_ALLOWED_PORTS: '*',
  });
  const db = await openEmbedded('memory://');
  await migrate(db.sql);
  const deps = await createDeps(config, { database: db, logger: pino({ level: 'silent' }) });
  const app = await buildApp(deps);
  deps.startWorkers();
  await app.listen({ host: '127.0.0.1', port });

  // Set-up, not what the tests are about: Clockify's signed INSTALLED, pointing at the fake Clockify.
  const installation = await sign(
    {
      workspaceId: WORKSPACE_ID,
      addonId: ADDON_ID,
      user: 'owner-user',
      backendUrl: fake.apiUrl,
      reportsUrl: fake.reportsUrl,
    },
    { addonKey: ADDON_KEY },
  );
  const lifecycle = await sign(
    { workspaceId: WORKSPACE_ID, addonId: ADDON_ID },
    { addonKey: ADDON_KEY, expiresInS: 300 },
  );
  // The webhook token Clockify hands over in INSTALLED, for the one event the browser tests send.
  const webhookToken = await sign(
    { workspaceId: WORKSPACE_ID, addonId: ADDON_ID, webhook: 'NEW_TIME_ENTRY' },
    { addonKey: ADDON_KEY },
  );
  const res = await fetch(`${baseUrl}/lifecycle/installed`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-addon-lifecycle-token': lifecycle },
    body: JSON.stringify({
      addonId: ADDON_ID,
      authToken: installation,
      workspaceId: WORKSPACE_ID,
      asUser: 'owner-user',
      apiUrl: fake.apiUrl,
      addonUserId: 'addon-user',
      webhooks: [{ path: '/webhooks/clockify/NEW_TIME_ENTRY', authToken: webhookToken }],
    }),
  });
  if (res.status !== 200) throw new Error(`INSTALLED failed: ${res.status} ${await res.text()}`);

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  });

  return {
    baseUrl,
    fake,
    browser,
    receiver,
    userToken: ({ role = 'OWNER', expiresInS = 1_800 } = {}) =>
      sign(
        {
          workspaceId: WORKSPACE_ID,
          addonId: ADDON_ID,
          user: `user-${role.toLowerCase()}`,
          workspaceRole: role,
        },
        { addonKey: ADDON_KEY, expiresInS },
      ),
    async updateSettings(settings) {
      const token = await sign(
        { workspaceId: WORKSPACE_ID, addonId: ADDON_ID },
        { addonKey: ADDON_KEY, expiresInS: 300 },
      );
      const r = await fetch(`${baseUrl}/lifecycle/settings-updated`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-addon-lifecycle-token': token },
        body: JSON.stringify({
          addonId: ADDON_ID,
          workspaceId: WORKSPACE_ID,
          settings: Object.entries(settings).map(([id, value]) => ({ id, value })),
        }),
      });
      if (r.status !== 200) throw new Error(`SETTINGS_UPDATED failed: ${r.status} ${await r.text()}`);
    },
    async clockifyWebhook(event, body) {
      const r = await fetch(`${baseUrl}/webhooks/clockify/${event}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'clockify-signature': webhookToken },
        body: JSON.stringify(body),
      });
      return r.status;
    },
    async open(token, view = 'overview', width = 1000) {
      const context = await browser.newContext({
        viewport: { width, height: 800 },
        timezoneId: 'Europe/Berlin',
      });
      const page = await context.newPage();
      await page.goto(`${baseUrl}/app?auth_token=${encodeURIComponent(token)}#/${view}`);
      return page;
    },
    async close() {
      await browser.close();
      await app.close();
      await deps.close();
      await db.close();
      await fake.close();
      await receiver.close();
    },
  };
}
