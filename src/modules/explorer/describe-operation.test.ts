import { beforeAll, describe, expect, it } from 'vitest';
import { type Catalogue, loadCatalogue } from '../../integrations/clockify/catalogue.js';
import { describeOperation, executionBlocker } from './describe-operation.js';

const NOW = new Date('2026-05-07T10:11:12.345Z');
const CTX = { workspaceId: 'ws1', addonUserId: 'u1' };

let catalogue: Catalogue;
beforeAll(async () => {
  catalogue = await loadCatalogue();
});

const detail = (id: string, caps?: { maxDepth: number; maxNodes: number }) =>
  describeOperation(catalogue.get(id)!, CTX, { now: NOW, ...(caps ? { caps } : {}) });

describe('describeOperation', () => {
  it('shows parameters with their schemas, the body and response schemas, and an example', () => {
    const d = detail('createNewProject');
    expect(d).toMatchObject({
      operationId: 'createNewProject',
      method: 'POST',
      scope: 'PROJECT_WRITE',
      flags: { write: true },
      parameters: [{ name: 'workspaceId', in: 'path', required: true, schema: { type: 'string' } }],
      requestBody: { required: true, contentType: 'application/json', schema: { type: 'object' } },
      response: { status: 201, schema: { type: 'object' } },
      truncated: false,
      example: { pathParams: { workspaceId: 'ws1' }, query: {}, body: { name: 'Software Development' } },
    });
    expect(d.blocked).toBeUndefined();
  });

  it('fills the add-on user into a userId path parameter of the example', () => {
    expect(detail('getTimeEntries').example.pathParams).toEqual({ workspaceId: 'ws1', userId: 'u1' });
  });

  // GroupOneDto (reached from the summary report) is the spec's one self-referencing schema.
  it('keeps circular $ref markers and stays serialisable', () => {
    const d = detail('generateSummaryReport');
    const json = JSON.stringify(d);
    expect(json).toContain('"$ref":"#/components/schemas/GroupOneDto"');
  });

  it('caps huge schemas and says so', () => {
    const d = detail('generateDetailedReport', { maxDepth: 2, maxNodes: 50 });
    expect(d.truncated).toBe(true);
    expect(JSON.stringify(d.requestBody)).toContain('"x-truncated":true');
  });

  it('cuts no Clockify request body schema with the default caps', () => {
    for (const op of catalogue.operations) {
      const d = describeOperation(op, CTX, { now: NOW });
      expect(JSON.stringify(d.requestBody ?? {}), op.operationId).not.toContain('x-truncated');
    }
  });
});

describe('executionBlocker', () => {
  it('blocks the three operations that refuse the add-on token', () => {
    const blocked = catalogue.operations.filter((op) => executionBlocker(op)?.includes('add-on token'));
    expect(blocked.map((op) => op.operationId).sort()).toEqual([
      'createWorkspace',
      'getAuditLogs',
      'getWorkspacesOfUser',
    ]);
    expect(detail('getAuditLogs').blocked).toBe(
      'Clockify does not accept the add-on token for this operation (it accepts ApiKeyAuth)',
    );
  });

  it('blocks the file uploads (multipart bodies) and nothing else', () => {
    const blocked = catalogue.operations.filter((op) => executionBlocker(op)?.includes('multipart'));
    expect(blocked.map((op) => op.operationId).sort()).toEqual([
      'createExpense',
      'updateExpense',
      'uploadImage',
    ]);
  });
});
