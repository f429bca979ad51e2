/** Test helpers: a hand-made catalogue operation, for rules the real spec does not exercise. */
import type { ClockifyOperation } from '../../integrations/clockify/catalogue.js';
import { pathParamNames } from '../../integrations/clockify/classify-operation.js';

export function makeOperation(overrides: Partial<ClockifyOperation> = {}): ClockifyOperation {
  const path = overrides.path ?? '/v1/workspaces/{workspaceId}/things/{thingId}';
  const method = overrides.method ?? 'GET';
  const pathParams = pathParamNames(path);
  return {
    operationId: 'testOperation',
    method,
    path,
    summary: 'A test operation',
    tags: ['Test'],
    parameters: pathParams.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
    pathParams,
    successStatus: 200,
    server: 'api',
    deprecated: false,
    safe: method === 'GET',
    heavy: false,
    pagination: 'none',
    security: ['ApiKeyAuth', 'AddonKeyAuth'],
    ...overrides,
  };
}
