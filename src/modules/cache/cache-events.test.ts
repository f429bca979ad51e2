import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cacheActionFor } from './cache-events.js';

const sample = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(`test/fixtures/clockify/webhook-samples/${name}.json`, 'utf8')) as Record<
    string,
    unknown
  >;
const WS = '5f11791a4e759e12c40733ba';

describe('cacheActionFor', () => {
  it('upserts a project from NEW_PROJECT and PROJECT_UPDATED, replacing the data', () => {
    const p = sample('NEW_PROJECT');
    expect(cacheActionFor('NEW_PROJECT', p, WS)).toEqual({
      kind: 'upsert',
      entityType: 'project',
      entityId: p.id,
      data: p,
      merge: false,
    });
    expect(cacheActionFor('PROJECT_UPDATED', sample('PROJECT_UPDATED'), WS)).toMatchObject({
      kind: 'upsert',
      entityType: 'project',
    });
  });

  it('deletes on *_DELETED events, by the id field the payload carries', () => {
    expect(cacheActionFor('PROJECT_DELETED', sample('PROJECT_DELETED'), WS)).toEqual({
      kind: 'delete',
      entityType: 'project',
      entityId: '5f1185197db7a8637ffcaf1d',
    });
    expect(cacheActionFor('TIME_ENTRY_DELETED', sample('TIME_ENTRY_DELETED'), WS)).toMatchObject({
      kind: 'delete',
      entityType: 'time-entry',
    });
    const expense = sample('EXPENSE_DELETED');
    expect(cacheActionFor('EXPENSE_DELETED', expense, expense.workspaceId as string)).toEqual({
      kind: 'delete',
      entityType: 'expense',
      entityId: expense.expenseId,
    });
    expect(
      cacheActionFor('USER_DELETED_FROM_WORKSPACE', sample('USER_DELETED_FROM_WORKSPACE'), WS),
    ).toMatchObject({ kind: 'delete', entityType: 'user' });
  });

  it('merges partial user payloads instead of replacing the cached user', () => {
    expect(cacheActionFor('USER_UPDATED', sample('USER_UPDATED'), WS)).toMatchObject({
      kind: 'upsert',
      entityType: 'user',
      merge: true,
    });
  });

  it('maps tasks, time entries, clients and expenses', () => {
    expect(cacheActionFor('NEW_TASK', sample('NEW_TASK'), WS)).toMatchObject({
      entityType: 'task',
      entityId: '5f1189847db7a8637ffcaf25',
    });
    expect(cacheActionFor('NEW_TIME_ENTRY', sample('NEW_TIME_ENTRY'), WS)).toMatchObject({
      kind: 'upsert',
      entityType: 'time-entry',
    });
    expect(cacheActionFor('NEW_CLIENT', sample('NEW_CLIENT'), WS)).toMatchObject({
      kind: 'upsert',
      entityType: 'client',
    });
    const expense = sample('EXPENSE_CREATED');
    expect(cacheActionFor('EXPENSE_CREATED', expense, expense.workspaceId as string)).toMatchObject({
      kind: 'upsert',
      entityType: 'expense',
      entityId: expense.id,
    });
  });

  it('ignores events without one entity, unknown events, and payloads of another workspace', () => {
    const invited = sample('USERS_INVITED_TO_WORKSPACE');
    expect(cacheActionFor('USERS_INVITED_TO_WORKSPACE', invited, invited.workspaceId as string).kind).toBe(
      'ignore',
    );
    expect(cacheActionFor('SOMETHING_NEW', { id: 'x' }, WS).kind).toBe('ignore');
    expect(cacheActionFor('NEW_PROJECT', sample('NEW_PROJECT'), 'another-workspace')).toEqual({
      kind: 'ignore',
      reason: 'payload belongs to another workspace',
    });
    expect(cacheActionFor('NEW_PROJECT', { name: 'no id' }, WS).kind).toBe('ignore');
    expect(cacheActionFor('NEW_PROJECT', [1, 2], WS).kind).toBe('ignore');
  });
});
