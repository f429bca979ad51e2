import { describe, expect, it } from 'vitest';
import { asFlowAction } from './flow-action.js';

describe('asFlowAction', () => {
  it('keeps the literal values and leaves the workspace to the flow', () => {
    const execution = {
      operationId: 'updateProject',
      pathParams: { workspaceId: 'ws1', projectId: 'p1' },
      query: { hydrated: true, clients: ['c1'] },
      body: { name: 'Renamed', memberships: [{ userId: 'u1' }] },
    };
    const action = asFlowAction(execution);
    expect(action).toEqual({
      type: 'clockify',
      operationId: 'updateProject',
      pathParams: { projectId: 'p1' },
      query: { hydrated: true, clients: ['c1'] },
      body: { name: 'Renamed', memberships: [{ userId: 'u1' }] },
    });
    // A copy: editing the action later does not change the execution record.
    (action.body as { name: string }).name = 'changed';
    (action.query.clients as string[]).push('c2');
    expect(execution.body.name).toBe('Renamed');
    expect(execution.query.clients).toEqual(['c1']);
  });

  it('has no body key when the call had none', () => {
    expect(asFlowAction({ operationId: 'getProjects', pathParams: { workspaceId: 'w' }, query: {} })).toEqual(
      {
        type: 'clockify',
        operationId: 'getProjects',
        pathParams: {},
        query: {},
      },
    );
  });
});
