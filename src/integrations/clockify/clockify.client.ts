/**
 * HTTP client for Clockify's REST API, one installation at a time.
 *
 * Every attempt first takes a slot from the per-workspace rate limiter (shared by all instances), then
 * goes out over undici with a connect timeout, a total timeout, no redirects (undici 7's `request`
 * never follows them; a 3xx is a failure) and a response size cap. Failures come back as data
 * (`ClockifyResult`); only an abort by the caller's own signal throws.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { Agent, type Dispatcher, errors as undiciErrors, request } from 'undici';
import { deadline } from '../../platform/deadline.js';
import type { Catalogue, ClockifyOperation, HttpMethod, ServerKind } from './catalogue.js';
import { pageSizeParam } from './classify-operation.js';
import {
  type ClockifyFailure,
  type ClockifyResult,
  type ClockifySuccess,
  type RetryPolicy,
  classifyStatus,
  failure,
  parseRetryAfter,
  retryDecision,
  toAppError,
} from './clockify.errors.js';
import { type ClockifyBaseUrls, type QueryValue, baseUrlFor, buildUrl } from './clockify.urls.js';

export type ClockifyConnection = ClockifyBaseUrls & {
  workspaceId: string;
  /** Installation (or user) token, sent as `X-Addon-Token`. */
  token: string;
  /** Calls per second for this workspace; the limiter clamps it (default 25). */
  ratePerSecond?: number;
};

/**
 * The one limiter method the client needs (a no-op in unit tests); `pause` shares a 429's Retry-After.
 * `priority` is the rate limiter's: `interactive` calls (a person waits) never queue behind background work.
 */
export type ClientLimiter = {
  acquire(
    key: string,
    ratePerSecond: number,
    signal?: AbortSignal,
    priority?: 'interactive' | 'background',
  ): Promise<unknown>;
  pause?(key: string, seconds: number): Promise<void>;
};

export type ClockifyClientOptions = {
  connectTimeoutMs: number;
  /** Per attempt, from sending the request to the last byte of the body. */
  timeoutMs: number;
  maxBodyBytes: number;
  defaultRatePerSecond: number;
  retry: RetryPolicy;
};

export const DEFAULT_CLIENT_OPTIONS: ClockifyClientOptions = {
  connectTimeoutMs: 5_000,
  timeoutMs: 30_000,
  maxBodyBytes: 10 * 1024 * 1024,
  defaultRatePerSecond: 25,
  retry: { maxAttempts: 4, baseDelayMs: 250, maxDelayMs: 10_000, maxRetryAfterS: 60 },
};

export type ClockifyClientDeps = {
  catalogue: Pick<Catalogue, 'get'>;
  limiter: ClientLimiter;
  options?: Partial<Omit<ClockifyClientOptions, 'retry'>> & { retry?: Partial<RetryPolicy> };
  /** Defaults to an own Agent with the connect timeout; closed by `close()` only when owned. */
  dispatcher?: Dispatcher;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  now?: () => number;
};

export type RawRequest = {
  method: HttpMethod;
  server: ServerKind;
  /** Path template relative to the server base; `{params}` are filled from `pathParams`. */
  path: string;
  pathParams?: Record<string, string>;
  query?: Record<string, QueryValue>;
  body?: unknown;
  /** Safe to retry on 5xx/network errors; defaults to GET. */
  safe?: boolean;
};

export type CallInput = {
  pathParams?: Record<string, string>;
  query?: Record<string, QueryValue>;
  body?: unknown;
};
export type CallOptions = { signal?: AbortSignal };

/** What one attempt got back, unclassified: for callers that show Clockify's answer as it is (the API explorer). */
export type RawOutcome =
  | { kind: 'response'; status: number; headers: Record<string, string>; body: Uint8Array }
  | { kind: 'timeout'; timeoutMs: number }
  | { kind: 'network'; message: string }
  /** Larger than the client's `maxBodyBytes`: dropped unread. */
  | { kind: 'too-large'; status: number };
export type ExchangeResult = {
  outcome: RawOutcome;
  /** Time spent waiting for the rate limiter's slot. */
  waitedMs: number;
  /** From sending to the last byte of the body. */
  latencyMs: number;
};
export type ClockifyPage = {
  page: number;
  items: unknown[];
  /** The page's parsed body, for callers that read more than the items. */
  body: unknown;
  lastPage: boolean;
  headers: Record<string, string>;
};

const defaultItems = (body: unknown): unknown[] =>
  Array.isArray(body)
    ? (body as unknown[])
    : ((Object.values(body ?? {}).find(Array.isArray) as unknown[] | undefined) ?? []);

const flattenHeaders = (h: Record<string, string | string[] | undefined>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(h)
      .filter((e): e is [string, string | string[]] => e[1] !== undefined)
      .map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(', ') : v]),
  );

function upstreamMessage(body: unknown): string | undefined {
  if (typeof body === 'object' && body !== null && 'message' in body && typeof body.message === 'string')
    return body.message;
  return undefined;
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

export function createClockifyClient(deps: ClockifyClientDeps) {
  const o: ClockifyClientOptions = {
    ...DEFAULT_CLIENT_OPTIONS,
    ...deps.options,
    retry: { ...DEFAULT_CLIENT_OPTIONS.retry, ...deps.options?.retry },
  };
  const ownDispatcher = deps.dispatcher === undefined;
  const dispatcher = deps.dispatcher ?? new Agent({ connect: { timeout: o.connectTimeoutMs } });
  const sleep =
    deps.sleep ??
    ((ms: number, signal?: AbortSignal) => delay(ms, undefined, signal ? { signal } : undefined));
  const random = deps.random ?? Math.random;
  const now = deps.now ?? Date.now;

  /** One attempt: send, read at most maxBodyBytes; the raw outcome. Throws only on the caller's abort. */
  async function attemptRaw(
    url: string,
    conn: ClockifyConnection,
    req: RawRequest,
    signal?: AbortSignal,
  ): Promise<RawOutcome> {
    const limit = deadline(o.timeoutMs, signal);
    const hasBody = req.body !== undefined;
    try {
      const res = await request(url, {
        method: req.method,
        dispatcher,
        signal: limit.signal,
        headersTimeout: o.timeoutMs,
        bodyTimeout: o.timeoutMs,
        headers: {
          'x-addon-token': conn.token,
          accept: 'application/json',
          ...(hasBody ? { 'content-type': 'application/json' } : {}),
        },
        ...(hasBody ? { body: JSON.stringify(req.body) } : {}),
      });
      const headers = flattenHeaders(res.headers);
      const declared = Number(headers['content-length'] ?? NaN);
      if (declared > o.maxBodyBytes) {
        res.body.destroy();
        return { kind: 'too-large', status: res.statusCode };
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > o.maxBodyBytes) {
          res.body.destroy();
          return { kind: 'too-large', status: res.statusCode };
        }
        chunks.push(chunk);
      }
      return { kind: 'response', status: res.statusCode, headers, body: Buffer.concat(chunks) };
    } catch (err) {
      if (signal?.aborted) throw err; // the caller cancelled: not a Clockify failure
      const code = (err as { code?: unknown }).code;
      if (
        limit.timedOut() ||
        (typeof code === 'string' && TIMEOUT_CODES.has(code)) ||
        err instanceof undiciErrors.ConnectTimeoutError
      ) {
        return { kind: 'timeout', timeoutMs: o.timeoutMs };
      }
      return { kind: 'network', message: err instanceof Error ? err.message : String(err) };
    } finally {
      limit.done();
    }
  }

  /** One attempt: send, read at most maxBodyBytes, classify. */
  async function attempt(url: string, conn: ClockifyConnection, req: RawRequest, signal?: AbortSignal) {
    const outcome = await attemptRaw(url, conn, req, signal);
    switch (outcome.kind) {
      case 'timeout':
        return { result: failure('timeout') };
      case 'network':
        return { result: failure('network', undefined, outcome.message) };
      case 'too-large':
        return { result: failure('too-large', outcome.status) };
      case 'response':
        break;
    }
    const { status, headers } = outcome;
    const raw = Buffer.from(outcome.body.buffer, outcome.body.byteOffset, outcome.body.byteLength);
    const type = headers['content-type'] ?? '';
    let body: unknown = raw;
    if (raw.length === 0) body = undefined;
    else if (type.includes('json')) {
      try {
        body = JSON.parse(raw.toString('utf8')) as unknown;
      } catch {
        body = raw.toString('utf8');
      }
    } else if (type.startsWith('text/')) body = raw.toString('utf8');
    if (status >= 200 && status < 300) {
      const ok: ClockifySuccess = { ok: true, status, headers, body };
      return { result: ok };
    }
    const kind = classifyStatus(status);
    return {
      result: failure(kind, status, upstreamMessage(body)),
      retryAfterS: parseRetryAfter(headers['retry-after'], now()),
    };
  }

  function connect(conn: ClockifyConnection) {
    const rate = conn.ratePerSecond ?? o.defaultRatePerSecond;

    async function send(req: RawRequest, opts: CallOptions = {}): Promise<ClockifyResult> {
      const base = baseUrlFor(req.server, conn);
      if (base === undefined)
        return {
          ...failure('invalid'),
          message: `No ${req.server} server URL is known for this installation`,
        };
      const url = buildUrl(base, req.path, req.pathParams ?? {}, req.query);
      const safe = req.safe ?? req.method === 'GET';
      for (let n = 1; ; n++) {
        await deps.limiter.acquire(conn.workspaceId, rate, opts.signal);
        const { result, retryAfterS } = await attempt(url, conn, req, opts.signal);
        if (result.ok) return result;
        const decision = retryDecision({
          kind: result.kind,
          attempt: n,
          safe,
          retryAfterS,
          policy: o.retry,
          random,
        });
        if (!decision.retry) return retryAfterS === undefined ? result : { ...result, retryAfterS };
        if (result.kind === 'rate-limited' && deps.limiter.pause) {
          // Hold every instance's calls for this workspace, not just this one.
          await deps.limiter.pause(conn.workspaceId, decision.delayMs / 1000);
        }
        await sleep(decision.delayMs, opts.signal);
      }
    }

    function prepare(
      operationId: string,
      input: CallInput,
    ): { op: ClockifyOperation; req: RawRequest } | ClockifyFailure {
      const op = deps.catalogue.get(operationId);
      if (op === undefined)
        return { ...failure('invalid'), message: `Unknown Clockify operation: ${operationId}` };
      const pathParams: Record<string, string> = { workspaceId: conn.workspaceId, ...input.pathParams };
      const missing = op.pathParams.filter((p) => (pathParams[p] ?? '') === '');
      if (missing.length > 0)
        return {
          ...failure('invalid'),
          message: `Missing path parameter(s) for ${operationId}: ${missing.join(', ')}`,
        };
      return {
        op,
        req: {
          method: op.method,
          server: op.server,
          path: op.path,
          pathParams,
          query: input.query,
          body: input.body,
          safe: op.safe,
        },
      };
    }

    /**
     * One attempt, no retry, the answer as it came (status, headers, bytes, also for 4xx/5xx/429), with
     * the time waited for the rate limiter. For a person reading Clockify's answer (the API explorer):
     * `priority` defaults to `interactive`, so the call does not queue behind a bootstrap.
     */
    async function exchange(
      req: RawRequest,
      opts: CallOptions & { priority?: 'interactive' | 'background' } = {},
    ): Promise<ExchangeResult> {
      const base = baseUrlFor(req.server, conn);
      if (base === undefined)
        return {
          outcome: { kind: 'network', message: `No ${req.server} server URL is known for this installation` },
          waitedMs: 0,
          latencyMs: 0,
        };
      const url = buildUrl(base, req.path, req.pathParams ?? {}, req.query);
      const asked = performance.now();
      await deps.limiter.acquire(conn.workspaceId, rate, opts.signal, opts.priority ?? 'interactive');
      const sent = performance.now();
      const outcome = await attemptRaw(url, conn, req, opts.signal);
      return { outcome, waitedMs: sent - asked, latencyMs: performance.now() - sent };
    }

    return {
      workspaceId: conn.workspaceId,
      /** Sends a request that is not (or not yet) in the catalogue. */
      request: send,
      exchange,
      /** Calls a catalogue operation; `workspaceId` defaults to the connection's. */
      async call(
        operationId: string,
        input: CallInput = {},
        opts: CallOptions = {},
      ): Promise<ClockifyResult> {
        const prepared = prepare(operationId, input);
        return 'ok' in prepared ? prepared : send(prepared.req, opts);
      },
      /**
       * Pages through a list operation (`page` + `page-size`/`pageSize`/`limit` in the query, or
       * `page` + `pageSize` in the body). Stops after a page with `Last-Page: true`, a short page or an
       * empty page. `items` picks a page's items from its body (default: the body if it is an array, else
       * its first array field). Throws an AppError (details = the ClockifyFailure) when a page fails.
       */
      async *pages(
        operationId: string,
        input: CallInput = {},
        opts: CallOptions & {
          pageSize?: number;
          firstPage?: number;
          maxPages?: number;
          items?: (body: unknown) => unknown[];
        } = {},
      ): AsyncGenerator<ClockifyPage> {
        const prepared = prepare(operationId, input);
        if ('ok' in prepared) throw toAppError(prepared);
        const { op, req } = prepared;
        const sizeName = pageSizeParam(op.pagination) ?? 'page-size';
        if (op.pagination === 'none')
          throw toAppError({ ...failure('invalid'), message: `${operationId} is not paginated` });
        const pageSize = opts.pageSize ?? 50;
        const maxPages = opts.maxPages ?? 100_000;
        const itemsOf = opts.items ?? defaultItems;
        for (let page = opts.firstPage ?? 1, n = 0; n < maxPages; page++, n++) {
          const paged: RawRequest =
            op.pagination === 'body'
              ? { ...req, body: { ...(req.body as object | undefined), page, pageSize } }
              : { ...req, query: { ...req.query, page, [sizeName]: pageSize } };
          const result = await send(paged, opts);
          if (!result.ok) throw toAppError(result);
          const items = itemsOf(result.body);
          const lastPage = result.headers['last-page'] === 'true' || items.length < pageSize;
          yield { page, items, body: result.body, lastPage, headers: result.headers };
          if (lastPage) return;
        }
      },
    };
  }

  return {
    connect,
    async close() {
      if (ownDispatcher) await dispatcher.close();
    },
  };
}

export type ClockifyClient = ReturnType<typeof createClockifyClient>;
export type ClockifyApi = ReturnType<ClockifyClient['connect']>;
