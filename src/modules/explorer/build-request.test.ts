import { describe, expect, it } from 'vitest';
import { prepareRequest, requestEcho } from './build-request.js';
import { makeOperation } from './explorer.test-support.js';

const URLS = { apiUrl: 'https://euc1.clockify.me/api/' };

describe('prepareRequest', () => {
  it('builds the URL on the installation’s API host with path values and query encoded', () => {
    const op = makeOperation({ path: '/v1/workspaces/{workspaceId}/projects' });
    const r = prepareRequest(
      op,
      { pathParams: { workspaceId: 'w 1' }, query: { name: 'a&b=c', clients: ['c1', 'c2'], page: 2 } },
      URLS,
    );
    expect(r).toEqual({
      ok: true,
      request: {
        operationId: 'testOperation',
        method: 'GET',
        server: 'api',
        url: 'https://euc1.clockify.me/api/v1/workspaces/w%201/projects?name=a%26b%3Dc&clients=c1&clients=c2&page=2',
      },
    });
  });

  it('uses the reports host for report operations', () => {
    const op = makeOperation({ path: '/v1/workspaces/{workspaceId}/reports/detailed', server: 'reports' });
    const r = prepareRequest(
      op,
      { pathParams: { workspaceId: 'w' }, query: {} },
      { apiUrl: 'https://api.clockify.me/api' },
    );
    expect(r.ok && r.request.url).toBe('https://reports.api.clockify.me/v1/workspaces/w/reports/detailed');
  });

  it('fails when the installation has no host for the server', () => {
    const op = makeOperation({ path: '/v1/workspaces/{workspaceId}/audit-log', server: 'auditlog' });
    expect(prepareRequest(op, { pathParams: { workspaceId: 'w' }, query: {} }, URLS)).toEqual({
      ok: false,
      message: 'No auditlog server URL is known for this installation',
    });
  });

  it('refuses to build a URL with a path value missing', () => {
    const op = makeOperation();
    expect(prepareRequest(op, { pathParams: { workspaceId: 'w' }, query: {} }, URLS)).toEqual({
      ok: false,
      message: 'Missing path parameter(s): thingId',
    });
  });

  it('carries the body with its content type, and the file fields of a multipart body', () => {
    const op = makeOperation({
      method: 'POST',
      path: '/v1/workspaces/{workspaceId}/expenses',
      requestBody: {
        required: true,
        contentType: 'multipart/form-data',
        schema: {
          type: 'object',
          properties: { file: { type: 'string', format: 'binary' }, notes: { type: 'string' } },
        },
      },
    });
    const r = prepareRequest(op, { pathParams: { workspaceId: 'w' }, query: {}, body: { notes: 'n' } }, URLS);
    expect(r.ok && r.request).toMatchObject({
      contentType: 'multipart/form-data',
      body: { notes: 'n' },
      fileFields: ['file'],
    });
  });
});

describe('requestEcho', () => {
  it('shows the token header without its value', () => {
    expect(
      requestEcho({
        operationId: 'x',
        method: 'POST',
        server: 'api',
        url: 'https://h/v1',
        contentType: 'application/json',
        body: { a: 1 },
      }),
    ).toEqual({
      method: 'POST',
      url: 'https://h/v1',
      headers: {
        'x-addon-token': '[redacted]',
        accept: 'application/json',
        'content-type': 'application/json',
      },
      body: { a: 1 },
    });
  });
});
