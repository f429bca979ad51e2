/**
 * The SSRF-guarded client against real local listeners. 127.0.0.1 stands in for "a public address"
 * wherever a test allow-lists it; every test allow-lists exactly what it needs.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, createServer as createTcpServer } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_OUTBOUND_POLICY,
  type OutboundPolicy,
  type ResolvedAddress,
  type Resolver,
  type SafeHttp,
  type SafeHttpOptions,
  createSafeHttp,
  systemResolver,
} from '../../src/platform/safe-http/index.js';
import { selfSignedCert } from '../helpers/self-signed-cert.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
type Receiver = {
  server: Server;
  port: number;
  hits: { method: string; url: string; host: string; body: string }[];
};

const open: Server[] = [];
async function listen(server: Server, host = '127.0.0.1'): Promise<number> {
  open.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return (server.address() as AddressInfo).port;
}

/** An HTTP receiver that records each request, then lets `handler` answer (200 "ok" by default). */
async function receiver(handler?: Handler, host = '127.0.0.1'): Promise<Receiver> {
  const hits: Receiver['hits'] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hits.push({
        method: req.method ?? '',
        url: req.url ?? '',
        host: req.headers.host ?? '',
        body: Buffer.concat(chunks).toString(),
      });
      if (handler) handler(req, res);
      else res.end('ok');
    });
  });
  return { server, port: await listen(server, host), hits };
}

const clients: SafeHttp[] = [];
function client(policy: Partial<OutboundPolicy>, options: SafeHttpOptions = {}): SafeHttp {
  const c = createSafeHttp({ ...DEFAULT_OUTBOUND_POLICY, allowHttp: true, ...policy }, options);
  clients.push(c);
  return c;
}

/** A resolver that answers from a script, one entry per lookup (the last one repeats). */
function scriptedResolver(...answers: string[][]): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const fn = async (hostname: string): Promise<ResolvedAddress[]> => {
    const answer = answers[Math.min(calls.length, answers.length - 1)] ?? [];
    calls.push(hostname);
    return answer.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(fn, { calls });
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  for (const s of open) {
    s.closeAllConnections?.();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});

describe('safe-http: where a call may go', () => {
  it('lets exactly the allow-listed receiver through, and nothing else', async () => {
    const allowed = await receiver();
    const other = await receiver(undefined, '127.0.0.2'); // reachable, but not allow-listed
    const http = client({ allowCidrs: ['127.0.0.1/32'], allowedPorts: [allowed.port, other.port] });

    const ok = await http.send({ method: 'POST', url: `http://127.0.0.1:${allowed.port}/hook`, body: 'hi' });
    expect(ok).toMatchObject({
      kind: 'response',
      status: 200,
      class: '2xx',
      address: `127.0.0.1:${allowed.port}`,
    });
    expect(allowed.hits).toMatchObject([{ method: 'POST', url: '/hook', body: 'hi' }]);

    for (const url of [
      `http://127.0.0.2:${other.port}/`,
      `http://[::1]:${allowed.port}/`,
      `http://0.0.0.0:${allowed.port}/`,
      `http://127.0.0.1:9/`, // the allowed address, on a port that is not
    ]) {
      const r = await http.send({ method: 'GET', url });
      expect(r.kind, url).toBe('blocked');
    }
    expect(other.hits).toEqual([]);
    expect(allowed.hits).toHaveLength(1);
  });

  it('refuses a host name that resolves to a private address, before connecting', async () => {
    const rec = await receiver();
    const resolver = scriptedResolver(['10.0.0.7']);
    const http = client({ allowCidrs: ['127.0.0.1/32'], allowedPorts: [rec.port] }, { resolver });
    const r = await http.send({ method: 'GET', url: `http://hooks.example.test:${rec.port}/` });
    expect(r).toEqual({
      kind: 'blocked',
      code: 'SSRF_BLOCKED',
      reason: 'resolved-address-not-allowed',
      addressClass: 'private',
      message: 'hooks.example.test resolves to a private network address, which this server does not call',
      latencyMs: expect.any(Number),
    });
    expect(JSON.stringify(r)).not.toContain('10.0.0.7'); // the admin learns the class, not our DNS
    expect(resolver.calls).toEqual(['hooks.example.test']);
  });

  it("keeps each URL's verdict, but resolves and checks the addresses of every request again", async () => {
    const rec = await receiver();
    // The same name answers an allowed address, then a private one.
    const resolver = scriptedResolver(['127.0.0.1'], ['10.0.0.7']);
    const http = client({ allowCidrs: ['127.0.0.1/32'], allowedPorts: [rec.port] }, { resolver });
    const url = `http://hooks.example.test:${rec.port}/`;
    expect(await http.send({ method: 'GET', url })).toMatchObject({ kind: 'response', status: 200 });
    expect(await http.send({ method: 'GET', url })).toMatchObject({
      kind: 'blocked',
      reason: 'resolved-address-not-allowed',
    });
    expect(resolver.calls).toEqual(['hooks.example.test', 'hooks.example.test']);
    expect(rec.hits).toHaveLength(1);
    // A refused URL stays refused when asked again.
    for (let i = 0; i < 2; i++)
      expect(await http.send({ method: 'GET', url: `http://127.0.0.1:9/` })).toMatchObject({
        kind: 'blocked',
        reason: 'port-not-allowed',
      });
  });

  it('refuses a name whose answers mix allowed and refused addresses', async () => {
    const rec = await receiver();
    const resolver = scriptedResolver(['127.0.0.1', '169.254.169.254']);
    const http = client({ allowCidrs: ['127.0.0.1/32'], allowedPorts: [rec.port] }, { resolver });
    const r = await http.send({ method: 'GET', url: `http://mixed.test:${rec.port}/` });
    expect(r).toMatchObject({ kind: 'blocked', addressClass: 'cloud-metadata' });
    expect(rec.hits).toEqual([]);
  });

  it('pins the connection to the checked address: a name that rebinds cannot redirect the call', async () => {
    const rec = await receiver();
    // First lookup: the allowed address. Any later lookup: a private one. A client that looked the
    // name up again to connect would land on 10.0.0.1 (and fail); this one connects where it checked.
    const resolver = scriptedResolver(['127.0.0.1'], ['10.0.0.1']);
    const http = client({ allowCidrs: ['127.0.0.1/32'], allowedPorts: [rec.port] }, { resolver });

    const first = await http.send({ method: 'GET', url: `http://rebind.test:${rec.port}/a?b=1` });
    expect(first).toMatchObject({ kind: 'response', status: 200, address: `127.0.0.1:${rec.port}` });
    expect(resolver.calls).toEqual(['rebind.test']);
    expect(rec.hits).toEqual([{ method: 'GET', url: '/a?b=1', host: `rebind.test:${rec.port}`, body: '' }]);

    // The next call looks again, sees the private answer and refuses, even though a kept-alive
    // connection to the earlier address is still open.
    const second = await http.send({ method: 'GET', url: `http://rebind.test:${rec.port}/a` });
    expect(second).toMatchObject({
      kind: 'blocked',
      reason: 'resolved-address-not-allowed',
      addressClass: 'private',
    });
    expect(resolver.calls).toHaveLength(2);
    expect(rec.hits).toHaveLength(1);
  });

  it('returns a redirect as a result and does not follow it, even to an allowed address', async () => {
    const target = await receiver();
    const rec = await receiver((_req, res) => {
      res.writeHead(302, { location: `http://127.0.0.1:${target.port}/internal` }).end();
    });
    const http = client({ allowCidrs: ['127.0.0.1/32'], allowedPorts: [rec.port, target.port] });
    const r = await http.send({ method: 'POST', url: `http://127.0.0.1:${rec.port}/`, body: '{}' });
    expect(r).toMatchObject({
      kind: 'response',
      status: 302,
      class: '3xx',
      headers: { location: `http://127.0.0.1:${target.port}/internal` },
    });
    expect(target.hits).toEqual([]);
  });

  it('tries the next checked address when one refuses the connection', async () => {
    const rec = await receiver(); // listens on 127.0.0.1 only; 127.0.0.2 refuses
    const resolver = scriptedResolver(['127.0.0.2', '127.0.0.1']);
    const http = client(
      { allowCidrs: ['127.0.0.1/32', '127.0.0.2/32'], allowedPorts: [rec.port] },
      { resolver },
    );
    const r = await http.send({ method: 'GET', url: `http://two.test:${rec.port}/` });
    expect(r).toMatchObject({ kind: 'response', status: 200, address: `127.0.0.1:${rec.port}` });
    expect(resolver.calls).toHaveLength(1);
  });

  it('uses the system resolver by default (localhost, allow-listed in both families)', async () => {
    const rec = await receiver();
    const http = client({ allowCidrs: ['127.0.0.1/32', '::1/128'], allowedPorts: [rec.port] });
    expect(systemResolver).toBeTypeOf('function');
    const r = await http.send({ method: 'GET', url: `http://localhost:${rec.port}/` });
    expect(r).toMatchObject({ kind: 'response', status: 200, address: `127.0.0.1:${rec.port}` });
    expect(rec.hits[0]?.host).toBe(`localhost:${rec.port}`);
  });
});

describe('safe-http: caps and classification', () => {
  const local = (port: number, extra: Partial<OutboundPolicy> = {}) =>
    client({ allowCidrs: ['127.0.0.1/32'], allowedPorts: [port], ...extra });

  it('cuts an oversized response body at the cap', async () => {
    const rec = await receiver((_req, res) => res.end(Buffer.alloc(1_000_000, 0x61)));
    const r = await local(rec.port, { maxResponseBytes: 1_000 }).send({
      method: 'GET',
      url: `http://127.0.0.1:${rec.port}/`,
    });
    expect(r).toMatchObject({ kind: 'response', status: 200, truncated: true });
    if (r.kind === 'response') expect(r.body).toEqual(Buffer.alloc(1_000, 0x61));
  });

  it('keeps a body exactly at the cap whole', async () => {
    const rec = await receiver((_req, res) => res.end('x'.repeat(1_000)));
    const r = await local(rec.port, { maxResponseBytes: 1_000 }).send({
      method: 'GET',
      url: `http://127.0.0.1:${rec.port}/`,
    });
    expect(r).toMatchObject({ kind: 'response', truncated: false });
    if (r.kind === 'response') expect(r.body.length).toBe(1_000);
  });

  it('times out a server that never answers, never later than the policy allows', async () => {
    const rec = await receiver(() => undefined);
    const http = local(rec.port, { timeoutMs: 150 });
    const url = `http://127.0.0.1:${rec.port}/`;
    const r = await http.send({ method: 'GET', url });
    expect(r).toMatchObject({ kind: 'timeout', address: `127.0.0.1:${rec.port}` });
    expect(r.latencyMs).toBeGreaterThanOrEqual(140);
    // A caller asking for longer (or for nonsense) still gets the policy's limit.
    for (const timeoutMs of [60_000, -1, Number.NaN]) {
      const again = await http.send({ method: 'GET', url, timeoutMs });
      expect(again, String(timeoutMs)).toMatchObject({ kind: 'timeout' });
      expect(again.latencyMs).toBeLessThan(10_000);
    }
  });

  it('times out a body that stalls, and says which status had arrived', async () => {
    const rec = await receiver((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
    });
    const http = local(rec.port);
    const r = await http.send({ method: 'GET', url: `http://127.0.0.1:${rec.port}/`, timeoutMs: 150 });
    expect(r).toMatchObject({ kind: 'timeout', status: 200 });
  });

  it('classifies a refused connection', async () => {
    const probe = createTcpServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const r = await local(port).send({ method: 'GET', url: `http://127.0.0.1:${port}/` });
    expect(r).toMatchObject({ kind: 'refused', address: `127.0.0.1:${port}` });
  });

  it('classifies a connection the server drops mid-request', async () => {
    const rec = await receiver((req) => req.socket.destroy());
    const r = await local(rec.port).send({ method: 'GET', url: `http://127.0.0.1:${rec.port}/` });
    expect(r).toMatchObject({ kind: 'reset', address: `127.0.0.1:${rec.port}` });
  });

  it('classifies a DNS failure, and a lookup that outlives the timeout', async () => {
    const failing: Resolver = () =>
      Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }));
    const r1 = await client({}, { resolver: failing }).send({ method: 'GET', url: 'https://nowhere.test/' });
    expect(r1).toMatchObject({ kind: 'dns', message: expect.stringContaining('ENOTFOUND') });
    expect(r1).not.toHaveProperty('address');

    const hanging: Resolver = () => new Promise(() => undefined);
    const r2 = await client({ timeoutMs: 100 }, { resolver: hanging }).send({
      method: 'GET',
      url: 'https://slow-dns.test/',
    });
    expect(r2).toMatchObject({ kind: 'timeout', message: expect.stringContaining('DNS') });

    const empty = scriptedResolver([]);
    expect(
      await client({}, { resolver: empty }).send({ method: 'GET', url: 'https://empty.test/' }),
    ).toMatchObject({ kind: 'dns' });
  });

  it('reports an abort by the caller as such', async () => {
    const rec = await receiver(() => undefined);
    const controller = new AbortController();
    const pending = local(rec.port).send({
      method: 'GET',
      url: `http://127.0.0.1:${rec.port}/`,
      signal: controller.signal,
    });
    // Abort once the request has reached the server, so the abort lands mid-flight.
    await new Promise<void>((resolve) => rec.server.once('request', () => resolve()));
    controller.abort();
    expect(await pending).toMatchObject({ kind: 'aborted' });
  });

  it('classifies 408, 429 and 5xx, and reads Retry-After (seconds or an HTTP date)', async () => {
    const answers: [number, Record<string, string>][] = [
      [429, { 'retry-after': '30' }],
      [503, { 'retry-after': 'Sun, 06 Nov 1994 08:50:00 GMT' }],
      [408, {}],
      [410, {}],
      [500, { 'retry-after': 'later' }],
    ];
    let i = 0;
    const rec = await receiver((_req, res) => {
      const [status, headers] = answers[i++]!;
      res.writeHead(status, headers).end();
    });
    const now = () => Date.UTC(1994, 10, 6, 8, 49, 0);
    const http = client({ allowCidrs: ['127.0.0.1/32'], allowedPorts: [rec.port] }, { now });
    const url = `http://127.0.0.1:${rec.port}/`;
    expect(await http.send({ method: 'POST', url })).toMatchObject({
      status: 429,
      class: '429',
      retryAfterMs: 30_000,
    });
    expect(await http.send({ method: 'POST', url })).toMatchObject({
      status: 503,
      class: '5xx',
      retryAfterMs: 60_000,
    });
    expect(await http.send({ method: 'POST', url })).toMatchObject({ status: 408, class: '408' });
    expect(await http.send({ method: 'POST', url })).toMatchObject({ status: 410, class: '4xx' });
    const last = await http.send({ method: 'POST', url });
    expect(last).toMatchObject({ status: 500, class: '5xx' });
    expect(last).not.toHaveProperty('retryAfterMs');
  });

  it('keeps response headers only up to the caps, and says so', async () => {
    const rec = await receiver((_req, res) => {
      for (let n = 0; n < 40; n++) res.setHeader(`x-h${n}`, 'v'.repeat(50));
      res.end();
    });
    const r = await local(rec.port, { maxHeaders: 10 }).send({
      method: 'GET',
      url: `http://127.0.0.1:${rec.port}/`,
    });
    expect(r).toMatchObject({ kind: 'response', headersTruncated: true });
    if (r.kind === 'response') expect(Object.keys(r.headers)).toHaveLength(10);

    const bytes = await local(rec.port, { maxHeaderBytes: 500 }).send({
      method: 'GET',
      url: `http://127.0.0.1:${rec.port}/`,
    });
    if (bytes.kind !== 'response') throw new Error(bytes.kind);
    const kept = Object.entries(bytes.headers).reduce((n, [k, v]) => n + k.length + v.length + 4, 0);
    expect(bytes.headersTruncated).toBe(true);
    expect(kept).toBeLessThanOrEqual(500);
  });

  it('refuses to send a request over the body or header caps, or with headers the gateway sets', async () => {
    const rec = await receiver();
    const http = local(rec.port, { maxRequestBytes: 100, maxHeaders: 3, maxHeaderBytes: 200 });
    const url = `http://127.0.0.1:${rec.port}/`;
    const cases: [Parameters<SafeHttp['send']>[0], string][] = [
      [{ method: 'POST', url, body: 'x'.repeat(101) }, 'body-too-large'],
      [{ method: 'POST', url, body: Buffer.alloc(101) }, 'body-too-large'],
      [{ method: 'GET', url, headers: { a: '1', b: '2', c: '3', d: '4' } }, 'too-many-headers'],
      [{ method: 'GET', url, headers: { a: 'x'.repeat(200) } }, 'headers-too-large'],
      [{ method: 'GET', url, headers: { Host: 'internal.example' } }, 'header-not-allowed'],
      [{ method: 'GET', url, headers: { 'transfer-encoding': 'chunked' } }, 'header-not-allowed'],
      [{ method: 'GET', url, headers: { 'x-a': 'line\r\nx-injected: 1' } }, 'header-invalid'],
      [{ method: 'GET', url, headers: { 'bad name': '1' } }, 'header-invalid'],
      [{ method: 'CONNECT' as 'GET', url }, 'method-not-allowed'],
    ];
    for (const [req, reason] of cases) {
      expect(await http.send(req), reason).toMatchObject({ kind: 'invalid', reason });
    }
    expect(rec.hits).toEqual([]);
    expect(
      await http.send({ method: 'POST', url, body: 'x'.repeat(100), headers: { a: '1', b: '2', c: '3' } }),
    ).toMatchObject({
      kind: 'response',
      status: 200,
    });
  });
});

describe('safe-http: TLS to a pinned address', () => {
  const tls = selfSignedCert(['receiver.test']);
  let port = 0;
  let sni: (string | false | null)[] = [];
  beforeAll(async () => {
    const server = createHttpsServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      sni.push((req.socket as TLSSocket).servername);
      res.end(`hello ${req.headers.host}`);
    });
    port = await listen(server);
  });
  afterEach(() => {
    sni = [];
  });
  const policy = () => ({ allowHttp: false, allowCidrs: ['127.0.0.1/32'], allowedPorts: [port] });
  const trusted = { dispatcherOptions: { connect: { ca: tls.cert } } };

  it('connects to the checked address and verifies the certificate against the host name (SNI)', async () => {
    const resolver = scriptedResolver(['127.0.0.1']);
    const r = await client(policy(), { resolver, ...trusted }).send({
      method: 'GET',
      url: `https://receiver.test:${port}/`,
    });
    expect(r).toMatchObject({ kind: 'response', status: 200, address: `127.0.0.1:${port}` });
    if (r.kind === 'response') expect(r.body.toString()).toBe(`hello receiver.test:${port}`);
    expect(sni).toEqual(['receiver.test']);
  });

  it('fails TLS when the certificate is for another name', async () => {
    const resolver = scriptedResolver(['127.0.0.1']);
    const r = await client(policy(), { resolver, ...trusted }).send({
      method: 'GET',
      url: `https://other.test:${port}/`,
    });
    expect(r).toMatchObject({
      kind: 'tls',
      address: `127.0.0.1:${port}`,
      message: expect.stringContaining('ERR_TLS_CERT_ALTNAME_INVALID'),
    });
  });

  it('fails TLS when the certificate is not trusted', async () => {
    const resolver = scriptedResolver(['127.0.0.1']);
    const r = await client(policy(), { resolver }).send({
      method: 'GET',
      url: `https://receiver.test:${port}/`,
    });
    expect(r).toMatchObject({ kind: 'tls' });
  });

  it('fails TLS against an IP literal (the certificate names no address)', async () => {
    const r = await client(policy(), trusted).send({ method: 'GET', url: `https://127.0.0.1:${port}/` });
    expect(r).toMatchObject({ kind: 'tls' });
  });

  it('fails TLS against a listener that does not speak it', async () => {
    const plainHttp = await receiver();
    const tcp = createTcpServer((socket) => socket.destroy());
    open.push(tcp as unknown as Server);
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    const tcpPort = (tcp.address() as AddressInfo).port;
    const http = client({
      allowHttp: false,
      allowCidrs: ['127.0.0.1/32'],
      allowedPorts: [plainHttp.port, tcpPort],
    });
    expect(await http.send({ method: 'GET', url: `https://127.0.0.1:${plainHttp.port}/` })).toMatchObject({
      kind: 'tls',
    });
    expect(await http.send({ method: 'GET', url: `https://127.0.0.1:${tcpPort}/` })).toMatchObject({
      kind: 'tls',
    });
  });
});
