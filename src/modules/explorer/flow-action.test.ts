import { describe, expect, it } from 'vitest';
import { ClockifyActionFields } from '../flows/definition.js';
import type { FlowContext } from '../flows/context.js';
import { render } from '../flows/templates.js';
import { asFlowAction, asLiteralTemplate } from './flow-action.js';

const ctx: FlowContext = {
  webhook: { name: 'from the event' },
  event: { id: 'e1', type: 'NEW_PROJECT', source: 'clockify', receivedAt: '2026-05-07T10:00:00Z' },
  workspace: { id: 'ws1' },
};

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

  it('fits the flows’ clockify action fields', () => {
    const { type, ...fields } = asFlowAction({
      operationId: 'createNewProject',
      pathParams: { workspaceId: 'w' },
      query: {},
      body: { name: 'x' },
    });
    expect(type).toBe('clockify');
    expect(() => ClockifyActionFields.parse(fields)).not.toThrow();
  });

  it('escapes template markers so the flow sends exactly what the explorer sent', () => {
    const body = {
      name: '{{ webhook.name }}',
      note: 'a {{{ b }} }} c {{',
      list: ['{{', 7, null, true],
      nested: { deep: "{{ '{{' }}" },
    };
    const action = asFlowAction({
      operationId: 'updateTask',
      pathParams: { workspaceId: 'w', projectId: '{{x}}', taskId: 't' },
      query: { name: '{{ webhook.name }}' },
      body,
    });
    for (const [field, original] of [
      [action.body, body],
      [action.pathParams, { projectId: '{{x}}', taskId: 't' }],
      [action.query, { name: '{{ webhook.name }}' }],
    ] as const) {
      const rendered = render(field, ctx);
      expect(rendered).toEqual({ ok: true, value: original });
    }
  });

  it('leaves strings without markers unchanged', () => {
    expect(asLiteralTemplate('plain } text {')).toBe('plain } text {');
  });
});
