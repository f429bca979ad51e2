import { describe, expect, it } from 'vitest';
import { failure } from '../../integrations/clockify/clockify.errors.js';
import { makeOperation } from './explorer.test-support.js';
import { REDACTED } from './redact.js';
import {
  type UpstreamOutcome,
  explain,
  outcomeFromClientResult,
  parseBody,
  safeHeaders,
  shapeResult,
} from './shape-result.js';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.installation-token.sig';
const NOW_MS = Date.parse('2026-05-07T10:00:00Z');
const getProjects = makeOperation({
  operationId: 'getProjects',
  method: 'GET',
  path: '/v1/workspaces/{workspaceId}/projects',
});
const deleteProject = makeOperation({
  operationId: 'deleteProject',
  method: 'DELETE',
  path: '/v1/workspaces/{workspaceId}/projects/{projectId}',
});
const auditLog = makeOperation({
  operationId: 'getAuditLogs',
  method: 'POST',
  path: '/v1/workspaces/{workspaceId}/audit-log',
  security: ['ApiKeyAuth'],
});

const bytes = (s: string) => new TextEncoder().encode(s);
const json = (status: number, body: unknown, headers: Record<string, string> = {}): UpstreamOutcome => ({
  kind: 'response',
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: bytes(JSON.stringify(body)),
});
const shape = (outcome: UpstreamOutcome, op = getProjects, maxBodyBytes?: number) =>
  shapeResult({
    op,
    outcome,
    latencyMs: 12.4,
    waitedMs: 3.6,
    secrets: [TOKEN],
    nowMs: NOW_MS,
    ...(maxBodyBytes !== undefined ? { maxBodyBytes } : {}),
  });

describe('shapeResult', () => {
  it('shapes a JSON success with timings, safe headers and the parsed body', () => {
    const r = shape(json(200, [{ id: 'p1' }], { 'last-page': 'true', 'set-cookie': 'sid=1' }));
    expect(r).toEqual({
      ok: true,
      status: 200,
      outcome: 'success',
      latencyMs: 12,
      waitedMs: 4,
      headers: { 'content-type': 'application/json', 'last-page': 'true' },
      body: [{ id: 'p1' }],
      bodyKind: 'json',
      bodyBytes: 13,
      truncated: false,
      explanation: 'Clockify answered 200.',
    });
  });

  it('removes the token from the body, however it got there', () => {
    const r = shape(json(200, { echo: TOKEN, authToken: 'webhook-secret', nested: [`x ${TOKEN} y`] }));
    expect(JSON.stringify(r)).not.toContain(TOKEN);
    expect(JSON.stringify(r)).not.toContain('webhook-secret');
    expect(r.body).toEqual({ echo: REDACTED, authToken: REDACTED, nested: [`x ${REDACTED} y`] });
  });

  it('caps the body at 1 MB as truncated text', () => {
    const big = JSON.stringify({ items: 'x'.repeat(2 * 1024 * 1024) });
    const r = shape({
      kind: 'response',
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: bytes(big),
    });
    expect(r.truncated).toBe(true);
    expect(r.bodyKind).toBe('text');
    expect((r.body as string).length).toBe(1024 * 1024);
    expect(r.bodyBytes).toBe(big.length);
  });

  it('does not cut a multi-byte character in half when truncating', () => {
    const r = shape(
      { kind: 'response', status: 200, headers: { 'content-type': 'text/plain' }, body: bytes('aé€😀') },
      getProjects,
      4,
    );
    expect(r).toMatchObject({ body: 'aé', truncated: true });
  });

  it('shows text as text, invalid JSON as text, binary as binary', () => {
    expect(
      shape({ kind: 'response', status: 200, headers: { 'content-type': 'text/csv' }, body: bytes('a,b') }),
    ).toMatchObject({
      body: 'a,b',
      bodyKind: 'text',
    });
    expect(
      shape({
        kind: 'response',
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: bytes('{oops'),
      }),
    ).toMatchObject({ body: '{oops', bodyKind: 'text' });
    const pdf = new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x00, 0xff, 0xfe]);
    expect(
      shape({ kind: 'response', status: 200, headers: { 'content-type': 'application/pdf' }, body: pdf }),
    ).toMatchObject({
      body: null,
      bodyKind: 'binary',
      bodyBytes: 7,
    });
    expect(shape({ kind: 'response', status: 204, headers: {}, body: new Uint8Array() })).toMatchObject({
      body: null,
      bodyKind: 'empty',
      explanation: 'Done (204 No Content).',
    });
  });

  it('reads JSON without a content type, and treats undeclared binary as binary', () => {
    expect(parseBody(bytes('{"a":1}'), undefined, 100, [])).toEqual({
      body: { a: 1 },
      bodyKind: 'json',
      truncated: false,
    });
    expect(parseBody(new Uint8Array([0, 1, 2]), undefined, 100, [])).toEqual({
      body: null,
      bodyKind: 'binary',
      truncated: false,
    });
  });

  it('explains a 429 with the Retry-After, in seconds or as a date', () => {
    const r = shape(
      json(429, { message: 'Too many requests' }, { 'retry-after': '7', 'x-ratelimit-remaining': '0' }),
    );
    expect(r).toMatchObject({ ok: false, outcome: 'http-error', status: 429, retryAfterS: 7 });
    expect(r.headers).toEqual({
      'content-type': 'application/json',
      'retry-after': '7',
      'x-ratelimit-remaining': '0',
    });
    expect(r.explanation).toBe(
      'Clockify\'s rate limit was reached (50 requests per second per add-on and workspace). Clockify said: "Too many requests". Retry after 7 s.',
    );
    const dated = shape(json(429, {}, { 'retry-after': new Date(NOW_MS + 30_000).toUTCString() }));
    expect(dated.retryAfterS).toBe(30);
    expect(dated.explanation).toContain('Retry after 30 s.');
    expect(shape(json(429, {})).explanation).toContain('Retry in a moment.');
  });

  it('explains a timeout and a network failure without a status', () => {
    expect(shape({ kind: 'timeout', timeoutMs: 30_000 })).toMatchObject({
      ok: false,
      status: null,
      outcome: 'timeout',
      body: null,
      explanation: 'Clockify did not answer in time (30000 ms). Trying again later is safe.',
    });
    expect(shape({ kind: 'timeout' }, deleteProject).explanation).toBe(
      'Clockify did not answer in time. The change may or may not have been applied: check before trying again.',
    );
    const net = shape({ kind: 'network', message: `connect ECONNREFUSED (token ${TOKEN})` });
    expect(net).toMatchObject({ status: null, outcome: 'network' });
    expect(net.explanation).toBe(
      `Could not reach Clockify: connect ECONNREFUSED (token ${REDACTED}). Trying again later is safe.`,
    );
  });

  it('reports a response too large to read', () => {
    expect(shape({ kind: 'too-large', status: 200 })).toMatchObject({
      ok: false,
      status: 200,
      outcome: 'too-large',
    });
  });
});

describe('explain', () => {
  const http = (status: number, message?: string, op = getProjects) =>
    explain(op, { status, kind: 'http-error', ...(message !== undefined ? { message } : {}) });

  it('explains a 400 with Clockify’s message', () => {
    expect(http(400, 'Project name must be unique')).toContain(
      'Clockify said: "Project name must be unique"',
    );
    expect(http(400)).toContain('rejected the request as invalid');
  });

  it('explains a 401 as a token problem, or as an operation that refuses add-on tokens', () => {
    expect(http(401)).toContain('uninstalled or deactivated');
    expect(http(401, undefined, auditLog)).toBe(
      'This operation does not accept the add-on token (it takes ApiKeyAuth).',
    );
  });

  it('names the likely missing scope on a 403, or the plan when Clockify’s message points there', () => {
    expect(http(403, 'Forbidden')).toBe(
      'Clockify refused the call: most likely the add-on lacks the PROJECT_READ scope (declared in the manifest and granted at install; PROJECT_WRITE does not imply PROJECT_READ); otherwise the workspace\'s plan or settings (the feature may be turned off or not in its subscription). Clockify said: "Forbidden".',
    );
    expect(http(403, 'Feature not available on your subscription plan', deleteProject)).toMatch(
      /^Clockify refused the call, most likely because of the workspace's plan.*Otherwise the add-on lacks the PROJECT_WRITE scope/,
    );
  });

  it('points at the path ids on a 404', () => {
    expect(http(404, undefined, deleteProject)).toBe(
      'Not found. Check projectId: the entity may not exist in this workspace or may have been deleted.',
    );
    expect(http(404)).toContain('does not exist for this workspace');
  });

  it('explains 409, 5xx (with the write caveat), redirects and other statuses', () => {
    expect(http(409)).toContain('Conflict');
    expect(http(503)).toBe('Clockify failed on its side (HTTP 503). Trying again later is safe.');
    expect(http(502, undefined, deleteProject)).toContain('may or may not have been applied');
    expect(http(302)).toContain('redirect');
    expect(http(418)).toBe('Clockify refused the request (HTTP 418).');
  });
});

describe('safeHeaders', () => {
  it('keeps the allowlist and drops everything else, credentials included', () => {
    expect(
      safeHeaders(
        {
          'Content-Type': 'application/json',
          Date: 'Thu, 07 May 2026 10:00:00 GMT',
          'Last-Page': 'false',
          'X-RateLimit-Limit': '50',
          'RateLimit-Remaining': '3',
          'Set-Cookie': ['a=1'],
          'X-Addon-Token': TOKEN,
          'X-Ratelimit-Token': TOKEN,
          Server: 'nginx',
          'X-Request-Id': 'abc',
          Vary: undefined,
        },
        [TOKEN],
      ),
    ).toEqual({
      'content-type': 'application/json',
      date: 'Thu, 07 May 2026 10:00:00 GMT',
      'last-page': 'false',
      'x-ratelimit-limit': '50',
      'ratelimit-remaining': '3',
    });
  });
});

describe('outcomeFromClientResult', () => {
  it('re-encodes a success body', () => {
    const o = outcomeFromClientResult({
      ok: true,
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: { a: 1 },
    });
    expect(shape(o)).toMatchObject({ ok: true, body: { a: 1 }, bodyKind: 'json' });
    expect(outcomeFromClientResult({ ok: true, status: 204, headers: {}, body: undefined })).toMatchObject({
      kind: 'response',
      body: new Uint8Array(),
    });
  });

  it('maps failures to outcomes, keeping the status and the message', () => {
    expect(outcomeFromClientResult(failure('timeout'))).toEqual({ kind: 'timeout' });
    expect(outcomeFromClientResult(failure('network', undefined, 'ECONNRESET'))).toMatchObject({
      kind: 'network',
    });
    expect(outcomeFromClientResult(failure('too-large', 200))).toEqual({ kind: 'too-large', status: 200 });
    const forbidden = shape(outcomeFromClientResult(failure('forbidden', 403, 'Nope')));
    expect(forbidden).toMatchObject({ status: 403, outcome: 'http-error' });
    expect(forbidden.explanation).toContain('PROJECT_READ');
    expect(outcomeFromClientResult(failure('invalid'))).toMatchObject({ kind: 'network' });
  });
});
