import { beforeAll, describe, expect, it } from 'vitest';
import { type Catalogue, loadCatalogue } from './catalogue.js';
import { isHeavyOperation, paginationStyleOf, serverKindOf } from './classify-operation.js';

let catalogue: Catalogue;
beforeAll(async () => {
  catalogue = await loadCatalogue();
});

const count = <T>(items: readonly T[], pred: (t: T) => boolean) => items.filter(pred).length;

describe('Clockify operation catalogue', () => {
  it('lists every operation of the spec', () => {
    const ops = catalogue.operations;
    expect(ops).toHaveLength(166);
    expect(new Set(ops.map((o) => o.operationId)).size).toBe(166);
    expect(count(ops, (o) => o.method === 'GET')).toBe(50);
    expect(count(ops, (o) => o.safe)).toBe(50);
    expect(count(ops, (o) => o.deprecated)).toBe(7);
  });

  it('assigns each operation the server its path declares', () => {
    const ops = catalogue.operations;
    expect(count(ops, (o) => o.server === 'api')).toBe(155);
    expect(count(ops, (o) => o.server === 'reports')).toBe(10);
    expect(count(ops, (o) => o.server === 'auditlog')).toBe(1);
    expect(catalogue.get('getAuditLogs')?.server).toBe('auditlog');
    expect(catalogue.get('generateSharedReportV1')?.server).toBe('reports');
  });

  it('describes list projects with its workspace path param and page/page-size query params', () => {
    const op = catalogue.get('getProjects')!;
    expect(op).toMatchObject({ method: 'GET', path: '/v1/workspaces/{workspaceId}/projects', server: 'api' });
    expect(op.pagination).toBe('page-size');
    expect(op.pathParams).toEqual(['workspaceId']);
    const names = op.parameters.map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['workspaceId', 'page', 'page-size']));
    expect(op.parameters.find((p) => p.name === 'workspaceId')).toMatchObject({ in: 'path', required: true });
    expect(op.parameters.find((p) => p.name === 'page-size')?.schema).toMatchObject({ type: 'integer' });
    expect(op.responseSchema).toMatchObject({ type: 'array' });
  });

  it('derives the other pagination styles', () => {
    expect(catalogue.get('getSharedReportsV1')?.pagination).toBe('pageSize');
    expect(catalogue.get('getCreatedEntityInfo')?.pagination).toBe('limit');
    expect(catalogue.get('filterUsersOfWorkspace')?.pagination).toBe('body');
    expect(catalogue.get('getWorkspaceOfUser')?.pagination).toBe('none');
  });

  it('resolves request body schemas', () => {
    const op = catalogue.get('createNewProject')!;
    expect(op.requestBody?.contentType).toBe('application/json');
    expect(op.requestBody?.schema).toMatchObject({ type: 'object' });
    expect(JSON.stringify(op.requestBody)).not.toContain('"$ref"');
  });

  it('has every path param of every operation in its path', () => {
    for (const op of catalogue.operations) {
      for (const p of op.parameters.filter((x) => x.in === 'path')) {
        expect(op.path, `${op.operationId} ${p.name}`).toContain(`{${p.name}}`);
      }
      for (const name of op.pathParams) {
        expect(
          op.parameters.some((p) => p.in === 'path' && p.name === name),
          `${op.operationId} ${name}`,
        ).toBe(true);
      }
    }
  });

  it('stays JSON-serialisable despite circular schemas', () => {
    expect(() => JSON.stringify(catalogue.operations)).not.toThrow();
  });

  it('loads once per process (the same object, not a second parse)', async () => {
    expect(await loadCatalogue()).toBe(catalogue);
  });
});

describe('operation rules', () => {
  it('maps server URLs to kinds', () => {
    expect(serverKindOf('https://api.clockify.me/api')).toBe('api');
    expect(serverKindOf('https://reports.api.clockify.me')).toBe('reports');
    expect(serverKindOf('https://auditlog-api.api.clockify.me')).toBe('auditlog');
    expect(serverKindOf(undefined)).toBe('api');
  });

  it('derives pagination from parameter names', () => {
    expect(paginationStyleOf(['page', 'page-size'])).toBe('page-size');
    expect(paginationStyleOf(['page', 'pageSize'])).toBe('pageSize');
    expect(paginationStyleOf(['page', 'limit'])).toBe('limit');
    expect(paginationStyleOf([], ['page', 'pageSize'])).toBe('body');
    expect(paginationStyleOf(['name'])).toBe('none');
  });

  it('marks reports, audit log, time-entry scans and bulk writes as heavy, plain lookups not', () => {
    const heavy = (
      method: 'GET' | 'PUT' | 'POST' | 'DELETE',
      path: string,
      server: 'api' | 'reports' = 'api',
    ) => isHeavyOperation({ method, path, server });
    expect(heavy('POST', '/v1/workspaces/{workspaceId}/reports/detailed', 'reports')).toBe(true);
    expect(heavy('GET', '/v1/workspaces/{workspaceId}/user/{userId}/time-entries')).toBe(true);
    expect(heavy('PUT', '/v1/workspaces/{workspaceId}/user/{userId}/time-entries')).toBe(true);
    expect(heavy('GET', '/v1/workspaces/{workspaceId}/time-entries/{id}')).toBe(false);
    expect(heavy('POST', '/v1/workspaces/{workspaceId}/time-entries')).toBe(false);
    expect(heavy('GET', '/v1/workspaces/{workspaceId}/projects')).toBe(false);
    expect(catalogue.get('getAuditLogs')?.heavy).toBe(true);
    expect(catalogue.get('getUpdatedEntityInfo')?.heavy).toBe(true);
    expect(catalogue.get('getClients')?.heavy).toBe(false);
  });
});
