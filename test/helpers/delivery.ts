import {
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  createServer,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import type { JobContext } from '../../src/jobs/runner.js';
import type { TestApp } from './build-test-app.js';
import { bearer, userToken } from './clockify.js';

export type Hit = { headers: IncomingHttpHeaders; body: string; at: number };
export type Receiver = {
  port: number;
  url: string;
  hits: Hit[];
  /** Answers the next requests; default 200 "ok". */
  respond: (req: IncomingMessage, res: ServerResponse, hit: Hit) => void;
  inFlight: number;
  maxInFlight: number;
  close(): Promise<void>;
};

/** A local receiver on 127.0.0.1 that records every request. */
export async function startReceiver(): Promise<Receiver> {
  const r: Receiver = {
    port: 0,
    url: '',
    hits: [],
    respond: (_req, res) => res.end('ok'),
    inFlight: 0,
    maxInFlight: 0,
    close: async () => undefined,
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const hit = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      r.hits.push(hit);
      r.inFlight++;
      r.maxInFlight = Math.max(r.maxInFlight, r.inFlight);
      res.on('close', () => r.inFlight--);
      r.respond(req, res, hit);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.port = (server.address() as AddressInfo).port;
  r.url = `http://127.0.0.1:${r.port}/hook`;
  r.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return r;
}

/** Outbound config that allows exactly these local receivers. */
export const receiverEnv = (...receivers: Receiver[]) => ({
  OUTBOUND_ALLOW_CIDRS: '127.0.0.1/32',
  OUTBOUND_ALLOW_HTTP: 'true',
  OUTBOUND_ALLOWED_PORTS: receivers.map((r) => r.port).join(','),
});

export async function adminHeaders(t: TestApp, workspaceId: string, role = 'OWNER') {
  return bearer(await userToken(t, workspaceId, role));
}

export async function createEndpoint(t: TestApp, workspaceId: string, body: Record<string, unknown>) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/ui/endpoints',
    headers: await adminHeaders(t, workspaceId),
    payload: body,
  });
  if (res.statusCode !== 201) throw new Error(`create endpoint: ${res.statusCode} ${res.body}`);
  return res.json<{ id: string; secret: string; status: string }>();
}

/** A job context for calling a handler directly (tests drive the schedule with a fake clock). */
export function jobContext(jobId: string, workspaceId: string | null = null, attempt = 1): JobContext {
  return {
    jobId,
    attempt,
    workspaceId,
    log: pino({ level: 'silent' }),
    signal: new AbortController().signal,
  };
}

/** Prisma `findFirst` arguments for a message's first scheduled attempt job (its payload names the message). */
export const firstJobOf = (messageId: string) => ({
  where: { name: 'delivery.attempt', payload: { path: ['messageId'], equals: messageId } },
  orderBy: { createdAt: 'asc' as const },
});
