/**
 * A validated input turned into the request that goes to Clockify: full URL on the operation's server
 * (base URLs from the installation), body and content type. Pure; the URL is built by the client's own
 * `buildUrl`, so what the explorer shows is what the client sends.
 */
import type { ClockifyOperation, HttpMethod, ServerKind } from '../../integrations/clockify/catalogue.js';
import { type ClockifyBaseUrls, baseUrlFor, buildUrl } from '../../integrations/clockify/clockify.urls.js';
import type { ValidInput } from './explorer.types.js';
import { REDACTED, type RequestEcho } from './redact.js';

export type PreparedRequest = {
  operationId: string;
  method: HttpMethod;
  server: ServerKind;
  url: string;
  /** Present with a body. */
  contentType?: string;
  body?: unknown;
  /** Multipart bodies: the properties that are files (`format: binary`). */
  fileFields?: string[];
};

export type PrepareResult = { ok: true; request: PreparedRequest } | { ok: false; message: string };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function fileFieldsOf(op: ClockifyOperation): string[] {
  const props = op.requestBody?.schema?.properties;
  if (!isObject(props)) return [];
  return Object.entries(props)
    .filter(([, s]) => isObject(s) && s.format === 'binary')
    .map(([name]) => name);
}

export function prepareRequest(
  op: ClockifyOperation,
  input: ValidInput,
  urls: ClockifyBaseUrls,
): PrepareResult {
  const base = baseUrlFor(op.server, urls);
  if (base === undefined)
    return { ok: false, message: `No ${op.server} server URL is known for this installation` };
  const missing = op.pathParams.filter((p) => (input.pathParams[p] ?? '') === '');
  if (missing.length > 0) return { ok: false, message: `Missing path parameter(s): ${missing.join(', ')}` };
  const request: PreparedRequest = {
    operationId: op.operationId,
    method: op.method,
    server: op.server,
    url: buildUrl(base, op.path, input.pathParams, input.query),
  };
  if (input.body !== undefined && op.requestBody !== undefined) {
    request.contentType = op.requestBody.contentType;
    request.body = input.body;
    const files = fileFieldsOf(op);
    if (op.requestBody.contentType.startsWith('multipart/') && files.length > 0) request.fileFields = files;
  }
  return { ok: true, request };
}

/** The request as the explorer echoes it: the token header shown, its value never. */
export function requestEcho(request: PreparedRequest): RequestEcho {
  return {
    method: request.method,
    url: request.url,
    headers: {
      'x-addon-token': REDACTED,
      accept: 'application/json',
      ...(request.contentType !== undefined ? { 'content-type': request.contentType } : {}),
    },
    ...(request.body !== undefined ? { body: request.body } : {}),
  };
}
