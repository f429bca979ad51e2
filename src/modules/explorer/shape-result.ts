/**
 * What the explorer shows (and stores in history) of Clockify's answer: status, timings, a safe
 * subset of headers, the body parsed and capped, and an explanation in words. Pure; every string that
 * leaves here has had the secrets removed (redact.ts).
 */
import type { ClockifyOperation } from '../../integrations/clockify/catalogue.js';
import { type ClockifyResult, parseRetryAfter } from '../../integrations/clockify/clockify.errors.js';
import { ADDON_TOKEN_SCHEMES } from './list-operations.js';
import { isWriteOperation, scopeOf } from './operation-scope.js';
import { isSensitiveName, redactString, redactValue } from './redact.js';

/** The raw outcome of one upstream attempt. */
export type UpstreamOutcome =
  | {
      kind: 'response';
      status: number;
      headers: Record<string, string | readonly string[] | undefined>;
      body: Uint8Array;
    }
  | { kind: 'timeout'; timeoutMs?: number }
  | { kind: 'network'; message: string }
  /** The response was larger than the transport's own cap and was dropped unread. */
  | { kind: 'too-large'; status?: number };

export type BodyKind = 'json' | 'text' | 'binary' | 'empty';

export type ExplorerResult = {
  ok: boolean;
  /** Clockify's HTTP status; null when no response arrived. */
  status: number | null;
  outcome: 'success' | 'http-error' | 'timeout' | 'network' | 'too-large';
  /** From sending to the last byte of the body. */
  latencyMs: number;
  /** Time spent waiting for a rate-limit slot before sending. */
  waitedMs: number;
  headers: Record<string, string>;
  body: unknown;
  bodyKind: BodyKind;
  /** Size of the body Clockify sent, in bytes. */
  bodyBytes: number;
  /** The body was cut at `maxBodyBytes` (then it is text, even when JSON was sent). */
  truncated: boolean;
  retryAfterS?: number;
  explanation: string;
};

export const MAX_RESULT_BODY_BYTES = 1024 * 1024;

/** Headers worth showing. An allowlist: anything else (set-cookie, tracing ids, …) is left out. */
const SAFE_HEADERS = new Set([
  'content-type',
  'content-length',
  'content-disposition',
  'content-language',
  'date',
  'etag',
  'last-modified',
  'cache-control',
  'retry-after',
  'last-page',
]);
const SAFE_HEADER_PREFIXES = ['x-ratelimit-', 'x-rate-limit-', 'ratelimit'];

export function safeHeaders(
  headers: Record<string, string | readonly string[] | undefined>,
  secrets: readonly (string | null | undefined)[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [rawName, value] of Object.entries(headers)) {
    const name = rawName.toLowerCase();
    if (value === undefined || isSensitiveName(name)) continue;
    if (!SAFE_HEADERS.has(name) && !SAFE_HEADER_PREFIXES.some((p) => name.startsWith(p))) continue;
    out[name] = redactString(typeof value === 'string' ? value : value.join(', '), secrets);
  }
  return out;
}

const headerValue = (headers: Record<string, string | readonly string[] | undefined>, name: string) => {
  const entry = Object.entries(headers).find(([k]) => k.toLowerCase() === name);
  const v = entry?.[1];
  return v === undefined ? undefined : typeof v === 'string' ? v : v.join(', ');
};

const isJsonType = (type: string) => /^application\/([\w.+-]+\+)?json\b/i.test(type);
const isTextType = (type: string) =>
  /^text\//i.test(type) || /^application\/([\w.+-]+\+)?(xml|javascript|x-www-form-urlencoded)\b/i.test(type);

/** Decodes UTF-8; a cut multi-byte character at the end of a truncated body is dropped. */
function decode(bytes: Uint8Array, truncated: boolean): string {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  return truncated ? text.replace(/\uFFFD+$/, '') : text;
}

function looksLikeText(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, 4096));
  } catch {
    return false;
  }
  return !bytes.subarray(0, 4096).includes(0);
}

export function parseBody(
  bytes: Uint8Array,
  contentType: string | undefined,
  maxBytes: number,
  secrets: readonly (string | null | undefined)[],
): { body: unknown; bodyKind: BodyKind; truncated: boolean } {
  if (bytes.length === 0) return { body: null, bodyKind: 'empty', truncated: false };
  const type = contentType ?? '';
  const truncated = bytes.length > maxBytes;
  const head = truncated ? bytes.subarray(0, maxBytes) : bytes;
  const textual = isJsonType(type) || isTextType(type) || (type === '' && looksLikeText(head));
  if (!textual) return { body: null, bodyKind: 'binary', truncated: false };
  const text = decode(head, truncated);
  if (!truncated && (isJsonType(type) || type === '')) {
    try {
      return { body: redactValue(JSON.parse(text), secrets), bodyKind: 'json', truncated: false };
    } catch {
      // Declared JSON that does not parse is shown as the text it is.
    }
  }
  return { body: redactString(text, secrets), bodyKind: 'text', truncated };
}

/** Clockify's error bodies are `{ message, code }`. */
function upstreamMessage(body: unknown): string | undefined {
  if (typeof body === 'object' && body !== null && 'message' in body && typeof body.message === 'string') {
    const m = body.message.trim();
    return m === '' ? undefined : m.slice(0, 300);
  }
  if (typeof body === 'string' && body.trim() !== '' && body.length <= 300) return body.trim();
  return undefined;
}

type ExplainOp = Pick<ClockifyOperation, 'operationId' | 'method' | 'path' | 'pathParams' | 'security'>;

const PLAN_HINT = /\b(plan|subscription|upgrade|feature|not enabled|disabled|premium|trial)\b/i;

/** Words for an outcome, written for a workspace admin. */
export function explain(
  op: ExplainOp,
  outcome: {
    status: number | null;
    kind: ExplorerResult['outcome'];
    message?: string;
    retryAfterS?: number;
    timeoutMs?: number;
  },
): string {
  const { scope } = scopeOf(op);
  const addonToken = op.security.some((x) => ADDON_TOKEN_SCHEMES.has(x));
  const said = outcome.message !== undefined ? ` Clockify said: "${outcome.message}".` : '';
  const writeCaveat = isWriteOperation(op)
    ? ' The change may or may not have been applied: check before trying again.'
    : ' Trying again later is safe.';
  const { status } = outcome;
  switch (outcome.kind) {
    case 'timeout':
      return `Clockify did not answer in time${outcome.timeoutMs !== undefined ? ` (${outcome.timeoutMs} ms)` : ''}.${writeCaveat}`;
    case 'network':
      return `Could not reach Clockify${outcome.message !== undefined ? `: ${outcome.message}` : ''}.${writeCaveat}`;
    case 'too-large':
      return 'Clockify answered, but the response was larger than the gateway accepts, so it was not read. Narrow the request (filters, a smaller page size).';
    case 'success':
      return status === 204 ? 'Done (204 No Content).' : `Clockify answered ${status ?? 'without a status'}.`;
    case 'http-error':
      break;
  }
  if (status === 400)
    return `Clockify rejected the request as invalid.${said} Compare the fields with the operation's schema; Clockify also checks what the spec cannot say (ids that must exist, date ranges, plan limits).`;
  if (status === 401)
    return addonToken
      ? `Clockify did not accept the add-on token.${said} The add-on may have been uninstalled or deactivated in this workspace, or a reinstall replaced the token.`
      : `This operation does not accept the add-on token (it takes ${op.security.join(', ')}).${said}`;
  if (status === 403) {
    const resource = scope.replace(/_(READ|WRITE)$/, '');
    const lacksScope = `the add-on lacks the ${scope} scope (declared in the manifest and granted at install; ${resource}_WRITE does not imply ${resource}_READ)`;
    const plan =
      "the workspace's plan or settings (the feature may be turned off or not in its subscription)";
    return outcome.message !== undefined && PLAN_HINT.test(outcome.message)
      ? `Clockify refused the call, most likely because of ${plan}.${said} Otherwise ${lacksScope}.`
      : `Clockify refused the call: most likely ${lacksScope}; otherwise ${plan}.${said}`;
  }
  if (status === 404) {
    const ids = op.pathParams.filter((p) => p !== 'workspaceId');
    return `Not found.${said} ${ids.length > 0 ? `Check ${ids.join(', ')}: the entity may not exist in this workspace or may have been deleted.` : 'The resource does not exist for this workspace, or the feature is not available.'}`;
  }
  if (status === 409)
    return `Conflict with the current state in Clockify (for example a name already in use, or an entity still referenced).${said}`;
  if (status === 429)
    return `Clockify's rate limit was reached (50 requests per second per add-on and workspace).${said} ${outcome.retryAfterS !== undefined ? `Retry after ${outcome.retryAfterS} s.` : 'Retry in a moment.'}`;
  if (status !== null && status >= 500)
    return `Clockify failed on its side (HTTP ${status}).${said}${writeCaveat}`;
  if (status !== null && status >= 300 && status < 400)
    return `Clockify answered with a redirect (HTTP ${status}), which the gateway does not follow.${said}`;
  return `Clockify refused the request (HTTP ${status ?? 'unknown'}).${said}`;
}

export type ShapeInput = {
  op: ExplainOp;
  outcome: UpstreamOutcome;
  latencyMs: number;
  waitedMs: number;
  /** Every secret that must not leave: the installation token, the caller's own token. */
  secrets: readonly (string | null | undefined)[];
  maxBodyBytes?: number;
  /** For an HTTP-date Retry-After. */
  nowMs: number;
};

export function shapeResult(input: ShapeInput): ExplorerResult {
  const { op, outcome, secrets } = input;
  const timing = {
    latencyMs: Math.max(0, Math.round(input.latencyMs)),
    waitedMs: Math.max(0, Math.round(input.waitedMs)),
  };
  const none = { headers: {}, body: null, bodyKind: 'empty' as const, bodyBytes: 0, truncated: false };
  switch (outcome.kind) {
    case 'timeout':
      return {
        ok: false,
        status: null,
        outcome: 'timeout',
        ...timing,
        ...none,
        explanation: explain(op, {
          status: null,
          kind: 'timeout',
          ...(outcome.timeoutMs !== undefined ? { timeoutMs: outcome.timeoutMs } : {}),
        }),
      };
    case 'network':
      return {
        ok: false,
        status: null,
        outcome: 'network',
        ...timing,
        ...none,
        explanation: redactString(
          explain(op, { status: null, kind: 'network', message: outcome.message.slice(0, 300) }),
          secrets,
        ),
      };
    case 'too-large':
      return {
        ok: false,
        status: outcome.status ?? null,
        outcome: 'too-large',
        ...timing,
        ...none,
        explanation: explain(op, { status: outcome.status ?? null, kind: 'too-large' }),
      };
    case 'response':
      break;
  }
  const { status } = outcome;
  const parsed = parseBody(
    outcome.body,
    headerValue(outcome.headers, 'content-type'),
    input.maxBodyBytes ?? MAX_RESULT_BODY_BYTES,
    secrets,
  );
  const ok = status >= 200 && status < 300;
  const retryAfterS =
    status === 429 || status === 503
      ? parseRetryAfter(headerValue(outcome.headers, 'retry-after'), input.nowMs)
      : undefined;
  const message = ok ? undefined : upstreamMessage(parsed.body);
  return {
    ok,
    status,
    outcome: ok ? 'success' : 'http-error',
    ...timing,
    headers: safeHeaders(outcome.headers, secrets),
    ...parsed,
    bodyBytes: outcome.body.length,
    ...(retryAfterS !== undefined ? { retryAfterS } : {}),
    explanation: redactString(
      explain(op, {
        status,
        kind: ok ? 'success' : 'http-error',
        ...(message !== undefined ? { message } : {}),
        ...(retryAfterS !== undefined ? { retryAfterS } : {}),
      }),
      secrets,
    ),
  };
}

/**
 * Adapter for the existing client's `ClockifyResult`, which keeps neither the raw bytes nor a failed
 * response's headers and body (only a message). Lossy: a failure's body becomes `{ message }`. The
 * explorer service should prefer a raw outcome (status, headers, bytes) when the client offers one.
 */
export function outcomeFromClientResult(result: ClockifyResult): UpstreamOutcome {
  if (result.ok) {
    const { body } = result;
    const bytes =
      body === undefined
        ? new Uint8Array()
        : body instanceof Uint8Array
          ? body
          : new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body));
    return { kind: 'response', status: result.status, headers: result.headers, body: bytes };
  }
  switch (result.kind) {
    case 'timeout':
      return { kind: 'timeout' };
    case 'network':
      return { kind: 'network', message: result.message };
    case 'too-large':
      return { kind: 'too-large', ...(result.status !== undefined ? { status: result.status } : {}) };
    case 'unauthorized':
    case 'forbidden':
    case 'not-found':
    case 'invalid':
    case 'rate-limited':
    case 'upstream':
      if (result.status === undefined) return { kind: 'network', message: result.message };
      return {
        kind: 'response',
        status: result.status,
        headers: { 'content-type': 'application/json' },
        body: new TextEncoder().encode(JSON.stringify({ message: result.message })),
      };
  }
}
