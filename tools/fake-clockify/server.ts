/**
 * A fake Clockify HTTP server for tests, benchmarks and local demos (tooling, so it may use Fastify).
 * It is driven by the operation catalogue: every GET of the spec answers, with generated data where
 * we have it and an empty value of the right shape where we do not; writes are recorded and echoed.
 *
 * URL layout mimics Clockify's hosts under one origin:
 *   <url>/api/v1/…       the API server   (installation `backendUrl` / `apiUrl` = <url>/api)
 *   <url>/reports/v1/…   the reports server (`reportsUrl` = <url>/reports)
 *   <url>/auditlog/v1/…  the audit-log server
 *   <url>/__fake/…       admin endpoints (faults, stats, recorded writes); no auth, bind to localhost
 */
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { type Catalogue, type ServerKind, loadCatalogue } from '../../src/integrations/clockify/catalogue.js';
import { type WorkspaceData, type WorkspaceSpec, fakeId, generateWorkspace } from './data.js';
import { type FaultSpec, createFaultList } from './faults.js';
import { createOperationMatcher } from './operation-matcher.js';
import { type FakeReply, answerRead, answerWrite, unknownEntityParam } from './responses.js';
import { createTraffic } from './traffic.js';

export type FakeClockifyOptions = {
  port?: number;
  host?: string;
  workspaces: WorkspaceSpec[];
  /** Requests per second per workspace above which the fake answers 429 (default 50, like Clockify). */
  rateLimitPerSecond?: number;
  /** Clock for the rate limit and stats (ms); injectable for tests. */
  now?: () => number;
  catalogue?: Catalogue;
  /**
   * Also accept, for a workspace, any JWT whose (unverified) `workspaceId` claim names it: a gateway
   * installed by the simulator or by tests then calls the fake with its real installation token.
   */
  acceptInstallationTokens?: boolean;
  /**
   * The `authToken` of webhooks created through the API. Default: an opaque `fake-webhook-token-<id>`;
   * tests that then deliver events pass a signer so the token is a JWT the gateway can verify.
   */
  webhookAuthToken?: (webhook: {
    workspaceId: string;
    id: string;
    webhookEvent: unknown;
  }) => string | Promise<string>;
};

export type RecordedWrite = {
  at: number;
  server: ServerKind;
  method: string;
  path: string;
  operationId: string;
  workspaceId: string;
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
  status: number;
};

// `report` too: the form a reports URL derived from a regional apiUrl takes (<origin>/report).
const PREFIXES: Record<string, ServerKind> = {
  api: 'api',
  reports: 'reports',
  report: 'reports',
  auditlog: 'auditlog',
};

export async function createFakeClockify(opts: FakeClockifyOptions) {
  const catalogue = opts.catalogue ?? (await loadCatalogue());
  const match = createOperationMatcher(catalogue.operations);
  const now = opts.now ?? Date.now;
  const traffic = createTraffic({ limitPerSecond: opts.rateLimitPerSecond ?? 50, now });
  const faults = createFaultList();
  const recorded: RecordedWrite[] = [];
  const data = new Map<string, WorkspaceData>(
    opts.workspaces.map(generateWorkspace).map((ws) => [ws.id, ws]),
  );
  const byToken = new Map<string, WorkspaceData>();
  for (const ws of data.values()) for (const token of ws.tokens) byToken.set(token, ws);
  const workspaceOfJwt = (token: string): WorkspaceData | undefined => {
    try {
      const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
        workspaceId?: unknown;
      };
      return typeof claims.workspaceId === 'string' ? data.get(claims.workspaceId) : undefined;
    } catch {
      return undefined;
    }
  };
  const workspaceOfToken = (token: string): WorkspaceData | undefined =>
    byToken.get(token) ?? (opts.acceptInstallationTokens === true ? workspaceOfJwt(token) : undefined);
  const closing = new AbortController();
  let writeSeq = 0;

  // Latency and hangs end early when the server closes; the listener is removed so many slow
  // requests do not pile listeners onto one signal.
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const onClose = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        closing.signal.removeEventListener('abort', onClose);
        resolve();
      }, ms);
      closing.signal.addEventListener('abort', onClose, { once: true });
    });

  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: 20 * 1024 * 1024 });
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    if (body === '') return done(null, undefined);
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(Object.assign(new Error('Malformed JSON'), { statusCode: 400 }), undefined);
    }
  });
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.post('/__fake/faults', async (req) => ({ id: faults.add(req.body as FaultSpec) }));
  app.delete('/__fake/faults', async () => (faults.clear(), { cleared: true }));
  app.get('/__fake/faults', async () => faults.list());
  app.get('/__fake/recorded', async () => recorded);
  app.get('/__fake/stats', async () =>
    [...data.keys()].map((workspaceId) => ({
      workspaceId,
      requests: traffic.requests(workspaceId).length,
      rejected: traffic.rejected(workspaceId),
      maxPerSlidingSecond: traffic.maxPerSlidingSecond(workspaceId),
      perSecond: Object.fromEntries(traffic.perSecond(workspaceId)),
    })),
  );

  async function handle(req: FastifyRequest, reply: FastifyReply) {
    const url = new URL(req.url, 'http://fake');
    const [, prefix = '', ...rest] = url.pathname.split('/');
    const server = PREFIXES[prefix];
    const path = `/${rest.join('/')}`;
    const send = (r: FakeReply) =>
      reply
        .code(r.status)
        .headers(r.headers ?? {})
        .send(r.body);
    const matched = server === undefined ? undefined : match(server, req.method, path);
    if (server === undefined || matched === undefined)
      return send({ status: 404, body: { code: 404, message: 'Not found' } });
    const { op, params } = matched;

    const token = req.headers['x-addon-token'];
    const ws = typeof token === 'string' ? workspaceOfToken(token) : undefined;
    if (ws === undefined || (params.workspaceId !== undefined && params.workspaceId !== ws.id)) {
      return send({
        status: 401,
        body: { code: 401, message: 'Full authentication is required to access this resource' },
      });
    }
    const record = (status: number) =>
      traffic.record({ workspaceId: ws.id, method: req.method, path, operationId: op.operationId, status });
    if (!traffic.admit(ws.id)) {
      record(429);
      return send({
        status: 429,
        headers: { 'retry-after': '1' },
        body: { code: 429, message: 'Too many requests' },
      });
    }

    const fault = faults.take({ operationId: op.operationId, path, method: req.method, workspaceId: ws.id });
    if (fault?.latencyMs !== undefined) await wait(fault.latencyMs);
    if (fault?.hang === true) {
      await wait(fault.hangMs ?? 60_000);
      record(504);
      return send({ status: 504, body: { code: 504, message: 'Gateway timeout (fake hang)' } });
    }
    if (fault?.status !== undefined) {
      record(fault.status);
      return send({
        status: fault.status,
        headers: fault.headers ?? {},
        body: fault.body ?? { code: fault.status, message: 'Injected fault' },
      });
    }

    const query = Object.fromEntries(url.searchParams);
    const missing = unknownEntityParam(op, params, ws);
    let answer: FakeReply;
    if (missing !== undefined) {
      answer = { status: 404, body: { code: 404, message: `No ${missing} ${params[missing]}` } };
    } else if (op.method === 'GET') {
      answer = answerRead(op, params, query, ws);
    } else {
      answer = answerWrite(op, params, req.body, ws, () => fakeId(ws.id, 'write', ++writeSeq));
      if (op.operationId === 'createWebhook' && opts.webhookAuthToken !== undefined && answer.status < 300) {
        const created = answer.body as { id: string; webhookEvent?: unknown; authToken?: unknown };
        created.authToken = await opts.webhookAuthToken({
          workspaceId: ws.id,
          id: created.id,
          webhookEvent: created.webhookEvent,
        });
      }
      recorded.push({
        at: now(),
        server,
        method: req.method,
        path,
        operationId: op.operationId,
        workspaceId: ws.id,
        params,
        query,
        body: req.body,
        status: answer.status,
      });
    }
    record(answer.status);
    return send(answer);
  }

  app.route({ method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], url: '/*', handler: handle });

  await app.listen({ port: opts.port ?? 0, host: opts.host ?? '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const url = `http://${opts.host === undefined || opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host}:${port}`;

  return {
    url,
    apiUrl: `${url}/api`,
    reportsUrl: `${url}/reports`,
    auditLogUrl: `${url}/auditlog`,
    /** Writes received (POST/PUT/PATCH/DELETE), in order. */
    recorded,
    stats: traffic,
    /** Generated data by workspace id; mutable, tests may add or remove entities. */
    data,
    setFault: (spec: FaultSpec) => faults.add(spec),
    removeFault: (id: number) => faults.remove(id),
    clearFaults: () => faults.clear(),
    async close() {
      closing.abort();
      await app.close();
    },
  };
}
export type FakeClockify = Awaited<ReturnType<typeof createFakeClockify>>;
