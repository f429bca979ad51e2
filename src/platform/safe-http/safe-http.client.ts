/**
 * The one HTTP client for URLs a workspace admin chose (flow HTTP actions, outbound webhooks).
 *
 * The host is resolved here, every address it resolves to is checked, and the request goes to an
 * origin that IS the checked address (`https://203.0.113.7:443`) with the original `Host` header. So
 * no second DNS lookup happens between check and connect (DNS rebinding has nothing to rebind), and
 * pooled keep-alive connections are pinned to an address that was checked. For https, undici takes
 * the TLS server name (SNI) from the `Host` header, so the certificate is still verified against the
 * host name. Redirects are never followed (undici's `request` does not), bodies are capped both ways,
 * and every outcome comes back as data: `send` never rejects.
 */
import { lookup } from 'node:dns/promises';
import type { ConnectionOptions } from 'node:tls';
import { Agent, buildConnector } from 'undici';
import { type AddressVerdict, classifyAddress } from './address-class.js';
import { type Deadline, deadline } from '../deadline.js';
import { addressAllowed, allowListOf, checkUrl, describeClass, type UrlCheck } from './check-url.js';
import type { OutboundPolicy } from './policy.js';
import {
  type FailureKind,
  type InvalidReason,
  type OutboundFailure,
  type OutboundResult,
  responseClass,
} from './result.js';
import { parseRetryAfter } from './retry-after.js';

/** How many URLs' checkUrl verdicts a client keeps (see createSafeHttp). */
const URL_CHECKS_KEPT = 1_024;

export type ResolvedAddress = { address: string; family: 4 | 6 };
/** Host name → addresses. Injectable so tests can point names anywhere, or change the answer. */
export type Resolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true, order: 'ipv4first' })).map((a) => ({
    address: a.address,
    family: a.family === 6 ? 6 : 4,
  }));

export const OUTBOUND_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export type OutboundMethod = (typeof OUTBOUND_METHODS)[number];

export type OutboundRequest = {
  method: OutboundMethod;
  url: string;
  headers?: Readonly<Record<string, string>>;
  body?: string | Buffer;
  /** Shorter than the policy's `timeoutMs` if given; never longer. */
  timeoutMs?: number;
  signal?: AbortSignal;
};

export type SafeHttpOptions = {
  resolver?: Resolver;
  /** A narrow part of undici's Agent options: trust (tests' self-signed CA) and pooling. */
  dispatcherOptions?: {
    connect?: Pick<ConnectionOptions, 'ca' | 'rejectUnauthorized'>;
    keepAliveTimeout?: number;
    connections?: number;
  };
  /** Wall clock (ms), for `Retry-After` dates. */
  now?: () => number;
};

export type SafeHttp = {
  send(req: OutboundRequest): Promise<OutboundResult>;
  close(): Promise<void>;
};

/** Response headers larger than this fail the call outright (undici's parser limit); smaller sets are trimmed. */
const RESPONSE_HEADER_CEILING = 65_536;
/** Addresses of one name tried in turn when connecting fails (nothing was sent, so it is safe). */
const MAX_ADDRESSES_TRIED = 3;
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** Set by the client from the URL and body, or hop-by-hop: a caller must not choose them. */
const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
  'proxy-connection',
]);
const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
/** Connect failures after which the next address of the name may be tried. */
const NEXT_ADDRESS_CODES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const TLS_VERIFY_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'EPROTO',
]);

const codeOf = (err: unknown): string | undefined => {
  for (let e: unknown = err, depth = 0; e !== null && typeof e === 'object' && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
};

const messageOf = (err: unknown): string => {
  const text = err instanceof Error ? err.message : String(err);
  const code = codeOf(err);
  return (code !== undefined && !text.includes(code) ? `${code}: ${text}` : text).slice(0, 300);
};

const hostPort = (v: AddressVerdict, port: number): string =>
  v.family === 6 ? `[${v.address}]:${port}` : `${v.address}:${port}`;

function headerBytes(name: string, value: string): number {
  return Buffer.byteLength(name) + Buffer.byteLength(value) + 4;
}

/** Keeps response headers in arrival order until either cap is reached. */
function keepHeaders(
  raw: Record<string, string | string[] | undefined>,
  policy: OutboundPolicy,
): { headers: Record<string, string>; truncated: boolean } {
  const headers: Record<string, string> = {};
  let count = 0;
  let bytes = 0;
  let truncated = false;
  for (const [name, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    const value = Array.isArray(v) ? v.join(', ') : v;
    const size = headerBytes(name, value);
    if (count + 1 > policy.maxHeaders || bytes + size > policy.maxHeaderBytes) {
      truncated = true;
      continue;
    }
    headers[name.toLowerCase()] = value;
    count++;
    bytes += size;
  }
  return { headers, truncated };
}

export function createSafeHttp(policy: OutboundPolicy, options: SafeHttpOptions = {}): SafeHttp {
  const resolver = options.resolver ?? systemResolver;
  const now = options.now ?? Date.now;
  const allow = allowListOf(policy); // throws here, at start-up, on a bad allow-list
  // checkUrl is pure for this client's policy, and endpoints call the same URLs over and over: each URL's
  // verdict (refusals too) is kept, up to URL_CHECKS_KEPT URLs, then the lot is dropped and rebuilt. The
  // verdict's URL object is only read. DNS answers are not kept here: every request resolves and checks
  // its addresses again.
  const urlChecks = new Map<string, UrlCheck>();
  const checkOf = (url: string): UrlCheck => {
    let verdict = urlChecks.get(url);
    if (verdict === undefined) {
      if (urlChecks.size >= URL_CHECKS_KEPT) urlChecks.clear();
      verdict = checkUrl(url, policy);
      urlChecks.set(url, verdict);
    }
    return verdict;
  };
  const d = options.dispatcherOptions ?? {};

  // Errors raised while connecting (TCP or TLS handshake) are marked, so that a reset during the
  // handshake reads as a TLS failure and only connect failures move on to the next address.
  const connectErrors = new WeakSet<object>();
  const baseConnector = buildConnector({ timeout: policy.connectTimeoutMs, ...d.connect });
  const agent = new Agent({
    connect: (opts, callback) =>
      baseConnector(opts, (err, socket) => {
        if (err) {
          connectErrors.add(err);
          callback(err, null);
        } else callback(null, socket);
      }),
    maxHeaderSize: Math.max(RESPONSE_HEADER_CEILING, policy.maxHeaderBytes),
    allowH2: false,
    ...(d.keepAliveTimeout !== undefined ? { keepAliveTimeout: d.keepAliveTimeout } : {}),
    ...(d.connections !== undefined ? { connections: d.connections } : {}),
  });

  function validate(req: OutboundRequest): { reason: InvalidReason; message: string } | null {
    if (!(OUTBOUND_METHODS as readonly string[]).includes(req.method)) {
      return { reason: 'method-not-allowed', message: `method ${String(req.method)} is not allowed` };
    }
    const size = req.body === undefined ? 0 : Buffer.byteLength(req.body);
    if (size > policy.maxRequestBytes) {
      return {
        reason: 'body-too-large',
        message: `request body is ${size} bytes; the limit is ${policy.maxRequestBytes}`,
      };
    }
    const entries = Object.entries(req.headers ?? {});
    if (entries.length > policy.maxHeaders) {
      return {
        reason: 'too-many-headers',
        message: `${entries.length} request headers; the limit is ${policy.maxHeaders}`,
      };
    }
    let bytes = 0;
    for (const [name, value] of entries) {
      if (!HEADER_NAME.test(name) || typeof value !== 'string' || !HEADER_VALUE.test(value)) {
        return {
          reason: 'header-invalid',
          message: `header ${JSON.stringify(name.slice(0, 64))} is not valid`,
        };
      }
      if (RESERVED_HEADERS.has(name.toLowerCase())) {
        return { reason: 'header-not-allowed', message: `header ${name} is set by the gateway` };
      }
      bytes += headerBytes(name, value);
    }
    if (bytes > policy.maxHeaderBytes) {
      return {
        reason: 'headers-too-large',
        message: `request headers are ${bytes} bytes; the limit is ${policy.maxHeaderBytes}`,
      };
    }
    return null;
  }

  async function send(req: OutboundRequest): Promise<OutboundResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    try {
      return await attempt(req, elapsed);
    } catch (err) {
      // Not expected (each step classifies its own failures); kept so that `send` never rejects.
      return { kind: 'network', message: messageOf(err), latencyMs: elapsed() };
    }
  }

  async function attempt(req: OutboundRequest, elapsed: () => number): Promise<OutboundResult> {
    const checked = checkOf(req.url);
    if (!checked.ok) {
      const { reason, addressClass, message } = checked;
      return { kind: 'blocked', code: 'SSRF_BLOCKED', reason, addressClass, message, latencyMs: elapsed() };
    }
    const invalid = validate(req);
    if (invalid) return { kind: 'invalid', ...invalid, latencyMs: elapsed() };

    const asked = req.timeoutMs;
    const timeoutMs =
      asked !== undefined && Number.isFinite(asked) && asked > 0
        ? Math.min(Math.ceil(asked), policy.timeoutMs)
        : policy.timeoutMs;
    const limit = deadline(timeoutMs, req.signal);
    try {
      return await call(req, checked, timeoutMs, limit, elapsed);
    } finally {
      limit.done();
    }
  }

  /** The request itself, within `limit` (the caller's signal and the timeout). */
  async function call(
    req: OutboundRequest,
    checked: Extract<UrlCheck, { ok: true }>,
    timeoutMs: number,
    limit: Deadline,
    elapsed: () => number,
  ): Promise<OutboundResult> {
    const { signal } = limit;
    const fail = (
      kind: FailureKind,
      message: string,
      extra: Partial<OutboundFailure> = {},
    ): OutboundFailure => ({
      kind,
      message,
      latencyMs: elapsed(),
      ...extra,
    });
    const interrupted = (what: string): OutboundFailure | null => {
      if (req.signal?.aborted) return fail('aborted', `cancelled by the caller during ${what}`);
      if (limit.timedOut()) return fail('timeout', `no complete response within ${timeoutMs} ms (${what})`);
      return null;
    };
    const early = interrupted('start');
    if (early) return early;

    const { url, port } = checked;
    let candidates: AddressVerdict[];
    if (checked.literal !== null) {
      candidates = [checked.literal];
    } else {
      let answer: readonly ResolvedAddress[];
      try {
        answer = await raceSignal(resolver(url.hostname), signal);
      } catch (err) {
        return interrupted('DNS lookup') ?? fail('dns', `cannot resolve ${url.hostname}: ${messageOf(err)}`);
      }
      const verdicts = answer.map((a) => classifyAddress(a.address));
      if (verdicts.length === 0) return fail('dns', `${url.hostname} has no addresses`);
      if (verdicts.some((v) => v === null))
        return fail('dns', `${url.hostname} resolved to something that is not an IP address`);
      // Every answer must be allowed: a name that mixes public and private addresses is refused whole.
      const refused = (verdicts as AddressVerdict[]).find((v) => !addressAllowed(v, allow));
      if (refused) {
        return {
          kind: 'blocked',
          code: 'SSRF_BLOCKED',
          reason: 'resolved-address-not-allowed',
          addressClass: refused.class,
          message: `${url.hostname} resolves to ${describeClass(refused.class)}, which this server does not call`,
          latencyMs: elapsed(),
        };
      }
      candidates = [...new Map((verdicts as AddressVerdict[]).map((v) => [v.address, v])).values()];
    }

    const headers: Record<string, string> = { ...req.headers, host: url.host };
    const path = `${url.pathname}${url.search}`;
    let last: OutboundFailure | undefined;
    for (const target of candidates.slice(0, MAX_ADDRESSES_TRIED)) {
      const address = hostPort(target, port);
      let res;
      try {
        res = await agent.request({
          origin: `${url.protocol}//${address}`,
          path,
          method: req.method,
          headers,
          ...(req.body !== undefined ? { body: req.body } : {}),
          signal,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
      } catch (err) {
        const early = interrupted('connect and request');
        if (early) return { ...early, address };
        const connecting = typeof err === 'object' && err !== null && connectErrors.has(err);
        last = fail(kindOf(err, connecting, url.protocol === 'https:'), messageOf(err), { address });
        if (connecting && NEXT_ADDRESS_CODES.has(codeOf(err) ?? '')) continue;
        return last;
      }

      const kept = keepHeaders(res.headers, policy);
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      try {
        for await (const chunk of res.body as AsyncIterable<Buffer>) {
          const room = policy.maxResponseBytes - size;
          if (chunk.length > room) {
            chunks.push(chunk.subarray(0, room));
            size += room;
            truncated = true;
            break;
          }
          chunks.push(chunk);
          size += chunk.length;
        }
      } catch (err) {
        res.body.destroy();
        const extra = { address, status: res.statusCode };
        const early = interrupted('reading the response body');
        if (early) return { ...early, ...extra };
        return fail(kindOf(err, false, false), messageOf(err), extra);
      }
      // Stop a longer body (or one still streaming) here; undici closes that connection.
      res.body.destroy();
      const retryAfterMs = parseRetryAfter(kept.headers['retry-after'], now());
      return {
        kind: 'response',
        status: res.statusCode,
        class: responseClass(res.statusCode),
        headers: kept.headers,
        headersTruncated: kept.truncated,
        body: Buffer.concat(chunks, size),
        truncated,
        latencyMs: elapsed(),
        address,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      };
    }
    return last ?? fail('network', 'no address to connect to');
  }

  return {
    send,
    close: () => agent.close(),
  };
}

function kindOf(err: unknown, connecting: boolean, https: boolean): FailureKind {
  const code = codeOf(err) ?? '';
  if (TIMEOUT_CODES.has(code)) return 'timeout';
  if (code === 'ECONNREFUSED') return 'refused';
  if (
    code.startsWith('ERR_TLS_') ||
    code.startsWith('ERR_SSL_') ||
    TLS_VERIFY_CODES.has(code) ||
    // A connection dropped during the TLS handshake is a TLS failure (e.g. a plain-TCP listener).
    (connecting && https && RESET_CODES.has(code))
  ) {
    return 'tls';
  }
  if (RESET_CODES.has(code)) return 'reset';
  return 'network';
}

/** Stops waiting for `p` when the signal aborts; `p` itself (e.g. a DNS lookup) runs on, unobserved. */
function raceSignal<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  let onAbort = (): void => undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason as Error);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([p, aborted]).finally(() => signal.removeEventListener('abort', onAbort));
}
