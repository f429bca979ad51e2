import { describe, expect, it } from 'vitest';
import { makeContext } from '../../../test/helpers/flow-fixtures.js';
import type { FlowAction } from './definition.js';
import { renderAction } from './render-action.js';

const ctx = makeContext();
const base = { onError: 'stop' as const };

describe('renderAction', () => {
  it('renders only the templated fields of the action type', () => {
    const action: FlowAction = {
      ...base,
      id: 'notify',
      type: 'http',
      method: 'POST',
      url: 'https://hooks.example.com/{{ workspace.id }}',
      headers: { 'X-Event': '{{ event.type }}' },
      body: { amount: '{{ webhook.hourlyRate.amount }}' },
      description: 'stays {{ as written }}',
    };
    const r = renderAction(action, 1, ctx);
    expect(r).toEqual({
      ok: true,
      action: {
        ...action,
        url: 'https://hooks.example.com/ws1',
        headers: { 'X-Event': 'NEW_TIME_ENTRY' },
        body: { amount: 5000 },
      },
    });
  });

  it('locates a failing template in the definition', () => {
    const action: FlowAction = {
      ...base,
      id: 't',
      type: 'clockify',
      operationId: 'createTask',
      pathParams: { projectId: '{{ webhook.nope }}' },
    };
    const r = renderAction(action, 2, ctx);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.location).toBe('actions[2].pathParams.projectId');
      expect(r.error.code).toBe('unresolved');
    }
  });

  it('refuses an action type it does not know', () => {
    const r = renderAction({ ...base, id: 'x', type: 'shell' }, 0, ctx);
    expect(r.ok ? 'ok' : r.error.location).toBe('actions[0].type');
  });
});
